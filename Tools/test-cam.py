#!/usr/bin/env python3
"""Checks `strata cam` against pytorch-grad-cam 1.5.7 (ONNX exports of torchvision models) and
tf-keras-vis 0.8.7 (Keras models, references in Fixtures/cam/keras/ from Tools/keras/make-cam-references.py).

    python3 Tools/test-cam.py [--strata PATH] [--filter REGEX] [-v]

ONNX: torchvision ResNet-18 (input 128×128) and MobileNetV2 (96×96) with the seeded random weights of
Tools/parity/torchmodels.py, exported by the legacy exporter (batch norms folded), fed a seeded normal
input as .npy. `strata cam --layer auto` must pick the output of model.layer4[-1] / model.features[-1],
the layers pytorch-grad-cam's documentation uses; for the top logit (ClassifierOutputTarget):
  cam.npy      = relu(get_cam_image(...)) of the method (its map before resizing): Grad-CAM, Grad-CAM++,
                 HiResCAM, XGradCAM, LayerCAM, Eigen-CAM (up to the principal component's sign),
                 within |Δ| ≤ 1e-3·|ref| + 1e-4·max|ref|; Score-CAM within 1e-3 after min–max scaling;
  heatmap.npy  = what the CAM object returns, |Δ| ≤ 1e-3;
  overlay.png  = show_cam_on_image(min–max scaled input as HWC, heatmap, use_rgb=True): at most 1 % of the
                 bytes differ, none by more than 8 (a 1e-6 difference can move uint8(255·mask) one level);
  manifest     = layer, method, target index and logit (rtol 1e-3), top-5 order;
  --metric drop = DropInConfidence (CamMultImageConfidenceChange) of the heat map, |Δ| ≤ 1e-3·score + 1e-4.
ViT: a small torchvision VisionTransformer (64×64, patch 16, 2 blocks of width 64, seeded random weights,
random head) exported to ONNX at opset 17 (and 14, layer norms written out; Grad-CAM only): `strata cam --layer auto`
must pick encoder.layers[-1].ln_1 and give the cam.npy,
heatmap.npy and target of pytorch-grad-cam's ViT recipe (that layer, class token dropped, 4×4 patch grid) for
Grad-CAM, Grad-CAM++, HiResCAM, XGradCAM, LayerCAM and Eigen-CAM, with the tolerances above.
Keras: `strata cam --input X --layer L --method M` for tf-keras-vis' Gradcam, GradcamPlusPlus and Layercam
maps with the same tolerance, and `--layer auto` picking the last convolution layer.
Saliency: `strata saliency` on a ResNet-18 export (64×64) against captum 0.9's Saliency (abs and signed),
InputXGradient and IntegratedGradients (defaults: Gauss-Legendre, 50 steps, zero baseline, atol 3e-3·max
because points near α = 0 flip ReLU gates on rounding — torch differs from itself by 3.5e-3·max; and
riemann_middle with 20 steps; not riemann_trapezoid, whose α = 0 and 1 ends make torch disagree with
itself by 2e-3 between a batch of 20 and 20 batches of 1) with the same tolerance; SmoothGrad (100 samples, σ = 0.15 × range)
draws its own noise, so its mean must correlate ≥ 0.9 with captum's and have a mean within 10 %.

Prints one line per check and `N passed, M failed`; exits 1 on any failure.
"""
import argparse
import json
import os
import re
import sys
import tempfile
import warnings

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")  # pytorch-grad-cam's ScoreCAM draws a progress bar per batch

import testlib
from testlib import DEFAULT_BINARY, ROOT

sys.path.insert(0, os.path.join(ROOT, "Tools", "parity"))
KERAS = os.path.join(ROOT, "Fixtures", "cam", "keras")
# Checks known to fail, with the reason; one that passes is reported so that it leaves this list.
KNOWN_FAILURES = {}


def close(got, want, rtol=None, atol=None):
    """|got − want| ≤ rtol·|want| + atol·max|want| everywhere (by default the policy's reference rule,
    rtol 1e-3 and atol 1e-4·max|want|); returns (ok, description of the worst element)."""
    reference = testlib.rule("reference")
    rule = testlib.Rule(rtol=reference.rtol if rtol is None else rtol, atol_scale=reference.atol_scale if atol is None else atol)
    c = testlib.compare(got, want, rule)
    return c.ok, c.describe()


def minmax(a):
    a = a - a.min()
    return a / (a.max() + 1e-7)


