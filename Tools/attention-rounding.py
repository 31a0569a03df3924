#!/usr/bin/env python3
"""Where onnx's reference rounds in reduced-precision Attention: recomputes the node suite's
bfloat16 and float16 Attention cases under three rounding schemes and counts, per case, the output
values outside the node suite's tolerance (|got - want| > 1e-5 + 1e-3 |want|).

    python3 Tools/attention-rounding.py     # system python: numpy, onnx, ml_dtypes (Tools/requirements.txt)

The reference (onnx/reference/ops/op_attention.py, run on ml_dtypes bfloat16 or numpy float16
arrays) rounds to the input type after each numpy step: the scale's square root, Q·√scale and
K·√scale, the Q·Kᵀ product (numpy promotes a bfloat16 matmul to float32, so one rounding per
product), the bias added, then inside the softmax x - max, exp(·), the row sum, the quotient, and
last the weights·V product. The row sum is where bfloat16 and float16 part: numpy sums float16 with
pairwise float32 accumulators (one rounding), but a bfloat16 row, an ml_dtypes user type, with its
plain add loop: left to right, every partial sum rounded to bfloat16.

Schemes (each rounds the scale, Q·√scale, K·√scale, Q·Kᵀ, the biased scores and the output):
  ops       the softmax computed in float32 and rounded once: what Strata computed for the
            _expanded graphs until 5 December 2026 (every ONNX op's output rounded, its Softmax in float32)
  float32   x - max and exp(·) rounded, the row summed in float32 and rounded once
  reference x - max and exp(·) rounded, the row summed as numpy does: float16 in float32, rounded
            once; bfloat16 left to right in bfloat16
Strata now computes the reference scheme (NarrowRounding.swift), except that it sums bfloat16 rows
pairwise, which is left to right below 8 values: these rows have 6 keys (Docs/Quantization.md).
"""
import glob
import os

import ml_dtypes
import numpy as np
import onnx

from testlib import ROOT, load_tensor_proto as load

CASES_DIR = os.path.join(ROOT, "Fixtures", "onnx-node-tests")  # written by Tools/onnx-node-tests.py
CASES = ["test_attention_3d_causal_bf16", "test_attention_4d_attn_mask_causal_bf16", "test_attention_4d_causal_bf16",
         "test_attention_4d_causal_padded_kv_bf16", "test_attention_4d_padded_kv_bf16", "test_attention_4d_causal_fp16"]


def rounded(x, dtype):
    return np.asarray(x, np.float32).astype(dtype).astype(np.float32)


def bias_of(mask, causal, nonpad, queries, keys):
    bias = np.zeros((queries, keys), np.float32)
    if mask is not None:
        if mask.shape[-1] < keys:
            pad = [(0, 0)] * (mask.ndim - 1) + [(0, keys - mask.shape[-1])]
            mask = np.pad(mask, pad, constant_values=(False if mask.dtype == np.bool_ else -np.inf))
        bias = np.where(mask, 0, -np.inf).astype(np.float32) if mask.dtype == np.bool_ else mask.astype(np.float32)
    i, j = np.arange(queries)[:, None], np.arange(keys)[None, :]
    if causal:
        offset = 0 if nonpad is None else (nonpad.reshape(-1) - queries).reshape(-1, 1, 1, 1)
        bias = bias + np.where(j <= i + offset, 0, -np.inf).astype(np.float32)
    if nonpad is not None:
        bias = bias + np.where(j < nonpad.reshape(-1, 1), 0, -np.inf).astype(np.float32).reshape(-1, 1, 1, keys)
    return bias


def attention(q, k, v, mask, nonpad, attributes, dtype, scheme):
    q, k, v = (x.astype(np.float32) for x in (q, k, v))
    three_d = q.ndim == 3
    if three_d:
        qh, kh = attributes["q_num_heads"], attributes["kv_num_heads"]
        q = q.reshape(q.shape[0], q.shape[1], qh, -1).transpose(0, 2, 1, 3)
        k = k.reshape(k.shape[0], k.shape[1], kh, -1).transpose(0, 2, 1, 3)
        v = v.reshape(v.shape[0], v.shape[1], kh, -1).transpose(0, 2, 1, 3)
    root = rounded(np.sqrt(attributes.get("scale", 1 / np.sqrt(q.shape[3]))), dtype)
    qs, ks = rounded(q * root, dtype), rounded(k * root, dtype)
    group = q.shape[1] // k.shape[1]
    ks, v = np.repeat(ks, group, 1), np.repeat(v, group, 1)
    scores = rounded(qs.astype(np.float64) @ ks.transpose(0, 1, 3, 2).astype(np.float64), dtype)
    bias = rounded(bias_of(mask, attributes.get("is_causal", 0), nonpad, *scores.shape[-2:]), dtype)
    x = rounded(scores + bias, dtype)
    top = x.max(-1, keepdims=True)
    shift = np.where(np.isneginf(top), 0, top)
    with np.errstate(invalid="ignore"):
        if scheme == "ops":
            e = np.exp(x - shift)
            weights = rounded(e / e.sum(-1, keepdims=True), dtype)
        else:
            e = rounded(np.exp(rounded(x - shift, dtype)), dtype)
            if scheme == "float32" or dtype == np.float16:
                total = rounded(e.sum(-1, keepdims=True), dtype)
            else:
                total = np.zeros(e.shape[:-1] + (1,), np.float32)
                for j in range(e.shape[-1]):
                    total = rounded(total + e[..., j:j + 1], dtype)
            weights = rounded(e / np.where(total == 0, 1, total), dtype)
    weights = np.where(np.isneginf(np.broadcast_to(bias, x.shape).max(-1, keepdims=True)), 0, weights)
    y = rounded(weights.astype(np.float64) @ v.astype(np.float64), dtype)
    return y.transpose(0, 2, 1, 3).reshape(y.shape[0], y.shape[2], -1) if three_d else y


def main():
    print(f"{'case':42} {'ops':>8} {'float32':>8} {'reference':>9}   (values outside tolerance)")
    for case in CASES:
        folder = os.path.join(CASES_DIR, case)
        node = onnx.load(os.path.join(folder, "model.onnx")).graph.node[0]
        attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        given = iter(load(p) for p in sorted(glob.glob(os.path.join(folder, "test_data_set_0", "input_*.pb"))))
        inputs = {name: next(given) for name in node.input if name}
        want = load(os.path.join(folder, "test_data_set_0", "output_0.pb")).astype(np.float32)
        dtype = ml_dtypes.bfloat16 if "bf16" in case else np.float16
        counts = []
        for scheme in ["ops", "float32", "reference"]:
            got = attention(inputs["Q"], inputs["K"], inputs["V"], inputs.get("attn_mask"), inputs.get("nonpad_kv_seqlen"),
                            attributes, dtype, scheme)
            counts.append(int((np.abs(got - want) > 1e-5 + 1e-3 * np.abs(want)).sum()))
        print(f"{case:42} {counts[0]:>8} {counts[1]:>8} {counts[2]:>9}   of {want.size}")


if __name__ == "__main__":
    main()
