#!/usr/bin/env python3
"""Writes Fixtures/analysis/: seeded activations and numpy's statistics of them, for StrataAnalysis' tests.

Each case is one array (`<case>.npy`) with a layout (where the channel axis is: last for NHWC, 1 for
NCHW) and optional saturation bounds, holding zeros, negatives, NaN, ±Inf, dead and saturated channels
where the case says. `expected.json` holds, per case, what Tests/StrataAnalysisTests must reproduce,
all computed here with numpy (float64 over the finite values):

  count, nan, inf, zero_count, negative_count, zeros, negative   exact counts and fractions of all values
  mean, std (population), min, max                              over the finite values
  histogram {edges, counts}                                     TensorBoard's default buckets, trimmed
  channel_max                                                   per channel, NaN ignored ("Infinity" strings for ±inf)
  saturated_count, dead, saturated                              the dead / saturated rules of Docs/Statistics.md

and `<case>.mean.npy`, `<case>.mean64.npy`, `<case>.max.npy` for cases with spatial axes: of the
array as float32 (maps read every dtype as float32), numpy's float32 mean over the channel axis, the
float64 mean rounded to float32, and the max (NaN-propagating).

`tiny-cnn-kernels.json` holds the kernels of Fixtures/onnx/tiny-cnn.onnx as `onnx.numpy_helper` reads
them, with numpy's tiles (mean over input channels, RGB) and weight histograms.

    python3 Tools/make-analysis-fixtures.py
"""
import json
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper

from testlib import ROOT
OUT = os.path.join(ROOT, "Fixtures", "analysis")
TOLERANCE = 1e-3


def tensorboard_limits():
    """tensorflow/core/lib/histogram/histogram.cc InitDefaultBuckets, by the same repeated multiplication."""
    positive = []
    v = 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(sys.float_info.max)
    return np.array([-x for x in reversed(positive)] + [0.0] + positive)


LIMITS = tensorboard_limits()


def histogram(values64):
    """Counts per bucket (the first limit greater than the value, DBL_MAX's own bucket for DBL_MAX), trimmed."""
    if values64.size == 0:
        return {"edges": [], "counts": []}
    index = np.minimum(np.searchsorted(LIMITS, values64, side="right"), len(LIMITS) - 1)
    counts = np.bincount(index, minlength=len(LIMITS))
    first, last = int(index.min()), int(index.max())
    return {"edges": [float(x) for x in LIMITS[first - 1:last + 1]], "counts": [int(c) for c in counts[first:last + 1]]}


def channel_axis(a, layout):
    return a.ndim - 1 if layout == "NHWC" else 1


def json_number(x):
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return float(x)


def expected(a, layout, bounds):
    x64 = a.astype(np.float64)
    finite = x64[np.isfinite(x64)]
    count = int(a.size)
    out = {
        "layout": layout,
        "bounds": bounds,
        "shape": list(a.shape),
        "count": count,
        "nan": int(np.isnan(x64).sum()),
        "inf": int(np.isinf(x64).sum()),
        "zero_count": int((x64 == 0).sum()),
        "negative_count": int((x64 < 0).sum()),
        "zeros": float((x64 == 0).sum() / count),
        "negative": float((x64 < 0).sum() / count),
        "mean": float(finite.mean()),
        "std": float(finite.std()),
        "min": float(finite.min()),
        "max": float(finite.max()),
        "histogram": histogram(finite),
    }
    c = channel_axis(a, layout)
    per_channel = np.moveaxis(x64, c, 0).reshape(a.shape[c], -1)
    maxima = np.where(np.isnan(per_channel), -np.inf, per_channel).max(axis=1)
    out["channel_max"] = [json_number(m) for m in maxima]
    out["dead"] = [int(i) for i in np.nonzero(maxima <= 0)[0]] if out["negative_count"] == 0 else []
    if bounds is not None:
        lo, hi = bounds
        near = (np.abs(per_channel - lo) <= TOLERANCE) | (np.abs(per_channel - hi) <= TOLERANCE)
        saturated = near.sum(axis=1)
        out["saturated_count"] = [int(s) for s in saturated]
        out["saturated"] = [int(i) for i in np.nonzero(saturated * 100 >= per_channel.shape[1] * 99)[0]]
    else:
        out["saturated"] = []
    return out


