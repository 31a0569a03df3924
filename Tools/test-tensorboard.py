#!/usr/bin/env python3
"""Checks the TensorBoard event files Strata writes, read back by TensorBoard's own loader.

    python3 Tools/test-tensorboard.py [--strata PATH] [-v]

Runs `strata maps`, `filters`, `stats`, `cam`, `saliency` and `embed` with --tensorboard, and
`strata tensorboard` (with --cam)
over ten checkpoints of the demo model (Tools/make-tensorboard-checkpoints.py, trained in .venv-keras
into the git-ignored Fixtures/generated/tensorboard-checkpoints/ when missing), then reads every events
file with TensorBoard's EventAccumulator (size_guidance 0 for every kind: keep everything) and checks:
- every tag of the documented scheme (Docs/TensorBoard.md) is present, at the documented steps;
- images are the PNG files the commands wrote to --out (same bytes, same pixels through Pillow), also
  with --format svg, and the size TensorBoard records is the PNG's;
- activation histograms equal numpy's over the activations `strata run` captures for the same inputs
  (the same non-empty buckets of TensorFlow's default grid, num, min and max exactly; sum and
  sum_squares to rtol 1e-9), the stats scalars equal numpy's mean, std, zeros and dead fractions
  (float32); weight histograms equal numpy's over the kernels Keras reads from the same file;
- steps and wall times never decrease within a file, ten checkpoints give steps 1..10;
- every record's framing and both masked CRC-32Cs, read by this script's own reader with
  TensorBoard's crc32c (a flipped byte is caught), the file name, the first event (file_version);
- cam: the overlays are the overlay.png files of --out, the heat map images heatmap.npy at 8 bits, the
  score and drop scalars the manifest's; saliency: saliency.png and the score;
- embed: PCA and t-SNE into one run, then a cam into the same run: three events files, the scatter
  plots and the explained variance and KL divergence of the manifests; the merged projector config,
  tensors, metadata and sprite read back through TensorBoard's projector plugin with the runs an
  event multiplexer finds; a projector config it cannot parse is left alone and nothing written;
- failures: a command failing before its first value leaves no file nor folder, a run failing
  part-way leaves nothing either, and `strata tensorboard` failing at the third checkpoint keeps the
  two complete steps before it.
Exits 1 on any failure.
"""
import argparse
import glob
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

import testlib
from testlib import DEFAULT_BINARY, ROOT, Rule

DEMO = os.path.join(ROOT, "Fixtures", "demo")
DEMO_MODEL = os.path.join(DEMO, "digits.keras")
HELDOUT = os.path.join(DEMO, "heldout")
CHECKPOINTS = os.path.join(ROOT, "Fixtures", "generated", "tensorboard-checkpoints")
EPOCHS = 10
TIMEOUT = 900
FILE_NAME = re.compile(r"^events\.out\.tfevents\.\d{10}\.[A-Za-z0-9._-]+\.\d+\.strata(-\d+)?$")
KINDS = [ea.COMPRESSED_HISTOGRAMS, ea.IMAGES, ea.AUDIO, ea.SCALARS, ea.HISTOGRAMS, ea.TENSORS]

KERAS_KERNELS = r"""
import sys
import numpy as np
import keras
for source, target in zip(sys.argv[1::2], sys.argv[2::2]):
    model = keras.models.load_model(source, compile=False)
    np.savez(target, **{layer.name: layer.get_weights()[0] for layer in model.layers
                        if layer.__class__.__name__ in ("Conv2D", "Dense")})
"""


def tensorboard_limits():
    """The bucket limits of TensorBoard's default histogram (histogram.cc InitDefaultBucketsInner)."""
    positive = []
    v = 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(np.finfo(np.float64).max)
    return np.array([-x for x in reversed(positive)] + [0.0] + positive, dtype=np.float64)


LIMITS = tensorboard_limits()


# MARK: reading event files


def records(path):
    """The payloads of a TFRecord file, each length and data CRC checked; raises on any mismatch."""
    with open(path, "rb") as f:
        data = f.read()
    out, at = [], 0
    while at < len(data):
        if len(data) - at < 12:
            raise ValueError(f"{path}: {len(data) - at} bytes left at {at}, a header needs 12")
        header = data[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[at + 8:at + 12])
        if masked_crc32c(header) != length_crc:
            raise ValueError(f"{path}: length CRC mismatch at {at}")
        if len(data) - at - 16 < length:
            raise ValueError(f"{path}: record at {at} claims {length} bytes, {len(data) - at - 16} left")
        payload = data[at + 12:at + 12 + length]
        (data_crc,) = struct.unpack("<I", data[at + 12 + length:at + 16 + length])
        if masked_crc32c(payload) != data_crc:
            raise ValueError(f"{path}: data CRC mismatch at {at}")
        out.append(payload)
        at += 16 + length
    return out


