#!/usr/bin/env python3
"""The malformed-file suite: every case of Tools/make-malformed-suite.py through the release binary.

    python3 Tools/test-malformed.py [--strata PATH] [--filter REGEX] [--jobs N] [-v]

The cases (Fixtures/generated/malformed-suite/cases.json, git-ignored) are generated first when missing or
written by another version of the generator. Each runs in its own empty folder (inputs copied in, FIFOs,
device nodes and links made there) and must give one located `strata: error: <file>: …` line and exit 1
(exit 64 with the usage text for a bad flag value, exit 0 where the case says a result is correct), create
nothing outside its outputs, finish within 10 s and stay under 1 GiB of memory; see Tools/hostile_run.py.
Exits 1 when any case fails.
"""
import argparse
import concurrent.futures
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import hostile_run
from testlib import DEFAULT_BINARY, ROOT

GENERATOR = os.path.join(ROOT, "Tools", "make-malformed-suite.py")
CASES = os.path.join(ROOT, "Fixtures", "generated", "malformed-suite", "cases.json")


def generator_stamp():
    spec = importlib.util.spec_from_file_location("make_malformed_suite", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generator_stamp()


def load_cases(binary):
    if os.path.exists(CASES):
        with open(CASES) as f:
            suite = json.load(f)
        if suite.get("generator") == generator_stamp():
            return suite["cases"]
    subprocess.run([sys.executable, GENERATOR, "--strata", binary], check=True)
    with open(CASES) as f:
        return json.load(f)["cases"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY, help="the strata binary (default: the release build)")
    parser.add_argument("--filter", metavar="REGEX", help="only cases whose id matches (re.search)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every case with what happened")
    args = parser.parse_args()
    binary = os.path.abspath(args.strata)
    if not os.path.exists(binary):
        raise SystemExit(f"test-malformed: {binary} missing (make build)")
    cases = load_cases(binary)
    if args.filter:
        cases = [c for c in cases if re.search(args.filter, c["id"])]
    scratch = tempfile.mkdtemp(prefix="strata-malformed-")
    started = time.monotonic()
    failures, skipped, exits = [], 0, {}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(hostile_run.run_case, case, binary, ROOT, scratch): case for case in cases}
            for future in concurrent.futures.as_completed(futures):
                case = futures[future]
                problems, details = future.result()
                if problems is None:
                    skipped += 1
                    if args.verbose:
                        print(f"skip {case['id']}: {details}")
                    continue
                code = details.split(",")[0]
                exits[code] = exits.get(code, 0) + 1
                if problems:
                    failures.append((case, problems, details))
                    print(f"FAIL {case['id']}: {'; '.join(problems)}\n     strata {' '.join(map(repr, case['args']))}\n     {details}")
                elif args.verbose:
                    print(f"ok   {case['id']}: {details}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    elapsed = time.monotonic() - started
    ran = len(cases) - skipped
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(exits.items()))
    print(f"test-malformed: {ran - len(failures)} of {ran} cases passed in {elapsed:.0f} s ({summary}"
          f"{f'; {skipped} skipped' if skipped else ''})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
