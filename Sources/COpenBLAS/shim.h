#ifndef STRATA_COPENBLAS_SHIM_H
#define STRATA_COPENBLAS_SHIM_H
#include <stddef.h>
#include <cblas.h>
// Declared by OpenBLAS but not by every cblas.h.
void openblas_set_num_threads(int num_threads);

// LAPACK routines OpenBLAS ships (Fortran calling convention: every argument by pointer, and the
// lengths of character arguments appended as hidden size_t arguments, which gfortran expects).
// Debian's libopenblas-dev installs no lapacke.h next to cblas.h, so the prototypes are here.

// LU factorisation with partial pivoting (Det).
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
// Selected eigenvalues and eigenvectors of a symmetric matrix (MRRR).
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a, const int *lda,
             const double *vl, const double *vu, const int *il, const int *iu, const double *abstol, int *m,
             double *w, double *z, const int *ldz, int *isuppz, double *work, const int *lwork, int *iwork,
             const int *liwork, int *info, size_t jobz_len, size_t range_len, size_t uplo_len);
// QR factorisation of a general matrix, and the explicit Q of its Householder reflectors.
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work, const int *lwork,
             int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau, double *work,
             const int *lwork, int *info);
// LAPACK's divide-and-conquer SVD, exported by libopenblas (Debian ships no lapack.h with it).
// Fortran calling convention: every argument by pointer, the length of the character argument last.
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s, float *u,
             const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork, int *iwork, int *info,
             size_t jobz_length);
#endif
