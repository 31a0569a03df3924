#ifndef STRATA_CFFTW_SHIM_H
#define STRATA_CFFTW_SHIM_H
// FFTW 3 (Debian libfftw3-dev, which ships both precisions): single precision (fftwf_*) for t-SNE's
// interpolation-based repulsion, double precision (fftw_*) for the DFT, STFT kernels.
#include <fftw3.h>
#endif
