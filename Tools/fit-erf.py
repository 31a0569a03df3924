#!/usr/bin/env python3
"""Fits the coefficients of Strata's vectorised float32 erf (Sources/CStrataKernels/math8.h,
strata_erf_accurate8) and measures its error in float32 arithmetic.

    |x| < 1:      erf(x) = x + x·P(x²)                 P of degree 6, fitted to erf(x)/x − 1
    1 ≤ |x| ≤ 4:  erf(x) = 1 − exp(−x²)·R(|x| − 2.5)   R of degree 11, fitted to erfc(x)·exp(x²)
    |x| > 4:      ±1 (erf(4) is 1 − 1.5e-8, which rounds to 1 in float32)

Weighted least squares on 4,000 Chebyshev nodes per interval, against scipy's double-precision
erf/erfc. The check evaluates the same formulas in numpy float32 (no FMA, numpy's exp) on every
7th float32 in [0, 4.5] and prints the largest error in units in the last place; the C kernel, with
FMA and Strata's exp, is tested in Tests/StrataEngineTests (MathKernelTests).

    python3 Tools/fit-erf.py
"""
import numpy as np
from scipy.special import erf, erfc


def fit(f, a, b, degree, variable):
    k = np.arange(4000)
    x = (a + b) / 2 + (b - a) / 2 * np.cos(np.pi * (k + 0.5) / 4000)
    y = f(x)
    return np.polynomial.polynomial.polyfit(variable(x), y, degree, w=1 / np.abs(y))


def horner(coefficients, v):
    p = np.full_like(v, coefficients[-1])
    for c in coefficients[-2::-1]:
        p = (p * v + c).astype(np.float32)
    return p


def main():
    small = fit(lambda x: erf(x) / x - 1, 1e-6, 1, 6, lambda x: x * x).astype(np.float32)
    large = fit(lambda x: erfc(x) * np.exp(x * x), 1, 4, 11, lambda x: x - 2.5).astype(np.float32)
    for name, c in (("P", small), ("R", large)):
        print(f"{name}, constant term first: " + ", ".join(f"{float(v)!r}f" for v in c))

    x = np.arange(0, np.float32(4.5).view(np.int32), 7, dtype=np.int32).view(np.float32)
    a = np.minimum(np.abs(x), np.float32(4))
    t = (a * a).astype(np.float32)
    near = (x + (x * horner(small, t)).astype(np.float32)).astype(np.float32)
    far = (np.float32(1) - (np.exp(-t) * horner(large, (a - np.float32(2.5)).astype(np.float32))).astype(np.float32))
    got = np.where(a < 1, near, far.astype(np.float32)).astype(np.float64)
    want = erf(x.astype(np.float64))
    ulps = np.abs(got - want) / np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    print(f"{x.size} float32 values in [0, 4.5]: largest error {ulps.max():.2f} ulp at {x[ulps.argmax()]!r}, "
          f"mean {ulps.mean():.2f} ulp")


if __name__ == "__main__":
    main()
