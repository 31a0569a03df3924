#!/usr/bin/env python3
"""A PyTorch model with a Loop and an If, exported to ONNX, against onnxruntime tensor for tensor.

    python3 Tools/test-control-flow.py [--strata PATH] [-v]     # system python: torch, onnx, onnxruntime

A `torch.jit.script` module (a loop over a trip count given as an input, then a branch on the sign
of a sum) is exported with torch's TorchScript exporter, which writes `Loop` and `If`. It runs in
`strata run --layer '*'` (every node output, the tensors inside the Loop body stacked over the
iterations, the taken If branch's tensors once) and in onnxruntime, which sees every intermediate as
a graph output: the top-level nodes' outputs directly; each Loop body tensor as an extra scan output
of the Loop (so onnxruntime stacks it over the iterations as Strata does); and the If replaced by the
nodes of the branch its condition takes (read from a first onnxruntime run). Every tensor Strata
captures must match (|got − want| ≤ 1e-5 + 1e-3·|want|), and every onnxruntime intermediate must be
captured. Inputs are chosen so that both branches run, and a trip count of 0 runs no iteration.

Round trips: the export and every model of Fixtures/ops/control-flow and Fixtures/ops/sequence are
written again by `strata convert` (at their own opset, 13 at least), with their bodies as graph
attributes; onnxruntime must load each written file and give the original's outputs (sequences
element by element, optionals by presence) on the same inputs (the fixtures' JSON inputs).
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

import testlib
import torch
from onnx import helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "strata")
RTOL, ATOL = 1e-3, 1e-5
STACKED = "__stacked"


class LoopAndBranch(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = torch.nn.Linear(6, 6)
        self.outer = torch.nn.Linear(6, 3)

    def forward(self, x, n: int):
        h = x
        for _ in range(n):
            h = torch.tanh(self.inner(h)) + x
        y = self.outer(h)
        if y.sum() > 0:
            out = torch.relu(y) * 2.0
        else:
            out = torch.sigmoid(y) - 1.0
        return out


def export(folder):
    torch.manual_seed(14)
    module = torch.jit.script(LoopAndBranch().eval())
    path = os.path.join(folder, "loop-and-branch.onnx")
    torch.onnx.export(module, (torch.randn(2, 6), 3), path, dynamo=False, opset_version=17,
                      input_names=["x", "n"], output_names=["out"])
    model = onnx.load(path)
    ops = {n.op_type for n in model.graph.node}
    if not {"Loop", "If"} <= ops:
        sys.exit(f"the export has no Loop and If (ops: {sorted(ops)})")
    return path, model


def all_outputs(model):
    """Every top-level node output as a graph output, and each Loop body tensor as an extra scan output."""
    model = copy.deepcopy(model)
    graph = model.graph
    declared = {o.name for o in graph.output}
    for node in graph.node:
        if node.op_type == "Loop":
            body = next(a.g for a in node.attribute if a.name == "body")
            for inner in list(body.node):
                for name in inner.output:
                    if name:
                        # A copy, so that values already leaving the body (the condition, the
                        # loop-carried ones) are stacked as well.
                        body.node.append(helper.make_node("Identity", [name], [name + "__scan"]))
                        body.output.append(helper.make_empty_tensor_value_info(name + "__scan"))
                        node.output.append(name + STACKED)
    for node in graph.node:
        for name in node.output:
            if name and name not in declared:
                graph.output.append(helper.make_empty_tensor_value_info(name))
                declared.add(name)
    return model


def run_ort(model, feeds):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def reference(model, feeds):
    """onnxruntime's value of every tensor, body tensors stacked over iterations (name + STACKED)."""
    first = run_ort(all_outputs(model), feeds)
    inlined, taken = testlib.inline_taken_if_branches(model, feeds)
    return run_ort(all_outputs(inlined), feeds) | first, taken


