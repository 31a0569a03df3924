#!/usr/bin/env python3
"""Checks `strata compare` on conversions Strata did not make: tf2onnx exports, QDQ and float16 copies.

    python3 Tools/test-compare.py [--strata PATH] [--fixtures DIR] [-v]

Fixtures (made on first use into Fixtures/generated/compare/ by Tools/keras/make-compare-fixtures.py in
.venv-keras, which needs tf2onnx from Tools/keras/requirements.txt): the demo digit classifier
Fixtures/demo/digits.keras and a small CNN with BatchNormalization, each exported with tf2onnx.

1. Keras model against its tf2onnx export. The true counterparts of each Keras layer are found here,
   independently of Strata: every float tensor of the export, run by onnxruntime with all intermediate
   tensors as outputs, whose values equal Keras' layer output (|o - k| <= 1e-3|k| + 1e-4 max|k|) as they
   are, reshaped, or NCHW → NHWC. `strata compare --json` must match at least 90 % of the layers that
   have a counterpart, each to one of its counterparts, match nothing wrongly, and report no divergence.
2. The same export with one convolution weight changed: `first_divergent` must be the first layer (in
   Keras' graph order) downstream of that convolution, itself included, that has an exact counterpart
   in the unchanged export (the BatchNormalization for a convolution tf2onnx folded into it); once with
   the default matching (`--map auto`) and once by values alone (`--map values`, where near matches
   name it).
3. A model and itself (Keras and ONNX): every layer matched by name, every error 0, nothing unmatched.
4. An ONNX CNN and its copy by onnxruntime.quantization.quantize_static (QDQ, uint8 activations, int8
   weights): every float tensor of the original matched, to the DequantizeLinear output of its
   quantized copy where there is one (else the value of that name; a value the quantizer renamed, such
   as a BatchNormalization output whose Relu it dropped, to the value of the same size with the
   highest cosine similarity, found here with numpy); each row's SQNR equal (1e-6 relative) to numpy's
   20·log10(‖a‖/‖a − b‖) on the same two tensors (captured by `strata run --all`).
   Strata without QuantizeLinear/DequantizeLinear kernels reads the QDQ file with each of those
   nodes written as its defining arithmetic (Div, Round, Add, Clip / Sub, Mul: the same values, checked
   against onnxruntime on the QDQ file), compared with --approximate (no quantizer op is left to say so).
5. The same ONNX CNN and onnxruntime's offline optimisation of it (basic level, which folds each
   BatchNormalization into its Conv): every surviving value matched to itself by name within
   tolerance, every removed one reported as fused.
6. The same ONNX CNN and its float16 copy by onnxconverter-common (keep_io_types): every float tensor
   matched by name, within the approximate-copy tolerance (cosine >= 0.99). Skipped, with the reason,
   when onnxconverter-common is not installed or Strata cannot run the float16 copy.

Prints one line per check and `N passed, M failed, K skipped`; exits 1 on any failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

import testlib
from testlib import DEFAULT_BINARY, ROOT

DEFAULT_FIXTURES = os.path.join(ROOT, "Fixtures", "generated", "compare")
KERAS_MODELS = ["digits", "bncnn"]
# The convolution whose weight is changed, per model (in bncnn, tf2onnx folds it with bn2).
CORRUPTED_CONV = {"digits": "conv2", "bncnn": "conv2"}

results = {"passed": 0, "failed": 0, "skipped": 0}
VERBOSE = False


def report(name, ok, detail=""):
    status = "skip" if ok is None else ("ok" if ok else "FAIL")
    results["skipped" if ok is None else ("passed" if ok else "failed")] += 1
    print(f"{status:4}  {name}" + (f": {detail}" if detail else ""), flush=True)


def strata(binary, args, check=True):
    proc = testlib.run_strata(binary, args)
    if check and proc.returncode not in (0, 1):
        raise RuntimeError(f"strata {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc


def compare_json(binary, a, b, extra):
    proc = strata(binary, ["compare", a, b, "--json"] + extra)
    if VERBOSE:
        print(proc.stderr, end="")
    return json.loads(proc.stdout), proc.returncode


def agree(k, o):
    """`o` agrees with the reference `k` under the policy's reference rule (strata compare's default)."""
    return testlib.compare(o, k).ok


def layouts(o, shape):
    """`o` laid out as `shape`: reshaped, or channels-first moved to channels-last."""
    if o.size != int(np.prod(shape)):
        return []
    out = [o.reshape(shape)]
    if o.ndim >= 3:
        out.append(np.moveaxis(o, 1, -1).reshape(shape))
    return out


def all_tensors(model_path, feeds):
    """Every float value of the model (inputs and node outputs) from onnxruntime."""
    model = onnx.load(model_path)
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v.type.tensor_type.elem_type for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    have = {o.name for o in model.graph.output}
    floats = (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE)
    for node in model.graph.node:
        for name in node.output:
            if name and name not in have and types.get(name) in floats:
                model.graph.output.append(helper.make_tensor_value_info(name, types[name], None))
                have.add(name)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    values = dict(zip(names, session.run(names, feeds)))
    values.update(feeds)
    return {k: v for k, v in values.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"}


def make_fixtures(folder):
    if all(os.path.exists(os.path.join(folder, f"{m}.graph.json")) for m in KERAS_MODELS):
        return
    python = testlib.keras_python()
    proc = subprocess.run([python, os.path.join(ROOT, "Tools", "keras", "make-compare-fixtures.py"), folder], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("make-compare-fixtures.py failed:\n" + proc.stderr[-4000:])


def check_tf2onnx(binary, folder, name):
    keras_file, onnx_file = os.path.join(folder, name + ".keras"), os.path.join(folder, name + ".onnx")
    x = np.load(os.path.join(folder, name + ".input.npy"))
    keras_values = dict(np.load(os.path.join(folder, name + ".layers.npz")))
    onnx_model = onnx.load(onnx_file)
    onnx_values = all_tensors(onnx_file, {onnx_model.graph.input[0].name: x})
    truth = {layer: {t for t, o in onnx_values.items() if any(agree(k, v) for v in layouts(o, k.shape))}
             for layer, k in keras_values.items()}
    with_counterpart = {layer for layer, ts in truth.items() if ts}

    document, code = compare_json(binary, keras_file, onnx_file, ["--input", os.path.join(folder, name + ".input.npy")])
    rows = {row["layer"]: row for row in document["layers"]}
    right = [layer for layer in with_counterpart if layer in rows and rows[layer]["other_tensor"] in truth[layer]]
    wrong = [f"{layer} ↔ {row['other_tensor']}" for layer, row in rows.items() if layer in truth and row["other_tensor"] not in truth[layer]]
    share = len(right) / max(1, len(with_counterpart))
    kinds = {}
    for row in document["layers"]:
        kinds[row["match"]] = kinds.get(row["match"], 0) + 1
    ok = share >= 0.9 and not wrong and code == 0 and document["first_divergent"] is None
    report(f"{name}: Keras vs tf2onnx export", ok,
           f"{len(right)} of {len(with_counterpart)} layers with an exact counterpart matched ({share:.0%}), "
           f"{len(wrong)} wrong{': ' + ', '.join(wrong) if wrong else ''}; {len(keras_values) - len(with_counterpart)} without one; "
           f"match kinds {kinds}; exit {code}")

    # One convolution weight changed.
    graph = json.load(open(os.path.join(folder, name + ".graph.json")))
    conv = CORRUPTED_CONV[name]
    corrupted = onnx.load(onnx_file)
    target = next((init for init in corrupted.graph.initializer if len(init.dims) == 4 and f"/{conv}_1/" in init.name), None)
    if target is None:
        report(f"{name}: changed {conv} weight", False, f"no 4-D initializer of {conv} in the export")
        return
    w = numpy_helper.to_array(target).copy()
    w.flat[0] += 0.5 * float(np.max(np.abs(w))) + 0.5
    target.CopyFrom(numpy_helper.from_array(w, target.name))
    corrupted_file = os.path.join(folder, name + ".corrupted.onnx")
    onnx.save(corrupted, corrupted_file)
    # The first layer at or after the convolution, in Keras' graph order, that has an exact counterpart
    # in the export (for a convolution tf2onnx folded with its BatchNormalization, that layer).
    expected = next((layer for layer in graph["order"] if layer in graph["downstream"][conv] and truth.get(layer)), None)
    for mode in ["auto", "values"]:
        document, code = compare_json(binary, keras_file, corrupted_file,
                                      ["--input", os.path.join(folder, name + ".input.npy"), "--map", mode])
        got = document["first_divergent"]
        how = next((row["match"] for row in document["layers"] if row["layer"] == got), None)
        report(f"{name}: {conv} weight changed, --map {mode}", got is not None and got == expected and code == 1,
               f"first_divergent {got} (matched by {how}), expected {expected}; exit {code}")


def check_itself(binary, path, feeds_args):
    document, code = compare_json(binary, path, path, feeds_args)
    rows = document["layers"]
    not_name = [r["layer"] for r in rows if r["match"] != "name"]
    nonzero = [r["layer"] for r in rows if r["max_abs_err"] != 0]
    ok = rows and not not_name and not nonzero and not document["unmatched"] and code == 0
    report(f"{os.path.basename(path)} vs itself", ok,
           f"{len(rows)} rows, {len(not_name)} not by name, {len(nonzero)} with errors, {len(document['unmatched'])} unmatched")


def calibration_reader(model_path, shape_of_input):
    from onnxruntime.quantization import CalibrationDataReader

    name, shape = shape_of_input

    class Reader(CalibrationDataReader):
        def __init__(self):
            rng = np.random.default_rng(5)
            self.batches = iter([{name: rng.uniform(0, 1, shape).astype(np.float32)} for _ in range(16)])

        def get_next(self):
            return next(self.batches, None)

    return Reader()


def qdq_as_arithmetic(path, out):
    """The QDQ model with each QuantizeLinear/DequantizeLinear as its defining float arithmetic, names kept."""
    model = onnx.load(path)
    zero_types = {i.name: i.data_type for i in model.graph.initializer}
    ranges = {onnx.TensorProto.UINT8: (0, 255), onnx.TensorProto.INT8: (-128, 127)}
    nodes = []
    for init in list(model.graph.initializer):
        if init.data_type in (onnx.TensorProto.UINT8, onnx.TensorProto.INT8, onnx.TensorProto.INT32):
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float32), init.name))
    for node in model.graph.node:
        if node.op_type == "QuantizeLinear":
            x, scale, zero = node.input[0], node.input[1], node.input[2]
            lo, hi = ranges[zero_types[zero]]
            p = node.name + "/"
            model.graph.initializer.extend([numpy_helper.from_array(np.array(lo, np.float32), p + "lo"),
                                            numpy_helper.from_array(np.array(hi, np.float32), p + "hi")])
            nodes += [helper.make_node("Div", [x, scale], [p + "scaled"], name=p + "Div"),
                      helper.make_node("Round", [p + "scaled"], [p + "rounded"], name=p + "Round"),
                      helper.make_node("Add", [p + "rounded", zero], [p + "shifted"], name=p + "Add"),
                      helper.make_node("Clip", [p + "shifted", p + "lo", p + "hi"], [node.output[0]], name=node.name)]
        elif node.op_type == "DequantizeLinear":
            p = node.name + "/"
            nodes += [helper.make_node("Sub", [node.input[0], node.input[2]], [p + "centred"], name=p + "Sub"),
                      helper.make_node("Mul", [p + "centred", node.input[1]], [node.output[0]], name=node.name)]
        else:
            nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    del model.graph.value_info[:]
    onnx.save(model, out)



def check_quantized(binary, folder, source, x):
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    model = onnx.load(source)
    input_name = model.graph.input[0].name
    base = os.path.splitext(os.path.basename(source))[0]
    qdq = os.path.join(folder, base + ".qdq.onnx")
    quantize_static(source, qdq, calibration_reader(source, (input_name, list(x.shape))), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    x_file = os.path.join(folder, base + ".qdq-input.npy")
    np.save(x_file, x)
    runnable = qdq
    note = ""
    probe = strata(binary, ["inspect", qdq], check=False)
    if probe.returncode != 0 and "unsupported op" in probe.stderr:
        runnable = os.path.join(folder, base + ".qdq-arithmetic.onnx")
        qdq_as_arithmetic(qdq, runnable)
        note = " (Q/DQ as arithmetic: Strata lacks the Q/DQ kernels)"
        # The rewrite computes what onnxruntime computes on the QDQ file.
        ref = all_tensors(qdq, {input_name: x})
        got = all_tensors(runnable, {input_name: x})
        out = onnx.load(qdq).graph.output[0].name
        if not np.allclose(ref[out], got[out], rtol=1e-5, atol=1e-6):
            report(f"{base}: QDQ rewrite", False, "the arithmetic form differs from onnxruntime on the QDQ file")
            return
    # The arithmetic form has no quantizer op left to tell Strata it is an approximate copy.
    document, code = compare_json(binary, source, runnable, ["--input", x_file] + (["--approximate"] if runnable != qdq else []))
    # Every float value of the original that Strata computes from the input.
    run_a = tempfile.mkdtemp(dir=folder)
    run_b = tempfile.mkdtemp(dir=folder)
    strata(binary, ["run", source, "--input", x_file, "--all", "--out", run_a, "--quiet"])
    strata(binary, ["run", runnable, "--input", x_file, "--all", "--out", run_b, "--quiet"])

    def captured(folder_):
        manifest = json.load(open(os.path.join(folder_, "manifest.json")))
        return {a["tensor"]: os.path.join(folder_, a["file"]) for a in manifest["activations"] if a["dtype"].startswith("float")}

    tensors_a, tensors_b = captured(run_a), captured(run_b)
    rows = {row["tensor"]: row for row in document["layers"]}
    missing = [t for t in tensors_a if t not in rows]
    b_names = set(tensors_b)
    wrong, sqnr_bad, worst = [], [], 0.0
    def counterpart(t):
        """The dequantized value of `t` by name; for a value the quantizer renamed (a BatchNormalization
        whose Relu it dropped), the B value of the same size with the highest cosine similarity."""
        if t + "_DequantizeLinear_Output" in b_names:
            return t + "_DequantizeLinear_Output"
        if t in b_names:
            return t
        a = np.load(tensors_a[t]).astype(np.float64).ravel()
        best, best_cos = None, -2.0
        for name, path in tensors_b.items():
            if "_QuantizeLinear/" in name or "_DequantizeLinear/" in name or name.endswith("_QuantizeLinear_Output"):
                continue  # the arithmetic rewrite's own steps, and quantized (integer) values
            b = np.load(path).astype(np.float64).ravel()
            if b.size == a.size:
                cos = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-300))
                if cos > best_cos:
                    best, best_cos = name, cos
        return best

    for t, row in rows.items():
        want = counterpart(t) if t in tensors_a else row["other_tensor"]
        if row["other_tensor"] != want:
            wrong.append(f"{t} ↔ {row['other_tensor']} (expected {want})")
            continue
        if t not in tensors_a:
            continue
        a = np.load(tensors_a[t]).astype(np.float64).ravel()
        b = np.load(tensors_b[want]).astype(np.float64).ravel()
        noise = np.linalg.norm(a - b)
        expected = None if noise == 0 else 20 * np.log10(np.linalg.norm(a) / noise)
        got = row["sqnr"]
        if (expected is None) != (got is None) or (expected is not None and abs(got - expected) > 1e-6 * max(1, abs(expected))):
            sqnr_bad.append(f"{t}: {got} vs numpy {expected}")
        elif expected is not None:
            worst = max(worst, abs(got - expected))
    shutil.rmtree(run_a)
    shutil.rmtree(run_b)
    if VERBOSE:
        print(json.dumps(document["unmatched"]), document["approximate"])
    ok = not missing and not wrong and not sqnr_bad and not document["unmatched"] and document["approximate"]
    sqnrs = [r["sqnr"] for r in document["layers"] if r["sqnr"] is not None]
    report(f"{base}: QDQ copy{note}", ok,
           f"{len(rows)} of {len(tensors_a)} float tensors matched, {len(missing)} missing, {len(wrong)} wrong"
           f"{': ' + '; '.join(wrong[:3]) if wrong else ''}; SQNR {min(sqnrs):.1f}–{max(sqnrs):.1f} dB, "
           f"max |strata − numpy| {worst:.2g} dB{'; ' + '; '.join(sqnr_bad[:3]) if sqnr_bad else ''}; first_divergent {document['first_divergent']}")


def check_optimised(binary, folder, source, x):
    """The model against onnxruntime's offline optimisation of it (basic level: constant folding,
    Conv+BatchNormalization fusion): every value that survives matched by name and within tolerance,
    the fused layers reported as fused."""
    base = os.path.splitext(os.path.basename(source))[0]
    optimised = os.path.join(folder, base + ".optimised.onnx")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = optimised
    ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    x_file = os.path.join(folder, base + ".optimised-input.npy")
    np.save(x_file, x)
    document, code = compare_json(binary, source, optimised, ["--input", x_file])
    original = {o for n in onnx.load(source).graph.node for o in n.output}
    kept = {o for n in onnx.load(optimised).graph.node for o in n.output}
    rows = {r["tensor"]: r for r in document["layers"]}
    missing = sorted(t for t in original & kept if t not in rows or rows[t]["other_tensor"] != t or rows[t]["match"] != "name")
    fused = [u for u in document["unmatched"] if u["reason"].startswith("fused")]
    ok = not missing and code == 0 and len(fused) == len(document["unmatched"]) == len(original - kept)
    report(f"{base}: onnxruntime-optimised copy", ok,
           f"{len(original & kept)} surviving values, {len(missing)} not matched to themselves by name; "
           f"{len(original - kept)} removed, unmatched {[(u['layer'], u['reason']) for u in document['unmatched']]}; exit {code}")


def check_float16(binary, folder, source, x):
    try:
        from onnxconverter_common import float16
    except ImportError:
        report("float16 copy", None, "onnxconverter-common is not installed (Tools/requirements.txt)")
        return
    base = os.path.splitext(os.path.basename(source))[0]
    half = os.path.join(folder, base + ".fp16.onnx")
    onnx.save(float16.convert_float_to_float16(onnx.load(source), keep_io_types=True), half)
    x_file = os.path.join(folder, base + ".fp16-input.npy")
    np.save(x_file, x)
    proc = strata(binary, ["compare", source, half, "--input", x_file, "--json"], check=False)
    if proc.returncode not in (0, 1):
        report(f"{base}: float16 copy", None, f"Strata cannot run the float16 copy: {proc.stderr.strip()}")
        return
    document = json.loads(proc.stdout)
    rows = document["layers"]
    not_name = [r["layer"] for r in rows if r["match"] != "name"]
    ok = rows and not not_name and not document["unmatched"] and document["approximate"] and proc.returncode == 0
    cosines = [r["cosine"] for r in rows]
    report(f"{base}: float16 copy", ok, f"{len(rows)} rows, {len(not_name)} not by name, {len(document['unmatched'])} unmatched, "
           f"min cosine {min(cosines):.6f}; exit {proc.returncode}")


def main():
    global VERBOSE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("--fixtures", default=DEFAULT_FIXTURES)
    parser.add_argument("-v", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the quantized and float16 copies (in the fixtures folder)")
    args = parser.parse_args()
    VERBOSE = args.v
    if not os.access(args.strata, os.X_OK):
        sys.exit(f"no strata binary at {args.strata}; run `make build`")
    os.makedirs(args.fixtures, exist_ok=True)
    make_fixtures(args.fixtures)
    work = tempfile.mkdtemp(prefix="compare-", dir=args.fixtures)
    try:
        for name in KERAS_MODELS:
            check_tf2onnx(args.strata, args.fixtures, name)
        check_itself(args.strata, os.path.join(args.fixtures, "digits.keras"), ["--input", os.path.join(args.fixtures, "digits.input.npy")])
        check_itself(args.strata, os.path.join(args.fixtures, "bncnn.onnx"), ["--input", os.path.join(args.fixtures, "bncnn.input.npy")])
        tiny = os.path.join(ROOT, "Fixtures", "onnx", "tiny-cnn.onnx")
        tiny_x = np.random.default_rng(9).uniform(0, 1, (2, 3, 32, 32)).astype(np.float32)
        check_itself(args.strata, tiny, [])
        check_quantized(args.strata, work, tiny, tiny_x)
        check_quantized(args.strata, work, os.path.join(args.fixtures, "bncnn.onnx"), np.load(os.path.join(args.fixtures, "bncnn.input.npy")))
        check_optimised(args.strata, work, tiny, tiny_x)
        check_float16(args.strata, work, tiny, tiny_x)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed, {results['skipped']} skipped")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
