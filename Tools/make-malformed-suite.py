#!/usr/bin/env python3
"""Writes the malformed-file suite that Tools/test-malformed.py runs against the release binary.

    python3 Tools/make-malformed-suite.py [--seed N] [--strata PATH]

Output (git-ignored): Fixtures/generated/malformed-suite/files/ (the hostile files) and cases.json (one case
per command: its arguments, inputs, setup and what must happen; see Tools/hostile_run.py). Everything is made
from Fixtures/ with the seeded random generator, so the same seed gives the same files; FIFOs, device nodes
and symbolic links are made by the runner in each case's own folder. The statistics documents the merge
cases start from are written by `strata stats` (the binary given, default the release build).

Classes (issue 10 and the inputs added since):
  truncation      .onnx, .h5, .keras, .npy, PNG, JPEG and statistics JSON cut at many offsets
  bitflip         the same files with 1 to 4 bits flipped at seeded places
  dims            absurd and overflowing dims: ONNX inputs and initializers, .npy headers, Keras input shapes and
                  layer sizes, ONNX shape-producing ops (ConstantOfShape, Expand, Tile, Range, Reshape, Resize, Pad)
  attributes      extreme attribute values on ONNX ops (axes, perms, kernel sizes, pads), run on a small input
  stride          zero strides and dilations (ONNX Conv and pools; Keras Conv2D and pooling, "same" and "valid")
  hdf5            huge declared datasets, external links, external storage, virtual datasets, soft links out
  external        ONNX external data out of the folder, through a symbolic link, from a FIFO, a device, a folder
  zip             zip64 lies, central directories out of place, bombs, runaway deflate, bad CRCs, duplicate and
                  encrypted members, unknown methods, members past the directory
  fifo            FIFOs given as model, --input, --config, --image, statistics document, --images member
  output          device, FIFO, folder and self outputs (convert, diagram -o, preprocess -o, stats merge -o),
                  --out naming a file
  names           hostile node and layer names (captured with --all), hostile file names
  cli             bad flag values (exit 64)
  image           truncated and corrupt PNG/JPEG (single --image, --images folders with and without --strict),
                  declared sizes beyond the limits, sizes of zero
  stats           bad statistics documents for `strata stats merge`: invalid JSON, wrong types, negative and
                  overflowing counts, mismatched shards, duplicate layers, deep nesting
"""
import argparse
import copy
import hashlib
import io
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper

from testlib import DEFAULT_BINARY, ROOT
OUT = os.path.join(ROOT, "Fixtures", "generated", "malformed-suite")
FILES = os.path.join(OUT, "files")
DATE = (1980, 1, 1, 0, 0, 0)

TINY_CNN = "Fixtures/onnx/tiny-cnn.onnx"
TINY_INPUT = "Fixtures/onnx/tiny-cnn.reference/inputs/input.npy"
CNN_H5 = "Fixtures/keras/cnn.k2.h5"
CNN_KERAS = "Fixtures/keras/cnn.k3.keras"
DIGITS = "Fixtures/demo/digits.keras"
MALFORMED = "Fixtures/malformed"


class Suite:
    def __init__(self, seed):
        self.random = random.Random(seed)
        self.cases = []
        self.ids = set()

    def file(self, name, data):
        """Writes a generated file; returns its path relative to the repository."""
        path = os.path.join(FILES, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return os.path.relpath(path, ROOT)

    def add(self, cls, name, args, expect="error", names=None, inputs=None, setup=None, contains=None, outputs=None,
            warns=None):
        case_id = f"{cls}-{name}"
        assert case_id not in self.ids, case_id
        self.ids.add(case_id)
        case = dict(id=case_id, cls=cls, args=args, expect=expect, inputs=inputs or {}, setup=setup or [],
                    outputs=outputs or [])
        for key, value in (("names", names), ("contains", contains), ("warns", warns)):
            if value is not None:
                case[key] = value
        self.cases.append(case)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def model_bytes(model):
    return model.SerializeToString()


def onnx_model(nodes, inputs, outputs, initializers=(), opset=17, name="g"):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="malformed-suite")
    model.ir_version = 8
    return model


def npy_bytes(header_dict_text, data=b"", version=1):
    """A .npy file with the header text given as is (padded as numpy pads it)."""
    magic = b"\x93NUMPY" + bytes([version, 0])
    text = header_dict_text.encode("latin1")
    head_len = 10 if version == 1 else 12
    total = head_len + len(text) + 1
    pad = (64 - total % 64) % 64
    text = text + b" " * pad + b"\n"
    size = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return magic + size + text + data