def check(binary, path, model, feeds, label, verbose):
    want, taken = reference(model, feeds)
    with tempfile.TemporaryDirectory() as tmp:
        args = [binary, "run", path, "--layer", "*", "--out", os.path.join(tmp, "out"), "--quiet", "--threads", "1"]
        for name, value in feeds.items():
            np.save(os.path.join(tmp, name + ".npy"), value)
            args += ["--input", f"{name}={os.path.join(tmp, name + '.npy')}"]
        proc = subprocess.run(args, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"FAIL  {label}: strata exited {proc.returncode}: {proc.stderr.strip()}")
            return False
        manifest = json.load(open(os.path.join(tmp, "out", "manifest.json")))
        problems, compared, captured = [], 0, set()
        for row in manifest["activations"]:
            name = row["tensor"]
            got = np.load(os.path.join(tmp, "out", row["file"]))
            key = name + STACKED if row.get("iterations") is not None else name
            if row.get("iterations") is not None and not row.get("stacked"):
                problems.append(f"{name}: not stacked")
                continue
            if key not in want:
                problems.append(f"{name}: onnxruntime has no value to compare")
                continue
            captured.add(key)
            w = np.asarray(want[key])
            if got.shape != w.shape or got.dtype != w.dtype:
                problems.append(f"{name}: {got.dtype}{list(got.shape)} vs onnxruntime {w.dtype}{list(w.shape)}")
                continue
            bad = np.abs(got.astype(np.float64) - w) > ATOL + RTOL * np.abs(w) if w.dtype.kind == "f" else got != w
            if bad.any():
                problems.append(f"{name}: {int(bad.sum())} of {bad.size} differ")
            compared += 1
        # A body that ran no iteration has nothing to capture; every other value must be captured.
        missing = [k for k, v in want.items() if k not in captured and np.asarray(v).size > 0]
        problems += [f"{k}: not captured" for k in missing]
    branches = ", ".join(f"{k} took {'then' if v else 'else'}" for k, v in taken.items())
    status = "ok" if not problems else "FAIL"
    print(f"{status:4}  {label}: {compared} tensors compared ({branches})")
    for p in problems if (problems or verbose) else []:
        print("      " + p)
    return not problems


def decode(value):
    """A value of the fixtures' JSON: a tensor, {"sequence": [...]} (a list) or {"optional": v|null}."""
    if "sequence" in value:
        return [decode(v) for v in value["sequence"]]
    if "optional" in value:
        return None if value["optional"] is None else decode(value["optional"])
    return np.array(value["values"], dtype=value["dtype"]).reshape(value["shape"])


def same(got, want):
    """Whether two onnxruntime results agree: lists element by element, None with None, arrays within tolerance."""
    if want is None or isinstance(want, list):
        return (got is None and want is None) or (isinstance(got, list) and isinstance(want, list) and len(got) == len(want)
                                                  and all(same(g, w) for g, w in zip(got, want)))
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    if want.dtype.kind == "f":
        return bool(np.all(np.abs(got.astype(np.float64) - want) <= ATOL + RTOL * np.abs(want)))
    return bool(np.array_equal(got, want))


def round_trip(binary, path, feed_sets, label):
    """`strata convert` writes `path` again (its If/Loop/Scan/SequenceMap bodies as graph attributes);
    the written file must load in onnxruntime and give the original's outputs on every feed set."""
    model = onnx.load(path)
    opset = max(13, next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "converted.onnx")
        proc = subprocess.run([binary, "convert", path, out, "--opset", str(opset)], capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"FAIL  round trip {label}: {testlib.last_line(proc.stderr)}")
            return False
        try:
            original = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            converted = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime refusing the written file is the failure this checks
            print(f"FAIL  round trip {label}: onnxruntime: {str(error).splitlines()[0]}")
            return False
        names = [o.name for o in original.get_outputs()]
        problems = []
        for k, feeds in enumerate(feed_sets):
            want = original.run(names, feeds)
            got = converted.run(names, feeds)
            problems += [f"feed set {k}, output '{n}' differs" for n, g, w in zip(names, got, want) if not same(g, w)]
    print(f"{'ok' if not problems else 'FAIL':4}  round trip {label}: {len(feed_sets)} feed sets, {len(names)} outputs")
    for p in problems:
        print("      " + p)
    return not problems


def fixture_round_trips(binary):
    """Round trips of the control-flow and sequence fixtures, fed their JSON's inputs."""
    results = []
    for folder in ("control-flow", "sequence"):
        directory = os.path.join(testlib.ROOT, "Fixtures", "ops", folder)
        for name in sorted(f[:-5] for f in os.listdir(directory) if f.endswith(".onnx")):
            with open(os.path.join(directory, name + ".json")) as f:
                runs = json.load(f)["runs"]
            feed_sets = [{k: decode(v) for k, v in run["inputs"].items()} for run in runs]
            results.append(round_trip(binary, os.path.join(directory, name + ".onnx"), feed_sets, f"{folder}/{name}"))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(14)
    with tempfile.TemporaryDirectory() as folder:
        path, model = export(folder)
        cases, branches = [], set()
        for attempt in range(50):
            x = (rng.standard_normal((2, 6)) * 2).astype(np.float32)
            feeds = {"x": x, "n": np.array(3 + attempt % 3, np.int64)}
            _, taken = reference(model, feeds)
            key = tuple(sorted(taken.items()))
            if key not in branches:
                branches.add(key)
                cases.append((f"n={int(feeds['n'])}, seed case {attempt}", feeds))
            if len(branches) == 2:
                break
        if len(branches) < 2:
            sys.exit("no input found that takes both branches")
        cases.append(("n=0 (no iteration)", {"x": cases[0][1]["x"], "n": np.array(0, np.int64)}))
        ok = all([check(args.strata, path, model, feeds, label, args.verbose) for label, feeds in cases])
        ok = all([round_trip(args.strata, path, [feeds for _, feeds in cases], "torch export")] + fixture_round_trips(args.strata)) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
