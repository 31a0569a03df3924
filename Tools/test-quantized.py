#!/usr/bin/env python3
"""Quantized models through Strata, every tensor against onnxruntime.

Models (seeded random weights, no download), made once into the git-ignored
Fixtures/generated/quantized/ and remade when the recipe or a tool version changes:
  - torchvision ResNet-18 and MobileNetV2 (Tools/parity/torchmodels.py, 112x112 inputs), each
    quantized with onnxruntime.quantization.quantize_static from a seeded calibration reader
    (8 standard-normal images): QDQ format with per-channel weights (QuantizeLinear /
    DequantizeLinear around float ops) and QOperator format with per-tensor weights
    (QLinearConv, QLinearMatMul/QGemm and the com.microsoft QLinearAdd, QLinearGlobalAveragePool, ...);
  - a small CNN whose QOperator form uses the rest of onnxruntime's quantized ops (QLinearLeakyRelu,
    QLinearSigmoid, QLinearConcat, QLinearAveragePool, QLinearMul, QLinearMatMul), quantize_static
    as above with per-channel weights;
  - a small transformer encoder (2 blocks of attention, LayerNorm, GELU MLP; 16 tokens of 64
    features) quantized with quantize_dynamic (DynamicQuantizeLinear, MatMulInteger).

Each quantized model runs in onnxruntime with every node output added as a graph output (graph
optimisations off, so onnxruntime runs the graph as written). Strata is checked node by node: an
"isolated" copy of the model holds every node once more, fed onnxruntime's values of its inputs as
graph inputs, and

    strata run ISOLATED --input NAME=FILE ... --all --out TMP --quiet --threads 2

gives each node's outputs from the same inputs onnxruntime had. The rule (issue 14): where a float
computed in another summation order is quantized, a value may land one quantization step away. So
  - integer tensors: equal, except that at most 0.5 % of a tensor's elements may differ by one;
  - float tensors: within rtol 1e-3 / atol 1e-4·max|ref|, except that at most 0.5 % of a tensor's
    elements may be off by up to 4 quantization steps (the largest activation scale of the model).
End to end, the model runs as users run it: onnxruntime with its DEFAULT session options (graph
optimisations on), which fuse QDQ patterns into integer ops (DequantizeLinear -> Conv -> QuantizeLinear
into QLinearConv, ... -> Add -> ... into QLinearAdd, MatMul/Gemm into QLinearMatMul/QGemm, pools), and
Strata run with only the tensors that graph still exposes requested (so Strata fuses the same
patterns). Those tensors are the graph outputs and the outputs of the quantized nodes as written
(QuantizeLinear, QLinear*, QGemm, DynamicQuantizeLinear): they are added as graph outputs of the
onnxruntime session, and the optimized model onnxruntime writes with and without them must hold the
same ops, apart from the Transposes its layout pass puts before each exposed NHWC tensor (so adding
them kept every fusion); a model where it does not is reported and compared on its graph outputs
alone. The same 0.5 % rule is judged on every exposed tensor.
The whole model is also run with every tensor requested (`strata run MODEL --all`, so nothing
fuses) against onnxruntime with optimisations off; there a step taken in one layer feeds the next,
so the steps add up with depth: those numbers are printed, not judged.
Prints per model how many tensors and elements were a step off, and exits 1 on any failure.

    python3 Tools/test-quantized.py            # all models (release binary, built first)
    python3 Tools/test-quantized.py --no-build --model resnet18_qdq -v
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT_DIR = os.path.join(ROOT, "Fixtures", "generated", "quantized")
STRATA = os.path.join(ROOT, ".build", "release", "strata")
sys.path.insert(0, os.path.join(HERE, "parity"))
import torchmodels  # noqa: E402
import testlib  # noqa: E402

RECIPE_VERSION = 1
OFF_FRACTION = 0.005
RTOL, ATOL_FRACTION = 1e-3, 1e-4
FLOAT_STEPS = 4

CNNS = [torchmodels.ModelSpec("q_resnet18", "resnet18", 112, seed=1401),
        torchmodels.ModelSpec("q_mobilenet_v2", "mobilenet_v2", 112, seed=1402)]
MODELS = ["resnet18_qdq", "resnet18_qoperator", "mobilenet_v2_qdq", "mobilenet_v2_qoperator", "contrib_qoperator",
          "transformer_dynamic"]


class SeededReader:
    """onnxruntime.quantization calibration data: seeded standard-normal inputs."""

    def __init__(self, name, shape, seed, count=8):
        rng = np.random.default_rng(seed)
        self.batches = [{name: rng.standard_normal(shape, dtype=np.float32)} for _ in range(count)]

    def get_next(self):
        return self.batches.pop(0) if self.batches else None

    def rewind(self):
        pass


def transformer_module():
    """Two pre-norm encoder blocks written out (so the export is MatMul, Softmax, LayerNorm, Gelu)."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, width, heads):
            super().__init__()
            self.heads = heads
            self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.up, self.down = nn.Linear(width, 2 * width), nn.Linear(2 * width, width)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(self.norm1(x)).reshape(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
            attention = torch.softmax(q @ k.transpose(-1, -2) / (c // self.heads) ** 0.5, dim=-1)
            x = x + self.proj((attention @ v).transpose(1, 2).reshape(b, t, c))
            return x + self.down(nn.functional.gelu(self.up(self.norm2(x))))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(32, 64)
            self.blocks = nn.Sequential(Block(64, 4), Block(64, 4))
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            return self.head(self.blocks(self.embed(x)))

    torch.manual_seed(1403)
    return Encoder().eval()


def contrib_module():
    """Two conv branches (LeakyReLU, sigmoid) joined, pooled, gated and projected by a MatMul."""
    import torch
    from torch import nn

    class Contrib(nn.Module):
        def __init__(self):
            super().__init__()
            self.left, self.right = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(3, 8, 3, padding=1)
            self.weight = nn.Parameter(torch.randn(16 * 8 * 8, 10) * 0.05)

        def forward(self, x):
            joined = torch.cat([nn.functional.leaky_relu(self.left(x), 0.1), torch.sigmoid(self.right(x))], 1)
            pooled = nn.functional.avg_pool2d(joined, 3, stride=2, padding=1, count_include_pad=False)
            gated = pooled * torch.sigmoid(pooled)
            return gated.flatten(1) @ self.weight

    torch.manual_seed(1404)
    return Contrib().eval()


def recipe(name):
    return {"model": name, "recipe_version": RECIPE_VERSION, "torch_recipe": 2,
            "versions": torchmodels.tool_versions(), "onnxruntime": ort.__version__}


def make(name):
    """Writes Fixtures/generated/quantized/<name>/{model.onnx, input.npy} unless up to date."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic, quantize_static

    folder = os.path.join(OUT_DIR, name)
    stamp = os.path.join(folder, "recipe.json")
    if os.path.exists(stamp) and torchmodels.read_json(stamp) == recipe(name):
        return folder
    print(f"{name}: making the quantized model", flush=True)
    # onnxruntime.quantization advises pre-processing on the root logger; these exports need none.
    logging.getLogger().setLevel(logging.ERROR)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    torchmodels.silence_export_warnings()
    float_path = os.path.join(folder, "float.onnx")
    if name.startswith("transformer"):
        import torch
        module = transformer_module()
        example = np.random.default_rng(1403).standard_normal((1, 16, 32), dtype=np.float32)
        with torch.no_grad():
            torch.onnx.export(module, (torch.from_numpy(example),), float_path, opset_version=17, dynamo=False,
                              input_names=["input"], output_names=["logits"])
        quantize_dynamic(float_path, os.path.join(folder, "model.onnx"), weight_type=QuantType.QInt8)
    elif name.startswith("contrib"):
        import torch
        example = np.random.default_rng(1404).standard_normal((1, 3, 16, 16), dtype=np.float32)
        with torch.no_grad():
            torch.onnx.export(contrib_module(), (torch.from_numpy(example),), float_path, opset_version=17, dynamo=False,
                              input_names=["input"], output_names=["logits"])
        quantize_static(float_path, os.path.join(folder, "model.onnx"), SeededReader("input", example.shape, 1411),
                        quant_format=QuantFormat.QOperator, per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8)
    else:
        spec = next(s for s in CNNS if name.startswith(s.name[2:]))
        torchmodels.export_onnx(spec, float_path)
        example = torchmodels.seeded_input(spec)
        qdq = name.endswith("_qdq")
        quantize_static(float_path, os.path.join(folder, "model.onnx"),
                        SeededReader("input", spec.input_shape, spec.seed + 7),
                        quant_format=QuantFormat.QDQ if qdq else QuantFormat.QOperator,
                        per_channel=qdq, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    np.save(os.path.join(folder, "input.npy"), example)
    os.remove(float_path)
    torchmodels.write_json(stamp, recipe(name))
    return folder


def reference(model_path, feeds):
    """onnxruntime's value of every node output (graph optimisations off)."""
    model = onnx.load(model_path)
    return testlib.onnxruntime_every_output(model, feeds), model


QUANTIZED_OPS = {"QuantizeLinear", "DynamicQuantizeLinear", "QGemm"}


def exposed_tensors(model):
    """The graph outputs and every output of a quantized node as written (see the module doc)."""
    names = [o.name for o in model.graph.output]
    for node in model.graph.node:
        if node.op_type in QUANTIZED_OPS or node.op_type.startswith("QLinear"):
            names += [o for o in node.output if o and o not in names]
    return names


def optimized_ops(model, folder, tag):
    """onnxruntime's default session on `model`: (session, op counts of the optimized model it writes)."""
    import collections
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.optimized_model_filepath = os.path.join(folder, f"optimized-{tag}.onnx")
    # Level 3 (layout) rewrites write hardware-specific ops; the dump is only read for counting.
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    optimized = onnx.load(options.optimized_model_filepath)
    return session, collections.Counter((n.domain, n.op_type) for n in optimized.graph.node)


def reference_default(model_path, feeds, folder):
    """onnxruntime's values, default session options, of the tensors its fused graph still exposes:
    ({tensor: value}, fused op counts, note). The exposed tensors are added as graph outputs when the
    optimized model holds the same ops with them as without."""
    model = onnx.load(model_path)
    _, plain = optimized_ops(model, folder, "plain")
    wanted = exposed_tensors(model)
    extended = onnx.ModelProto()
    extended.CopyFrom(model)
    present = {o.name for o in extended.graph.output}
    for name in wanted:
        if name not in present:
            extended.graph.output.append(onnx.ValueInfoProto(name=name))
    session, with_outputs = optimized_ops(extended, folder, "exposed")
    note = ""
    # The layout pass (NCHW -> NHWC) puts a Transpose before each exposed tensor it made NHWC; the
    # fused ops themselves must be the same.
    layout_free = lambda ops: {k: v for k, v in ops.items() if k != ("", "Transpose")}
    if layout_free(with_outputs) != layout_free(plain):
        note = "exposing the quantized tensors changed onnxruntime's fusion; graph outputs only"
        session, _ = optimized_ops(model, folder, "plain")
    names = [o.name for o in session.get_outputs()]
    fused = sorted(f"{d + '::' if d else ''}{op} {n}" for (d, op), n in plain.items())
    return dict(zip(names, session.run(names, feeds))), fused, note


def activation_step(model):
    """The largest scale of a quantized activation (QuantizeLinear / DynamicQuantizeLinear outputs
    and QLinear* output scales), from the initializers: the size of one step downstream."""
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    scales = []
    for node in model.graph.node:
        names = []
        if node.op_type == "QuantizeLinear":
            names = [node.input[1]]
        elif node.op_type.startswith("QLinear") or node.op_type == "QGemm":
            names = [node.input[-2]] if node.op_type != "QLinearConcat" else [node.input[0]]
        scales += [float(np.max(inits[n])) for n in names if n in inits]
    return max(scales) if scales else 1.0


def compare(ref, got, step):
    """(ok, elements one step off, message)."""
    if got.shape != ref.shape:
        return False, 0, f"shape {list(got.shape)}, expected {list(ref.shape)}"
    if got.dtype != ref.dtype:
        return False, 0, f"dtype {got.dtype}, expected {ref.dtype}"
    if ref.size == 0:
        return True, 0, ""
    allowed = max(1, int(OFF_FRACTION * ref.size))
    if ref.dtype.kind in "iub":
        diff = np.abs(got.astype(np.int64) - ref.astype(np.int64))
        off = int(np.count_nonzero(diff))
        if diff.max() > 1:
            return False, off, f"{int(np.count_nonzero(diff > 1))} values more than one step off (max {int(diff.max())})"
        if off > allowed:
            return False, off, f"{off} of {ref.size} values one step off (at most {allowed})"
        return True, off, ""
    r, g = ref.astype(np.float64), got.astype(np.float64)
    if not np.array_equal(np.isnan(r), np.isnan(g)):
        return False, 0, "NaN in different places"
    finite = np.isfinite(r)
    r, g = r[finite], g[finite]
    if r.size == 0:
        return True, 0, ""
    err = np.abs(g - r)
    tolerance = RTOL * np.abs(r) + ATOL_FRACTION * float(np.max(np.abs(r)))
    off = int(np.count_nonzero(err > tolerance))
    if off == 0:
        return True, 0, ""
    worst = float(err.max())
    if worst > FLOAT_STEPS * step + float(tolerance.max()):
        return False, off, f"max abs err {worst:.3g}, more than {FLOAT_STEPS} steps of {step:.3g}"
    if off > allowed:
        return False, off, f"{off} of {r.size} values off (at most {allowed}), max abs err {worst:.3g}"
    return True, off, ""


def isolated(model, refs, folder):
    """A model holding each node of `model` fed onnxruntime's values of its inputs (graph inputs
    `<tensor>@in`, written as .npy into `folder`), its outputs renamed `<tensor>@out`. Returns the
    model, the --input arguments and {output name: reference tensor name}."""
    from onnx import helper
    inits = {t.name for t in model.graph.initializer}
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    del copy.graph.node[:], copy.graph.input[:], copy.graph.output[:], copy.graph.value_info[:]
    arguments, outputs, fed = [], {}, set()
    for node in model.graph.node:
        if node.op_type == "Constant":
            continue
        clone = onnx.NodeProto()
        clone.CopyFrom(node)
        clone.name = (node.name or node.output[0]) + "@node"
        for i, name in enumerate(node.input):
            if not name or name in inits:
                continue
            clone.input[i] = name + "@in"
            if name not in fed:
                fed.add(name)
                value = refs[name]
                path = os.path.join(folder, f"in{len(fed)}.npy")
                np.save(path, value)
                arguments += ["--input", f"{name}@in={path}"]
                copy.graph.input.append(helper.make_tensor_value_info(
                    name + "@in", onnx.helper.np_dtype_to_tensor_dtype(value.dtype), list(value.shape)))
        for i, name in enumerate(node.output):
            if name and name in refs:
                clone.output[i] = name + "@out"
                outputs[name + "@out"] = name
                value = refs[name]
                copy.graph.output.append(helper.make_tensor_value_info(
                    name + "@out", onnx.helper.np_dtype_to_tensor_dtype(value.dtype), list(value.shape)))
        copy.graph.node.append(clone)
    return copy, arguments, outputs


def run_strata(strata, model_path, arguments, out, capture="all"):
    """Runs `strata run --all` (or, with capture="selected", with the --layer selectors in
    `arguments`); returns ({tensor: manifest row}, seconds) or raises RuntimeError."""
    started = time.time()
    proc = subprocess.run([strata, "run", model_path] + arguments + (["--all"] if capture == "all" else [])
                          + ["--out", out, "--quiet", "--threads", "2"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"strata run: {proc.stderr.strip()}")
    with open(os.path.join(out, "manifest.json")) as f:
        return {row["tensor"]: row for row in json.load(f)["activations"]}, time.time() - started


def tally(pairs, step):
    """Compares (reference name, reference, got) triples: (failures, counts)."""
    failures, counts = [], {"tensors": 0, "tensors_off": 0, "elements": 0, "elements_off": 0}
    for tensor, want, got in pairs:
        if got is None:
            failures.append(f"{tensor}: not captured")
            continue
        ok, off, message = compare(want, got, step)
        counts["tensors"] += 1
        counts["elements"] += int(want.size)
        counts["elements_off"] += off
        counts["tensors_off"] += off > 0
        if not ok:
            failures.append(f"tensor '{tensor}': {message}")
    return failures, counts


def describe(counts):
    return (f"{counts['tensors']} tensors, {counts['tensors_off']} with values a step off, {counts['elements_off']} of "
            f"{counts['elements']} elements ({100.0 * counts['elements_off'] / max(counts['elements'], 1):.4f} %)")


def check(name, strata, verbose):
    folder = make(name)
    model_path = os.path.join(folder, "model.onnx")
    feeds = {"input": np.load(os.path.join(folder, "input.npy"))}
    refs, model = reference(model_path, feeds)
    step = activation_step(model)
    scratch = tempfile.mkdtemp(prefix=f"strata-quantized-{name}-")
    try:
        copy, arguments, outputs = isolated(model, {**refs, **feeds}, scratch)
        isolated_path = os.path.join(scratch, "isolated.onnx")
        onnx.save(copy, isolated_path)
        try:
            rows, seconds = run_strata(strata, isolated_path, arguments, os.path.join(scratch, "isolated"))
            input_argument = ["--input", f"input={os.path.join(folder, 'input.npy')}"]
            whole, _ = run_strata(strata, model_path, input_argument, os.path.join(scratch, "whole"))
            defaults, fused, note = reference_default(model_path, feeds, scratch)
            selected, _ = run_strata(strata, model_path, input_argument + [a for t in defaults for a in ("--layer", t)],
                                     os.path.join(scratch, "fused"), capture="selected")
        except RuntimeError as error:
            print(f"{name}: FAILED: {error}")
            return False, {}
        load = lambda table, sub, tensor: (np.load(os.path.join(scratch, sub, table[tensor]["file"]))
                                           if tensor in table else None)
        failures, counts = tally([(ref, refs[ref], load(rows, "isolated", out)) for out, ref in outputs.items()], step)
        _, drift = tally([(t, v, load(whole, "whole", t)) for t, v in refs.items()], step)
        end_failures, end = tally([(t, v, load(selected, "fused", t)) for t, v in defaults.items()], step)
        failures += [f"end to end (default session): {f}" for f in end_failures]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"{name}: node by node: {describe(counts)}; end to end, onnxruntime's default session: {describe(end)}; "
          f"end to end, nothing fused, optimisations off (not judged): {describe(drift)}; strata run {seconds:.1f} s; "
          f"ops {', '.join(ops)}; onnxruntime's fused graph: {', '.join(fused)}")
    if note:
        print(f"  note: {note}")
    for failure in failures[: None if verbose else 5]:
        print(f"  FAILED {failure}")
    return not failures, {"node_by_node": counts, "end_to_end_default": end, "end_to_end_unfused": drift,
                          "onnxruntime_fused_ops": fused, "note": note}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", choices=MODELS, help="only this model (repeatable)")
    parser.add_argument("--no-build", action="store_true", help="use the existing release binary")
    parser.add_argument("--strata", default=STRATA)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failing tensor")
    parser.add_argument("--json", help="write the per-model numbers to this file")
    args = parser.parse_args()
    if not args.no_build:
        subprocess.run(testlib.RELEASE_BUILD, cwd=ROOT, check=True)
    results, numbers = [], {}
    for name in args.model or MODELS:
        ok, stats = check(name, args.strata, args.verbose)
        results.append(ok)
        numbers[name] = stats
    if args.json:
        torchmodels.write_json(args.json, numbers)
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
