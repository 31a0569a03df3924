#!/usr/bin/env python3
"""Checks `strata run --all` on every Keras fixture against the activations Keras recorded.

    python3 Tools/test-keras.py [--filter REGEX] [-v] [--strata PATH] [--build] [--no-generate]
                                [--report FILE]

Fixtures are Fixtures/keras/* (committed) and Fixtures/generated/keras/* (keras.applications models,
made first by Tools/keras/make-fixtures.py --only-generated in .venv-keras/; --no-generate uses what is
there). For each fixture the script runs
    strata run FIXTURE [--config JSON] --input <each reference input, in order> --all --out TMP
and matches the manifest rows to <fixture>.reference/index.json by (layer, call, output); `strata layers`
must list every recorded layer name (nested ones as outer/inner), and `strata inspect --json` must give
Keras' model.summary() figures (keras_totals; params per layer in keras_layers). A row passes
when shape and dtype agree and |strata - keras| <= 1e-3*|keras| + 1e-4*max|keras| everywhere (float16 rows:
2^-10*|keras| + 2^-8*max|keras|: the rules "reference" and "float16_reference" of Tools/tolerance-policy.json,
compared by Tools/testlib.py); a missing
row fails, except for InputLayer rows. A fixture passes when every row does. Each file of
Fixtures/keras/errors.json must be refused: non-zero exit, exactly one line on stderr starting with
`strata: error:`, naming what the row says it must mention (`mentions`, case-insensitive; `patterns`, regular
expressions such as both shapes of a misshaped weight), and no HDF5 diagnostic.

Prints one line per fixture (-v: every failing row), the failing Keras classes, and `N passed, M failed`
on its own line; --report FILE also writes that summary as Markdown. Exits 1 on any failure.
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

import testlib
from testlib import DEFAULT_BINARY, FIXTURES, ROOT, RELEASE_BUILD

TIMEOUT = 600  # seconds for one strata command; a hang fails the fixture instead of blocking the suite
OPTIONAL_CLASSES = {"InputLayer"}


class Outcome:
    """The result of one fixture: failing rows as (layer, call, output, class, reason)."""

    def __init__(self, name):
        self.name = name
        self.rows = 0
        self.failures = []
        self.run_error = None
        self.unsupported = set()
        self.classes = set()

    @property
    def passed(self):
        return self.run_error is None and not self.failures


def strata(command):
    """Runs a strata command (`command[0]` is the binary); a timeout becomes a failed run."""
    return testlib.run_strata(command[0], command[1:], timeout=TIMEOUT)


def compare(got, want):
    """None when `got` matches `want` within the policy's tolerance, else the reason. float16 rows get
    the float16 rule: TensorFlow's float16 kernels accumulate in float16 in their own order, which
    Strata (accumulating in float32) cannot reproduce bit for bit."""
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, expected {list(want.shape)}"
    if got.dtype != want.dtype:
        return f"dtype {got.dtype}, expected {want.dtype}"
    c = testlib.compare(got, want, "float16_reference" if want.dtype == np.float16 else "reference")
    return None if c.ok else c.describe()


def unsupported_classes(message, classes):
    """Keras classes that a run error names as not supported."""
    if not re.search(r"unsupported|not supported|unknown|cannot", message, re.IGNORECASE):
        return set()
    return {c for c in classes if re.search(rf"\b{re.escape(c)}\b", message)}


def check_inspect(binary, model_args, summary):
    """Failure rows where `strata inspect --json` disagrees with Keras' model.summary() figures."""
    result = strata([binary, "inspect"] + model_args + ["--json"])
    if result.returncode != 0:
        return [("(strata inspect)", 0, 0, "-", testlib.last_line(result.stderr))]
    try:
        info = json.loads(result.stdout)
    except ValueError as error:
        return [("(strata inspect)", 0, 0, "-", f"--json output is not JSON: {error}")]
    totals = info.get("keras_totals")
    if not isinstance(totals, dict):
        return [("(strata inspect)", 0, 0, "-", "no keras_totals in --json output")]
    failures = []
    for key in ("trainable", "non_trainable"):
        if totals.get(key) != summary[key]:
            failures.append(("(strata inspect)", 0, 0, "-", f"{key} params {totals.get(key)}, Keras says {summary[key]}"))
    listed = {row.get("layer"): row for row in info.get("keras_layers", [])}
    for want in summary["layers"]:
        got = listed.get(want["layer"])
        if got is None:
            if want["class"] not in OPTIONAL_CLASSES:
                failures.append((want["layer"], 0, 0, want["class"], "missing from strata inspect"))
            continue
        for key in ("params", "trainable", "non_trainable"):
            if key in got and got[key] != want[key]:
                failures.append((want["layer"], 0, 0, want["class"],
                                 f"strata inspect: {key} {got[key]}, Keras says {want[key]}"))
    return failures