class Checks:
    def __init__(self, verbose):
        self.verbose = verbose
        self.passed = 0
        self.failed = []

    def check(self, name, ok, detail=""):
        if name in KNOWN_FAILURES:
            if ok:
                self.failed.append(name)
                print(f"FAIL  {name}  passes but is listed in KNOWN_FAILURES; remove it there")
            else:
                self.passed += 1
                print(f"known {name}  ({KNOWN_FAILURES[name]})")
            return
        if ok:
            self.passed += 1
            print(f"ok    {name}" + (f"  ({detail})" if self.verbose and detail else ""))
        else:
            self.failed.append(name)
            print(f"FAIL  {name}  {detail}")


def read_png(path):
    from PIL import Image
    return np.array(Image.open(path).convert("RGB"))


def onnx_checks(binary, checks, pattern, workdir):
    import torch
    import torchmodels as tm
    from pytorch_grad_cam import (EigenCAM, GradCAM, GradCAMPlusPlus, HiResCAM, LayerCAM, ScoreCAM, XGradCAM)
    from pytorch_grad_cam.metrics.cam_mult_image import CamMultImageConfidenceChange
    from pytorch_grad_cam.utils.image import show_cam_on_image
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    tm.silence_export_warnings()
    methods = {"gradcam": GradCAM, "gradcam++": GradCAMPlusPlus, "hirescam": HiResCAM, "xgradcam": XGradCAM,
               "layercam": LayerCAM, "eigencam": EigenCAM, "scorecam": ScoreCAM}
    models = [
        (tm.ModelSpec("resnet18", "resnet18", 128, seed=1801), lambda m: m.layer4[-1], list(methods)),
        (tm.ModelSpec("mobilenet_v2", "mobilenet_v2", 96, seed=2201), lambda m: m.features[-1],
         ["gradcam", "gradcam++", "layercam", "eigencam"]),
    ]
    for spec, layer_of, names in models:
        if pattern and not any(re.search(pattern, f"{spec.name}/{n}") for n in names):
            continue
        model_path = os.path.join(workdir, spec.name + ".onnx")
        model = tm.export_onnx(spec, model_path)
        x = np.random.default_rng(spec.seed + 7).standard_normal(spec.input_shape).astype(np.float32)
        x_path = os.path.join(workdir, spec.name + "-x.npy")
        np.save(x_path, x)
        tensor = torch.from_numpy(x)
        with torch.no_grad():
            logits = model(tensor).numpy()[0]
        top = int(np.argmax(logits))
        targets = [ClassifierOutputTarget(top)]
        image = minmax(x[0]).transpose(1, 2, 0)
        for name in names:
            if pattern and not re.search(pattern, f"{spec.name}/{name}"):
                continue
            label = f"{spec.name}/{name}"
            layer = layer_of(model)
            cam = methods[name](model=model, target_layers=[layer])
            if name == "scorecam":
                cam.batch_size = 64
            # The library's own map before resizing, recorded as its call computes it (Score-CAM would rerun
            # every masked input if get_cam_image were called again).
            recorded = []
            compute = cam.get_cam_image
            cam.get_cam_image = lambda *a, **k: recorded.append(compute(*a, **k)) or recorded[-1]
            heatmap = cam(input_tensor=tensor, targets=targets)[0]
            raw = np.asarray(recorded[0])
            ref = np.maximum(raw, 0)[0]
            out = os.path.join(workdir, f"{spec.name}-{name}")
            args = ["cam", model_path, "--input", x_path, "--method", name, "--out", out, "--quiet"]
            if name == "gradcam":
                args += ["--metric", "drop"]
            result = testlib.run_strata(binary, args)
            if result.returncode != 0:
                checks.check(label, False, result.stderr.strip()[-400:])
                continue
            manifest = json.load(open(os.path.join(out, "manifest.json")))
            got = np.load(os.path.join(out, "cam.npy"))
            if name == "eigencam" and got.shape == ref.shape:
                # The principal component's sign is arbitrary: compare with the sign that fits better.
                flipped = np.maximum(-raw, 0)[0]
                ok, detail = close(got, ref)
                if not ok:
                    ok, detail = close(got, flipped)
                    detail += " (other sign)"
            elif name == "scorecam":
                ok, detail = close(minmax(got), minmax(ref), rtol=0, atol=1e-3)
            else:
                ok, detail = close(got, ref)
            checks.check(f"{label} cam.npy", ok, detail)
            got_heat = np.load(os.path.join(out, "heatmap.npy"))
            ok, detail = close(got_heat, heatmap, rtol=0, atol=1e-3)
            checks.check(f"{label} heatmap.npy", ok, detail)
            overlay_ref = show_cam_on_image(image, heatmap, use_rgb=True)
            overlay = read_png(os.path.join(out, "overlay.png"))
            diff = np.abs(overlay.astype(int) - overlay_ref.astype(int)) if overlay.shape == overlay_ref.shape else None
            ok = diff is not None and diff.max() <= 8 and np.mean(diff > 0) <= 0.01
            checks.check(f"{label} overlay.png", ok,
                         "shape differs" if diff is None else f"{np.mean(diff > 0):.4%} of bytes differ, max {diff.max()}")
            expected_layer = manifest["layer"]
            order = [int(i) for i in np.argsort(-logits, kind="stable")[:5]]
            ok = (manifest["method"] == name and manifest["target"]["index"] == top
                  and abs(manifest["score"] - logits[top]) <= 1e-3 * abs(logits[top]) + 1e-4
                  and [row["index"] for row in manifest["top5"]] == order)
            checks.check(f"{label} manifest", ok, f"layer {expected_layer}, target {manifest['target']}, score {manifest['score']}")
            if name == "gradcam":
                change = CamMultImageConfidenceChange()(tensor, heatmap[None], targets, model)[0]
                drop = max(-float(change), 0.0)
                got_drop = manifest["metric"]["drop"]
                ok = abs(got_drop - drop) <= 1e-3 * abs(logits[top]) + 1e-4
                checks.check(f"{label} --metric drop", ok, f"{got_drop:.6g} vs {drop:.6g}")


