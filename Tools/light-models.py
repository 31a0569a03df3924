#!/usr/bin/env python3
"""Runs the nine `light_*` models shipped in the pip onnx package through `strata run`.

These are the real-model cases of ONNX's backend test (AlexNet, DenseNet-121, Inception v1/v2,
ResNet-50, ShuffleNet, SqueezeNet, VGG-19, ZFNet-512 with small weights). As onnx's own runner does,
each input is `arange(n) / n` as float32 in the declared shape (a dimension without a value is 1),
and the output must match `light_<model>_output_0.pb` within the stated tolerance
(|got - want| <= atol + rtol*|want|).

    python3 Tools/light-models.py [--filter REGEX] [--strata PATH] [--no-build]

Prints one line per model and `N passed, M failed`; exits 1 on any failure.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "strata")

# (model, rtol, atol) as listed by onnx.backend.test.case.model.collect_testcases.
MODELS = [
    ("bvlc_alexnet", 1e-3, 1e-7),
    ("densenet121", 2e-3, 1e-7),
    ("inception_v1", 1e-3, 1e-7),
    ("inception_v2", 1e-3, 1e-7),
    ("resnet50", 1e-3, 1e-7),
    ("shufflenet", 1e-3, 1e-7),
    ("squeezenet", 1e-3, 1e-7),
    ("vgg19", 1e-3, 1e-7),
    ("zfnet512", 1e-3, 1e-7),
]


def dummy_input(info):
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in info.type.tensor_type.shape.dim)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def run_model(binary, name, rtol, atol):
    path = os.path.join(LIGHT, f"light_{name}.onnx")
    model = onnx.load(path, load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    with tempfile.TemporaryDirectory(prefix="strata-light-") as tmp:
        command = [binary, "run", path, "--out", os.path.join(tmp, "out"), "--quiet"]
        for j, info in enumerate(i for i in model.graph.input if i.name not in initializers):
            npy = os.path.join(tmp, f"input_{j}.npy")
            np.save(npy, dummy_input(info))
            command += ["--input", npy]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines()
            return lines[-1] if lines else f"exit code {result.returncode}"
        manifest = json.load(open(os.path.join(tmp, "out", "manifest.json")))
        files = {a["tensor"]: a["file"] for a in manifest["activations"]}
        for i, info in enumerate(model.graph.output):
            reference = os.path.join(LIGHT, f"light_{name}_output_{i}.pb")
            proto = onnx.TensorProto()
            proto.ParseFromString(open(reference, "rb").read())
            want = numpy_helper.to_array(proto)
            if info.name not in files:
                return f"output '{info.name}' missing from the manifest"
            got = np.load(os.path.join(tmp, "out", files[info.name]))
            if got.dtype != want.dtype or got.shape != want.shape:
                return f"output '{info.name}': {got.dtype}{list(got.shape)}, expected {want.dtype}{list(want.shape)}"
            ok = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
            if not ok.all():
                err = float(np.max(np.abs(got.astype(np.float64) - want)))
                return f"output '{info.name}': {int((~ok).sum())} of {want.size} values differ, max abs err {err:.3g}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filter", metavar="REGEX", help="only models whose name matches")
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: release build)")
    parser.add_argument("--no-build", action="store_true", help="do not rebuild the release binary first")
    args = parser.parse_args()
    if not args.no_build and args.strata == DEFAULT_BINARY:
        build = subprocess.run(["swift", "build", "-c", "release", "--product", "strata"], cwd=ROOT,
                               capture_output=True, text=True)
        if build.returncode != 0:
            sys.exit("release build failed; run `swift build -c release --product strata` to see why")
    if not os.access(args.strata, os.X_OK):
        sys.exit(f"no strata binary at {args.strata}")
    passed = failed = 0
    for name, rtol, atol in MODELS:
        if args.filter and not re.search(args.filter, name):
            continue
        problem = run_model(args.strata, name, rtol, atol)
        print(f"{'ok  ' if problem is None else 'FAIL'} light_{name}" + ("" if problem is None else f": {problem}"))
        if problem is None:
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