def run_fixture(binary, reference_dir):
    index_path = os.path.join(reference_dir, "index.json")
    with open(index_path) as f:
        index = json.load(f)
    folder = os.path.dirname(reference_dir)
    fixture = os.path.join(folder, index["fixture"])
    outcome = Outcome(os.path.relpath(fixture, FIXTURES))
    rows = index["activations"]
    outcome.rows = len(rows)
    classes = {r["class"] for r in rows}
    outcome.classes = classes
    with tempfile.TemporaryDirectory(prefix="strata-keras-") as tmp:
        out = os.path.join(tmp, "out")
        model_args = [fixture]
        if index.get("config"):
            model_args += ["--config", os.path.join(folder, index["config"])]
        command = [binary, "run"] + model_args
        for item in index["inputs"]:
            command += ["--input", os.path.join(reference_dir, item["file"])]
        command += ["--all", "--out", out, "--quiet"]
        result = strata(command)
        if result.returncode != 0:
            outcome.run_error = testlib.last_line(result.stderr) or f"exit code {result.returncode}"
            outcome.unsupported = unsupported_classes(result.stderr, classes)
            return outcome
        try:
            with open(os.path.join(out, "manifest.json")) as f:
                manifest = json.load(f)
        except (OSError, ValueError) as error:
            outcome.run_error = f"no readable manifest.json: {error}"
            return outcome
        listing = strata([binary, "layers"] + model_args)
        listed = set(listing.stdout.splitlines()) if listing.returncode == 0 else set()
        if listing.returncode != 0:
            outcome.failures.append(("(strata layers)", 0, 0, "-", testlib.last_line(listing.stderr)))
        else:
            for layer, cls in sorted({(r["layer"], r["class"]) for r in rows}):
                if layer not in listed and cls not in OPTIONAL_CLASSES:
                    outcome.failures.append((layer, 0, 0, cls, "not listed by `strata layers`"))
        outcome.failures += check_inspect(binary, model_args, index["summary"])
        produced = {}
        for entry in manifest.get("activations", []):
            key = (entry.get("layer"), int(entry.get("call", 0) or 0), int(entry.get("output", 0) or 0))
            produced.setdefault(key, entry)
        for row in rows:
            key = (row["layer"], row["call"], row["output"])
            entry = produced.get(key)
            if entry is None:
                if row["class"] not in OPTIONAL_CLASSES:
                    outcome.failures.append(key + (row["class"], "missing from the manifest"))
                continue
            want = np.load(os.path.join(reference_dir, row["file"]))
            try:
                got = np.load(os.path.join(out, entry["file"]))
            except (OSError, ValueError) as error:
                outcome.failures.append(key + (row["class"], f"unreadable {entry['file']}: {error}"))
                continue
            problem = compare(got, want)
            if problem:
                outcome.failures.append(key + (row["class"], problem))
    return outcome


def run_error_case(binary, case):
    """None when the file is refused as required, else the reason."""
    fixture = os.path.join(FIXTURES, "keras", case["file"])
    with tempfile.TemporaryDirectory(prefix="strata-keras-err-") as tmp:
        command = [binary, "run", fixture]
        if case.get("config"):
            command += ["--config", os.path.join(FIXTURES, "keras", case["config"])]
        command += ["--all", "--out", os.path.join(tmp, "out"), "--quiet"]
        result = strata(command)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if result.returncode == 0:
        return "exit code 0, expected a refusal"
    if result.returncode < 0:
        return f"killed by signal {-result.returncode}"
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr, expected one: {' | '.join(lines[:4])[:300]}"
    line = lines[0]
    if not line.startswith("strata: error:"):
        return f"stderr does not start with 'strata: error:': {line}"
    if "HDF5" in line and "DIAG" in line:
        return f"HDF5 diagnostic printed: {line}"
    missing = [m for m in case.get("mentions", []) if m.lower() not in line.lower()]
    if missing:
        return f"error does not mention {missing}: {line}"
    unmatched = [p for p in case.get("patterns", []) if not re.search(p, line)]
    if unmatched:
        return f"error does not match {unmatched}: {line}"
    return None


def generate(verbose):
    script = os.path.join(ROOT, "Tools", "keras", "make-fixtures.py")
    result = subprocess.run([sys.executable, script, "--only-generated"], capture_output=not verbose, text=True)
    if result.returncode != 0:
        tail = (result.stdout or "") + (result.stderr or "")
        detail = "" if verbose else ":\n" + "\n".join(tail.strip().splitlines()[-5:])
        # In CI a missing generated set would silently shrink the suite, so it fails instead.
        if os.environ.get("CI"):
            sys.exit("error: Tools/keras/make-fixtures.py --only-generated failed" + detail)
        print("warning: Tools/keras/make-fixtures.py --only-generated failed; testing the fixtures that exist"
              + detail, file=sys.stderr)


def unverified_classes(outcomes):
    """Classes that appear only in fixtures that fail as a whole (so nothing shows they work yet)."""
    proven = set().union(*[o.classes for o in outcomes if o.passed]) if outcomes else set()
    failing = set().union(*[o.classes for o in outcomes if o.run_error]) if outcomes else set()
    return sorted(failing - proven)