def write_zip(members):
    """A zip of (name, bytes, method) members with fixed dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            z.writestr(info, data)
    return out.getvalue()


def archive_members(path):
    with zipfile.ZipFile(os.path.join(ROOT, path)) as z:
        return {name: z.read(name) for name in z.namelist()}


def keras_with_config(config, source=CNN_KERAS):
    members = archive_members(source)
    return write_zip([("metadata.json", members["metadata.json"], zipfile.ZIP_STORED),
                      ("config.json", json.dumps(config).encode(), zipfile.ZIP_STORED),
                      ("model.weights.h5", members["model.weights.h5"], zipfile.ZIP_STORED)])


# MARK: truncation and bit flips

MUTATED = [
    # (source, extension, how the runner feeds it: "model" | "npy" | "image" | "stats")
    (TINY_CNN, ".onnx", "model"),
    ("Fixtures/onnx/tensor-forms.onnx", ".onnx", "model"),
    (CNN_H5, ".h5", "model"),
    ("Fixtures/keras/lstm.k2.h5", ".h5", "model"),
    (CNN_KERAS, ".keras", "model"),
    ("Fixtures/keras/embedding.k2.keras", ".keras", "model"),
    (TINY_INPUT, ".npy", "npy"),
    ("Fixtures/npy/fortran_int32_2x3x4.npy", ".npy", "npy"),
    ("Fixtures/images/rgb-8.png", ".png", "image"),
    ("Fixtures/images/palette-2-interlaced.png", ".png", "image"),
    ("Fixtures/images/rgb-420.jpg", ".jpg", "image"),
    ("Fixtures/images/progressive.jpg", ".jpg", "image"),
]


def feed(suite, cls, name, kind, path, expect):
    """The command that reads a mutated file of `kind` at `path` (a generated file)."""
    if kind == "model":
        target = "model" + os.path.splitext(path)[1]
        suite.add(cls, name, ["inspect", target], expect=expect, names=target, inputs={target: path})
    elif kind == "npy":
        suite.add(cls, name, ["run", "model.onnx", "--input", "x.npy", "--all", "--out", "out", "--threads", "1"],
                  expect=expect, names="x.npy" if expect == "error" else None,
                  inputs={"model.onnx": TINY_CNN, "x.npy": path}, outputs=["out"])
    elif kind == "image":
        target = "image" + os.path.splitext(path)[1]
        suite.add(cls, name, ["preprocess", target, "--model", "model.onnx", "-o", "x.npy"], expect=expect, names=target,
                  inputs={"model.onnx": TINY_CNN, target: path}, outputs=["x.npy"])
    elif kind == "stats":
        suite.add(cls, name, ["stats", "merge", "a.json", "b.json", "-o", "merged.json"], expect=expect,
                  inputs={"a.json": path[0], "b.json": path[1]}, outputs=["merged.json"])


def truncations(suite, count):
    for source, ext, kind in MUTATED:
        data = read(source)
        stem = os.path.splitext(os.path.basename(source))[0]
        offsets = {0, 1, 4, 8, 16, len(data) // 2, len(data) - 1}
        while len(offsets) < count:
            offsets.add(suite.random.randrange(1, len(data)))
        for offset in sorted(offsets):
            path = suite.file(f"truncation/{stem}-{offset}{ext}", data[:offset])
            # A model cut short may still parse (an ONNX file ends between any two fields), and a PNG whose
            # pixels are all there decodes without its IEND chunk (as in Pillow); arrays, JPEGs, HDF5 files
            # and archives cut short cannot be whole.
            whole = ext == ".onnx" or ext == ".png" and offset >= len(data) - 12
            expect = "error-or-ok" if whole else "error"
            feed(suite, "truncation", f"{stem}-{offset}", kind, path, expect)


def bitflips(suite, count):
    for source, ext, kind in MUTATED:
        data = read(source)
        stem = os.path.splitext(os.path.basename(source))[0]
        for i in range(count):
            flipped = bytearray(data)
            flips = []
            for _ in range(suite.random.randint(1, 4)):
                offset, bit = suite.random.randrange(len(data)), suite.random.randrange(8)
                flipped[offset] ^= 1 << bit
                flips.append(f"{offset}.{bit}")
            path = suite.file(f"bitflip/{stem}-{i}{ext}", bytes(flipped))
            feed(suite, "bitflip", f"{stem}-{i}-{'-'.join(flips)}", kind, path, "error-or-ok")


# MARK: dims

def dims_cases(suite):
    huge = [("int64max", [2**63 - 1]), ("2p62x4", [2**62, 4]), ("2p40", [2**40]), ("0x2p62x2p62", [0, 2**62, 2**62]),
            ("2p31sq", [2**31, 2**31]), ("2p20cubed", [2**20, 2**20, 2**20])]
    for label, dims in huge:
        # A graph input declared that large: bench fills it with random values.
        model = onnx_model([helper.make_node("Identity", ["x"], ["y"], name="n")],
                           [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        path = suite.file(f"dims/input-{label}.onnx", model_bytes(model))
        suite.add("dims", f"onnx-input-{label}-bench", ["bench", "m.onnx", "--runs", "1", "--warmup", "0", "--threads", "1"],
                  names="m.onnx", inputs={"m.onnx": path})
        suite.add("dims", f"onnx-input-{label}-inspect", ["inspect", "m.onnx"], expect="ok", inputs={"m.onnx": path})
        # An initializer declaring those dims with four bytes of data.
        tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=dims, raw_data=b"\0\0\0\0")
        model = onnx_model([helper.make_node("Identity", ["w"], ["y"], name="n")], [],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [tensor])
        path = suite.file(f"dims/initializer-{label}.onnx", model_bytes(model))
        suite.add("dims", f"onnx-initializer-{label}", ["inspect", "m.onnx"], names="m.onnx", inputs={"m.onnx": path})
        # .npy headers.
        shape = "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"
        path = suite.file(f"dims/array-{label}.npy", npy_bytes(f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}",
                                                             b"\0" * 16))
        suite.add("dims", f"npy-{label}", ["run", "model.onnx", "--input", "x.npy", "--out", "out", "--threads", "1"],
                  names="x.npy", inputs={"model.onnx": TINY_CNN, "x.npy": path}, outputs=["out"])
    for label, header in [
        ("negative", "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }"),
        ("fortran-overflow", "{'descr': '<f4', 'fortran_order': True, 'shape': (4611686018427387904, 4), }"),
        ("bigger-than-int64", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }"),
        ("object", "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"),
        ("odd-dtype", "{'descr': '<f3', 'fortran_order': False, 'shape': (2,), }"),
        ("no-shape", "{'descr': '<f4', 'fortran_order': False, }"),
        ("nested-tuple", "{'descr': '<f4', 'fortran_order': False, 'shape': ((2,), 3), }"),
        ("deep", "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 5000 + ")" * 5000 + ", }"),
        ("structured", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"),
        ("float-dim", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }"),
    ]:
        path = suite.file(f"dims/array-{label}.npy", npy_bytes(header, b"\0" * 8))
        suite.add("dims", f"npy-{label}", ["run", "model.onnx", "--input", "x.npy", "--out", "out", "--threads", "1"],
                  names="x.npy", inputs={"model.onnx": TINY_CNN, "x.npy": path}, outputs=["out"])
    # A header length beyond the file, and one of 4 GiB (version 2).
    data = b"\x93NUMPY\x01\x00" + struct.pack("<H", 65535) + b"{'descr': '<f4'"
    suite.add("dims", "npy-header-length-past-end", ["run", "model.onnx", "--input", "x.npy", "--out", "out"], names="x.npy",
              inputs={"model.onnx": TINY_CNN, "x.npy": suite.file("dims/header-past-end.npy", data)}, outputs=["out"])
    data = b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFFF) + b"{'descr': '<f4'"
    suite.add("dims", "npy-header-length-4g", ["run", "model.onnx", "--input", "x.npy", "--out", "out"], names="x.npy",
              inputs={"model.onnx": TINY_CNN, "x.npy": suite.file("dims/header-4g.npy", data)}, outputs=["out"])

    # Shape-producing ops whose sizes come from constants: folded when the engine compiles the graph.
    def shaped(label, nodes, initializers):
        model = onnx_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializers)
        path = suite.file(f"dims/op-{label}.onnx", model_bytes(model))
        x = suite.file("dims/one.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", b"\0\0\x80\x3f"))
        suite.add("dims", f"op-{label}", ["run", "m.onnx", "--input", "x.npy", "--all", "--out", "out", "--threads", "1"],
                  names="m.onnx", inputs={"m.onnx": path, "x.npy": x}, outputs=["out"])

    def ints(name, values):
        return helper.make_tensor(name, TensorProto.INT64, [len(values)], values)

    for label, shape in [("2p40", [2**40]), ("2p31x2p31", [2**31, 2**31]), ("int64max", [2**63 - 1]),
                         ("negative", [-4]), ("overflow", [2**62, 2**62])]:
        shaped(f"constantofshape-{label}", [helper.make_node("ConstantOfShape", ["s"], ["c"], name="cos"),
                                             helper.make_node("Add", ["c", "x"], ["y"], name="add")], [ints("s", shape)])
        shaped(f"expand-{label}", [helper.make_node("Expand", ["x", "s"], ["y"], name="expand")], [ints("s", shape)])
        shaped(f"reshape-{label}", [helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")], [ints("s", shape)])
    for label, repeats in [("2p40", [2**40]), ("int64max", [2**63 - 1]), ("negative", [-2])]:
        shaped(f"tile-{label}", [helper.make_node("Tile", ["x", "r"], ["y"], name="tile")], [ints("r", repeats)])
    for label, (start, limit, delta) in [("2p40", (0.0, 2.0**40, 1.0)), ("zero-delta", (0.0, 10.0, 0.0)),
                                         ("tiny-delta", (0.0, 1.0, 1e-30)), ("inf", (0.0, float("inf"), 1.0)),
                                         ("nan", (0.0, float("nan"), 1.0))]:
        shaped(f"range-{label}", [helper.make_node("Range", ["a", "b", "d"], ["r"], name="range"),
                                  helper.make_node("Add", ["r", "x"], ["y"], name="add")],
               [helper.make_tensor("a", TensorProto.FLOAT, [], [start]), helper.make_tensor("b", TensorProto.FLOAT, [], [limit]),
                helper.make_tensor("d", TensorProto.FLOAT, [], [delta])])
    for label, pads in [("2p40", [2**40, 0]), ("negative-past", [-5, 0]), ("int64max", [2**63 - 1, 2**63 - 1])]:
        shaped(f"pad-{label}", [helper.make_node("Pad", ["x", "p"], ["y"], name="pad")], [ints("p", pads)])
    for label, scale in [("1e12", 1e12), ("inf", float("inf")), ("nan", float("nan")), ("negative", -2.0), ("zero", 0.0)]:
        model_nodes = [helper.make_node("Unsqueeze", ["x", "ax"], ["x4"], name="unsq"),
                       helper.make_node("Resize", ["x4", "", "sc"], ["y"], name="resize", mode="nearest")]
        shaped(f"resize-{label}", model_nodes, [ints("ax", [0, 1, 2]),
                                                helper.make_tensor("sc", TensorProto.FLOAT, [4], [1.0, 1.0, scale, scale])])

    # Keras: input shapes and layer sizes beyond memory or Int, in a .keras archive with cnn's weights.
    base = json.loads(archive_members(CNN_KERAS)["config.json"])
    layers = base["config"]["layers"]

    def keras_case(label, change, command="inspect"):
        config = copy.deepcopy(base)
        change(config["config"]["layers"])
        path = suite.file(f"dims/keras-{label}.keras", keras_with_config(config))
        args = ["inspect", "m.keras"] if command == "inspect" else ["bench", "m.keras", "--runs", "1", "--warmup", "0", "--threads", "1"]
        suite.add("dims", f"keras-{label}-{command}", args, names="m.keras", inputs={"m.keras": path})

    input_index = next(i for i, l in enumerate(layers) if l["class_name"] == "InputLayer")
    for label, shape in [("2p40", [None, 2**20, 2**20, 3]), ("int64max", [None, 2**63 - 1, 1, 3]), ("negative", [None, -8, 32, 3]),
                         ("overflow", [None, 2**40, 2**40, 3])]:
        def set_shape(layers, shape=shape):
            layers[input_index]["config"]["batch_shape"] = shape
        keras_case(f"input-{label}", set_shape, "bench")
    dense = next(i for i, l in enumerate(layers) if l["class_name"] == "Dense")
    conv = next(i for i, l in enumerate(layers) if l["class_name"] == "Conv2D")
    for label, index, key, value in [("dense-units-2p31", dense, "units", 2**31), ("dense-units-negative", dense, "units", -3),
                                     ("dense-units-2p62", dense, "units", 2**62), ("conv-filters-2p40", conv, "filters", 2**40),
                                     ("conv-kernel-2p40", conv, "kernel_size", [2**40, 2**40]),
                                     ("conv-kernel-zero", conv, "kernel_size", [0, 0]),
                                     ("conv-dilation-negative", conv, "dilation_rate", [-1, -1]),
                                     ("conv-groups-zero", conv, "groups", 0),
                                     ("conv-filters-string", conv, "filters", "many"),
                                     ("conv-kernel-float", conv, "kernel_size", [2.5, 2.5])]:
        def set_option(layers, index=index, key=key, value=value):
            layers[index]["config"][key] = value
        keras_case(label, set_option)


# MARK: attributes on ONNX ops

def attribute_cases(suite):
    x4 = suite.file("attributes/x-1x2x6x6.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 6, 6), }",
                                                           np.arange(72, dtype="<f4").tobytes()))

    def op_case(label, node, initializers=(), expect="error"):
        model = onnx_model([node], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializers)
        path = suite.file(f"attributes/{label}.onnx", model_bytes(model))
        suite.add("attributes", label, ["run", "m.onnx", "--input", "x.npy", "--all", "--out", "out", "--threads", "1"],
                  expect=expect, names="m.onnx" if expect == "error" else None, inputs={"m.onnx": path, "x.npy": x4},
                  outputs=["out"])

    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 2, 3, 3], [0.1] * 36)
    for label, attrs in [("kernel-2p40", dict(kernel_shape=[2**40, 2**40])), ("pads-2p40", dict(pads=[2**40] * 4)),
                         ("pads-negative-past", dict(pads=[-9, -9, -9, -9])), ("dilations-2p40", dict(dilations=[2**40, 2**40])),
                         ("pads-wrong-count", dict(pads=[1, 1, 1])), ("group-zero", dict(group=0)), ("group-3", dict(group=3)),
                         ("auto-pad-bogus", dict(auto_pad="SIDEWAYS")), ("strides-int64max", dict(strides=[2**63 - 1, 2**63 - 1]))]:
        op_case(f"conv-{label}", helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs), [w])
    for op in ("MaxPool", "AveragePool", "LpPool"):
        for label, attrs in [("kernel-zero", dict(kernel_shape=[0, 0])), ("kernel-2p40", dict(kernel_shape=[2**40, 2**40])),
                             ("pads-not-below-kernel", dict(kernel_shape=[2, 2], pads=[0, 2, 0, 0])),
                             ("kernel-bigger-than-input", dict(kernel_shape=[9, 9])), ("no-kernel", dict())]:
            op_case(f"{op.lower()}-{label}", helper.make_node(op, ["x"], ["y"], name="pool", **attrs))
    for label, node in [
        ("transpose-perm-repeated", helper.make_node("Transpose", ["x"], ["y"], name="t", perm=[0, 0, 1, 2])),
        ("transpose-perm-out-of-range", helper.make_node("Transpose", ["x"], ["y"], name="t", perm=[0, 1, 2, 2**40])),
        ("softmax-axis-large", helper.make_node("Softmax", ["x"], ["y"], name="s", axis=2**40)),
        ("softmax-axis-int64min", helper.make_node("Softmax", ["x"], ["y"], name="s", axis=-2**63)),
        ("flatten-axis-large", helper.make_node("Flatten", ["x"], ["y"], name="f", axis=99)),
        ("concat-axis-large", helper.make_node("Concat", ["x", "x"], ["y"], name="c", axis=2**62)),
        ("lrn-size-zero", helper.make_node("LRN", ["x"], ["y"], name="l", size=0)),
        ("depthtospace-blocksize-zero", helper.make_node("DepthToSpace", ["x"], ["y"], name="d", blocksize=0)),
        ("spacetodepth-blocksize-2p40", helper.make_node("SpaceToDepth", ["x"], ["y"], name="d", blocksize=2**40)),
        ("reducesum-axes-repeated", helper.make_node("ReduceMax", ["x"], ["y"], name="r", axes=[1, 1])),
    ]:
        op_case(label, node)
    for label, (k,) in [("topk-2p40", (2**40,)), ("topk-negative", (-1,))]:
        op_case(label, helper.make_node("TopK", ["x", "k"], ["y", "i"], name="topk"),
                [helper.make_tensor("k", TensorProto.INT64, [1], [k])])
    for label, depth in [("onehot-depth-2p40", 2**40), ("onehot-depth-negative", -3)]:
        op_case(label, helper.make_node("OneHot", ["ix", "d", "v"], ["y"], name="oh"),
                [helper.make_tensor("ix", TensorProto.INT64, [2], [0, 1]), helper.make_tensor("d", TensorProto.INT64, [], [depth]),
                 helper.make_tensor("v", TensorProto.FLOAT, [2], [0.0, 1.0])])
    # A step of -2^63 is valid (one element, as onnxruntime gives); a step of 0 and an axis past the rank are not.
    for label, starts, ends, axes, steps, expect in [("slice-step-zero", [0], [4], [2], [0], "error"),
                                                     ("slice-axis-large", [0], [4], [2**40], [1], "error"),
                                                     ("slice-step-int64min", [5], [0], [2], [-2**63], "error-or-ok")]:
        op_case(label, helper.make_node("Slice", ["x", "s", "e", "a", "t"], ["y"], name="slice"),
                [helper.make_tensor("s", TensorProto.INT64, [1], starts), helper.make_tensor("e", TensorProto.INT64, [1], ends),
                 helper.make_tensor("a", TensorProto.INT64, [1], axes), helper.make_tensor("t", TensorProto.INT64, [1], steps)],
                expect=expect)
    for label, index in [("gather-index-2p40", 2**40), ("gather-index-negative-past", -99)]:
        op_case(label, helper.make_node("Gather", ["x", "i"], ["y"], name="gather", axis=1),
                [helper.make_tensor("i", TensorProto.INT64, [1], [index])])
    op_case("split-sizes-past", helper.make_node("Split", ["x", "sp"], ["y", "z"], name="split", axis=1),
            [helper.make_tensor("sp", TensorProto.INT64, [2], [2**40, -2**40 + 2])])


# MARK: strides

def stride_cases(suite):
    x4 = "Fixtures/generated/malformed-suite/files/attributes/x-1x2x6x6.npy"
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 2, 3, 3], [0.1] * 36)
    for op, extra in [("Conv", dict()), ("MaxPool", dict(kernel_shape=[2, 2])), ("AveragePool", dict(kernel_shape=[2, 2])),
                      ("ConvTranspose", dict())]:
        for label, attrs in [("zero", dict(strides=[0, 0])), ("negative", dict(strides=[-1, -1])),
                             ("zero-same", dict(strides=[0, 0], auto_pad="SAME_UPPER")),
                             ("dilation-zero", dict(dilations=[0, 0])) if op != "AveragePool" else ("one-zero", dict(strides=[1, 0]))]:
            inputs = ["x", "w"] if op in ("Conv", "ConvTranspose") else ["x"]
            node = helper.make_node(op, inputs, ["y"], name="n", **extra, **attrs)
            model = onnx_model([node], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])],
                               [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w] if len(inputs) == 2 else [])
            path = suite.file(f"stride/{op.lower()}-{label}.onnx", model_bytes(model))
            suite.add("stride", f"onnx-{op.lower()}-{label}", ["run", "m.onnx", "--input", "x.npy", "--out", "out", "--threads", "1"],
                      names="m.onnx", inputs={"m.onnx": path, "x.npy": x4}, outputs=["out"])
    base = json.loads(archive_members(CNN_KERAS)["config.json"])
    for class_name in ("Conv2D", "MaxPooling2D"):
        for padding in ("same", "valid"):
            for label, strides in [("zero", [0, 0]), ("negative", [-2, -2]), ("one-zero", [1, 0])]:
                config = copy.deepcopy(base)
                layer = next((l for l in config["config"]["layers"] if l["class_name"] == class_name), None)
                if layer is None:
                    continue
                layer["config"]["strides"] = strides
                layer["config"]["padding"] = padding
                path = suite.file(f"stride/keras-{class_name.lower()}-{padding}-{label}.keras", keras_with_config(config))
                suite.add("stride", f"keras-{class_name.lower()}-{padding}-{label}", ["inspect", "m.keras"], names="m.keras",
                          inputs={"m.keras": path})
    suite.add("stride", "keras-same-stride-zero-fixture", ["inspect", "m.keras"], names="m.keras",
              inputs={"m.keras": f"{MALFORMED}/same-stride-zero.keras"})


# MARK: HDF5

def hdf5_cases(suite):
    for name, contains in [("huge-chunked.h5", "stores only 0 bytes"), ("huge-chunked-right-shape.h5", None),
                           ("external-link.h5", "external link"), ("external-storage.h5", "external"),
                           ("virtual-dataset.h5", "virtual"), ("soft-link-out.h5", "external link"),
                           ("dropout-rate.h5", "rate"), ("hdf5-crash.h5", "runs past the collection")]:
        # The model one folder down, outside.h5 where its links point.
        for command in (["inspect", "sub/m.h5"], ["convert", "sub/m.h5", "out.onnx"]):
            suite.add("hdf5", f"{name.split('.')[0]}-{command[0]}", command, names="sub/m.h5", contains=contains,
                      inputs={"sub/m.h5": f"{MALFORMED}/{name}", "outside.h5": f"{MALFORMED}/outside.h5"}, outputs=["out.onnx"])
    suite.add("hdf5", "hang-keras", ["inspect", "m.keras"], names="m.keras", contains="smaller than its own header",
              inputs={"m.keras": f"{MALFORMED}/hdf5-hang.keras"})
    # Weights-only files with a config whose weights do not match.
    suite.add("hdf5", "weights-only-without-config", ["inspect", "w.h5"], names="w.h5", contains="--config",
              inputs={"w.h5": "Fixtures/keras/cnn.k2w.h5"})
    suite.add("hdf5", "weights-only-other-config", ["inspect", "w.h5", "--config", "c.json"], names="w.h5",
              inputs={"w.h5": "Fixtures/keras/cnn.k2w.h5", "c.json": "Fixtures/keras/lstm.k2w.json"})


# MARK: ONNX external data

def external_cases(suite):
    folder = "Fixtures/onnx/external"
    for name in ("escape-absolute", "escape-deep", "escape-parent", "missing-file", "short-file", "bad-length"):
        suite.add("external", name, ["inspect", "d/m.onnx"], names="d/m.onnx",
                  inputs={"d/m.onnx": f"{folder}/{name}.onnx", "d/weights.bin": f"{folder}/weights.bin",
                          "outside.bin": "Fixtures/onnx/outside.bin"})
    suite.add("external", "escape-symlink", ["inspect", "d/m.onnx"], names="d/m.onnx",
              inputs={"d/m.onnx": f"{folder}/escape-symlink.onnx", "outside.bin": "Fixtures/onnx/outside.bin"},
              setup=[["symlink", "d/link.bin", "../outside.bin"]])
    suite.add("external", "symlink-to-system-file", ["inspect", "d/m.onnx"], names="d/m.onnx",
              inputs={"d/m.onnx": f"{folder}/good.onnx"}, setup=[["symlink", "d/weights.bin", "/etc/hostname"]])
    for kind in ("fifo", "device", "dir"):
        suite.add("external", f"data-is-{kind}", ["inspect", "d/m.onnx"], names="d/m.onnx",
                  inputs={"d/m.onnx": f"{folder}/good.onnx"}, setup=[[kind, "d/weights.bin"]])
    # External data whose offset and length lie beyond the file or wrap around.
    # A location with a NUL byte is read up to the NUL (as a C path is), still inside the folder.
    for label, entries in [("offset-past-end", {"location": "weights.bin", "offset": "100000", "length": "4"}),
                           ("offset-int64max", {"location": "weights.bin", "offset": str(2**63 - 1), "length": "4"}),
                           ("length-wraps", {"location": "weights.bin", "offset": "8", "length": str(2**64 - 4)}),
                           ("offset-negative", {"location": "weights.bin", "offset": "-8", "length": "4"}),
                           ("offset-not-a-number", {"location": "weights.bin", "offset": "eight", "length": "4"}),
                           ("location-empty", {"location": "", "offset": "0", "length": "4"}),
                           ("location-nul", {"location": "weights.bin\0x", "offset": "0", "length": "4"})]:
        tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1], data_location=TensorProto.EXTERNAL)
        for key, value in entries.items():
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        model = onnx_model([helper.make_node("Identity", ["w"], ["y"], name="n")], [],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [tensor])
        path = suite.file(f"external/{label}.onnx", model_bytes(model))
        suite.add("external", label, ["inspect", "d/m.onnx"], expect="error-or-ok" if label == "location-nul" else "error",
                  names="d/m.onnx", inputs={"d/m.onnx": path, "d/weights.bin": f"{folder}/weights.bin"})


# MARK: zip

def zip_cases(suite):
    for name in ("zip64-lie", "zip-bomb", "deflate-runs-off", "bad-crc", "duplicate-member", "hdf5-hang", "same-stride-zero"):
        suite.add("zip", f"fixture-{name}", ["inspect", "m.keras"], names="m.keras", inputs={"m.keras": f"{MALFORMED}/{name}.keras"})
    members = archive_members(CNN_KERAS)
    good = write_zip([(n, members[n], zipfile.ZIP_STORED) for n in ("metadata.json", "config.json", "model.weights.h5")])
    end = good.rindex(b"PK\x05\x06")
    count, dir_size, dir_offset = struct.unpack("<HII", good[end + 10:end + 20])

    def end_record(count_=count, size=dir_size, offset=dir_offset, disk_count=None):
        return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, disk_count if disk_count is not None else count_, count_, size, offset, 0)

    variants = {
        "directory-offset-past-end": good[:end] + end_record(offset=len(good) + 1000),
        "directory-size-huge": good[:end] + end_record(size=0xFFFFFFF0),
        "entry-count-65535": good[:end] + end_record(count_=65535),
        "entry-count-zero": good[:end] + end_record(count_=0),
        "directory-overlaps-end": good[:end] + end_record(offset=end - 10, size=100),
        "no-end-record": good[:end],
        "end-record-only": end_record(count_=0, size=0, offset=0),
        "two-end-records": good + end_record(offset=len(good) + 5),
    }
    # zip64 locator and record claiming 2^62 entries and a directory at 2^63 - 1.
    record = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 2**62, 2**62, 2**40, 2**63 - 1)
    locator = struct.pack("<IIQI", 0x07064B50, 0, end, 1)
    variants["zip64-record-lies"] = good[:end] + record + locator + end_record(count_=0xFFFF, size=0xFFFFFFFF, offset=0xFFFFFFFF)
    locator = struct.pack("<IIQI", 0x07064B50, 0, 2**63 - 1, 1)
    variants["zip64-locator-past-end"] = good[:end] + locator + end_record(count_=0xFFFF, size=0xFFFFFFFF, offset=0xFFFFFFFF)
    # Central directory entries changed one field at a time (first entry: metadata.json; the weights are last).
    directory = bytearray(good[dir_offset:end])
    weights_at = directory.index(b"PK\x01\x02", directory.index(b"config.json"))

    def field(label, at, fmt, value):
        changed = bytearray(directory)
        struct.pack_into(fmt, changed, weights_at + at, value)
        variants[label] = good[:dir_offset] + bytes(changed) + good[end:]

    field("member-offset-past-directory", 42, "<I", dir_offset + 4)
    field("member-offset-max", 42, "<I", 0xFFFFFFFF)
    field("member-size-max-no-zip64", 24, "<I", 0xFFFFFFFF)
    field("member-compressed-size-lie", 20, "<I", 0x7FFFFFFF)
    field("member-method-bzip2", 10, "<H", 12)
    field("member-method-deflate-on-stored", 10, "<H", 8)
    field("member-encrypted", 8, "<H", 1)
    field("member-name-length-huge", 28, "<H", 0xFFFF)
    field("member-extra-length-huge", 30, "<H", 0xFFFF)
    field("member-crc-wrong", 16, "<I", 0x12345678)
    # The local header of the weights with a huge name length.
    local = good.index(b"PK\x03\x04", good.index(b"config.json"))
    changed = bytearray(good)
    struct.pack_into("<H", changed, local + 26, 0xFFFF)
    variants["local-name-length-huge"] = bytes(changed)
    changed = bytearray(good)
    changed[local:local + 4] = b"XXXX"
    variants["local-header-missing"] = bytes(changed)
    # Members: no config, config not JSON, config deeply nested, a directory entry, 1:10000 deflate of the config.
    variants["no-config"] = write_zip([("metadata.json", members["metadata.json"], 0), ("model.weights.h5", members["model.weights.h5"], 0)])
    variants["config-not-json"] = write_zip([("config.json", b"{\"class_name\": ", 0)])
    variants["config-deep"] = write_zip([("config.json", b"[" * 100000 + b"]" * 100000, zipfile.ZIP_DEFLATED)])
    variants["config-is-folder"] = write_zip([("config.json/", b"", 0), ("model.weights.h5", members["model.weights.h5"], 0)])
    variants["config-bomb"] = write_zip([("config.json", b" " * (48 << 20), zipfile.ZIP_DEFLATED)])
    variants["weights-not-hdf5"] = write_zip([("config.json", members["config.json"], 0), ("model.weights.h5", b"not hdf5" * 100, 0)])
    variants["weights-empty"] = write_zip([("config.json", members["config.json"], 0), ("model.weights.h5", b"", 0)])
    variants["metadata-bomb"] = write_zip([("metadata.json", b"0" * (32 << 20), zipfile.ZIP_DEFLATED),
                                           ("config.json", members["config.json"], 0)])
    for label, data in variants.items():
        path = suite.file(f"zip/{label}.keras", data)
        suite.add("zip", label, ["inspect", "m.keras"], names="m.keras", inputs={"m.keras": path})


# MARK: FIFOs

def fifo_cases(suite):
    for name in ("model.onnx", "model.h5", "model.keras", "model"):
        suite.add("fifo", f"model-{name.replace('.', '-')}", ["inspect", name], names=name, contains="FIFO", setup=[["fifo", name]])
    suite.add("fifo", "run-input", ["run", "m.onnx", "--input", "x.npy", "--out", "out"], names="x.npy", contains="FIFO",
              inputs={"m.onnx": TINY_CNN}, setup=[["fifo", "x.npy"]], outputs=["out"])
    suite.add("fifo", "keras-config", ["inspect", "w.h5", "--config", "c.json"], names="c.json", contains="FIFO",
              inputs={"w.h5": "Fixtures/keras/cnn.k2w.h5"}, setup=[["fifo", "c.json"]])
    suite.add("fifo", "image", ["preprocess", "i.png", "--model", "m.onnx", "-o", "x.npy"], names="i.png", contains="FIFO",
              inputs={"m.onnx": TINY_CNN}, setup=[["fifo", "i.png"]], outputs=["x.npy"])
    suite.add("fifo", "run-image", ["run", "m.onnx", "--image", "i.jpg", "--out", "out"], names="i.jpg", contains="FIFO",
              inputs={"m.onnx": TINY_CNN}, setup=[["fifo", "i.jpg"]], outputs=["out"])
    suite.add("fifo", "stats-document", ["stats", "merge", "a.json", "-o", "merged.json"], names="a.json", contains="FIFO",
              setup=[["fifo", "a.json"]], outputs=["merged.json"])
    # A folder's images are its regular files: a FIFO named like an image is not one of them (not opened).
    for strict in ([], ["--strict"]):
        suite.add("fifo", "images-folder-member" + "-strict" * len(strict),
                  ["stats", "collect", "m.keras", "--images", "imgs", "--preprocess", "raw", "--out", "out", "--quiet"] + strict,
                  expect="ok", inputs={"m.keras": DIGITS, "imgs/a.png": "Fixtures/demo/heldout/017-d3.png"},
                  setup=[["fifo", "imgs/b.png"]], outputs=["out"])
    suite.add("fifo", "diagram-options", ["diagram", "m.onnx", "--options", "o.json", "-o", "d.dot"], names="o.json",
              inputs={"m.onnx": TINY_CNN}, setup=[["fifo", "o.json"]], outputs=["d.dot"])


# MARK: outputs

def output_cases(suite):
    model = {"m.h5": CNN_H5}
    for kind in ("device", "fifo", "dir"):
        what = {"device": "is a device", "fifo": "is a FIFO", "dir": "is a directory"}[kind]
        suite.add("output", f"convert-to-{kind}", ["convert", "m.h5", "o.onnx"], names="o.onnx", contains=what, inputs=model,
                  setup=[[kind, "o.onnx"]])
        suite.add("output", f"diagram-to-{kind}", ["diagram", "m.h5", "-o", "d.svg"], names="d.svg", contains=what, inputs=model,
                  setup=[[kind, "d.svg"]])
        suite.add("output", f"preprocess-to-{kind}", ["preprocess", "i.png", "--model", "m.onnx", "-o", "x.npy"], names="x.npy",
                  contains=what, inputs={"m.onnx": TINY_CNN, "i.png": "Fixtures/images/rgb-8.png"}, setup=[[kind, "x.npy"]])
        suite.add("output", f"stats-merge-to-{kind}", ["stats", "merge", "a.json", "-o", "m.json"], names="m.json", contains=what,
                  inputs={"a.json": "Fixtures/generated/malformed-suite/files/stats/tiny-cnn.json"}, setup=[[kind, "m.json"]])
        if kind != "dir":
            suite.add("output", f"run-out-is-{kind}", ["run", "m.onnx", "--input", "x.npy", "--out", "o"], names="o",
                      inputs={"m.onnx": TINY_CNN, "x.npy": TINY_INPUT}, setup=[[kind, "o"]])
    suite.add("output", "run-out-is-file", ["run", "m.onnx", "--input", "x.npy", "--out", "o"], names="o",
              inputs={"m.onnx": TINY_CNN, "x.npy": TINY_INPUT, "o": TINY_INPUT})
    suite.add("output", "convert-over-itself", ["convert", "m.h5", "m.h5"], names="m.h5", contains="is the input", inputs=model)
    suite.add("output", "convert-over-itself-by-link", ["convert", "m.h5", "alias.onnx"], names="alias.onnx", contains="is the input",
              inputs=model, setup=[["symlink", "alias.onnx", "m.h5"]])
    suite.add("output", "convert-over-config", ["convert", "w.h5", "c.json", "--config", "c.json"], names="c.json",
              contains="is the input", inputs={"w.h5": "Fixtures/keras/cnn.k2w.h5", "c.json": "Fixtures/keras/cnn.k2w.json"})
    suite.add("output", "diagram-over-itself", ["diagram", "m.onnx", "-o", "m.onnx"], names="m.onnx", contains="is the input",
              inputs={"m.onnx": TINY_CNN})
    suite.add("output", "preprocess-over-image", ["preprocess", "i.png", "--model", "m.onnx", "-o", "i.png"], names="i.png",
              contains="is the input", inputs={"m.onnx": TINY_CNN, "i.png": "Fixtures/images/rgb-8.png"})
    suite.add("output", "preprocess-over-model", ["preprocess", "i.png", "--model", "m.onnx", "-o", "m.onnx"], names="m.onnx",
              contains="is the input", inputs={"m.onnx": TINY_CNN, "i.png": "Fixtures/images/rgb-8.png"})
    suite.add("output", "stats-merge-over-input", ["stats", "merge", "a.json", "b.json", "-o", "b.json"], names="b.json",
              contains="is the input", inputs={"a.json": "Fixtures/generated/malformed-suite/files/stats/tiny-cnn.json",
                                               "b.json": "Fixtures/generated/malformed-suite/files/stats/tiny-cnn.json"})
    suite.add("output", "output-in-missing-folder", ["convert", "m.h5", "no/such/folder/o.onnx"], names="no/such/folder/o.onnx",
              inputs=model)


# MARK: names

def name_cases(suite):
    hostile = ["../../escape", "/abs/path", "a\nb", "\x1b[31mred\x1b[0m", ".", "..", "", "con", "x" * 600, "sp ace\t",
               "ü/..\\..\\win", "-rf", "a" * 255 + "/b"]
    nodes, previous = [], "x"
    for i, name in enumerate(hostile):
        output = name if name else f"t{i}"
        nodes.append(helper.make_node("Relu", [previous], [output], name=name))
        previous = output
    nodes.append(helper.make_node("Identity", [previous], ["y"], name="last"))
    model = onnx_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = suite.file("names/hostile-names.onnx", model_bytes(model))
    x4 = "Fixtures/generated/malformed-suite/files/attributes/x-1x2x6x6.npy"
    suite.add("names", "onnx-captures", ["run", "m.onnx", "--input", "x.npy", "--all", "--out", "out", "--quiet"], expect="ok",
              inputs={"m.onnx": path, "x.npy": x4}, outputs=["out"])
    suite.add("names", "onnx-diagram", ["diagram", "m.onnx", "-o", "d.dot"], expect="ok", inputs={"m.onnx": path}, outputs=["d.dot"])
    suite.add("names", "onnx-inspect", ["inspect", "m.onnx"], expect="ok", inputs={"m.onnx": path})
    suite.add("names", "onnx-fixture-captures", ["run", "m.onnx", "--input", "x.npy", "--all", "--out", "out", "--quiet"],
              expect="error-or-ok", inputs={"m.onnx": "Fixtures/onnx/hostile-names.onnx", "x.npy": x4}, outputs=["out"])
    # Keras layers renamed to hostile names (the config's inbound references renamed with them).
    config_text = archive_members(DIGITS)["config.json"].decode()
    config = json.loads(config_text)
    renames = {}
    for layer, name in zip(config["config"]["layers"][1:], ["../../up", "/root", "a\nb", "\x1b]0;title\x07", "..", "x" * 300]):
        renames[layer["config"]["name"]] = name
    text = config_text
    for old, new in renames.items():
        text = text.replace(json.dumps(old), json.dumps(new))
    members = archive_members(DIGITS)
    path = suite.file("names/hostile-layers.keras", write_zip([
        ("metadata.json", members["metadata.json"], 0), ("config.json", text.encode(), 0),
        ("model.weights.h5", members["model.weights.h5"], 0)]))
    image = "Fixtures/demo/heldout/017-d3.png"
    suite.add("names", "keras-captures", ["run", "m.keras", "--image", "i.png", "--preprocess", "raw", "--all", "--out", "out",
                                          "--quiet"], expect="error-or-ok", inputs={"m.keras": path, "i.png": image}, outputs=["out"])
    suite.add("names", "keras-maps", ["maps", "m.keras", "--image", "i.png", "--preprocess", "raw", "--all", "--out", "out", "--quiet"],
              expect="error-or-ok", inputs={"m.keras": path, "i.png": image}, outputs=["out"])
    # Hostile file names on corrupt files: the error line stays one printable line.
    corrupt = suite.file("names/corrupt.onnx", b"\x08\x08\x3a\xff\xff")
    for i, name in enumerate(["new\nline.onnx", "\x1b[2Jclear.onnx", "tab\there.onnx", "ünïcödé ☃.onnx", "-dash.onnx",
                              " space.onnx", "back\\slash.onnx", "%s%n.onnx"]):
        args = ["inspect", "--", name] if name.startswith("-") else ["inspect", name]
        suite.add("names", f"file-name-{i}", args, inputs={name: corrupt})


# MARK: bad CLI values

def cli_cases(suite):
    model = {"m.onnx": TINY_CNN, "x.npy": TINY_INPUT}
    run = ["run", "m.onnx", "--input", "x.npy", "--out", "out"]
    bench = ["bench", "m.onnx", "--runs", "1", "--warmup", "0"]
    values = [
        (run, "--threads", ["0", "-1", "abc", "100000", "9223372036854775808", "1.5", ""]),
        (bench, "--threads", ["0", "100000"]),
        (["inspect", "m.onnx"], "--max-memory", ["lots", "0", "-1", "1e400", "99999999999T", "8Q", "", "NaN", "inf"]),
        (["bench", "m.onnx"], "--runs", ["-1", "abc", "10000001", "0x10"]),
        (["bench", "m.onnx"], "--warmup", ["-1", "10000001"]),
        (["convert", "m.onnx", "o.onnx"], "--batch-size", ["0", "-3", "abc", "2147483648", "99999999999999999999"]),
        (["convert", "m.onnx", "o.onnx"], "--opset", ["0", "-1", "abc", "1000"]),
        (["compare", "m.onnx", "m.onnx", "--input", "x.npy"], "--rtol", ["nan", "-1", "inf", "abc"]),
        (["compare", "m.onnx", "m.onnx", "--input", "x.npy"], "--atol", ["nan", "-1e-3", "-inf"]),
        (["diagram", "m.onnx", "-o", "d.dot"], "--max-depth", ["-1", "abc", "99999999999999999999"]),
        (["stats", "collect", "m.onnx", "--input", "x.npy", "--out", "out"], "--shard", ["0/2", "3/2", "a/b", "1/0", "-1/2", "2"]),
        (["run", "m.onnx", "--images", "imgs", "--out", "out"], "--batch", ["0", "-1", "abc", "99999999999"]),
        (["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy"], "--size", ["0x0", "ax", "99999999x9", "-3x3", "3"]),
        (["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy"], "--crop", ["center:0x0", "middle:3x3", "center:axb"]),
        (["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy"], "--mean", ["a,b", "1,2,3,4,5", "nan"]),
        (["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy"], "--std", ["0", "0,1,1", "inf", "a"]),
        (["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy"], "--scale", ["0", "1/0", "nan", "abc", "1/inf"]),
        (["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy"], "--interpolation", ["sideways", ""]),
        (["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy"], "--preprocess", ["keras-foo", ""]),
        (["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy"], "--resize", ["shorter:0", "longer:-5", "shorter:abc", "wide"]),
        (["filters", "m.onnx", "--out", "out"], "--input-channel", ["-1", "abc"]),
        (["filters", "m.onnx", "--out", "out"], "--cmap", ["rainbowz"]),
        (["filters", "m.onnx", "--out", "out"], "--format", ["bmp"]),
        (["maps", "m.onnx", "--input", "x.npy", "--out", "out"], "--format", ["gif"]),
    ]
    inputs = dict(model, **{"i.png": "Fixtures/images/rgb-8.png"})
    for command, flag, bad in values:
        for i, value in enumerate(bad):
            name = f"{command[0]}{'-' + command[1] if command[0] == 'stats' else ''}{flag}-{i}"
            suite.add("cli", name, command + [flag, value], expect="usage", inputs=inputs, setup=[["dir", "imgs"]],
                      outputs=["out"])
    # A value that parses but does not fit the model is the model's error.
    suite.add("cli", "std-count-not-the-models", ["preprocess", "i.png", "--model", "m.onnx", "-o", "p.npy", "--std", "1,2"],
              names="m.onnx", contains="--std", inputs=inputs)
    suite.add("cli", "unknown-command", ["frobnicate", "m.onnx"], expect="usage", inputs=inputs)
    suite.add("cli", "unknown-flag", ["inspect", "m.onnx", "--frobnicate"], expect="usage", inputs=inputs)
    suite.add("cli", "missing-model", ["inspect", "nothing.onnx"], names="nothing.onnx", contains="not found")
    suite.add("cli", "model-is-folder", ["inspect", "d"], names="d", setup=[["dir", "d"]])
    suite.add("cli", "stats-merge-no-files", ["stats", "merge", "-o", "m.json"], expect="usage")


# MARK: images

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, depth=8, colour=2, idat=None):
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
    if idat is not None:
        data += png_chunk(b"IDAT", idat)
    return data + png_chunk(b"IEND", b"")


def jpeg_with_size(source, width, height):
    data = bytearray(read(source))
    at = 2
    while at < len(data):
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            struct.pack_into(">HH", data, at + 5, height, width)
            return bytes(data)
        at += 2 + length
    raise ValueError("no SOF marker")


def image_cases(suite):
    images = {
        "png-65535-square": png(65535, 65535, idat=zlib.compress(b"\0" * 100)),
        "png-width-2p31": png(2**31 - 1, 1, idat=zlib.compress(b"\0" * 10)),
        "png-zero-size": png(0, 0, idat=zlib.compress(b"")),
        "png-16k-no-data": png(16384, 16384),
        "png-bad-depth": png(4, 4, depth=7, idat=zlib.compress(b"\0" * 100)),
        "png-bad-colour": png(4, 4, colour=5, idat=zlib.compress(b"\0" * 100)),
        "png-idat-bomb": png(8192, 8192, depth=8, colour=0, idat=zlib.compress(b"\0" * (8 << 20), 9)),
        "png-only-signature": b"\x89PNG\r\n\x1a\n",
        "jpeg-65500-square": jpeg_with_size("Fixtures/images/rgb-420.jpg", 65500, 65500),
        "jpeg-zero-width": jpeg_with_size("Fixtures/images/rgb-420.jpg", 0, 16),
        "jpeg-only-soi": b"\xff\xd8\xff",
        "jpeg-progressive-huge": jpeg_with_size("Fixtures/images/progressive.jpg", 60000, 60000),
    }
    for name in ("corrupt-crc.png", "corrupt.jpg", "truncated.jpg", "truncated.png", "empty.png", "not-an-image.png",
                 "huge.png", "huge.jpg", "huge-side.png"):
        images[os.path.splitext(name)[0] + "-fixture"] = read("Fixtures/images/" + name)
    for label, data in images.items():
        ext = ".jpg" if data[:3] == b"\xff\xd8\xff" else ".png"
        path = suite.file(f"image/{label}{ext}", data)
        target = "i" + ext
        # not-an-image, empty: whatever their name says, they are refused.
        suite.add("image", f"{label}-preprocess", ["preprocess", target, "--model", "m.onnx", "-o", "x.npy"], names=target,
                  inputs={"m.onnx": TINY_CNN, target: path}, outputs=["x.npy"])
        suite.add("image", f"{label}-run", ["run", "m.keras", "--image", target, "--preprocess", "raw", "--out", "out"],
                  names=target, inputs={"m.keras": DIGITS, target: path}, outputs=["out"])
        folder = {"m.keras": DIGITS, "imgs/a.png": "Fixtures/demo/heldout/017-d3.png", "imgs/b" + ext: path}
        suite.add("image", f"{label}-images-folder", ["stats", "collect", "m.keras", "--images", "imgs", "--preprocess", "raw",
                                                      "--out", "out", "--quiet"], expect="ok", warns="imgs/b" + ext,
                  inputs=folder, outputs=["out"])
        suite.add("image", f"{label}-images-folder-strict", ["run", "m.keras", "--images", "imgs", "--preprocess", "raw",
                                                             "--strict", "--out", "out"], names="imgs/b" + ext,
                  inputs=folder, outputs=["out"])
    # A folder of nothing but bad images.
    suite.add("image", "images-folder-all-bad", ["stats", "collect", "m.keras", "--images", "imgs", "--preprocess", "raw",
                                                 "--out", "out"], names="m.keras", contains="no readable images",
              inputs={"m.keras": DIGITS, "imgs/a.png": "Fixtures/images/truncated.png", "imgs/b.jpg": "Fixtures/images/corrupt.jpg"},
              outputs=["out"])


# MARK: statistics documents

def stats_cases(suite, binary):
    result = subprocess.run([binary, "stats", os.path.join(ROOT, TINY_CNN), "--input", os.path.join(ROOT, TINY_INPUT),
                             "--json", "--layer", "relu1", "--layer", "fc", "--threads", "1"], capture_output=True)
    if result.returncode != 0:
        raise SystemExit("make-malformed-suite: strata stats failed: " + result.stderr.decode()[-500:])
    base_text = result.stdout
    base = json.loads(base_text)
    good = suite.file("stats/tiny-cnn.json", base_text)
    suite.add("stats", "good-merge", ["stats", "merge", "a.json", "b.json", "-o", "m.json", "--quiet"], expect="ok",
              inputs={"a.json": good, "b.json": good}, outputs=["m.json"])

    def doc(label, change=None, text=None, expect="error", names="b.json"):
        if text is None:
            d = copy.deepcopy(base)
            change(d)
            text = json.dumps(d, allow_nan=True)
        path = suite.file(f"stats/{label}.json", text.encode() if isinstance(text, str) else text)
        suite.add("stats", label, ["stats", "merge", "a.json", "b.json", "-o", "m.json"], expect=expect, names=names,
                  inputs={"a.json": good, "b.json": path}, outputs=["m.json"])

    layer = lambda d: d["layers"][0]
    doc("not-json", text="{\"layout\": ")
    doc("empty", text="")
    doc("array", text="[]")
    doc("deep", text="[" * 100000 + "]" * 100000)
    doc("deep-object", text='{"a":' * 50000 + "1" + "}" * 50000)
    doc("huge-number", text=base_text.decode().replace('"inputs": 2', '"inputs": 1e400', 1))
    doc("nan-literal", lambda d: layer(d).__setitem__("mean", float("nan")))
    doc("inputs-negative", lambda d: d.__setitem__("inputs", -2))
    doc("inputs-string", lambda d: d.__setitem__("inputs", "two"))
    doc("inputs-int64max", lambda d: d.__setitem__("inputs", 2**63 - 1))
    doc("inputs-past-int64", lambda d: d.__setitem__("inputs", 2**64))
    doc("layout-bogus", lambda d: d.__setitem__("layout", "NWHC"))
    doc("layers-missing", lambda d: d.pop("layers"))
    doc("layers-not-array", lambda d: d.__setitem__("layers", {"a": 1}))
    doc("layer-duplicate", lambda d: d["layers"].append(copy.deepcopy(layer(d))))
    doc("layer-missing-in-shard", lambda d: d["layers"].pop())
    doc("layer-other-shape", lambda d: layer(d).__setitem__("shape", [2, 8, 32, 31]))
    doc("count-negative", lambda d: layer(d).__setitem__("count", -1))
    doc("count-int64max", lambda d: layer(d).__setitem__("count", 2**63 - 1))
    doc("count-float", lambda d: layer(d).__setitem__("count", 1.5))
    doc("shape-negative", lambda d: layer(d).__setitem__("shape", [-2, 8, 32, 32]))
    doc("shape-overflow", lambda d: layer(d).__setitem__("shape", [2**62, 2**62, 4]))
    doc("histogram-counts-short", lambda d: layer(d)["histogram"]["counts"].pop())
    doc("histogram-edges-unsorted", lambda d: layer(d)["histogram"]["edges"].reverse())
    doc("histogram-edges-nan", lambda d: layer(d)["histogram"]["edges"].__setitem__(3, float("nan")))
    doc("histogram-count-negative", lambda d: layer(d)["histogram"]["counts"].__setitem__(0, -5))
    doc("histogram-counts-overflow", lambda d: layer(d)["histogram"]["counts"].__setitem__(0, 2**63 - 1))
    doc("histogram-edges-other", lambda d: layer(d)["histogram"]["edges"].__setitem__(5, 0.5))
    doc("channels-axis-large", lambda d: layer(d)["channels"].__setitem__("axis", 2**40))
    doc("channels-max-short", lambda d: layer(d)["channels"]["max"].pop())
    doc("channels-max-long", lambda d: layer(d)["channels"]["max"].extend([1.0] * 100))
    # Derived fields (dead, saturated, zeros, negative, std) are recomputed on reading, never trusted.
    doc("dead-index-past", lambda d: layer(d).__setitem__("dead", [2**40]), expect="ok")
    doc("dead-index-negative", lambda d: layer(d).__setitem__("dead", [-1]), expect="ok")
    doc("m2-negative", lambda d: layer(d).__setitem__("m2", -1.0))
    doc("min-above-max", lambda d: layer(d).update(min=10.0, max=-10.0))
    doc("zero-count-past-count", lambda d: layer(d).__setitem__("zero_count", 2**40))
    doc("zeros-fraction-2", lambda d: layer(d).__setitem__("zeros", 2.0), expect="ok")
    doc("other-model", lambda d: d.__setitem__("model", "other.onnx"), expect="error-or-ok")
    doc("bom", text=b"\xef\xbb\xbf" + base_text, expect="error-or-ok")
    doc("invalid-utf8", text=base_text.replace(b'"relu1"', b'"relu\xff"'), expect="error")
    doc("nul-in-string", text=base_text.replace(b'"relu1"', b'"relu\\u0000"'), expect="error")
    doc("one-byte-off", text=base_text[:-3])


# MARK: main

def generator_stamp():
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=10, help="the random seed (default 10)")
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary for the statistics documents")
    parser.add_argument("--truncations", type=int, default=12, help="truncated copies per file (default 12)")
    parser.add_argument("--bitflips", type=int, default=12, help="bit-flipped copies per file (default 12)")
    args = parser.parse_args()
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(FILES)
    suite = Suite(args.seed)
    # Files other classes refer to come first.
    attribute_cases(suite)
    stats_cases(suite, args.strata)
    truncations(suite, args.truncations)
    bitflips(suite, args.bitflips)
    stats = os.path.join(FILES, "stats", "tiny-cnn.json")
    data = open(stats, "rb").read()
    for i, offset in enumerate(sorted(suite.random.sample(range(1, len(data) - 2), 8))):
        path = suite.file(f"truncation/stats-{offset}.json", data[:offset])
        feed(suite, "truncation", f"stats-{offset}", "stats", (os.path.relpath(stats, ROOT), path), "error")
    for i in range(8):
        flipped = bytearray(data)
        offset = suite.random.randrange(len(data))
        flipped[offset] ^= 1 << suite.random.randrange(8)
        path = suite.file(f"bitflip/stats-{i}.json", bytes(flipped))
        feed(suite, "bitflip", f"stats-{i}-{offset}", "stats", (os.path.relpath(stats, ROOT), path), "error-or-ok")
    dims_cases(suite)
    stride_cases(suite)
    hdf5_cases(suite)
    external_cases(suite)
    zip_cases(suite)
    fifo_cases(suite)
    output_cases(suite)
    name_cases(suite)
    cli_cases(suite)
    image_cases(suite)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"seed": args.seed, "generator": generator_stamp(), "cases": suite.cases}, f, indent=1)
    classes = {}
    for case in suite.cases:
        classes[case["cls"]] = classes.get(case["cls"], 0) + 1
    print(f"make-malformed-suite: {len(suite.cases)} cases ({', '.join(f'{k} {v}' for k, v in sorted(classes.items()))}) "
          f"in {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
