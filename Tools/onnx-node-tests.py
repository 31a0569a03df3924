#!/usr/bin/env python3
"""Runs the ONNX backend node test suite through the `strata` command line.

The cases come from the pinned pip `onnx` package (onnx.backend.test.case.node): each is a one-node
model with inputs and expected outputs. They are written once (and again when the onnx version
changes) to the git-ignored Fixtures/onnx-node-tests/<case>/{model.onnx,test_data_set_N/*.pb}; each
case's inputs are converted to .npy, run with

    strata run model.onnx --input input_0.npy ... --out TMP --quiet --threads 1

and every model output (found in TMP/manifest.json by tensor name) is compared with numpy
(a sequence input is written as a folder of 0.npy, 1.npy, ... and an empty optional input is not
given; a sequence output is compared element by element from its rows' "sequence"/"element", an
optional by its "optional" state and what it holds):
same dtype and shape, |got - want| <= atol + rtol*|want| (rtol 1e-3, atol 1e-5; NaN equals NaN: the
"onnx_node" rule of Tools/tolerance-policy.json, compared by Tools/testlib.py);
integers and booleans exactly. Types .npy has none for (bfloat16, float8 and its fnuz variants, float4, int4/uint4,
int2/uint2) are given and compared exactly widened, as strata writes them (STORED_AS).

Fixtures/onnx-node-allowlist.txt lists cases that are out of scope: one glob per line, ` # reason`.
A listed case that fails is skipped; a listed case that passes is reported as a stale entry; an
unlisted failure makes the script exit 1.

Workflow for op authors:
    python3 Tools/onnx-node-tests.py --filter 'conv'          # your ops only (regex on case names)
    python3 Tools/onnx-node-tests.py --filter '^test_conv_' -v  # with a reason per failing case
    python3 Tools/onnx-node-tests.py --list-failures           # failing case names, one per line
    python3 Tools/onnx-node-tests.py --filter 'mod' --prune-stale  # drop allowlist entries that now pass
The release binary is rebuilt first (make build); --no-build skips that.
"""
import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

import testlib
from testlib import DEFAULT_BINARY, ROOT, load_tensor_proto, RELEASE_BUILD

CASES_DIR = os.path.join(ROOT, "Fixtures", "onnx-node-tests")
STAMP = os.path.join(CASES_DIR, ".generated-by")
ALLOWLIST = os.path.join(ROOT, "Fixtures", "onnx-node-allowlist.txt")
CASE_TIMEOUT_S = 120


def stamp_text():
    return f"onnx {onnx.__version__}\n"


def value_proto(value, info):
    """Serialises one test value the way onnx's own test data is stored, by the declared type."""
    kind = info.type.WhichOneof("value")
    if kind == "sequence_type":
        return numpy_helper.from_list(value, info.name)
    if kind == "optional_type":
        return numpy_helper.from_optional(value, info.name)
    if kind == "map_type":
        return numpy_helper.from_dict(value, info.name)
    if isinstance(value, onnx.TensorProto):
        return value
    return numpy_helper.from_array(np.asarray(value), info.name)


