"""What the Tools test scripts share: paths, running the strata binary, the tolerance comparison, the
per-layer table and the counting of named checks (Checker).

The tolerance rules are Strata's own (Sources/StrataAnalysis/Comparison/TolerancePolicy.swift):
Tools/tolerance-policy.json is the output of `strata compare --print-policy --json`, committed, and a
Swift test (CompareCommandTests) fails when it is not current. A rule accepts a value `got` against
its reference `want` when

    |got - want| <= atol + atol_scale * max|finite reference| + rtol * |want|

infinities must be equal, and NaN agrees with NaN when the rule says `nan_equal`. This is what
`strata compare` applies to each layer and what StrataTestSupport's `assertClose` applies in the
Swift tests.

    import testlib
    c = testlib.compare(got, want)                  # the "reference" rule
    c = testlib.compare(got, want, "float16_reference")
    c = testlib.compare(got, want, testlib.Rule(rtol=0, atol_scale=1e-3))   # a script's own rule
    if not c.ok: print(c.describe())

    c = testlib.Checker(binary, verbose)            # named checks, counted
    c.close("maps mean", got, want, testlib.Rule(rtol=1e-5))
    c.exact("zeros", got_count, want_count)
    print(c.summary("test-visual"))                 # "test-visual: N passed, M failed"
"""
import json
import os
import subprocess
from dataclasses import dataclass

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FIXTURES = os.path.join(ROOT, "Fixtures")
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "strata")
# How `make build` builds that binary; scripts that build it first use the same command, so that they
# test the binary `make` makes (the Swift runtime and Foundation linked in: it starts faster and runs
# where no Swift toolchain is installed).
RELEASE_BUILD = ["swift", "build", "-c", "release", "--product", "strata", "--static-swift-stdlib"]
POLICY_FILE = os.path.join(ROOT, "Tools", "tolerance-policy.json")


@dataclass(frozen=True)
class Rule:
    """One closeness rule (TolerancePolicy's ToleranceRule)."""
    rtol: float
    atol: float = 0.0
    atol_scale: float = 0.0
    nan_equal: bool = True


_policy = None


def policy():
    """The policy file as a dict: {"rules": {name: {...}}, "approximate": {...}}."""
    global _policy
    if _policy is None:
        with open(POLICY_FILE) as f:
            _policy = json.load(f)
    return _policy


def rule(name):
    """The policy's rule `name` ("reference", "float16_reference", "onnx_node", "kernel")."""
    r = policy()["rules"][name]
    return Rule(rtol=r["rtol"], atol=r["atol"], atol_scale=r["atol_scale"], nan_equal=r["nan_equal"])


class Comparison:
    """The comparison of one float tensor with its reference.

    ok: every element agrees. failing: how many do not, of `count`. ratio: the largest |error| over the
    allowed error (inf for NaN, infinity or shape mismatches), also for passing tensors (a margin).
    index, got, want: the worst element (flat index). max_abs_err over the finite pairs, scale: the
    reference's largest finite magnitude. reason: set for a shape mismatch.
    """

    def __init__(self, ok, count=0, failing=0, ratio=0.0, index=None, got=None, want=None, max_abs_err=0.0,
                 scale=0.0, shape=(), reason=""):
        self.ok = ok
        self.count = count
        self.failing = failing
        self.ratio = ratio
        self.index = index
        self.got = got
        self.want = want
        self.max_abs_err = max_abs_err
        self.scale = scale
        self.shape = tuple(shape)
        self.reason = reason

    @property
    def where(self):
        """The worst element's multi-index as a list."""
        if self.index is None or not self.shape:
            return []
        return list(map(int, np.unravel_index(self.index, self.shape)))

    def describe(self):
        if self.reason:
            return self.reason
        text = (f"{self.failing} of {self.count} values differ, max abs err {self.max_abs_err:.3g} "
                f"(max|ref| {self.scale:.3g}, {self.ratio:.3g}x the tolerance)")
        if self.index is not None:
            text += f"; worst at {self.where}: {self.got:.6g} vs {self.want:.6g}"
        return text


