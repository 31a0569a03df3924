#!/usr/bin/env python3
"""Checks `strata preprocess` against the Python pipelines its presets name, on real photographs.

    python3 Tools/test-preprocess.py [--strata PATH] [-v]

For each photograph of Fixtures/images × each preset, the tensor `strata preprocess IMAGE --model M
--preprocess P -o x.npy` writes is compared with:
- keras-caffe / keras-tf / keras-torch: keras.utils.load_img(path, target_size=(224, 224)) + img_to_array +
  keras.applications.imagenet_utils.preprocess_input(mode=caffe/tf/torch), run in .venv-keras
  (Tools/keras/setup-venv.sh); raw and unit: the same load_img array, and it divided by 255;
- torchvision: Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet) on Image.open(p).convert("RGB").
Models are tiny ONNX files made here with onnx.helper: float32[1, 224, 224, 3] (NHWC, Keras presets),
float32[1, 3, 224, 224] (NCHW, torchvision), float32[N, 3, H, W] (symbolic: --size), float32[1, 1, 28, 28]
(grey), float16[1, 3, 64, 64], and a two-input model for `strata run`. Explicit option combinations are
checked against the torchvision/Keras calls they correspond to.

Pass criterion (issue 9): every element within 1/255 of the reference's value range, and bit-identical
wherever no resampling happens. Strata resamples bit-exactly like Pillow, so in practice every element is
identical; the script prints the largest absolute difference found and how many comparisons were
bit-identical. Bad inputs: an unreadable or truncated image is exit 1 with one `strata: error: <file>: …`
line; a folder with bad images runs (exit 0), names each on stderr and in the summary; --strict makes the
first one fatal; absurd option values are refused before anything is allocated.
Exits 1 on any failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper
from PIL import Image

import testlib
from testlib import DEFAULT_BINARY, ROOT

IMAGES = os.path.join(ROOT, "Fixtures", "images")
PHOTOS = ["astronaut.jpg", "chelsea.png", "coffee.jpg", "coffee-progressive.jpg", "camera.png", "rocket.jpg",
          "portrait.jpg", "cmyk.jpg"]
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
TIMEOUT = 120

KERAS_SCRIPT = r"""
import json, sys
import numpy as np
import keras
from keras.applications import imagenet_utils
requests = json.load(open(sys.argv[1]))
arrays = {}
for key, r in requests.items():
    image = keras.utils.load_img(r["path"], color_mode=r.get("color_mode", "rgb"), target_size=tuple(r["size"]),
                                 interpolation=r.get("interpolation", "nearest"), keep_aspect_ratio=r.get("keep_aspect", False))
    x = keras.utils.img_to_array(image)[None]
    mode = r.get("mode")
    if mode in ("caffe", "tf", "torch"):
        x = imagenet_utils.preprocess_input(x, data_format="channels_last", mode=mode)
    elif mode == "unit":
        x = x / 255.0
    arrays[key] = x
np.savez(sys.argv[2], **arrays)
"""


class Checker:
    def __init__(self, binary, verbose):
        self.binary = binary
        self.verbose = verbose
        self.failures = []
        self.max_abs = 0.0
        self.compared = 0
        self.identical = 0

    def strata(self, arguments):
        return testlib.run_strata(self.binary, arguments, TIMEOUT)

    def fail(self, name, why):
        self.failures.append(f"{name}: {why}")
        print(f"FAIL {name}: {why}")

    def preprocess(self, name, image, model, options, out_dir):
        out = os.path.join(out_dir, name.replace(" ", "_").replace("/", "_") + ".npy")
        result = self.strata(["preprocess", image, "--model", model, "-o", out, "--quiet"] + options)
        if result.returncode != 0:
            self.fail(name, f"strata exited {result.returncode}: {result.stderr.strip()}")
            return None
        return np.load(out)

    def compare(self, name, got, want, exact=False):
        """Within 1/255 of the reference's range everywhere; bit-identical when `exact`."""
        if got is None:
            return
        want = np.ascontiguousarray(want)
        got = None if got is None else np.ascontiguousarray(got)
        if got.shape != want.shape or got.dtype != want.dtype:
            self.fail(name, f"got {got.dtype}{list(got.shape)}, reference {want.dtype}{list(want.shape)}")
            return
        value_range = float(want.max() - want.min()) if want.size else 0.0
        # Its own rule, not the policy's: decoders and resamplers may round each pixel differently, by
        # up to one 8-bit level, which after scaling is 1/255 of the reference's range.
        c = testlib.compare(got, want, testlib.Rule(rtol=0, atol=value_range / 255))
        worst = c.max_abs_err
        identical = bool(np.array_equal(got.view(np.uint8), want.view(np.uint8)))
        self.compared += 1
        self.identical += identical
        self.max_abs = max(self.max_abs, worst)
        if exact and not identical:
            self.fail(name, f"no resampling, yet not bit-identical (max abs diff {worst:.3g})")
        elif not c.ok:
            self.fail(name, f"max abs diff {worst:.3g} > range/255 = {value_range / 255:.3g}; {c.describe()}")
        elif self.verbose:
            print(f"ok   {name}: max abs diff {worst:.3g}{' (bit-identical)' if identical else ''}")


