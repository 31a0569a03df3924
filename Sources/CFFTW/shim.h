#ifndef STRATA_CFFTW_SHIM_H
#define STRATA_CFFTW_SHIM_H
// FFTW 3, double precision (Debian libfftw3-dev): the FFTs of t-SNE's interpolation-based repulsion.
#include <fftw3.h>
#endif
