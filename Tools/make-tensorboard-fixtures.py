#!/usr/bin/env python3
"""Writes the reference files of Strata's TensorBoard writer tests into Fixtures/tensorboard/.

    python3 Tools/make-tensorboard-fixtures.py

Runs with the system python3 and the pinned tensorboard of Tools/requirements-tensorboard.txt; the
histogram reference runs TensorFlow (tf.compat.v1.summary.histogram) in .venv-keras/
(Tools/keras/setup-venv.sh). Everything is deterministic (fixed payloads, wall times, seeded values).

  records.json, records.bin   payloads and the TFRecord file TensorBoard's own RecordWriter frames them
                              into (masked CRC-32C of the length and of the data)
  tiny.png                    a 3x2 RGB PNG written by Pillow
  events.json, events.bin     the values of a small events file (a file_version event, then a scalar,
                              an image and a histogram event at fixed steps and wall times) and that
                              file as TensorBoard's RecordWriter writes the events serialized by
                              TensorBoard's own event_pb2 (proto3, as TensorFlow's event.proto)
  tf-histogram.json           float32 values and the HistogramProto TensorFlow's HistogramSummary kernel
                              makes of them (core/lib/histogram: default buckets, empty runs collapsed)
"""
import io
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

from testlib import ROOT
OUT = os.path.join(ROOT, "Fixtures", "tensorboard")
SEED = 20261213

TF_HISTOGRAM = r"""
import json, sys, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
values = np.array(json.load(open(sys.argv[1]))["values"], dtype=np.float32)
summary = tf.compat.v1.Summary()
summary.ParseFromString(tf.compat.v1.summary.histogram("h", tf.constant(values)).numpy())
h = summary.value[0].histo
json.dump({"min": h.min, "max": h.max, "num": h.num, "sum": h.sum, "sum_squares": h.sum_squares,
           "bucket_limit": list(h.bucket_limit), "bucket": list(h.bucket)}, sys.stdout)
"""


def framed(payloads):
    buffer = io.BytesIO()
    writer = RecordWriter(buffer)
    for payload in payloads:
        writer.write(payload)
    return buffer.getvalue()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)

    payloads = [b"", b"a", b"123456789", bytes(i % 256 for i in range(300))]
    with open(os.path.join(OUT, "records.json"), "w") as f:
        json.dump({"payloads": [p.hex() for p in payloads]}, f, indent=1)
        f.write("\n")
    write("records.bin", framed(payloads))

    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]], [[0, 0, 0], [128, 128, 128], [255, 255, 255]]], np.uint8)
    png = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(png, format="PNG")
    write("tiny.png", png.getvalue())

    spec = {
        "file_version": {"wall_time": 1700000000.25},
        "events": [
            {"step": 3, "wall_time": 1700000000.5, "scalar": {"tag": "stats/conv1/mean", "value": 0.125}},
            {"step": 3, "wall_time": 1700000001.0,
             "image": {"tag": "conv1/grid", "file": "tiny.png", "width": 3, "height": 2, "channels": 3}},
            {"step": 7, "wall_time": 1700000002.0,
             "histogram": {"tag": "conv1/activations", "min": -1.5, "max": 2.0, "num": 6, "sum": 1.25, "sum_squares": 9.5,
                           "bucket_limit": [-1.0, 0.0, 1e-12, 2.5, 1.7976931348623157e308], "bucket": [2, 0, 1, 3, 0]}},
        ],
    }
    with open(os.path.join(OUT, "events.json"), "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
    events = [event_pb2.Event(wall_time=spec["file_version"]["wall_time"], file_version="brain.Event:2")]
    for item in spec["events"]:
        value = summary_pb2.Summary.Value()
        if "scalar" in item:
            value.tag = item["scalar"]["tag"]
            value.simple_value = item["scalar"]["value"]
        elif "image" in item:
            image = item["image"]
            value.tag = image["tag"]
            value.image.CopyFrom(summary_pb2.Summary.Image(
                width=image["width"], height=image["height"], colorspace=image["channels"],
                encoded_image_string=png.getvalue()))
        else:
            h = item["histogram"]
            value.tag = h["tag"]
            value.histo.min, value.histo.max, value.histo.num = h["min"], h["max"], h["num"]
            value.histo.sum, value.histo.sum_squares = h["sum"], h["sum_squares"]
            value.histo.bucket_limit.extend(h["bucket_limit"])
            value.histo.bucket.extend(h["bucket"])
        events.append(event_pb2.Event(wall_time=item["wall_time"], step=item["step"], summary=summary_pb2.Summary(value=[value])))
    write("events.bin", framed([e.SerializeToString() for e in events]))

    # Activation-like values: zeros (both signs), negatives, tiny and huge magnitudes, exact limits.
    rng = np.random.default_rng(SEED)
    values = np.concatenate([
        rng.normal(0, 1, 200), np.maximum(rng.normal(0.5, 2, 200), 0), rng.uniform(-1e-9, 1e-9, 20),
        np.array([0.0, -0.0, 1e-12, -1e-12, 3e6, -7e15, 1.0, 1.1, 1.21]),
    ]).astype(np.float32)
    values_path = os.path.join(OUT, "tf-histogram.json")
    with open(values_path, "w") as f:
        json.dump({"values": [float(v) for v in values]}, f)
    python = subprocess.run(["bash", os.path.join(ROOT, "Tools", "keras", "setup-venv.sh")], capture_output=True, text=True,
                            check=True).stdout.strip().splitlines()[-1]
    result = subprocess.run([python, "-c", TF_HISTOGRAM, values_path], capture_output=True, text=True, check=True)
    reference = json.loads(result.stdout)
    with open(values_path, "w") as f:
        json.dump({"values": [float(v) for v in values], "tensorflow": reference}, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: records, events, tiny.png, tf-histogram.json ({len(reference['bucket'])} TensorFlow buckets)")


if __name__ == "__main__":
    sys.exit(main())