def make_model(path, name, elem_type, shape, second=None):
    """An ONNX model whose input `name` goes through Identity (and a Mul by `second` when given)."""
    inputs = [helper.make_tensor_value_info(name, elem_type, shape)]
    if second:
        inputs.append(helper.make_tensor_value_info(second, TensorProto.FLOAT, [1]))
        node = helper.make_node("Mul", [name, second], ["out"], name="scale")
    else:
        node = helper.make_node("Identity", [name], ["out"], name="identity")
    graph = helper.make_graph([node], "g", inputs, [helper.make_tensor_value_info("out", elem_type, shape)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def keras_references(requests, work):
    python = testlib.keras_python()
    request_file = os.path.join(work, "keras-requests.json")
    with open(request_file, "w") as f:
        json.dump(requests, f)
    out = os.path.join(work, "keras-references.npz")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
    result = subprocess.run([python, "-c", KERAS_SCRIPT, request_file, out], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit("Keras references failed:\n" + result.stderr)
    return dict(np.load(out))


def torchvision_reference(path, resize=256, crop=224, interpolation=None, mean=MEAN, std=STD, to_rgb=True):
    import torch
    from torchvision import transforms

    steps = []
    if resize is not None:
        steps.append(transforms.Resize(resize, interpolation=interpolation or transforms.InterpolationMode.BILINEAR))
    if crop is not None:
        steps.append(transforms.CenterCrop(crop))
    steps += [transforms.ToTensor()]
    if mean is not None:
        steps.append(transforms.Normalize(mean, std))
    image = Image.open(path)
    image = image.convert("RGB") if to_rgb else image
    with torch.no_grad():
        return transforms.Compose(steps)(image).numpy()[None]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(args.strata):
        sys.exit(f"no strata binary at {args.strata} (make build)")
    check = Checker(args.strata, args.verbose)
    work = tempfile.mkdtemp(prefix="strata-preprocess-")
    try:
        run_checks(check, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{check.compared} comparisons, {check.identical} bit-identical, max abs diff {check.max_abs:.3g}")
    print(f"{check.compared - len(check.failures)} passed, {len(check.failures)} failed")
    sys.exit(1 if check.failures else 0)


def run_checks(check, work):
    from torchvision.transforms import InterpolationMode

    nhwc = make_model(os.path.join(work, "nhwc.onnx"), "image", TensorProto.FLOAT, [1, 224, 224, 3])
    nchw = make_model(os.path.join(work, "nchw.onnx"), "image", TensorProto.FLOAT, [1, 3, 224, 224])
    symbolic = make_model(os.path.join(work, "symbolic.onnx"), "image", TensorProto.FLOAT, ["N", 3, "H", "W"])
    grey = make_model(os.path.join(work, "grey.onnx"), "image", TensorProto.FLOAT, [1, 1, 28, 28])
    half = make_model(os.path.join(work, "half.onnx"), "image", TensorProto.FLOAT16, [1, 3, 64, 64])
    two = make_model(os.path.join(work, "two.onnx"), "image", TensorProto.FLOAT, [1, 3, 64, 64], second="gain")
    # Images already at the model's size: no resampling, so results must be bit-identical.
    exact224 = os.path.join(work, "astronaut-224.png")
    Image.open(os.path.join(IMAGES, "astronaut.jpg")).resize((224, 224), Image.Resampling.LANCZOS).save(exact224)
    exact256 = os.path.join(work, "chelsea-256.png")
    Image.open(os.path.join(IMAGES, "coffee.jpg")).resize((300, 256), Image.Resampling.LANCZOS).save(exact256)

    keras_modes = {"keras-caffe": "caffe", "keras-tf": "tf", "keras-torch": "torch", "raw": None, "unit": "unit"}
    requests = {}
    for photo in PHOTOS + [exact224]:
        path = photo if os.path.isabs(photo) else os.path.join(IMAGES, photo)
        for preset, mode in keras_modes.items():
            requests[f"{os.path.basename(path)} {preset}"] = {"path": path, "size": [224, 224], "mode": mode}
    requests["coffee.jpg keep-aspect keras-torch"] = {"path": os.path.join(IMAGES, "coffee.jpg"), "size": [224, 224],
                                                      "mode": "torch", "keep_aspect": True}
    requests["rocket.jpg bicubic keras-tf"] = {"path": os.path.join(IMAGES, "rocket.jpg"), "size": [224, 224], "mode": "tf",
                                               "interpolation": "bicubic"}
    for photo in ("camera.png", "rocket.jpg"):
        requests[f"{photo} grey unit"] = {"path": os.path.join(IMAGES, photo), "size": [28, 28], "mode": "unit",
                                          "color_mode": "grayscale"}
    keras = keras_references(requests, work)

    for photo in PHOTOS + [exact224]:
        path = photo if os.path.isabs(photo) else os.path.join(IMAGES, photo)
        base = os.path.basename(path)
        for preset in keras_modes:
            name = f"{base} {preset}"
            got = check.preprocess(name, path, nhwc, ["--preprocess", preset], work)
            check.compare(name, got, keras[name], exact=path == exact224)
        name = f"{base} torchvision"
        got = check.preprocess(name, path, nchw, ["--preprocess", "torchvision"], work)
        check.compare(name, got, torchvision_reference(path))
    name = "coffee-300x256 torchvision (no resize)"
    check.compare(name, check.preprocess(name, exact256, nchw, ["--preprocess", "torchvision"], work),
                  torchvision_reference(exact256), exact=True)

    # Explicit options against the calls they stand for.
    coffee, rocket, chelsea = (os.path.join(IMAGES, n) for n in ("coffee.jpg", "rocket.jpg", "chelsea.png"))
    name = "coffee.jpg keep-aspect keras-torch"
    check.compare(name, check.preprocess(name, coffee, nhwc, ["--preprocess", "keras-torch", "--resize", "keep-aspect"], work),
                  keras[name])
    name = "rocket.jpg bicubic keras-tf"
    check.compare(name, check.preprocess(name, rocket, nhwc, ["--preprocess", "keras-tf", "--interpolation", "bicubic"], work),
                  keras[name])
    name = "rocket.jpg torchvision bicubic"
    check.compare(name, check.preprocess(name, rocket, nchw, ["--preprocess", "torchvision", "--interpolation", "bicubic"], work),
                  torchvision_reference(rocket, interpolation=InterpolationMode.BICUBIC))
    name = "chelsea.png explicit shorter:256 center:224x224 1/255 mean/std 0.5"
    options = ["--resize", "shorter:256", "--crop", "center:224x224", "--interpolation", "bilinear", "--scale", "1/255",
               "--mean", "0.5", "--std", "0.5"]
    check.compare(name, check.preprocess(name, chelsea, nchw, options, work),
                  torchvision_reference(chelsea, mean=[0.5] * 3, std=[0.5] * 3))
    name = "coffee.jpg symbolic --size 160x200 torchvision"
    check.compare(name, check.preprocess(name, coffee, symbolic, ["--preprocess", "torchvision", "--size", "160x200"], work),
                  torchvision_reference(coffee, resize=round(160 * 256 / 224), crop=(160, 200)))
    name = "rocket.jpg unit --bgr"
    check.compare(name, check.preprocess(name, rocket, nhwc, ["--preprocess", "unit", "--bgr"], work),
                  keras["rocket.jpg unit"][..., ::-1])
    for photo in ("camera.png", "rocket.jpg"):
        name = f"{photo} grey unit"
        got = check.preprocess(name, os.path.join(IMAGES, photo), grey, ["--preprocess", "unit"], work)
        check.compare(name, None if got is None else got.transpose(0, 2, 3, 1), keras[name])
    name = "astronaut.jpg float16 torchvision"
    want = torchvision_reference(os.path.join(IMAGES, "astronaut.jpg"), resize=round(64 * 256 / 224), crop=64).astype(np.float16)
    check.compare(name, check.preprocess(name, os.path.join(IMAGES, "astronaut.jpg"), half, ["--preprocess", "torchvision"], work), want)

    batched = make_model(os.path.join(work, "batched.onnx"), "image", TensorProto.FLOAT, ["N", 3, 224, 224])
    check_commands(check, work, nchw, batched, two)


def check_commands(check, work, nchw, batched, two):
    """Exit codes and messages of the real binary on bad input."""
    def expect(name, arguments, status, stderr_lines=None, stderr_has=()):
        result = check.strata(arguments)
        check.compared += 1
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        if result.returncode != status:
            check.fail(name, f"exit {result.returncode}, expected {status}: {result.stderr.strip()}")
        elif stderr_lines is not None and lines != stderr_lines:
            check.fail(name, f"stderr {lines}, expected {stderr_lines}")
        elif any(text not in result.stderr for text in stderr_has):
            check.fail(name, f"stderr lacks {[t for t in stderr_has if t not in result.stderr]}: {result.stderr.strip()}")
        elif check.verbose:
            print(f"ok   {name}")
        return result

    out = os.path.join(work, "bad.npy")
    for bad, message in (("not-an-image.png", "not a PNG or JPEG file"),
                         ("truncated.jpg", "corrupt JPEG data: Premature end of JPEG file"),
                         ("huge.png", "image is 100000x100000 pixels, beyond Strata's limit")):
        path = os.path.join(IMAGES, bad)
        result = expect(f"preprocess {bad}", ["preprocess", path, "--model", nchw, "-o", out], 1)
        if result.returncode == 1 and not (result.stderr.count("\n") == 1 and result.stderr.startswith(f"strata: error: {path}: {message}")):
            check.fail(f"preprocess {bad}", f"expected one line 'strata: error: {path}: {message}…', got {result.stderr!r}")
    folder = os.path.join(work, "dataset")
    os.makedirs(folder)
    for name in ("astronaut.jpg", "truncated.png", "rgb-8.png", "empty.png", "grey-16.png"):
        shutil.copy(os.path.join(IMAGES, name), folder)
    bad = [os.path.join(folder, n) for n in ("empty.png", "truncated.png")]
    expect("run --images with bad files", ["run", batched, "--images", folder, "--batch", "2", "--out", os.path.join(work, "acts")], 0,
           stderr_has=[f"strata: warning: {b}: " for b in bad] + [f"strata: skipped 2 of 5 images: {bad[0]}, {bad[1]}"])
    # The first batch (astronaut.jpg) runs; the second, empty.png, stops the run.
    result = expect("run --images --strict", ["run", batched, "--images", folder, "--strict", "--out", os.path.join(work, "strict")],
                    1, stderr_has=[f"strata: error: {bad[0]}: empty file, not a PNG or JPEG image\n"])
    if result.returncode == 1 and (result.stderr.count("strata: error:") != 1 or not result.stderr.rstrip("\n").split("\n")[-1].startswith("strata: error:")):
        check.fail("run --images --strict", f"expected the error as the one last line: {result.stderr!r}")
    gain = os.path.join(work, "gain.npy")
    np.save(gain, np.array([2.0], dtype=np.float32))
    acts = os.path.join(work, "two")
    expect("run two inputs", ["run", two, "--image", os.path.join(IMAGES, "rgb-8.png"), "--input", f"gain={gain}", "--out", acts,
                              "--preprocess", "unit"], 0)
    if os.path.exists(os.path.join(acts, "manifest.json")):
        manifest = json.load(open(os.path.join(acts, "manifest.json")))
        rows = {row["name"]: row for row in manifest["inputs"]}
        if rows.get("image", {}).get("images") != [os.path.join(IMAGES, "rgb-8.png")] or rows.get("gain", {}).get("file") != gain:
            check.fail("run two inputs", f"manifest inputs {manifest['inputs']}")
    expect("run two inputs, one missing", ["run", two, "--image", os.path.join(IMAGES, "rgb-8.png"), "--out", acts], 1,
           stderr_lines=[f"strata: error: {two}: missing input 'gain' (float32[1]); pass --input gain=FILE.npy"])
    expect("absurd --size", ["preprocess", os.path.join(IMAGES, "rgb-8.png"), "--model", nchw, "-o", out, "--size", "100000000x5"],
           64, stderr_has=["--size 100000000x5: height and width must be 1...65535 pixels"])
    expect("--batch 0", ["run", batched, "--images", folder, "--batch", "0", "--out", acts], 64, stderr_has=["--batch must be 1...4096"])


if __name__ == "__main__":
    main()
