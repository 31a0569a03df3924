/* Umbrella header of the CTensorBoardProto target: the protobuf-c bindings of Strata's subset of
 * TensorBoard's event-file schema. Written by Tools/regen-tensorboard-proto.sh; do not edit. */
#ifndef STRATA_CTENSORBOARDPROTO_H
#define STRATA_CTENSORBOARDPROTO_H
#include "tensorboard.pb-c.h"
#endif
