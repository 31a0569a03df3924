// The guard driver: see CHDF5Guard.h for why it exists. Everything here runs under the caller's lock on
// libhdf5 (HDF5Library.locked), so the driver's id and the last failure are plain statics.

#include "CHDF5Guard.h"

#include <H5FDpublic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Bytes before a collection's first object: "GCOL", version, 3 reserved, the collection's size.
#define HEAP_PREFIX(length_size) (4 + 1 + 3 + (size_t)(length_size))
// A heap object's header: index (2), reference count (2), reserved (4), the object's size.
#define OBJECT_HEADER(length_size) (2 + 2 + 4 + (size_t)(length_size))
// libhdf5 never writes a collection smaller than this (H5HG_MINSIZE).
#define HEAP_MINIMUM 4096

/// A little-endian unsigned length of `length_size` bytes, or UINT64_MAX when it needs more than 64 bits.
static uint64_t decode_length(const uint8_t *p, int length_size) {
    uint64_t value = 0;
    for (int i = length_size - 1; i >= 0; i--) {
        if (i >= 8) {
            if (p[i] != 0) return UINT64_MAX;
            continue;
        }
        value = (value << 8) | p[i];
    }
    return value;
}

int strata_h5guard_check_global_heap(const uint8_t *bytes, size_t len, int length_size, char *reason,
                                     size_t reason_size) {
    if (length_size != 2 && length_size != 4 && length_size != 8 && length_size != 16) {
        snprintf(reason, reason_size, "the superblock's size of lengths (%d) is not 2, 4, 8 or 16", length_size);
        return 1;
    }
    const size_t prefix = HEAP_PREFIX(length_size), header = OBJECT_HEADER(length_size);
    // Too short to judge, or not a collection at all: libhdf5 refuses the latter itself.
    if (len < prefix || memcmp(bytes, "GCOL", 4) != 0 || bytes[4] != 1) return 0;
    const uint64_t size = decode_length(bytes + 8, length_size);
    if (size < HEAP_MINIMUM) {
        snprintf(reason, reason_size, "a global heap collection declares %llu bytes (at least %d)",
                 (unsigned long long)size, HEAP_MINIMUM);
        return 1;
    }
    if (size > len) {
        snprintf(reason, reason_size, "a global heap collection declares %llu bytes, past the end of the file",
                 (unsigned long long)size);
        return 1;
    }
    uint64_t at = prefix;
    while (at < size) {
        if (size - at < header) break;  // a tail too short for an object header is free space
        const uint8_t *object = bytes + at;
        const unsigned index = (unsigned)object[0] | (unsigned)object[1] << 8;
        const uint64_t declared = decode_length(object + 8, length_size);
        uint64_t need;
        if (index == 0) {
            need = declared;  // the free-space object: its size includes its header, unpadded
        } else if (declared > size) {
            need = UINT64_MAX;
        } else {
            need = header + ((declared + 7) & ~(uint64_t)7);
        }
        if (need < header || need > size - at) {
            snprintf(reason, reason_size,
                     "global heap object %u at byte %llu of its collection declares %llu bytes, "
                     "which %s", index, (unsigned long long)at, (unsigned long long)declared,
                     need < header ? "is smaller than its own header" : "runs past the collection");
            return 1;
        }
        at += need;
    }
    return 0;
}

typedef struct {
    const uint8_t *base;
    size_t size;
} guard_info;

typedef struct {
    H5FD_t pub;  // libhdf5's part; must come first
    const uint8_t *base;
    haddr_t size;
    haddr_t eoa;
    int length_size;  // from the superblock, 0 until it has been read
} guard_file;

static char last_failure[320];
static int has_failure;

const char *strata_h5guard_take_failure(void) {
    if (!has_failure) return NULL;
    has_failure = 0;
    return last_failure;
}

static void *guard_fapl_copy(const void *info) {
    guard_info *copy = malloc(sizeof(guard_info));
    if (copy) memcpy(copy, info, sizeof(guard_info));
    return copy;
}

static herr_t guard_fapl_free(void *info) {
    free(info);
    return 0;
}

static H5FD_t *guard_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr) {
    (void)name;
    (void)maxaddr;
    if (flags & (H5F_ACC_RDWR | H5F_ACC_TRUNC | H5F_ACC_CREAT)) return NULL;  // read-only, always
    const guard_info *info = H5Pget_driver_info(fapl);
    if (!info || !info->base) return NULL;
    guard_file *file = calloc(1, sizeof(guard_file));
    if (!file) return NULL;
    file->base = info->base;
    file->size = (haddr_t)info->size;
    has_failure = 0;
    return &file->pub;
}

static herr_t guard_close(H5FD_t *file) {
    free(file);
    return 0;
}

