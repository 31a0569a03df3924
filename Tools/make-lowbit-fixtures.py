#!/usr/bin/env python3
"""Writes Fixtures/ops/lowbit.json and Fixtures/ops/lowbit.onnx: reference values for Strata's
low-bit dtypes (float8e4m3fn, float8e5m2, float8e4m3fnuz, float8e5m2fnuz, float4e2m1, int4, uint4, int2,
uint2).

    python3 Tools/make-lowbit-fixtures.py   # system python: numpy, onnx, ml_dtypes (Tools/requirements.txt)

lowbit.json:
- "decode": for each float format, every bit pattern and the float32 bits of its value (ml_dtypes).
- "encode": float32 inputs (as bits: NaN, infinities, ties, subnormals, values past the largest
  finite one) and the pattern each converts to, with ml_dtypes's astype ("plain") and with onnx's
  numpy_helper.saturate_cast ("saturate", what QuantizeLinear's saturate=1 does; float4e2m1 only
  has astype, which saturates).
- "model": the runs of lowbit.onnx: its packed initializers (odd element counts, written by
  onnx.numpy_helper.from_array) dequantized and a float input quantized to each type (float8 also
  with saturate=0, where out of range values become NaN or ±inf), outputs computed by onnx's
  ReferenceEvaluator. Outputs are given as their values, as Strata writes them to .npy: the float
  ones as float32 bit patterns ("bits"), the integer ones as integers ("values").
StrataEngineTests' LowBitReferenceTests reads both.
"""
import json
import os

import ml_dtypes
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from testlib import ROOT

FOLDER = os.path.join(ROOT, "Fixtures", "ops")
FLOATS = {"float8e4m3fn": ml_dtypes.float8_e4m3fn, "float8e5m2": ml_dtypes.float8_e5m2, "float4e2m1": ml_dtypes.float4_e2m1fn,
          "float8e4m3fnuz": ml_dtypes.float8_e4m3fnuz, "float8e5m2fnuz": ml_dtypes.float8_e5m2fnuz}
TYPES = {
    "float8e4m3fn": (ml_dtypes.float8_e4m3fn, TensorProto.FLOAT8E4M3FN),
    "float8e5m2": (ml_dtypes.float8_e5m2, TensorProto.FLOAT8E5M2),
    "float4e2m1": (ml_dtypes.float4_e2m1fn, TensorProto.FLOAT4E2M1),
    "float8e4m3fnuz": (ml_dtypes.float8_e4m3fnuz, TensorProto.FLOAT8E4M3FNUZ),
    "float8e5m2fnuz": (ml_dtypes.float8_e5m2fnuz, TensorProto.FLOAT8E5M2FNUZ),
    "int4": (ml_dtypes.int4, TensorProto.INT4),
    "uint4": (ml_dtypes.uint4, TensorProto.UINT4),
    "int2": (ml_dtypes.int2, TensorProto.INT2),
    "uint2": (ml_dtypes.uint2, TensorProto.UINT2),
}


def bits32(a):
    return [int(b) for b in np.asarray(a, dtype=np.float32).view(np.uint32).ravel()]


def encode_inputs():
    rng = np.random.default_rng(14)
    special = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e9, -1e9, 448, 464, 465, 480, 500, -470, 57344, 61440, 61441,
               65536, 6, 6.5, 7, -7, 5, 0.25, 0.26, 0.75, 1.25, 2.5, 3.5, 1e-9, -1e-9, 2 ** -9, 2 ** -10, 3 * 2 ** -11,
               2 ** -16, 2 ** -17, 3 * 2 ** -18, 1.0625, 1.1875, 0.0078125, 0.01,
               240, 247, 248, 255, -250, 2 ** -11, 2 ** -12, 3 * 2 ** -13, 2 ** -18, 2 ** -19, -2 ** -20]
    wide = rng.normal(0, 1, 100) * 10.0 ** rng.integers(-6, 6, 100)
    return np.array(special + list(wide), dtype=np.float32)


def tables():
    decode, encode = {}, {}
    xs = encode_inputs()
    for name, t in FLOATS.items():
        n = 16 if name == "float4e2m1" else 256
        patterns = np.arange(n, dtype=np.uint8)
        decode[name] = {"bits": [int(p) for p in patterns], "values": bits32(patterns.view(t).astype(np.float32))}
        plain = xs.astype(t).view(np.uint8)
        saturated = plain if name == "float4e2m1" else numpy_helper.saturate_cast(xs, t).view(np.uint8)
        encode[name] = {"plain": [int(b) for b in plain], "saturate": [int(b) for b in saturated]}
    return decode, {"inputs": bits32(xs), **encode}


def model_and_runs():
    rng = np.random.default_rng(15)
    nodes, initializers, outputs, inputs = [], [], [], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [7])]
    for name, (t, code) in TYPES.items():
        if name in FLOATS:
            values = (rng.normal(0, 4, 7)).astype(np.float32).astype(t)
        else:
            info = ml_dtypes.iinfo(t)
            values = rng.integers(int(info.min), int(info.max) + 1, 7).astype(t)
        initializers.append(numpy_helper.from_array(values, f"w_{name}"))
        initializers.append(numpy_helper.from_array(np.array(0.5, dtype=np.float32), f"s_{name}"))
        zero = np.zeros(1, dtype=t) if name.startswith("float8") else np.array([values[1]], dtype=t)
        initializers.append(numpy_helper.from_array(zero.reshape([]), f"z_{name}"))
        nodes.append(helper.make_node("DequantizeLinear", [f"w_{name}", f"s_{name}", f"z_{name}"], [f"dq_{name}"]))
        nodes.append(helper.make_node("QuantizeLinear", ["x", f"s_{name}", f"z_{name}"], [f"q_{name}"]))
        outputs.append(helper.make_tensor_value_info(f"dq_{name}", TensorProto.FLOAT, [7]))
        outputs.append(helper.make_tensor_value_info(f"q_{name}", code, [7]))
        if name.startswith("float8"):
            nodes.append(helper.make_node("QuantizeLinear", ["x", f"s_{name}", f"z_{name}"], [f"q0_{name}"], saturate=0))
            outputs.append(helper.make_tensor_value_info(f"q0_{name}", code, [7]))
    graph = helper.make_graph(nodes, "lowbit", inputs, outputs, initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)])
    model.ir_version = 11
    onnx.checker.check_model(model)
    session = ReferenceEvaluator(model)
    runs = []
    for x in [np.array([0, 0.3, -1.2, 2.6, 100, -300, 40000], dtype=np.float32), rng.normal(0, 3, 7).astype(np.float32)]:
        got = session.run(None, {"x": x})
        values = {}
        for info, value in zip(outputs, got):
            value = np.asarray(value)
            if value.dtype.name.startswith("float"):
                values[info.name] = {"dtype": "float32", "bits": bits32(value.astype(np.float32))}
            else:
                values[info.name] = {"dtype": "int", "values": [int(v) for v in value.astype(np.int64)]}
        runs.append({"x": [float(v) for v in x], "outputs": values})
    return model, runs


def main():
    decode, encode = tables()
    model, runs = model_and_runs()
    onnx.save(model, os.path.join(FOLDER, "lowbit.onnx"))
    document = {
        "source": f"ml_dtypes {ml_dtypes.__version__}, onnx {onnx.__version__} (numpy_helper, ReferenceEvaluator)",
        "decode": decode, "encode": encode, "model": runs,
    }
    with open(os.path.join(FOLDER, "lowbit.json"), "w") as f:
        json.dump(document, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote Fixtures/ops/lowbit.json and lowbit.onnx")


if __name__ == "__main__":
    main()
