#!/usr/bin/env python3
"""Checks `strata maps`, `strata filters` and `strata stats` against numpy (and Keras / onnx for kernels).

    python3 Tools/test-visual.py [--strata PATH] [-v]

The activations `strata run` captures for the same inputs are the reference data; numpy computes from
them what each command claims (issue 9):
- maps: the mean and max maps over channels (.npy) equal numpy's `act[b].mean(axis=c)` (float32, rtol
  1e-5 of the layer's range) and `act[b].max(axis=c)` (exactly), for a Keras model (channels last) and an
  ONNX model (channels first, a .npy batch of 3); the manifest lists every file written, with the
  documented kinds and the min/max of what each file shows;
- stats: count, min, max, zeros, negative, nan and inf exactly, mean and std to rtol 1e-5 against
  numpy in float64, dead and saturated units as sets, and the histogram's counts in TensorBoard's
  default buckets (computed here as tensorflow/core/lib/histogram/histogram.cc does), over the 360
  held-out images of the demo model and over a model made here whose layers hold dead channels,
  saturated sigmoid/tanh units, NaN and ±Inf;
- merging three shards (--shard I/3, then `stats merge`) equals one run: counts, histograms, dead and
  saturated sets exactly, moments to rtol 1e-12;
- filters: kernel tiles equal the Keras kernels (HWIO: tile o = kernel[:, :, :, o].mean(axis=2)) read
  with Keras in .venv-keras, and the ONNX initializers (OIHW; first layer as RGB tiles);
- every PNG written opens in Pillow, SVG/PDF outputs pass Tools/check-pictures.py;
- memory over a dataset: `strata run` and `strata stats` over 120 images use no more memory than over
  20 (within 16 MB), through a model whose activations are megabytes of several sizes;
- bad input: a folder with unreadable images runs (exit 0) and names each skipped file, --strict
  stops at the first (exit 1, the last stderr line is the error), a failed command leaves --out as it
  was, absurd --channels is a usage error, a hostile layer name stays inside --out.
Exits 1 on any failure.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

import testlib
from testlib import DEFAULT_BINARY, ROOT, Rule

DEMO = os.path.join(ROOT, "Fixtures", "demo")
DEMO_MODEL = os.path.join(DEMO, "digits.keras")
HELDOUT = os.path.join(DEMO, "heldout")
TINY = os.path.join(ROOT, "Fixtures", "onnx", "tiny-cnn.onnx")
HOSTILE = os.path.join(ROOT, "Fixtures", "onnx", "hostile-names.onnx")
TIMEOUT = 600
# This script's own tolerances (not the policy's reference rules: the references here are numpy on
# Strata's own activations, or Keras' weights, so only summation order and float32 rounding differ).
# Moments of float32 activations summed in float64 in another order.
MOMENTS = Rule(rtol=1e-5, atol=1e-12)
# Moments merged from shards against one run: the same float64 sums regrouped.
MERGED = Rule(rtol=1e-12, atol=1e-300)
# Filter tiles: a mean over input channels of float32 weights.
TILES = Rule(rtol=1e-6, atol=1e-7)

KERAS_KERNELS = r"""
import json, sys
import numpy as np
import keras
model = keras.models.load_model(sys.argv[1], compile=False)
arrays = {}
for layer in model.layers:
    weights = layer.get_weights()
    if weights and layer.__class__.__name__ in ("Conv2D", "Dense"):
        arrays[layer.name] = weights[0]
np.savez(sys.argv[2], **arrays)
"""


def tensorboard_limits():
    """The bucket limits of TensorBoard's default histogram (histogram.cc InitDefaultBucketsInner)."""
    positive = []
    v = 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(np.finfo(np.float64).max)
    negative = [-x for x in reversed(positive)]
    return np.array(negative + [0.0] + positive, dtype=np.float64)


LIMITS = tensorboard_limits()


