r"""Spectra builders, λ-scale converters and the shared argument checks of the asymptotic theory.

The data-free asymptotic functions describe a spectrum by three arrays: the eigenvalues
``s_j`` of the feature covariance Σ, the signal energies ``e_j`` (squared coordinates of θ* in
Σ's eigenbasis, or the total energy on an eigenspace) and the weights ``w_j`` (the fraction of
the ``p`` directions carrying ``s_j``). The builders here return such triples.

**λ scale.** The data-free asymptotic functions put λ on the *mean-loss* scale (the penalty
added to ``‖y − Xθ‖²/n``, so ``Σ̂ = XᵀX/n``). Every function that takes data ``(X, y)`` uses
the *summed-loss* scale (the penalty added to ``‖y − Xθ‖²``, scikit-learn's ``alpha``). The two
differ by the factor ``n``; :func:`lam_to_fixed_design` and :func:`lam_to_mse_scale` convert.

See the theory page :doc:`/theory/asymptotics`.
"""

from __future__ import annotations

import numpy as np

from .._validate import (
    check_int,
    check_nonneg,
    check_positive,
    check_psd,
    check_scalar,
    check_vector,
)

__all__ = [
    "lam_to_fixed_design",
    "lam_to_mse_scale",
    "spectrum_from_cov",
    "two_level_spectrum",
    "power_law_spectrum",
]


# ---------------------------------------------------------------------------- λ scale
def lam_to_fixed_design(lam, *, n):
    r"""Convert a mean-loss-scale ``λ`` to the summed-loss (fixed-design) scale.

    Parameters
    ----------
    lam : float or array_like
        Penalty on ``‖y − Xθ‖²/n`` (``Σ̂ = XᵀX/n``), ``λ > 0``: the scale of the data-free
        asymptotic functions.
    n : int
        Number of samples, ``n >= 1``.

    Returns
    -------
    float or ndarray
        ``n·λ``: the penalty on ``‖y − Xθ‖²`` (scikit-learn's ``alpha``), the scale of
        :func:`sdtheory.sd_risk`, :func:`one_shot_xi`, :func:`finite_sample_sd` and every other
        function that takes data.

    Notes
    -----
    ``(XᵀX/n + λI)⁻¹Xᵀy/n = (XᵀX + nλI)⁻¹Xᵀy``. See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> lam_to_fixed_design(0.5, n=200)
    100.0
    """
    lam = check_positive(lam, "lam")
    n = check_int(n, "n", minimum=1)
    out = lam * n
    return float(out) if out.ndim == 0 else out


def lam_to_mse_scale(lam, *, n):
    r"""Convert a summed-loss (fixed-design) ``λ`` to the mean-loss scale.

    Parameters
    ----------
    lam : float or array_like
        Penalty on ``‖y − Xθ‖²`` (scikit-learn's ``alpha``), ``λ > 0``.
    n : int
        Number of samples, ``n >= 1``.

    Returns
    -------
    float or ndarray
        ``λ/n``: the scale of :func:`asymptotic_risks` and the other data-free asymptotic
        functions.

    Notes
    -----
    The inverse of :func:`lam_to_fixed_design`. See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> lam_to_mse_scale(100.0, n=200)
    0.5
    """
    lam = check_positive(lam, "lam")
    n = check_int(n, "n", minimum=1)
    out = lam / n
    return float(out) if out.ndim == 0 else out


# ---------------------------------------------------------------------------- spectra
def spectrum_from_cov(cov, theta_star):
    r"""Eigenvalues and signal energies of a covariance ``Σ`` and true coefficients ``θ*``.

    Parameters
    ----------
    cov : array_like, shape (p, p)
        Symmetric positive semi-definite covariance Σ.
    theta_star : array_like, shape (p,)
        True coefficients θ*.

    Returns
    -------
    eigvals, signal_energy, weights : ndarray, shape (p,)
        ``s_i``, ``(v_iᵀθ*)²`` and equal weights ``1/p`` (the arguments of
        :func:`asymptotic_risks`).

    Notes
    -----
    ``Σ = Σ_i s_i v_i v_iᵀ``. See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> s, e, w = spectrum_from_cov([[2.0, 0.0], [0.0, 1.0]], [1.0, 3.0])
    >>> s.tolist(), e.tolist(), w.tolist()
    ([1.0, 2.0], [9.0, 1.0], [0.5, 0.5])
    """
    cov = check_psd(cov, "cov")
    p = cov.shape[0]
    theta_star = check_vector(theta_star, "theta_star", length=p)
    s, V = np.linalg.eigh(cov)
    s = np.clip(s, 0.0, None)
    return s, (V.T @ theta_star) ** 2, np.full(p, 1.0 / p)


