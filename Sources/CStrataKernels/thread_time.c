// Per-thread CPU time and scheduler delay for the worker pool (Runtime/WorkerPool.swift, CoreShare.swift).

#include <time.h>

#if defined(__linux__)
#include <fcntl.h>
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

// The second of the decimal fields of `text` (n bytes); -1 where it is not there.
static long long second_field(const char *text, long n) {
    long long value = -1;
    long i = 0;
    for (int field = 0; field < 2; field++) {
        while (i < n && text[i] == ' ') i++;
        if (i >= n || text[i] < '0' || text[i] > '9') return -1;
        value = 0;
        int digits = 0;
        while (i < n && text[i] >= '0' && text[i] <= '9') {
            if (++digits > 18) return -1;  // no field the kernel writes is that long: not schedstat
            value = value * 10 + (text[i] - '0');
            i++;
        }
    }
    return value;
}

long long strata_thread_wait_nanoseconds(void) {
#if defined(__linux__)
    // "<time on a CPU> <time runnable, waiting for one> <timeslices>" in nanoseconds (Linux with
    // CONFIG_SCHED_INFO, which Debian's and most distributions' kernels enable). The first field
    // is brought up to date only at a tick or a switch, so the CPU time comes from the clock.
    const int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[128];
    const ssize_t n = read(fd, text, sizeof text);
    close(fd);
    if (n <= 0) return -1;
    return second_field(text, (long)n);
#else
    return -1;
#endif
}
