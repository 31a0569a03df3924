#!/usr/bin/env python3
"""Builds the ONNX fixtures under Fixtures/onnx/ that Tests/StrataONNXTests load.

Pinned: onnx==1.23.2, numpy, onnxruntime==1.32.0 (ml_dtypes comes with onnx).

Every model is built with onnx.helper from seeded or literal data. What the Swift tests check
against is written by this script too:
  - expected.json: dtype, shape and exact values of the initializers and Constant values the
    fixtures hold (values as decimal strings so 64-bit integers survive JSON);
  - symbolic-dims.reference/: inputs whose sizes differ where the model's dims say `?` or share
    a name, and onnxruntime's outputs for them;
  - tiny-cnn.reference/: onnxruntime's value of every intermediate tensor of tiny-cnn.onnx for a
    batch of 2 (graph optimisations off), one .npy per tensor, the input in inputs/input.npy and
    manifest.json naming node, op, output index, tensor and file for each.

Re-run only when adding a case:  python3 Tools/make-onnx-fixtures.py
"""
import json
import os
import shutil

import ml_dtypes
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from testlib import FIXTURES

ROOT = os.path.join(FIXTURES, "onnx")
IR_VERSION = 8
OPSET = 17

expected = {}


def out_path(*parts):
    path = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def folder_path(*parts):
    path = os.path.join(ROOT, *parts)
    os.makedirs(path, exist_ok=True)
    return path


def save(model, *parts, check=True):
    if check:
        onnx.checker.check_model(model)
    with open(out_path(*parts), "wb") as f:
        f.write(model.SerializeToString())


def model_of(graph, opset=OPSET, ir_version=IR_VERSION, **kwargs):
    return helper.make_model(graph, ir_version=ir_version, opset_imports=[helper.make_opsetid("", opset)], **kwargs)


def value_strings(array):
    """Exact decimal text of each element (floats as the double of their stored value)."""
    flat = np.asarray(array).reshape(-1)
    if flat.dtype.kind == "f" or flat.dtype in (ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2,
                                                 ml_dtypes.float8_e4m3fnuz, ml_dtypes.float8_e5m2fnuz, ml_dtypes.float4_e2m1fn):
        return [repr(float(v)) for v in flat]
    if flat.dtype == np.bool_:
        return ["1" if v else "0" for v in flat]
    return [str(int(v)) for v in flat]


def remember(model_file, name, dtype, array):
    expected.setdefault(model_file, {})[name] = {
        "dtype": dtype,
        "shape": list(np.asarray(array).shape),
        "values": value_strings(array),
    }


def tensor_proto(name, onnx_type, shape):
    t = TensorProto()
    t.name = name
    t.data_type = onnx_type
    t.dims.extend(shape)
    return t


# --- every TensorProto data form -------------------------------------------------------------