def numpy_histogram(values):
    """Counts per bucket (a value goes to the first bucket whose limit is greater), trimmed to the
    span of non-empty buckets: (edges, counts) as Strata writes them."""
    finite = values[np.isfinite(values)].astype(np.float64)
    if finite.size == 0:
        return [], []
    index = np.searchsorted(LIMITS, finite, side="right")
    counts = np.bincount(index, minlength=len(LIMITS) + 1)
    nonzero = np.nonzero(counts)[0]
    lo, hi = nonzero[0], nonzero[-1]
    # Bucket i spans [LIMITS[i-1], LIMITS[i]); bucket 0 has no lower limit in TensorBoard, and
    # Strata's first edge for it is -DBL_MAX.
    lower = [LIMITS[i - 1] if i > 0 else -np.finfo(np.float64).max for i in range(lo, hi + 1)]
    edges = lower + [LIMITS[hi]]
    return [float(e) for e in edges], [int(c) for c in counts[lo:hi + 1]]


class Checker(testlib.Checker):
    """testlib's Checker, also collecting the PNG pictures written (all opened in Pillow at the end)."""

    def __init__(self, binary, verbose):
        super().__init__(binary, verbose, timeout=TIMEOUT)
        self.pictures = []


def captured(run_folder):
    """layer → activation from a `strata run` folder (or its batch-NNNNN subfolders, concatenated)."""
    folders = sorted(glob.glob(os.path.join(run_folder, "batch-*"))) or [run_folder]
    parts = {}
    for folder in folders:
        with open(os.path.join(folder, "manifest.json")) as f:
            manifest = json.load(f)
        for row in manifest["activations"]:
            parts.setdefault(row["layer"], []).append(np.load(os.path.join(folder, row["file"])))
    return {layer: np.concatenate(arrays, axis=0) for layer, arrays in parts.items()}


def channel_axis(array, layout):
    return array.ndim - 1 if layout == "NHWC" else 1


# MARK: maps

def check_maps(c, scratch, model, inputs, layers, layout, label):
    out = os.path.join(scratch, f"maps-{label}")
    acts_dir = os.path.join(scratch, f"acts-{label}")
    selectors = sum((["--layer", layer] for layer in layers), [])
    extra = ["--overlay"] if "--image" in inputs else []
    c.strata(["maps", model, *inputs, *selectors, *extra, "--out", out, "--quiet"])
    c.strata(["run", model, *inputs, *selectors, "--out", acts_dir, "--quiet"])
    acts = captured(acts_dir)
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    listed = {row["file"] for row in manifest["files"]}
    on_disk = {os.path.relpath(p, out) for p in glob.glob(os.path.join(out, "**", "*"), recursive=True) if os.path.isfile(p)}
    c.exact(f"maps {label}: manifest lists every file written", on_disk - {"manifest.json", "index.html"}, listed)
    kinds = {row["kind"] for row in manifest["files"]}
    c.check(f"maps {label}: kinds are the documented ones", kinds <= {"grid", "mean", "max", "overlay", "bars", "heatmap", "histogram"}, str(kinds))
    for row in manifest["files"]:
        for key in ("layer", "tensor", "output", "image", "kind", "file", "shape", "min", "max"):
            if key not in row:
                c.check(f"maps {label}: row has {key}", False, str(row))
                break
        if row["file"].endswith(".png"):
            c.pictures.append(os.path.join(out, row["file"]))
    images = manifest["inputs"]
    for layer in layers:
        act = acts[layer]
        axis = channel_axis(act, layout)
        rows = [r for r in manifest["files"] if r["layer"] == layer]
        for b, image in enumerate(images):
            mine = [r for r in rows if r["image"] == image]
            if act.ndim == 2:
                bars = [r for r in mine if r["kind"] == "bars"]
                c.check(f"maps {label} {layer} [{b}]: bars", len(bars) == 1, str(mine))
                if bars:
                    c.exact(f"maps {label} {layer} [{b}]: bars range", (bars[0]["min"], bars[0]["max"]),
                            (float(act[b].min()), float(act[b].max())))
                continue
            for kind, reduce in (("mean", np.mean), ("max", np.max)):
                npy = [r for r in mine if r["kind"] == kind and r["file"].endswith(".npy")]
                pic = [r for r in mine if r["kind"] == kind and not r["file"].endswith(".npy")]
                c.check(f"maps {label} {layer} [{b}]: {kind} as .npy and picture", len(npy) == 1 and len(pic) == 1, str(mine))
                if not npy:
                    continue
                got = np.load(os.path.join(out, npy[0]["file"]))
                want = reduce(act[b], axis=axis - 1)
                if kind == "max":
                    c.check(f"maps {label} {layer} [{b}]: max equals numpy exactly", np.array_equal(got, want, equal_nan=True),
                            f"max |diff| {np.nanmax(np.abs(got - want)):.3g}")
                else:
                    # Its own rule: float32 means in another summation order, within 1e-6 of the layer's magnitude.
                    scale = float(np.nanmax(np.abs(act[b]))) or 1.0
                    c.close(f"maps {label} {layer} [{b}]: mean equals numpy", got, want, Rule(rtol=1e-5, atol=1e-6 * scale))
                c.exact(f"maps {label} {layer} [{b}]: {kind} row range", (npy[0]["min"], npy[0]["max"]),
                        (float(np.nanmin(got)), float(np.nanmax(got))))
            grid = [r for r in mine if r["kind"] == "grid"]
            c.check(f"maps {label} {layer} [{b}]: one grid", len(grid) == 1, str(mine))
            if grid:
                c.exact(f"maps {label} {layer} [{b}]: grid range", (grid[0]["min"], grid[0]["max"]),
                        (float(act[b].min()), float(act[b].max())))
                c.exact(f"maps {label} {layer} [{b}]: grid shape", grid[0]["shape"], [1] + list(act.shape[1:]))
            if extra:
                c.check(f"maps {label} {layer} [{b}]: two overlays", len([r for r in mine if r["kind"] == "overlay"]) == 2, str(mine))


