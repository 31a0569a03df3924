"""Seeded torchvision models exported to ONNX: shared by make-fixtures.py and Tools/bench.

Every model is built with random weights (no download), put in eval mode and exported with the
legacy TorchScript exporter at opset 17 (a few parity configurations use older opsets). Batch-norm layers get non-trivial running statistics and
affine parameters, and constant-initialised parameters (zero heads, unit norms) are perturbed, so no
layer is an identity that a wrong kernel could pass by accident.
"""

import inspect
import json
import os
import tempfile
from dataclasses import dataclass

import numpy as np

OPSET = 17

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATED = os.path.join(REPO_ROOT, "Fixtures", "generated")


@dataclass(frozen=True)
class ModelSpec:
    """A torchvision architecture: how to build it and the input it takes (NCHW)."""

    name: str
    builder: str  # torchvision.models function ("segmentation.x" for subpackages), or "vit_small"
    image_size: int
    seed: int
    note: str = ""
    batch: int = 1
    opset: int = OPSET
    frames: int = 0  # video models take NCDHW with this many frames
    options: tuple = ()  # extra (keyword, value) pairs for the torchvision builder

    @property
    def input_shape(self):
        if self.frames:
            return (self.batch, 3, self.frames, self.image_size, self.image_size)
        return (self.batch, 3, self.image_size, self.image_size)

    def recipe(self):
        """Everything that determines the exported file, for the idempotence stamp.

        `recipe_version` must change whenever build_module, randomise or export_onnx change what
        they produce, so that existing generated folders are remade.
        """
        recipe = {"name": self.name, "builder": self.builder, "image_size": self.image_size,
                  "seed": self.seed, "opset": self.opset, "recipe_version": 2}
        if self.batch != 1:
            recipe["batch"] = self.batch
        if self.frames:
            recipe["frames"] = self.frames
        if self.options:
            recipe["options"] = [list(pair) for pair in self.options]
        return recipe


# The ViT is torchvision's VisionTransformer class in a small configuration (image 64, patch 16,
# 4 layers, 3 heads, hidden 192, MLP 768), not the 86M-parameter vit_b_16.
PARITY_MODELS = [
    ModelSpec("resnet18", "resnet18", 224, seed=1801),
    ModelSpec("mobilenet_v3_small", "mobilenet_v3_small", 224, seed=3301),
    ModelSpec("efficientnet_b0", "efficientnet_b0", 224, seed=2001),
    ModelSpec("vit_small", "vit_small", 64, seed=1601,
              note="VisionTransformer(image 64, patch 16, 4 layers, 3 heads, hidden 192, mlp 768)"),
    # Beyond the four required architectures, each for ops or attribute forms the others lack.
    ModelSpec("squeezenet1_1", "squeezenet1_1", 224, seed=1101,
              note="MaxPool ceil_mode, Concat of branches"),
    ModelSpec("shufflenet_v2_x0_5", "shufflenet_v2_x0_5", 224, seed=505,
              note="channel shuffle (Reshape, Transpose), Slice halves, ReduceMean"),
    ModelSpec("convnext_tiny", "convnext_tiny", 64, seed=2801,
              note="channels-last LayerNormalization, 7x7 depthwise Conv, MatMul, Erf GELU, layer scale"),
    ModelSpec("densenet121", "densenet121", 64, seed=1211, note="AveragePool, long Concat chains"),
    ModelSpec("lraspp_mobilenet_v3_large", "segmentation.lraspp_mobilenet_v3_large", 224, seed=3302,
              note="segmentation head: bilinear Resize, Identity, Sigmoid gate"),
    ModelSpec("regnet_y_400mf", "regnet_y_400mf", 64, seed=4001,
              note="grouped (not depthwise) Conv with group width 8, squeeze-excitation"),
    ModelSpec("inception_v3", "inception_v3", 96, seed=3001, options=(("aux_logits", False),),
              note="asymmetric 1x7/7x1 kernels, AveragePool 3x3 stride 1 with padding, MaxPool "
                   "(no auxiliary head: it needs 299-pixel images)"),
    ModelSpec("deeplabv3_mobilenet_v3_large", "segmentation.deeplabv3_mobilenet_v3_large", 96,
              seed=3305, note="dilated Conv (ASPP rates 12, 24, 36), bilinear Resize"),
    ModelSpec("r3d_18", "video.r3d_18", 56, seed=1803, frames=8,
              note="video: Conv 3D, BatchNormalization on 5-D tensors, 3-D global pooling"),
    # Batches above 1 catch kernels that index only the first image.
    ModelSpec("mobilenet_v3_small_b3", "mobilenet_v3_small", 96, seed=3303, batch=3,
              note="batch 3, image 96"),
    ModelSpec("vit_small_b2", "vit_small", 64, seed=1602, batch=2, note="vit_small with batch 2"),
    # Older opsets: attribute forms and decompositions that opset 17 exports no longer use.
    ModelSpec("vit_small_op14", "vit_small", 64, seed=1603, opset=14,
              note="opset 14 (the lowest that exports attention): LayerNorm decomposed into "
                   "ReduceMean with axes attribute, Sub, Pow, Sqrt, Div"),
    ModelSpec("mobilenet_v2_op10", "mobilenet_v2", 96, seed=2202, opset=10,
              note="opset 10: ReLU6 as Clip with min/max attributes"),
    ModelSpec("lraspp_op11", "segmentation.lraspp_mobilenet_v3_large", 96, seed=3304, opset=11,
              note="opset 11: Resize-11 with roi/scales inputs, HardSigmoid-based ops decomposed"),
    ModelSpec("swin_t", "swin_t", 112, seed=2901,
              note="shifted windows at image 112 (padded to the window): Pad, Range, ScatterND, "
                   "Mod, Where and a long int64 shape chain"),
]

