#!/bin/sh
# Regenerates the C code of the CTensorBoardProto target from Sources/CTensorBoardProto/schema/tensorboard.proto.
#
# The generated files (Sources/CTensorBoardProto/tensorboard.pb-c.c,
# Sources/CTensorBoardProto/include/tensorboard.pb-c.h) are committed and must never be edited by
# hand: change the schema and run this script instead. Needs protoc-c (Debian package protobuf-c-compiler).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
target="$root/Sources/CTensorBoardProto"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

protoc-c --proto_path="$target/schema" --c_out="$work" "$target/schema/tensorboard.proto"

# The source includes the header by its bare name, which include/ (the target's public headers) provides.
cp "$work/tensorboard.pb-c.c" "$target/tensorboard.pb-c.c"
cp "$work/tensorboard.pb-c.h" "$target/include/tensorboard.pb-c.h"

cat > "$target/include/CTensorBoardProto.h" <<'HEADER'
/* Umbrella header of the CTensorBoardProto target: the protobuf-c bindings of Strata's subset of
 * TensorBoard's event-file schema. Written by Tools/regen-tensorboard-proto.sh; do not edit. */
#ifndef STRATA_CTENSORBOARDPROTO_H
#define STRATA_CTENSORBOARDPROTO_H
#include "tensorboard.pb-c.h"
#endif
HEADER

echo "regenerated $target/tensorboard.pb-c.c and $target/include/{tensorboard.pb-c.h,CTensorBoardProto.h}"