# MARK: stats

def expected_stats(act, layout, bounds):
    """What Docs/Statistics.md defines, in numpy."""
    flat = act.astype(np.float64).ravel()
    finite = flat[np.isfinite(flat)]
    result = {
        "count": int(flat.size), "nan": int(np.isnan(flat).sum()), "inf": int(np.isinf(flat).sum()),
        "zeros": float((flat == 0).sum() / flat.size), "negative": float((flat < 0).sum() / flat.size),
        "min": float(finite.min()), "max": float(finite.max()), "mean": float(finite.mean()), "std": float(finite.std()),
    }
    axis = channel_axis(act, layout) if act.ndim >= 2 else None
    dead, saturated = [], []
    if axis is not None:
        moved = np.moveaxis(act.astype(np.float64), axis, -1).reshape(-1, act.shape[axis])
        if result["negative"] == 0:
            maxima = np.where(np.isnan(moved), -np.inf, moved).max(axis=0)
            dead = [int(k) for k in np.nonzero(maxima <= 0)[0]]
        if bounds is not None:
            lo, hi = bounds
            near = (np.abs(moved - lo) <= 1e-3) | (np.abs(moved - hi) <= 1e-3)
            share = near.sum(axis=0)
            saturated = [int(k) for k in np.nonzero(100 * share >= 99 * moved.shape[0])[0]]
    result["dead"], result["saturated"] = dead, saturated
    edges, counts = numpy_histogram(flat)
    result["histogram"] = {"edges": edges, "counts": counts}
    return result