SAMPLES = {
    # strata dtype: (onnx type, little-endian numpy dtype, values)
    "float32": (TensorProto.FLOAT, "<f4", [[1.5, -2.25, 0.0], [3.0e-8, 1.0e30, -7.0]]),
    "float64": (TensorProto.DOUBLE, "<f8", [1.0 / 3.0, -2.5, 1.0e300]),
    "float16": (TensorProto.FLOAT16, "<f2", [0.5, -65504.0, 0.0009765625]),
    "bfloat16": (TensorProto.BFLOAT16, ml_dtypes.bfloat16, [1.5, -2.0, 0.15625, 3.0e38]),
    "int8": (TensorProto.INT8, "i1", [-128, 0, 127]),
    "uint8": (TensorProto.UINT8, "u1", [0, 200, 255]),
    "int16": (TensorProto.INT16, "<i2", [-32768, 5, 32767]),
    "uint16": (TensorProto.UINT16, "<u2", [0, 40000, 65535]),
    "int32": (TensorProto.INT32, "<i4", [[-2147483648, 7], [0, 2147483647]]),
    "int64": (TensorProto.INT64, "<i8", [-9223372036854775808, 0, 9223372036854775807]),
    "uint32": (TensorProto.UINT32, "<u4", [0, 3000000000, 4294967295]),
    "uint64": (TensorProto.UINT64, "<u8", [0, 1, 18446744073709551615]),
    "bool": (TensorProto.BOOL, np.bool_, [True, False, True]),
    # Low-bit types: raw_data packs int4/uint4/float4e2m1 two and int2/uint2 four to a byte (odd counts
    # leave the last byte part-filled); float8 is one byte each.
    "float8e4m3fn": (TensorProto.FLOAT8E4M3FN, ml_dtypes.float8_e4m3fn, [448.0, -0.001953125, 1.125, -3.0e-3]),
    "float8e5m2": (TensorProto.FLOAT8E5M2, ml_dtypes.float8_e5m2, [57344.0, -1.52587890625e-05, 0.75]),
    "float8e4m3fnuz": (TensorProto.FLOAT8E4M3FNUZ, ml_dtypes.float8_e4m3fnuz, [240.0, -0.0009765625, 1.125, 0.0]),
    "float8e5m2fnuz": (TensorProto.FLOAT8E5M2FNUZ, ml_dtypes.float8_e5m2fnuz, [57344.0, -7.62939453125e-06, 0.75]),
    "float4e2m1": (TensorProto.FLOAT4E2M1, ml_dtypes.float4_e2m1fn, [6.0, -0.5, 1.5, -0.0, 3.0]),
    "int4": (TensorProto.INT4, ml_dtypes.int4, [-8, 7, -1, 0, 3]),
    "uint4": (TensorProto.UINT4, ml_dtypes.uint4, [[15, 0, 9], [1, 8, 6]]),
    "int2": (TensorProto.INT2, ml_dtypes.int2, [-2, 1, -1, 0, 1, -2, 0]),
    "uint2": (TensorProto.UINT2, ml_dtypes.uint2, [3, 0, 2, 1, 1]),
}
PACKED = {"float4e2m1", "int4", "uint4", "int2", "uint2"}

# Which typed field the specification assigns to each dtype, and how values are stored there.
TYPED_FIELD = {
    "float32": ("float_data", lambda a: a.tolist()),
    "float64": ("double_data", lambda a: a.tolist()),
    "int64": ("int64_data", lambda a: a.tolist()),
    "uint32": ("uint64_data", lambda a: a.tolist()),
    "uint64": ("uint64_data", lambda a: a.tolist()),
    "int32": ("int32_data", lambda a: a.tolist()),
    "int16": ("int32_data", lambda a: a.tolist()),
    "int8": ("int32_data", lambda a: a.tolist()),
    "uint16": ("int32_data", lambda a: a.tolist()),
    "uint8": ("int32_data", lambda a: a.tolist()),
    "bool": ("int32_data", lambda a: a.astype(np.int32).tolist()),
    # 16-bit floats go into int32_data as their bit patterns.
    "float16": ("int32_data", lambda a: a.view(np.uint16).astype(np.int32).tolist()),
    "bfloat16": ("int32_data", lambda a: a.view(np.uint16).astype(np.int32).tolist()),
    # float8 goes into int32_data one bit pattern per value; packed types one packed byte per value.
    "float8e4m3fn": ("int32_data", lambda a: a.view(np.uint8).astype(np.int32).tolist()),
    "float8e5m2": ("int32_data", lambda a: a.view(np.uint8).astype(np.int32).tolist()),
    "float8e4m3fnuz": ("int32_data", lambda a: a.view(np.uint8).astype(np.int32).tolist()),
    "float8e5m2fnuz": ("int32_data", lambda a: a.view(np.uint8).astype(np.int32).tolist()),
    **{name: ("int32_data", lambda a: np.frombuffer(numpy_helper.from_array(a).raw_data, np.uint8).astype(np.int32).tolist())
       for name in PACKED},
}


