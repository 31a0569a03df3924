// Per-thread CPU time for the worker pool (Runtime/WorkerPool.swift).

#include <time.h>

#include "CStrataKernels.h"

long long strata_thread_cpu_nanoseconds(void) {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    struct timespec now;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0) return (long long)now.tv_sec * 1000000000 + now.tv_nsec;
#endif
    return -1;
}