def compare(got, want, tolerance="reference"):
    """The Comparison of `got` with the reference `want` under `tolerance` (a policy rule name or a Rule).
    Shapes must be equal; values are compared in float64."""
    r = rule(tolerance) if isinstance(tolerance, str) else tolerance
    got = np.asarray(got)
    want = np.asarray(want)
    if tuple(got.shape) != tuple(want.shape):
        return Comparison(False, ratio=float("inf"), reason=f"shape {list(got.shape)}, expected {list(want.shape)}")
    g = got.astype(np.float64).reshape(-1)
    w = want.astype(np.float64).reshape(-1)
    if w.size == 0:
        return Comparison(True, shape=want.shape)
    finite = np.isfinite(w)
    scale = float(np.max(np.abs(w[finite]))) if finite.any() else 0.0
    allowed = r.atol + r.atol_scale * scale + r.rtol * np.abs(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        err = np.abs(g - w)
        both_finite = np.isfinite(g) & finite
        ratio = np.where(err <= allowed, 0.0, np.where(allowed > 0, err / allowed, np.inf))
    nan_g, nan_w = np.isnan(g), np.isnan(w)
    nan_ok = (nan_g & nan_w) if r.nan_equal else np.zeros_like(nan_g)
    special = ~both_finite
    # Outside the finite pairs: equal infinities agree, NaN agrees with NaN under nan_equal, the rest fails.
    ratio = np.where(special, np.where(nan_ok | ((g == w) & ~nan_g), 0.0, np.inf), ratio)
    bad = ratio > 0
    # The margin of a passing tensor: its largest error over the allowed error.
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.where(both_finite, np.where(allowed > 0, err / allowed, np.where(err > 0, np.inf, 0.0)), 0.0)
    max_abs_err = float(np.max(err[both_finite])) if both_finite.any() else 0.0
    if not bad.any():
        return Comparison(True, count=w.size, ratio=float(np.max(margin)), max_abs_err=max_abs_err, scale=scale,
                          shape=want.shape)
    i = int(np.argmax(ratio))
    return Comparison(False, count=w.size, failing=int(bad.sum()), ratio=float(ratio[i]), index=i, got=float(g[i]),
                      want=float(w[i]), max_abs_err=max_abs_err, scale=scale, shape=want.shape)


def layer_table(rows):
    """Text lines of a per-layer table, one row per (label, Comparison): shape, max abs error, max|ref|,
    the worst error over the allowed error, how many values are off, and the worst element or the reason."""
    table = [("layer", "shape", "max abs err", "max|ref|", "x tolerance", "off", "worst / reason")]
    for label, c in rows:
        off = f"{c.failing}/{c.count}" if not c.reason else "-"
        detail = c.reason or (f"{list(c.where)}: {c.got:.6g} vs {c.want:.6g}" if c.index is not None else "")
        table.append((label, str(list(c.shape)) if not c.reason else "-", f"{c.max_abs_err:.3g}", f"{c.scale:.3g}",
                      "inf" if c.ratio == float("inf") else f"{c.ratio:.3g}", off, detail))
    widths = [max(len(row[k]) for row in table) for k in range(len(table[0]))]
    right = {2, 3, 4, 5}
    return ["  ".join(cell.rjust(widths[k]) if k in right else cell.ljust(widths[k]) for k, cell in enumerate(row)).rstrip()
            for row in table]


def run_strata(binary, args, timeout=600):
    """Runs `binary args...` capturing text output; a timeout becomes exit code 124 with a message on stderr."""
    command = [binary] + list(args)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, 124, "", f"timed out after {timeout} s")


def load_tensor_proto(path):
    """The array in a serialized onnx TensorProto file (the node suite's input_*.pb / output_*.pb)."""
    import onnx
    from onnx import numpy_helper
    proto = onnx.TensorProto()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    return numpy_helper.to_array(proto)


