#!/usr/bin/env python3
"""Replays the fuzzing regression corpus (Fixtures/fuzz-regressions/TARGET/) through the release binary.

    python3 Tools/test-fuzz-regressions.py [--strata PATH] [-v]

Every file there once crashed, hung or blew up a libFuzzer harness (Tools/fuzz, Docs/Security.md); each is
fed to the `strata` command that reads that kind of file, and must give one clear `strata: error: <file>:`
line, exit code 1, write nothing, and finish within 10 s under 1 GiB (Tools/hostile_run.py). How each
target's files are read:

    onnx          strata inspect FILE.onnx, and strata run FILE.onnx --out out (engine compilation)
    npy           strata run Fixtures/onnx/tiny-cnn.onnx --input FILE.npy --out out
    keras-config  strata inspect Fixtures/keras/WEIGHTS --config FILE.json   (files are named NAME@WEIGHTS.json)
    keras-zip     strata inspect FILE.keras
    hdf5          strata inspect FILE.h5, and strata convert FILE.h5 out.onnx
    image         strata preprocess FILE --model Fixtures/onnx/tiny-cnn.onnx -o x.npy
    stats         strata stats merge FILE -o merged.json

A file whose name ends in `.ok.EXT` is a valid input that once crashed: it must succeed instead (exit 0,
outputs only where asked). Exits 1 when any file fails.
"""
import argparse
import os
import sys
import tempfile
import shutil

import hostile_run
from testlib import DEFAULT_BINARY, ROOT

CORPUS = os.path.join(ROOT, "Fixtures", "fuzz-regressions")
TINY_CNN = "Fixtures/onnx/tiny-cnn.onnx"


def cases_for(target, relative):
    """The commands that replay one corpus file (`relative` to the repository)."""
    name = os.path.basename(relative)
    stem, ext = os.path.splitext(name)
    expect = "ok" if stem.endswith(".ok") else "error"
    named = "file" + ext
    cases = []

    def add(suffix, args, inputs, names, outputs=()):
        cases.append(dict(id=f"{target}-{name}-{suffix}", args=args, inputs=inputs, expect=expect,
                          names=names if expect == "error" else None, outputs=list(outputs)))

    if target == "onnx":
        add("inspect", ["inspect", named], {named: relative}, named)
        add("run", ["run", named, "--out", "out", "--threads", "1"], {named: relative}, named, ["out"])
    elif target == "npy":
        add("run", ["run", "m.onnx", "--input", named, "--out", "out", "--threads", "1"], {"m.onnx": TINY_CNN, named: relative},
            named, ["out"])
    elif target == "keras-config":
        weights = stem.split("@", 1)[1]
        add("inspect", ["inspect", "w.h5", "--config", named], {"w.h5": "Fixtures/keras/" + weights, named: relative}, "w.h5")
    elif target == "keras-zip":
        add("inspect", ["inspect", named], {named: relative}, named)
    elif target == "hdf5":
        add("inspect", ["inspect", named], {named: relative}, named)
        add("convert", ["convert", named, "out.onnx"], {named: relative}, named, ["out.onnx"])
    elif target == "image":
        add("preprocess", ["preprocess", named, "--model", "m.onnx", "-o", "x.npy"], {"m.onnx": TINY_CNN, named: relative},
            named, ["x.npy"])
    elif target == "stats":
        add("merge", ["stats", "merge", named, "-o", "merged.json"], {named: relative}, named, ["merged.json"])
    else:
        raise SystemExit(f"test-fuzz-regressions: no command for target folder {target!r}")
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: the release build)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every case with what happened")
    args = parser.parse_args()
    binary = os.path.abspath(args.strata)
    cases = []
    for target in sorted(os.listdir(CORPUS)):
        folder = os.path.join(CORPUS, target)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            cases += cases_for(target, os.path.relpath(os.path.join(folder, name), ROOT))
    scratch = tempfile.mkdtemp(prefix="strata-fuzz-regressions-")
    failures = 0
    try:
        for case in cases:
            problems, details = hostile_run.run_case(case, binary, ROOT, scratch)
            if problems:
                failures += 1
                print(f"FAIL {case['id']}: {'; '.join(problems)}\n     strata {' '.join(map(repr, case['args']))}\n     {details}")
            elif args.verbose:
                print(f"ok   {case['id']}: {details}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"test-fuzz-regressions: {len(cases) - failures} of {len(cases)} replays passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
