#!/usr/bin/env python3
"""Reference values for the StrataEmbedding unit tests, from the real libraries
(pins: Tools/requirements-embed.txt). Writes Fixtures/embedding/reference.json:

- "pca": cases of a float32 matrix X (given as values, or by the formula "wave" below, which the Swift
  test evaluates the same way) and scikit-learn's PCA(n_components=k, svd_solver="full") of it:
  components_ (k x D, signs fixed by scikit-learn's svd_flip: the largest |loading| of each component
  positive), explained_variance_, explained_variance_ratio_ and transform(X) (N x k).
  "wave": X[i, j] = float32(sin(0.37 * i + 0.011 * j * (i % 3 + 1)) + 0.001 * j / D).
- "umapCurve": umap-learn's find_ab_params(spread, min_dist) -> a, b for a few min_dist values.
- "repulsion": t-SNE embeddings (points stored, float64) and how far openTSNE's approximations of the
  repulsive forces (FFT interpolation with its defaults; Barnes-Hut with theta 0.5) are from the exact
  sums over every pair on them: |Z - Z_exact| / Z_exact, and max_i |F_i - F_exact_i| / max |F_exact|
  with F = r / Z the normalised repulsion. The Swift tests hold Strata's approximations to the same
  accuracy as the reference implementation's on the same points.

Run: python3 Tools/make-embedding-fixtures.py
"""
import json
import os

import numpy as np
import openTSNE
import sklearn
import umap
from sklearn.decomposition import PCA
from umap.umap_ import find_ab_params

from testlib import ROOT
OUT = os.path.join(ROOT, "Fixtures", "embedding", "reference.json")


def wave(n, d):
    i = np.arange(n, dtype=np.float64)[:, None]
    j = np.arange(d, dtype=np.float64)[None, :]
    return (np.sin(0.37 * i + 0.011 * j * (i % 3 + 1)) + 0.001 * j / d).astype(np.float32)


def pca_case(name, x, k, stored):
    pca = PCA(n_components=k, svd_solver="full").fit(x.astype(np.float64))
    case = {"name": name, "rows": int(x.shape[0]), "columns": int(x.shape[1]), "components": k,
            "explainedVariance": pca.explained_variance_.tolist(),
            "explainedVarianceRatio": pca.explained_variance_ratio_.tolist(),
            "loadings": pca.components_.ravel().tolist(),
            "embedding": pca.transform(x.astype(np.float64)).ravel().tolist()}
    if stored:
        case["values"] = x.ravel().tolist()
    else:
        case["formula"] = "wave"
    return case


def repulsion_case(method, y):
    from openTSNE import _tsne
    from openTSNE.quad_tree import QuadTree

    d2 = ((y[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    w = 1 / (1 + d2)
    np.fill_diagonal(w, 0)
    z_exact = w.sum()
    f_exact = ((w ** 2)[:, :, None] * (y[:, None, :] - y[None, :, :])).sum(1) / z_exact
    g = np.zeros_like(y)
    if method == "fft":
        z = _tsne.estimate_negative_gradient_fft_2d(y.copy(), g, 3, 50, 1, 1)
    else:
        z = _tsne.estimate_negative_gradient_bh(QuadTree(y), y.copy(), g, 0.5, 1)
    # openTSNE returns the normalised repulsion with the opposite sign (it is the gradient's term).
    f = -g
    return {"method": method, "rows": int(y.shape[0]), "dims": int(y.shape[1]), "points": y.ravel().tolist(),
            "zExact": float(z_exact), "zError": float(abs(z - z_exact) / z_exact),
            "forceError": float(np.abs(f - f_exact).max() / np.abs(f_exact).max())}


def main():
    rng = np.random.default_rng(20261204)
    # Correlated columns with distinct variances: a random mixing of scaled normals.
    latent = rng.standard_normal((40, 6)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.25])
    tall = (latent @ rng.standard_normal((6, 6)) + rng.standard_normal(6)).astype(np.float32)
    cases = [
        pca_case("tall-k2", tall, 2, True),
        pca_case("tall-k3", tall, 3, True),
        # More columns than PCA.exactLimit (4,096): the Gram-matrix solver.
        pca_case("wide-k2", wave(12, 4100), 2, False),
    ]
    curves = []
    for min_dist in [0.0, 0.1, 0.25, 0.5]:
        a, b = find_ab_params(1.0, min_dist)
        curves.append({"spread": 1.0, "minDist": min_dist, "a": float(a), "b": float(b)})
    repulsion = [
        # Sparse points over a span of ~200: 200 intervals of width 1, the regime where the
        # interpolation is least accurate.
        repulsion_case("fft", rng.standard_normal((1000, 2)) * 30),
        repulsion_case("fft", rng.standard_normal((1000, 2)) * 3),
        repulsion_case("bh", rng.standard_normal((1000, 2)) * 10),
        repulsion_case("bh", rng.standard_normal((1000, 3)) * 10),
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "Tools/make-embedding-fixtures.py", "scikit-learn": sklearn.__version__,
                   "umap-learn": umap.__version__, "openTSNE": openTSNE.__version__, "pca": cases, "umapCurve": curves, "repulsion": repulsion}, f)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
