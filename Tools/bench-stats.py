#!/usr/bin/env python3
"""Speed of `strata stats` against a plain `strata run` over the same image batches.

    Tools/bench-stats.py [--images 1000] [--batch 1] [--rounds 3] [--threads 2] [--model mobilenet_v2]

Makes (once) a folder of JPEG images of 224x224 pixels, crops of scikit-image's sample photographs
(Fixtures/generated/stats-bench/images/), and the torchvision model's ONNX export through Tools/bench's
exporter (batch 1, as Tools/bench exports it). Then, alternating for --rounds rounds, times
    strata run   MODEL --images DIR --batch B --preprocess torchvision --out TMP --quiet   (the model's output only)
    strata stats MODEL --images DIR --batch B --preprocess torchvision --json --quiet    (every layer's statistics)
and prints both medians (wall time) and the speed of stats relative to run (run time / stats time:
1.0 means stats costs nothing over the forward passes; the target is >= 0.90). The CPU model and the
instruction sets the kernels use are printed with the numbers.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
from testlib import DEFAULT_BINARY, ROOT
sys.path.insert(0, os.path.join(HERE, "parity"))
STRATA = DEFAULT_BINARY
FOLDER = os.path.join(ROOT, "Fixtures", "generated", "stats-bench")


def make_images(count):
    import numpy as np
    from PIL import Image
    import skimage.data as data
    folder = os.path.join(FOLDER, "images")
    if os.path.isdir(folder) and len(os.listdir(folder)) == count:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    photos = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket(), data.camera(), data.immunohistochemistry()]
    photos = [p if p.ndim == 3 else np.stack([p] * 3, axis=-1) for p in photos]
    rng = np.random.default_rng(1000)
    for i in range(count):
        photo = photos[i % len(photos)]
        h, w = photo.shape[:2]
        side = int(rng.integers(224, min(h, w) + 1))
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        crop = Image.fromarray(photo[y:y + side, x:x + side, :3]).resize((224, 224), Image.BILINEAR)
        if rng.random() < 0.5:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        crop.save(os.path.join(folder, f"{i:05d}.jpg"), quality=90)
    return folder


def cpu_description():
    model = platform.processor() or "unknown CPU"
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("", "unknown CPU", platform.machine()):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = line
                    break
    except OSError:
        pass
    isa = "AVX-512" if " avx512f" in flags else ("AVX2+FMA" if " avx2" in flags and " fma" in flags else platform.machine())
    return f"{model}, {isa}"


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=1, help="images per run (the bench exports take batch 1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default="mobilenet_v2")
    parser.add_argument("--strata", default=STRATA)
    args = parser.parse_args()

    images = make_images(args.images)
    model = os.path.join(ROOT, "Fixtures", "generated", "bench", args.model, "model.onnx")
    if not os.path.exists(model):
        subprocess.run([sys.executable, os.path.join(HERE, "bench"), "--model", args.model, "--runs", "1", "--rounds", "1",
                        "--no-verify"], check=True, stdout=subprocess.DEVNULL)
    common = ["--images", images, "--batch", str(args.batch), "--preprocess", "torchvision", "--threads", str(args.threads), "--quiet"]
    runs, stats = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for r in range(args.rounds):
            out = os.path.join(scratch, f"run{r}")
            runs.append(timed([args.strata, "run", model, *common, "--out", out]))
            shutil.rmtree(out, ignore_errors=True)
            stats.append(timed([args.strata, "stats", model, *common, "--json"]))
    run_s, stats_s = statistics.median(runs), statistics.median(stats)
    print(f"{args.model}, {args.images} images of 224x224, batch {args.batch}, {args.threads} threads, {args.rounds} alternating rounds; {cpu_description()}")
    print(f"strata run   (output only)      : {run_s:7.2f} s  ({1000 * run_s / args.images:.2f} ms/image)")
    print(f"strata stats (every layer)      : {stats_s:7.2f} s  ({1000 * stats_s / args.images:.2f} ms/image)")
    print(f"stats speed relative to run     : {run_s / stats_s:.3f} (target >= 0.90)")
    try:
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