def cases():
    rng = np.random.default_rng(20261124)

    mixed = (rng.standard_normal((3, 5, 6, 7)) * 2 + 0.5).astype(np.float32)
    mixed[0, 0, :3, 2] = 0
    mixed[0, 1, 1, -1] = -0.0
    mixed[1, 2, 3, 4] = np.nan
    mixed[1, 4, 0, 0] = np.inf
    mixed[2, 3, 5, 6] = -np.inf
    mixed[2, 0, 0, 1] = np.float32(1e-12)          # near the smallest positive limit
    mixed[2, 0, 0, 2] = np.float32(-3.5e-45)       # a negative subnormal float

    offset = (1000 + rng.standard_normal((4, 6, 5, 5)) * 0.01).astype(np.float32)

    relu = np.maximum(rng.standard_normal((4, 7, 8, 16)), 0).astype(np.float32)
    relu[..., 3] = 0
    relu[..., 11] = 0
    relu[..., 5] = 0
    relu[2, 3, 4, 5] = 0.25                      # one positive value: channel 5 is alive
    relu[1, 1, 1, 3] = np.nan                    # NaN is not negative: channel 3 stays dead
    relu[3, 6, 7, 7] = np.inf

    sigmoid = (1 / (1 + np.exp(-rng.standard_normal((5, 12, 6, 7)) * 2))).astype(np.float32)
    plane = 6 * 7 * 5                            # values per channel: 210; 99 % needs 208
    ch1 = np.full(plane, 1 - 1e-4, np.float32)
    ch1[[3, 100]] = 0.5                          # 208 saturated: saturated
    ch7 = np.full(plane, 1e-5, np.float32)
    ch7[[0, 50, 200]] = 0.3                      # 207 saturated: not
    ch9 = np.where(np.arange(plane) % 2 == 0, 2e-4, 1 - 2e-4).astype(np.float32)
    ch4 = np.full(plane, np.nextafter(np.float32(1e-3), np.float32(0)), np.float32)
    ch4[::2] = np.float32(1e-3)                  # float32(1e-3) > 1e-3: outside; the float below it is inside
    for c, values in ((1, ch1), (7, ch7), (9, ch9), (4, ch4)):
        sigmoid[:, c] = values.reshape(5, 6, 7)
    sigmoid[2, 6, 0, 0] = np.nan

    vector = np.tanh(rng.standard_normal((16, 10)) * 1.5).astype(np.float32)
    vector[:, 2] = 1.0
    vector[:, 6] = -1.0
    vector[0, 6] = 0.0                           # 15 of 16 = 93.75 %: not saturated

    sequence = rng.standard_normal((2, 9, 5)).astype(np.float32)
    volume = rng.standard_normal((2, 3, 4, 5, 6)).astype(np.float32)

    half = (rng.standard_normal((2, 4, 4, 3)) * 100).astype(np.float16)
    half[0, 0, 0, 0] = np.float16(np.inf)
    half[1, 1, 1, 1] = np.float16(6.0e-8)        # a float16 subnormal

    wide = rng.standard_normal((2, 4, 3, 3)) * 1e100    # beyond float32's range, squares still finite
    wide[0, 0, 0, 0] = 3.0e120
    wide[0, 0, 0, 1] = 2.0e120
    wide[1, 2, 1, 1] = 4.9e-324                  # the smallest double subnormal
    wide[1, 3, 2, 2] = 1e-300

    integers = rng.integers(-(2 ** 30), 2 ** 30, size=(2, 3, 4, 4), dtype=np.int32)
    integers[0, 0] = 0

    return {
        "mixed_nhwc": (mixed, "NHWC", None),
        "offset_nchw": (offset, "NCHW", None),
        "relu_nhwc": (relu, "NHWC", None),
        "sigmoid_nchw": (sigmoid, "NCHW", [0.0, 1.0]),
        "tanh_vector": (vector, "NCHW", [-1.0, 1.0]),
        "sequence_nhwc": (sequence, "NHWC", None),
        "volume_nchw": (volume, "NCHW", None),
        "half_nhwc": (half, "NHWC", None),
        "wide_nchw": (wide, "NCHW", None),
        "int32_nchw": (integers, "NCHW", None),
    }


def maps(name, a, layout):
    c = channel_axis(a, layout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        f32 = a.astype(np.float32)
        np.save(os.path.join(OUT, f"{name}.mean.npy"), f32.mean(axis=c))
        np.save(os.path.join(OUT, f"{name}.mean64.npy"), f32.astype(np.float64).mean(axis=c).astype(np.float32))
        np.save(os.path.join(OUT, f"{name}.max.npy"), f32.max(axis=c))


def onnx_kernels():
    model = onnx.load(os.path.join(ROOT, "Fixtures", "onnx", "tiny-cnn.onnx"))
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    inputs = {i.name for i in model.graph.input} - set(weights)
    out = {}
    for node in model.graph.node:
        if node.op_type == "Conv":
            w = weights[node.input[1]].astype(np.float64)
            entry = {"op": "Conv", "shape": list(w.shape), "tiles": w.mean(axis=1).reshape(w.shape[0], -1).tolist(),
                     "channel1": w[:, 1].reshape(w.shape[0], -1).tolist(), "histogram": histogram(w.ravel())}
            if w.shape[1] == 3 and node.input[0] in inputs:
                entry["rgb"] = w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1).tolist()
            out[node.name] = entry
        elif node.op_type == "Gemm":
            w = weights[node.input[1]].astype(np.float64)
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            matrix = w.T if trans_b else w
            out[node.name] = {"op": "Gemm", "shape": list(matrix.shape), "matrix": matrix.ravel().tolist(),
                              "histogram": histogram(w.ravel())}
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    summary = {}
    for name, (a, layout, bounds) in cases().items():
        np.save(os.path.join(OUT, f"{name}.npy"), a)
        summary[name] = expected(a, layout, bounds)
        if a.ndim >= 3:
            maps(name, a, layout)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(summary, f, indent=1, allow_nan=False)
        f.write("\n")
    with open(os.path.join(OUT, "tiny-cnn-kernels.json"), "w") as f:
        json.dump(onnx_kernels(), f, allow_nan=False)
        f.write("\n")
    print(f"wrote {len(summary)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
