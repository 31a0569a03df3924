#!/usr/bin/env python3
"""Small QDQ graphs and what onnxruntime computes for them, fused and not.

Writes Fixtures/ops/qdq-fusion.json: per case a graph (nodes, initializers, one seeded input), the
op counts of the optimized model onnxruntime's DEFAULT session writes (does it fuse the pattern into
QLinearConv, QLinearMatMul, QGemm, QLinearAdd, ...?), its output with those default options
("fused") and with graph optimisations off ("unfused": the float op, then QuantizeLinear). The
cases onnxruntime fuses are seeded, where 30 seeds allow it, so that the two outputs differ in at
least one element (a float sum next to a half-way point of the quantizer), so a test that gets
"fused" really ran the integer op ("differing" says in how many). The refused cases are patterns onnxruntime leaves as they are (int8 activations on x86, a Relu
the quantizer does not make redundant, the op's output read twice, 16-bit values).

    python3 Tools/make-qdq-fusion-fixtures.py      # onnx, onnxruntime, numpy (Tools/requirements.txt)
"""

import collections
import json
import os
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "ops", "qdq-fusion.json")
OPSET = 21


def tensor_json(a):
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": [v.item() for v in a.reshape(-1)]}


class Builder:
    """One graph: seeded integer initializers, DequantizeLinear/QuantizeLinear helpers."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], {}

    def init(self, name, value):
        self.inits[name] = np.asarray(value)
        return name

    def node(self, op, inputs, outputs, domain="", **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=outputs[0] + "_node", domain=domain, **attrs))
        return outputs[0]

    def dq(self, name, values, scale, zero, axis=None):
        ins = [self.init(name + "_q", values), self.init(name + "_s", np.asarray(scale, np.float32)),
               self.init(name + "_z", zero)]
        return self.node("DequantizeLinear", ins, [name], **({} if axis is None else {"axis": axis}))

    def dq_value(self, x, name, scale, zero):
        return self.node("DequantizeLinear", [x, self.init(name + "_s", np.float32(scale)), self.init(name + "_z", zero)], [name])

    def q(self, x, name, scale, zero):
        return self.node("QuantizeLinear", [x, self.init(name + "_s", np.float32(scale)), self.init(name + "_z", zero)], [name])

    def model(self, inputs, output):
        graph = helper.make_graph(
            self.nodes, "qdq",
            [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), list(v.shape)) for n, v in inputs.items()],
            [onnx.ValueInfoProto(name=output)],
            [numpy_helper.from_array(v, n) for n, v in self.inits.items()])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)])


def conv(seed, x_dtype=np.uint8, relu_zero=None):
    """x (uint8) -> DQ -> Conv(DQ w int8 per channel, DQ bias int32) (-> Relu) -> Q."""
    b = Builder(seed)
    lo, hi = (0, 256) if x_dtype == np.uint8 else (-128, 128)
    x = b.rng.integers(lo, hi, (1, 16, 20, 20)).astype(x_dtype)
    x_scale, x_zero = 0.0173, x_dtype(lo + 97)
    w_scale = (0.004 + 0.006 * b.rng.random(12)).astype(np.float32)
    w = b.dq("w", b.rng.integers(-127, 128, (12, 16, 3, 3)).astype(np.int8), w_scale, np.zeros(12, np.int8), axis=0)
    bias = b.dq("bias", b.rng.integers(-3000, 3000, 12).astype(np.int32), (x_scale * w_scale).astype(np.float32),
                np.zeros(12, np.int32), axis=0)
    xd = b.dq_value("x", "xd", x_scale, x_zero)
    c = b.node("Conv", [xd, w, bias], ["conv"], pads=[1, 1, 1, 1])
    y_zero = x_dtype(lo) if relu_zero is None else x_dtype(relu_zero)
    if relu_zero is not None:
        c = b.node("Relu", [c], ["relu"])
    b.q(c, "y", 0.0191, y_zero)
    return b.model({"x": x}, "y"), {"x": x}


def conv_dequantized_input_shared(seed):
    """x's DequantizeLinear is read by the Conv and by an Add after the pattern: onnxruntime gives the Conv
    its own copy (EnsureUniqueDQForNodeUnit) and fuses it; the Add stays float (no quantizer follows)."""
    b = Builder(seed)
    x = b.rng.integers(0, 256, (1, 16, 20, 20)).astype(np.uint8)
    w_scale = (0.004 + 0.006 * b.rng.random(16)).astype(np.float32)
    w = b.dq("w", b.rng.integers(-127, 128, (16, 16, 3, 3)).astype(np.int8), w_scale, np.zeros(16, np.int8), axis=0)
    xd = b.dq_value("x", "xd", 0.0173, np.uint8(97))
    c = b.node("Conv", [xd, w], ["conv"], pads=[1, 1, 1, 1])
    yq = b.q(c, "yq", 0.0191, np.uint8(128))
    b.node("Add", [b.dq_value(yq, "yd", 0.0191, np.uint8(128)), xd], ["y"])
    return b.model({"x": x}, "y"), {"x": x}


def conv_shared(seed):
    """The Conv's output is read by the QuantizeLinear and by an Add: not fused."""
    b = Builder(seed)
    x = b.rng.integers(0, 256, (1, 4, 8, 8)).astype(np.uint8)
    w = b.dq("w", b.rng.integers(-127, 128, (4, 4, 3, 3)).astype(np.int8), np.float32(0.007), np.int8(0))
    c = b.node("Conv", [b.dq_value("x", "xd", 0.02, np.uint8(120)), w], ["conv"], pads=[1, 1, 1, 1])
    yq = b.q(c, "yq", 0.03, np.uint8(128))
    b.node("Add", [c, b.dq_value(yq, "yd", 0.03, np.uint8(128))], ["y"])
    return b.model({"x": x}, "y"), {"x": x}


