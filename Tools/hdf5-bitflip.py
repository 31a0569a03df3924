#!/usr/bin/env python3
"""Bit-flipped copies of the Keras .h5 fixtures, run through the strata binary: which ones crash?

    python3 Tools/hdf5-bitflip.py [--strata PATH] [--copies N] [--flips K] [--seed S]
                                  [--filter REGEX] [--keep DIR] [--command inspect|run]

For each Fixtures/keras/*.h5 (and *.keras, whose HDF5 member is flipped inside the zip) the script writes
N copies, each with K bits flipped at seeded random offsets (half of the copies only in the first 4 KiB,
where the superblock and the root group's object headers live, the rest anywhere), and runs
`strata inspect COPY` (weights-only files get their --config) with a time limit. Every outcome is
classified: ok (exit 0), error (exit 1 with exactly one `strata: error:` line last on stderr), bad-error
(exit 1 any other way), usage (exit 64), signal (killed by a signal: a crash), hang (time limit).
Prints the counts and each crash and hang with its file, flips and the last line of stderr;
--keep DIR keeps the crashing and hanging copies there (e.g. for a regression corpus). Exits 1 when
anything crashed or hung.
"""
import argparse
import glob
import io
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

from testlib import DEFAULT_BINARY, ROOT
FIXTURES = os.path.join(ROOT, "Fixtures", "keras")
TIMEOUT = 20  # seconds; every fixture loads in well under one


def flip(data, rng, flips, head_only):
    data = bytearray(data)
    limit = min(len(data), 4096) if head_only else len(data)
    places = []
    for _ in range(flips):
        offset = rng.randrange(limit)
        bit = rng.randrange(8)
        data[offset] ^= 1 << bit
        places.append((offset, bit))
    return bytes(data), places


def flipped_archive(path, rng, flips, head_only):
    """The .keras zip with its model.weights.h5 member flipped (stored uncompressed, so the flips are real)."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    out = io.BytesIO()
    places = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target:
        for info, body in members:
            if info.filename == "model.weights.h5":
                body, places = flip(body, rng, flips, head_only)
            target.writestr(info.filename, body)
    return out.getvalue(), places


def config_for(path):
    """The --config JSON of a weights-only fixture, or None."""
    base = os.path.basename(path)
    for suffix in (".k2w.h5", ".k3w.weights.h5"):
        if base.endswith(suffix):
            stem = base[: -len(suffix)]
            return os.path.join(FIXTURES, stem + (".k2w.json" if suffix == ".k2w.h5" else ".k3w.json"))
    return None


def classify(proc):
    if proc.returncode < 0:
        return "signal"
    lines = proc.stderr.strip().splitlines()
    if proc.returncode == 0:
        return "ok"
    if proc.returncode == 64:
        return "usage"
    if proc.returncode == 1 and lines and lines[-1].startswith("strata: error: ") and \
            sum(line.startswith("strata: error:") for line in lines) == 1:
        return "error"
    return "bad-error"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("--copies", type=int, default=20, help="copies per fixture (default 20)")
    parser.add_argument("--flips", type=int, default=2, help="bits flipped per copy (default 2)")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--filter", default=None, help="only fixtures whose name matches this regex")
    parser.add_argument("--keep", default=None, help="folder to keep crashing and hanging copies in")
    parser.add_argument("--command", default="inspect", choices=["inspect", "run"],
                        help="inspect (load only) or run (load, then run on zeros via bench --runs 1)")
    parser.add_argument("--no-archives", action="store_true", help="skip the .keras fixtures")
    args = parser.parse_args()

    fixtures = sorted(glob.glob(os.path.join(FIXTURES, "*.h5")))
    if not args.no_archives:
        fixtures += sorted(glob.glob(os.path.join(FIXTURES, "*.keras")))
    if args.filter:
        fixtures = [f for f in fixtures if re.search(args.filter, os.path.basename(f))]
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    counts = {}
    bad = []
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="strata-bitflip-") as scratch:
        for path in fixtures:
            name = os.path.basename(path)
            rng = random.Random(f"{args.seed}:{name}")
            original = open(path, "rb").read()
            config = config_for(path)
            for copy in range(args.copies):
                head_only = copy % 2 == 0
                if name.endswith(".keras"):
                    data, places = flipped_archive(path, rng, args.flips, head_only)
                else:
                    data, places = flip(original, rng, args.flips, head_only)
                target = os.path.join(scratch, f"{copy:03d}-{name}")
                with open(target, "wb") as f:
                    f.write(data)
                if args.command == "inspect":
                    cmd = [args.strata, "inspect", target]
                else:
                    cmd = [args.strata, "bench", target, "--runs", "1", "--warmup", "0", "--threads", "1"]
                if config:
                    cmd += ["--config", config]
                try:
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, errors="replace")
                    outcome = classify(proc)
                    detail = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1][:300]
                    if outcome == "signal":
                        detail = f"{signal.Signals(-proc.returncode).name}: {detail}"
                except subprocess.TimeoutExpired:
                    outcome, detail = "hang", f"no exit within {TIMEOUT} s"
                counts[outcome] = counts.get(outcome, 0) + 1
                if outcome in ("signal", "hang", "bad-error"):
                    bad.append((outcome, name, copy, places, detail))
                    if args.keep and outcome != "bad-error":
                        kept = os.path.join(args.keep, f"{outcome}-{copy:03d}-{name}")
                        with open(kept, "wb") as f:
                            f.write(data)
                os.remove(target)
    total = sum(counts.values())
    print(f"{total} copies of {len(fixtures)} fixtures ({args.flips} flipped bits each, seed {args.seed}) "
          f"in {time.time() - started:.0f} s")
    for outcome in ("ok", "error", "usage", "bad-error", "signal", "hang"):
        print(f"  {outcome:9s} {counts.get(outcome, 0)}")
    for outcome, name, copy, places, detail in bad:
        flips = ", ".join(f"byte {o} bit {b}" for o, b in places)
        print(f"{outcome}: {name} copy {copy} ({flips}): {detail}")
    sys.exit(1 if counts.get("signal") or counts.get("hang") else 0)


if __name__ == "__main__":
    main()
