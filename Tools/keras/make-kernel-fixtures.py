#!/usr/bin/env python3
"""Writes Fixtures/analysis/keras-kernels.json: the kernels of Keras fixture files as h5py reads them
from the file, in Keras' own layouts, and numpy's tiles of them, for StrataAnalysis' filter tests.

Keras stores convolution kernels as [k..., in, out] (HWIO), transposed-convolution kernels as
[k..., out, in], depthwise kernels as [k..., channels, multiplier] and Dense kernels as [in, out].
Strata's importer permutes them into ONNX layouts; the tests check that Strata's tiles still equal
these, computed in Keras' terms:

  convolution       tile o = kernel[..., :, o].mean(axis=-2)      (the group's input channels)
  channel K         tile o = kernel[..., K, o]
  RGB (first conv)  tile o = kernel[:, :, :, o]                   (kh, kw, 3)
  transposed        tile o = kernel[..., o, :].mean(axis=-1)
  depthwise         tile c·M + m = kernel[..., c, m]
  dense             the [in, out] matrix

Tiles of 1-D kernels are 1 × k. Runs in the Keras venv (h5py):

    .venv-keras/bin/python Tools/keras/make-kernel-fixtures.py
"""
import json
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # Tools/, for testlib
from testlib import ROOT  # noqa: E402

# file -> layer -> [(dataset name, kind)] in the order Strata lists a layer's kernels.
LAYERS = {
    "cnn.k3.h5": {
        "conv1": [("kernel", "conv")],
        "conv2": [("kernel", "conv")],
        "probs": [("kernel", "dense")],
    },
    "conv.k2.h5": {
        "conv1d_same_s3": [("kernel", "conv")],
        "conv1dt_same": [("kernel", "transposed")],
        "dwconv1d": [("depthwise_kernel", "depthwise")],
        "sepconv1d": [("depthwise_kernel", "depthwise"), ("pointwise_kernel", "conv")],
        "conv2d_same_s2": [("kernel", "conv")],
        "conv2d_groups": [("kernel", "conv")],
        "conv2d_cf": [("kernel", "conv")],
        "conv2dt_valid": [("kernel", "transposed")],
        "dwconv2d": [("depthwise_kernel", "depthwise")],
        "sepconv2d": [("depthwise_kernel", "depthwise"), ("pointwise_kernel", "conv")],
    },
}

# Layers whose tiles are also recorded for one input channel K, and whose RGB tiles are recorded.
CHANNEL_K = {"conv2d_same_s2": 2, "conv2": 1}
RGB = {"conv1"}


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
    index = np.minimum(np.searchsorted(LIMITS, values64, side="right"), len(LIMITS) - 1)
    counts = np.bincount(index, minlength=len(LIMITS))
    first, last = int(index.min()), int(index.max())
    return {"edges": [float(x) for x in LIMITS[first - 1:last + 1]], "counts": [int(c) for c in counts[first:last + 1]]}


def dataset(h5, layer, name):
    found = []
    h5["model_weights"][layer].visititems(
        lambda path, obj: found.append(obj) if isinstance(obj, h5py.Dataset) and path.split("/")[-1].split(":")[0] == name else None)
    assert len(found) == 1, (layer, name, found)
    return np.asarray(found[0][()], dtype=np.float64)


def flat_tiles(tiles):
    """A list of tiles, each flattened row-major; 1-D kernels' (k,) tiles are 1 × k."""
    return [np.asarray(t).ravel().tolist() for t in tiles]


def kernel_entry(kernel, kind, layer):
    entry = {"kind": kind, "shape": list(kernel.shape), "histogram": histogram(kernel.ravel())}
    if kind == "dense":
        entry["matrix"] = kernel.ravel().tolist()
        entry["tile_shape"] = list(kernel.shape)
        return entry
    spatial = kernel.shape[:-2]
    entry["tile_shape"] = [1, spatial[0]] if len(spatial) == 1 else list(spatial)
    if kind == "conv":
        entry["tiles"] = flat_tiles(kernel[..., o].mean(axis=-1) for o in range(kernel.shape[-1]))
        if layer in CHANNEL_K:
            k = CHANNEL_K[layer]
            entry["channel"] = k
            entry["channel_tiles"] = flat_tiles(kernel[..., k, o] for o in range(kernel.shape[-1]))
        if layer in RGB:
            entry["rgb"] = flat_tiles(kernel[..., o] for o in range(kernel.shape[-1]))
    elif kind == "transposed":
        entry["tiles"] = flat_tiles(kernel[..., o, :].mean(axis=-1) for o in range(kernel.shape[-2]))
    elif kind == "depthwise":
        channels, multiplier = kernel.shape[-2:]
        entry["tiles"] = flat_tiles(kernel[..., c, m] for c in range(channels) for m in range(multiplier))
    return entry


def main():
    out = {}
    for file, layers in LAYERS.items():
        with h5py.File(os.path.join(ROOT, "Fixtures", "keras", file), "r") as h5:
            out[file] = {layer: [kernel_entry(dataset(h5, layer, name), kind, layer) for name, kind in kernels]
                         for layer, kernels in layers.items()}
    path = os.path.join(ROOT, "Fixtures", "analysis", "keras-kernels.json")
    with open(path, "w") as f:
        json.dump(out, f, allow_nan=False)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
