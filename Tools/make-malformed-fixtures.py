#!/usr/bin/env python3
"""Small hostile files for the regression tests of Strata's input checks, written into Fixtures/malformed/.

    .venv-keras/bin/python Tools/make-malformed-fixtures.py     (h5py comes with Keras' virtual environment)

Each file is a committed fixture derived from a Keras fixture (Fixtures/keras/cnn.k2.h5, cnn.k3.keras) with one
thing made hostile; the tests (Tests/StrataKerasTests/HostileHDF5Tests.swift, Tests/StrataCommandsTests/
HostileFileTests.swift) assert the exact error line each one gets. The output is deterministic: h5py writes
no timestamps for the datasets it adds (track_times=False), zip entries get a fixed date.

HDF5 (cnn.k2.h5 with the Dense layer 'probs' bias, /model_weights/probs/probs/bias:0, replaced):
  external-link.h5       an external link to '../outside.h5:/k' (a file outside the model's folder)
  external-storage.h5    a dataset whose raw data is the external file /etc/hostname
  virtual-dataset.h5     a virtual dataset mapping outside.h5:/k
  soft-link-out.h5       a soft link to '/escape/k', where /escape is an external link
  huge-chunked.h5        a chunked dataset declared with 2^40 float32 elements and no stored chunk
  huge-chunked-right-shape.h5  'probs' with 2^30 units, its kernel declared [24, 2^30] and its bias [2^30] (chunked,
                         nothing stored): shapes that agree with the config, so only the storage check refuses them
  stored-unusually.h5    not hostile: 'probs' kernel as float16, chunked and deflated, its bias as big-endian float32;
                         libhdf5 must convert them (Strata uses only native, contiguous datasets in place from the file)
  outside.h5             what the links point to when a test copies a fixture into a folder next to it: /k, 10 floats
  dropout-rate.h5        the model config with a Dropout layer of rate 2.0 (cnn.k2.h5 has none: one is added)
  hdf5-crash.h5          mixed_precision.k2.h5 with byte 159 bit 4 and byte 2100 bit 6 flipped (Tools/hdf5-bitflip.py, seed
                         10): libhdf5 1.10.8 reads a global heap object out of bounds (SIGSEGV in H5HG_read) reading the
                         root's attributes; Strata's guard driver refuses the collection first
Archives (cnn.k3.keras with one member changed):
  same-stride-zero.keras the first Conv2D with padding "same" and strides [0, 0]
  zip-bomb.keras         model.weights.h5 replaced by 64 MiB of zeros, deflated (about 1:1000)
  zip64-lie.keras        a stored member whose zip64 sizes claim 2^40 bytes (the data is 16 bytes)
  deflate-runs-off.keras model.weights.h5 deflated as a stored block that announces 65535 bytes but stops after 10, at the
                         end of the member (ZIPFoundation's Linux inflate loop asks for more input forever)
  hdf5-hang.keras        model.weights.h5 with byte 1425 bit 0 and byte 2120 bit 5 flipped (Tools/hdf5-bitflip.py, seed 10):
                         libhdf5 1.10.8 loops forever in its global heap cache (H5HG__protect); Strata's guard driver
                         refuses the collection first
  bad-crc.keras          config.json with one byte changed after its CRC-32 was taken
  duplicate-member.keras config.json twice, the second a different model
"""
import io
import json
import os
import shutil
import struct
import sys
import zipfile
import zlib

import h5py
import numpy as np

from testlib import ROOT
KERAS = os.path.join(ROOT, "Fixtures", "keras")
OUT = os.path.join(ROOT, "Fixtures", "malformed")
BIAS = "/model_weights/probs/probs/bias:0"
KERNEL = "/model_weights/probs/probs/kernel:0"
DATE = (1980, 1, 1, 0, 0, 0)


def copy_h5(name):
    path = os.path.join(OUT, name)
    shutil.copyfile(os.path.join(KERAS, "cnn.k2.h5"), path)
    return path


def replace(path, target, make):
    """Deletes `target` in the HDF5 file at `path` and lets `make(file, target)` put something else there."""
    with h5py.File(path, "r+", track_order=False) as f:
        del f[target]
        make(f, target)