def make_tensor_forms():
    file = "tensor-forms.onnx"
    initializers = []
    for dtype, (onnx_type, np_dtype, values) in SAMPLES.items():
        array = np.array(values, dtype=np_dtype)
        raw = tensor_proto("raw_" + dtype, onnx_type, array.shape)
        raw.raw_data = numpy_helper.from_array(array).raw_data if dtype in PACKED else array.tobytes()
        initializers.append(raw)
        remember(file, raw.name, dtype, array)

        field, convert = TYPED_FIELD[dtype]
        typed = tensor_proto(field + "_" + dtype, onnx_type, array.shape)
        getattr(typed, field).extend(convert(array.reshape(-1)))
        initializers.append(typed)
        remember(file, typed.name, dtype, array)

    empty = tensor_proto("raw_empty", TensorProto.FLOAT, [0, 3])
    empty.raw_data = b""
    initializers.append(empty)
    remember(file, empty.name, "float32", np.zeros((0, 3), np.float32))

    scalar = tensor_proto("float_data_scalar", TensorProto.FLOAT, [])
    scalar.float_data.append(-0.75)
    initializers.append(scalar)
    remember(file, scalar.name, "float32", np.array(-0.75, np.float32))

    output = helper.make_tensor_value_info("raw_float32", TensorProto.FLOAT, [2, 3])
    graph = helper.make_graph([], "tensor_forms", [], [output], initializer=initializers)
    save(model_of(graph), file)


# --- external data ----------------------------------------------------------------------------

def external_tensor(name, onnx_type, shape, location, offset=None, length=None):
    t = tensor_proto(name, onnx_type, shape)
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for key, value in entries:
        entry = t.external_data.add()
        entry.key = key
        entry.value = value
    return t


def external_model(file, tensors, check=True):
    output = helper.make_tensor_value_info(tensors[0].name, tensors[0].data_type, list(tensors[0].dims))
    graph = helper.make_graph([], "external", [], [output], initializer=tensors)
    # The checker would follow the locations itself; the hostile ones are meant to be refused.
    save(model_of(graph), "external", file, check=check)


def make_external():
    folder = folder_path("external")
    aligned = np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1.0
    unaligned = np.array([2.5, -1.0, 1e-3, 7.0], dtype="<f4")
    blob = bytearray(64)
    blob[0:24] = aligned.tobytes()
    blob[26:42] = unaligned.tobytes()  # offset 26: not a multiple of 4, so the importer must copy
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        f.write(bytes(blob))
    sub = np.array([-3, 1 << 40], dtype="<i8")
    with open(out_path("external", "sub", "more.bin"), "wb") as f:
        f.write(sub.tobytes())

    file = "external/good.onnx"
    external_model("good.onnx", [
        external_tensor("ext_aligned", TensorProto.FLOAT, [2, 3], "weights.bin", 0, 24),
        external_tensor("ext_unaligned", TensorProto.FLOAT, [4], "./weights.bin", 26, 16),
        external_tensor("ext_subfolder", TensorProto.INT64, [2], "sub/more.bin"),
    ], check=False)
    remember(file, "ext_aligned", "float32", aligned)
    remember(file, "ext_unaligned", "float32", unaligned)
    remember(file, "ext_subfolder", "int64", sub)

    # A file outside external/ that every escaping location points at.
    with open(out_path("outside.bin"), "wb") as f:
        f.write(np.ones(4, "<f4").tobytes())
    link = os.path.join(folder, "link.bin")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink("../outside.bin", link)

    for name, location in [
        ("escape-parent.onnx", "../outside.bin"),
        ("escape-deep.onnx", "sub/../../outside.bin"),
        ("escape-absolute.onnx", "/etc/passwd"),
        ("escape-symlink.onnx", "link.bin"),
        ("missing-file.onnx", "nothere.bin"),
    ]:
        external_model(name, [external_tensor("w", TensorProto.FLOAT, [4], location)], check=False)
    external_model("short-file.onnx", [external_tensor("w", TensorProto.FLOAT, [4], "weights.bin", 56)], check=False)
    external_model("bad-length.onnx", [external_tensor("w", TensorProto.FLOAT, [4], "weights.bin", 0, 12)], check=False)
    # Packed 4-bit data in an external file is refused before the file is read.
    external_model("packed.onnx", [external_tensor("w", TensorProto.INT4, [3], "weights.bin")], check=False)


# --- graphs -----------------------------------------------------------------------------------

def identity_graph(nodes, name="g"):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, [2])
    return helper.make_graph(nodes, name, [x], [y])


