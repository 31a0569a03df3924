"""Runs one hostile-input case against the strata binary and checks what the issue asks of it.

Shared by Tools/test-malformed.py (the generated malformed-file suite) and Tools/test-fuzz-regressions.py
(the fuzzing regression corpus). A case is a dict:

    id        unique name
    args      strata's arguments; paths are relative to the case's own empty work folder
    inputs    {name in the work folder: file relative to the repository root}: copied in first
    setup     [["fifo", name] | ["device", name] | ["symlink", name, target] | ["dir", name] | ["text", name, text]]
    expect    "error" (exit 1), "usage" (exit 64), "ok" (exit 0) or "error-or-ok" (a mutated file that may
              still be valid: exit 0, or exit 1 as "error")
    names     the path the error line must name first: `strata: error: <names>…` (default: no check)
    contains  text the error line must contain (optional)
    warns     text standard error must contain when the command succeeds (optional)
    outputs   paths in the work folder the command may create (anything under them too)

Every case must: finish within TIME_LIMIT_S, stay under MEMORY_LIMIT_BYTES of resident memory (its own and
its HDF5 worker's, from wait4), exit with the expected code and never by a signal; on exit 1, print exactly
one `strata: error:` line, last on standard error, printable and located; on exit 64 print the usage text;
create nothing outside `outputs`, change or remove no file it was given, and leave nothing in its temporary
folder.
"""
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import time

TIME_LIMIT_S = 10.0
MEMORY_LIMIT_BYTES = 1 << 30


def snapshot(folder):
    """Every path under `folder` with its kind and, for regular files, size and SHA-1."""
    entries = {}
    for base, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = os.path.join(base, name)
            relative = os.path.relpath(path, folder)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as f:
                    entries[relative] = ("file", info.st_size, hashlib.sha1(f.read()).hexdigest())
            elif stat.S_ISDIR(info.st_mode):
                entries[relative] = ("dir",)
            elif stat.S_ISLNK(info.st_mode):
                entries[relative] = ("link", os.readlink(path))
            elif stat.S_ISFIFO(info.st_mode):
                entries[relative] = ("fifo",)
            elif stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
                entries[relative] = ("device", info.st_rdev)
            else:
                entries[relative] = ("other",)
    return entries