def hdf5_fixtures():
    with h5py.File(os.path.join(OUT, "outside.h5"), "w", libver="earliest") as f:
        f.create_dataset("k", data=np.arange(10, dtype="<f4"), track_times=False)

    path = copy_h5("external-link.h5")
    replace(path, BIAS, lambda f, t: f.__setitem__(t, h5py.ExternalLink("../outside.h5", "/k")))

    path = copy_h5("external-storage.h5")
    replace(path, BIAS, lambda f, t: f.create_dataset(t, shape=(10,), dtype="<f4", external=[("/etc/hostname", 0, 40)],
                                                      track_times=False))

    path = copy_h5("virtual-dataset.h5")
    def virtual(f, t):
        layout = h5py.VirtualLayout(shape=(10,), dtype="<f4")
        layout[:] = h5py.VirtualSource("outside.h5", "/k", shape=(10,))
        # As create_virtual_dataset, with the creation time left out (for identical bytes on every run).
        dcpl = layout._get_dcpl(f.filename)
        dcpl.set_obj_track_times(False)
        h5py.h5d.create(f.id, name=t.encode(), tid=h5py.h5t.py_create(np.dtype("<f4"), logical=1),
                        space=h5py.h5s.create_simple((10,)), dcpl=dcpl)
    replace(path, BIAS, virtual)

    path = copy_h5("soft-link-out.h5")
    def soft(f, t):
        f["/escape"] = h5py.ExternalLink("../outside.h5", "/")
        f[t] = h5py.SoftLink("/escape/k")
    replace(path, BIAS, soft)

    path = copy_h5("huge-chunked.h5")
    replace(path, BIAS, lambda f, t: f.create_dataset(t, shape=(1 << 40,), dtype="<f4", chunks=(1024,), track_times=False))

    path = copy_h5("huge-chunked-right-shape.h5")
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = f.attrs["model_config"].replace('"units": 10', '"units": 1073741824')
    replace(path, KERNEL, lambda f, t: f.create_dataset(t, shape=(24, 1 << 30), dtype="<f4", chunks=(24, 1024),
                                                        track_times=False))
    replace(path, BIAS, lambda f, t: f.create_dataset(t, shape=(1 << 30,), dtype="<f4", chunks=(1024,), track_times=False))

    flip_bits(os.path.join(KERAS, "mixed_precision.k2.h5"), os.path.join(OUT, "hdf5-crash.h5"), [(159, 4), (2100, 6)])

    path = copy_h5("stored-unusually.h5")
    with h5py.File(path, "r") as f:
        kernel, bias = f[KERNEL][()], f[BIAS][()]
    replace(path, KERNEL, lambda f, t: f.create_dataset(t, data=kernel.astype("<f2"), chunks=(8, 5), compression="gzip",
                                                        track_times=False))
    replace(path, BIAS, lambda f, t: f.create_dataset(t, data=bias.astype(">f4"), track_times=False))

    path = copy_h5("dropout-rate.h5")
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        layers = config["config"]["layers"]
        at = next(i for i, layer in enumerate(layers) if layer["class_name"] == "Flatten") + 1
        layers.insert(at, {"class_name": "Dropout", "config": {"name": "drop", "trainable": True, "dtype": "float32",
                                                               "rate": 2.0, "noise_shape": None, "seed": None}})
        f.attrs["model_config"] = json.dumps(config)


def flip_bits(source, target, flips):
    data = bytearray(open(source, "rb").read())
    for offset, bit in flips:
        data[offset] ^= 1 << bit
    with open(target, "wb") as f:
        f.write(data)


