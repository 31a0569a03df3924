#!/usr/bin/env python3
"""Writes StrataRender's colour map tables and the reference the Swift tests check them against.

    python3 Tools/make-colormaps.py          # matplotlib pinned in Tools/requirements-pictures.txt

Sources/StrataRender/Color/ColorMapTables.swift: for each map, the 256 RGB entries
`cmap(np.arange(256), bytes=True)[:, :3]` (matplotlib's own float -> uint8 truncation).

Sources/StrataRender/Color/QualitativeColorTables.swift: the qualitative maps tab10 and tab20 (the
colours of scatter plot groups), `cmap(np.arange(cmap.N), bytes=True)[:, :3]`.

Fixtures/visual/colormap-reference.json: per map, the same 256 entries (and under "qualitative" the
tab10 and tab20 colours), and cases of float32 values
under a `Normalize(vmin, vmax)` (vmin, vmax given as Python floats, as matplotlib stores them, and
as the big-endian hex of their float64 bits):
the float32 bits of each value, of matplotlib's normalised value, and the colour index matplotlib's
`Colormap.__call__` picks for it (0...255, 256 under, 257 over, 258 bad). The index is read through a
probe colour map whose entry i is (i/255, 0, 0) and whose under/over/bad colours are distinct;
`Colormap.__call__` is the base class's for every map, so the probe indexes as each real map does,
and the script asserts that the real map's bytes equal the table entry at that index.
"""
import json
import os

import matplotlib
import matplotlib as mpl
import numpy as np
from matplotlib.colors import ListedColormap, Normalize

HERE = os.path.dirname(os.path.abspath(__file__))
from testlib import ROOT
SWIFT_OUT = os.path.join(ROOT, "Sources", "StrataRender", "Color", "ColorMapTables.swift")
JSON_OUT = os.path.join(ROOT, "Fixtures", "visual", "colormap-reference.json")

# matplotlib name -> Swift identifier.
MAPS = [
    ("viridis", "viridis"), ("gray", "gray"), ("magma", "magma"), ("inferno", "inferno"),
    ("plasma", "plasma"), ("jet", "jet"), ("turbo", "turbo"), ("RdBu_r", "rdBuR"),
    ("coolwarm", "coolwarm"), ("bwr", "bwr"),
]
# Qualitative (listed) maps: matplotlib name -> Swift identifier.
QUALITATIVE = [("tab10", "tab10"), ("tab20", "tab20")]
QUALITATIVE_OUT = os.path.join(ROOT, "Sources", "StrataRender", "Color", "QualitativeColorTables.swift")
UNDER, OVER, BAD = 256, 257, 258

F32 = np.float32
TINY = np.finfo(F32).smallest_subnormal
BIG = np.finfo(F32).max


def bits(a):
    return [int(b) for b in np.asarray(a, dtype=F32).view(np.uint32)]


def probe_index(normalised):
    """Colour index matplotlib's Colormap.__call__ gives each normalised value."""
    ramp = np.stack([np.arange(256) / 255.0, np.zeros(256), np.zeros(256)], axis=1)
    probe = ListedColormap(ramp).with_extremes(under=(0, 1, 0, 1), over=(0, 0, 1, 1), bad=(0, 1, 1, 1))
    rgba = probe(normalised)
    index = np.rint(rgba[:, 0] * 255).astype(int)
    index[(rgba[:, 1] == 1) & (rgba[:, 2] == 0)] = UNDER
    index[(rgba[:, 1] == 0) & (rgba[:, 2] == 1)] = OVER
    index[(rgba[:, 1] == 1) & (rgba[:, 2] == 1)] = BAD
    return index


def case_values(vmin, vmax, rng):
    """float32 values around and between vmin and vmax, with the edges matplotlib treats specially."""
    lo, hi = F32(vmin), F32(vmax)
    vals = [lo, hi, np.nextafter(lo, F32(-np.inf)), np.nextafter(lo, F32(np.inf)),
            np.nextafter(hi, F32(-np.inf)), np.nextafter(hi, F32(np.inf)),
            F32(np.nan), F32(np.inf), F32(-np.inf), F32(0.0), F32(-0.0), TINY, -TINY, BIG, -BIG]
    span = float(vmax) - float(vmin)
    if span > 0:
        # Values whose normalised image lands on or next to a bin edge k/256.
        for k in (0, 1, 2, 63, 64, 127, 128, 129, 191, 254, 255, 256):
            v = F32(float(vmin) + span * k / 256.0)
            vals += [v, np.nextafter(v, F32(-np.inf)), np.nextafter(v, F32(np.inf))]
        vals += list(rng.uniform(float(vmin), float(vmax), 24).astype(F32))
        vals += list(rng.uniform(float(vmin) - span, float(vmax) + span, 8).astype(F32))
    else:
        vals += list(rng.normal(float(vmin), 1.0, 16).astype(F32))
    return np.array(vals, dtype=F32)


