#!/usr/bin/env python3
"""Layer-by-layer parity of Strata against onnxruntime on the torchvision fixtures.

For each model in Fixtures/generated/parity/ (made by Tools/parity/make-fixtures.py, run
automatically when a fixture is missing), runs

    strata run MODEL --input NAME=input.npy --all --out TMP --quiet --threads 2

and compares every captured tensor that has an onnxruntime reference (matched by tensor name):
float tensors elementwise with rtol 1e-3 and atol 1e-4 * max|ref| (per tensor, NaN equal to NaN: the
"reference" rule of Tools/tolerance-policy.json, compared by Tools/testlib.py),
integer and bool tensors exactly; shapes and dtypes must be equal. A reference tensor that Strata did
not capture fails too, except Constant outputs (an importer may turn those into initializers).

A second run per model captures three of the tensors alone (`--layer NAME`, so the planner runs only
what they depend on) and compares them too (--no-selective skips it).

Prints per model the number of tensors compared, the first failure in graph order (usually the root
cause: later tensors inherit its error) and the worst failures, then `N passed, M failed` on its own
line. Exit status 1 on any failure.

    python3 Tools/parity/check.py                      # all models
    python3 Tools/parity/check.py --model resnet18 -v  # one model, every failure listed
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import testlib  # noqa: E402
import torchmodels  # noqa: E402  (imports torch only when a fixture has to be made)

PARITY_DIR = os.path.join(testlib.FIXTURES, "generated", "parity")
DEFAULT_STRATA = testlib.DEFAULT_BINARY
MODELS = [spec.name for spec in torchmodels.PARITY_MODELS]


class Result:
    """The comparison of one tensor: `ok`, and for failures a reason and how far off it is."""

    def __init__(self, name, meta, ok, reason="", max_abs_err=0.0, excess=0.0, comparison=None):
        self.name = name
        self.meta = meta
        self.ok = ok
        self.reason = reason
        self.max_abs_err = max_abs_err
        self.excess = excess  # worst |err| / allowed error; inf for shape, dtype or missing failures
        # testlib's Comparison of a float tensor; a failure without one has only its reason.
        self.comparison = comparison or testlib.Comparison(ok, ratio=excess, max_abs_err=max_abs_err, reason=reason)

    def label(self):
        return f"{self.meta['node']} ({self.meta['op']}) {self.name}"

    def describe(self):
        where = f"node '{self.meta['node']}' ({self.meta['op']}) tensor '{self.name}'"
        return f"{where}: {self.reason}"


def compare(name, meta, ref, got):
    if tuple(got.shape) != tuple(ref.shape):
        return Result(name, meta, False, f"shape {list(got.shape)}, expected {list(ref.shape)}",
                      excess=float("inf"))
    if got.dtype != ref.dtype:
        return Result(name, meta, False, f"dtype {got.dtype}, expected {ref.dtype}", excess=float("inf"))
    if ref.size == 0:
        return Result(name, meta, True)
    if ref.dtype.kind not in "fc":
        wrong = int(np.count_nonzero(got != ref))
        if wrong:
            diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
            return Result(name, meta, False, f"{wrong} of {ref.size} values differ (exact compare), "
                          f"max abs err {diff.max():.3g}", max_abs_err=float(diff.max()),
                          excess=float("inf"))
        return Result(name, meta, True)

    r = ref.astype(np.float64)
    g = got.astype(np.float64)
    ref_nan = np.isnan(r)
    got_nan = np.isnan(g)
    if np.any(ref_nan != got_nan):
        count = int(np.count_nonzero(ref_nan != got_nan))
        return Result(name, meta, False, f"NaN in {count} places where the reference differs",
                      excess=float("inf"))
    finite = np.isfinite(r)
    same_inf = np.all(g[~finite & ~ref_nan] == r[~finite & ~ref_nan])
    if not same_inf:
        return Result(name, meta, False, "infinities differ", excess=float("inf"))
    if not finite.any():
        return Result(name, meta, True)
    # NaNs and infinities sit where the reference has them (checked above), so they agree here.
    c = testlib.compare(got, ref)
    if c.ok:
        return Result(name, meta, True, max_abs_err=c.max_abs_err, excess=c.ratio, comparison=c)
    return Result(name, meta, False,
                  f"max abs err {c.max_abs_err:.3g} (max|ref| {c.scale:.3g}, {c.ratio:.3g}x the tolerance, "
                  f"{c.failing} of {c.count} values off)", max_abs_err=c.max_abs_err, excess=c.ratio, comparison=c)


def ensure_fixture(model):
    folder = os.path.join(PARITY_DIR, model)
    if not os.path.exists(os.path.join(folder, "index.json")):
        print(f"{model}: fixture missing, running make-fixtures.py", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "make-fixtures.py"), "--model", model],
                       check=True)
    with open(os.path.join(folder, "index.json")) as f:
        return folder, json.load(f)


class RunFailed(Exception):
    """`strata run` exited with an error or wrote no manifest."""


def run_and_compare(args, folder, index, selectors, wanted):
    """Runs strata with `selectors` and compares the tensors named in `wanted` (Constant outputs may
    be absent). Returns (results, captured tensors without a reference, seconds)."""
    refs = index["tensors"]
    cmd = [args.strata, "run", os.path.join(folder, index["model_file"])]
    for item in index["inputs"]:
        cmd += ["--input", f"{item['name']}={os.path.join(folder, item['file'])}"]
    cmd += selectors + ["--quiet", "--threads", str(args.threads)]
    out = tempfile.mkdtemp(prefix=f"strata-parity-{index['model']}-")
    cmd += ["--out", out]
    try:
        started = time.time()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.time() - started
        manifest_path = os.path.join(out, "manifest.json")
        if proc.returncode != 0 or not os.path.exists(manifest_path):
            message = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise RunFailed(f"strata run failed (exit {proc.returncode}): {message}")
        with open(manifest_path) as f:
            manifest = json.load(f)
        captured = {}
        for row in manifest.get("activations", []):
            captured.setdefault(row["tensor"], row)
        results = []
        for name in wanted:
            meta = refs[name]
            row = captured.get(name)
            if row is None:
                if meta["op"] != "Constant":
                    results.append(Result(name, meta, False, f"not captured by strata run {selectors[0]}",
                                          excess=float("inf")))
                continue
            ref = np.load(os.path.join(folder, meta["file"]))
            got = np.load(os.path.join(out, row["file"]))
            results.append(compare(name, meta, ref, got))
        unreferenced = [t for t in captured if t not in refs]
    finally:
        if args.keep:
            print(f"{index['model']}: strata output of {' '.join(selectors[:1])} kept in {out}")
        else:
            shutil.rmtree(out, ignore_errors=True)
    return results, unreferenced, seconds


def check_model(model, args):
    """Compares one model; returns the list of Results (one per reference tensor, plus the
    selective captures)."""
    try:
        folder, index = ensure_fixture(model)
    except (subprocess.CalledProcessError, OSError, ValueError) as error:
        print(f"{model}: no fixture ({error}); counted as one failure")
        return [Result(model, {"node": "-", "op": "-"}, False, "fixture could not be made",
                       excess=float("inf"))]
    refs = index["tensors"]
    try:
        results, unreferenced, seconds = run_and_compare(args, folder, index, ["--all"], list(refs))
    except RunFailed as error:
        print(f"{model}: {error}")
        return [Result(name, meta, False, "strata run failed", excess=float("inf"))
                for name, meta in refs.items() if meta["op"] != "Constant"]
    report(model, results, unreferenced, seconds, args)

    if args.selective:
        # The same tensors captured alone: the planner then runs only what they depend on.
        computed = [name for name, meta in refs.items() if meta["op"] != "Constant"]
        picks = list(dict.fromkeys([computed[len(computed) * k // 3] for k in (1, 2)] + [computed[-1]]))
        selectors = [arg for name in picks for arg in ("--layer", name)]
        try:
            selective, _, _ = run_and_compare(args, folder, index, selectors, picks)
        except RunFailed as error:
            selective = [Result(name, refs[name], False, str(error), excess=float("inf"))
                         for name in picks]
        for r in selective:
            if not r.ok:
                r.reason = f"when captured alone with --layer: {r.reason}"
        bad = [r for r in selective if not r.ok]
        print(f"  selective capture of {len(selective)} tensors with --layer: "
              f"{'ok' if not bad else f'{len(bad)} failed'}")
        for r in bad:
            print(f"    {r.describe()}")
        results += selective
    return results


def report(model, results, unreferenced, seconds, args):
    failures = [r for r in results if not r.ok]
    extra = f", {len(unreferenced)} captured tensors without a reference" if unreferenced else ""
    margins = [r.excess for r in results if r.ok]
    if margins:
        extra += f", closest pass at {max(margins):.2g}x the tolerance"
    print(f"{model}: {len(results)} tensors compared, {len(results) - len(failures)} passed, "
          f"{len(failures)} failed (strata run {seconds:.1f} s{extra})")
    if not failures:
        return
    print(f"  first failure in graph order: {failures[0].describe()}")
    shown = failures if args.verbose else sorted(failures, key=lambda r: -r.excess)[:args.top]
    print("  all failures:" if args.verbose else f"  worst {len(shown)}:")
    for line in testlib.layer_table([(r.label(), r.comparison) for r in shown]):
        print(f"    {line}")


def main():
    parser = argparse.ArgumentParser(
        description="Compare every intermediate tensor of `strata run --all` with onnxruntime on the "
                    "torchvision parity fixtures (rtol 1e-3, atol 1e-4*max|ref| per tensor).",
        epilog="Fixtures come from Tools/parity/make-fixtures.py (run automatically when missing). "
               "Build the binary first: make build")
    parser.add_argument("--model", action="append", metavar="NAME", choices=MODELS,
                        help=f"only this model (repeatable; {', '.join(MODELS)})")
    parser.add_argument("--strata", default=DEFAULT_STRATA, help="strata binary (default: release build)")
    parser.add_argument("--threads", type=int, default=2, help="strata --threads (default 2)")
    parser.add_argument("--top", type=int, default=5, help="worst failures shown per model (default 5)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failure")
    parser.add_argument("--no-selective", dest="selective", action="store_false",
                        help="skip the second run that captures three tensors alone with --layer")
    parser.add_argument("--keep", action="store_true", help="keep strata's output folders")
    args = parser.parse_args()

    if not os.access(args.strata, os.X_OK):
        print(f"check.py: no strata binary at {args.strata} "
              "(make build)", file=sys.stderr)
        return 2
    passed = failed = 0
    for model in args.model or MODELS:
        results = check_model(model, args)
        passed += sum(r.ok for r in results)
        failed += sum(not r.ok for r in results)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
