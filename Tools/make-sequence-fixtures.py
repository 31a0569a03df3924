#!/usr/bin/env python3
"""Writes Fixtures/ops/sequence/: small ONNX models with sequence and optional values (SplitToSequence,
SequenceErase/Insert/At/Length, ConcatFromSequence with and without new_axis, SequenceMap with a
sequence and a tensor input, a Loop carrying a sequence, an If returning an optional) and, per model,
the seeded inputs and the outputs onnxruntime computes for them (<case>.json).

    python3 Tools/make-sequence-fixtures.py      # system python: numpy, onnx, onnxruntime

A value in the JSON is a tensor {"dtype", "shape", "values"}, a sequence {"sequence": [tensor, ...],
"dtype"}, or an optional {"optional": value or null}. StrataEngineTests' SequenceReferenceTests
imports each model and compares every output.
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "ops", "sequence")
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
rng = np.random.default_rng(25)


def const(name, array):
    return helper.make_node("Constant", [], [name], name=name + "_const", value=onnx.numpy_helper.from_array(array, name))


def seq_info(name, elem, shape=None):
    return helper.make_tensor_sequence_value_info(name, elem, shape)


def encode(value, dtype="float32"):
    if isinstance(value, list):
        return {"sequence": [encode(v) for v in value], "dtype": str(value[0].dtype) if value else dtype}
    array = np.asarray(value)
    return {"dtype": str(array.dtype), "shape": list(array.shape), "values": array.reshape(-1).tolist()}


def write(case, graph, opset, runs, optional_outputs=()):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    # An empty sequence carries no dtype in onnxruntime's result: take the declared element type.
    declared = {}
    for o in graph.output:
        if o.type.WhichOneof("value") == "sequence_type":
            code = o.type.sequence_type.elem_type.tensor_type.elem_type
            declared[o.name] = str(onnx.helper.tensor_dtype_to_np_dtype(code))
    cases = []
    for feeds in runs:
        outputs = session.run(names, feeds)
        encoded = {}
        for n, v in zip(names, outputs):
            encoded[n] = {"optional": None if v is None else encode(v)} if n in optional_outputs else encode(v, declared.get(n, "float32"))
        cases.append({"inputs": {k: encode(v) for k, v in feeds.items()}, "outputs": encoded})
    onnx.save(model, os.path.join(OUT, case + ".onnx"))
    with open(os.path.join(OUT, case + ".json"), "w") as f:
        json.dump({"model": case + ".onnx", "opset": opset, "reference": "onnxruntime " + ort.__version__, "runs": cases}, f)
        f.write("\n")


def split_edit_concat():
    # x [6, 4] split into rows of 2, 1, 3; the second-to-last erased; y inserted at the front; the
    # result concatenated, counted, its last element taken, and returned as a sequence.
    nodes = [
        const("sizes", np.array([2, 1, 3], np.int64)),
        helper.make_node("SplitToSequence", ["x", "sizes"], ["parts"], name="split", axis=0),
        const("minus_two", np.array(-2, np.int64)),
        helper.make_node("SequenceErase", ["parts", "minus_two"], ["erased"], name="erase"),
        const("zero", np.array(0, np.int64)),
        helper.make_node("SequenceInsert", ["erased", "y", "zero"], ["inserted"], name="insert"),
        helper.make_node("SequenceInsert", ["inserted", "y"], ["appended"], name="append"),
        helper.make_node("ConcatFromSequence", ["appended"], ["joined"], name="concat", axis=0),
        helper.make_node("SequenceLength", ["appended"], ["length"], name="length"),
        const("minus_one", np.array(-1, np.int64)),
        helper.make_node("SequenceAt", ["appended", "minus_one"], ["last"], name="at"),
    ]
    graph = helper.make_graph(
        nodes, "split_edit_concat",
        [helper.make_tensor_value_info("x", F, [6, 4]), helper.make_tensor_value_info("y", F, [1, 4])],
        [helper.make_tensor_value_info("joined", F, [7, 4]), helper.make_tensor_value_info("length", I64, []),
         helper.make_tensor_value_info("last", F, [1, 4]), seq_info("appended", F)])
    runs = [{"x": rng.standard_normal((6, 4)).astype(np.float32), "y": rng.standard_normal((1, 4)).astype(np.float32)}]
    write("split_edit_concat", graph, 13, runs)


def split_stack():
    # x [3, 5] split along axis 1 into scalar pieces of 2 (the last one 1 wide), concatenated back
    # along axis 1; split into single columns without keepdims and stacked along a new last axis.
    nodes = [
        const("two", np.array(2, np.int64)),
        helper.make_node("SplitToSequence", ["x", "two"], ["pairs"], name="split_pairs", axis=1),
        helper.make_node("ConcatFromSequence", ["pairs"], ["rejoined"], name="rejoin", axis=-1),
        helper.make_node("SplitToSequence", ["x"], ["columns"], name="split_columns", axis=1, keepdims=0),
        helper.make_node("ConcatFromSequence", ["columns"], ["stacked"], name="stack", axis=-1, new_axis=1),
        helper.make_node("ConcatFromSequence", ["columns"], ["stacked_front"], name="stack_front", axis=0, new_axis=1),
    ]
    graph = helper.make_graph(
        nodes, "split_stack", [helper.make_tensor_value_info("x", F, [3, 5])],
        [helper.make_tensor_value_info(n, F, s) for n, s in (("rejoined", [3, 5]), ("stacked", [3, 5]), ("stacked_front", [5, 3]))]
        + [seq_info("pairs", F)])
    write("split_stack", graph, 13, [{"x": rng.standard_normal((3, 5)).astype(np.float32)}])


def sequence_map():
    # Each element of a sequence of [k, 3] tensors plus a [3] tensor and an outer value, and each
    # element's shape.
    body = helper.make_graph(
        [helper.make_node("Add", ["elem", "bias"], ["shifted"], name="body_add"),
         helper.make_node("Mul", ["shifted", "scale"], ["scaled"], name="body_mul"),
         helper.make_node("Shape", ["elem"], ["shape"], name="body_shape")],
        "map_body",
        [helper.make_tensor_value_info("elem", F, ["k", 3]), helper.make_tensor_value_info("bias", F, [3])],
        [helper.make_tensor_value_info("scaled", F, ["k", 3]), helper.make_tensor_value_info("shape", I64, [2])])
    nodes = [
        const("scale", np.array([2.0], np.float32)),
        helper.make_node("SequenceMap", ["xs", "bias"], ["ys", "shapes"], name="map", body=body),
    ]
    graph = helper.make_graph(
        nodes, "sequence_map", [seq_info("xs", F, ["k", 3]), helper.make_tensor_value_info("bias", F, [3])],
        [seq_info("ys", F), seq_info("shapes", I64)])
    xs = [rng.standard_normal((k, 3)).astype(np.float32) for k in (1, 4, 2)]
    write("sequence_map", graph, 17, [{"xs": xs, "bias": rng.standard_normal(3).astype(np.float32)}, {"xs": [], "bias": np.zeros(3, np.float32)}])


def loop_sequence():
    # A Loop appending x * i to a carried sequence for i < M, then the sequence stacked.
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep_going"),
         helper.make_node("Cast", ["i"], ["i_float"], name="cast_i", to=F),
         helper.make_node("Mul", ["x", "i_float"], ["scaled"], name="scale_x"),
         helper.make_node("SequenceInsert", ["seq_in", "scaled"], ["seq_out"], name="append_x")],
        "loop_body",
        [helper.make_tensor_value_info("i", I64, []), helper.make_tensor_value_info("cond_in", B, []), seq_info("seq_in", F)],
        [helper.make_tensor_value_info("cond_out", B, []), seq_info("seq_out", F)])
    nodes = [
        helper.make_node("SequenceEmpty", [], ["empty"], name="empty", dtype=F),
        helper.make_node("Loop", ["m", "", "empty"], ["collected"], name="loop", body=body),
        helper.make_node("SequenceLength", ["collected"], ["count"], name="count"),
    ]
    graph = helper.make_graph(
        nodes, "loop_sequence", [helper.make_tensor_value_info("x", F, [2]), helper.make_tensor_value_info("m", I64, [])],
        [seq_info("collected", F), helper.make_tensor_value_info("count", I64, [])])
    x = rng.standard_normal(2).astype(np.float32)
    write("loop_sequence", graph, 13, [{"x": x, "m": np.array(3, np.int64)}, {"x": x, "m": np.array(0, np.int64)}])


def if_optional():
    # An If giving an optional holding x + 1 or an empty one; whether it holds a value, and the
    # value (or x where empty) through a second If.
    opt_type = helper.make_optional_type_proto(helper.make_tensor_type_proto(F, [2]))
    then_branch = helper.make_graph(
        [const("one", np.array([1.0], np.float32)),
         helper.make_node("Add", ["x", "one"], ["x1"], name="add_one"),
         helper.make_node("Optional", ["x1"], ["full"], name="wrap")],
        "then_body", [], [helper.make_value_info("full", opt_type)])
    else_branch = helper.make_graph(
        [helper.make_node("Optional", [], ["none"], name="empty_optional", type=helper.make_tensor_type_proto(F, [2]))],
        "else_body", [], [helper.make_value_info("none", opt_type)])
    get_branch = helper.make_graph(
        [helper.make_node("OptionalGetElement", ["maybe"], ["held"], name="get")], "get_body", [],
        [helper.make_tensor_value_info("held", F, [2])])
    keep_branch = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["kept"], name="keep_x")], "keep_body", [],
        [helper.make_tensor_value_info("kept", F, [2])])
    nodes = [
        helper.make_node("If", ["c"], ["maybe"], name="choose", then_branch=then_branch, else_branch=else_branch),
        helper.make_node("OptionalHasElement", ["maybe"], ["has"], name="has"),
        helper.make_node("If", ["has"], ["value"], name="unwrap", then_branch=get_branch, else_branch=keep_branch),
    ]
    graph = helper.make_graph(
        nodes, "if_optional", [helper.make_tensor_value_info("c", B, []), helper.make_tensor_value_info("x", F, [2])],
        [helper.make_tensor_value_info("has", B, []), helper.make_tensor_value_info("value", F, [2]),
         helper.make_value_info("maybe", opt_type)])
    x = rng.standard_normal(2).astype(np.float32)
    write("if_optional", graph, 18, [{"c": np.array(True), "x": x}, {"c": np.array(False), "x": x}], optional_outputs=("maybe",))


def main():
    os.makedirs(OUT, exist_ok=True)
    split_edit_concat()
    split_stack()
    sequence_map()
    loop_sequence()
    if_optional()
    print(f"wrote {len([f for f in os.listdir(OUT) if f.endswith('.onnx')])} models to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
