/* How much slower one thread reads what another thread just wrote than what it wrote itself.
 *
 * Tools/bench runs this around every multi-thread measurement. On the project's 2-vCPU virtual
 * machine the two vCPUs sometimes share a last-level cache and sometimes do not (the host moves
 * them between core complexes): a 512 KB buffer written by the other thread then takes about three
 * times as long to read (20 µs against 7), and two-thread runs of both engines change by 10-35 %
 * with it (Docs/Benchmarks.md, "Two threads on a virtual machine: two kinds of minute"). A ratio
 * near 1 means the threads shared a cache.
 *
 * Prints one JSON object: {"same_us": …, "other_us": …, "ratio": …}, the median per round.
 * Build: cc -O2 -pthread cross-core-probe.c
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { FLOATS = 512 * 1024 / 4, ROUNDS = 200, LINE = 16 };

static float *buffer;
static _Atomic int turn;
static double other_times[ROUNDS];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void fill(float seed) {
    for (int i = 0; i < FLOATS; i++) buffer[i] = seed + (float)i;
}

/* Reads one float of every cache line; the sum keeps the loads. */
static double read_all(volatile float *sink) {
    double start = now();
    float sum = 0;
    for (int i = 0; i < FLOATS; i += LINE) sum += buffer[i];
    *sink = sum;
    return now() - start;
}

static void *reader(void *unused) {
    (void)unused;
    volatile float sink;
    for (int r = 0; r < ROUNDS; r++) {
        while (atomic_load(&turn) != 2 * r + 1) {}
        other_times[r] = read_all(&sink);
        atomic_store(&turn, 2 * r + 2);
    }
    return NULL;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    buffer = aligned_alloc(64, FLOATS * sizeof(float));
    if (!buffer) return 1;
    pthread_t thread;
    if (pthread_create(&thread, NULL, reader, NULL) != 0) return 1;
    static double same_times[ROUNDS];
    volatile float sink;
    for (int r = 0; r < ROUNDS; r++) {
        fill((float)r);
        same_times[r] = read_all(&sink);
        fill((float)r + 0.5f);  /* written here again, read there next */
        atomic_store(&turn, 2 * r + 1);
        while (atomic_load(&turn) != 2 * r + 2) {}
    }
    pthread_join(thread, NULL);
    qsort(same_times, ROUNDS, sizeof(double), compare);
    qsort(other_times, ROUNDS, sizeof(double), compare);
    double same = same_times[ROUNDS / 2] * 1e6, other = other_times[ROUNDS / 2] * 1e6;
    printf("{\"same_us\": %.2f, \"other_us\": %.2f, \"ratio\": %.2f}\n", same, other, other / same);
    free(buffer);
    return 0;
}
