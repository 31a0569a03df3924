#!/usr/bin/env python3
"""Writes Fixtures/ops/attribute-defaults.json: every version of every ai.onnx op schema in the installed
onnx, with its attributes' names, types, whether they are required, and their default values, as
`onnx.defs` states them.

    python3 Tools/make-attribute-defaults.py      # system python: onnx (Tools/requirements.txt)

StrataCoreTests' OpAttributeDefaultsTests parses each op Strata registers from a node holding only its
required attributes and checks the typed attribute struct against these defaults, and that the struct reads
every attribute listed here (or the test names it as unsupported, with the reason).
"""
import json
import math
import os

import onnx
from onnx import defs, helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "ops", "attribute-defaults.json")

TYPE_NAMES = {
    onnx.AttributeProto.INT: "int", onnx.AttributeProto.FLOAT: "float", onnx.AttributeProto.STRING: "string",
    onnx.AttributeProto.TENSOR: "tensor", onnx.AttributeProto.GRAPH: "graph", onnx.AttributeProto.INTS: "ints",
    onnx.AttributeProto.FLOATS: "floats", onnx.AttributeProto.STRINGS: "strings",
    onnx.AttributeProto.SPARSE_TENSOR: "sparse_tensor", onnx.AttributeProto.TYPE_PROTO: "type_proto",
    onnx.AttributeProto.GRAPHS: "graphs", onnx.AttributeProto.TENSORS: "tensors",
}


def json_value(value):
    """An attribute default as JSON: numbers, strings (bytes decoded) and lists of them."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, int):
        return value
    raise TypeError(f"unexpected default {value!r}")


def attribute_entry(attribute):
    entry = {"type": TYPE_NAMES[attribute.type], "required": bool(attribute.required)}
    default = attribute.default_value
    if default.name:
        entry["default"] = json_value(helper.get_attribute_value(default))
    return entry


def main():
    latest = defs.onnx_opset_version()
    ops = {}
    for schema in defs.get_all_schemas_with_history():
        if schema.domain not in ("", "ai.onnx") or schema.since_version > latest:
            continue
        version = {
            "since": schema.since_version,
            "attributes": {name: attribute_entry(a) for name, a in sorted(schema.attributes.items())},
        }
        ops.setdefault(schema.name, []).append(version)
    for versions in ops.values():
        versions.sort(key=lambda v: v["since"])
    document = {
        "generator": "Tools/make-attribute-defaults.py",
        "onnx": onnx.__version__,
        "latest_opset": latest,
        "ops": dict(sorted(ops.items())),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(document, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {OUT}: {len(ops)} ops")


if __name__ == "__main__":
    main()
