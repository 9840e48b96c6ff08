"""Spectral filters: ridge, the one-step self-distillation student, and the oracle.

A filter multiplies each least-squares coordinate ``(u_jᵀy)/s_j`` of a fixed-design problem by
``f_j``. All functions broadcast: parameters (``lam``, ``xi``) broadcast against each other to a
shape ``B`` and the eigenvalues run along a trailing axis, so the result has shape ``B + (r,)``
(or ``B`` when ``eigvals`` is a scalar). See the theory page :doc:`/theory/ridge`.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_broadcast, check_finite, check_nonneg, check_positive
from ._spectrum import as_spectrum

__all__ = ["ridge_filter", "sd_filter", "oracle_filter"]


def _eig_axis(eigvals) -> np.ndarray:
    ev = check_positive(eigvals, "eigvals")
    if ev.ndim > 1:
        raise ValueError(f"eigvals must be a scalar or 1-D, got shape {ev.shape}")
    return ev


def _expand(param: np.ndarray, ev: np.ndarray) -> np.ndarray:
    return param[..., None] if ev.ndim == 1 else param


def ridge_filter(eigvals, *, lam) -> np.ndarray:
    r"""Ridge filter ``a_j = s_j²/(s_j² + λ)``.

    Parameters
    ----------
    eigvals : array_like
        Eigenvalues ``s_j² > 0`` of ``XᵀX`` (scalar or 1-D).
    lam : array_like
        Ridge penalty ``λ ≥ 0`` (broadcasts; summed-loss scale ``‖y − Xθ‖² + λ‖θ‖²``).

    Returns
    -------
    ndarray
        Filter values, shape ``lam.shape + eigvals.shape``.

    Notes
    -----
    Ridge ``θ̂ = (XᵀX + λI)⁻¹Xᵀy`` equals ``Σ_j a_j (u_jᵀy/s_j) v_j`` with
    ``a_j = s_j²/(s_j² + λ)``. See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> ridge_filter([4.0, 1.0], lam=1.0)
    array([0.8, 0.5])
    """
    ev = _eig_axis(eigvals)
    lam = _expand(check_nonneg(lam, "lam"), ev)
    return ev / (ev + lam)


def sd_filter(eigvals, *, lam, xi, teacher_lam=None) -> np.ndarray:
    r"""Filter of the one-step self-distillation student, for any real ``ξ``.

    Parameters
    ----------
    eigvals : array_like
        Eigenvalues ``s_j² > 0`` of ``XᵀX`` (scalar or 1-D).
    lam : array_like
        Student ridge penalty ``λ > 0`` (also the teacher's unless ``teacher_lam`` is given).
    xi : array_like
        Distillation weight ``ξ ∈ ℝ`` (``ξ > 1`` and ``ξ < 0`` are allowed).
    teacher_lam : array_like, optional
        Teacher ridge penalty ``λ_t > 0``; default ``λ``.

    Returns
    -------
    ndarray
        Filter values, shape ``broadcast(lam, xi, teacher_lam).shape + eigvals.shape``.

    Notes
    -----
    The student minimizes ``ξ‖Xθ_T − Xθ‖² + (1−ξ)‖y − Xθ‖² + λ‖θ‖²``, which is ridge on the
    mixed target ``ξXθ_T + (1−ξ)y``; it is strictly convex for every real ``ξ``. With
    ``a_j(λ) = s_j²/(s_j² + λ)``:

    .. math:: f_j = a_j(λ)\,[1 − ξ + ξ a_j(λ_t)],

    which for ``λ_t = λ`` is ``s_j²(s_j² + (1−ξ)λ)/(s_j² + λ)²``. ``ξ = 0`` is the teacher,
    ``ξ = 1`` ridge applied twice; for ``s_j² < (ξ − 1)λ`` the filter is negative.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, ICML 2023, arXiv:2301.13304, Sec. 3.

    Examples
    --------
    >>> sd_filter([4.0, 1.0], lam=1.0, xi=0.0)   # the teacher
    array([0.8, 0.5])
    >>> sd_filter([4.0, 1.0], lam=1.0, xi=3.0)   # s² = 1 < (ξ−1)λ = 2: negative
    array([ 0.32, -0.25])
    """
    ev = _eig_axis(eigvals)
    lam = check_positive(lam, "lam")
    xi = check_finite(xi, "xi")
    if teacher_lam is None:
        lam, xi = check_broadcast(lam=lam, xi=xi)
        lam_t = lam
    else:
        lam_t = check_positive(teacher_lam, "teacher_lam")
        lam, xi, lam_t = check_broadcast(lam=lam, xi=xi, teacher_lam=lam_t)
    a_s = ev / (ev + _expand(lam, ev))
    # 1 − a(λ_t) = λ_t/(s² + λ_t), formed without the subtraction: near the λ → 0 boundary
    # ξ ~ κ/λ is huge and 1 − a_t computed as a difference carried an absolute error
    # ~1e-16·ξ into the filter (1e-7 at λ = 1e-9).
    one_minus_at = _expand(lam_t, ev) / (ev + _expand(lam_t, ev))
    return a_s * (1.0 - _expand(xi, ev) * one_minus_at)


def oracle_filter(problem) -> np.ndarray:
    r"""The best filter for the problem: the minimizer of the expected risk over all ``f ∈ ℝʳ``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.

    Returns
    -------
    ndarray, shape (r,)
        The filter that minimizes the fixed-design risk ``E‖θ̂ − θ*‖²_W``.

    Notes
    -----
    For diagonal weights this is the per-direction Wiener filter

    .. math:: f_j^{or} = s_j²θ_j² / (s_j²θ_j² + σ²),

    a lower bound on the risk of ridge, of every self-distillation student and of every other
    spectral filter. For a non-diagonal weight matrix ``M`` with cross term ``h`` the risk is
    a quadratic in ``f`` and the minimizer solves
    ``(ΘMΘ + σ² diag(M_jj/s_j²)) f = ΘMΘ1 + Θh`` with ``Θ = diag(θ)``.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 1.0], noise=1.0)
    >>> oracle_filter(sp)
    array([0.8, 0.5])
    """
    sp = as_spectrum(problem)
    ev, g2 = sp.eigvals, sp.noise
    if sp.is_diagonal:
        num = ev * sp.signal_energy
        den = num + g2
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)
        return f
    theta = sp.signal
    assert theta is not None  # a Spectrum with a weight matrix always carries its signal
    A = theta[:, None] * sp.weight_matrix * theta[None, :] + g2 * np.diag(sp.weight_diag / ev)
    rhs = A @ np.ones_like(theta) - g2 * sp.weight_diag / ev + theta * sp.null_cross
    # (ΘMΘ + σ²D) f = ΘMΘ1 + Θh; ΘMΘ1 = A1 − σ²D1.
    return np.linalg.lstsq(A, rhs, rcond=None)[0]