def write_zip(path, members):
    """A zip of (name, bytes, compression) members with fixed dates."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data, compression in members:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = compression
            z.writestr(info, data)


def archive_members():
    with zipfile.ZipFile(os.path.join(KERAS, "cnn.k3.keras")) as z:
        return {name: z.read(name) for name in ("metadata.json", "config.json", "model.weights.h5")}


def archive_fixtures():
    members = archive_members()

    config = json.loads(members["config.json"])
    conv = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Conv2D")
    conv["config"]["strides"] = [0, 0]
    conv["config"]["padding"] = "same"
    write_zip(os.path.join(OUT, "same-stride-zero.keras"), [
        ("metadata.json", members["metadata.json"], zipfile.ZIP_STORED),
        ("config.json", json.dumps(config).encode(), zipfile.ZIP_STORED),
        ("model.weights.h5", members["model.weights.h5"], zipfile.ZIP_STORED),
    ])

    # zipfile compresses in one go; 64 MiB of zeros fits in memory here and deflates to about 64 KB.
    write_zip(os.path.join(OUT, "zip-bomb.keras"), [
        ("metadata.json", members["metadata.json"], zipfile.ZIP_STORED),
        ("config.json", members["config.json"], zipfile.ZIP_STORED),
        ("model.weights.h5", bytes(64 << 20), zipfile.ZIP_DEFLATED),
    ])

    write_zip64_lie(os.path.join(OUT, "zip64-lie.keras"), members)

    weights = bytearray(members["model.weights.h5"])
    for offset, bit in [(1425, 0), (2120, 5)]:
        weights[offset] ^= 1 << bit
    write_zip(os.path.join(OUT, "hdf5-hang.keras"), [
        ("metadata.json", members["metadata.json"], zipfile.ZIP_STORED),
        ("config.json", members["config.json"], zipfile.ZIP_STORED),
        ("model.weights.h5", bytes(weights), zipfile.ZIP_STORED),
    ])

    # A raw deflate stream: one non-final stored block (BFINAL 0, BTYPE 00) announcing 65535 bytes, 10 given.
    runoff = bytes([0x00]) + struct.pack("<HH", 65535, 0xFFFF ^ 65535) + b"0123456789"
    write_raw_zip(os.path.join(OUT, "deflate-runs-off.keras"), [
        ("config.json", members["config.json"], 0, len(members["config.json"]), zlib.crc32(members["config.json"])),
        ("model.weights.h5", runoff, 8, 1000, 0),
    ])

    config = members["config.json"]
    changed = config.replace(b'"cnn"', b'"cnm"', 1)
    write_raw_zip(os.path.join(OUT, "bad-crc.keras"), [
        ("config.json", changed, 0, len(changed), zlib.crc32(config)),
    ])

    other = json.loads(config)
    other["config"]["name"] = "impostor"
    other = json.dumps(other).encode()
    write_raw_zip(os.path.join(OUT, "duplicate-member.keras"), [
        ("config.json", config, 0, len(config), zlib.crc32(config)),
        ("config.json", other, 0, len(other), zlib.crc32(other)),
    ])


def write_raw_zip(path, entries):
    """A zip of (name, data as stored, method, declared size, CRC-32) entries, written as given (no checks)."""
    out = io.BytesIO()
    central = []
    for name, data, method, size, crc in entries:
        offset = out.tell()
        raw = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(raw), 0))
        out.write(raw + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data), size,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    with open(path, "wb") as f:
        f.write(out.getvalue())


def write_zip64_lie(path, members):
    """config.json and metadata.json as they are, then model.weights.h5 stored (16 bytes of data) with zip64 extra
    fields in its local and central headers claiming 2^40 bytes, compressed and uncompressed."""
    out = io.BytesIO()
    central = []
    claimed = 1 << 40
    entries = [("metadata.json", members["metadata.json"], None), ("config.json", members["config.json"], None),
               ("model.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(8), claimed)]
    for name, data, lie in entries:
        offset = out.tell()
        crc = zlib.crc32(data)
        raw = name.encode()
        if lie is None:
            extra = b""
            sizes = (len(data), len(data))
        else:
            extra = struct.pack("<HHQQ", 0x0001, 16, lie, lie)
            sizes = (0xFFFFFFFF, 0xFFFFFFFF)
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, sizes[0], sizes[1], len(raw), len(extra)))
        out.write(raw + extra + data)
        central_extra = extra if lie is None else struct.pack("<HHQQ", 0x0001, 16, lie, lie)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc, sizes[0], sizes[1],
                                   len(raw), len(central_extra), 0, 0, 0, 0, offset) + raw + central_extra)
    start = out.tell()
    for record in central:
        out.write(record)
    size = out.tell() - start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), size, start, 0))
    with open(path, "wb") as f:
        f.write(out.getvalue())


def main():
    os.makedirs(OUT, exist_ok=True)
    hdf5_fixtures()
    archive_fixtures()
    for name in sorted(os.listdir(OUT)):
        print(f"{name:32s} {os.path.getsize(os.path.join(OUT, name)):9d} bytes")


if __name__ == "__main__":
    sys.exit(main())
