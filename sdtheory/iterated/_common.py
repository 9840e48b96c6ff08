"""Argument checks and small helpers shared by the iterated self-distillation modules.

See the theory page :doc:`/theory/iterated`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._validate import as_float_array, check_finite, check_positive, check_scalar

__all__: list[str] = []


def eigvals_arg(eigvals, name: str = "eigvals") -> np.ndarray:
    """Eigenvalues ``> 0``, a scalar or 1-D array."""
    ev = check_positive(eigvals, name)
    if ev.ndim > 1:
        raise ValueError(
            f"{name} must be a scalar or 1-D array of values in (0, inf), got shape {ev.shape}"
        )
    return ev


def lam_arg(lam, *, scalar: bool = False) -> np.ndarray | float:
    """``λ > 0``: an array (broadcasting) or, with ``scalar``, one real number."""
    if scalar:
        return check_scalar(lam, "lam", low=0.0, low_open=True)
    return check_positive(lam, "lam")


def ridge_parts(ev: np.ndarray, lam: np.ndarray):
    """``a = s²/(s² + λ)`` and ``1 − a = λ/(s² + λ)`` (no cancellation), shape ``lam + ev``."""
    lamx = lam if ev.ndim == 0 else lam[..., None]
    den = ev + lamx
    return ev / den, lamx / den


def xis_arg(xis, name: str = "xis") -> np.ndarray:
    """A schedule ``(ξ_1, ..., ξ_k)`` of finite reals (or a batch ``(..., k)``); ``k = 0`` is ok."""
    if xis is None or isinstance(xis, (str, bytes)):
        raise TypeError(
            f"{name} must be a sequence of per-step weights (xi_1, ..., xi_k), real numbers in "
            f"(-inf, inf), got {type(xis).__name__}"
        )
    x = as_float_array(xis, name, allow_empty=True)
    if x.ndim == 0:
        raise ValueError(
            f"{name} must be a 1-D sequence (xi_1, ..., xi_k) (or a batch (..., k)), "
            "got a scalar; use [xi] for one step"
        )
    if x.size and not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite real numbers in (-inf, inf)")
    return x


def alpha01_arg(alpha, name: str = "alpha") -> np.ndarray:
    """Borup & Andersen's weight on the labels, in ``[0, 1]`` (array)."""
    a = check_finite(alpha, name)
    if ((a < 0) | (a > 1)).any():
        raise ValueError(
            f"{name} (the weight on the labels) must lie in [0, 1], got "
            f"{float(a.min()) if (a < 0).any() else float(a.max()):.6g}"
        )
    return a


def steps_or_inf_arg(steps, name: str = "steps"):
    """A step count ``≥ 0`` (0 is the teacher) or ``numpy.inf`` for the limit."""
    if isinstance(steps, (bool, np.bool_)) or steps is None or isinstance(steps, (str, bytes)):
        raise TypeError(f"{name} must be an integer >= 0 or numpy.inf, got {type(steps).__name__}")
    if isinstance(steps, numbers.Integral):
        if int(steps) < 0:
            raise ValueError(
                f"{name} must be an integer >= 0 (0 is the teacher) or numpy.inf, got {steps}"
            )
        return int(steps)
    if isinstance(steps, numbers.Real):
        v = float(steps)
        if math.isinf(v) and v > 0:
            return math.inf
        if v.is_integer() and v >= 0:
            return int(v)
    raise ValueError(
        f"{name} must be an integer >= 0 (0 is the teacher) or numpy.inf, got {steps!r}"
    )


def hg(sp):
    """``H`` (matrix) and ``g`` with ``E(f) = fᵀHf − 2gᵀf + E(0)``; the oracle solves ``Hf = g``."""
    ev, g2 = sp.eigvals, sp.noise
    md = sp.weight_diag / ev
    if sp.is_diagonal:
        H = np.diag(sp.weights * sp.signal_energy + g2 * md)
        g = sp.weights * sp.signal_energy
    else:
        th = sp.signal
        M = sp.weight_matrix  # r×r even when the weights are diagonal (then null_cross ≠ 0)
        H = th[:, None] * M * th[None, :] + g2 * np.diag(md)
        g = th * (M @ th) + th * sp.null_cross
    return H, g


def risk_terms(sp, q, u):
    """Bias and variance of the filter ``q`` given ``u = 1 − q`` computed without cancellation.

    Same formula as :func:`~sdtheory.filter_risk`, with ``(1 − q)`` taken from ``u``.
    """
    var = sp.noise * ((q**2) * (sp.weight_diag / sp.eigvals)).sum(-1)
    if sp.is_diagonal:
        bias = ((u**2) * (sp.weights * sp.signal_energy)).sum(-1)
    else:
        b = -u * sp.signal
        bias = np.einsum("...j,jk,...k->...", b, sp.weight_matrix, b) - 2.0 * (b @ sp.null_cross)
    return bias + sp.null_risk, var


def out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def ky_arg(K, y, *, rtol=None):
    """``(KernelEigen, y)``: a validated Gram matrix (or its eigendecomposition) and labels."""
    from ._kernel import KernelEigen, kernel_eigen

    eig = K if isinstance(K, KernelEigen) else kernel_eigen(K, rtol=rtol)
    y = check_finite(y, "y")
    if y.ndim != 1 or y.shape[0] != eig.n:
        raise ValueError(
            f"y must have shape ({eig.n},) to match K ({eig.n} x {eig.n}), got {y.shape}"
        )
    return eig, y
