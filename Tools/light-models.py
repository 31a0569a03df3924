#!/usr/bin/env python3
"""Runs the nine `light_*` models shipped in the pip onnx package through `strata run`.

These are the real-model cases of ONNX's backend test (AlexNet, DenseNet-121, Inception v1/v2,
ResNet-50, ShuffleNet, SqueezeNet, VGG-19, ZFNet-512 with small weights). As onnx's own runner does,
each input is `arange(n) / n` as float32 in the declared shape (a dimension without a value is 1),
and the output must match `light_<model>_output_0.pb` within the stated tolerance
(|got - want| <= atol + rtol*|want|, as testlib.compare applies a testlib.Rule).

Except where float32 cannot decide the output. Most of these models end in a Softmax over 1000
logits that are all equal and, whatever the input (their biases dominate), of magnitude 1e9 to
1e31: one float32 ulp there is 1e3 or more, so the softmax is decided by the order in which each
logit's sum was rounded (a uniform 0.001 where all 1000 round alike, 0.25 on four where a GEMM
kernel's edge rows round differently), which differs between CPUs and BLAS kernels. Where the
logits reaching a Softmax output exceed LOGIT_LIMIT (as onnxruntime, run live on the same input,
computes them), the check moves to what float32 does decide: Strata's logits must match
onnxruntime's at the stated tolerance, and Strata's output must be the softmax (computed here in
float64) of Strata's own logits.

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
import onnxruntime as ort
from onnx import helper, numpy_helper

import testlib
from testlib import DEFAULT_BINARY, ROOT, RELEASE_BUILD

LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")

# (model, rtol, atol) as listed by onnx.backend.test.case.model.collect_testcases: ONNX's own per-model
# tolerances for these outputs, not a policy rule, so they stay here and become a testlib.Rule each.
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


# A Softmax output is decided by float32 when its largest logit |z| keeps a few ulps of rounding in
# z (|z|·2^-23·64) below rtol: logits up to about 130 for rtol 1e-3; real classifiers' stay far below.
LOGIT_ULPS = 64


def logit_limit(rtol):
    return rtol / (LOGIT_ULPS * 2.0 ** -23)


def softmax(z, axis, opset):
    """ONNX Softmax in float64: before opset 13 over the input coerced to 2-D at `axis`."""
    z = z.astype(np.float64)
    if opset < 13:
        flat = z.reshape(int(np.prod(z.shape[:axis], dtype=np.int64)), -1)
        e = np.exp(flat - flat.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(z.shape)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_outputs(model):
    """{graph output name: (softmax input name, axis, opset)} for outputs made by a Softmax node."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
    outputs = {o.name for o in model.graph.output}
    found = {}
    for node in model.graph.node:
        if node.op_type == "Softmax" and node.output[0] in outputs:
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1 if opset < 13 else -1)
            found[node.output[0]] = (node.input[0], axis, opset)
    return found


def live_logits(model, feeds, names):
    """The named tensors as onnxruntime computes them on `feeds` (added as extra graph outputs)."""
    if not names:
        return {}
    extended = onnx.ModelProto()
    extended.CopyFrom(model)
    for name in names:
        extended.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(extended.SerializeToString(), options, providers=["CPUExecutionProvider"])
    values = session.run(names, feeds)
    return dict(zip(names, values))


def mismatch(name, got, want, rule):
    """None when `got` matches `want` under `rule` (a testlib.Rule); the problem otherwise."""
    if got.dtype != want.dtype or got.shape != want.shape:
        return f"'{name}': {got.dtype}{list(got.shape)}, expected {want.dtype}{list(want.shape)}"
    c = testlib.compare(got, want, rule)
    return None if c.ok else f"'{name}': {c.describe()}"


def dummy_input(info):
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in info.type.tensor_type.shape.dim)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def run_model(binary, name, rtol, atol):
    """(problem or None, notes) for one model."""
    rule = testlib.Rule(rtol=rtol, atol=atol)
    path = os.path.join(LIGHT, f"light_{name}.onnx")
    model = onnx.load(path, load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    feeds = {info.name: dummy_input(info) for info in model.graph.input if info.name not in initializers}
    softmaxes = softmax_outputs(model)
    logits = live_logits(model, feeds, sorted({s[0] for s in softmaxes.values()}))
    # Softmax outputs whose logits float32 cannot resolve: checked through their logits instead.
    undecided = {out: s for out, s in softmaxes.items() if np.max(np.abs(logits[s[0]])) > logit_limit(rtol)}
    notes = []
    with tempfile.TemporaryDirectory(prefix="strata-light-") as tmp:
        command = ["run", path, "--out", os.path.join(tmp, "out"), "--quiet"]
        for j, value in enumerate(feeds.values()):
            npy = os.path.join(tmp, f"input_{j}.npy")
            np.save(npy, value)
            command += ["--input", npy]
        for info in model.graph.output:
            command += ["--layer", info.name]
        for logit_name in sorted({s[0] for s in undecided.values()}):
            command += ["--layer", logit_name]
        result = testlib.run_strata(binary, command)
        if result.returncode != 0:
            return (testlib.last_line(result.stderr) or f"exit code {result.returncode}"), notes
        manifest = json.load(open(os.path.join(tmp, "out", "manifest.json")))
        files = {a["tensor"]: a["file"] for a in manifest["activations"]}

        def captured(tensor):
            return np.load(os.path.join(tmp, "out", files[tensor])) if tensor in files else None

        for i, info in enumerate(model.graph.output):
            got = captured(info.name)
            if got is None:
                return f"output '{info.name}' missing from the manifest", notes
            if info.name in undecided:
                logit_name, axis, opset = undecided[info.name]
                got_logits = captured(logit_name)
                if got_logits is None:
                    return f"Softmax input '{logit_name}' missing from the manifest", notes
                problem = (mismatch(f"Softmax input {logit_name}", got_logits, logits[logit_name], rule)
                           or mismatch(f"output {info.name} as the softmax of Strata's logits", got,
                                       softmax(got_logits, axis, opset).astype(np.float32), rule))
                notes.append(f"'{info.name}': logits up to {np.max(np.abs(logits[logit_name])):.2g}, "
                             "checked through them")
            else:
                reference = os.path.join(LIGHT, f"light_{name}_output_{i}.pb")
                proto = onnx.TensorProto()
                proto.ParseFromString(open(reference, "rb").read())
                problem = mismatch(f"output {info.name}", got, numpy_helper.to_array(proto), rule)
            if problem:
                return problem, notes
    return None, notes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filter", metavar="REGEX", help="only models whose name matches")
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: release build)")
    parser.add_argument("--no-build", action="store_true", help="do not rebuild the release binary first")
    args = parser.parse_args()
    if not args.no_build and args.strata == DEFAULT_BINARY:
        build = subprocess.run(RELEASE_BUILD, cwd=ROOT,
                               capture_output=True, text=True)
        if build.returncode != 0:
            sys.exit("release build failed; run `make build` to see why")
    if not os.access(args.strata, os.X_OK):
        sys.exit(f"no strata binary at {args.strata}")
    passed = failed = 0
    for name, rtol, atol in MODELS:
        if args.filter and not re.search(args.filter, name):
            continue
        problem, notes = run_model(args.strata, name, rtol, atol)
        detail = f": {problem}" if problem else (f" ({'; '.join(notes)})" if notes else "")
        print(f"{'ok  ' if problem is None else 'FAIL'} light_{name}{detail}")
        if problem is None:
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