def make_graph_cases():
    save(model_of(identity_graph([helper.make_node("FooBar", ["x"], ["y"], name="mystery")])), "unknown-op.onnx",
         check=False)
    other = model_of(identity_graph([helper.make_node("FusedGemm", ["x"], ["y"], name="fused", domain="com.microsoft")]))
    other.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    save(other, "other-domain.onnx", check=False)

    # "B" is neither an initializer, a graph input nor a node output.
    save(model_of(identity_graph([helper.make_node("Add", ["x", "B"], ["y"], name="add")])), "missing-initializer.onnx",
         check=False)

    hostile = [
        helper.make_node("Identity", ["x"], ["t0"], name="/"),
        helper.make_node("Identity", ["t0"], ["t1"], name=".."),
        helper.make_node("Identity", ["t1"], ["t2"], name="quo\"te's"),
        helper.make_node("Identity", ["t2"], ["t3"], name="ünï/cødé ✓"),
        helper.make_node("Identity", ["t3"], ["../t4"], name=""),
        helper.make_node("Identity", ["../t4"], ["t5"], name="dup"),
        helper.make_node("Identity", ["t5"], ["t6"], name="dup"),
        helper.make_node("Identity", ["t6"], ["dup_1"], name="dup"),
        helper.make_node("Identity", ["dup_1"], [""], name=""),
    ]
    graph = identity_graph(hostile[:-1], "hostile")
    graph.node.append(hostile[-1])
    save(model_of(graph), "hostile-names.onnx", check=False)

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, None, 5])
    x.type.tensor_type.shape.dim[2].Clear()
    y = helper.make_tensor_value_info("y", TensorProto.INT64, None)
    out = helper.make_tensor_value_info("x_out", TensorProto.FLOAT, ["N", 3, None, 5])
    w = numpy_helper.from_array(np.array([4, 5], dtype=np.int64), "y")
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["mid"], name="first"), helper.make_node("Identity", ["mid"], ["x_out"])],
        "value_types", [x, y], [out], initializer=[w],
        value_info=[helper.make_tensor_value_info("mid", TensorProto.FLOAT, ["N", 3, 7, 5])],
    )
    model = model_of(graph, producer_name="strata-fixtures", producer_version="1.0")
    helper.set_model_props(model, {"author": "Strata", "note": "ünï"})
    save(model, "value-types.onnx", check=False)

    constants = [
        helper.make_node("Constant", [], ["c_float"], value_float=2.5),
        helper.make_node("Constant", [], ["c_floats"], value_floats=[1.0, -0.5]),
        helper.make_node("Constant", [], ["c_int"], value_int=-7),
        helper.make_node("Constant", [], ["c_ints"], value_ints=[3, 1 << 40]),
        helper.make_node("Constant", [], ["c_tensor"],
                         value=numpy_helper.from_array(np.array([[1, 2]], dtype=np.int32), "c_value")),
    ]
    outputs = [helper.make_tensor_value_info(name, elem, shape) for name, elem, shape in [
        ("c_float", TensorProto.FLOAT, []), ("c_floats", TensorProto.FLOAT, [2]), ("c_int", TensorProto.INT64, []),
        ("c_ints", TensorProto.INT64, [2]), ("c_tensor", TensorProto.INT32, [1, 2])]]
    graph = helper.make_graph(constants, "constants", [], outputs)
    save(model_of(graph), "constant-forms.onnx")
    file = "constant-forms.onnx"
    remember(file, "c_float", "float32", np.array(2.5, np.float32))
    remember(file, "c_floats", "float32", np.array([1.0, -0.5], np.float32))
    remember(file, "c_int", "int64", np.array(-7, np.int64))
    remember(file, "c_ints", "int64", np.array([3, 1 << 40], np.int64))
    remember(file, "c_tensor", "int32", np.array([[1, 2]], np.int32))


