#ifndef STRATA_CPROTOBUFC_SHIM_H
#define STRATA_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