static int guard_cmp(const H5FD_t *a, const H5FD_t *b) {
    const guard_file *f1 = (const guard_file *)a, *f2 = (const guard_file *)b;
    if (f1->base != f2->base) return f1->base < f2->base ? -1 : 1;
    if (f1->size != f2->size) return f1->size < f2->size ? -1 : 1;
    return 0;
}

static herr_t guard_query(const H5FD_t *file, unsigned long *flags) {
    (void)file;
    // No metadata accumulation: libhdf5 would then serve parts of a collection from a buffer it filled
    // with reads of other kinds, and this driver would not see the collection whole.
    *flags = H5FD_FEAT_DATA_SIEVE;
    return 0;
}

static haddr_t guard_get_eoa(const H5FD_t *file, H5FD_mem_t type) {
    (void)type;
    return ((const guard_file *)file)->eoa;
}

static herr_t guard_set_eoa(H5FD_t *file, H5FD_mem_t type, haddr_t addr) {
    (void)type;
    ((guard_file *)file)->eoa = addr;
    return 0;
}

static haddr_t guard_get_eof(const H5FD_t *file, H5FD_mem_t type) {
    (void)type;
    return ((const guard_file *)file)->size;
}

/// The superblock's "size of lengths", from a read that starts with the HDF5 signature.
static void note_superblock(guard_file *file, const uint8_t *bytes, size_t len) {
    static const uint8_t signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (len < 15 || memcmp(bytes, signature, 8) != 0) return;
    const int version = bytes[8];
    file->length_size = version >= 2 ? bytes[10] : bytes[14];
}

static herr_t guard_read(H5FD_t *pub, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, void *buffer) {
    (void)dxpl;
    guard_file *file = (guard_file *)pub;
    if (addr == HADDR_UNDEF || size > SIZE_MAX / 2) return -1;
    // As the sec2 driver does, bytes past the end of the file read as zeros.
    size_t present = 0;
    if (addr < file->size) present = file->size - addr < size ? (size_t)(file->size - addr) : size;
    if (present) memcpy(buffer, file->base + addr, present);
    if (present < size) memset((uint8_t *)buffer + present, 0, size - present);
    if (type == H5FD_MEM_SUPER) note_superblock(file, buffer, size);
    // libhdf5 reads global heap collections as raw data (H5F_block_read maps H5FD_MEM_GHEAP to
    // H5FD_MEM_DRAW), so every raw read that starts like a collection is checked: the signature, version 1
    // and three zero bytes, then a declared size that the read covers.
    // libhdf5 reads a collection in two parts (4096 bytes, then the rest of its declared size), so the
    // whole collection is checked from the file's bytes when its first part is read.
    if ((type == H5FD_MEM_GHEAP || type == H5FD_MEM_DRAW) && present == size) {
        char reason[256];
        if (strata_h5guard_check_global_heap(file->base + addr, (size_t)(file->size - addr),
                                             file->length_size ? file->length_size : -1, reason, sizeof(reason))) {
            snprintf(last_failure, sizeof(last_failure), "%s (collection at byte %llu)", reason,
                     (unsigned long long)addr);
            has_failure = 1;
            return -1;
        }
    }
    return 0;
}

static herr_t guard_write(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, const void *buffer) {
    (void)file, (void)type, (void)dxpl, (void)addr, (void)size, (void)buffer;
    return -1;
}

static herr_t guard_truncate(H5FD_t *file, hid_t dxpl, hbool_t closing) {
    (void)file, (void)dxpl, (void)closing;
    return 0;
}

static const H5FD_class_t guard_class = {
#if H5_VERSION_GE(1, 13, 0)
    .version = H5FD_CLASS_VERSION,
    .value = (H5FD_class_value_t)613,  // values from H5_VFD_RESERVED (256) up are for drivers outside libhdf5
#endif
    .name = "strata-guard",
    .maxaddr = (haddr_t)INT64_MAX,
    .fc_degree = H5F_CLOSE_WEAK,
    .fapl_size = sizeof(guard_info),
    .fapl_copy = guard_fapl_copy,
    .fapl_free = guard_fapl_free,
    .open = guard_open,
    .close = guard_close,
    .cmp = guard_cmp,
    .query = guard_query,
    .get_eoa = guard_get_eoa,
    .set_eoa = guard_set_eoa,
    .get_eof = guard_get_eof,
    .read = guard_read,
    .write = guard_write,
    .truncate = guard_truncate,
    .fl_map = H5FD_FLMAP_DICHOTOMY,
};

static hid_t guard_driver_id(void) {
    static hid_t id = -1;
    if (id >= 0 && H5Iis_valid(id) > 0) return id;
    id = H5FDregister(&guard_class);
    return id;
}

hid_t strata_h5guard_fapl(const void *base, size_t size) {
    const hid_t driver = guard_driver_id();
    if (driver < 0) return -1;
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return -1;
    const guard_info info = {base, size};
    if (H5Pset_driver(fapl, driver, &info) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}
