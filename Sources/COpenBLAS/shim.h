#ifndef STRATA_COPENBLAS_SHIM_H
#define STRATA_COPENBLAS_SHIM_H
#include <stddef.h>
#include <cblas.h>
// Declared by OpenBLAS but not by every cblas.h.
void openblas_set_num_threads(int num_threads);
// LAPACK's divide-and-conquer SVD, exported by libopenblas (Debian ships no lapack.h with it).
// Fortran calling convention: every argument by pointer, the length of the character argument last.
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s, float *u,
             const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork, int *iwork, int *info,
             size_t jobz_length);
#endif
