#!/bin/sh
# Regenerates the C code of the CONNXProto target from Sources/CONNXProto/schema/onnx.proto.
#
# The generated files (Sources/CONNXProto/onnx.pb-c.c, Sources/CONNXProto/include/onnx.pb-c.h) are
# committed and must never be edited by hand: change the schema and run this script instead.
# Needs protoc-c (Debian package protobuf-c-compiler).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
target="$root/Sources/CONNXProto"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

protoc-c --proto_path="$target/schema" --c_out="$work" "$target/schema/onnx.proto"

# The source includes the header by its bare name, which include/ (the target's public headers) provides.
cp "$work/onnx.pb-c.c" "$target/onnx.pb-c.c"
cp "$work/onnx.pb-c.h" "$target/include/onnx.pb-c.h"

cat > "$target/include/CONNXProto.h" <<'HEADER'
/* Umbrella header of the CONNXProto target: the protobuf-c bindings of Strata's ONNX schema.
 * Written by Tools/regen-onnx-proto.sh; do not edit. */
#ifndef STRATA_CONNXPROTO_H
#define STRATA_CONNXPROTO_H
#include "onnx.pb-c.h"
#endif
HEADER

echo "regenerated $target/onnx.pb-c.c and $target/include/{onnx.pb-c.h,CONNXProto.h}"
