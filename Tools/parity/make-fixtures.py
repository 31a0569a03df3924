#!/usr/bin/env python3
"""Per-layer parity fixtures: torchvision models, their ONNX export and onnxruntime's value of every tensor.

For each model, writes into Fixtures/generated/parity/<model>/ (git-ignored):
  model.onnx   torchvision architecture, seeded random weights, eval mode, opset 17 (legacy exporter;
               batch norms kept as BatchNormalization nodes rather than folded into Conv)
  input.npy    seeded float32 input, batch 1
  refs/*.npy   onnxruntime's value of EVERY node output (graph optimisations disabled)
  index.json   inputs, outputs, and per tensor name: file, node, op, output index, shape, dtype;
               plus the stamp (recipe and package versions) that makes reruns skip finished folders.

Needs torch/torchvision: pip install --no-deps -r Tools/requirements-torch.txt
Then compare Strata with: python3 Tools/parity/check.py
"""

import argparse
import os
import re
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torchmodels as tm  # noqa: E402

PARITY_DIR = os.path.join(tm.GENERATED, "parity")


def safe_name(name):
    """A file-name-safe rendering of a tensor name (the index keeps the real name)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("._") or "tensor"
    return cleaned[:120]


def is_complete(folder, want_stamp):
    index = tm.read_json(os.path.join(folder, "index.json"))
    if not index or index.get("stamp") != want_stamp:
        return False
    files = [os.path.join(folder, "model.onnx")]
    files += [os.path.join(folder, i["file"]) for i in index["inputs"]]
    files += [os.path.join(folder, t["file"]) for t in index["tensors"].values()]
    return all(os.path.exists(f) for f in files)


def all_outputs_model(model):
    """A copy of `model` whose graph outputs are every node output (types left to onnxruntime)."""
    import onnx

    full = onnx.ModelProto()
    full.CopyFrom(model)
    present = {o.name for o in full.graph.output}
    for node in full.graph.node:
        for name in node.output:
            if name and name not in present:
                full.graph.output.append(onnx.ValueInfoProto(name=name))
                present.add(name)
    return full


def reference_session(model_bytes, threads):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def make_fixture(spec, threads, force):
    import onnx
    import torch

    folder = os.path.join(PARITY_DIR, spec.name)
    want = tm.stamp(spec)
    if not force and is_complete(folder, want):
        print(f"{spec.name}: up to date ({folder})")
        return
    started = time.time()
    refs = os.path.join(folder, "refs")
    shutil.rmtree(refs, ignore_errors=True)
    os.makedirs(refs, exist_ok=True)
    index_path = os.path.join(folder, "index.json")
    if os.path.exists(index_path):
        os.remove(index_path)  # a half-rewritten folder must not look complete

    model_path = os.path.join(folder, "model.onnx")
    module = tm.export_onnx(spec, model_path, keep_batchnorm=True)
    x = tm.seeded_input(spec)
    np.save(os.path.join(folder, "input.npy"), x)

    model = onnx.load(model_path)
    onnx.checker.check_model(model)
    session = reference_session(all_outputs_model(model).SerializeToString(), threads)
    input_name = session.get_inputs()[0].name
    names = [o.name for o in session.get_outputs()]
    values = dict(zip(names, session.run(names, {input_name: x})))

    with torch.no_grad():
        torch_out = module(torch.from_numpy(x))
    if isinstance(torch_out, dict):  # segmentation models return {"out": ...}
        torch_out = next(iter(torch_out.values()))
    torch_out = torch_out.numpy()
    final = values[model.graph.output[0].name]
    torch_err = float(np.max(np.abs(final.astype(np.float64) - torch_out)))

    tensors = {}
    used = set()
    for position, node in enumerate(model.graph.node):
        for k, name in enumerate(node.output):
            if not name or name in tensors:
                continue
            value = np.asarray(values[name])
            file = f"refs/{position:04d}_{k}_{safe_name(name)}.npy"
            assert file not in used, file
            used.add(file)
            np.save(os.path.join(folder, file), value)
            tensors[name] = {"file": file, "node": node.name, "op": node.op_type, "output": k,
                             "shape": list(value.shape), "dtype": str(value.dtype)}

    index = {
        "model": spec.name,
        "note": spec.note,
        "model_file": "model.onnx",
        "inputs": [{"name": input_name, "file": "input.npy", "shape": list(x.shape), "dtype": "float32"}],
        "outputs": [o.name for o in model.graph.output],
        "torch_vs_onnxruntime_max_abs_err": torch_err,
        "nodes": len(model.graph.node),
        "tensors": tensors,
        "stamp": want,
    }
    tm.write_json(index_path, index)
    size = sum(os.path.getsize(os.path.join(folder, t["file"])) for t in tensors.values())
    print(f"{spec.name}: {len(model.graph.node)} nodes, {len(tensors)} reference tensors "
          f"({size / 1e6:.0f} MB), torch vs onnxruntime max |err| {torch_err:.2e}, "
          f"{time.time() - started:.0f} s -> {folder}")


def main():
    parser = argparse.ArgumentParser(
        description="Export seeded torchvision models to ONNX with onnxruntime reference values of "
                    "every intermediate tensor, into Fixtures/generated/parity/<model>/.",
        epilog="Models: " + ", ".join(s.name for s in tm.PARITY_MODELS)
               + ". Folders whose stamp (recipe + package versions) matches are skipped.")
    parser.add_argument("--model", action="append", metavar="NAME",
                        help="only this model (repeatable)")
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads (default 2)")
    args = parser.parse_args()

    known = {s.name: s for s in tm.PARITY_MODELS}
    selected = args.model or list(known)
    unknown = [m for m in selected if m not in known]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(known)}")
    tm.silence_export_warnings()
    tm.check_pinned_versions()
    failed = []
    for name in selected:
        try:
            make_fixture(known[name], args.threads, args.force)
        except Exception as error:  # one model's export problem must not stop the others
            print(f"{name}: FAILED: {type(error).__name__}: {str(error).splitlines()[-1][:300]}",
                  file=sys.stderr)
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