def make_symbolic_dims():
    """Dims as paddle2onnx writes them: `?` and -1 for sizes that differ, and one name ("N") shared
    by inputs that are then fed different sizes; onnxruntime reads each `?`/-1 as its own unknown
    and a shared name as a hint only."""
    rng = np.random.default_rng(14)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["?", 3, -1, "?"])
    s = helper.make_tensor_value_info("s", TensorProto.FLOAT, ["N", 4])
    t = helper.make_tensor_value_info("t", TensorProto.FLOAT, ["N"])
    outputs = [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["?", 4]),
               helper.make_tensor_value_info("s_sum", TensorProto.FLOAT, ["N"]),
               helper.make_tensor_value_info("t_neg", TensorProto.FLOAT, ["N"])]
    weight = numpy_helper.from_array(rng.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32), "w")
    axes = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["conv"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"], name="relu"),
        helper.make_node("GlobalAveragePool", ["relu"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["pooled"], name="flatten"),
        helper.make_node("ReduceSum", ["s", "axes"], ["s_sum"], name="s_sum", keepdims=0),
        helper.make_node("Neg", ["t"], ["t_neg"], name="t_neg"),
    ]
    graph = helper.make_graph(nodes, "symbolic_dims", [x, s, t], outputs, initializer=[weight, axes])
    save(model_of(graph), "symbolic-dims.onnx", check=False)

    folder = folder_path("symbolic-dims.reference")
    feeds = {"x": rng.normal(0, 1, (1, 3, 48, 192)).astype(np.float32),
             "s": rng.normal(0, 1, (2, 4)).astype(np.float32),
             "t": rng.normal(0, 1, (3,)).astype(np.float32)}
    session = ort.InferenceSession(out_path("symbolic-dims.onnx"), providers=["CPUExecutionProvider"])
    for name, value in feeds.items():
        np.save(os.path.join(folder, name + ".npy"), value)
    for info, value in zip(session.get_outputs(), session.run(None, feeds)):
        np.save(os.path.join(folder, info.name + ".npy"), value)


# --- files that must be refused ---------------------------------------------------------------

def initializer_model(file, tensor):
    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"], name="id")], "bad", [x], [output],
                              initializer=[tensor])
    save(model_of(graph), "errors", file, check=False)


def identity_with(file, attribute, opset=OPSET, ir_version=IR_VERSION, op="Identity"):
    node = helper.make_node(op, ["x"], ["y"], name="n")
    if attribute is not None:
        node.attribute.append(attribute)
    save(model_of(identity_graph([node]), opset=opset, ir_version=ir_version), "errors", file, check=False)


def if_node(name, output, then_graph, else_graph):
    return helper.make_node("If", ["c"], [output], name=name, then_branch=then_graph, else_branch=else_graph)


def branch(nodes, output, name):
    return helper.make_graph(nodes, name, [], [helper.make_tensor_value_info(output, TensorProto.FLOAT, [2])])


def make_subgraph_errors():
    """Subgraphs nested past the importer's depth limit, and a body reading a name no enclosing
    graph defines."""
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2]),
              helper.make_tensor_value_info("c", TensorProto.BOOL, [])]
    output = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])]
    inner = branch([helper.make_node("Identity", ["x"], ["v20"], name="leaf")], "v20", "b20")
    for level in range(19, -1, -1):
        leaf = branch([helper.make_node("Identity", ["x"], [f"w{level}"], name=f"leaf{level}")], f"w{level}", f"e{level}")
        node = if_node(f"if{level}", f"v{level}", inner, leaf)
        inner = branch([node], f"v{level}", f"b{level}")
    graph = helper.make_graph(list(inner.node) + [helper.make_node("Identity", ["v0"], ["y"], name="out")], "g", inputs, output)
    save(model_of(graph), "errors", "deep-subgraphs.onnx", check=False)

    reads = branch([helper.make_node("Identity", ["nowhere"], ["t"], name="reader")], "t", "then")
    plain = branch([helper.make_node("Identity", ["x"], ["e"], name="plain")], "e", "else")
    graph = helper.make_graph([if_node("n", "y", reads, plain)], "g", inputs, output)
    save(model_of(graph), "errors", "body-dangling.onnx", check=False)