def generate(force=False):
    """Writes every node case once; again only when the onnx version differs from the stamp."""
    if not force and os.path.exists(STAMP) and open(STAMP).read() == stamp_text():
        return
    from onnx.backend.test.case.node import collect_testcases

    print(f"generating ONNX node test cases (onnx {onnx.__version__}) into {os.path.relpath(CASES_DIR, ROOT)}/ ...",
          file=sys.stderr)
    if os.path.exists(CASES_DIR):
        shutil.rmtree(CASES_DIR)
    os.makedirs(CASES_DIR)
    count = 0
    for case in collect_testcases(None):
        if case.kind != "node" or case.model is None:
            continue
        folder = os.path.join(CASES_DIR, case.name)
        os.makedirs(folder)
        with open(os.path.join(folder, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets):
            data = os.path.join(folder, f"test_data_set_{i}")
            os.makedirs(data)
            for prefix, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
                for j, value in enumerate(values):
                    with open(os.path.join(data, f"{prefix}_{j}.pb"), "wb") as f:
                        f.write(value_proto(value, infos[j]).SerializeToString())
        with open(os.path.join(folder, "tolerance.json"), "w") as f:
            json.dump({"rtol": case.rtol, "atol": case.atol}, f)
        count += 1
    with open(STAMP, "w") as f:
        f.write(stamp_text())
    print(f"generated {count} cases", file=sys.stderr)


def read_allowlist(path):
    """[(pattern, reason)] from `glob  # reason` lines; blank lines and comment lines are ignored."""
    entries = []
    if not os.path.exists(path):
        return entries
    for number, line in enumerate(open(path), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        pattern, _, reason = text.partition("#")
        pattern = pattern.strip()
        if not reason.strip():
            sys.exit(f"{path}:{number}: entry '{pattern}' has no '# reason'")
        entries.append((pattern, reason.strip()))
    return entries


def prune_allowlist(path, all_names, passed, ran):
    """Rewrites `path` without the entries whose every matching case ran now and passed."""
    ran = set(ran)
    kept, removed = [], []
    for line in open(path):
        pattern = line.partition("#")[0].strip()
        if pattern and not line.lstrip().startswith("#"):
            matches = [n for n in all_names if fnmatch.fnmatchcase(n, pattern)]
            if matches and all(n in ran and n in passed for n in matches):
                removed.append(pattern)
                continue
        kept.append(line)
    with open(path, "w") as f:
        f.writelines(kept)
    print(f"removed {len(removed)} stale allowlist entries from {os.path.relpath(path, ROOT)}")


def load_value(path, info):
    """A test value by its declared type: an array, a list of arrays (sequence), or for an optional
    None (empty) or what it holds."""
    kind = info.type.WhichOneof("value")
    if kind == "tensor_type":
        return load_tensor_proto(path)
    proto = onnx.SequenceProto() if kind == "sequence_type" else onnx.OptionalProto() if kind == "optional_type" else None
    if proto is None:
        raise ValueError(f"value '{info.name}' is a {kind}")
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    return numpy_helper.to_list(proto) if kind == "sequence_type" else numpy_helper.to_optional(proto)


# The dtypes .npy has no type for (ml_dtypes names), as strata writes and reads them: exactly
# widened, the floats to float32 and the 4- and 2-bit integers to int8/uint8.
STORED_AS = {
    "bfloat16": np.float32, "float8_e4m3fn": np.float32, "float8_e5m2": np.float32, "float4_e2m1fn": np.float32,
    "float8_e4m3fnuz": np.float32, "float8_e5m2fnuz": np.float32,
    "int4": np.int8, "int2": np.int8, "uint4": np.uint8, "uint2": np.uint8,
}


def write_input(value, info, path):
    """Writes one input as strata run reads it: an array as PATH.npy, a sequence as a folder PATH/
    of 0.npy, 1.npy, ...; an optional as what it holds. Returns the path, or None for an empty
    optional (strata reads an input given nothing as empty) or a reason string prefixed '!'."""
    if value is None:
        return None
    if isinstance(value, list):
        os.makedirs(path, exist_ok=True)
        for k, element in enumerate(value):
            problem = write_input(element, info, os.path.join(path, str(k)))
            if problem and problem.startswith("!"):
                return problem
        return path
    array = np.asarray(value)
    if array.dtype.name in STORED_AS:
        array = array.astype(STORED_AS[array.dtype.name])  # .npy has no such type; strata narrows it back exactly
    if array.dtype.kind in "USOV":
        return f"!input '{info.name}' has dtype {array.dtype}"
    np.save(path + ".npy", array)
    return path + ".npy"


def compare_value(name, rows, want, out_dir):
    """None when the manifest rows of output `name` hold `want` (array, list, or None), else why not."""
    if want is None:
        return None if rows and rows[0].get("optional") == "empty" else f"output '{name}': expected an empty optional"
    if isinstance(want, list):
        if not rows or "sequence" not in rows[0]:
            return f"output '{name}': expected a sequence of {len(want)} elements"
        if rows[0]["sequence"] != len(want):
            return f"output '{name}': a sequence of {rows[0]['sequence']} elements, expected {len(want)}"
        by_element = {r.get("element"): r for r in rows if "file" in r}
        for k, element in enumerate(want):
            if k not in by_element:
                return f"output '{name}': element {k} missing from the manifest"
            problem = compare(f"{name}[{k}]", np.load(os.path.join(out_dir, by_element[k]["file"])), element)
            if problem:
                return problem
        return None
    if not rows or "file" not in rows[0]:
        return f"output '{name}': expected a tensor"
    return compare(name, np.load(os.path.join(out_dir, rows[0]["file"])), want)


def compare(name, got, want):
    """None when `got` matches `want`, else why not."""
    if want.dtype.name in STORED_AS and got.dtype == STORED_AS[want.dtype.name]:
        want = want.astype(got.dtype)  # strata writes these types exactly widened (STORED_AS)
    if got.dtype != want.dtype:
        return f"output '{name}': dtype {got.dtype}, expected {want.dtype}"
    if got.shape != want.shape:
        return f"output '{name}': shape {list(got.shape)}, expected {list(want.shape)}"
    if want.dtype.kind == "f":
        c = testlib.compare(got, want, "onnx_node")
        return None if c.ok else f"output '{name}': {c.describe()}"
    if want.dtype.kind == "c":
        rule = testlib.rule("onnx_node")
        ok = np.isclose(got, want, rtol=rule.rtol, atol=rule.atol, equal_nan=rule.nan_equal)
        if not ok.all():
            bad = np.argwhere(~ok)
            index = tuple(bad[0])
            diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
            worst = np.nanmax(np.where(ok, 0, diff)) if np.isfinite(diff).any() else float("nan")
            return (f"output '{name}': {len(bad)} of {want.size} values differ; first at {list(index)}: "
                    f"{got[index]} vs {want[index]}; max abs err {worst:.3g}")
        return None
    if not np.array_equal(got, want):
        bad = np.argwhere(got != want)
        index = tuple(bad[0]) if len(bad) else ()
        return f"output '{name}': {len(bad)} of {want.size} values differ; first at {list(index)}: {got[index]} vs {want[index]}"
    return None


def run_case(binary, name):
    """(name, op types, None | reason) for one case; every data set must pass."""
    folder = os.path.join(CASES_DIR, name)
    model = onnx.load(os.path.join(folder, "model.onnx"), load_external_data=False)
    ops = sorted({node.op_type for node in model.graph.node})
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    sets = sorted(d for d in os.listdir(folder) if d.startswith("test_data_set_"))
    with tempfile.TemporaryDirectory(prefix="strata-node-") as tmp:
        for data_set in sets:
            data = os.path.join(folder, data_set)
            command = [binary, "run", os.path.join(folder, "model.onnx"), "--out", os.path.join(tmp, "out"),
                       "--quiet", "--threads", "1"]
            # Sequence and optional inputs are bound by name, since an empty optional is given nothing.
            by_name = any(i.type.WhichOneof("value") != "tensor_type" for i in inputs)
            for j, info in enumerate(inputs):
                pb = os.path.join(data, f"input_{j}.pb")
                if not os.path.exists(pb):
                    break
                if info.type.WhichOneof("value") not in ("tensor_type", "sequence_type", "optional_type"):
                    return name, ops, f"input '{info.name}' is a {info.type.WhichOneof('value')}"
                path = write_input(load_value(pb, info), info, os.path.join(tmp, f"input_{j}"))
                if path is not None and path.startswith("!"):
                    return name, ops, path[1:]
                if path is not None:
                    command += ["--input", f"{info.name}={path}" if by_name else path]
            try:
                result = subprocess.run(command, capture_output=True, text=True, timeout=CASE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                return name, ops, f"timed out after {CASE_TIMEOUT_S}s"
            if result.returncode != 0:
                lines = result.stderr.strip().splitlines()
                return name, ops, (lines[-1] if lines else f"exit code {result.returncode}")
            manifest = json.load(open(os.path.join(tmp, "out", "manifest.json")))
            rows = {}
            for a in manifest["activations"]:
                rows.setdefault(a["tensor"], []).append(a)
            for j, info in enumerate(model.graph.output):
                pb = os.path.join(data, f"output_{j}.pb")
                if not os.path.exists(pb):
                    continue
                if info.type.WhichOneof("value") not in ("tensor_type", "sequence_type", "optional_type"):
                    return name, ops, f"output '{info.name}' is a {info.type.WhichOneof('value')}"
                if info.name not in rows:
                    return name, ops, f"output '{info.name}' missing from the manifest"
                problem = compare_value(info.name, rows[info.name], load_value(pb, info), os.path.join(tmp, "out"))
                if problem:
                    return name, ops, problem
            shutil.rmtree(os.path.join(tmp, "out"))
    return name, ops, None


def build(binary):
    if binary != DEFAULT_BINARY:
        return
    print("building release strata ...", file=sys.stderr)
    result = subprocess.run(RELEASE_BUILD, cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        errors = [l for l in result.stdout.splitlines() + result.stderr.splitlines() if "error:" in l]
        sys.exit("release build failed:\n" + "\n".join(sorted(set(errors))[:30]))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Example: python3 Tools/onnx-node-tests.py --filter 'conv'  (regex on case names)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filter", metavar="REGEX", help="only cases whose name matches (re.search)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the reason for each failing case")
    parser.add_argument("--list-failures", action="store_true", help="print failing case names only")
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: release build)")
    parser.add_argument("--no-build", action="store_true", help="do not rebuild the release binary first")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--regenerate", action="store_true", help="rewrite the generated cases")
    parser.add_argument("--prune-stale", action="store_true",
                        help="remove allowlist entries whose cases all ran in this invocation and passed")
    parser.add_argument("--allowlist", default=ALLOWLIST, help=argparse.SUPPRESS)
    args = parser.parse_args()

    generate(force=args.regenerate)
    if not args.no_build:
        build(args.strata)
    if not os.access(args.strata, os.X_OK):
        sys.exit(f"no strata binary at {args.strata}")

    allow = read_allowlist(args.allowlist)
    names = sorted(d for d in os.listdir(CASES_DIR) if os.path.isdir(os.path.join(CASES_DIR, d)))
    all_names = names
    if args.filter:
        pattern = re.compile(args.filter)
        names = [n for n in names if pattern.search(n)]

    def listed(name):
        for glob, reason in allow:
            if fnmatch.fnmatchcase(name, glob):
                return glob, reason
        return None

    passed, failed, skipped, stale = [], [], [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, ops, problem in pool.map(lambda n: run_case(args.strata, n), names):
            entry = listed(name)
            if problem is None:
                passed.append(name)
                if entry:
                    stale.append((name, entry[0]))
            elif entry:
                skipped.append((name, problem, entry))
            else:
                failed.append((name, ops, problem))

    if args.list_failures:
        for name, _, _ in failed:
            print(name)
        return 1 if failed else 0
    if args.verbose:
        for name, _, problem in failed:
            print(f"FAIL {name}: {problem}")
    for name, glob in stale:
        print(f"stale allowlist entry: {name} passes but matches '{glob}'")
    if args.prune_stale and stale:
        prune_allowlist(args.allowlist, all_names, set(passed), names)
    if failed:
        by_op = {}
        for name, ops, _ in failed:
            for op in ops or ["?"]:
                by_op.setdefault(op, []).append(name)
        print("failing op types: " + ", ".join(f"{op} ({len(v)})" for op, v in sorted(by_op.items())))
    print(f"{len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped (allowlisted)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
