#include "epilogue.h"

void strata_epilogue_apply(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep) {
    strata_epilogue_row(x, y, n, bias, ep);
}
