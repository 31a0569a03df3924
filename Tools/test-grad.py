#!/usr/bin/env python3
"""Checks `strata run --grad` against the frameworks' own automatic differentiation.

    python3 Tools/test-grad.py [--strata PATH] [--only keras|onnx] [--keras-python PATH] [-v]

Keras: the demo model (Fixtures/demo/digits.keras), Keras fixtures of Fixtures/keras and, when
Tools/test-keras.py has generated it, keras.applications ResNet50, on their reference inputs, against
tf.GradientTape in .venv-keras/ (Tools/grad/keras_gradients.py; the score is the logit, the final
softmax replaced by the identity as tf-keras-vis' ReplaceToLinear does).
ONNX: torchvision ResNet-18 and MobileNetV2 (seeded random weights, batch 2, BatchNormalization kept;
exported to Fixtures/generated/grad/ on first use by Tools/parity/torchmodels.py) against
torch.autograd on the source module: each ONNX node named after a module called once in the
forward pass is compared with the gradient of that module's output (forward hooks), and the input's
gradient with x.grad. Einsum: a small attention written with torch.einsum (projections, an ellipsis,
scores, mixing, a diagonal, sums) exported to ONNX, against torch.autograd on the module: every Einsum
node's output gradient (forward hooks) and the input's. LSTM and GRU: torch.nn.LSTM feeding nn.GRU
(2 layers each, bidirectional) exported to ONNX, against torch.autograd: the input's, the LSTM's
initial states' and both modules' hidden sequences' gradients.

The target is each row's top class and, in a second run, a fixed class index. Every gradient must
satisfy |strata - ref| <= 1e-3*|ref| + 1e-4*max|ref| (the "reference" rule of Tools/tolerance-policy.json,
compared by Tools/testlib.py; Docs/Gradients.md). On the torchvision models the
reference takes the gate of each ReLU/ReLU6 module called once from Strata's forward values (see
check_onnx); layers in KNOWN are listed with their reason and not compared. Prints one line per model
and check, `N passed, M failed` last; exits 1 on any failure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import testlib
from testlib import DEFAULT_BINARY, ROOT

sys.path.insert(0, os.path.join(ROOT, "Tools", "parity"))
GENERATED = os.path.join(ROOT, "Fixtures", "generated", "grad")
KERAS_TARGETS = ["top", "1"]
# Classes in the Keras references' activation lists that are not layers of the model: its inputs, and
# the ops Keras 3 records while computing masks (`NotEqual`, `Any`).
NOT_LAYERS = {"InputLayer", "NotEqual", "Any"}
# Layers whose gradient Strata cannot give yet, with the reason; they are reported, not compared.
KNOWN = {}

# Keras fixtures whose every layer Strata can differentiate (the others use attention or normalization
# layers whose backward rules are not written yet, see Docs/Gradients.md, or are Keras 2 recurrent
# configurations that Keras 3 cannot load for Tools/grad/keras_gradients.py: `time_major`).
KERAS_FIXTURES = ["cnn.k3.keras", "conv.k3.keras", "pooling.k3.keras", "activations.k3.keras", "functional.k3.keras",
                  "merging.k3.keras", "shapes.k3.keras", "cnn.k2.h5", "lstm.k3.keras", "gru.k3.keras",
                  "simple_rnn.k3.keras", "bidirectional.k3.keras", "rnn_cells.k3.keras", "masking.k3.keras",
                  "masked_text.k3.keras", "time_distributed.k3.keras", "conv_lstm.k3.keras"]


def close(got, want):
    """The worst error over the allowed error when the policy's reference rule fails (> 0), else 0, and
    the description of the worst element."""
    c = testlib.compare(got, want)
    return (0.0 if c.ok else c.ratio), c.describe()


def run_strata(binary, model, inputs, target, out, layers=None):
    command = [binary, "run", model, "--grad", target, "--out", out, "--quiet"]
    for name, path in inputs:
        command += ["--input", f"{name}={path}"]
    for layer in layers or ["*"]:
        command += ["--layer", layer]
    result = testlib.run_strata(binary, command[1:])
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or f"exit {result.returncode}")
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    grads = {}
    values = {}
    for row in manifest["activations"]:
        value = np.load(os.path.join(out, row["file"]))
        if row.get("kind") == "grad":
            grads.setdefault(row["layer"], value)
            grads.setdefault(row["tensor"], value)
        else:
            values.setdefault(row["tensor"], value)
    manifest["values"] = values
    return manifest, grads


class Report:
    def __init__(self, verbose):
        self.verbose = verbose
        self.passed = 0
        self.failed = 0

    def check(self, label, compared, failures):
        ok = not failures and compared > 0
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        detail = f"{compared} gradients" + ("" if ok else f", {len(failures)} failing" if failures else ", nothing compared")
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {detail}")
        for line in failures[: None if self.verbose else 3]:
            print(f"       {line}")


def check_keras(binary, python, report, tmp):
    cases = [(os.path.join(ROOT, "Fixtures", "demo", "digits.keras"), None)]
    cases += [(os.path.join(ROOT, "Fixtures", "keras", name), os.path.join(ROOT, "Fixtures", "keras", name + ".reference"))
              for name in KERAS_FIXTURES]
    # keras.applications ResNet50 (Conv → BatchNormalization throughout), when Tools/test-keras.py has made it.
    generated = os.path.join(ROOT, "Fixtures", "generated", "keras", "resnet50.k3.keras")
    if os.path.exists(generated + ".reference"):
        cases.append((generated, generated + ".reference"))
    jobs = []
    for model, reference in cases:
        name = os.path.basename(model)
        if reference:
            with open(os.path.join(reference, "index.json")) as f:
                index = json.load(f)
            inputs = [(i["name"], os.path.join(reference, i["file"])) for i in index["inputs"]]
            repeated = {a["layer"] for a in index["activations"] if a["call"] > 0 or a["output"] > 0}
            layers = [a["layer"] for a in index["activations"]
                      if a["class"] not in NOT_LAYERS and a["layer"] not in repeated]
        else:
            rng = np.random.default_rng(7)
            path = os.path.join(tmp, "digits-input.npy")
            np.save(path, (rng.random((2, 32, 32, 1)) * 255).astype(np.float32))
            inputs = [("pixels", path)]
            layers = ["conv1", "conv2", "pool1", "conv3", "pool2", "conv4", "gap", "fc", "dropout", "predictions"]
        npz = os.path.join(tmp, name + ".inputs.npz")
        np.savez(npz, **{n: np.load(p) for n, p in inputs})
        jobs.append({"model": model, "inputs": npz, "layers": layers, "targets": KERAS_TARGETS,
                     "out": os.path.join(tmp, name + ".ref"), "strata_inputs": inputs})
    with open(os.path.join(tmp, "jobs.json"), "w") as f:
        json.dump(jobs, f)
    result = subprocess.run([python, os.path.join(ROOT, "Tools", "grad", "keras_gradients.py"), os.path.join(tmp, "jobs.json")],
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        report.check("keras references", 0, [(result.stderr.strip().splitlines() or ["failed"])[-1]])
        return
    for job in jobs:
        name = os.path.basename(job["model"])
        for target in job["targets"]:
            label = f"keras {name} target {target}"
            ref_path = f"{job['out']}-{target}.npz"
            if not os.path.exists(ref_path):
                with open(job["out"] + ".error") as f:
                    report.check(label, 0, ["keras: " + f.read()])
                continue
            ref = np.load(ref_path)
            try:
                manifest, grads = run_strata(binary, job["model"], job["strata_inputs"], target,
                                             os.path.join(tmp, f"{name}-{target}"), layers=job["layers"])
            except RuntimeError as error:
                report.check(label, 0, [f"strata: {error}"])
                continue
            failures = []
            got_targets = [t["index"] for t in manifest["gradient"]["targets"]]
            if got_targets != ref["targets"].tolist():
                failures.append(f"targets {got_targets} vs keras {ref['targets'].tolist()}")
            compared = 0
            replaced = str(ref["replaced"])
            for layer in job["layers"]:
                if layer == replaced:
                    continue  # Keras differentiates its logit output; Strata's row is the probabilities
                if (name, layer) in KNOWN:
                    print(f"     known: {name} {layer}: {KNOWN[(name, layer)]}")
                    continue
                excess, where = close(grads.get(layer, np.zeros(0)), ref["grad/" + layer])
                compared += 1
                if excess > 0:
                    failures.append(f"{layer}: {where}")
            for input_name, input_path in job["strata_inputs"]:
                if np.load(input_path).dtype.kind in "biu":
                    continue  # token ids and other integer inputs carry no gradient
                excess, where = close(grads.get(input_name, np.zeros(0)), ref["grad_input/" + input_name])
                compared += 1
                if excess > 0:
                    failures.append(f"input {input_name}: {where}")
            report.check(label, compared, failures)


def module_for(model, node_name):
    """The torch module a legacy-exporter node name (`/layer1/layer1.0/conv1/Conv`) belongs to, or None."""
    parts = node_name.strip("/").split("/")[:-1]
    module, previous = model, None
    for part in parts:
        child = part[len(previous) + 1:] if previous and part.startswith(previous + ".") else part
        if child not in module._modules:
            return None
        module, previous = module._modules[child], part
    return module if parts else None


MODULE_OPS = {"Conv": "Conv2d", "BatchNormalization": "BatchNorm2d", "Relu": "ReLU", "Clip": "ReLU6", "Gemm": "Linear",
              "MaxPool": "MaxPool2d", "GlobalAveragePool": "AdaptiveAvgPool2d"}


def check_onnx(binary, report, tmp):
    import onnx
    import torch
    import torchmodels as tm

    tm.silence_export_warnings()
    specs = [tm.ModelSpec("resnet18", "resnet18", 112, seed=1801, batch=2),
             tm.ModelSpec("mobilenet_v2", "mobilenet_v2", 112, seed=2201, batch=2)]
    for spec in specs:
        folder = os.path.join(GENERATED, spec.name)
        path = os.path.join(folder, "model.onnx")
        stamp = tm.stamp(spec, {"keep_batchnorm": True})
        if tm.read_json(os.path.join(folder, "stamp.json")) != stamp or not os.path.exists(path):
            tm.export_onnx(spec, path, keep_batchnorm=True)
            tm.write_json(os.path.join(folder, "stamp.json"), stamp)
        module = tm.build_module(spec)
        for m in module.modules():
            if hasattr(m, "inplace"):
                m.inplace = False  # an in-place activation would overwrite the hooked output of the layer before it
        x = tm.seeded_input(spec)
        input_path = os.path.join(tmp, spec.name + "-input.npy")
        np.save(input_path, x)
        graph = onnx.load(path).graph
        wanted = {}
        calls = {}
        for node in graph.node:
            m = module_for(module, node.name)
            if m is not None and MODULE_OPS.get(node.op_type) == type(m).__name__:
                wanted[node.name] = m
        node_inputs = {node.name: node.input[0] for node in graph.node if node.input}
        hooks = []
        outputs = {}
        gates = {}  # module node name -> Strata's gate (input strictly inside the activation's linear range)
        for name, m in wanted.items():
            def hook(mod, args, out, name=name):
                calls[name] = calls.get(name, 0) + 1
                out.retain_grad()
                outputs[name] = out
            hooks.append(m.register_forward_hook(hook))
            if type(m).__name__ in ("ReLU", "ReLU6"):
                def gate(mod, grad_input, grad_output, name=name):
                    if calls.get(name) == 1 and name in gates:
                        return (grad_output[0] * gates[name],)
                    return None
                hooks.append(m.register_full_backward_hook(gate))
        for target in ["top", "7"]:
            label = f"onnx {spec.name} target {target}"
            try:
                manifest, grads = run_strata(binary, path, [("input", input_path)], target,
                                             os.path.join(tmp, f"{spec.name}-{target}"), layers=["*"])
            except RuntimeError as error:
                report.check(label, 0, [f"strata: {error}"])
                continue
            # A float32 rounding difference between the two forward passes can put an activation's
            # input on the other side of 0 (or 6) in one of them; the backward pass then differs by a
            # whole gate. The reference therefore takes each once-called ReLU/ReLU6's gate from
            # Strata's own forward values (the gates themselves are checked against finite
            # differences in GradientRuleTests); everything else is PyTorch's.
            gates.clear()
            for name, m in wanted.items():
                value = manifest["values"].get(node_inputs.get(name))
                if type(m).__name__ in ("ReLU", "ReLU6") and value is not None:
                    upper = 6.0 if type(m).__name__ == "ReLU6" else np.inf
                    gates[name] = torch.from_numpy(((value > 0) & (value < upper)).astype(np.float32))
            calls.clear()
            outputs.clear()
            xt = torch.from_numpy(x).requires_grad_(True)
            logits = module(xt)
            rows = logits.shape[0]
            indices = logits.argmax(dim=1) if target == "top" else torch.full((rows,), int(target))
            logits[torch.arange(rows), indices].sum().backward()
            failures = []
            got_targets = [t["index"] for t in manifest["gradient"]["targets"]]
            if got_targets != indices.tolist():
                failures.append(f"targets {got_targets} vs torch {indices.tolist()}")
            compared = 0
            for name, out in outputs.items():
                if calls.get(name) != 1 or out.grad is None:
                    continue
                excess, where = close(grads.get(name, np.zeros(0)), out.grad.numpy())
                compared += 1
                if excess > 0:
                    failures.append(f"{name}: {where}")
            excess, where = close(grads.get("input", np.zeros(0)), xt.grad.numpy())
            compared += 1
            if excess > 0:
                failures.append(f"input: {where}")
            report.check(label, compared, failures)
        for h in hooks:
            h.remove()


def einsum_net():
    """Attention written with einsum: projections (one through an ellipsis), scores, mixing, a diagonal
    (repeated label), a weighted sum and a plain sum over tokens, and the head; input [2, 6, 8]."""
    import math
    import torch

    class Einsum(torch.nn.Module):
        """One torch.einsum, with an optional seeded weight as the last operand: a module, so that a
        forward hook sees its output and the ONNX node is named after it (`/<module>/Einsum`)."""

        def __init__(self, equation, weight_shape=None, seed=0):
            super().__init__()
            self.equation = equation
            self.weight = None
            if weight_shape:
                g = torch.Generator().manual_seed(seed)
                self.weight = torch.nn.Parameter(torch.randn(*weight_shape, generator=g) * 0.4)

        def forward(self, *operands):
            return torch.einsum(self.equation, *(operands + ((self.weight,) if self.weight is not None else ())))

    class EinsumNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.q = Einsum("btd,de->bte", (8, 8), 1)
            self.k = Einsum("btd,de->bte", (8, 8), 2)
            self.v = Einsum("...d,de->...e", (8, 8), 3)
            self.scores = Einsum("bqd,bkd->bqk")
            self.mix = Einsum("bqk,bkd->bqd")
            self.diag = Einsum("bii->bi")
            self.weighted = Einsum("bt,btd->bd")
            self.pool = Einsum("btd->bd")
            self.head = Einsum("bd,dc->bc", (8, 5), 4)

        def forward(self, x):
            s = self.scores(self.q(x), self.k(x)) / math.sqrt(8)
            h = self.mix(torch.softmax(s, dim=-1), self.v(x))
            return self.head(self.pool(h) + self.weighted(self.diag(s), x))

    return EinsumNet().eval()


def check_einsum(binary, report, tmp):
    """ONNX Einsum nodes (exported from torch.einsum, opset 17) against torch.autograd: every Einsum
    output's gradient and the input's."""
    import torch
    import torchmodels as tm

    tm.silence_export_warnings()
    module = einsum_net()
    x = np.random.default_rng(1903).standard_normal((2, 6, 8)).astype(np.float32)
    path = os.path.join(tmp, "einsum.onnx")
    torch.onnx.export(module, (torch.from_numpy(x),), path, opset_version=17, dynamo=False, input_names=["input"],
                      output_names=["logits"])
    input_path = os.path.join(tmp, "einsum-input.npy")
    np.save(input_path, x)
    outputs = {}
    hooks = []
    for name, m in module.named_children():
        def hook(mod, args, out, name=name):
            out.retain_grad()
            outputs[f"/{name}/Einsum"] = out
        hooks.append(m.register_forward_hook(hook))
    for target in ["top", "3"]:
        label = f"onnx einsum target {target}"
        try:
            manifest, grads = run_strata(binary, path, [("input", input_path)], target, os.path.join(tmp, f"einsum-{target}"),
                                         layers=["*"])
        except RuntimeError as error:
            report.check(label, 0, [f"strata: {error}"])
            continue
        outputs.clear()
        xt = torch.from_numpy(x).requires_grad_(True)
        logits = module(xt)
        rows = logits.shape[0]
        indices = logits.argmax(dim=1) if target == "top" else torch.full((rows,), int(target))
        logits[torch.arange(rows), indices].sum().backward()
        failures = []
        compared = 0
        for name, out in list(outputs.items()) + [("input", xt)]:
            excess, where = close(grads.get(name, np.zeros(0)), out.grad.numpy())
            compared += 1
            if excess > 0:
                failures.append(f"{name}: {where}")
        report.check(label, compared, failures)
    for h in hooks:
        h.remove()


def recurrent_net():
    """A 2-layer bidirectional LSTM (its initial states are model inputs) feeding a 2-layer
    bidirectional GRU and a linear head on the last step; input [7, 2, 5] (time first)."""
    import torch

    class RecurrentNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(1905)
            self.lstm = torch.nn.LSTM(5, 6, num_layers=2, bidirectional=True)
            self.gru = torch.nn.GRU(12, 4, num_layers=2, bidirectional=True)
            self.head = torch.nn.Linear(8, 3)

        def forward(self, x, h0, c0):
            hidden, _ = self.lstm(x, (h0, c0))
            mixed, _ = self.gru(hidden)
            return self.head(mixed[-1])

    return RecurrentNet().eval()


def check_recurrent(binary, report, tmp):
    """ONNX LSTM and GRU nodes (torch.nn.LSTM and nn.GRU, 2 layers each, bidirectional, exported at
    opset 17) against torch.autograd: the gradients of the input, the LSTM's initial states and the
    last LSTM and GRU layers' hidden sequences (Y, [seq, directions, batch, hidden], which torch
    returns as [seq, batch, directions * hidden])."""
    import onnx
    import torch
    import torchmodels as tm

    tm.silence_export_warnings()
    module = recurrent_net()
    rng = np.random.default_rng(1906)
    arrays = {"x": rng.standard_normal((7, 2, 5)).astype(np.float32),
              "h0": rng.standard_normal((4, 2, 6)).astype(np.float32) * 0.5,
              "c0": rng.standard_normal((4, 2, 6)).astype(np.float32) * 0.5}
    path = os.path.join(tmp, "recurrent.onnx")
    torch.onnx.export(module, tuple(torch.from_numpy(a) for a in arrays.values()), path, opset_version=17, dynamo=False,
                      input_names=list(arrays), output_names=["logits"])
    inputs = []
    for name, a in arrays.items():
        inputs.append((name, os.path.join(tmp, f"recurrent-{name}.npy")))
        np.save(inputs[-1][1], a)
    # The last node of each op type computes the module's returned sequence.
    sequences = {}
    for node in onnx.load(path).graph.node:
        if node.op_type in ("LSTM", "GRU"):
            sequences[node.op_type] = node.output[0]
    outputs = {}
    hooks = []
    for name in ("lstm", "gru"):
        def hook(mod, args, out, name=name):
            out[0].retain_grad()
            outputs[name] = out[0]
        hooks.append(getattr(module, name).register_forward_hook(hook))
    for target in ["top", "1"]:
        label = f"onnx lstm/gru target {target}"
        try:
            manifest, grads = run_strata(binary, path, inputs, target, os.path.join(tmp, f"recurrent-{target}"), layers=["*"])
        except RuntimeError as error:
            report.check(label, 0, [f"strata: {error}"])
            continue
        tensors = {name: torch.from_numpy(a).requires_grad_(True) for name, a in arrays.items()}
        logits = module(*tensors.values())
        rows = logits.shape[0]
        indices = logits.argmax(dim=1) if target == "top" else torch.full((rows,), int(target))
        logits[torch.arange(rows), indices].sum().backward()
        failures = []
        compared = 0
        for op, name in (("LSTM", "lstm"), ("GRU", "gru")):
            grad = outputs[name].grad.numpy()
            seq, batch, width = grad.shape
            want = grad.reshape(seq, batch, 2, width // 2).transpose(0, 2, 1, 3)
            excess, where = close(grads.get(sequences.get(op, ""), np.zeros(0)), want)
            compared += 1
            if excess > 0:
                failures.append(f"{op} {sequences.get(op)}: {where}")
        for name, t in tensors.items():
            excess, where = close(grads.get(name, np.zeros(0)), t.grad.numpy())
            compared += 1
            if excess > 0:
                failures.append(f"{name}: {where}")
        report.check(label, compared, failures)
    for h in hooks:
        h.remove()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("--only", choices=["keras", "onnx"])
    parser.add_argument("--keras-python")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(args.strata):
        sys.exit(f"no strata binary at {args.strata} (make build)")
    report = Report(args.verbose)
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "onnx":
            check_keras(args.strata, testlib.keras_python(args.keras_python), report, tmp)
        if args.only != "keras":
            check_onnx(args.strata, report, tmp)
            check_einsum(args.strata, report, tmp)
            check_recurrent(args.strata, report, tmp)
    print(f"{report.passed} passed, {report.failed} failed")
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":
    main()
