"""Numbers for prose: how the chapters print computed values (glued into the text)."""

from __future__ import annotations

import math

import numpy as np

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(x: float, digits: int = 2, *, keep_zeros: bool = False) -> str:
    """x as '2.3 × 10⁻⁴' (plain '0.53' between 0.01 and 1000), with `digits` significant digits.

    Plain numbers drop trailing zeros ('0.97') unless `keep_zeros` ('0.970'), which a table column
    of equal precision wants.
    """
    if not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive int, got {digits!r}")
    if not isinstance(keep_zeros, bool):
        raise TypeError(f"keep_zeros must be a bool, got {type(keep_zeros).__name__}")
    x = float(x)
    if not math.isfinite(x):
        return "∞" if x > 0 else ("−∞" if x < 0 else "NaN")
    if x == 0 or 1e-2 <= abs(x) < 1e3:
        rounded = float(f"{x:.{digits}g}")  # round to `digits` significant digits, no exponent
        if keep_zeros and x != 0:
            text = f"{rounded:#.{digits}g}".rstrip(".")  # '#' keeps the trailing zeros
            if "e" not in text:
                return text.replace("-", "−")
        return f"{rounded:g}".replace("-", "−")
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa.replace('-', '−')} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def spread(values, fmt=sci) -> str:
    """Median of `values` with their range, '0.097 (0.081 to 0.13)'; the median alone if the range
    rounds to one value. `fmt` formats each number (default `sci`)."""
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError("values must be a non-empty array of finite numbers")
    lo, mid, hi = fmt(arr.min()), fmt(float(np.median(arr))), fmt(arr.max())
    return mid if lo == hi else f"{mid} ({lo} to {hi})"