def matmul(seed):
    b = Builder(seed)
    a = b.rng.integers(0, 256, (3, 40, 96)).astype(np.uint8)
    scales = (0.002 + 0.004 * b.rng.random(48)).astype(np.float32)
    w = b.dq("w", b.rng.integers(-127, 128, (96, 48)).astype(np.int8), scales, np.zeros(48, np.int8), axis=1)
    m = b.node("MatMul", [b.dq_value("a", "ad", 0.0211, np.uint8(131)), w], ["mm"])
    b.q(m, "y", 0.0137, np.uint8(126))
    return b.model({"a": a}, "y"), {"a": a}


def gemm(seed, quantized_output):
    b = Builder(seed)
    a = b.rng.integers(0, 256, (6, 200)).astype(np.uint8)
    w = b.dq("w", b.rng.integers(-127, 128, (30, 200)).astype(np.int8), np.float32(0.0031), np.int8(0))
    bias = b.dq("bias", b.rng.integers(-2000, 2000, 30).astype(np.int32), np.float32(0.0197 * 0.0031), np.int32(0))
    g = b.node("Gemm", [b.dq_value("a", "ad", 0.0197, np.uint8(128)), w, bias], ["gemm" if quantized_output else "y"], transB=1)
    if quantized_output:
        b.q(g, "y", 0.0123, np.uint8(127))
    return b.model({"a": a}, "y"), {"a": a}


