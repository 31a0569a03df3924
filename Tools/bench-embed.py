#!/usr/bin/env python3
"""Embedding speed, side by side in one run with 2 threads (issue 13; not part of `make test`):

- t-SNE of 10,000 points of 256 dimensions: `strata embed --method tsne` against openTSNE 1.0.4
  (its defaults: FFT gradient, 250 early-exaggeration + 500 iterations; Strata runs 250 + 750, as
  scikit-learn does) and, with --sklearn, scikit-learn's TSNE (Barnes-Hut). Goal: Strata <= 0.5 x openTSNE.
- UMAP of the same points: `strata embed --method umap` against umap-learn (n_jobs=2, no random_state,
  so its parallel code paths run), after a warm-up fit on 500 points that compiles its numba code.
  Goal: Strata <= umap-learn.

The points: 10 Gaussian clusters (seeded), centres N(0, 3^2) and unit spread in a random 256-D frame.
Strata reads them as `--input points.npy` through a one-node ONNX model (Identity) whose output is the
layer embedded, so the times are of the whole command: model run, embedding and every output file;
the manifest's "seconds" (the embedding alone) is printed too. Trustworthiness (k = 5) of each result
is printed as a sanity check. Run: python3 Tools/bench-embed.py [--strata PATH] [--sklearn] [--points N]
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time

THREADS = 2
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[variable] = str(THREADS)

import numpy as np  # noqa: E402  (after the thread settings)

from testlib import DEFAULT_BINARY  # noqa: E402


def cpu():
    model, flags = platform.processor(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("", "x86_64"):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    isa = [name for name in ("avx2", "fma", "avx512f") if name in flags]
    return model, isa, os.cpu_count()


def points(n, d, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(10, d))
    labels = rng.integers(0, 10, size=n)
    frame, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return ((centres[labels] + rng.normal(size=(n, d))) @ frame).astype(np.float32), labels


def identity_model(path, d):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["points"], ["features"], name="features")], "identity",
        [helper.make_tensor_value_info("points", TensorProto.FLOAT, ["N", d])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", d])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def strata(binary, work, method):
    out = os.path.join(work, method)
    start = time.perf_counter()
    subprocess.run([binary, "embed", os.path.join(work, "identity.onnx"), "--input", os.path.join(work, "points.npy"),
                    "--layer", "features", "--method", method, "--threads", str(THREADS), "--seed", "0", "--out", out,
                    "--quiet"], check=True)
    seconds = time.perf_counter() - start
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    return np.load(os.path.join(out, "embedding.npy")), seconds, manifest


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--sklearn", action="store_true", help="also time scikit-learn's TSNE")
    parser.add_argument("--skip-umap", action="store_true")
    args = parser.parse_args()
    from sklearn.manifold import trustworthiness

    model, isa, cores = cpu()
    print(f"CPU: {model}; ISA: {', '.join(isa) or 'baseline'}; {cores} cores; {THREADS} threads for every library; "
          f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    x, _ = points(args.points, args.dims)
    sample = np.random.default_rng(1).choice(len(x), size=min(len(x), 3000), replace=False)

    def trust(y):
        return trustworthiness(x[sample], y[sample], n_neighbors=5)

    work = tempfile.mkdtemp(prefix="strata-bench-embed-")
    try:
        np.save(os.path.join(work, "points.npy"), x)
        identity_model(os.path.join(work, "identity.onnx"), args.dims)
        rows = []

        def record(*row):
            rows.append(row)
            method, name, seconds, inner, t, notes = row
            inner_text = f" (embedding {inner:.1f} s)" if inner is not None else ""
            print(f"  {method} {name}: {seconds:.1f} s{inner_text}, trustworthiness {t:.4f}; {notes}", flush=True)

        y, seconds, manifest = strata(args.strata, work, "tsne")
        method = manifest["method"]
        record("t-SNE", "Strata", seconds, manifest["seconds"], trust(y),
                     f"{method['gradient']} gradient, {method['iterations']} iterations, KL {method['klDivergence']:.4f}")
        import openTSNE

        start = time.perf_counter()
        ot = openTSNE.TSNE(n_jobs=THREADS, random_state=0).fit(x)
        ot_seconds = time.perf_counter() - start
        record("t-SNE", f"openTSNE {openTSNE.__version__}", ot_seconds, None, trust(np.asarray(ot)),
                     f"fft gradient, 250 + 500 iterations, KL {ot.kl_divergence:.4f}")
        if args.sklearn:
            import sklearn
            from sklearn.manifold import TSNE

            start = time.perf_counter()
            sk = TSNE(random_state=0, n_jobs=THREADS).fit(x)
            record("t-SNE", f"scikit-learn {sklearn.__version__}", time.perf_counter() - start, None,
                         trust(sk.embedding_), f"barnes_hut, KL {sk.kl_divergence_:.4f}")
        tsne_ratio = seconds / ot_seconds

        umap_ratio = None
        if not args.skip_umap:
            y, seconds, manifest = strata(args.strata, work, "umap")
            method = manifest["method"]
            record("UMAP", "Strata", seconds, manifest["seconds"], trust(y),
                         f"{method['neighborSearch']} neighbours, {method['epochs']} epochs")
            import umap

            umap.UMAP(n_jobs=THREADS).fit(x[:500])  # numba compilation
            start = time.perf_counter()
            reference = umap.UMAP(n_jobs=THREADS).fit_transform(x)
            umap_seconds = time.perf_counter() - start
            record("UMAP", f"umap-learn {umap.__version__}", umap_seconds, None, trust(reference),
                         "compilation warm-up excluded")
            umap_ratio = seconds / umap_seconds
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{args.points:,} points x {args.dims} dimensions")
    print(f"{'method':6} {'implementation':22} {'seconds':>8} {'(embedding)':>12} {'trust.':>7}  notes")
    for method, name, seconds, inner, t, notes in rows:
        inner_text = f"{inner:.1f}" if inner is not None else ""
        print(f"{method:6} {name:22} {seconds:8.1f} {inner_text:>12} {t:7.4f}  {notes}")
    print(f"\nt-SNE: Strata / openTSNE = {tsne_ratio:.2f} (goal <= 0.5): {'met' if tsne_ratio <= 0.5 else 'NOT met'}")
    if umap_ratio is not None:
        print(f"UMAP: Strata / umap-learn = {umap_ratio:.2f} (goal <= 1): {'met' if umap_ratio <= 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
