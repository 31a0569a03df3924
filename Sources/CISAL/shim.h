// Intel ISA-L (Debian libisal-dev, pkg-config libisal): only its CRC functions, for the CRC32C
// (Castagnoli, iSCSI polynomial) that frames TensorBoard's records, and the zip/gzip CRC-32
// (crc32_gzip_refl) that checks a .keras archive's 100 MB weights member, several times faster than
// zlib's. Both pick the fastest implementation for the CPU at run time; the *_base ones are portable.
#ifndef STRATA_CISAL_SHIM_H
#define STRATA_CISAL_SHIM_H
#include <isa-l/crc.h>
#endif
