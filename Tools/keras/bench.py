#!/usr/bin/env python3
"""Speed of `strata bench` against Keras predict on the same Keras file, both on 2 threads.

    Tools/keras/bench.py [--models resnet50,mobilenet_v2] [--runs 10] [--strata PATH] [--json]

Builds each keras.applications model (weights=None, seeded random weights, 224x224x3, batch 1) with
Keras 3 in .venv-keras/, saves it as a legacy .h5 under Fixtures/generated/keras/bench/ (reused when
present), then times
  Keras:  model.predict(x) with tf intra-op parallelism 2, inter-op 1 (median of --runs after warm-up)
  Strata: strata bench FILE.h5 --threads 2 --runs N --json (its median_ms)
and prints a table with the ratio Keras / Strata (above 1: Strata is faster); the direct call
model(x, training=False) is timed too, as Keras' fastest path without predict's overhead.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # Tools/, for testlib
from testlib import DEFAULT_BINARY, ROOT  # noqa: E402
OUT = os.path.join(ROOT, "Fixtures", "generated", "keras", "bench")
MODELS = {"resnet50": "ResNet50", "mobilenet_v2": "MobileNetV2"}
SIZE = 224
SEED = 1234


def in_venv():
    return os.path.realpath(sys.prefix) == os.path.realpath(os.path.join(ROOT, ".venv-keras"))


def reexec_in_venv():
    result = subprocess.run([os.path.join(HERE, "setup-venv.sh")], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("setup-venv.sh failed:\n" + result.stderr)
    python = result.stdout.strip().splitlines()[-1]
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


def keras_model(K, np, name):
    """The model and its .h5 path; the file is written on first use."""
    path = os.path.join(OUT, f"{name}-{SIZE}.k3.h5")
    if os.path.exists(path):
        return K.models.load_model(path, compile=False), path
    K.utils.set_random_seed(SEED)
    model = getattr(K.applications, MODELS[name])(weights=None, input_shape=(SIZE, SIZE, 3))
    rng = np.random.default_rng(SEED)
    for weight in model.weights:
        base = weight.name.split("/")[-1].split(":")[0]
        ranges = {"bias": (-0.2, 0.2), "gamma": (0.5, 1.5), "beta": (-0.3, 0.3),
                  "moving_mean": (-0.5, 0.5), "moving_variance": (0.3, 2.0)}
        if base in ranges:
            weight.assign(rng.uniform(*ranges[base], tuple(weight.shape)).astype(np.float32))
    os.makedirs(OUT, exist_ok=True)
    model.save(path)
    return model, path


def time_keras(np, runs, run):
    """Median milliseconds of `run(x)` after three warm-up calls."""
    x = np.random.default_rng(SEED).standard_normal((1, SIZE, SIZE, 3)).astype(np.float32)
    for _ in range(3):
        run(x)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(x)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def time_strata(binary, path, runs):
    result = subprocess.run([binary, "bench", path, "--threads", "2", "--runs", str(runs), "--json"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit code {result.returncode}"
    return json.loads(result.stdout)["median_ms"], None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated: " + ", ".join(MODELS))
    parser.add_argument("--runs", type=int, default=10, help="timed runs per framework")
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: release build)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    if not in_venv():
        reexec_in_venv()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras as K

    rows = []
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model '{name}'; choose from {', '.join(MODELS)}")
        model, path = keras_model(K, np, name)
        keras_ms = time_keras(np, args.runs, lambda x: model.predict(x, verbose=0))
        # Calling the model directly skips predict's per-call data pipeline, Keras' fastest eager path.
        call_ms = time_keras(np, args.runs, lambda x: model(x, training=False))
        strata_ms, error = time_strata(args.strata, path, args.runs)
        rows.append({"model": name, "input": [1, SIZE, SIZE, 3], "keras_predict_ms": round(keras_ms, 2),
                     "keras_call_ms": round(call_ms, 2),
                     "strata_ms": None if strata_ms is None else round(strata_ms, 2),
                     "ratio": None if strata_ms is None else round(keras_ms / strata_ms, 2), "error": error})
        K.backend.clear_session()
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'model':<14} {'keras predict ms':>17} {'keras call ms':>14} {'strata ms':>10} {'predict/strata':>15}"
          f" {'call/strata':>12}")
    for row in rows:
        strata = "-" if row["strata_ms"] is None else f"{row['strata_ms']:.1f}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        call_ratio = "-" if row["strata_ms"] is None else f"{row['keras_call_ms'] / row['strata_ms']:.2f}x"
        print(f"{row['model']:<14} {row['keras_predict_ms']:>17.1f} {row['keras_call_ms']:>14.1f} {strata:>10}"
              f" {ratio:>15} {call_ratio:>12}")
        if row["error"]:
            print(f"  {row['error']}")
    print("(2 threads each, batch 1, 224x224; Keras " + K.__version__ + ", TensorFlow " + tf.__version__ + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
