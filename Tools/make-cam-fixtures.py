#!/usr/bin/env python3
"""Writes Fixtures/cam/: activations and gradients recorded by pytorch-grad-cam's own hooks on a small
seeded torch CNN, and what pytorch-grad-cam 1.5.7 computes from them, for StrataAnalysisTests' CAM tests.

    python3 Tools/make-cam-fixtures.py     # torch (Tools/requirements-torch.txt), Tools/requirements-cam.txt

The model: Conv(3→6, 3×3, pad 1) → ReLU → Conv(6→10, 3×3, stride 3, pad 1) → ReLU [target layer, 10×7×7
for a 20×20 input] → global average pool → Linear(10→5). For the top class (ClassifierOutputTarget on
the logits) each method's object is called once on the input; the files are, all float32 unless said:

  input.npy [1,3,20,20]          activations.npy / gradients.npy [1,10,7,7] (the hooks' values)
  image.npy uint8 [20,20,3]      the picture under the overlay
  cam-<method>.npy [7,7]          get_cam_image(...) of that method followed by np.maximum(·, 0)
  heatmap-<method>.npy [20,20]    what the CAM object returns (one image)
  overlay-gradcam.npy uint8 [20,20,3]  show_cam_on_image(image / 255, heatmap-gradcam, use_rgb=True)
  overlay-gradcam.json            image, heatmap-gradcam (float32 bits) and the overlay again as JSON, for StrataRenderTests
  scorecam-inputs.npy [10,3,20,20], scorecam-scores.npy [10]   the masked inputs ScoreCAM ran and the scores
  keep-mask-30.npy [20,20]        RemoveLeastRelevantFirst(70, multiply_tensor_with_cam)'s binary mask of
                                  heatmap-gradcam (the top 30 % kept)
  integration-rules.json          captum 0.9's approximation_parameters (alphas, step sizes) for its five rules
  meta.json                       target class and score, library versions
"""
import importlib.metadata
import json
import os

import cv2
import numpy as np
import torch
from pytorch_grad_cam import (EigenCAM, GradCAM, GradCAMPlusPlus, HiResCAM, LayerCAM, ScoreCAM, XGradCAM)
from pytorch_grad_cam.metrics.perturbation_confidence import RemoveLeastRelevantFirst
from pytorch_grad_cam.utils.image import show_cam_on_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

from testlib import ROOT
OUT = os.path.join(ROOT, "Fixtures", "cam")
METHODS = {
    "gradcam": GradCAM, "gradcam++": GradCAMPlusPlus, "hirescam": HiResCAM, "xgradcam": XGradCAM,
    "layercam": LayerCAM, "eigencam": EigenCAM, "scorecam": ScoreCAM,
}


def model():
    torch.manual_seed(12)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(6, 10, 3, stride=3, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(10, 5))
    return net.eval()


def main():
    os.makedirs(OUT, exist_ok=True)
    net = model()
    layer = net[3]
    rng = np.random.default_rng(12)
    image = rng.integers(0, 256, size=(20, 20, 3), dtype=np.uint8)
    x = torch.from_numpy(((np.float32(image) / 255 - 0.5) / 0.25).transpose(2, 0, 1)[None].copy())
    logits = net(x).detach().numpy()[0]
    target = int(np.argmax(logits))
    targets = [ClassifierOutputTarget(target)]
    np.save(os.path.join(OUT, "input.npy"), x.numpy())
    np.save(os.path.join(OUT, "image.npy"), image)

    for name, cls in METHODS.items():
        cam = cls(model=net, target_layers=[layer])
        if name == "scorecam":
            recorded_inputs, recorded_scores = [], []
            original = net.forward

            def recording(batch, original=original):
                out = original(batch)
                if batch.shape[0] != 1 or recorded_inputs:
                    recorded_inputs.append(batch.detach().numpy().copy())
                    recorded_scores.append(out[:, target].detach().numpy().copy())
                return out
            net.forward = recording
        heatmap = cam(input_tensor=x, targets=targets)
        if name == "scorecam":
            net.forward = original
            np.save(os.path.join(OUT, "scorecam-inputs.npy"), np.concatenate(recorded_inputs))
            np.save(os.path.join(OUT, "scorecam-scores.npy"), np.float32(np.concatenate(recorded_scores)))
        acts = cam.activations_and_grads.activations[0].cpu().numpy()
        grads = (cam.activations_and_grads.gradients[0].cpu().numpy()
                 if cam.activations_and_grads.gradients else None)
        if name == "gradcam":
            np.save(os.path.join(OUT, "activations.npy"), acts)
            np.save(os.path.join(OUT, "gradients.npy"), grads)
        raw = cam.get_cam_image(x, layer, targets, acts, grads, False)
        np.save(os.path.join(OUT, f"cam-{name}.npy"), np.float32(np.maximum(raw, 0)[0]))
        np.save(os.path.join(OUT, f"heatmap-{name}.npy"), np.float32(heatmap[0]))
        if name == "gradcam":
            overlay = show_cam_on_image(np.float32(image) / 255, heatmap[0], use_rgb=True)
            np.save(os.path.join(OUT, "overlay-gradcam.npy"), overlay)
            with open(os.path.join(OUT, "overlay-gradcam.json"), "w") as f:
                json.dump({"width": 20, "height": 20, "image": image.reshape(-1).tolist(),
                           "heatmap_bits": [int(v) for v in np.float32(heatmap[0]).reshape(-1).view(np.uint32)],
                           "overlay": overlay.reshape(-1).tolist()}, f)
                f.write("\n")
            keep = RemoveLeastRelevantFirst(70, lambda t, m: m)(x[0], torch.from_numpy(heatmap[0]))
            np.save(os.path.join(OUT, "keep-mask-30.npy"), np.float32(keep.numpy()))

    from captum.attr._utils.approximation_methods import approximation_parameters
    rules = {}
    for method in ["gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"]:
        step_sizes, alphas = approximation_parameters(method)
        rules[method] = {str(n): {"alphas": [float(a) for a in alphas(n)], "step_sizes": [float(w) for w in step_sizes(n)]}
                         for n in (2, 7, 50)}
    with open(os.path.join(OUT, "integration-rules.json"), "w") as f:
        json.dump({"captum": importlib.metadata.version("captum"), "rules": rules}, f)
        f.write("\n")

    meta = {"target": target, "score": float(logits[target]), "pytorch-grad-cam": "1.5.7",
            "torch": torch.__version__, "opencv": cv2.__version__, "numpy": np.__version__}
    assert importlib.metadata.version("grad-cam") == "1.5.7", "Tools/requirements-cam.txt pins grad-cam 1.5.7"
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}/: target {target}, score {logits[target]:.6f}")


if __name__ == "__main__":
    main()
