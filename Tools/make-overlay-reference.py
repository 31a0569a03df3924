#!/usr/bin/env python3
"""Writes Fixtures/visual/overlay-reference.json, the reference for StrataRender's overlay arithmetic.

    python3 Tools/make-overlay-reference.py    # torch (Tools/requirements-torch.txt), matplotlib and
                                               # numpy (Tools/requirements-pictures.txt)

For each case: a base image (grey or RGB uint8), a float32 heat map, alpha and colour map, and
- `torch`: the map resized to the image by torch.nn.functional.interpolate(mode="bilinear",
  align_corners=False, antialias=False), float32 bits;
- `resized`: the same resize as StrataRender defines it (half-pixel centres, clamped at 0, double
  arithmetic, one rounding to float32), computed with numpy, float32 bits; the script asserts it is
  within 1e-6 (relative to the map's range, or magnitude when constant) of torch's;
- `blended`: the RGB uint8 overlay: matplotlib's Normalize(min, max of the finite resized values)
  and cmap(..., bytes=True), then numpy.rint((1 - alpha) * base + alpha * colour) in float64; NaN
  pixels keep the base colour.
"""
import json
import os

import matplotlib
import matplotlib as mpl
import numpy as np
import torch
from matplotlib.colors import Normalize

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "Fixtures", "visual", "overlay-reference.json")
F32 = np.float32


def bits(a):
    return [int(b) for b in np.ascontiguousarray(a, dtype=F32).reshape(-1).view(np.uint32)]


def torch_resize(m, height, width):
    t = torch.from_numpy(m.astype(F32))[None, None]
    out = torch.nn.functional.interpolate(t, size=(height, width), mode="bilinear", align_corners=False, antialias=False)
    return out[0, 0].numpy()


def strata_resize(m, height, width):
    def samples(n_in, n_out):
        source = np.maximum((np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5, 0.0)
        first = np.minimum(source.astype(np.int64), n_in - 1)
        return first, np.minimum(first + 1, n_in - 1), source - first

    r0, r1, rw = samples(m.shape[0], height)
    c0, c1, cw = samples(m.shape[1], width)
    m64 = m.astype(np.float64)
    upper = (1 - cw)[None, :] * m64[r0][:, c0] + cw[None, :] * m64[r0][:, c1]
    lower = (1 - cw)[None, :] * m64[r1][:, c0] + cw[None, :] * m64[r1][:, c1]
    return ((1 - rw)[:, None] * upper + rw[:, None] * lower).astype(F32)


def blend(base_rgb, resized, alpha, cmap_name):
    finite = resized[np.isfinite(resized)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    normalised = Normalize(vmin=vmin, vmax=vmax)(resized).data.astype(F32)
    colours = mpl.colormaps[cmap_name](normalised, bytes=True)[..., :3].astype(np.float64)
    mixed = np.rint((1 - alpha) * base_rgb.astype(np.float64) + alpha * colours)
    out = np.clip(mixed, 0, 255).astype(np.uint8)
    nan = np.isnan(resized)
    out[nan] = base_rgb[nan]
    return out


def case(name, base, heat, alpha, cmap_name):
    height, width = base.shape[:2]
    channels = 1 if base.ndim == 2 else 3
    base_rgb = np.repeat(base[..., None], 3, axis=2) if channels == 1 else base
    with np.errstate(invalid="ignore"):
        reference = torch_resize(heat, height, width)
        resized = strata_resize(heat, height, width)
    finite = np.isfinite(heat)
    # Tolerance relative to the map's range, or its magnitude when it is constant.
    span = float(max(heat[finite].max() - heat[finite].min(), np.abs(heat[finite]).max())) if finite.any() else 1.0
    both = np.isfinite(reference) & np.isfinite(resized)
    assert np.array_equal(np.isnan(reference), np.isnan(resized)), name
    assert np.all(np.abs(reference[both] - resized[both]) <= 1e-6 * span), (name, np.abs(reference[both] - resized[both]).max())
    return {
        "name": name, "width": width, "height": height, "channels": channels,
        "base": [int(v) for v in base.reshape(-1)],
        "mapHeight": heat.shape[0], "mapWidth": heat.shape[1], "map": bits(heat),
        "alpha": alpha, "colorMap": cmap_name,
        "torch": bits(reference), "resized": bits(resized),
        "blended": [int(v) for v in blend(base_rgb, resized, alpha, cmap_name).reshape(-1)],
    }


def main():
    rng = np.random.default_rng(7)
    cases = [
        case("rgb-upscale", rng.integers(0, 256, (30, 40, 3), dtype=np.uint8),
             rng.normal(0.5, 1.0, (7, 5)).astype(F32), 0.4, "jet"),
        case("grey-downscale", rng.integers(0, 256, (4, 6), dtype=np.uint8),
             rng.normal(0.0, 3.0, (9, 13)).astype(F32), 0.4, "jet"),
        case("odd-ratio", rng.integers(0, 256, (17, 11, 3), dtype=np.uint8),
             rng.uniform(-2, 2, (3, 4)).astype(F32), 0.5, "viridis"),
    ]
    with_nan = rng.normal(0, 1, (6, 6)).astype(F32)
    with_nan[2, 3] = np.nan
    with_nan[0, 0] = np.inf
    cases.append(case("nan-and-inf", rng.integers(0, 256, (12, 12, 3), dtype=np.uint8), with_nan, 0.4, "jet"))
    cases.append(case("constant", rng.integers(0, 256, (5, 8), dtype=np.uint8),
                      np.full((1, 1), 3.5, dtype=F32), 0.4, "jet"))
    with open(OUT, "w") as f:
        json.dump({"generator": "Tools/make-overlay-reference.py", "torch": torch.__version__,
                   "matplotlib": matplotlib.__version__, "numpy": np.__version__, "cases": cases},
                  f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, os.path.dirname(HERE))}: {len(cases)} cases")


if __name__ == "__main__":
    main()
