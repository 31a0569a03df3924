#!/usr/bin/env python3
"""Tests of Tools/parity/check.py itself, without Strata.

A stand-in `strata` executable replays a fixture's onnxruntime references as if it had computed them,
optionally damaging them: scaled outputs of one op type, one tensor with a wrong shape, one with a
wrong dtype, one left out, integer values changed, or only the values of the selective `--layer` run. Each case asserts check.py's exit status and the
exact pass/fail counts, so a checker that accepts everything (or rejects good data) fails here.

    python3 Tools/parity/selftest.py            # uses the resnet18 and vit_small fixtures
"""

import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check.py")

# The stand-in reads index.json next to the model and writes every non-Constant reference tensor
# into --out with a manifest, applying the damage named by STRATA_FAKE_DAMAGE (JSON).
FAKE_STRATA = r'''#!/usr/bin/env python3
import json, os, sys
import numpy as np
args = sys.argv[1:]
assert args[0] == "run", args
model = args[1]
out = args[args.index("--out") + 1]
selected = {args[i + 1] for i, a in enumerate(args) if a == "--layer"}
assert selected or "--all" in args, args
folder = os.path.dirname(model)
index = json.load(open(os.path.join(folder, "index.json")))
damage = json.loads(os.environ.get("STRATA_FAKE_DAMAGE", "{}"))
rows = []
for n, (name, meta) in enumerate(index["tensors"].items()):
    if meta["op"] == "Constant" or name == damage.get("drop") or (selected and name not in selected):
        continue
    value = np.load(os.path.join(folder, meta["file"]))
    if selected and damage.get("selective_factor"):
        value = value * np.float32(damage["selective_factor"])
    if meta["op"] == damage.get("scale_op"):
        value = value * np.float32(damage["factor"])
    if name == damage.get("reshape"):
        value = value.reshape(-1)
    if name == damage.get("retype"):
        value = value.astype(np.float64)
    if name == damage.get("bump"):
        value = value + 1
    file = f"t{n}.npy"
    np.save(os.path.join(out, file), value)
    rows.append({"layer": meta["node"], "op": meta["op"], "output": meta["output"], "tensor": name,
                 "file": file, "shape": list(value.shape), "dtype": str(value.dtype)})
json.dump({"model": model, "format": "onnx", "inputs": [], "activations": rows},
          open(os.path.join(out, "manifest.json"), "w"))
'''


def selective_picks(computed):
    """The tensors check.py captures alone: at a third, two thirds and the end of the graph."""
    return list(dict.fromkeys([computed[len(computed) * k // 3] for k in (1, 2)] + [computed[-1]]))


def run_check(fake, model, damage):
    env = dict(os.environ, STRATA_FAKE_DAMAGE=json.dumps(damage))
    proc = subprocess.run([sys.executable, CHECK, "--strata", fake, "--model", model],
                          capture_output=True, text=True, env=env)
    match = re.search(r"^(\d+) passed, (\d+) failed$", proc.stdout, re.MULTILINE)
    if not match:
        raise AssertionError(f"no summary line in check.py output:\n{proc.stdout}{proc.stderr}")
    return proc.returncode, int(match.group(1)), int(match.group(2)), proc.stdout


def load_index(model):
    path = os.path.join(os.path.dirname(os.path.dirname(HERE)), "Fixtures", "generated", "parity",
                        model, "index.json")
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(HERE, "make-fixtures.py"), "--model", model],
                       check=True)
    with open(path) as f:
        return json.load(f)


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "strata")
        with open(fake, "w") as f:
            f.write(FAKE_STRATA)
        os.chmod(fake, 0o755)

        cnn = load_index("resnet18")
        vit = load_index("vit_small")
        conv = next(n for n, t in cnn["tensors"].items() if t["op"] == "Conv")
        gemm = next(n for n, t in cnn["tensors"].items() if t["op"] == "Gemm")
        relus = {n for n, t in cnn["tensors"].items() if t["op"] == "Relu"}
        shape_op = next(n for n, t in vit["tensors"].items() if t["op"] == "Shape")

        def expect(index, damaged):
            """(exit, passed, failed) when the tensors in `damaged` come out wrong in every run."""
            computed = [n for n, t in index["tensors"].items() if t["op"] != "Constant"]
            picks = set(selective_picks(computed))
            failed = len(set(computed) & damaged) + len(picks & damaged)
            total = len(computed) + len(picks)
            return (1 if failed else 0, total - failed, failed)

        cnn_picks = set(selective_picks([n for n, t in cnn["tensors"].items() if t["op"] != "Constant"]))
        cases = [
            # (name, model, damage, expected (exit, passed, failed))
            ("exact replay passes", "resnet18", {}, expect(cnn, set())),
            ("within tolerance passes", "resnet18", {"scale_op": "Relu", "factor": 1.0005},
             expect(cnn, set())),
            ("1% off fails that op only", "resnet18", {"scale_op": "Relu", "factor": 1.01},
             expect(cnn, relus)),
            ("wrong shape fails", "resnet18", {"reshape": conv}, expect(cnn, {conv})),
            ("wrong dtype fails", "resnet18", {"retype": gemm}, expect(cnn, {gemm})),
            ("missing tensor fails", "resnet18", {"drop": conv}, expect(cnn, {conv})),
            ("integer tensors compare exactly", "vit_small", {"bump": shape_op}, expect(vit, {shape_op})),
            ("selective --layer run is compared", "resnet18", {"selective_factor": 1.01},
             (1, len(cnn["tensors"]) - sum(t["op"] == "Constant" for t in cnn["tensors"].values()),
              len(cnn_picks))),
        ]
        for name, model, damage, (want_exit, want_passed, want_failed) in cases:
            code, passed, failed, output = run_check(fake, model, damage)
            ok = (code, passed, failed) == (want_exit, want_passed, want_failed)
            print(f"{'ok  ' if ok else 'FAIL'} {name}: exit {code}, {passed} passed, {failed} failed")
            if not ok:
                failures.append(name)
                print(f"     expected exit {want_exit}, {want_passed} passed, {want_failed} failed\n{output}")
    print(f"{len(cases) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
