#!/usr/bin/env python3
"""Writes the small .npy files under Fixtures/npy/ with numpy.save.

Strata's NPY writer must produce these bytes exactly (Tests/StrataExportTests compare them), and its
reader must load them, including the big-endian and Fortran-order ones numpy can also write.
Re-run only when adding a case:  python3 Tools/make-npy-fixtures.py
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "npy")

# name -> array; values follow simple formulas the Swift tests rebuild (see NPYFixtureTests).
CASES = {
    "float32_2x3": np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1,
    "float64_scalar": np.array(3.25, dtype="<f8"),
    "float16_5": np.arange(5, dtype="<f2") * 0.25,
    "int8_4": np.array([-128, -1, 0, 127], dtype="i1"),
    "int16_3": np.array([-32768, 7, 32767], dtype="<i2"),
    "int32_2x2": np.array([[-5, 6], [7, -8]], dtype="<i4"),
    "int64_1x2x3": np.arange(6, dtype="<i8").reshape(1, 2, 3) - 3,
    "uint8_3": np.array([0, 128, 255], dtype="u1"),
    "uint16_2": np.array([1, 65535], dtype="<u2"),
    "uint32_2": np.array([1, 4294967295], dtype="<u4"),
    "uint64_2": np.array([1, 18446744073709551615], dtype="<u8"),
    "bool_2x2": np.array([[True, False], [False, True]]),
    "float32_0x3": np.zeros((0, 3), dtype="<f4"),
    # The dictionary ends exactly on a 64-byte boundary: numpy then pads a whole extra block.
    "float32_full_pad_block": np.zeros((1,) * 13 + (100,), dtype="<f4"),
    "float32_long_dims": np.zeros((1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2), dtype="<f4"),
}

# Files Strata only reads (it always writes C order, little-endian).
READ_ONLY = {
    "bigendian_float32_2x3": np.arange(6, dtype=">f4").reshape(2, 3) * 0.5 - 1,
    "bigendian_int64_3": np.array([-2, 0, 300], dtype=">i8"),
    "fortran_float32_2x3": np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1),
    "fortran_int32_2x3x4": np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, array in {**CASES, **READ_ONLY}.items():
        np.save(os.path.join(OUT, name + ".npy"), array)
    print(f"wrote {len(CASES) + len(READ_ONLY)} files to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