# The layer pytorch-grad-cam's ViT recipe uses, encoder.layers[-1].ln_1, as each opset exports it (below 17
# the layer norm is written out and its last node, the offset's Add, holds its value).
VIT_LAYERS = {17: "/encoder/layers/encoder_layer_1/ln_1/LayerNormalization", 14: "/encoder/layers/encoder_layer_1/ln_1/Add_1"}


def vit_reshape_transform(tensor, height=4, width=4):
    """pytorch-grad-cam's documented ViT reshape: drop the class token, tokens to a [N, C, H, W] grid."""
    result = tensor[:, 1:, :].reshape(tensor.size(0), height, width, tensor.size(2))
    return result.transpose(2, 3).transpose(1, 2)


def vit_checks(binary, checks, pattern, workdir):
    """`strata cam --layer auto` on a small torchvision VisionTransformer (64×64 input, 16×16 patches, 2
    blocks of width 64, seeded random weights) against pytorch-grad-cam's ViT recipe: target layer
    encoder.layers[-1].ln_1, the class token dropped and the 16 patch tokens reshaped to 4×4."""
    import torch
    import torchmodels as tm
    from pytorch_grad_cam import EigenCAM, GradCAM, GradCAMPlusPlus, HiResCAM, LayerCAM, XGradCAM
    from torchvision.models.vision_transformer import VisionTransformer

    methods = {"gradcam": GradCAM, "gradcam++": GradCAMPlusPlus, "hirescam": HiResCAM, "xgradcam": XGradCAM,
               "layercam": LayerCAM, "eigencam": EigenCAM}
    names = [n for n in methods if not pattern or re.search(pattern, f"vit/opset17/{n}") or re.search(pattern, f"vit/opset14/{n}")]
    if not names:
        return
    tm.silence_export_warnings()
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
    torch.manual_seed(1601)
    model = VisionTransformer(image_size=64, patch_size=16, num_layers=2, num_heads=2, hidden_dim=64, mlp_dim=128,
                              num_classes=10).eval()
    with torch.no_grad():
        # torchvision initialises the classifier head to zeros, which would make every gradient zero.
        for p in model.heads.parameters():
            p.normal_(0, 0.5)
    x = np.random.default_rng(1607).standard_normal((1, 3, 64, 64)).astype(np.float32)
    tensor = torch.from_numpy(x)
    x_path = os.path.join(workdir, "vit-x.npy")
    np.save(x_path, x)
    for opset, layer in VIT_LAYERS.items():
        model_path = os.path.join(workdir, f"vit-{opset}.onnx")
        # Exported with autograd on: under no_grad nn.MultiheadAttention takes its fused fast path, which
        # the exporter cannot write.
        torch.onnx.export(model, (tensor,), model_path, opset_version=opset, dynamo=False, input_names=["input"],
                          output_names=["logits"], do_constant_folding=True)
        names_here = [n for n in names if (opset == 17 or n == "gradcam") and (not pattern or re.search(pattern, f"vit/opset{opset}/{n}"))]
        vit_model_checks(binary, checks, model, tensor, model_path, x_path, opset, layer, names_here, methods, workdir)


