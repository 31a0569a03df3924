#ifndef STRATA_CFFTW_SHIM_H
#define STRATA_CFFTW_SHIM_H
// FFTW 3, single precision (libfftw3f; Debian libfftw3-dev ships it): the FFTs of t-SNE's interpolation-based repulsion.
#include <fftw3.h>
#endif
