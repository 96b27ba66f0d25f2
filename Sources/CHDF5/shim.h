// The HDF5 C library (Debian libhdf5-dev, pkg-config hdf5-serial) for the NIR reader and writer.
// HDF5 spells its default property lists and predefined types as macros that expand to casts or
// to global ids behind H5open(); Swift imports neither, so they are handed over as functions.
#include <hdf5.h>

static inline hid_t hm2bp_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t hm2bp_h5s_all(void) { return H5S_ALL; }
static inline hid_t hm2bp_h5e_default(void) { return H5E_DEFAULT; }
static inline unsigned hm2bp_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned hm2bp_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hid_t hm2bp_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t hm2bp_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t hm2bp_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t hm2bp_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t hm2bp_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t hm2bp_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t hm2bp_h5t_variable(void) { return H5T_VARIABLE; }

// Frees the strings HDF5 allocated for a variable-length read (the call was renamed in 1.12).
static inline herr_t hm2bp_h5_reclaim(hid_t type, hid_t space, void *buffer) {
#if H5_VERS_MAJOR > 1 || (H5_VERS_MAJOR == 1 && H5_VERS_MINOR >= 12)
    return H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
    return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}