def vit_model_checks(binary, checks, model, tensor, model_path, x_path, opset, layer, names, methods, workdir):
    import torch
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    with torch.no_grad():
        logits = model(tensor).numpy()[0]
    top = int(np.argmax(logits))
    for name in names:
        label = f"vit/opset{opset}/{name}"
        cam = methods[name](model=model, target_layers=[model.encoder.layers[-1].ln_1], reshape_transform=vit_reshape_transform)
        recorded = []
        compute = cam.get_cam_image
        cam.get_cam_image = lambda *a, **k: recorded.append(compute(*a, **k)) or recorded[-1]
        heatmap = cam(input_tensor=tensor, targets=[ClassifierOutputTarget(top)])[0]
        raw = np.asarray(recorded[0])
        out = os.path.join(workdir, f"vit-{opset}-{name}")
        result = testlib.run_strata(binary, ["cam", model_path, "--input", x_path, "--method", name, "--out", out])
        if result.returncode != 0:
            checks.check(label, False, result.stderr.strip()[-400:])
            continue
        manifest = json.load(open(os.path.join(out, "manifest.json")))
        if name == "gradcam":
            ok = manifest["layer"] == layer and "ViT recipe" in result.stderr
            checks.check(f"vit/opset{opset} --layer auto picks the last block's ln_1", ok,
                         f"{manifest['layer']}; {result.stderr.strip()[:300]}")
        got = np.load(os.path.join(out, "cam.npy"))
        ok, detail = close(got, np.maximum(raw, 0)[0])
        if name == "eigencam" and not ok:
            ok, detail = close(got, np.maximum(-raw, 0)[0])
            detail += " (other sign)"
        checks.check(f"{label} cam.npy", ok, detail)
        ok, detail = close(np.load(os.path.join(out, "heatmap.npy")), heatmap, rtol=0, atol=1e-3)
        checks.check(f"{label} heatmap.npy", ok, detail)
        ok = (manifest["target"]["index"] == top and abs(manifest["score"] - logits[top]) <= 1e-3 * abs(logits[top]) + 1e-4)
        checks.check(f"{label} manifest", ok, f"target {manifest['target']}, score {manifest['score']} vs {logits[top]}")