def check_file(c, path, label):
    """Framing, CRCs, file name, first event, monotonic steps and wall times of one events file;
    returns its events."""
    c.check(f"{label}: file name {os.path.basename(path)}", FILE_NAME.match(os.path.basename(path)) is not None)
    try:
        payloads = records(path)
    except ValueError as error:
        c.check(f"{label}: every record's CRCs", False, str(error))
        return []
    c.check(f"{label}: every record's CRCs ({len(payloads)} records)", len(payloads) >= 2, f"{len(payloads)} records")
    events = []
    for payload in payloads:
        event = event_pb2.Event()
        event.ParseFromString(payload)
        events.append(event)
    c.check(f"{label}: first event is file_version brain.Event:2",
            events[0].WhichOneof("what") == "file_version" and events[0].file_version == "brain.Event:2", str(events[0])[:200])
    c.check(f"{label}: other events are summaries", all(e.WhichOneof("what") == "summary" for e in events[1:]))
    steps = [e.step for e in events[1:]]
    times = [e.wall_time for e in events]
    c.check(f"{label}: steps never decrease", all(a <= b for a, b in zip(steps, steps[1:])), str(steps[:40]))
    c.check(f"{label}: wall times never decrease", all(a <= b for a, b in zip(times, times[1:])), str(times[:10]))
    return events


def accumulator(folder):
    acc = ea.EventAccumulator(folder, size_guidance={kind: 0 for kind in KINDS})
    acc.Reload()
    return acc


def only_file(c, folder, label):
    files = sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*")))
    c.exact(f"{label}: one events file in {os.path.basename(folder)}", len(files), 1)
    return files[0] if files else None


# MARK: numpy references


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


def numpy_buckets(values):
    """{upper limit: count} of the non-empty buckets of TensorFlow's default grid: a value goes to
    the first bucket whose limit is greater (std::upper_bound), DBL_MAX into the last."""
    finite = values[np.isfinite(values)].astype(np.float64)
    index = np.minimum(np.searchsorted(LIMITS, finite, side="right"), len(LIMITS) - 1)
    counts = np.bincount(index, minlength=len(LIMITS))
    return {float(LIMITS[i]): int(counts[i]) for i in np.nonzero(counts)[0]}


# The comparisons below use this script's own rules, not the policy's: the references are numpy on
# Strata's own activations, so only summation order differs (float64 sums: rtol 1e-9; the float32
# scalars TensorBoard stores: 2e-7, about 2 ulps). A NaN (a missing or empty value) always fails.
def check_histogram(c, label, histogram, values):
    finite = values[np.isfinite(values)].astype(np.float64)
    limits, counts = list(histogram.bucket_limit), list(histogram.bucket)
    got = {limit: int(count) for limit, count in zip(limits, counts) if count > 0}
    c.exact(f"{label}: non-empty buckets equal numpy's", got, numpy_buckets(values))
    grid = set(LIMITS.tolist())
    c.check(f"{label}: every bucket limit is one of TensorFlow's", all(limit in grid for limit in limits) and limits == sorted(limits))
    c.exact(f"{label}: num", histogram.num, float(finite.size))
    c.exact(f"{label}: min", histogram.min, float(finite.min()))
    c.exact(f"{label}: max", histogram.max, float(finite.max()))
    c.close(f"{label}: sum", histogram.sum, finite.sum(), Rule(rtol=1e-9, atol=1e-12 * np.abs(finite).sum(), nan_equal=False))
    c.close(f"{label}: sum_squares", histogram.sum_squares, (finite * finite).sum(), Rule(rtol=1e-9, nan_equal=False))


def check_statistics(c, label, acc, layer, values, step):
    """The histogram and scalars `stats` logs for `layer` (channels last) against numpy."""
    histograms = acc.Histograms(f"{layer}/activations")
    c.exact(f"{label} {layer}: one activation histogram at step {step}", [h.step for h in histograms], [step])
    check_histogram(c, f"{label} {layer} activations", histograms[0].histogram_value, values)
    finite = values[np.isfinite(values)].astype(np.float64)
    channel_max = values.reshape(-1, values.shape[-1]).max(axis=0)
    dead = float((channel_max <= 0).sum() / channel_max.size) if (values < 0).sum() == 0 else 0.0
    want = {"mean": finite.mean(), "std": finite.std(), "zeros_fraction": float((values == 0).sum() / values.size), "dead_fraction": dead}
    for name, value in want.items():
        scalars = acc.Scalars(f"stats/{layer}/{name}")
        c.exact(f"{label} {layer}: {name} logged once at step {step}", [s.step for s in scalars], [step])
        c.close(f"{label} {layer}: {name} equals numpy's (float32)", scalars[0].value, value, Rule(rtol=2e-7, atol=1e-7 * finite.std(), nan_equal=False))


