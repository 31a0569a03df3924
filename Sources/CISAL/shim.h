// Intel ISA-L (Debian libisal-dev, pkg-config libisal): only its CRC functions, for the CRC32C
// (Castagnoli, iSCSI polynomial) that frames TensorBoard's records. crc32_iscsi picks the fastest
// implementation for the CPU at run time; crc32_iscsi_base is the portable one.
#ifndef STRATA_CISAL_SHIM_H
#define STRATA_CISAL_SHIM_H
#include <isa-l/crc.h>
#endif
