#ifndef STRATA_COPENBLAS_SHIM_H
#define STRATA_COPENBLAS_SHIM_H
#include <cblas.h>
// Declared by OpenBLAS but not by every cblas.h.
void openblas_set_num_threads(int num_threads);
#endif
