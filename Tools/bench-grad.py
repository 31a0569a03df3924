#!/usr/bin/env python3
"""Times a gradient run against a forward pass of the same model (`strata bench --grad`).

    python3 Tools/bench-grad.py [--strata PATH] [--runs R] [--rounds K] [--threads T]

Exports full-size torchvision ResNet-18 and MobileNetV2 (seeded random weights, batch 1, batch norms
folded as a default export does; Tools/parity/torchmodels.py) into Fixtures/generated/bench/ when
missing, then for each model alternates, K rounds of R runs each: `strata bench MODEL --json`
(forward), `strata bench MODEL --grad LAST_CONV --json` (what a Grad-CAM costs: the top class's
gradient with respect to the last convolution's output) and `strata bench MODEL --grad input --json`
(the full backward pass, a saliency map). Prints the medians of the round medians and their ratios
to the forward pass, with the load average, as a Markdown table.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from testlib import DEFAULT_BINARY, ROOT
sys.path.insert(0, os.path.join(ROOT, "Tools", "parity"))

# The last convolution of each model (its output is what Grad-CAM weights).
LAST_CONV = {"resnet18": "/layer4/layer4.1/conv2/Conv", "mobilenet_v2": "/features/features.18/features.18.0/Conv"}


def model_path(spec, tm):
    folder = os.path.join(tm.GENERATED, "bench", spec.name)
    path = os.path.join(folder, "model.onnx")
    stamp = tm.stamp(spec)
    if tm.read_json(os.path.join(folder, "stamp.json")) != stamp or not os.path.exists(path):
        tm.silence_export_warnings()
        tm.export_onnx(spec, path)
        tm.write_json(os.path.join(folder, "stamp.json"), stamp)
    return path


def bench(binary, path, runs, threads, grad):
    command = [binary, "bench", path, "--runs", str(runs), "--warmup", "2", "--threads", str(threads), "--json"]
    for g in grad:
        command += ["--grad", g]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["median_ms"]


def main():
    import torchmodels as tm

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strata", default=DEFAULT_BINARY)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    specs = [s for s in tm.BENCH_MODELS if s.name in LAST_CONV]
    rows = []
    load_before = os.getloadavg()[0]
    for spec in specs:
        path = model_path(spec, tm)
        modes = {"forward": [], "gradcam": [LAST_CONV[spec.name]], "input": ["input"]}
        times = {mode: [] for mode in modes}
        for _ in range(args.rounds):
            for mode, grad in modes.items():
                times[mode].append(bench(args.strata, path, args.runs, args.threads, grad))
        medians = {mode: statistics.median(values) for mode, values in times.items()}
        rows.append((spec.name, medians))
    load_after = os.getloadavg()[0]
    print(f"load average {load_before:.1f} before, {load_after:.1f} after; {args.threads} threads, "
          f"{args.rounds} rounds of {args.runs} runs\n")
    print("| model | forward ms | gradient to last conv ms | ratio | gradient to input ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, m in rows:
        print(f"| {name} | {m['forward']:.1f} | {m['gradcam']:.1f} | {m['gradcam'] / m['forward']:.2f} "
              f"| {m['input']:.1f} | {m['input'] / m['forward']:.2f} |")


if __name__ == "__main__":
    main()
