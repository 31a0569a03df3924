#!/usr/bin/env python3
"""`strata embed` against the reference implementations, on the activations of real inputs.

Data: the demo model (Fixtures/demo/digits.keras) over 5,000 digit images made with the demo's own
recipe (Tools/demo/make-demo-model.py: scikit-learn's 1,797 digits scaled to 0-255 and enlarged to
32x32 with Pillow's bicubic filter), each image once as it is and the rest as augmented copies (shifts
of up to 2 pixels, contrast x0.8-1.2, the demo's augmentation), written once into the git-ignored
Fixtures/generated/embed-digits/ with a labels.csv. Strata runs the model and embeds layer `fc`
(64 units); the feature matrix it embedded is read back from the projector's `features.bytes`, so the
references see exactly the same data.

Checks (issue 13; pins in Tools/requirements-embed.txt):
- PCA (3 components): |correlation| >= 0.9999 with scikit-learn's PCA, per component.
- t-SNE: trustworthiness (k = 5, sklearn.manifold.trustworthiness) >= scikit-learn's TSNE's - 0.01, and
  KL(P||Q) <= 1.05 x openTSNE 1.0.4's (FFT gradient, 250 + 750 iterations as Strata runs), both KLs
  computed here the same way: P of perplexity 30 over the 90 nearest neighbours (openTSNE's exact
  affinities), Q over every pair.
- UMAP: trustworthiness >= umap-learn's - 0.02.
- The projector folder read by TensorBoard's own projector plugin (config parser, tensor, metadata and
  sprite routes): every tensor equals embedding.npy / the features, metadata rows match the labels.
All with 2 threads. The reference libraries' results (trustworthiness, KL) are deterministic for the
same features (random_state 0), so they are cached next to the images under a hash of the features
and the library versions; a run with a cache takes well under 2 minutes on 2 cores. Run: python3 Tools/test-embed.py [--strata PATH] [--keep]
"""
import argparse
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

import testlib
from testlib import DEFAULT_BINARY, ROOT

MODEL = os.path.join(ROOT, "Fixtures", "demo", "digits.keras")
DATA = os.path.join(ROOT, "Fixtures", "generated", "embed-digits")
COUNT = 5000
SEED = 13
THREADS = 2

# Every check printed as it is made, counted by testlib's Checker.
CHECKS = testlib.Checker(verbose=True)


def check(ok, message):
    CHECKS.check(message, ok)


