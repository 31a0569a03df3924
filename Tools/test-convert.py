#!/usr/bin/env python3
"""Checks `strata convert` (Keras or ONNX → ONNX) with the ONNX checker and onnxruntime.

    python3 Tools/test-convert.py [--filter REGEX] [-v] [--strata PATH] [--build] [--opset N]
    python3 Tools/test-convert.py --print-opset-table

For each Keras fixture (Fixtures/keras/*.reference, Fixtures/generated/keras/*.reference; see
Tools/keras/README.md) the script runs `strata convert FIXTURE [--config JSON] OUT.onnx --opset N`,
then `onnx.checker.check_model(full_check=True)`, then onnxruntime on the reference inputs. Every row of
the converted model's capture table (metadata_props `strata.layers`: layer, call, output, tensor) that
Keras recorded is fetched from onnxruntime as an extra graph output and compared with Keras' value:
|onnx - keras| <= 1e-3*|keras| + 1e-4*max|keras|. The model's own outputs must all be matched rows.
A few ONNX files are re-serialised at opsets 13 and 21 and compared with onnxruntime on the original.

Prints one line per conversion and `N passed, M failed`; exits 1 on any failure. Keras fixtures whose
classes the importer does not support fail at conversion and are reported as such.

--print-opset-table prints the op → opset-versions table of Sources/StrataONNX/Export/ONNXOpsetTable.swift
from the installed onnx package.
"""
import argparse
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

ONNX_FIXTURES = ["onnx/tiny-cnn.onnx", "generated/bench/resnet18/model.onnx", "generated/bench/mobilenet_v2/model.onnx"]


KNOWN_FAILURES = os.path.join(FIXTURES, "convert-known-failures.txt")


def compare(got, want):
    """None when `got` matches `want` within the policy's tolerance, else the reason. float16 references
    (mixed-precision layers) get the float16 rule: onnxruntime's float16 kernels round in their own
    order, as TensorFlow's do."""
    c = testlib.compare(got, want, "float16_reference" if want.dtype == np.float16 else "reference")
    return None if c.ok else c.describe()


def convert(binary, model, out, opset, config=None):
    """Runs strata convert; the error line on failure, else None."""
    command = [binary, "convert", model, out, "--opset", str(opset), "--quiet"]
    if config:
        command += ["--config", config]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        return lines[-1] if lines else f"exit code {result.returncode}"
    if not os.path.exists(out):
        return "strata convert succeeded but wrote no file"
    return None


def check(path):
    import onnx
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    return model


def session(model, extra_outputs):
    """An onnxruntime session returning the graph outputs plus `extra_outputs` (tensor names)."""
    import onnx
    import onnxruntime as ort
    model = onnx.ModelProto.FromString(model.SerializeToString())
    present = {o.name for o in model.graph.output}
    for name in extra_outputs:
        if name not in present:
            model.graph.output.append(onnx.ValueInfoProto(name=name))
            present.add(name)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def run_keras_fixture(binary, reference_dir, opset, verbose):
    """(passed, message) for one Keras fixture."""
    index = json.load(open(os.path.join(reference_dir, "index.json")))
    folder = os.path.dirname(reference_dir)
    fixture = os.path.join(folder, index["fixture"])
    config = os.path.join(folder, index["config"]) if index.get("config") else None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model.onnx")
        error = convert(binary, fixture, out, opset, config)
        needed = re.search(r"convert with --opset (\d+)", error or "")
        if needed:
            # A refusal that names the opset the model needs must be right: at that opset it converts.
            opset = int(needed.group(1))
            error = convert(binary, fixture, out, opset, config)
        if error:
            return False, f"convert: {error}"
        try:
            model = check(out)
        except Exception as e:  # the checker's own exception types vary between onnx releases
            return False, f"checker: {str(e).strip().splitlines()[0]}"
        meta = {p.key: p.value for p in model.metadata_props}
        rows = json.loads(meta.get("strata.layers", "[]"))
        by_key = {(r["layer"], r.get("call", 0), r["output"]): r["tensor"] for r in rows}
        perms = {(r["layer"], r.get("call", 0), r["output"]): r.get("perm") for r in rows}
        initializers = {t.name for t in model.graph.initializer}
        inputs = {i.name for i in model.graph.input}
        wanted = []
        for act in index["activations"]:
            tensor = by_key.get((act["layer"], act["call"], act["output"]))
            if tensor is None or tensor in initializers or tensor in inputs:
                continue
            wanted.append((act, tensor))
        outputs = [o.name for o in model.graph.output]
        matched = {t for _, t in wanted}
        unmatched = [o for o in outputs if o not in matched and o not in inputs]
        if unmatched:
            return False, f"graph outputs without a Keras reference row: {unmatched}"
        feeds = {}
        graph_inputs = [i.name for i in model.graph.input if i.name not in initializers]
        if len(graph_inputs) != len(index["inputs"]):
            return False, f"{len(graph_inputs)} graph inputs, Keras has {len(index['inputs'])}"
        for name, spec in zip(graph_inputs, index["inputs"]):
            if name != spec["name"]:
                return False, f"graph input '{name}' is named differently from the Keras input '{spec['name']}'"
            feeds[name] = np.load(os.path.join(reference_dir, spec["file"]))
        try:
            sess = session(model, [t for _, t in wanted])
            names = [o.name for o in sess.get_outputs()]
            values = dict(zip(names, sess.run(names, feeds)))
        except Exception as e:
            return False, f"onnxruntime: {str(e).strip().splitlines()[0]}"
        failures = []
        for act, tensor in wanted:
            value = values[tensor]
            perm = perms.get((act["layer"], act["call"], act["output"]))
            if perm:
                value = np.transpose(value, perm)
            why = compare(value, np.load(os.path.join(reference_dir, act["file"])))
            if why:
                failures.append(f"{act['layer']} call {act['call']} output {act['output']} ({act['class']}): {why}")
        if failures:
            shown = failures if verbose else failures[:3]
            return False, f"{len(failures)} of {len(wanted)} layers differ\n       " + "\n       ".join(shown)
        transposes = sum(n.op_type == "Transpose" for n in model.graph.node)
        return True, f"{len(wanted)} layers, {len(model.graph.node)} nodes, {transposes} Transpose"


