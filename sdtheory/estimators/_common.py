"""Shared parameter checks and input validation for the scikit-learn estimators.

Hyperparameters are stored verbatim by ``__init__`` (scikit-learn's contract) and checked here at
fit time; every error names the parameter and its valid range.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import as_float_array, check_scalar

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None

__all__ = ["alpha_arg", "bool_arg", "schedule_arg", "validate"]


def validate(est, X, y="no_validation", *, reset: bool = True, **kw):
    """``validate_data`` when scikit-learn has it, else the estimator's ``_validate_data``.

    Dense float64 input only; sets ``n_features_in_`` (and ``feature_names_in_``) on ``reset``.
    """
    kw.setdefault("dtype", np.float64)
    if _sk_validate_data is not None:
        return _sk_validate_data(est, X, y, reset=reset, **kw)
    return est._validate_data(X, y, reset=reset, **kw)  # pragma: no cover


def alpha_arg(alpha, name: str = "alpha") -> float:
    """The penalty ``alpha > 0`` (summed-loss scale), a real scalar."""
    return check_scalar(alpha, name, low=0.0, low_open=True)


def bool_arg(x, name: str) -> bool:
    """A plain bool."""
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {x!r}")
    return bool(x)


def schedule_arg(xi, steps, *, allow_auto: bool):
    """Validate ``xi`` and ``steps``; return ``(xis, xi, k)``.

    ``xis`` is the schedule ``(ξ_1..ξ_k)`` (``None`` when ``xi="auto"`` and ``steps`` is an int:
    the caller estimates ξ and repeats it ``k`` times); ``xi`` is the checked scalar (``"auto"``
    left as is). A sequence ``steps`` is the schedule itself; ``xi`` is then not used (it is
    still checked) and returned as ``None``.
    """
    valid = "a real number or 'auto'" if allow_auto else "a real number in (-inf, inf)"
    if isinstance(xi, str):
        if not (allow_auto and xi == "auto"):
            raise ValueError(f"xi must be {valid}, got {xi!r}")
    elif isinstance(xi, (bytes, bool, np.bool_)) or xi is None:
        raise TypeError(f"xi must be {valid}, got {type(xi).__name__}")
    else:
        xi = check_scalar(xi, "xi")
    if isinstance(steps, numbers.Integral) and not isinstance(steps, (bool, np.bool_)):
        k = int(steps)
        if k < 0:
            raise ValueError(f"steps must be an integer >= 0 or a sequence of weights, got {k}")
        return (None if xi == "auto" else np.full(k, float(xi))), xi, k
    if (
        steps is None
        or isinstance(steps, (str, bytes, bool, np.bool_, numbers.Number))
        or np.ndim(steps) != 1
    ):
        raise TypeError(
            "steps must be an integer >= 0 (distillation steps after the teacher) or a 1-D "
            f"sequence of weights (xi_1, ..., xi_k), got {steps!r}"
        )
    xis = as_float_array(steps, "steps", allow_empty=True)
    if not np.isfinite(xis).all():
        raise ValueError("steps, as a sequence of weights, must hold finite real numbers")
    return xis, None, xis.size