def write_report(path, outcomes, error_results, by_class, unsupported, passed, failed):
    lines = ["# Keras fixtures: latest `Tools/test-keras.py` state", "",
             f"{passed} passed, {failed} failed", ""]
    unverified = unverified_classes(outcomes)
    if unverified:
        lines += ["## Classes only in fixtures that fail to run (not yet shown to work)", "",
                  ", ".join(unverified), ""]
    if unsupported:
        lines += ["## Classes named in unsupported-layer errors", ""]
        lines += [f"- {c}: {n} fixture(s)" for c, n in sorted(unsupported.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append("")
    if by_class:
        lines += ["## Classes with differing or missing rows", ""]
        lines += [f"- {c}: {n} row(s)" for c, n in sorted(by_class.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append("")
    lines += ["## Fixtures", ""]
    for o in outcomes:
        if o.passed:
            lines.append(f"- ok {o.name} ({o.rows} rows)")
        elif o.run_error:
            lines.append(f"- FAIL {o.name}: `{o.run_error}`")
        else:
            lines.append(f"- FAIL {o.name}: {len(o.failures)} of {o.rows} rows")
            lines += [f"  - {layer} call {call} output {output} ({cls}): {why}"
                      for layer, call, output, cls, why in o.failures[:8]]
    lines += ["", "## Error fixtures", ""]
    for case, problem in error_results:
        name = case["file"] + (f" --config {case['config']}" if case.get("config") else "")
        lines.append(f"- {'ok' if problem is None else 'FAIL'} {name}" + ("" if problem is None else f": `{problem}`"))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filter", metavar="REGEX", help="only fixtures (paths under Fixtures/) that match")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failing row")
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: release build)")
    parser.add_argument("--build", action="store_true", help="build the release binary first")
    parser.add_argument("--no-generate", action="store_true", help="do not make the generated fixtures")
    parser.add_argument("--report", metavar="FILE", help="also write the summary as Markdown to FILE")
    args = parser.parse_args()
    if args.build:
        build = subprocess.run(RELEASE_BUILD, cwd=ROOT,
                               capture_output=True, text=True)
        if build.returncode != 0:
            sys.exit("release build failed; run `make build` to see why")
    if not os.access(args.strata, os.X_OK):
        sys.exit(f"no strata binary at {args.strata}")
    if not args.no_generate:
        generate(args.verbose)

    references = sorted(glob.glob(os.path.join(FIXTURES, "keras", "*.reference"))) + \
        sorted(glob.glob(os.path.join(FIXTURES, "generated", "keras", "*.reference")))
    outcomes = []
    by_class = collections.Counter()
    unsupported = collections.Counter()
    for reference in references:
        name = os.path.relpath(reference[: -len(".reference")], FIXTURES)
        if args.filter and not re.search(args.filter, name):
            continue
        outcome = run_fixture(args.strata, reference)
        outcomes.append(outcome)
        for c in outcome.unsupported:
            unsupported[c] += 1
        for *_, cls, _ in outcome.failures:
            by_class[cls] += 1
        if outcome.passed:
            print(f"ok   {outcome.name} ({outcome.rows} rows)")
        elif outcome.run_error:
            print(f"FAIL {outcome.name}: {outcome.run_error}")
        else:
            print(f"FAIL {outcome.name}: {len(outcome.failures)} of {outcome.rows} rows differ or are missing")
            shown = outcome.failures if args.verbose else outcome.failures[:3]
            for layer, call, output, cls, why in shown:
                print(f"       {layer} call {call} output {output} ({cls}): {why}")
            if len(shown) < len(outcome.failures):
                print(f"       ... {len(outcome.failures) - len(shown)} more (-v lists all)")

    error_results = []
    errors_json = os.path.join(FIXTURES, "keras", "errors.json")
    cases = json.load(open(errors_json)) if os.path.exists(errors_json) else []
    for case in cases:
        label = "errors: " + case["file"] + (" --config" if case.get("config") else "")
        if args.filter and not re.search(args.filter, label):
            continue
        problem = run_error_case(args.strata, case)
        error_results.append((case, problem))
        print(f"{'ok  ' if problem is None else 'FAIL'} {label}" + ("" if problem is None else f": {problem}"))

    passed = sum(o.passed for o in outcomes) + sum(p is None for _, p in error_results)
    failed = len(outcomes) + len(error_results) - passed
    if unsupported:
        print("unsupported classes (fixtures): " +
              ", ".join(f"{c} ({n})" for c, n in sorted(unsupported.items(), key=lambda kv: (-kv[1], kv[0]))))
    unverified = unverified_classes(outcomes)
    if unverified:
        print("classes only in fixtures that fail to run: " + ", ".join(unverified))
    if by_class:
        print("failing classes (rows): " +
              ", ".join(f"{c} ({n})" for c, n in sorted(by_class.items(), key=lambda kv: (-kv[1], kv[0]))))
    if args.report:
        write_report(args.report, outcomes, error_results, by_class, unsupported, passed, failed)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
