#ifndef STRATA_CHDF5_SHIM_H
#define STRATA_CHDF5_SHIM_H
#include <hdf5.h>
#endif
