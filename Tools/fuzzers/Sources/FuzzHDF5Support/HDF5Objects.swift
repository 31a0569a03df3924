import StrataKeras

/// libhdf5's `H5Fget_obj_count` (hdf5.h: `ssize_t H5Fget_obj_count(hid_t file_id, unsigned types)`), bound
/// by name: Strata's `CHDF5` module is not a product this package can import, and the harness needs only
/// this one call. Both arguments and the result are plain integers, passed the same way by Swift and C.
@_silgen_name("H5Fget_obj_count")
private func h5fGetObjCount(_ file: Int64, _ types: UInt32) -> Int

/// HDF5 objects (files, datasets, groups, datatypes, attributes) still open in this process.
///
/// After an input is done with, every one must be closed: a file left open stays libhdf5's shared file
/// for the next `H5Fopen` of the same inode, with the metadata it cached from bytes that have since
/// changed, and a leak would grow the worker's memory for a file's lifetime.
public enum HDF5Objects {
    /// `H5F_OBJ_ALL`: open objects of every kind, in every file.
    private static let all: UInt32 = 0x1F

    public static var open: Int { h5fGetObjCount(Int64(all), all) }
}
