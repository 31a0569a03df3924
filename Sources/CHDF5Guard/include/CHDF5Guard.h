#ifndef STRATA_CHDF5_GUARD_H
#define STRATA_CHDF5_GUARD_H

// A read-only libhdf5 file driver over bytes in memory (a mapped file or a `.keras` member) that checks
// every global heap collection libhdf5 reads before libhdf5 parses it.
//
// Why: libhdf5 1.10 walks a collection's objects by their declared sizes without checking that the walk
// advances, so a free-space object of size 0 makes H5HG__cache_heap_deserialize loop forever, and an
// object whose size runs past its collection makes H5HG_read copy from outside it. Keras stores its
// JSON configs as variable-length strings, which live in global heap collections, so one flipped bit
// there hung the import. A collection this driver refuses fails the read, and libhdf5 reports an
// ordinary error.

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

/// Whether the bytes at `bytes` (`len` of them to the end of the file) start a global heap collection
/// that libhdf5 cannot walk: its signature and version 1, then a declared size below 4096 bytes or past
/// the end of the file, or an object that does not advance by at least its header or ends outside the
/// collection. `length_size` is the superblock's "size of lengths" (2, 4, 8 or 16). Returns 0 when the
/// bytes are no collection or a well-formed one; otherwise 1 and a reason in `reason` (at most
/// `reason_size` bytes, NUL-terminated).
int strata_h5guard_check_global_heap(const uint8_t *bytes, size_t len, int length_size, char *reason,
                                     size_t reason_size);

/// A file access property list that opens `size` bytes at `base` with the guard driver (read-only; the
/// bytes must stay valid until the file is closed). The caller closes it with H5Pclose. Negative on
/// failure. Call only where libhdf5 calls are serialised.
hid_t strata_h5guard_fapl(const void *base, size_t size);

/// The reason the guard last refused a read since the previous call, or NULL; clears it. The text stays
/// valid until the next read the guard refuses.
const char *strata_h5guard_take_failure(void);

#endif