def cases_for(name, rng):
    sample = rng.normal(0.3, 2.0, 1000).astype(F32)
    pairs = [
        (0.0, 1.0), (-1.0, 1.0), (-3.7, 12.25), (2.5, 2.5), (1e-08, 1.0000001e-08),
        (-1e30, 3e38), (0.0, 1e-40),
        # A tile's own range, as matplotlib autoscales it: float32 min/max stored as Python floats.
        (sample.min().item(), sample.max().item()),
    ]
    out = []
    for vmin, vmax in pairs:
        values = case_values(vmin, vmax, rng)
        normalised = np.asarray(Normalize(vmin=vmin, vmax=vmax)(values).data, dtype=F32)
        index = probe_index(normalised)
        check_real_map(name, normalised, index)
        # The limits also as the hex bits of their doubles: JSON readers may round decimal text.
        out.append({"vmin": float(vmin), "vmax": float(vmax),
                    "vminBits": np.float64(vmin).view(np.uint64).item().to_bytes(8, "big").hex(),
                    "vmaxBits": np.float64(vmax).view(np.uint64).item().to_bytes(8, "big").hex(),
                    "values": bits(values),
                    "normalized": bits(normalised), "index": [int(i) for i in index]})
    return out


def check_real_map(name, normalised, index):
    cmap = mpl.colormaps[name]
    table = cmap(np.arange(256), bytes=True)
    real = cmap(normalised, bytes=True)
    for got, i in zip(real, index):
        if i == BAD:
            assert tuple(got) == (0, 0, 0, 0), (name, got)
        else:
            want = table[0 if i == UNDER else 255 if i == OVER else i]
            assert tuple(got) == tuple(want), (name, i, got, want)


def swift_table(ident, rgb):
    rows = []
    for start in range(0, 256, 8):
        chunk = rgb[start:start + 8]
        rows.append("        " + ", ".join(f"{r}, {g}, {b}" for r, g, b in chunk) + ",")
    return f"    static let {ident}: [UInt8] = [\n" + "\n".join(rows) + "\n    ]\n"


def qualitative_tables():
    """tab10 and tab20 as Swift byte tables; returns them by name for the reference file."""
    tables = []
    reference = {}
    for name, ident in QUALITATIVE:
        cmap = mpl.colormaps[name]
        rgb = cmap(np.arange(cmap.N), bytes=True)[:, :3].tolist()
        reference[name] = rgb
        rows = ["        " + ", ".join(f"{r}, {g}, {b}" for r, g, b in rgb[start:start + 5]) + ","
                for start in range(0, len(rgb), 5)]
        tables.append(f"    /// matplotlib's `{name}`: {len(rgb)} colours.\n"
                      f"    static let {ident}: [UInt8] = [\n" + "\n".join(rows) + "\n    ]\n")
    with open(QUALITATIVE_OUT, "w") as f:
        f.write(f"// Generated by Tools/make-colormaps.py from matplotlib {matplotlib.__version__}; do not edit.\n"
                "// Each table is cmap(np.arange(cmap.N), bytes=True)[:, :3] flattened: R, G, B per colour.\n\n"
                "/// matplotlib's qualitative colour maps as data: the colours of scatter plot groups.\n"
                "enum QualitativeColorTables {\n" + "\n".join(tables) + "}\n")
    return reference


def main():
    rng = np.random.default_rng(20260509)
    maps = {}
    tables = []
    for name, ident in MAPS:
        rgb = mpl.colormaps[name](np.arange(256), bytes=True)[:, :3].tolist()
        tables.append(swift_table(ident, rgb))
        # Overflow to ±inf is part of what the cases check.
        with np.errstate(over="ignore", invalid="ignore"):
            maps[name] = {"rgb": rgb, "cases": cases_for(name, rng)}
    with open(SWIFT_OUT, "w") as f:
        f.write(f"// Generated by Tools/make-colormaps.py from matplotlib {matplotlib.__version__}; do not edit.\n"
                "// Each table is cmap(np.arange(256), bytes=True)[:, :3] flattened: 256 entries of R, G, B.\n\n"
                "/// matplotlib's colour map tables as data, 768 bytes (256 RGB entries) each.\n"
                "enum ColorMapTables {\n" + "\n".join(tables) + "}\n")
    qualitative = qualitative_tables()
    os.makedirs(os.path.dirname(JSON_OUT), exist_ok=True)
    with open(JSON_OUT, "w") as f:
        json.dump({"generator": "Tools/make-colormaps.py", "matplotlib": matplotlib.__version__,
                   "indexCodes": {"under": UNDER, "over": OVER, "bad": BAD}, "maps": maps,
                   "qualitative": qualitative},
                  f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(SWIFT_OUT, ROOT)}, {os.path.relpath(QUALITATIVE_OUT, ROOT)} and {os.path.relpath(JSON_OUT, ROOT)}")


if __name__ == "__main__":
    main()