def saliency_checks(binary, checks, pattern, workdir):
    """`strata saliency` on the ResNet-18 export against captum 0.9 on the source PyTorch model."""
    import torch
    import torchmodels as tm
    from captum.attr import InputXGradient, IntegratedGradients, NoiseTunnel, Saliency

    labels = ["saliency/gradient", "saliency/gradient-signed", "saliency/input-x-gradient",
              "saliency/integrated-gradients", "saliency/integrated-gradients-riemann", "saliency/smoothgrad"]
    if pattern and not any(re.search(pattern, label) for label in labels):
        return
    tm.silence_export_warnings()
    spec = tm.ModelSpec("resnet18", "resnet18", 64, seed=1803)
    model_path = os.path.join(workdir, "saliency-resnet18.onnx")
    model = tm.export_onnx(spec, model_path)
    x = np.random.default_rng(spec.seed + 7).standard_normal(spec.input_shape).astype(np.float32)
    x_path = os.path.join(workdir, "saliency-x.npy")
    np.save(x_path, x)
    tensor = torch.from_numpy(x)
    with torch.no_grad():
        top = int(np.argmax(model(tensor).numpy()[0]))
    span = float(x.max() - x.min())
    cases = {
        "saliency/gradient": (["--method", "gradient"], lambda: Saliency(model).attribute(tensor, target=top)),
        "saliency/gradient-signed": (["--method", "gradient", "--signed"],
                                     lambda: Saliency(model).attribute(tensor, target=top, abs=False)),
        "saliency/input-x-gradient": (["--method", "input-x-gradient"], lambda: InputXGradient(model).attribute(tensor, target=top)),
        "saliency/integrated-gradients": (["--method", "integrated-gradients"],
                                          lambda: IntegratedGradients(model).attribute(tensor, target=top, internal_batch_size=1)),
        "saliency/integrated-gradients-riemann": (
            ["--method", "integrated-gradients", "--steps", "20", "--integration", "riemann_middle"],
            lambda: IntegratedGradients(model).attribute(tensor, target=top, n_steps=20, method="riemann_middle",
                                                         internal_batch_size=1)),
        "saliency/smoothgrad": (["--method", "smoothgrad", "--samples", "100"],
                                lambda: NoiseTunnel(Saliency(model)).attribute(tensor, target=top, nt_type="smoothgrad",
                                                                               nt_samples=100, stdevs=0.15 * span)),
    }
    torch.manual_seed(0)
    for label, (args, reference) in cases.items():
        if pattern and not re.search(pattern, label):
            continue
        out = os.path.join(workdir, label.replace("/", "-"))
        result = testlib.run_strata(binary, ["saliency", model_path, "--input", x_path, "--out", out, "--quiet"] + args)
        if result.returncode != 0:
            checks.check(label, False, result.stderr.strip()[-400:])
            continue
        manifest = json.load(open(os.path.join(out, "manifest.json")))
        got = np.load(os.path.join(out, "saliency.npy"))
        want = reference().detach().numpy()
        if label == "saliency/smoothgrad":
            # Different noise: the two means of 100 noisy |gradient|s agree in expectation only.
            corr = float(np.corrcoef(got.reshape(-1), want.reshape(-1))[0, 1]) if got.shape == want.shape else 0.0
            ratio = float(got.mean() / want.mean()) if got.shape == want.shape else 0.0
            ok, detail = corr >= 0.9 and 0.9 <= ratio <= 1.1, f"correlation {corr:.4f}, mean ratio {ratio:.4f}"
        elif label == "saliency/integrated-gradients":
            # Gauss-Legendre puts points at α ≈ 0.0006 where a ReLU gate can flip on the last bit of a
            # convolution: torch's own IG moves by 3.5e-3·max between a batch of 50 and 50 batches of 1.
            ok, detail = close(got, want, atol=3e-3)
        else:
            ok, detail = close(got, want)
        ok = ok and manifest["target"]["index"] == top and os.path.exists(os.path.join(out, "saliency.png"))
        checks.check(label, ok, detail)


def keras_checks(binary, checks, pattern, workdir):
    index = json.load(open(os.path.join(KERAS, "index.json")))
    for case in index["cases"]:
        model_path = os.path.join(ROOT, case["model"])
        x_path = os.path.join(KERAS, f"{case['name']}-input.npy")
        if case["layer"] == case["auto_layer"] and (not pattern or re.search(pattern, f"keras/{case['name']}/auto")):
            out = os.path.join(workdir, f"{case['name']}-auto")
            result = testlib.run_strata(binary, ["cam", model_path, "--input", x_path, "--out", out, "--quiet"])
            ok = result.returncode == 0 and json.load(open(os.path.join(out, "manifest.json")))["layer"] == case["auto_layer"]
            checks.check(f"keras/{case['name']} --layer auto picks {case['auto_layer']}", ok, result.stderr.strip()[-300:])
        for method, file in case["methods"].items():
            label = f"keras/{case['name']}/{method}"
            if pattern and not re.search(pattern, label):
                continue
            out = os.path.join(workdir, f"{case['name']}-{method}")
            result = testlib.run_strata(binary, ["cam", model_path, "--input", x_path, "--layer", case["layer"], "--method", method,
                                                 "--out", out, "--quiet"])
            if result.returncode != 0:
                checks.check(label, False, result.stderr.strip()[-400:])
                continue
            manifest = json.load(open(os.path.join(out, "manifest.json")))
            got = np.load(os.path.join(out, "cam.npy"))
            ok, detail = close(got, np.load(os.path.join(KERAS, file)))
            ok = ok and manifest["target"]["index"] == case["target"] and manifest["convention"] == "tf-keras-vis"
            checks.check(label, ok, detail)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: release build)")
    parser.add_argument("--filter", help="only checks whose name matches this regular expression")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not os.access(args.strata, os.X_OK):
        sys.exit(f"no strata binary at {args.strata}; run `make build`")
    checks = Checks(args.verbose)
    with tempfile.TemporaryDirectory(prefix="strata-cam-") as workdir:
        keras_checks(args.strata, checks, args.filter, workdir)
        onnx_checks(args.strata, checks, args.filter, workdir)
        vit_checks(args.strata, checks, args.filter, workdir)
        saliency_checks(args.strata, checks, args.filter, workdir)
    print(f"{checks.passed} passed, {len(checks.failed)} failed")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
