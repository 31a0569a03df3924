#!/usr/bin/env python3
"""Writes Fixtures/ops/control-flow/: small ONNX models with If, Loop and Scan (bodies reading outer
values, nested bodies, early exits, scan axes and directions) and, per model, the seeded inputs and
the outputs onnxruntime computes for them (<case>.json).

    python3 Tools/make-control-flow-fixtures.py      # system python: numpy, onnx, onnxruntime

StrataEngineTests' ControlFlowReferenceTests imports each model and compares every output.
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "ops", "control-flow")
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
rng = np.random.default_rng(14)


def info(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def untyped(name):
    return onnx.ValueInfoProto(name=name)


def const(name, array):
    return helper.make_node("Constant", [], [name], name=name + "_const", value=onnx.numpy_helper.from_array(array, name))


def encode(array):
    return {"dtype": str(array.dtype), "shape": list(array.shape), "values": array.reshape(-1).tolist()}


def write(case, graph, opset, runs):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    cases = []
    for feeds in runs:
        outputs = session.run(names, feeds)
        cases.append({"inputs": {k: encode(v) for k, v in feeds.items()},
                      "outputs": {n: encode(np.asarray(v)) for n, v in zip(names, outputs)}})
    onnx.save(model, os.path.join(OUT, case + ".onnx"))
    with open(os.path.join(OUT, case + ".json"), "w") as f:
        json.dump({"model": case + ".onnx", "opset": opset, "reference": "onnxruntime " + ort.__version__, "runs": cases}, f)
        f.write("\n")


def if_nested():
    # y = If(c): then x + w (w computed outside the branch), else If(d): x * x, else -x; then a Relu after.
    w = const("w", rng.standard_normal((2, 3)).astype(np.float32))
    pre = helper.make_node("Sin", ["x"], ["w_sin"], name="pre")
    plus = helper.make_node("Add", ["x", "w_sin"], ["then_y"], name="then_add")
    then_branch = helper.make_graph([plus], "then", [], [info("then_y", F, [2, 3])])
    square = helper.make_graph([helper.make_node("Mul", ["x", "x"], ["sq"], name="inner_mul")], "inner_then", [], [untyped("sq")])
    negate = helper.make_graph([helper.make_node("Neg", ["x"], ["ng"], name="inner_neg")], "inner_else", [], [untyped("ng")])
    inner = helper.make_node("If", ["d"], ["inner_y"], name="inner_if", then_branch=square, else_branch=negate)
    else_branch = helper.make_graph([inner, helper.make_node("Add", ["inner_y", "w"], ["else_y"], name="else_add")], "else", [],
                                    [info("else_y", F, [2, 3])])
    node = helper.make_node("If", ["c"], ["y"], name="outer_if", then_branch=then_branch, else_branch=else_branch)
    relu = helper.make_node("Relu", ["y"], ["out"], name="after")
    graph = helper.make_graph([w, pre, node, relu], "if_nested",
                              [info("x", F, [2, 3]), info("c", B, []), info("d", B, [])], [info("out", F, [2, 3])])
    x = rng.standard_normal((2, 3)).astype(np.float32)
    runs = [{"x": x, "c": np.array(c), "d": np.array(d)} for c, d in [(True, False), (False, True), (False, False)]]
    write("if_nested", graph, 17, runs)


def loop(case, with_m, with_cond, opset):
    # Carried: acc (float [3]); scan output: acc * scale (scale read from outside); stops when sum(acc) > limit.
    scale = helper.make_node("Exp", ["s"], ["scale"], name="scale")
    body_nodes = [
        helper.make_node("Cast", ["i"], ["i_f"], to=F, name="cast_i"),
        helper.make_node("Add", ["acc_in", "i_f"], ["acc_plus"], name="acc_add"),
        helper.make_node("Mul", ["acc_plus", "x"], ["acc_out"], name="acc_mul"),
        helper.make_node("Mul", ["acc_out", "scale"], ["scan_val"], name="scan_mul"),
        helper.make_node("ReduceSum", ["acc_out"], ["total"], keepdims=0, name="total"),
        helper.make_node("Less", ["total", "limit"], ["cond_out"], name="keep_going"),
    ]
    body = helper.make_graph(body_nodes, "body", [info("i", I64, []), info("cond_in", B, []), untyped("acc_in")],
                             [info("cond_out", B, []), untyped("acc_out"), info("scan_val", F, [3])])
    inputs = ["m" if with_m else "", "go" if with_cond else "", "acc0"]
    node = helper.make_node("Loop", inputs, ["acc_final", "scans"], name="loop", body=body)
    graph_inputs = [info("x", F, [3]), info("acc0", F, [3]), info("s", F, []), info("limit", F, [])]
    if with_m:
        graph_inputs.append(info("m", I64, []))
    if with_cond:
        graph_inputs.append(info("go", B, []))
    graph = helper.make_graph([scale, node], case, graph_inputs, [info("acc_final", F, [3]), info("scans", F, ["n", 3])])
    runs = []
    for limit, m, go in [(1e6, 6, True), (30.0, 9, True), (1e6, 0, True), (1e6, 4, False)]:
        if not with_m and limit > 1e5:
            limit = 50.0
        feeds = {"x": (1.2 + rng.random(3)).astype(np.float32), "acc0": rng.random(3).astype(np.float32),
                 "s": np.array(0.3, np.float32), "limit": np.array(limit, np.float32)}
        if with_m:
            feeds["m"] = np.array(m, np.int64)
        if with_cond:
            feeds["go"] = np.array(go)
        runs.append(feeds)
    write(case, graph, opset, runs)


def scan(case, opset, input_axes, input_directions, output_axes, output_directions):
    # State: running sum (float [2]); scan inputs a, b; scan outputs: state * b_t + bias (outer), a_t - b_t.
    bias = helper.make_node("Cos", ["bias_in"], ["bias"], name="bias")
    body_nodes = [
        helper.make_node("Add", ["sum_in", "a_t"], ["sum_out"], name="sum"),
        helper.make_node("Mul", ["sum_out", "b_t"], ["prod"], name="prod"),
        helper.make_node("Add", ["prod", "bias"], ["out1"], name="plus_bias"),
        helper.make_node("Sub", ["a_t", "b_t"], ["out2"], name="diff"),
    ]
    body = helper.make_graph(body_nodes, "body", [untyped("sum_in"), untyped("a_t"), untyped("b_t")],
                             [untyped("sum_out"), untyped("out1"), untyped("out2")])
    attributes = {"num_scan_inputs": 2}
    for name, value in [("scan_input_axes", input_axes), ("scan_input_directions", input_directions),
                        ("scan_output_axes", output_axes), ("scan_output_directions", output_directions)]:
        if value is not None:
            attributes[name] = value
    node = helper.make_node("Scan", ["sum0", "a", "b"], ["sum_final", "y1", "y2"], name="scan", body=body, **attributes)
    a_shape = [4, 2] if (input_axes or [0])[0] in (0, -2) else [2, 4]
    b_shape = [4, 2] if (input_axes or [0, 0])[1] in (0, -2) else [2, 4]
    graph = helper.make_graph([bias, node], case,
                              [info("sum0", F, [2]), info("a", F, a_shape), info("b", F, b_shape), info("bias_in", F, [2])],
                              [info("sum_final", F, [2]), info("y1", F, ["p", "q"]), info("y2", F, ["r", "t"])])
    runs = [{"sum0": rng.standard_normal(2).astype(np.float32), "a": rng.standard_normal(a_shape).astype(np.float32),
             "b": rng.standard_normal(b_shape).astype(np.float32), "bias_in": rng.standard_normal(2).astype(np.float32)}]
    write(case, graph, opset, runs)


def loop_growing():
    # A carried vector that grows by one element per iteration (its body tensors change shape).
    body_nodes = [
        helper.make_node("Cast", ["i"], ["i_f"], to=F, name="grow_cast"),
        helper.make_node("Mul", ["i_f", "step"], ["next"], name="grow_next"),
        helper.make_node("Unsqueeze", ["next", "axes"], ["next_1"], name="grow_unsqueeze"),
        helper.make_node("Concat", ["seq_in", "next_1"], ["seq_out"], axis=0, name="grow_concat"),
    ]
    body = helper.make_graph(body_nodes, "body", [info("i", I64, []), info("c_in", B, []), untyped("seq_in")],
                             [info("c_in", B, []), untyped("seq_out")])
    axes = const("axes", np.array([0], np.int64))
    node = helper.make_node("Loop", ["m", "", "seq0"], ["seq_final"], name="grow", body=body)
    graph = helper.make_graph([axes, node], "loop_growing",
                              [info("m", I64, []), info("seq0", F, [2]), info("step", F, [])], [info("seq_final", F, ["n"])])
    runs = [{"m": np.array(4, np.int64), "seq0": rng.standard_normal(2).astype(np.float32), "step": np.array(0.5, np.float32)}]
    write("loop_growing", graph, 16, runs)


def main():
    os.makedirs(OUT, exist_ok=True)
    if_nested()
    loop("loop_m_cond", True, True, 16)
    loop("loop_cond_only", False, True, 13)
    loop("loop_m_only", True, False, 11)
    scan("scan_plain", 16, None, None, None, None)
    scan("scan_axes_directions", 16, [1, 0], [1, 0], [1, -1], [0, 1])
    scan("scan_negative_axes", 11, [-1, -2], [0, 1], [-2, 0], [1, 0])
    loop_growing()


if __name__ == "__main__":
    main()