def keras_kernels(c, pairs, scratch):
    """[(model path, npz path)] → {model: {layer: kernel}} read by Keras in .venv-keras."""
    python = testlib.keras_python()
    subprocess.run([python, "-c", KERAS_KERNELS] + [p for pair in pairs for p in pair], check=True, capture_output=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"})
    return {model: dict(np.load(target)) for model, target in pairs}


def decoded(png):
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


# MARK: the commands


def check_maps(c, scratch, logs):
    picks = [os.path.join(HELDOUT, n) for n in ("017-d3.png", "029-d7.png")]
    inputs = sum((["--image", p] for p in picks), []) + ["--preprocess", "raw"]
    selectors = ["--layer", "conv1", "--layer", "conv3", "--layer", "fc"]
    out = os.path.join(scratch, "maps")
    c.strata(["maps", DEMO_MODEL, *inputs, *selectors, "--overlay", "--out", out, "--quiet",
              "--tensorboard", logs, "--run", "maps", "--step", "4"])
    c.strata(["maps", DEMO_MODEL, *inputs, *selectors, "--overlay", "--out", os.path.join(scratch, "maps-svg"), "--format", "svg",
              "--quiet", "--tensorboard", logs, "--run", "maps-svg", "--step", "4"])
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    want = {}
    for row in manifest["files"]:
        if not row["file"].endswith(".png"):
            continue
        folder, name = os.path.split(row["file"])
        base = row["layer"]
        suffix = name[len(base) + 1:-len(".png")]
        want[f"{base}/{suffix}/{folder}"] = row["file"]
    c.check("maps: pictures of 3 layers × 2 inputs listed", len(want) == 2 * (2 * 5 + 1), str(sorted(want))[:300])
    for run in ("maps", "maps-svg"):
        path = only_file(c, os.path.join(logs, run), f"maps {run}")
        if path:
            check_file(c, path, f"maps {run}")
        acc = accumulator(os.path.join(logs, run))
        tags = acc.Tags()
        c.exact(f"maps {run}: image tags are the pictures of --out", sorted(tags[ea.IMAGES]), sorted(want))
        c.exact(f"maps {run}: no other kinds", (tags[ea.SCALARS], tags[ea.HISTOGRAMS]), ([], []))
        for tag, file in sorted(want.items()):
            events = acc.Images(tag)
            c.exact(f"maps {run} {tag}: one image at step 4", [e.step for e in events], [4])
            if not events:
                continue
            with open(os.path.join(out, file), "rb") as f:
                png = f.read()
            if run == "maps":
                c.check(f"maps {tag}: the PNG of --out, byte for byte", events[0].encoded_image_string == png)
            pixels = decoded(events[0].encoded_image_string)
            c.check(f"maps {run} {tag}: decodes to the pixels of {file}", np.array_equal(pixels, decoded(png)))
            c.exact(f"maps {run} {tag}: recorded size", (events[0].width, events[0].height), (pixels.shape[1], pixels.shape[0]))


def check_stats(c, scratch, logs):
    layers = ["conv1", "pool2", "fc", "predictions"]
    selectors = sum((["--layer", layer] for layer in layers), [])
    c.strata(["stats", DEMO_MODEL, "--images", HELDOUT, "--preprocess", "raw", "--batch", "64", *selectors, "--quiet",
              "--tensorboard", logs, "--run", "stats", "--step", "3"])
    run_dir = os.path.join(scratch, "acts-stats")
    c.strata(["run", DEMO_MODEL, "--images", HELDOUT, "--preprocess", "raw", "--batch", "64", *selectors, "--out", run_dir, "--quiet"])
    acts = captured(run_dir)
    path = only_file(c, os.path.join(logs, "stats"), "stats")
    if path:
        check_file(c, path, "stats")
    acc = accumulator(os.path.join(logs, "stats"))
    tags = acc.Tags()
    c.exact("stats: histogram tags", sorted(tags[ea.HISTOGRAMS]), sorted(f"{layer}/activations" for layer in layers))
    c.exact("stats: scalar tags", sorted(tags[ea.SCALARS]),
            sorted(f"stats/{layer}/{name}" for layer in layers for name in ("mean", "std", "zeros_fraction", "dead_fraction")))
    for layer in layers:
        c.exact(f"stats {layer}: 360 inputs captured", acts[layer].shape[0], 360)
        check_statistics(c, "stats", acc, layer, acts[layer], 3)


def check_filters(c, scratch, logs):
    out = os.path.join(scratch, "filters")
    c.strata(["filters", DEMO_MODEL, "--out", out, "--quiet", "--tensorboard", logs, "--run", "filters"])
    kernels = keras_kernels(c, [(DEMO_MODEL, os.path.join(scratch, "demo-kernels.npz"))], scratch)[DEMO_MODEL]
    path = only_file(c, os.path.join(logs, "filters"), "filters")
    if path:
        check_file(c, path, "filters")
    acc = accumulator(os.path.join(logs, "filters"))
    tags = acc.Tags()
    c.exact("filters: weight histogram tags", sorted(tags[ea.HISTOGRAMS]), sorted(f"{layer}/weights" for layer in kernels))
    images = {layer: f"{layer}/{'kernel' if kernels[layer].ndim == 2 else 'filters'}" for layer in kernels}
    c.exact("filters: image tags", sorted(tags[ea.IMAGES]), sorted(images.values()))
    for layer, kernel in kernels.items():
        histograms = acc.Histograms(f"{layer}/weights")
        c.exact(f"filters {layer}: one weight histogram at step 0", [h.step for h in histograms], [0])
        check_histogram(c, f"filters {layer} weights", histograms[0].histogram_value, kernel)
        suffix = images[layer].split("/")[1]
        with open(os.path.join(out, f"{layer}-{suffix}.png"), "rb") as f:
            png = f.read()
        pictures = acc.Images(images[layer])
        c.check(f"filters {layer}: the {suffix} PNG of --out", len(pictures) == 1 and pictures[0].encoded_image_string == png)


def check_cam(c, scratch, logs):
    """`cam` and `saliency` with --tensorboard: the overlays are the PNGs of --out, the heat maps
    heatmap.npy at 8 bits, the scores and drops the manifest's, per input."""
    picks = [os.path.join(HELDOUT, n) for n in ("017-d3.png", "029-d7.png")]
    inputs = sum((["--image", p] for p in picks), []) + ["--preprocess", "raw"]
    out = os.path.join(scratch, "cam")
    c.strata(["cam", DEMO_MODEL, *inputs, "--layer", "conv3", "--metric", "drop", "--out", out, "--quiet",
              "--tensorboard", logs, "--run", "cam", "--step", "6"])
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    path = only_file(c, os.path.join(logs, "cam"), "cam")
    if path:
        check_file(c, path, "cam")
    acc = accumulator(os.path.join(logs, "cam"))
    tags = acc.Tags()
    names = [os.path.splitext(os.path.basename(p))[0] for p in picks]
    c.exact("cam: image tags", sorted(tags[ea.IMAGES]), sorted(f"conv3/gradcam-{kind}/{n}" for kind in ("overlay", "heatmap") for n in names))
    c.exact("cam: scalar tags", sorted(tags[ea.SCALARS]), sorted(f"cam/conv3/gradcam/{kind}/{n}" for kind in ("score", "drop") for n in names))
    for entry in manifest["images"]:
        n = entry["folder"]
        overlay = acc.Images(f"conv3/gradcam-overlay/{n}")
        c.exact(f"cam {n}: one overlay at step 6", [e.step for e in overlay], [6])
        with open(os.path.join(out, entry["files"]["overlay"]), "rb") as f:
            png = f.read()
        if overlay:
            c.check(f"cam {n}: the overlay is overlay.png of --out, byte for byte", overlay[0].encoded_image_string == png)
            c.check(f"cam {n}: the overlay decodes to its pixels", np.array_equal(decoded(overlay[0].encoded_image_string), decoded(png)))
        heat = acc.Images(f"conv3/gradcam-heatmap/{n}")
        c.exact(f"cam {n}: one heat map at step 6", [e.step for e in heat], [6])
        h = np.load(os.path.join(out, entry["files"]["heatmap"])).astype(np.float32)
        want = np.clip(np.floor(h * np.float32(255) + np.float32(0.5)), 0, 255).astype(np.uint8)
        if heat:
            pixels = decoded(heat[0].encoded_image_string)
            c.check(f"cam {n}: the heat map image is heatmap.npy at 8 bits (grey)",
                    pixels.shape[:2] == h.shape and all(np.array_equal(pixels[:, :, k], want) for k in range(3)),
                    f"{pixels.shape} vs {h.shape}, max diff {np.abs(pixels[:, :, 0].astype(int) - want).max() if pixels.shape[:2] == h.shape else '-'}")
            c.exact(f"cam {n}: heat map recorded size", (heat[0].width, heat[0].height), (h.shape[1], h.shape[0]))
        for kind, value in (("score", entry["score"]), ("drop", entry["metric"]["drop"])):
            scalars = acc.Scalars(f"cam/conv3/gradcam/{kind}/{n}")
            c.exact(f"cam {n}: {kind} at step 6 equals the manifest's (float32)", [(s.step, s.value) for s in scalars],
                    [(6, float(np.float32(value)))])

    out = os.path.join(scratch, "saliency")
    c.strata(["saliency", DEMO_MODEL, "--image", picks[0], "--preprocess", "raw", "--method", "input-x-gradient", "--out", out,
              "--quiet", "--tensorboard", logs, "--run", "saliency", "--step", "2"])
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    acc = accumulator(os.path.join(logs, "saliency"))
    c.exact("saliency: tags", (acc.Tags()[ea.IMAGES], acc.Tags()[ea.SCALARS]), (["saliency/input-x-gradient"], ["saliency/input-x-gradient-score"]))
    with open(os.path.join(out, "saliency.png"), "rb") as f:
        png = f.read()
    images = acc.Images("saliency/input-x-gradient")
    c.check("saliency: the picture is saliency.png of --out at step 2",
            [(e.step, e.encoded_image_string) for e in images] == [(2, png)])
    c.exact("saliency: the score is the manifest's", [(s.step, s.value) for s in acc.Scalars("saliency/input-x-gradient-score")],
            [(2, float(np.float32(manifest["score"])))])


def projector(logdir):
    """GET route → (status, body) of TensorBoard's projector plugin over `logdir`, with the runs
    TensorBoard itself would find (an event multiplexer and its data provider)."""
    from tensorboard.backend import application  # noqa: F401  (the plugin imports it)
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.projector import projector_plugin
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    context = base_plugin.TBContext(logdir=logdir, multiplexer=multiplexer,
                                    data_provider=data_provider.MultiplexerDataProvider(multiplexer, logdir))
    apps = projector_plugin.ProjectorPlugin(context).get_plugin_apps()

    def get(route, **query):
        response = Client(apps[route], Response).get(route, query_string=query)
        return response.status_code, response.get_data()
    return get


def check_embed(c, scratch, logs):
    """`embed` with --tensorboard, twice into one run (PCA then t-SNE, both at step 1), then `cam`
    into the same run: the events of all three, and the projector files read by TensorBoard's
    projector plugin (its config parser, tensor, metadata and sprite readers)."""
    common = ["--images", HELDOUT, "--preprocess", "raw", "--layer", "fc", "--labels", os.path.join(DEMO, "labels.csv"), "--quiet"]
    outs = {}
    for method, extra in (("pca", ["--thumbnails"]), ("tsne", [])):
        outs[method] = os.path.join(scratch, f"embed-{method}")
        c.strata(["embed", DEMO_MODEL, *common, "--method", method, *extra, "--out", outs[method],
                  "--tensorboard", logs, "--run", "embed", "--step", "1"])
    run = os.path.join(logs, "embed")
    with open(os.path.join(run, "projector_config.pbtxt"), "rb") as f:
        config_before = f.read()
    c.strata(["cam", DEMO_MODEL, "--image", os.path.join(HELDOUT, "017-d3.png"), "--preprocess", "raw", "--out",
              os.path.join(scratch, "cam-embed"), "--quiet", "--tensorboard", logs, "--run", "embed", "--step", "1"])
    with open(os.path.join(run, "projector_config.pbtxt"), "rb") as f:
        c.check("embed: a cam into the same run leaves the projector config as it was", f.read() == config_before)
    files = sorted(glob.glob(os.path.join(run, "events.out.tfevents.*")))
    c.exact("embed: three commands, three events files in the run", len(files), 3)
    for path in files:
        check_file(c, path, f"embed run {os.path.basename(path)}")
    acc = accumulator(run)
    tags = acc.Tags()
    c.exact("embed: image tags (two scatter plots and the CAM)", sorted(tags[ea.IMAGES]),
            sorted(["fc/pca-scatter", "fc/tsne-scatter", "conv4/gradcam-overlay", "conv4/gradcam-heatmap"]))
    manifests = {}
    for method, out in outs.items():
        with open(os.path.join(out, "manifest.json")) as f:
            manifests[method] = json.load(f)
        with open(os.path.join(out, "scatter.png"), "rb") as f:
            png = f.read()
        images = acc.Images(f"fc/{method}-scatter")
        c.check(f"embed {method}: the scatter plot is scatter.png of --out at step 1", [(e.step, e.encoded_image_string) for e in images] == [(1, png)])
    pca = manifests["pca"]["method"]
    want = {"embed/fc/tsne/kl_divergence": manifests["tsne"]["method"]["klDivergence"], "cam/conv4/gradcam/score": None}
    for k, (variance, ratio) in enumerate(zip(pca["explainedVariance"], pca["explainedVarianceRatio"]), 1):
        want[f"embed/fc/pca/explained_variance/PC{k}"] = variance
        want[f"embed/fc/pca/explained_variance_ratio/PC{k}"] = ratio
    c.exact("embed: scalar tags", sorted(tags[ea.SCALARS]), sorted(want))
    for tag, value in want.items():
        if value is not None:
            c.exact(f"embed: {tag} at step 1 equals the manifest's (float32)", [(s.step, s.value) for s in acc.Scalars(tag)],
                    [(1, float(np.float32(value)))])

    get = projector(logs)
    status, body = get("/runs")
    c.exact("projector: the plugin lists the run with embeddings", (status, json.loads(body) if status == 200 else body), (200, ["embed"]))
    status, body = get("/info", run="embed")
    info = json.loads(body) if status == 200 else {}
    names = [e["tensorName"] for e in info.get("embeddings", [])]
    # t-SNE's features have the name of PCA's (the same layer at the same step): they replace them.
    c.exact("projector: the merged config parsed by the plugin", names, ["fc PCA (step 1)", "fc t-SNE (step 1)", "fc (step 1)"])
    with open(os.path.join(DEMO, "labels.csv")) as f:
        labels = {row.split(",")[0]: row.split(",")[1] for row in f.read().splitlines()[1:]}
    features = np.fromfile(os.path.join(outs["tsne"], "projector", "features.bytes"), dtype="<f4")
    for name, want_tensor in (("fc PCA (step 1)", np.load(os.path.join(outs["pca"], "embedding.npy"))),
                              ("fc t-SNE (step 1)", np.load(os.path.join(outs["tsne"], "embedding.npy"))),
                              ("fc (step 1)", features.reshape(360, -1))):
        status, body = get("/tensor", run="embed", name=name)
        tensor = np.frombuffer(body, dtype=np.float32) if status == 200 else np.zeros(0)
        c.check(f"projector: tensor '{name}' {want_tensor.shape} read back equal to --out's",
                tensor.size == want_tensor.size and np.array_equal(tensor.reshape(want_tensor.shape), want_tensor.astype(np.float32)),
                f"status {status}, {tensor.size} values")
        status, body = get("/metadata", run="embed", name=name)
        lines = body.decode().splitlines() if status == 200 else []
        files = sorted(os.listdir(HELDOUT))
        c.check(f"projector: metadata of '{name}' has the header and the labels of labels.csv",
                lines[:1] == ["label\tfile"] and [l.split("\t")[0] for l in lines[1:]] == [labels[f"heldout/{n}"] for n in files],
                str(lines[:3]))
    status, body = get("/sprite_image", run="embed", name="fc PCA (step 1)")
    with open(os.path.join(outs["pca"], "projector", "sprite.png"), "rb") as f:
        c.check("projector: the sprite is the one of --out", status == 200 and body == f.read(), f"status {status}")
    c.check("projector: the sprite is at most 8192 px a side", status == 200 and max(Image.open(io.BytesIO(body)).size) <= 8192)

    # A config it cannot read is left as it was, and the command fails before writing anything.
    broken_logs = os.path.join(scratch, "broken-logs")
    os.makedirs(broken_logs)
    with open(os.path.join(broken_logs, "projector_config.pbtxt"), "w") as f:
        f.write('embeddings { tensor_path: "x.tsv"\n')
    result = c.strata(["embed", DEMO_MODEL, *common, "--method", "pca", "--out", os.path.join(scratch, "embed-broken"),
                       "--tensorboard", broken_logs], check=False)
    c.exact("embed into a log with a broken projector config: exit 1", result.returncode, 1)
    c.check("embed into a log with a broken projector config: the error names the file",
            "projector_config.pbtxt: not a projector config" in result.stderr, result.stderr[-300:])
    c.exact("embed into a log with a broken projector config: nothing written", (sorted(os.listdir(broken_logs)),
            os.path.exists(os.path.join(scratch, "embed-broken"))), (["projector_config.pbtxt"], False))


def make_checkpoints(c):
    paths = [os.path.join(CHECKPOINTS, f"model_epoch_{epoch:02d}.h5") for epoch in range(1, EPOCHS + 1)]
    if not all(os.path.exists(p) for p in paths):
        python = testlib.keras_python()
        subprocess.run([python, os.path.join(ROOT, "Tools", "make-tensorboard-checkpoints.py"), CHECKPOINTS], check=True,
                       capture_output=True, timeout=TIMEOUT)
    return paths


def check_checkpoints(c, scratch, logs, checkpoints):
    layers = ["conv1", "conv2", "conv3", "conv4", "fc"]
    shuffled = [checkpoints[i] for i in (3, 9, 0, 7, 1, 5, 2, 8, 4, 6)]
    result = c.strata(["tensorboard", *shuffled, "--images", HELDOUT, "--preprocess", "raw", "--batch", "60",
                       "--layer", "conv*", "--layer", "fc", "--max-maps", "2", "--cam", "gradcam", "--cam-layer", "conv3",
                       "--logdir", logs, "--run", "train"])
    c.check("tensorboard: progress names each checkpoint on stderr",
            all(f"{os.path.basename(p)} → step {n}" in result.stderr for n, p in enumerate(checkpoints, 1)), result.stderr[-400:])
    path = only_file(c, os.path.join(logs, "train"), "tensorboard")
    if path:
        events = check_file(c, path, "tensorboard")
        c.exact("tensorboard: steps in file order", sorted(set(e.step for e in events[1:])), list(range(1, EPOCHS + 1)))
    acc = accumulator(os.path.join(logs, "train"))
    tags = acc.Tags()
    firsts = sorted(os.listdir(HELDOUT))[:2]
    inputs = [os.path.splitext(f)[0] for f in firsts]
    want_images = sorted([f"{layer}/{kind}/{i}" for layer in layers[:4] for kind in ("grid", "mean", "max") for i in inputs]
                         + [f"fc/bars/{i}" for i in inputs]
                         + [f"conv3/gradcam-{kind}/{i}" for kind in ("overlay", "heatmap") for i in inputs])
    c.exact("tensorboard: image tags (maps of the first 2 inputs)", sorted(tags[ea.IMAGES]), want_images)
    c.exact("tensorboard: histogram tags", sorted(tags[ea.HISTOGRAMS]),
            sorted([f"{layer}/activations" for layer in layers] + [f"{layer}/weights" for layer in layers]))
    c.exact("tensorboard: scalar tags", sorted(tags[ea.SCALARS]),
            sorted([f"stats/{layer}/{name}" for layer in layers for name in ("mean", "std", "zeros_fraction", "dead_fraction")]
                   + [f"cam/conv3/gradcam/score/{i}" for i in inputs]))
    steps = list(range(1, EPOCHS + 1))
    every = [(tag, [e.step for e in acc.Images(tag)]) for tag in tags[ea.IMAGES]]
    every += [(tag, [e.step for e in acc.Histograms(tag)]) for tag in tags[ea.HISTOGRAMS]]
    every += [(tag, [e.step for e in acc.Scalars(tag)]) for tag in tags[ea.SCALARS]]
    wrong = [(tag, got) for tag, got in every if got != steps]
    c.check(f"tensorboard: ten checkpoints give steps 1..10 for all {len(every)} tags", not wrong and every, str(wrong[:3]))
    images = acc.Images(f"conv1/grid/{inputs[0]}")
    c.check("tensorboard: the feature maps change over training",
            len({e.encoded_image_string for e in images}) == EPOCHS, f"{len({e.encoded_image_string for e in images})} distinct")

    pairs = [(p, os.path.join(scratch, f"kernels-{n}.npz")) for n, p in enumerate(checkpoints, 1)]
    kernels = keras_kernels(c, pairs, scratch)
    for step, checkpoint in enumerate(checkpoints, 1):
        for layer in layers:
            histogram = [h for h in acc.Histograms(f"{layer}/weights") if h.step == step]
            if len(histogram) == 1:
                check_histogram(c, f"tensorboard step {step} {layer} weights", histogram[0].histogram_value, kernels[checkpoint][layer])
    for step in (1, EPOCHS):
        run_dir = os.path.join(scratch, f"acts-epoch-{step}")
        c.strata(["run", checkpoints[step - 1], "--images", HELDOUT, "--preprocess", "raw", "--batch", "60",
                  "--layer", "conv*", "--layer", "fc", "--out", run_dir, "--quiet"])
        acts = captured(run_dir)
        for layer in layers:
            histogram = [h for h in acc.Histograms(f"{layer}/activations") if h.step == step]
            c.exact(f"tensorboard step {step} {layer}: one activation histogram", len(histogram), 1)
            if histogram:
                check_histogram(c, f"tensorboard step {step} {layer} activations", histogram[0].histogram_value, acts[layer])
            scalars = [s for s in acc.Scalars(f"stats/{layer}/mean") if s.step == step]
            finite = acts[layer].astype(np.float64)
            c.close(f"tensorboard step {step} {layer}: mean", scalars[0].value if scalars else np.nan, finite.mean(), Rule(rtol=2e-7, nan_equal=False))
        # --cam: the step's CAM of each drawn input is what `strata cam` gives on that checkpoint for
        # the same batches (float32 sums in another order could move a pixel by a level).
        out = os.path.join(scratch, f"cam-epoch-{step}")
        c.strata(["cam", checkpoints[step - 1], "--images", HELDOUT, "--batch", "60", "--preprocess", "raw", "--layer", "conv3",
                  "--out", out, "--quiet"])
        with open(os.path.join(out, "manifest.json")) as f:
            entries = {e["folder"]: e for e in json.load(f)["images"]}
        for i in inputs:
            manifest = entries[i]
            with open(os.path.join(out, i, "overlay.png"), "rb") as f:
                png = f.read()
            overlay = [e for e in acc.Images(f"conv3/gradcam-overlay/{i}") if e.step == step]
            c.check(f"tensorboard step {step} --cam {i}: the overlay is strata cam's", [e.encoded_image_string for e in overlay] == [png])
            c.exact(f"tensorboard step {step} --cam {i}: the score is strata cam's",
                    [s.value for s in acc.Scalars(f"cam/conv3/gradcam/score/{i}") if s.step == step], [float(np.float32(manifest["score"]))])
    overlays = {e.encoded_image_string for e in acc.Images(f"conv3/gradcam-overlay/{inputs[0]}")}
    c.check("tensorboard: the CAMs change over training", len(overlays) > EPOCHS // 2, f"{len(overlays)} distinct of {EPOCHS}")


def check_failures(c, scratch, checkpoints):
    # Fails before its first value: nothing at all in the log folder's place.
    logs = os.path.join(scratch, "fail-logs")
    result = c.strata(["maps", DEMO_MODEL, "--image", os.path.join(scratch, "missing.png"), "--layer", "conv1",
                       "--out", os.path.join(scratch, "fail-maps"), "--tensorboard", logs], check=False)
    c.exact("failure before the first value: exit 1", result.returncode, 1)
    c.check("failure before the first value: no log folder", not os.path.exists(logs), str(os.listdir(logs)) if os.path.exists(logs) else "")

    # Fails part-way: the third of three images is corrupt and --strict stops there, after the
    # pictures of the first two were logged; the run's events are removed with it.
    images = os.path.join(scratch, "three")
    os.makedirs(images)
    for name in ("017-d3.png", "029-d7.png"):
        shutil.copy(os.path.join(HELDOUT, name), images)
    with open(os.path.join(HELDOUT, "023-d8.png"), "rb") as f:
        png = f.read()
    with open(os.path.join(images, "zz-broken.png"), "wb") as f:
        f.write(png[:len(png) // 2])
    result = c.strata(["maps", DEMO_MODEL, "--images", images, "--strict", "--preprocess", "raw", "--layer", "conv*",
                       "--overlay-channels", "--out", os.path.join(scratch, "fail-maps"), "--tensorboard", logs, "--run", "r"],
                      check=False)
    c.exact("failure part-way: exit 1", result.returncode, 1)
    c.check("failure part-way: no events file, no log folder", not os.path.exists(logs))

    # strata tensorboard fails at its third checkpoint: the two complete steps stay, readable.
    folder = os.path.join(scratch, "ckpts")
    os.makedirs(folder)
    for path in checkpoints[:2]:
        shutil.copy(path, folder)
    with open(checkpoints[2], "rb") as f:
        data = f.read()
    with open(os.path.join(folder, os.path.basename(checkpoints[2])), "wb") as f:
        f.write(data[:len(data) // 3])
    result = c.strata(["tensorboard", *sorted(glob.glob(os.path.join(folder, "*.h5"))), "--image", os.path.join(HELDOUT, "017-d3.png"),
                       "--preprocess", "raw", "--layer", "conv1", "--logdir", logs, "--quiet"], check=False)
    c.exact("tensorboard failing at checkpoint 3: exit 1", result.returncode, 1)
    c.check("tensorboard failing at checkpoint 3: the error names it",
            os.path.basename(checkpoints[2]) in result.stderr.strip().splitlines()[-1], result.stderr[-300:])
    path = only_file(c, logs, "tensorboard failing at checkpoint 3")
    if path:
        events = check_file(c, path, "tensorboard failing at checkpoint 3")
        c.exact("tensorboard failing at checkpoint 3: steps 1 and 2 kept", sorted(set(e.step for e in events[1:])), [1, 2])
        acc = accumulator(logs)
        c.exact("tensorboard failing at checkpoint 3: TensorBoard reads steps 1 and 2",
                [s.step for s in acc.Scalars("stats/conv1/mean")], [1, 2])
        # The reader above catches a flipped byte.
        broken = os.path.join(scratch, "flipped")
        with open(path, "rb") as f:
            data = bytearray(f.read())
        data[len(data) // 2] ^= 0x10
        with open(broken, "wb") as f:
            f.write(data)
        try:
            records(broken)
            c.check("a flipped byte fails a CRC check", False, "read without error")
        except ValueError as error:
            c.check("a flipped byte fails a CRC check", "CRC" in str(error), str(error))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(args.strata):
        sys.exit(f"error: {args.strata} not found; run `make build` first")
    c = testlib.Checker(args.strata, args.verbose, timeout=TIMEOUT)
    checkpoints = make_checkpoints(c)
    with tempfile.TemporaryDirectory(prefix="strata-tensorboard-") as scratch:
        logs = os.path.join(scratch, "logs")
        check_maps(c, scratch, logs)
        check_stats(c, scratch, logs)
        check_filters(c, scratch, logs)
        check_cam(c, scratch, logs)
        check_embed(c, scratch, logs)
        check_checkpoints(c, scratch, logs, checkpoints)
        check_failures(c, scratch, checkpoints)
    print(c.summary("test-tensorboard"))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