def compare_stats(c, label, document, acts, layout, bounds_by_layer):
    layers = {row["layer"]: row for row in document["layers"]}
    for layer, act in acts.items():
        got = layers.get(layer)
        if got is None:
            c.check(f"stats {label}: layer {layer} reported", False, "missing")
            continue
        want = expected_stats(act, layout, bounds_by_layer.get(layer))
        for key in ("count", "nan", "inf", "zeros", "negative", "min", "max", "dead", "saturated"):
            c.exact(f"stats {label} {layer}: {key}", got[key], want[key])
        c.close(f"stats {label} {layer}: mean", got["mean"], want["mean"], MOMENTS)
        c.close(f"stats {label} {layer}: std", got["std"], want["std"], MOMENTS)
        c.exact(f"stats {label} {layer}: histogram counts", got["histogram"]["counts"], want["histogram"]["counts"])
        c.close(f"stats {label} {layer}: histogram edges", got["histogram"]["edges"], want["histogram"]["edges"], Rule(rtol=0))
        c.exact(f"stats {label} {layer}: shape", got["shape"], list(act.shape))


def odd_model(path):
    """Conv → Relu (two channels dead: bias -100), Sigmoid and Tanh of large values (saturated), a
    ReLU6 Clip of them (saturated; with the Relu, statistics `strata stats` takes from the pass over
    the op's input), Log of the Relu (-Inf) and Sqrt of the Conv (NaN), all outputs of one graph;
    input float32[N, 3, 6, 6]."""
    rng = np.random.default_rng(9)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    bias = np.array([0.1, -100.0, 0.2, -100.0], dtype=np.float32)
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "b"),
             numpy_helper.from_array(np.array(40.0, dtype=np.float32), "k"),
             numpy_helper.from_array(np.array(0.0, dtype=np.float32), "lo"),
             numpy_helper.from_array(np.array(6.0, dtype=np.float32), "hi")]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["conv"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"], name="relu"),
        helper.make_node("Mul", ["conv", "k"], ["scaled"], name="scale"),
        helper.make_node("Sigmoid", ["scaled"], ["sigmoid"], name="sigmoid"),
        helper.make_node("Tanh", ["scaled"], ["tanh"], name="tanh"),
        helper.make_node("Clip", ["scaled", "lo", "hi"], ["clipped"], name="clip"),
        helper.make_node("Log", ["relu"], ["log"], name="log"),
        helper.make_node("Sqrt", ["conv"], ["sqrt"], name="sqrt"),
        helper.make_node("GlobalAveragePool", ["relu"], ["pooled"], name="pool"),
        helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten"),
    ]
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("sigmoid", "tanh", "clipped", "log", "sqrt", "flat")]
    graph = helper.make_graph(nodes, "odd", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 6, 6])], outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="test-visual")
    onnx.save(model, path)