BENCH_MODELS = [
    ModelSpec("resnet50", "resnet50", 224, seed=5001),
    ModelSpec("resnet18", "resnet18", 224, seed=1801),
    ModelSpec("mobilenet_v2", "mobilenet_v2", 224, seed=2201),
    ModelSpec("efficientnet_b0", "efficientnet_b0", 224, seed=2001),
    ModelSpec("vit_b_16", "vit_b_16", 224, seed=1604),
]

# More architectures for `Tools/bench --more` (or `--model NAME`): layers the five above lack, as
# users' models have them. Not part of the default table.
MORE_BENCH_MODELS = [
    ModelSpec("resnext50_32x4d", "resnext50_32x4d", 224, seed=5002, note="grouped 3x3 Conv, 32 groups"),
    ModelSpec("regnet_y_400mf_224", "regnet_y_400mf", 224, seed=4002, note="grouped Conv, group width 8"),
    ModelSpec("mobilenet_v3_large", "mobilenet_v3_large", 224, seed=3306),
    ModelSpec("mnasnet1_0", "mnasnet1_0", 224, seed=3401),
    ModelSpec("shufflenet_v2_x1_0", "shufflenet_v2_x1_0", 224, seed=506),
    ModelSpec("densenet121_224", "densenet121", 224, seed=1212),
    ModelSpec("googlenet", "googlenet", 224, seed=3002, options=(("aux_logits", False), ("init_weights", True))),
    ModelSpec("convnext_tiny_224", "convnext_tiny", 224, seed=2802),
    ModelSpec("swin_t_224", "swin_t", 224, seed=2902),
    ModelSpec("deeplabv3_mobilenet_v3_large_256", "segmentation.deeplabv3_mobilenet_v3_large", 256, seed=3307,
              options=(("aux_loss", False),), note="ASPP: 3x3 Conv at dilations 12, 24, 36; Resize 16 -> 256"),
    ModelSpec("fcn_resnet50_256", "segmentation.fcn_resnet50", 256, seed=5003, options=(("aux_loss", False),),
              note="dilated 3x3 Conv (2, 4), a 2048-channel 3x3 head"),
]


def tool_versions():
    """Versions of every package that influences the generated files (read without importing them)."""
    from importlib import metadata

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None  # e.g. onnx, which exporting and timing do not need
    return {name: version(name) for name in ("torch", "torchvision", "onnx", "onnxruntime", "numpy")}


