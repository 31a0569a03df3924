#!/usr/bin/env python3
"""Times a model's convolution, pooling and matrix nodes one by one: Strata against onnxruntime.

Each selected node of MODEL becomes a one-node model with the shapes it has in MODEL (from ONNX
shape inference) and its weights; both runtimes time it on the same threads, and the table lists
the nodes by time Strata loses, so the kernels worth work come first. Times are the fastest of
the runs, which other load on the machine disturbs least.

    python3 Tools/bench-kernels.py Fixtures/generated/bench/efficientnet_b0/model.onnx --threads 2
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, shape_inference

from testlib import DEFAULT_BINARY

OPS = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"}


def one_node_models(model):
    inferred = shape_inference.infer_shapes(model)
    graph = inferred.graph
    types = {v.name: v.type for v in list(graph.value_info) + list(graph.input) + list(graph.output)}
    inits = {t.name: t for t in graph.initializer}
    for index, node in enumerate(graph.node):
        if node.op_type not in OPS:
            continue
        inputs, initializers = [], []
        for name in node.input:
            if not name:
                continue
            if name in inits:
                initializers.append(inits[name])
            elif name in types:
                inputs.append(helper.make_value_info(name, types[name]))
            else:
                break
        else:
            outputs = [helper.make_value_info(n, types[n]) for n in node.output if n in types]
            if len(outputs) != len([n for n in node.output if n]):
                continue
            g = helper.make_graph([node], f"node{index}", inputs, outputs, initializers)
            m = helper.make_model(g, opset_imports=model.opset_import, ir_version=model.ir_version)
            yield f"{index}:{node.op_type}:{node.name}", m


def time_ort(path, threads, runs):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in session.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        feeds[i.name] = np.random.rand(*shape).astype(np.float32)
    for _ in range(3):
        session.run(None, feeds)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def time_strata(strata, path, threads, runs):
    out = subprocess.run([strata, "bench", path, "--threads", str(threads), "--runs", str(runs), "--warmup", "3", "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["min_ms"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=25, help="rows shown")
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, m in one_node_models(onnx.load(args.model)):
            path = os.path.join(folder, "node.onnx")
            onnx.save(m, path)
            node = m.graph.node[0]
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            shape = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim] if m.graph.input else []
            detail = f"in {shape} " + " ".join(f"{k}={v}" for k, v in sorted(attrs.items()) if k in ("group", "strides", "kernel_shape"))
            rows.append((name, detail, time_strata(args.strata, path, args.threads, args.runs), time_ort(path, args.threads, args.runs)))

    total_s, total_o = sum(r[2] for r in rows), sum(r[3] for r in rows)
    print(f"{len(rows)} nodes: strata {total_s:.2f} ms, onnxruntime {total_o:.2f} ms, ratio {total_s / max(total_o, 1e-9):.2f}")
    print(f"{'node':40} {'strata ms':>9} {'ort ms':>8} {'ratio':>6}  detail")
    for name, detail, s, o in sorted(rows, key=lambda r: r[3] - r[2])[: args.top]:
        print(f"{name[:40]:40} {s:9.3f} {o:8.3f} {s / max(o, 1e-9):6.2f}  {detail}")


if __name__ == "__main__":
    sys.exit(main())
