"""Numbers for prose: how the chapters print computed values (glued into the text)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from vanishing.validate import as_real_array, check_bool, check_finite, check_size

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(x: float, digits: int = 2, *, keep_zeros: bool = False) -> str:
    """x as '2.3 × 10⁻⁴' (plain '0.53' between 0.01 and 1000), with `digits` significant digits.

    Plain numbers drop trailing zeros ('0.97') unless `keep_zeros` ('0.970'), which a table column
    of equal precision wants.
    """
    digits = check_size(digits, "digits")
    check_bool(keep_zeros, "keep_zeros")
    if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
        raise TypeError(f"x must be a real number, got {type(x).__name__}")
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
    arr = check_finite(as_real_array(values, "values"), "values").ravel()
    if arr.size == 0:
        raise ValueError("values must be a non-empty array of finite numbers")
    if not callable(fmt):
        raise TypeError(f"fmt must be callable (a number -> str), got {type(fmt).__name__}")
    lo, mid, hi = fmt(arr.min()), fmt(float(np.median(arr))), fmt(arr.max())
    return mid if lo == hi else f"{mid} ({lo} to {hi})"