def make_value_type_errors():
    """Sequence and optional types Strata does not represent: a sequence of sequences, an optional
    of an optional, and a type 40 layers deep (refused after two layers, without unwrapping the rest)."""
    def typed_input(type_proto):
        x = helper.make_value_info("x", type_proto)
        graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"], name="n")], "g", [x],
                                  [helper.make_value_info("y", type_proto)])
        return model_of(graph)
    tensor = helper.make_tensor_type_proto(TensorProto.FLOAT, None)
    save(typed_input(helper.make_sequence_type_proto(helper.make_sequence_type_proto(tensor))),
         "errors", "sequence-of-sequences.onnx", check=False)
    save(typed_input(helper.make_optional_type_proto(helper.make_optional_type_proto(tensor))),
         "errors", "optional-of-optional.onnx", check=False)
    deep = tensor
    for level in range(40):
        deep = helper.make_optional_type_proto(deep) if level % 2 else helper.make_sequence_type_proto(deep)
    save(typed_input(deep), "errors", "deep-type.onnx", check=False)


def make_errors():
    t = tensor_proto("w", TensorProto.FLOAT, [2, 2])
    t.raw_data = np.zeros(3, "<f4").tobytes()
    initializer_model("raw-length.onnx", t)

    t = tensor_proto("w", TensorProto.INT64, [3])
    t.int64_data.extend([1, 2])
    initializer_model("typed-length.onnx", t)

    t = tensor_proto("w", TensorProto.FLOAT, [2, -1])
    t.raw_data = b""
    initializer_model("negative-dim.onnx", t)

    t = tensor_proto("w", TensorProto.FLOAT, [1 << 40, 1 << 40, 1 << 40])
    t.raw_data = b"\0\0\0\0"
    initializer_model("huge-dims.onnx", t)

    t = tensor_proto("w", TensorProto.FLOAT, [1 << 40])
    t.raw_data = b"\0\0\0\0"
    initializer_model("huge-raw.onnx", t)

    t = tensor_proto("w", TensorProto.STRING, [1])
    t.string_data.append(b"hello")
    initializer_model("string-tensor.onnx", t)

    t = tensor_proto("w", TensorProto.FLOAT8E8M0, [1])
    t.raw_data = b"\x7f"
    initializer_model("float8-tensor.onnx", t)

    identity_with("old-opset.onnx", None, opset=6)
    identity_with("ir-version.onnx", None, ir_version=2)

    make_subgraph_errors()
    make_value_type_errors()

    ref = onnx.AttributeProto()
    ref.name = "alpha"
    ref.type = onnx.AttributeProto.FLOAT
    ref.ref_attr_name = "outer_alpha"
    identity_with("ref-attribute.onnx", ref)

    bad = onnx.AttributeProto()
    bad.name = "label"
    bad.type = onnx.AttributeProto.STRING
    bad.s = b"ok\xff\xfe"
    identity_with("invalid-utf8.onnx", bad)

    node = helper.make_node("Identity", ["x", "x"], ["y"], name="n")
    save(model_of(identity_graph([node])), "errors", "arity.onnx", check=False)

    node = helper.make_node("Identity", ["x"], ["y"], name="n", a=1)
    node.attribute.append(helper.make_attribute("a", 2))
    save(model_of(identity_graph([node])), "errors", "duplicate-attribute.onnx", check=False)

    save(onnx.ModelProto(ir_version=IR_VERSION), "errors", "no-graph.onnx", check=False)

    no_opset = model_of(identity_graph([helper.make_node("Identity", ["x"], ["y"], name="n")]))
    del no_opset.opset_import[:]
    save(no_opset, "errors", "no-opset.onnx", check=False)

    untyped = model_of(identity_graph([helper.make_node("Identity", ["x"], ["y"], name="n")]))
    untyped.graph.input[0].ClearField("type")
    save(untyped, "errors", "untyped-input.onnx", check=False)

    twice = numpy_helper.from_array(np.zeros(2, np.float32), "w")
    model = model_of(identity_graph([helper.make_node("Identity", ["x"], ["y"], name="n")]))
    model.graph.initializer.extend([twice, twice])
    save(model, "errors", "duplicate-initializer.onnx", check=False)

    model = model_of(identity_graph([helper.make_node("Identity", ["x"], ["y"], name="n")]))
    model.graph.sparse_initializer.append(helper.make_sparse_tensor(
        numpy_helper.from_array(np.array([1.0], np.float32), "s"), numpy_helper.from_array(np.array([0], np.int64)), [2]))
    save(model, "errors", "sparse-initializer.onnx", check=False)

    t = numpy_helper.from_array(np.zeros(2, np.float32), "w")
    t.segment.begin = 0
    t.segment.end = 2
    initializer_model("segment.onnx", t)

    node = helper.make_node("Constant", [], ["y"], name="n", value_string="text")
    save(model_of(helper.make_graph([node], "g", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])),
         "errors", "constant-string.onnx", check=False)