def make_images():
    """The 5,000 images and labels.csv (once; a stamp file marks a complete set)."""
    stamp = os.path.join(DATA, "complete.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f).get("count") == COUNT:
                return
    from PIL import Image
    from sklearn.datasets import load_digits

    shutil.rmtree(DATA, ignore_errors=True)
    os.makedirs(DATA)
    digits = load_digits()
    small = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    big = np.stack([np.asarray(Image.fromarray(im, mode="L").resize((32, 32), Image.BICUBIC)) for im in small])
    labels = digits.target
    rng = np.random.default_rng(SEED)
    rows = []
    for n in range(COUNT):
        i = n % len(big)
        image = big[i]
        if n >= len(big):
            dy, dx = rng.integers(-2, 3, size=2)
            image = np.clip(np.roll(np.roll(image, dy, axis=0), dx, axis=1) * rng.uniform(0.8, 1.2), 0, 255).astype(np.uint8)
        name = f"{n:04d}-d{labels[i]}.png"
        Image.fromarray(image, mode="L").save(os.path.join(DATA, name))
        rows.append((name, int(labels[i])))
    with open(os.path.join(DATA, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "label"])
        w.writerows(rows)
    with open(stamp, "w") as f:
        json.dump({"count": COUNT, "seed": SEED}, f)


def embed(strata, out, method, extra=()):
    """Runs `strata embed` and returns (embedding, features, labels, manifest, seconds)."""
    args = ["embed", MODEL, "--images", DATA, "--preprocess", "raw", "--batch", "100", "--layer", "fc",
            "--method", method, "--labels", os.path.join(DATA, "labels.csv"), "--threads", str(THREADS),
            "--seed", "0", "--out", out, "--quiet", *extra]
    start = time.perf_counter()
    result = testlib.run_strata(strata, args, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"strata {' '.join(args)} exited {result.returncode}: {testlib.last_line(result.stderr)}")
    seconds = time.perf_counter() - start
    embedding = np.load(os.path.join(out, "embedding.npy"))
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    n, d = manifest["inputs"], manifest["features"]
    features = np.fromfile(os.path.join(out, "projector", "features.bytes"), dtype="<f4").reshape(n, d)
    with open(os.path.join(out, "embedding.csv"), newline="") as f:
        labels = np.array([int(r["label"]) for r in csv.DictReader(f)])
    return embedding, features, labels, manifest, seconds


def cached(features, name, compute):
    """compute() once per features and library versions, remembered in DATA/reference-*.json."""
    import hashlib

    import openTSNE
    import sklearn
    import umap

    versions = f"sklearn {sklearn.__version__} openTSNE {openTSNE.__version__} umap {umap.__version__}"
    key = hashlib.sha256(features.tobytes() + versions.encode()).hexdigest()[:16]
    path = os.path.join(DATA, f"reference-{key}.json")
    values = {}
    if os.path.exists(path):
        with open(path) as f:
            values = json.load(f)
    if name not in values:
        start = time.perf_counter()
        values[name] = compute()
        print(f"      {name}: computed in {time.perf_counter() - start:.1f} s (cached in {os.path.relpath(path, ROOT)})", flush=True)
        with open(path, "w") as f:
            json.dump(values, f)
    return values[name]


def kl_divergence(p, y):
    """KL(P||Q) with Q_ij = (1 + |y_i - y_j|^2)^-1 / Z over every pair i != j (P sparse, sums to 1)."""
    y = y.astype(np.float64)
    n = len(y)
    z = 0.0
    sq = (y * y).sum(1)
    for start in range(0, n, 1000):
        block = y[start:start + 1000]
        d2 = np.maximum(sq[start:start + 1000, None] + sq[None, :] - 2 * block @ y.T, 0)
        w = 1.0 / (1.0 + d2)
        z += w.sum() - len(block)  # the diagonal's w_ii = 1
    p = p.tocoo()
    mask = p.data > 0
    i, j, pij = p.row[mask], p.col[mask], p.data[mask]
    w = 1.0 / (1.0 + ((y[i] - y[j]) ** 2).sum(1))
    return float((pij * np.log(pij / (w / z))).sum())


def check_pca(strata, work, features_from_tsne):
    from sklearn.decomposition import PCA

    out = os.path.join(work, "pca")
    embedding, features, _, manifest, seconds = embed(strata, out, "pca", ["--dims", "3"])
    check(np.array_equal(features, features_from_tsne), "PCA and t-SNE runs embedded the same features")
    reference = PCA(n_components=3, svd_solver="full").fit(features.astype(np.float64))
    ours = manifest["method"]
    for c in range(3):
        r = abs(np.corrcoef(embedding[:, c], reference.transform(features.astype(np.float64))[:, c])[0, 1])
        check(r >= 0.9999, f"PCA component {c + 1}: |correlation| with scikit-learn {r:.7f} >= 0.9999")
        ratio = reference.explained_variance_ratio_[c]
        # Its own rule: within 1e-4 absolute (float32 features, another eigensolver).
        CHECKS.close(f"PCA component {c + 1}: explained variance ratio {ours['explainedVarianceRatio'][c]:.6f} vs scikit-learn {ratio:.6f}",
                     ours["explainedVarianceRatio"][c], ratio, testlib.Rule(rtol=0, atol=1e-4))
    print(f"      PCA: {seconds:.1f} s (whole command)")


def check_projector(out, embedding, features, labels):
    """Reads DIR/projector through TensorBoard's projector plugin's HTTP routes."""
    from tensorboard.backend import application  # noqa: F401  (the plugin imports it)
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.projector import projector_plugin
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    logdir = os.path.join(out, "projector")
    plugin = projector_plugin.ProjectorPlugin(base_plugin.TBContext(logdir=logdir, data_provider=None))
    apps = plugin.get_plugin_apps()

    def get(route, **query):
        response = Client(apps[route], Response).get(route, query_string=query)
        return response.status_code, response.get_data()

    status, body = get("/runs")
    runs = json.loads(body)
    check(status == 200 and runs == ["."], f"projector plugin lists the run: {runs}")
    status, body = get("/info", run=".")
    config = json.loads(body)
    names = [e["tensorName"] for e in config.get("embeddings", [])]
    check(status == 200 and names == ["fc t-SNE", "fc"], f"projector config parsed: tensors {names}")
    for name, want in [("fc t-SNE", embedding), ("fc", features)]:
        status, body = get("/tensor", run=".", name=name)
        tensor = np.frombuffer(body, dtype=np.float32)
        check(status == 200 and tensor.size == want.size and np.array_equal(tensor.reshape(want.shape), want.astype(np.float32)),
              f"projector tensor '{name}' {want.shape} read back equal")
        status, body = get("/metadata", run=".", name=name)
        lines = body.decode().splitlines()
        check(status == 200 and lines[0] == "label\tfile" and [int(l.split("\t")[0]) for l in lines[1:]] == labels.tolist(),
              f"projector metadata of '{name}': header and {len(lines) - 1} labels")
    status, body = get("/sprite_image", run=".", name="fc t-SNE")
    from PIL import Image
    sprite = Image.open(io.BytesIO(body))
    dims = config["embeddings"][0]["sprite"]["singleImageDim"]
    side = int(np.ceil(np.sqrt(len(embedding))))
    check(status == 200 and max(sprite.size) <= 8192 and sprite.size == (side * dims[0], side * dims[1]),
          f"projector sprite {sprite.size}, cells {dims}, at most 8192 px a side")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("--keep", action="store_true", help="keep the output folders (printed)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    os.environ.setdefault("NUMBA_NUM_THREADS", str(THREADS))
    make_images()
    work = tempfile.mkdtemp(prefix="strata-embed-")
    try:
        from sklearn.manifold import TSNE, trustworthiness

        # t-SNE.
        out = os.path.join(work, "tsne")
        embedding, features, labels, manifest, seconds = embed(strata=args.strata, out=out, method="tsne")
        check(embedding.shape == (COUNT, 2) and len(labels) == COUNT, f"t-SNE of {len(embedding)} inputs x {features.shape[1]} features")
        x = features.astype(np.float64)
        ours_t = trustworthiness(x, embedding, n_neighbors=5)
        sk_t = cached(features, "scikit-learn TSNE trustworthiness", lambda: trustworthiness(
            x, TSNE(n_components=2, random_state=0, n_jobs=THREADS).fit_transform(x), n_neighbors=5))
        check(ours_t >= sk_t - 0.01, f"t-SNE trustworthiness {ours_t:.4f} >= scikit-learn's {sk_t:.4f} - 0.01")

        import openTSNE
        from openTSNE import affinity

        p = affinity.PerplexityBasedNN(x, perplexity=30, method="exact", n_jobs=THREADS, random_state=0).P

        def open_tsne():
            ot = openTSNE.TSNE(n_jobs=THREADS, random_state=0, negative_gradient_method="fft", n_iter=750).fit(x)
            return [kl_divergence(p, np.asarray(ot)), float(ot.kl_divergence)]

        (ot_kl, ot_own) = cached(features, "openTSNE KL", open_tsne)
        ours_kl = kl_divergence(p, embedding)
        check(ours_kl <= 1.05 * ot_kl, f"t-SNE KL divergence {ours_kl:.4f} <= 1.05 x openTSNE's {ot_kl:.4f}"
              f" (Strata reports {manifest['method']['klDivergence']:.4f}, openTSNE {ot_own:.4f})")
        print(f"      t-SNE: Strata {seconds:.1f} s (whole command, {manifest['method']['gradient']} gradient)")
        check_projector(out, embedding, features, labels)

        check_pca(args.strata, work, features)

        # UMAP.
        import umap

        out = os.path.join(work, "umap")
        embedding, features_u, _, manifest, seconds = embed(args.strata, out, "umap")
        check(np.array_equal(features_u, features), "UMAP and t-SNE runs embedded the same features")
        ours_t = trustworthiness(x, embedding, n_neighbors=5)
        ref_t = cached(features, "umap-learn trustworthiness", lambda: trustworthiness(
            x, umap.UMAP(random_state=0, n_jobs=1).fit_transform(x), n_neighbors=5))
        check(ours_t >= ref_t - 0.02, f"UMAP trustworthiness {ours_t:.4f} >= umap-learn's {ref_t:.4f} - 0.02")
        print(f"      UMAP: Strata {seconds:.1f} s (whole command)")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(CHECKS.summary("test-embed"))
    if CHECKS.failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
