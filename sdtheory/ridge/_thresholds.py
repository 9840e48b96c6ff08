r"""When does the optimal ``ξ*`` exceed 1? The noise threshold and the noise limits of ``ξ*``.

``N`` and ``D`` of the quadratic ``E(λ, ξ) = R − 2ξN + ξ²D`` are affine in the noise variance
``σ²``, so ``ξ* = N/D`` is linear-fractional in ``σ²``: monotone between its limits at
``σ² → 0`` and ``σ² → ∞``, and it crosses 1 at one noise level ``σ₁²(λ)``.
See the theory page :doc:`/theory/ridge`.
"""

from __future__ import annotations

import numpy as np

from ._quadratic import _eval, _out, _safe_div
from ._spectrum import as_spectrum

__all__ = ["xi_above_one_noise_threshold", "optimal_xi_noise_limits"]


def xi_above_one_noise_threshold(problem, *, lam, teacher_lam=None):
    r"""Noise variance ``σ₁²(λ)`` above which the optimal ``ξ*`` exceeds 1.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem (its own noise level is ignored).
    lam : array_like
        Ridge penalty ``λ > 0`` (summed-loss scale).
    teacher_lam : array_like, optional
        A different teacher penalty ``λ_t > 0``.

    Returns
    -------
    float or ndarray
        ``σ₁²(λ)``, of ``lam``'s shape: the ``ξ*`` that minimizes the fixed-design risk
        ``E‖θ̂ − θ*‖²_W`` is ``> 1`` exactly when the noise variance exceeds it. A negative
        value means ``ξ* > 1`` at every noise level (possible with a null-space cross term or a
        non-diagonal weight matrix; never for diagonal weights). ``inf`` where all risk
        weights vanish (then ``ξ* = 0`` by convention).

    Notes
    -----
    ``N`` and ``D`` are affine in ``σ²``: ``N = N₀ + σ²N₁``, ``D = D₀ + σ²D₁``, and
    ``N₁ − D₁ = Σ_j M_jj c_j a_j a_j(λ_t)/s_j² > 0``, so
    ``N > D ⟺ σ² > (D₀ − N₀)/(N₁ − D₁)``. Numerator and denominator are both formed
    without subtraction (``D₀ − N₀ = gᵀM((c + 1 − a)∘θ) + gᵀh``, ``g = c∘θ``).
    For ``W = I``:

    .. math:: σ₁²(λ) = λ\frac{\sum_j s_j²(2s_j² + λ)θ_j²/(s_j²+λ)⁴}{\sum_j s_j⁴/(s_j²+λ)⁴}.

    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=0.0)
    >>> float(xi_above_one_noise_threshold(sp, lam=1.0))   # 1·(2+1)/1
    3.0
    """
    sp = as_spectrum(problem)
    q, shape = _eval(sp, lam, teacher_lam)
    num, den = q["thr_num"], q["thr_den"]
    with np.errstate(divide="ignore", invalid="ignore"):
        thr = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    return _out(thr.reshape(shape))


def optimal_xi_noise_limits(problem, *, lam, teacher_lam=None):
    r"""Limits of ``ξ*(λ)`` as the noise variance ``σ² → 0`` and ``σ² → ∞``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem (its own noise level is ignored).
    lam : array_like
        Ridge penalty ``λ > 0`` (summed-loss scale).
    teacher_lam : array_like, optional
        A different teacher penalty ``λ_t > 0``.

    Returns
    -------
    (xi_zero, xi_inf) : tuple of float or ndarray
        Limits of the ``ξ`` that minimizes the fixed-design risk ``E‖θ̂ − θ*‖²_W``:
        ``ξ*`` at ``σ² → 0`` (``N₀/D₀``; negative: the student undoes the ridge bias) and at
        ``σ² → ∞`` (``N₁/D₁ = Σ M_jj c_j a_j/s_j² / Σ M_jj c_j²/s_j² > 1``; in one dimension
        ``1 + s²/λ``). Where there is no (weighted) signal, ``D₀ = N₀ = 0`` and ``ξ*`` is
        ``N₁/D₁`` at every noise level, which is then also ``xi_zero``; where all risk
        weights vanish ``ξ* ≡ 0`` and both limits are 0.

    Notes
    -----
    ``ξ*(σ²) = (N₀ + σ²N₁)/(D₀ + σ²D₁)`` is linear-fractional in ``σ²``, hence monotone
    between these two limits. See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[2.0], signal_energy=[1.0], noise=0.0)
    >>> lo, hi = optimal_xi_noise_limits(sp, lam=1.0)
    >>> float(hi)   # 1 + s²/λ
    3.0
    """
    sp = as_spectrum(problem)
    q, shape = _eval(sp, lam, teacher_lam)
    N0, N1, D0, D1 = q["N0"], q["N1"], q["D0"], q["D1"]
    hi = _safe_div(N1, D1)
    lo = np.where(D0 > 0, _safe_div(N0, D0), hi)
    return _out(lo.reshape(shape)), _out(hi.reshape(shape))