def run_onnx_fixture(binary, path, opset):
    """(passed, message) for one ONNX file re-serialised at `opset`."""
    import onnx
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model.onnx")
        error = convert(binary, path, out, opset)
        if error:
            return False, f"convert: {error}"
        try:
            converted = check(out)
        except Exception as e:
            return False, f"checker: {str(e).strip().splitlines()[0]}"
        original = onnx.load(path)
        rng = np.random.default_rng(0)
        initializers = {t.name for t in original.graph.initializer}
        feeds = {}
        for i in original.graph.input:
            if i.name in initializers:
                continue
            dims = [d.dim_value if d.HasField("dim_value") else 1 for d in i.type.tensor_type.shape.dim]
            feeds[i.name] = rng.standard_normal(dims).astype(np.float32)
        try:
            want = session(original, []).run(None, feeds)
            got = session(converted, []).run(None, feeds)
        except Exception as e:
            return False, f"onnxruntime: {str(e).strip().splitlines()[0]}"
        for name, g, w in zip([o.name for o in original.graph.output], got, want):
            why = compare(g, w)
            if why:
                return False, f"output {name}: {why}"
        return True, f"{len(want)} outputs, {len(converted.graph.node)} nodes"


def print_opset_table():
    import onnx.defs
    versions = {}
    for schema in onnx.defs.get_all_schemas_with_history():
        if schema.domain in ("", "ai.onnx"):
            versions.setdefault(schema.name, set()).add(schema.since_version)
    for name in sorted(versions):
        print(f'        "{name}": [{", ".join(map(str, sorted(versions[name])))}],')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filter", metavar="REGEX", help="only fixtures (paths under Fixtures/) that match")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failing layer")
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: release build)")
    parser.add_argument("--build", action="store_true", help="build the release binary first")
    parser.add_argument("--opset", type=int, default=17, help="the opset for Keras conversions (default 17)")
    parser.add_argument("--print-opset-table", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.print_opset_table:
        print_opset_table()
        return 0
    if args.build:
        build = subprocess.run(RELEASE_BUILD, cwd=ROOT,
                               capture_output=True, text=True)
        if build.returncode != 0:
            sys.exit("release build failed; run `make build` to see why")
    if not os.access(args.strata, os.X_OK):
        sys.exit(f"no strata binary at {args.strata}")

    known = read_known_failures()
    used = set()
    passed = failed = expected = 0
    references = sorted(glob.glob(os.path.join(FIXTURES, "keras", "*.reference"))) + \
        sorted(glob.glob(os.path.join(FIXTURES, "generated", "keras", "*.reference")))
    cases = [("keras", r, os.path.relpath(r[: -len(".reference")], FIXTURES), args.opset) for r in references]
    for rel in ONNX_FIXTURES:
        path = os.path.join(FIXTURES, rel)
        if os.path.exists(path):
            cases += [("onnx", path, f"{rel} @ opset {opset}", opset) for opset in (13, 21)]
    for kind, path, name, opset in cases:
        if args.filter and not re.search(args.filter, name):
            continue
        if kind == "keras":
            ok, message = run_keras_fixture(args.strata, path, opset, args.verbose)
        else:
            ok, message = run_onnx_fixture(args.strata, path, opset)
        reason = next((why for pattern, why in known if re.search(pattern, name)), None)
        if reason is not None:
            used.update(pattern for pattern, _ in known if re.search(pattern, name))
            if ok:
                print(f"FAIL {name}: passes but is listed in {os.path.relpath(KNOWN_FAILURES, ROOT)} (stale entry)")
                failed += 1
            else:
                print(f"known {name}: {message.splitlines()[0]} ({reason})")
                expected += 1
            continue
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {message}")
        passed += ok
        failed += not ok
    if not args.filter:
        for pattern, _ in known:
            if pattern not in used:
                print(f"FAIL {os.path.relpath(KNOWN_FAILURES, ROOT)}: entry '{pattern}' matches no fixture (stale)")
                failed += 1
    print(f"{passed} passed, {failed} failed, {expected} known failures")
    return 1 if failed else 0


def read_known_failures():
    """[(regex, reason)] from the known-failures file: `regex  # reason` per line."""
    rows = []
    if os.path.exists(KNOWN_FAILURES):
        for line in open(KNOWN_FAILURES):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pattern, _, reason = line.partition("#")
            if not reason.strip():
                sys.exit(f"{KNOWN_FAILURES}: every entry needs a reason after '#': {line}")
            rows.append((pattern.strip(), reason.strip()))
    return rows


if __name__ == "__main__":
    sys.exit(main())