def prepare(case, root, work):
    """Fills the work folder; returns False when a setup step is impossible here (a device node without root)."""
    for name, source in case.get("inputs", {}).items():
        target = os.path.join(work, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(root, source), target)
    for step in case.get("setup", []):
        target = os.path.join(work, step[1])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        kind = step[0]
        if kind == "fifo":
            os.mkfifo(target, 0o600)
        elif kind == "device":
            # The null device's numbers, made here: a build that replaced it harms nothing.
            try:
                os.mknod(target, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
            except PermissionError:
                return False
        elif kind == "symlink":
            os.symlink(step[2], target)
        elif kind == "dir":
            os.makedirs(target, exist_ok=True)
        elif kind == "text":
            with open(target, "w") as f:
                f.write(step[2])
        else:
            raise ValueError(f"unknown setup step {kind}")
    return True


def execute(binary, args, work, tmp):
    """Runs strata in `work`; returns (exit status or -signal, stdout, stderr, seconds, max RSS bytes, timed out)."""
    env = dict(os.environ, TMPDIR=tmp, LC_ALL="C.UTF-8")
    env.pop("STRATA_ROOT", None)
    out_path, err_path = os.path.join(tmp, "..", "stdout"), os.path.join(tmp, "..", "stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        process = subprocess.Popen([binary] + args, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   start_new_session=True)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid == process.pid:
                break
            if time.monotonic() - started > TIME_LIMIT_S:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        elapsed = time.monotonic() - started
    process.returncode = 0  # reaped by wait4 above; keeps Popen from waiting again
    with open(out_path, "rb") as f:
        stdout = f.read().decode("utf-8", "replace")
    with open(err_path, "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    return code, stdout, stderr, elapsed, usage.ru_maxrss * 1024, timed_out


def under(path, outputs):
    return any(path == o or path.startswith(o.rstrip("/") + "/") for o in outputs)


def check(case, code, stderr, elapsed, rss, timed_out, before, after, leftovers):
    """The problems with one run, as strings (empty when the case passes)."""
    problems = []
    if timed_out:
        problems.append(f"did not finish within {TIME_LIMIT_S:.0f} s")
    elif elapsed > TIME_LIMIT_S:
        problems.append(f"took {elapsed:.1f} s")
    if rss > MEMORY_LIMIT_BYTES:
        problems.append(f"used {rss / (1 << 20):.0f} MiB of memory")
    if code < 0:
        problems.append(f"killed by signal {-code} ({signal.Signals(-code).name})")
    expect = case["expect"]
    allowed = {"error": {1}, "usage": {64}, "ok": {0}, "error-or-ok": {0, 1}}[expect]
    if code >= 0 and code not in allowed:
        problems.append(f"exit code {code}, expected {' or '.join(map(str, sorted(allowed)))}")
    lines = [line for line in stderr.split("\n") if line != ""]
    error_lines = [line for line in lines if line.startswith("strata: error:")]
    if code == 1:
        last = lines[-1] if lines else ""
        if len(error_lines) != 1:
            problems.append(f"{len(error_lines)} 'strata: error:' lines")
        if not last.startswith("strata: error: "):
            problems.append(f"last line on stderr is not the error: {last[:200]!r}")
        elif case.get("names") is not None and not last.startswith("strata: error: " + case["names"]):
            problems.append(f"error does not name {case['names']!r} first: {last[:300]!r}")
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in last):
            problems.append(f"error line holds control characters: {last[:200]!r}")
        if case.get("contains") and case["contains"] not in last:
            problems.append(f"error line lacks {case['contains']!r}: {last[:300]!r}")
    elif code == 64:
        if "Usage: strata" not in stderr:
            problems.append("no usage text for a usage error")
    elif code == 0:
        if error_lines:
            problems.append(f"succeeded but printed {error_lines[0][:200]!r}")
        if case.get("warns") and case["warns"] not in stderr:
            problems.append(f"stderr lacks the warning {case['warns']!r}")
    outputs = case.get("outputs", [])
    for path, entry in after.items():
        if path not in before and not under(path, outputs):
            problems.append(f"created {path!r} ({entry[0]}) outside its outputs")
        elif path in before and before[path] != entry and not under(path, outputs):
            problems.append(f"changed {path!r}: {before[path][0]} → {entry[0]}")
    for path in before:
        if path not in after and not under(path, outputs):
            problems.append(f"removed {path!r}")
    if leftovers:
        problems.append(f"left {leftovers[:3]} in its temporary folder")
    return problems


def run_case(case, binary, root, scratch):
    """Runs one case in a fresh folder under `scratch`; returns (problems, details) where details says what
    happened (exit code, seconds, MiB, last stderr line)."""
    base = os.path.join(scratch, case["id"])
    work, tmp = os.path.join(base, "work"), os.path.join(base, "tmp")
    os.makedirs(work)
    os.makedirs(tmp)
    if not prepare(case, root, work):
        shutil.rmtree(base, ignore_errors=True)
        return None, "skipped (a device node needs root)"
    before = snapshot(work)
    code, _, stderr, elapsed, rss, timed_out = execute(binary, case["args"], work, tmp)
    after = snapshot(work)
    leftovers = sorted(os.listdir(tmp))
    problems = check(case, code, stderr, elapsed, rss, timed_out, before, after, leftovers)
    lines = [line for line in stderr.split("\n") if line]
    details = f"exit {code}, {elapsed:.2f} s, {rss / (1 << 20):.0f} MiB: {(lines[-1] if lines else '')[:240]}"
    shutil.rmtree(base, ignore_errors=True)
    return problems, details