def onnxruntime_every_output(model, feeds, threads=2):
    """onnxruntime's value of every node output of `model`'s main graph, by name, graph optimisations off
    (so that no node is fused away). `model` is an onnx ModelProto; each node output is added to its
    graph outputs in place."""
    import onnx
    import onnxruntime as ort
    present = {o.name for o in model.graph.output}
    for node in model.graph.node:
        for output in node.output:
            if output and output not in present:
                model.graph.output.append(onnx.ValueInfoProto(name=output))
                present.add(output)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def inline_taken_if_branches(model, feeds, threads=2, depth=16):
    """(model, taken): a copy of `model` whose top-level If nodes are each replaced by the nodes of the
    branch its condition takes for `feeds` (read from an onnxruntime run of the model as it stands),
    the branch's outputs renamed to the If's through Identity nodes; repeated for Ifs the inlined
    branches bring up, at most `depth` times. `taken` maps each inlined If node's name to True (then)
    or False (else). onnxruntime cannot give values inside If bodies as graph outputs; in the inlined
    model they are top-level node outputs with the same names, computed by the same nodes on the same
    values, so every-node references of the taken branches come from it. Only top-level Ifs (and
    those nested in taken branches) are inlined: a body read by a Loop or Scan keeps its Ifs."""
    import copy
    import onnx
    from onnx import helper
    model = copy.deepcopy(model)
    taken = {}
    for _ in range(depth):
        ifs = [n for n in model.graph.node if n.op_type == "If"]
        if not ifs:
            break
        values = onnxruntime_every_output(copy.deepcopy(model), feeds, threads)
        nodes = []
        for node in model.graph.node:
            if node.op_type != "If":
                nodes.append(node)
                continue
            choice = bool(np.asarray(values[node.input[0]]).reshape(-1)[0])
            taken[node.name] = choice
            branch = next(a.g for a in node.attribute if a.name == ("then_branch" if choice else "else_branch"))
            nodes.extend(branch.node)
            for inner, outer in zip(branch.output, node.output):
                if outer:
                    nodes.append(helper.make_node("Identity", [inner.name], [outer], name=f"{node.name}/{outer}"))
            for initializer in branch.initializer:
                model.graph.initializer.append(initializer)
        del model.graph.node[:]
        model.graph.node.extend(nodes)
    return model, taken


def keras_python(given=None):
    """The python of the Keras virtual environment: `given`, else .venv-keras/bin/python, else the one
    Tools/keras/setup-venv.sh makes (it prints its path last); exits when the set-up fails."""
    if given:
        return given
    local = os.path.join(ROOT, ".venv-keras", "bin", "python")
    if os.path.exists(local):
        return local
    result = subprocess.run(["bash", os.path.join(ROOT, "Tools", "keras", "setup-venv.sh")], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("setup-venv.sh failed:\n" + result.stderr)
    return result.stdout.strip().splitlines()[-1]


def last_line(text):
    """The last non-blank line of `text` (strata's error line), or ''."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


class Checker:
    """The named checks of one test script: counts what passed, prints and keeps each failure (`FAIL  name:
    detail`; with `verbose`, `ok    name` for each pass), and runs the strata binary."""

    def __init__(self, binary=DEFAULT_BINARY, verbose=False, timeout=600):
        self.binary = binary
        self.verbose = verbose
        self.timeout = timeout
        self.failures = []
        self.passed = 0

    def strata(self, arguments, check=True):
        """run_strata(binary, arguments); with `check`, a non-zero exit raises RuntimeError with the stderr's end."""
        result = run_strata(self.binary, arguments, self.timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"strata {' '.join(arguments)} exited {result.returncode}: {result.stderr.strip()[-600:]}")
        return result

    def check(self, name, condition, detail=""):
        """Counts `condition`; returns it."""
        if condition:
            self.passed += 1
            if self.verbose:
                print(f"ok    {name}")
        else:
            self.failures.append(f"{name}: {detail}" if detail else name)
            print(f"FAIL  {self.failures[-1]}", flush=True)
        return bool(condition)

    def exact(self, name, got, want):
        """`got == want`."""
        return self.check(name, got == want, f"got {str(got)[:300]}, want {str(want)[:300]}")

    def close(self, name, got, want, tolerance="reference"):
        """`compare(got, want, tolerance)` (a policy rule name or a Rule) is ok; scalars and sequences alike."""
        c = compare(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64), tolerance)
        return self.check(name, c.ok, c.describe())

    def summary(self, label):
        """`label: N passed, M failed`."""
        return f"{label}: {self.passed} passed, {len(self.failures)} failed"
