#ifndef STRATA_CHDF5_SHIM_H
#define STRATA_CHDF5_SHIM_H
#include <hdf5.h>

// HDF5 spells these as macros (some call H5open() first), which Swift cannot import.
static inline hid_t strata_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t strata_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t strata_h5s_all(void) { return H5S_ALL; }
static inline unsigned strata_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline size_t strata_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t strata_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t strata_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t strata_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t strata_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t strata_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline haddr_t strata_haddr_undef(void) { return HADDR_UNDEF; }
#endif