def binary(seed, op, dtype=np.uint8):
    b = Builder(seed)
    info = np.iinfo(dtype)
    x1 = b.rng.integers(info.min, int(info.max) + 1, (1, 8, 16, 16)).astype(dtype)
    x2 = b.rng.integers(info.min, int(info.max) + 1, (1, 8, 16, 16)).astype(dtype)
    mid = dtype(int(info.min) + (int(info.max) - int(info.min)) // 2)
    r = b.node(op, [b.dq_value("a", "ad", 0.0233, mid), b.dq_value("b", "bd", 0.0171, dtype(mid - 9))], ["r"])
    b.q(r, "y", 0.0297 if op == "Add" else 0.089, mid)
    return b.model({"a": x1, "b": x2}, "y"), {"a": x1, "b": x2}


def unary(seed, op, **attrs):
    b = Builder(seed)
    x = b.rng.integers(0, 256, (1, 12, 13, 13)).astype(np.uint8)
    r = b.node(op, [b.dq_value("x", "xd", 0.0213, np.uint8(117))], ["r"], **attrs)
    b.q(r, "y", 0.0119 if op != "Sigmoid" else 1 / 256, np.uint8(111 if op != "Sigmoid" else 0))
    return b.model({"x": x}, "y"), {"x": x}


def concat(seed):
    b = Builder(seed)
    x1 = b.rng.integers(0, 256, (1, 5, 9, 9)).astype(np.uint8)
    x2 = b.rng.integers(0, 256, (1, 3, 9, 9)).astype(np.uint8)
    r = b.node("Concat", [b.dq_value("a", "ad", 0.0213, np.uint8(117)), b.dq_value("b", "bd", 0.0311, np.uint8(90))], ["r"], axis=1)
    b.q(r, "y", 0.0257, np.uint8(100))
    return b.model({"a": x1, "b": x2}, "y"), {"a": x1, "b": x2}


# name, maker(seed), whether onnxruntime fuses it, the op that must then be gone
CASES = [
    ("conv", lambda s: conv(s), True),
    ("conv_redundant_relu", lambda s: conv(s, relu_zero=0), True),
    ("matmul_per_column", matmul, True),
    ("gemm_quantized", lambda s: gemm(s, True), True),
    ("gemm_float_output", lambda s: gemm(s, False), True),
    ("add", lambda s: binary(s, "Add"), True),
    ("mul", lambda s: binary(s, "Mul"), True),
    ("global_average_pool", lambda s: unary(s, "GlobalAveragePool"), True),
    ("average_pool", lambda s: unary(s, "AveragePool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), True),
    ("leaky_relu", lambda s: unary(s, "LeakyRelu", alpha=0.13), True),
    ("sigmoid", lambda s: unary(s, "Sigmoid"), True),
    ("concat", concat, True),
    ("conv_dequantized_input_shared", conv_dequantized_input_shared, True),
    ("refused_conv_int8_activations", lambda s: conv(s, x_dtype=np.int8), False),
    ("refused_conv_relu_not_redundant", lambda s: conv(s, relu_zero=40), False),
    ("refused_conv_output_read_twice", conv_shared, False),
    ("refused_add_uint16", lambda s: binary(s, "Add", np.uint16), False),
]

FLOAT_OPS = {"Conv", "com.microsoft::FusedConv", "MatMul", "Gemm", "Add", "Mul", "GlobalAveragePool", "AveragePool", "LeakyRelu", "Sigmoid", "Concat"}


def run(model, feeds, level, folder):
    options = ort.SessionOptions()
    options.graph_optimization_level = level
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    options.optimized_model_filepath = os.path.join(folder, "optimized.onnx")
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    ops = collections.Counter(f"{n.domain + '::' if n.domain else ''}{n.op_type}" for n in onnx.load(options.optimized_model_filepath).graph.node)
    return session.run(None, feeds)[0], ops


def main():
    cases = []
    with tempfile.TemporaryDirectory() as folder:
        for name, make, fuses in CASES:
            for seed in range(1400, 1430):
                model, feeds = make(seed)
                fused, ops = run(model, feeds, ort.GraphOptimizationLevel.ORT_ENABLE_ALL, folder)
                unfused, _ = run(model, feeds, ort.GraphOptimizationLevel.ORT_DISABLE_ALL, folder)
                # The shared-input case keeps its float Add (no quantizer follows it): only the Conv must go.
                left = sum(n for op, n in ops.items() if op in (FLOAT_OPS if "shared" not in name or not fuses else {"Conv"}))
                assert (left == 0) == fuses, f"{name}: onnxruntime's fused graph holds {dict(ops)}"
                differ = int(np.count_nonzero(fused != unfused)) if fused.dtype != np.float32 else \
                    int(np.count_nonzero(np.abs(fused - unfused) > 1e-6 * np.abs(unfused)))
                if not fuses or differ > 0:
                    break
            else:
                # onnxruntime's integer op and the float op agree on every seed tried (the binary and
                # pooling ops compute in float32 either way): the case still checks the fused values.
                model, feeds = make(1400)
                seed = 1400
                fused, ops = run(model, feeds, ort.GraphOptimizationLevel.ORT_ENABLE_ALL, folder)
                unfused, _ = run(model, feeds, ort.GraphOptimizationLevel.ORT_DISABLE_ALL, folder)
                differ = 0
            graph = model.graph
            cases.append({
                "name": name, "seed": seed, "fuses": fuses, "onnxruntime_ops": dict(sorted(ops.items())), "differing": differ,
                "nodes": [{"name": n.name, "op": n.op_type, "inputs": list(n.input), "outputs": list(n.output),
                           "attributes": {a.name: helper.get_attribute_value(a) for a in n.attribute}} for n in graph.node],
                "initializers": {t.name: tensor_json(numpy_helper.to_array(t)) for t in graph.initializer},
                "inputs": {k: tensor_json(v) for k, v in feeds.items()},
                "output": graph.output[0].name, "fused": tensor_json(fused), "unfused": tensor_json(unfused),
            })
            print(f"{name}: seed {seed}, onnxruntime {'fuses' if fuses else 'does not fuse'} ({dict(ops)}), "
                  f"{differ} elements differ fused vs unfused")
    with open(OUT, "w") as f:
        json.dump({"reference": f"onnxruntime {ort.__version__}, opset {OPSET}", "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
