// Per-thread CPU time and scheduler delay for the worker pool (Runtime/WorkerPool.swift, CoreShare.swift).

#include <time.h>

#if defined(__linux__)
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#endif

#include "CStrataKernels.h"

long long strata_thread_cpu_nanoseconds(void) {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    struct timespec now;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0) return (long long)now.tv_sec * 1000000000 + now.tv_nsec;
#endif
    return -1;
}

long long strata_thread_wait_nanoseconds(void) {
#if defined(__linux__)
    // "<time on a CPU> <time runnable, waiting for one> <timeslices>" in nanoseconds (Linux with
    // CONFIG_SCHED_INFO, which Debian's and most distributions' kernels enable). The first field
    // is brought up to date only at a tick or a switch, so the CPU time comes from the clock.
    const int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[128];
    const ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return -1;
    text[n] = 0;
    long long waited;
    return sscanf(text, "%*llu %lld", &waited) == 1 && waited >= 0 ? waited : -1;
#else
    return -1;
#endif
}
