"""Input checks for the public boundary.

Every check names the argument it rejects and states the valid range, so a user reading the
traceback knows what to change. Checks return clean float64 arrays so callers never re-convert.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_float_array",
    "check_nonneg",
    "check_positive",
    "check_finite",
    "check_vector",
    "check_matrix",
    "check_psd",
    "check_int",
    "check_choice",
    "check_broadcast",
    "check_scalar",
]


def as_float_array(x, name: str, *, allow_empty: bool = False) -> np.ndarray:
    """Convert ``x`` to a float64 array, rejecting non-numeric input, NaN and empty arrays."""
    if isinstance(x, (str, bytes, bool, np.bool_)) or x is None:
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(x).__name__}")
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise TypeError(f"{name} must be a number or an array of numbers ({exc})") from None
    if raw.dtype.kind not in "iufO":
        # bool masks, complex numbers (NumPy would silently drop the imaginary part) and
        # strings are almost always a mistake for a real-valued parameter.
        raise TypeError(f"{name} must be real numbers, got an array of dtype {raw.dtype}")
    try:
        arr = raw.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers ({exc})") from None
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not contain NaN")
    return arr


def check_finite(x, name: str, *, allow_empty: bool = False) -> np.ndarray:
    """Float64 array with finite entries only."""
    arr = as_float_array(x, name, allow_empty=allow_empty)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (got inf)")
    return arr


def check_nonneg(x, name: str, *, allow_inf: bool = False) -> np.ndarray:
    """Float64 array with entries in ``[0, inf)`` (``[0, inf]`` with ``allow_inf``)."""
    arr = as_float_array(x, name)
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0, got min {arr.min():.6g}")
    if not allow_inf and np.isinf(arr).any():
        raise ValueError(f"{name} must be finite (valid range [0, inf))")
    return arr


def check_positive(x, name: str, *, allow_inf: bool = False) -> np.ndarray:
    """Float64 array with entries in ``(0, inf)``."""
    arr = as_float_array(x, name)
    if (arr <= 0).any():
        raise ValueError(f"{name} must be > 0, got min {arr.min():.6g}")
    if not allow_inf and np.isinf(arr).any():
        raise ValueError(f"{name} must be finite (valid range (0, inf))")
    return arr


def check_vector(x, name: str, *, length: int | None = None, finite: bool = True) -> np.ndarray:
    """A non-empty 1-D float64 array, optionally of a given length."""
    arr = check_finite(x, name) if finite else as_float_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {arr.shape[0]}")
    return arr


def check_matrix(x, name: str, *, shape: tuple | None = None) -> np.ndarray:
    """A non-empty, finite 2-D float64 array, optionally of a given shape (None = any size)."""
    arr = check_finite(x, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {arr.shape}")
    if 0 in arr.shape:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if shape is not None:
        for axis, want in enumerate(shape):
            if want is not None and arr.shape[axis] != want:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    return arr


def check_psd(x, name: str, *, rtol: float = 1e-10) -> np.ndarray:
    """A symmetric positive semi-definite matrix (symmetrized on return)."""
    arr = check_matrix(x, name)
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square, got shape {arr.shape}")
    # Tolerances relative to the matrix's own scale (not max(1, ·)): a tiny matrix such as
    # diag(1e-12, -1e-12) is not PSD and must not pass.
    scale = float(np.abs(arr).max())
    if scale == 0.0:
        return arr.copy()
    if not np.allclose(arr, arr.T, rtol=0, atol=1e-10 * scale):
        raise ValueError(f"{name} must be symmetric")
    sym = 0.5 * (arr + arr.T)
    lo = float(np.linalg.eigvalsh(sym).min())
    if lo < -rtol * scale * arr.shape[0]:
        raise ValueError(f"{name} must be positive semi-definite (smallest eigenvalue {lo:.3g})")
    return sym


def check_int(x, name: str, *, minimum: int | None = None) -> int:
    """An integer (bools rejected) at least ``minimum``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    x = int(x)
    if minimum is not None and x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    return x


def check_choice(x, name: str, choices) -> str:
    """One of a fixed set of strings."""
    if not isinstance(x, str) or x not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {x!r}")
    return x


def check_broadcast(**named) -> list[np.ndarray]:
    """Broadcast arrays against each other; on failure name every argument and its shape."""
    try:
        return list(np.broadcast_arrays(*named.values()))
    except ValueError:
        shapes = ", ".join(f"{k} has shape {np.shape(v)}" for k, v in named.items())
        raise ValueError(f"{' and '.join(named)} must broadcast to one shape ({shapes})") from None


def check_scalar(
    x,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """A real scalar (not an array, bool, string, None or complex) in an optional range.

    ``low``/``high`` bound the range, closed unless ``low_open``/``high_open``. The error states
    the range in interval notation, e.g. ``noise must be a real number in [0, inf), got -1``.
    """
    lo_b = "(" if (low is None or low_open) else "["
    hi_b = ")" if (high is None or high_open) else "]"
    lo_s = "-inf" if low is None else f"{low:g}"
    hi_s = "inf" if high is None else f"{high:g}"
    rng = f"{lo_b}{lo_s}, {hi_s}{hi_b}"
    if isinstance(x, (str, bytes, bool, np.bool_)) or x is None:
        raise TypeError(f"{name} must be a real number in {rng}, got {type(x).__name__}")
    if np.ndim(x) != 0:
        raise TypeError(
            f"{name} must be a real number in {rng}, got an array of shape {np.shape(x)}"
        )
    if np.iscomplexobj(x):
        raise TypeError(f"{name} must be a real number in {rng}, got a complex number {x!r}")
    arr = as_float_array(x, name)
    v = float(arr)
    if np.isinf(v) and not allow_inf:
        raise ValueError(f"{name} must be a finite real number in {rng}, got {v}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be a real number in {rng}, got {v:g}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must be a real number in {rng}, got {v:g}")
    return v