def two_level_spectrum(*, high, low, frac_high, signal_high, signal_low):
    r"""A two-level covariance spectrum with the signal split between the levels.

    Parameters
    ----------
    high, low : float
        The two eigenvalues, each in ``(0, inf)``.
    frac_high : float
        Fraction of the ``p`` directions with eigenvalue ``high``, in ``(0, 1)``.
    signal_high, signal_low : float
        Total signal energy ``Σ θ*_i²`` on each eigenspace, each in ``[0, inf)``.

    Returns
    -------
    eigvals, signal_energy, weights : ndarray, shape (2,)
        For :func:`asymptotic_risks` (``weights`` are the fractions of ``p``).

    Notes
    -----
    See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> s, e, w = two_level_spectrum(high=10.0, low=1.0, frac_high=0.2, signal_high=1.0,
    ...                              signal_low=0.0)
    >>> w.tolist()
    [0.2, 0.8]
    """
    hi = check_scalar(high, "high", low=0.0, low_open=True)
    lo = check_scalar(low, "low", low=0.0, low_open=True)
    f = check_scalar(frac_high, "frac_high", low=0.0, high=1.0, low_open=True, high_open=True)
    eh = check_scalar(signal_high, "signal_high", low=0.0)
    el = check_scalar(signal_low, "signal_low", low=0.0)
    return np.array([hi, lo]), np.array([eh, el]), np.array([f, 1.0 - f])


def power_law_spectrum(p, *, decay, signal_decay, signal_norm_sq=1.0):
    r"""Power-law spectrum ``s_i = i^{−a}`` with signal ``θ*_i² ∝ i^{−b}`` (i = 1..p).

    Parameters
    ----------
    p : int
        Number of eigenvalues, ``p >= 1``.
    decay : float
        ``a`` in ``[0, inf)``.
    signal_decay : float
        ``b`` (any finite real); the signal energies are normalized to sum to
        ``signal_norm_sq``.
    signal_norm_sq : float
        ``‖θ*‖²`` in ``[0, inf)``.

    Returns
    -------
    eigvals, signal_energy, weights : ndarray, shape (p,)

    Notes
    -----
    See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> s, e, w = power_law_spectrum(4, decay=1.0, signal_decay=2.0)
    >>> round(float(e.sum()), 12), float(s[1])
    (1.0, 0.5)
    """
    p = check_int(p, "p", minimum=1)
    a = check_scalar(decay, "decay", low=0.0)
    b = check_scalar(signal_decay, "signal_decay")
    r2 = check_scalar(signal_norm_sq, "signal_norm_sq", low=0.0)
    i = np.arange(1, p + 1, dtype=float)
    e = i**-b
    if not np.isfinite(e).all() or e.sum() == 0 or not np.isfinite(e.sum()):
        raise ValueError(
            f"signal_decay={b:g} overflows the signal energies for p={p}; use |b| smaller"
        )
    return i**-a, r2 * e / e.sum(), np.full(p, 1.0 / p)


# ---------------------------------------------------------------------------- shared checks
_NO_SIGNAL = object()  # marker: a caller that needs no signal energies (solve_kappa)


def check_spectrum(cov_eigvals, signal_energy, weights):
    """``(s, e, w)`` as clean float arrays, each error naming its argument."""
    s = check_nonneg(cov_eigvals, "cov_eigvals")
    if s.ndim != 1:
        raise ValueError(f"cov_eigvals must be 1-D, got shape {s.shape}")
    if not (s > 0).any():
        raise ValueError("cov_eigvals must have at least one eigenvalue > 0")
    if signal_energy is _NO_SIGNAL:
        e = np.zeros_like(s)
    else:
        e = check_nonneg(signal_energy, "signal_energy")
        if e.shape != s.shape:
            raise ValueError(
                f"signal_energy must have the shape of cov_eigvals {s.shape}, got {e.shape}"
            )
    if weights is None:
        w = np.full(s.shape, 1.0 / s.size)
    else:
        w = check_nonneg(weights, "weights")
        if w.shape != s.shape:
            raise ValueError(f"weights must have the shape of cov_eigvals {s.shape}, got {w.shape}")
        if not np.isclose(w.sum(), 1.0, rtol=1e-9, atol=0):
            raise ValueError(
                f"weights are fractions of p and must sum to 1, got sum {w.sum():.12g}"
            )
    return s, e, w


def check_gamma(aspect_ratio) -> float:
    """``γ = p/n`` in ``(0, inf)``."""
    return check_scalar(aspect_ratio, "aspect_ratio", low=0.0, low_open=True)


def check_noise(noise) -> float:
    """The label-noise variance ``σ²`` in ``[0, inf)``."""
    return check_scalar(noise, "noise", low=0.0)


def check_lam(lam):
    """λ > 0, a scalar or a 1-D grid, returned as a 1-D array."""
    lam = check_positive(lam, "lam")
    if lam.ndim > 1:
        raise ValueError(
            f"lam must be a scalar or 1-D array of values in (0, inf), got shape {lam.shape}"
        )
    return np.atleast_1d(lam)