def peak_rss(arguments, binary):
    """Peak resident size in bytes of one strata process, and its exit code."""
    process = subprocess.Popen([binary] + arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.stderr.close()
    return usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def check_dataset_memory(c, scratch):
    # Convolutions at 224 x 224 with different channel counts: the activations are 1-6 MB each and of
    # several sizes, freed and requested again image after image, which is where a heap that reuses
    # blocks badly grows (posix_memalign's blocks in glibc did, by about 1.5 MB per image).
    rng = np.random.default_rng(11)
    shapes = [(32, 3, 3, 1), (48, 32, 3, 2), (24, 48, 1, 1), (64, 24, 3, 1)]
    inits, nodes, previous = [], [], "x"
    for i, (out, inp, k, stride) in enumerate(shapes):
        inits.append(numpy_helper.from_array((rng.normal(size=(out, inp, k, k)) * 0.2).astype(np.float32), f"w{i}"))
        nodes.append(helper.make_node("Conv", [previous, f"w{i}"], [f"conv{i}"], name=f"conv{i}", pads=[k // 2] * 4, strides=[stride] * 2))
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"], name=f"relu{i}"))
        previous = f"relu{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [previous], ["pooled"], name="pool"))
    graph = helper.make_graph(nodes, "wide", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])],
                              [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, None)], inits)
    model = os.path.join(scratch, "wide.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="test-visual"), model)
    photo = os.path.join(ROOT, "Fixtures", "images", "astronaut.jpg")
    folders = {}
    for count in (20, 120):
        folder = os.path.join(scratch, f"dataset-{count}")
        os.makedirs(folder)
        for i in range(count):
            os.symlink(photo, os.path.join(folder, f"{i:04d}.jpg"))
        folders[count] = folder
    common = ["--preprocess", "unit", "--resize", "stretch", "--threads", "1", "--quiet"]
    for command in ("run", "stats"):
        peaks = {}
        for count, folder in folders.items():
            extra = ["--out", os.path.join(scratch, f"wide-{command}-{count}")] if command == "run" else ["--json"]
            peaks[count], code = peak_rss([command, model, "--images", folder] + common + extra, c.binary)
            c.check(f"{command} over {count} images exits 0", code == 0, f"exit {code}")
        growth = peaks[120] - peaks[20]
        c.check(f"{command}: peak memory over 120 images within 16 MB of 20 images", growth <= 16 << 20,
                f"{peaks[20] >> 20} MB for 20 images, {peaks[120] >> 20} MB for 120")


def check_stats(c, scratch):
    # The demo model over its held-out images, in batches that do not divide 360 evenly.
    document = json.loads(c.strata(["stats", DEMO_MODEL, "--images", HELDOUT, "--preprocess", "raw", "--batch", "64", "--json", "--quiet"]).stdout)
    c.exact("stats demo: inputs", document["inputs"], 360)
    run_dir = os.path.join(scratch, "acts-demo-all")
    c.strata(["run", DEMO_MODEL, "--images", HELDOUT, "--preprocess", "raw", "--batch", "64", "--all", "--out", run_dir, "--quiet"])
    acts = captured(run_dir)
    compare_stats(c, "demo", document, acts, "NHWC", {"predictions": (0.0, 1.0)})

    # The demo model through Strata, from the PNG files, predicts what Keras predicted from them.
    with open(os.path.join(DEMO, "model-card.json")) as f:
        card = json.load(f)
    probabilities = acts["predictions"]
    predicted = probabilities.argmax(axis=1)
    want = np.array([p["predicted"] for p in card["predictions"]])
    c.exact("demo: Strata's predicted classes equal Keras'", predicted.tolist(), want.tolist())
    top = probabilities[np.arange(len(predicted)), want]
    # Its own rule: Keras' float32 probabilities (recorded by Tools/demo/make-demo-model.py) against Strata's.
    c.close("demo: top-class probabilities equal Keras'", top, [p["probability"] for p in card["predictions"]], Rule(rtol=1e-4, atol=1e-6))
    accuracy = float((predicted == np.array([p["label"] for p in card["predictions"]])).mean())
    c.close("demo: held-out accuracy as recorded", accuracy, card["heldout_accuracy"], Rule(rtol=0))
    c.check("stats demo: some dead units found", any(row["dead"] for row in document["layers"]), "none")

    # Shards merge to the whole.
    shards = []
    for i in range(3):
        path = os.path.join(scratch, f"shard{i}.json")
        result = c.strata(["stats", DEMO_MODEL, "--images", HELDOUT, "--preprocess", "raw", "--batch", "50", "--shard", f"{i}/3",
                           "--json", "--quiet"])
        with open(path, "w") as f:
            f.write(result.stdout)
        shards.append(path)
    merged_path = os.path.join(scratch, "merged.json")
    c.strata(["stats", "merge", *shards, "-o", merged_path, "--quiet"])
    with open(merged_path) as f:
        merged = json.load(f)
    c.exact("merge: inputs", merged["inputs"], document["inputs"])
    for whole, part in zip(document["layers"], merged["layers"]):
        name = whole["layer"]
        for key in ("count", "nan", "inf", "zeros", "negative", "min", "max", "dead", "saturated", "histogram", "shape"):
            c.exact(f"merge {name}: {key}", part[key], whole[key])
        c.close(f"merge {name}: mean", part["mean"], whole["mean"], MERGED)
        c.close(f"merge {name}: std", part["std"], whole["std"], MERGED)

    # NaN, ±Inf, dead channels and saturation, channels first, from a .npy batch.
    model = os.path.join(scratch, "odd.onnx")
    odd_model(model)
    x = np.random.default_rng(3).normal(size=(5, 3, 6, 6)).astype(np.float32)
    x_path = os.path.join(scratch, "odd-x.npy")
    np.save(x_path, x)
    document = json.loads(c.strata(["stats", model, "--input", x_path, "--json", "--quiet"]).stdout)
    run_dir = os.path.join(scratch, "acts-odd")
    c.strata(["run", model, "--input", x_path, "--all", "--out", run_dir, "--quiet"])
    acts = captured(run_dir)
    compare_stats(c, "odd", document, acts, "NCHW", {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "clip": (0.0, 6.0)})
    rows = {row["layer"]: row for row in document["layers"]}
    c.exact("stats odd: dead channels after Relu", rows["relu"]["dead"], [1, 3])
    c.exact("stats odd: saturated sigmoid channels", rows["sigmoid"]["saturated"], [1, 3])
    c.check("stats odd: the ReLU6 channels held at 0 saturated", {1, 3} <= set(rows["clip"]["saturated"]), rows["clip"]["saturated"])
    c.check("stats odd: -Inf counted", rows["log"]["inf"] > 0 and rows["log"]["nan"] == 0, f"{rows['log']['inf']} inf, {rows['log']['nan']} nan")
    c.check("stats odd: NaN counted", rows["sqrt"]["nan"] > 0, f"{rows['sqrt']['nan']} nan")

    # The table and the pictures.
    out = os.path.join(scratch, "stats-pictures")
    table = c.strata(["stats", model, "--input", x_path, "--out", out])
    first = table.stdout.splitlines()[1].split()[0] if len(table.stdout.splitlines()) > 1 else ""
    c.check("stats table: a layer with NaN/Inf comes first", first in ("log", "sqrt"), first)
    for name in ("stats.json", "manifest.json", "index.html"):
        c.check(f"stats --out writes {name}", os.path.isfile(os.path.join(out, name)), "missing")
    c.pictures += glob.glob(os.path.join(out, "*.png"))


# MARK: filters

def check_filters(c, scratch):
    out = os.path.join(scratch, "filters-keras")
    c.strata(["filters", DEMO_MODEL, "--out", out, "--quiet"])
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    python = testlib.keras_python()
    script = os.path.join(scratch, "kernels.py")
    with open(script, "w") as f:
        f.write(KERAS_KERNELS)
    reference = os.path.join(scratch, "kernels.npz")
    subprocess.run([python, script, DEMO_MODEL, reference], check=True, capture_output=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    kernels = np.load(reference)
    for layer in kernels.files:
        kernel = kernels[layer]
        npy = [r for r in manifest["files"] if r["layer"] == layer and r["file"].endswith(".npy")]
        c.check(f"filters keras {layer}: tiles written", len(npy) == 1, str(npy))
        if not npy:
            continue
        got = np.load(os.path.join(out, npy[0]["file"]))
        if kernel.ndim == 4:
            want = np.stack([kernel[:, :, :, o].astype(np.float64).mean(axis=2) for o in range(kernel.shape[3])])
            c.close(f"filters keras {layer}: tile o = kernel[:, :, :, o].mean(axis=2)", got, want, TILES)
        else:
            c.check(f"filters keras {layer}: dense kernel equals Keras'", np.array_equal(got, kernel), "differs")
    c.pictures += glob.glob(os.path.join(out, "*.png"))

    out = os.path.join(scratch, "filters-onnx")
    c.strata(["filters", TINY, "--out", out, "--quiet"])
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(TINY).graph.initializer}
    graph = onnx.load(TINY).graph
    conv1 = next(n for n in graph.node if n.name == "conv1")
    conv2 = next(n for n in graph.node if n.name == "conv2")
    for node, rgb in ((conv1, True), (conv2, False)):
        w = weights[node.input[1]]
        npy = [r for r in manifest["files"] if r["layer"] == node.name and r["file"].endswith(".npy")]
        got = np.load(os.path.join(out, npy[0]["file"]))
        want = np.transpose(w, (0, 2, 3, 1)) if rgb else w.astype(np.float64).mean(axis=1)
        c.close(f"filters onnx {node.name}: {'RGB tiles' if rgb else 'mean over inputs'}", got, want, TILES)
    single = os.path.join(scratch, "filters-channel")
    c.strata(["filters", TINY, "--layer", "conv2", "--input-channel", "5", "--out", single, "--quiet"])
    with open(os.path.join(single, "manifest.json")) as f:
        npy = [r for r in json.load(f)["files"] if r["file"].endswith(".npy")]
    w = weights[conv2.input[1]]
    c.check("filters --input-channel 5 shows that channel", np.array_equal(np.load(os.path.join(single, npy[0]["file"])), w[:, 5]), "differs")
    c.pictures += glob.glob(os.path.join(out, "*.png"))


# MARK: bad input and formats

def check_bad_input(c, scratch):
    folder = os.path.join(scratch, "mixed")
    os.makedirs(folder)
    good = sorted(os.listdir(HELDOUT))[:4]
    for name in good:
        shutil.copy(os.path.join(HELDOUT, name), folder)
    with open(os.path.join(folder, "notes.jpg"), "w") as f:
        f.write("not an image")
    with open(os.path.join(HELDOUT, good[0]), "rb") as f:
        data = f.read()
    with open(os.path.join(folder, "cut.png"), "wb") as f:
        f.write(data[: len(data) // 2])
    bad = sorted([os.path.join(folder, "cut.png"), os.path.join(folder, "notes.jpg")])

    result = c.strata(["stats", DEMO_MODEL, "--images", folder, "--preprocess", "raw", "--json"], check=False)
    c.exact("bad folder: stats exit 0", result.returncode, 0)
    for path in bad:
        c.check(f"bad folder: {os.path.basename(path)} named on stderr", f"strata: warning: {path}:" in result.stderr, result.stderr)
    if result.returncode == 0:
        document = json.loads(result.stdout)
        c.exact("bad folder: skipped listed", sorted(document["skipped"]), bad)
        c.exact("bad folder: inputs", document["inputs"], len(good))
    summary = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    c.check("bad folder: the closing line names the skipped files", all(p in summary for p in bad), summary)

    out = os.path.join(scratch, "maps-mixed")
    result = c.strata(["maps", DEMO_MODEL, "--images", folder, "--preprocess", "raw", "--layer", "conv1", "--out", out], check=False)
    c.exact("bad folder: maps exit 0", result.returncode, 0)
    c.check("bad folder: maps for each good image", len(os.listdir(out)) == len(good) + 2, str(os.listdir(out)))

    out = os.path.join(scratch, "strict")
    result = c.strata(["maps", DEMO_MODEL, "--images", folder, "--preprocess", "raw", "--layer", "conv1", "--strict", "--out", out], check=False)
    c.exact("--strict: exit 1", result.returncode, 1)
    last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    c.check("--strict: the last stderr line is the error", last.startswith("strata: error: ") and "cut.png" in last, last)
    c.check("--strict: nothing written", not os.path.exists(out), str(os.listdir(out)) if os.path.exists(out) else "")

    out = os.path.join(scratch, "kept")
    os.makedirs(out)
    with open(os.path.join(out, "mine.txt"), "w") as f:
        f.write("keep")
    result = c.strata(["maps", DEMO_MODEL, "--image", bad[1], "--layer", "conv1", "--out", out], check=False)
    c.exact("bad --image: exit 1", result.returncode, 1)
    c.exact("bad --image: one error line", result.stderr.strip().splitlines(), [f"strata: error: {bad[1]}: not a PNG or JPEG file"])
    c.exact("bad --image: --out as it was", os.listdir(out), ["mine.txt"])

    result = c.strata(["maps", DEMO_MODEL, "--image", os.path.join(HELDOUT, good[0]), "--layer", "conv1", "--channels", "0-99999999999",
                       "--out", os.path.join(scratch, "absurd")], check=False)
    c.exact("absurd --channels: usage error (64)", result.returncode, 64)
    result = c.strata(["maps", DEMO_MODEL, "--image", os.path.join(HELDOUT, good[0]), "--layer", "conv1", "--channels", "40-50",
                       "--out", os.path.join(scratch, "none")], check=False)
    c.exact("--channels beyond the layer: exit 1", result.returncode, 1)
    c.check("--channels beyond the layer: says so", "selects none of its 16 channels" in result.stderr, result.stderr)
    result = c.strata(["maps", DEMO_MODEL, "--image", os.path.join(HELDOUT, good[0]), "--layer", "conv9", "--out", os.path.join(scratch, "x")], check=False)
    c.check("unknown layer: closest names", result.returncode == 1 and "closest: conv1" in result.stderr, result.stderr)

    # Hostile layer names stay inside --out.
    out = os.path.join(scratch, "hostile", "out")
    x = np.zeros([d.dim_value or 1 for d in onnx.load(HOSTILE).graph.input[0].type.tensor_type.shape.dim], dtype=np.float32)
    x_path = os.path.join(scratch, "hostile-x.npy")
    np.save(x_path, x)
    result = c.strata(["maps", HOSTILE, "--input", x_path, "--all", "--out", out, "--quiet"], check=False)
    inside = os.path.realpath(out)
    escaped = [p for p in glob.glob(os.path.join(scratch, "hostile", "**"), recursive=True)
               if not os.path.realpath(p).startswith(inside) and os.path.realpath(p) != os.path.realpath(os.path.join(scratch, "hostile"))]
    c.check("hostile names: nothing outside --out", result.returncode in (0, 1) and not escaped, f"{result.returncode} {escaped} {result.stderr[-300:]}")

    # SVG and PDF outputs.
    for fmt in ("svg", "pdf"):
        out = os.path.join(scratch, f"maps-{fmt}")
        c.strata(["maps", DEMO_MODEL, "--image", os.path.join(HELDOUT, good[0]), "--preprocess", "raw", "--layer", "conv2", "--layer", "fc",
                  "--overlay", "--format", fmt, "--out", out, "--quiet"])
        check = subprocess.run([sys.executable, os.path.join(ROOT, "Tools", "check-pictures.py"), out], capture_output=True, text=True)
        c.check(f"--format {fmt}: pictures are well formed", check.returncode == 0 and f".{fmt}" in check.stdout, check.stdout[-400:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(args.strata):
        sys.exit(f"error: {args.strata} not found; run `make build` first")
    c = Checker(args.strata, args.verbose)
    with tempfile.TemporaryDirectory(prefix="strata-visual-") as scratch:
        picks = [os.path.join(HELDOUT, n) for n in ("017-d3.png", "029-d7.png")]
        check_maps(c, scratch, DEMO_MODEL, sum((["--image", p] for p in picks), []) + ["--preprocess", "raw"],
                   ["conv1", "conv3", "pool2", "fc"], "NHWC", "keras")
        x = np.random.default_rng(5).normal(size=(3, 3, 32, 32)).astype(np.float32)
        x_path = os.path.join(scratch, "tiny-x.npy")
        np.save(x_path, x)
        check_maps(c, scratch, TINY, ["--input", x_path], ["conv1", "relu1", "residual", "fc"], "NCHW", "onnx")
        check_stats(c, scratch)
        check_dataset_memory(c, scratch)
        check_filters(c, scratch)
        check_bad_input(c, scratch)
        opened = 0
        for path in c.pictures:
            try:
                with Image.open(path) as image:
                    image.load()
                opened += 1
            except Exception as error:  # noqa: BLE001 - any failure to open is the finding
                c.check(f"Pillow opens {path}", False, str(error))
        c.check(f"Pillow opened all {len(c.pictures)} PNG pictures", opened == len(c.pictures) and opened > 50, f"{opened}")
    print(c.summary("test-visual"))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