# --- tiny-cnn with onnxruntime's intermediate values -------------------------------------------

def make_tiny_cnn():
    rng = np.random.default_rng(20261123)

    def weight(name, *shape, scale=0.3):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    initializers = [
        weight("conv1.weight", 8, 3, 3, 3),
        weight("conv1.bias", 8, scale=0.1),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "bn1.scale"),
        numpy_helper.from_array((rng.standard_normal(8) * 0.2).astype(np.float32), "bn1.bias"),
        numpy_helper.from_array((rng.standard_normal(8) * 0.5).astype(np.float32), "bn1.mean"),
        numpy_helper.from_array(rng.uniform(0.5, 2.0, 8).astype(np.float32), "bn1.var"),
        weight("conv2.weight", 8, 8, 3, 3, scale=0.15),
        weight("conv2.bias", 8, scale=0.1),
        weight("fc.weight", 10, 8, scale=0.5),
        weight("fc.bias", 10, scale=0.1),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1_out"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["conv1_out", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
                         ["bn1_out"], name="bn1", epsilon=1e-5),
        helper.make_node("Relu", ["bn1_out"], ["relu1_out"], name="relu1"),
        helper.make_node("MaxPool", ["relu1_out"], ["pool1_out"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["pool1_out", "conv2.weight", "conv2.bias"], ["conv2_out"], name="conv2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["pool1_out", "conv2_out"], ["residual_out"], name="residual"),
        helper.make_node("GlobalAveragePool", ["residual_out"], ["gap_out"], name="gap"),
        helper.make_node("Flatten", ["gap_out"], ["flatten_out"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flatten_out", "fc.weight", "fc.bias"], ["fc_out"], name="fc", transB=1),
        helper.make_node("Softmax", ["fc_out"], ["probabilities"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 10])],
        initializer=initializers,
    )
    model = model_of(graph, producer_name="strata-fixtures", producer_version="1.0")
    model.doc_string = "Small seeded CNN for Strata's importer and end-to-end tests."
    save(model, "tiny-cnn.onnx")

    # Every node output becomes a graph output so onnxruntime reports it.
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    declared = {o.name for o in probe.graph.output}
    for node in probe.graph.node:
        for name in node.output:
            if name not in declared:
                probe.graph.output.append(helper.make_empty_tensor_value_info(name))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    x = rng.standard_normal((2, 3, 32, 32)).astype(np.float32)
    names = [o.name for o in session.get_outputs()]
    values = dict(zip(names, session.run(names, {"input": x})))

    folder = os.path.join(ROOT, "tiny-cnn.reference")
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(os.path.join(folder, "inputs"))
    np.save(os.path.join(folder, "inputs", "input.npy"), x)
    manifest = []
    for node in model.graph.node:
        for index, name in enumerate(node.output):
            np.save(os.path.join(folder, name + ".npy"), values[name])
            manifest.append({"node": node.name, "op": node.op_type, "output": index, "tensor": name,
                             "file": name + ".npy", "shape": list(values[name].shape)})
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump({"model": "tiny-cnn.onnx", "input": "inputs/input.npy", "producer": "onnxruntime " + ort.__version__,
                   "outputs": manifest}, f, indent=1)
        f.write("\n")


def main():
    make_tensor_forms()
    make_external()
    make_graph_cases()
    make_symbolic_dims()
    make_errors()
    make_tiny_cnn()
    with open(out_path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
