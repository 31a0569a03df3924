#!/usr/bin/env python3
"""Writes the ONNX fixtures of `strata diagram` into Fixtures/diagram/ (pinned torch, onnx).

    python3 Tools/make-diagram-fixtures.py

transformer-block.onnx: one pre-norm transformer encoder block (d_model 16, 2 heads, GELU
feed-forward 32, residual adds) over input `tokens` float32[batch, seq, 16], exported by torch's
TorchScript exporter at opset 17 with dynamic batch and sequence axes, so the file carries the
Shape -> Gather -> Unsqueeze -> Concat -> Reshape side graphs that exporters emit.

hostile-names.onnx: a chain Relu -> Add (residual) -> Concat -> Identity whose node, input,
output and tensor names hold every character DOT or HTML-like labels treat specially: quotes,
backslashes (also trailing), `<>&`, `/`, `:`, `;`, braces, brackets, `->`, `--`, newline, tab, a
control character, unicode (accents, CJK, right-to-left, combining marks, emoji) and U+FFFF.
"""
import os

import onnx
import torch
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "Fixtures", "diagram")


class Block(torch.nn.Module):
    def __init__(self, width=16, heads=2, hidden=32):
        super().__init__()
        self.heads = heads
        self.norm1 = torch.nn.LayerNorm(width)
        self.qkv = torch.nn.Linear(width, 3 * width)
        self.proj = torch.nn.Linear(width, width)
        self.norm2 = torch.nn.LayerNorm(width)
        self.fc1 = torch.nn.Linear(width, hidden)
        self.fc2 = torch.nn.Linear(hidden, width)

    def forward(self, x):
        batch, seq, width = x.shape
        head = width // self.heads
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(batch, seq, self.heads, head).transpose(1, 2) for t in (q, k, v))
        weights = torch.softmax(q @ k.transpose(-2, -1) / head ** 0.5, dim=-1)
        attended = (weights @ v).transpose(1, 2).reshape(batch, seq, width)
        x = x + self.proj(attended)
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.norm2(x))))


def transformer_block(path):
    torch.manual_seed(4)
    layer = Block().eval()
    tokens = torch.randn(2, 5, 16)
    torch.onnx.export(
        layer, (tokens,), path, input_names=["tokens"], output_names=["encoded"],
        dynamic_axes={"tokens": {0: "batch", 1: "seq"}, "encoded": {0: "batch", 1: "seq"}},
        opset_version=17, dynamo=False, do_constant_folding=True)


HOSTILE = [
    'say "hi"',
    "back\\slash\\",
    "<b>&amp;</b> & <BR/>",
    "outer/inner:0",
    "new\nline\ttab\x01bell",
    "{braces} [brackets]; a=b -> c -- d",
    "ünïcødé 名前 שלום e\u0301 🧪 \uffff",
]


def hostile_names(path):
    tensor = [f"t{i} {name}" for i, name in enumerate(HOSTILE)]
    source = "in: " + HOSTILE[0]
    sink = "out\\ " + HOSTILE[2]
    nodes = [
        helper.make_node("Relu", [source], [tensor[0]], name=HOSTILE[0]),
        helper.make_node("Add", [source, tensor[0]], [tensor[1]], name=HOSTILE[1]),
        helper.make_node("Relu", [tensor[1]], [tensor[2]], name=HOSTILE[2]),
        helper.make_node("Concat", [tensor[1], tensor[2]], [tensor[3]], name=HOSTILE[3], axis=1),
        helper.make_node("Relu", [tensor[3]], [tensor[4]], name=HOSTILE[4]),
        helper.make_node("Relu", [tensor[4]], [tensor[5]], name=HOSTILE[5]),
        helper.make_node("Identity", [tensor[5]], [sink], name=HOSTILE[6]),
    ]
    graph = helper.make_graph(
        nodes, "hostile \" <graph>",
        [helper.make_tensor_value_info(source, TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info(sink, TensorProto.FLOAT, ["N", 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make-diagram-fixtures")
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    os.makedirs(OUT, exist_ok=True)
    transformer_block(os.path.join(OUT, "transformer-block.onnx"))
    hostile_names(os.path.join(OUT, "hostile-names.onnx"))


if __name__ == "__main__":
    main()