def check_pinned_versions():
    """Warns (stderr) when torch/torchvision differ from Tools/requirements-torch.txt."""
    import sys

    pins = {}
    with open(os.path.join(REPO_ROOT, "Tools", "requirements-torch.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                pins[name.strip().lower()] = version.strip()
    installed = tool_versions()
    for package in ("torch", "torchvision"):
        have = installed[package].split("+", 1)[0]  # PyPI builds carry a local tag like +cu130
        if pins.get(package) and pins[package] != have:
            print(f"warning: {package} {installed[package]} is installed, Tools/requirements-torch.txt "
                  f"pins {pins[package]}; generated files will differ from the pinned ones",
                  file=sys.stderr)


def stamp(spec, extra=None):
    """The idempotence stamp of a generated folder: recipe plus tool versions."""
    data = {"recipe": spec.recipe(), "versions": tool_versions()}
    if extra:
        data.update(extra)
    return data


def build_module(spec):
    """The torch module of `spec` with seeded random weights, in eval mode."""
    import torch
    import torchvision

    torch.manual_seed(spec.seed)
    if spec.builder == "vit_small":
        from torchvision.models.vision_transformer import VisionTransformer
        model = VisionTransformer(image_size=spec.image_size, patch_size=16, num_layers=4,
                                  num_heads=3, hidden_dim=192, mlp_dim=768)
    else:
        namespace = torchvision.models
        *packages, function = spec.builder.split(".")
        for package in packages:
            namespace = getattr(namespace, package)
        builder = getattr(namespace, function)
        options = {"weights": None, **dict(spec.options)}
        if "weights_backbone" in inspect.signature(builder).parameters:
            options["weights_backbone"] = None  # the default would download ImageNet weights
        model = builder(**options)
    randomise(model, spec)
    return model.eval()


def randomise(model, spec):
    """Gives batch norms realistic but random statistics and breaks constant initialisations.

    Running statistics are first measured on seeded random images (so activations keep a sane
    scale through deep random networks), then scaled and shifted randomly.
    """
    import torch

    generator = torch.Generator().manual_seed(spec.seed + 1)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if norms:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
        model.train()
        with torch.no_grad():
            for _ in range(2):
                model(torch.randn((4,) + spec.input_shape[1:], generator=generator))
        model.eval()

    with torch.no_grad():
        for m in norms:
            m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.7, 1.4, generator=generator))
            m.running_mean.add_(0.1 * torch.randn(m.running_mean.shape, generator=generator)
                                * m.running_var.sqrt())
        for param in model.parameters():
            flat = param.detach().reshape(-1)
            if flat.numel() > 1 and bool(torch.all(flat == flat[0])):
                base = float(flat[0])
                if 0 < abs(base) < 1e-3:
                    # Layer scales start near zero, which would hide their branch in the sum.
                    param.copy_(torch.empty(param.shape).uniform_(0.2, 1.0, generator=generator))
                    continue
                scale = 0.1 * abs(base) if base != 0 else 0.05
                param.add_(scale * torch.randn(param.shape, generator=generator))


def seeded_input(spec):
    """The float32 input image for `spec` (standard normal, seeded)."""
    rng = np.random.default_rng(spec.seed)
    return rng.standard_normal(spec.input_shape, dtype=np.float32)


def export_onnx(spec, path, keep_batchnorm=False):
    """Builds `spec` and writes its ONNX export to `path` (atomically). Returns the module.

    By default the exporter folds eval-mode batch norms into the preceding convolutions, as users'
    exports do; `keep_batchnorm` keeps them as BatchNormalization nodes (eval semantics) so their
    kernel is exercised too.
    """
    import torch

    model = build_module(spec)
    example = torch.from_numpy(seeded_input(spec))
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".onnx.tmp")
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp creates owner-only files
    # Under no_grad, nn.MultiheadAttention with an even head count takes its fused fast path
    # (aten::_native_multi_head_attention), which the exporter cannot write: ViT-B/16's 12 heads.
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            torch.onnx.export(model, (example,), tmp, opset_version=spec.opset, dynamo=False,
                              input_names=["input"], output_names=["logits"],
                              do_constant_folding=True,
                              training=(torch.onnx.TrainingMode.PRESERVE if keep_batchnorm
                                        else torch.onnx.TrainingMode.EVAL))
        os.replace(tmp, path)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        if os.path.exists(tmp):
            os.remove(tmp)
    return model


def silence_export_warnings():
    """The legacy exporter warns on every call that it is deprecated; that is a known choice here."""
    import warnings
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.onnx.*")
    warnings.filterwarnings("ignore", message=r".*legacy TorchScript-based ONNX export.*")
    warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx.*")


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


__all__ = ["ModelSpec", "PARITY_MODELS", "BENCH_MODELS", "MORE_BENCH_MODELS", "GENERATED", "REPO_ROOT", "OPSET",
           "build_module", "export_onnx", "seeded_input", "stamp", "tool_versions", "check_pinned_versions",
           "silence_export_warnings", "write_json", "read_json"]
