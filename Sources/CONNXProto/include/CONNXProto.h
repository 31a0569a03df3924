/* Umbrella header of the CONNXProto target: the protobuf-c bindings of Strata's ONNX schema.
 * Written by Tools/regen-onnx-proto.sh; do not edit. */
#ifndef STRATA_CONNXPROTO_H
#define STRATA_CONNXPROTO_H
#include "onnx.pb-c.h"
#endif
