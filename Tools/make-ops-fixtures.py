#!/usr/bin/env python3
"""Writes Fixtures/ops/reference.json: seeded one-node cases of the detection, Unique, signal,
TensorScatter, DeformConv, RotaryEmbedding and Attention ops with the outputs onnxruntime computes for them (the onnx
reference evaluator where this onnxruntime has no kernel for the op; each case names its source).

    python3 Tools/make-ops-fixtures.py      # system python: numpy, onnx, onnxruntime (Tools/requirements.txt)

Each case: op, opset, attributes, inputs (dtype, shape, values; null for an absent optional input),
outputs (dtype, shape, values) and `reference` ("onnxruntime <version>" or "onnx.reference <version>").
StrataEngineTests' DetectionSignalReferenceTests runs every case through Strata's kernels.
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from testlib import ROOT
OUT = os.path.join(ROOT, "Fixtures", "ops", "reference.json")
DTYPES = {np.dtype("float32"): ("float32", TensorProto.FLOAT), np.dtype("float64"): ("float64", TensorProto.DOUBLE),
          np.dtype("int64"): ("int64", TensorProto.INT64), np.dtype("int32"): ("int32", TensorProto.INT32),
          np.dtype("bool"): ("bool", TensorProto.BOOL)}


def run_case(name, op, opset, inputs, attributes, outputs=1, reference_because=None):
    names = [f"in{i}" if x is not None else "" for i, x in enumerate(inputs)]
    node = helper.make_node(op, names, [f"out{i}" for i in range(outputs)], **attributes)
    graph_inputs = [helper.make_tensor_value_info(n, DTYPES[x.dtype][1], x.shape) for n, x in zip(names, inputs) if x is not None]
    graph_outputs = [onnx.ValueInfoProto(name=f"out{i}") for i in range(outputs)]
    model = helper.make_model(helper.make_graph([node], name, graph_inputs, graph_outputs),
                              opset_imports=[helper.make_opsetid("", opset)])
    feeds = {n: x for n, x in zip(names, inputs) if x is not None}
    try:
        if reference_because:
            raise NotImplementedError(reference_because)
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        got = session.run(None, feeds)
        source = f"onnxruntime {ort.__version__}"
    except Exception as error:  # noqa: BLE001 - an op this onnxruntime lacks: the reference evaluator
        if not reference_because and "NOT_IMPLEMENTED" not in str(error) and "implementation" not in str(error):
            raise
        print(f"{name}: onnx.reference instead of onnxruntime ({str(error).splitlines()[0][:100]})")
        got = ReferenceEvaluator(model).run(None, feeds)
        source = f"onnx.reference {onnx.__version__}" + (f" ({reference_because})" if reference_because else "")

    def tensor(x):
        x = np.asarray(x)
        return {"dtype": DTYPES[x.dtype][0], "shape": list(x.shape), "values": [float(v) for v in x.reshape(-1)]}

    return {"name": name, "op": op, "opset": opset, "reference": source,
            "attributes": {k: v for k, v in attributes.items()},
            "inputs": [tensor(x) if x is not None else None for x in inputs],
            "outputs": [tensor(y) for y in got]}


def main():
    rng = np.random.default_rng(1416)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731
    i64 = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    cases = []

    # NonMaxSuppression: random boxes in both formats, two batches, three classes.
    corners = rng.uniform(0, 10, (2, 12, 4)).astype(np.float32)
    scores = rng.uniform(0, 1, (2, 3, 12)).astype(np.float32)
    for center in (0, 1):
        boxes = corners if center == 0 else np.abs(corners) + 0.5
        cases.append(run_case(f"nms_center{center}", "NonMaxSuppression", 11,
                              [boxes, scores, i64([4]), np.array([0.3], np.float32), np.array([0.2], np.float32)],
                              {"center_point_box": center}))
    cases.append(run_case("nms_no_threshold", "NonMaxSuppression", 11,
                          [corners, scores, i64([20]), np.array([0.5], np.float32), None], {}))

    # RoiAlign: both transformation modes, avg and max, sampling ratio given and adaptive.
    x = f32(2, 3, 9, 11)
    rois = np.array([[0.5, 1.0, 7.5, 6.0], [2.0, 0.0, 10.0, 8.5], [-1.0, -0.5, 4.0, 3.0], [3.0, 3.0, 3.2, 3.1]], np.float32)
    batch = i64([0, 1, 1, 0])
    for mode in ("avg", "max"):
        for transform in ("half_pixel", "output_half_pixel"):
            for ratio in (0, 2):
                cases.append(run_case(f"roialign_{mode}_{transform}_{ratio}", "RoiAlign", 16, [x, rois, batch],
                                      {"mode": mode, "coordinate_transformation_mode": transform, "output_height": 3,
                                       "output_width": 4, "sampling_ratio": ratio, "spatial_scale": 0.75}))

    # MaxUnpool: indices from a MaxPool with padding and strides, with and without output_shape.
    pooled_input = f32(1, 2, 7, 6)
    pool = helper.make_model(helper.make_graph(
        [helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 0])], "pool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 7, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None), helper.make_tensor_value_info("i", TensorProto.INT64, None)]),
        opset_imports=[helper.make_opsetid("", 12)])
    pooled, indices = ort.InferenceSession(pool.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": pooled_input})
    unpool = {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 0, 1, 0]}
    cases.append(run_case("maxunpool", "MaxUnpool", 11, [pooled, indices], unpool))
    # A larger output_shape: onnxruntime indexes the output_shape tensor, the ONNX reference (and the node
    # suite, whose case Strata passes) fills the inferred shape and pads it (onnx/onnx#2398).
    cases.append(run_case("maxunpool_output_shape", "MaxUnpool", 11, [pooled, indices, i64([1, 2, 8, 7])], unpool,
                          reference_because="onnxruntime and the node suite disagree on a larger output_shape"))

    # Unique: small integers so that values repeat.
    values = rng.integers(-3, 4, (4, 3, 5)).astype(np.float32)
    values[:, 1, :] = values[:, 0, :]
    for sort in (0, 1):
        cases.append(run_case(f"unique_flat_sorted{sort}", "Unique", 11, [values], {"sorted": sort}, outputs=4))
        cases.append(run_case(f"unique_axis1_sorted{sort}", "Unique", 11, [values], {"sorted": sort, "axis": 1}, outputs=4))
        cases.append(run_case(f"unique_axis-1_sorted{sort}", "Unique", 11, [np.repeat(values, 2, axis=2)],
                              {"sorted": sort, "axis": -1}, outputs=4))

    # DFT: real and complex input, forward, inverse, one-sided, padded and truncated lengths, both opsets.
    real, complex_ = f32(2, 12, 3, 1), f32(2, 12, 3, 2)
    for opset in (17, 20):
        def dft(name, x, length, axis, **attributes):
            inputs = [x, None if length is None else i64(length)]
            if opset >= 20:
                inputs.append(i64(axis))
            else:
                attributes["axis"] = axis
            while inputs and inputs[-1] is None:
                inputs.pop()
            cases.append(run_case(f"dft{opset}_{name}", "DFT", opset, inputs, attributes))
        dft("real", real, None, 1)
        dft("complex_axis2", complex_, None, 2)
        dft("rfft_padded", real, 15, 1, onesided=1)
        dft("inverse_truncated", complex_, 10, 1, inverse=1)
        dft("irfft", complex_[:, :7], 12, 1, inverse=1, onesided=1)
        dft("irfft_odd", complex_[:, :7], 13, 1, inverse=1, onesided=1)

    # STFT with and without a window, one-sided and two-sided.
    signal = f32(2, 100, 1)
    window = np.hanning(20).astype(np.float32)
    cases.append(run_case("stft_window", "STFT", 17, [signal, i64(7), window], {}))
    cases.append(run_case("stft_length_twosided", "STFT", 17, [signal, i64(9), None, i64(16)], {"onesided": 0}))
    cases.append(run_case("stft_complex_twosided", "STFT", 17, [f32(1, 64, 2), i64(8), window[:16]], {"onesided": 0}))

    # MelWeightMatrix.
    for mel, length, rate, low, high in ((10, 64, 16000, 20.0, 8000.0), (6, 33, 8000, 100.0, 3000.0)):
        cases.append(run_case(f"mel_{mel}_{length}", "MelWeightMatrix", 17,
                              [i64(mel), i64(length), i64(rate), np.array(low, np.float32), np.array(high, np.float32)], {}))

    # TensorScatter: linear and circular, explicit and default write indices, another axis.
    cache = f32(3, 2, 6, 4)
    cases.append(run_case("tensorscatter_linear", "TensorScatter", 24, [cache, f32(3, 2, 2, 4), i64([0, 3, 4])], {}))
    cases.append(run_case("tensorscatter_circular", "TensorScatter", 24, [cache, f32(3, 2, 3, 4), i64([5, 1, 4])],
                          {"mode": "circular"}))
    cases.append(run_case("tensorscatter_axis1_default", "TensorScatter", 24, [cache, f32(3, 1, 6, 4)], {"axis": 1}))

    # DeformConv: groups, offset groups, mask, bias, stride, padding, dilation.
    x = f32(2, 4, 7, 8)
    w = f32(6, 2, 3, 2)
    attributes = {"group": 2, "offset_group": 2, "strides": [2, 1], "pads": [1, 0, 1, 1], "dilations": [1, 2]}
    oh, ow = (7 + 2 - 2 - 1) // 2 + 1, (8 + 1 - 2 - 1) // 1 + 1
    offsets = (rng.standard_normal((2, 2 * 6 * 2, oh, ow)) * 1.5).astype(np.float32)
    mask = rng.uniform(0, 1, (2, 2 * 6, oh, ow)).astype(np.float32)
    cases.append(run_case("deformconv_full", "DeformConv", 19, [x, w, offsets, f32(6), mask], attributes))
    cases.append(run_case("deformconv_plain", "DeformConv", 19,
                          [x[:, :2], f32(3, 2, 2, 2), (rng.standard_normal((2, 8, 6, 7)) * 2).astype(np.float32)], {}))

    # RotaryEmbedding (opset 23): 4-D with position ids, 3-D with num_heads, interleaved, partial rotary dim.
    cos, sin = f32(12, 4), f32(12, 4)
    ids = i64(rng.integers(0, 12, (2, 5)))
    cases.append(run_case("rotary_4d_positions", "RotaryEmbedding", 23, [f32(2, 3, 5, 8), cos, sin, ids], {}))
    cases.append(run_case("rotary_4d_interleaved_partial", "RotaryEmbedding", 23, [f32(2, 3, 5, 12), cos, sin, ids],
                          {"interleaved": 1, "rotary_embedding_dim": 8}))
    cases.append(run_case("rotary_3d_no_positions", "RotaryEmbedding", 23, [f32(2, 5, 24), f32(2, 5, 3), f32(2, 5, 3)],
                          {"num_heads": 4}))
    cases.append(run_case("rotary_3d_interleaved_partial", "RotaryEmbedding", 23, [f32(2, 5, 24), cos[:, :2], sin[:, :2], ids],
                          {"num_heads": 3, "interleaved": 1, "rotary_embedding_dim": 4}))

    # Attention (opset 23): grouped heads, past key/value, masks, causal, softcap, scale, all four outputs.
    q4, k4, v4 = f32(2, 4, 3, 8), f32(2, 2, 5, 8), f32(2, 2, 5, 6)
    past_k, past_v = f32(2, 2, 4, 8), f32(2, 2, 4, 6)
    float_mask = f32(3, 9)
    cases.append(run_case("attention_4d_gqa_past_causal_mode3", "Attention", 23, [q4, k4, v4, float_mask, past_k, past_v],
                          {"is_causal": 1, "qk_matmul_output_mode": 3}, outputs=4))
    cases.append(run_case("attention_4d_gqa_past_mode2", "Attention", 23, [q4, k4, v4, f32(2, 1, 3, 9), past_k, past_v],
                          {"qk_matmul_output_mode": 2}, outputs=4))
    bool_mask = rng.uniform(0, 1, (4, 3, 5)) > 0.3
    cases.append(run_case("attention_4d_bool_mask_softcap", "Attention", 23, [q4, f32(2, 4, 5, 8), f32(2, 4, 5, 6), bool_mask],
                          {"softcap": 2.5, "scale": 0.4}, outputs=4))
    cases.append(run_case("attention_4d_mask_softcap_mode1", "Attention", 23, [q4, f32(2, 4, 5, 8), f32(2, 4, 5, 6), f32(3, 5)],
                          {"softcap": 1.5, "qk_matmul_output_mode": 1}, outputs=4))
    cases.append(run_case("attention_3d_heads_scaled", "Attention", 23, [f32(2, 3, 16), f32(2, 5, 8), f32(2, 5, 12)],
                          {"q_num_heads": 4, "kv_num_heads": 2, "scale": 0.3}))

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
