r"""The one-step risk as a quadratic in ``ξ``: its coefficients ``R``, ``N``, ``D``.

The one-step student's fixed-design risk is a convex quadratic in ``ξ``,

    E(λ, ξ) = R(λ) − 2ξ N(λ) + ξ² D(λ),

so the optimal ``ξ*`` at any ``λ``, the minimal risk, the noise threshold above which
``ξ* > 1`` and the boundary behaviour of the joint optimum all follow from ``R``, ``N`` and
``D``. This module computes them (with the signal and noise parts kept apart) for every other
module of :mod:`sdtheory.ridge`. See the theory page :doc:`/theory/ridge`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_broadcast, check_positive
from ._spectrum import Spectrum, as_spectrum

__all__ = ["SDQuadratic", "sd_quadratic"]

_CHUNK = 1 << 22  # elements per (…, r) block when evaluating filters in bulk


@dataclass(frozen=True)
class SDQuadratic:
    """Coefficients of ``E(λ, ξ) = R − 2ξN + ξ²D`` at each ``λ`` (arrays of ``lam``'s shape).

    ``R`` is the fixed-design risk of the teacher (ridge with the student's ``λ``).
    """

    R: np.ndarray | float
    N: np.ndarray | float
    D: np.ndarray | float


def _check_flag(x, name: str) -> bool:
    """A bool (``True``/``False`` or a NumPy bool), named in the error otherwise."""
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(x).__name__}")
    return bool(x)


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _safe_div(n, d):
    n, d = np.asarray(n, float), np.asarray(d, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, n / np.where(d > 0, d, 1.0), 0.0)


def _quadratic(sp: Spectrum, lam: np.ndarray, lam_t: np.ndarray | None = None) -> dict:
    """R, N, D (split into signal and noise parts), ξ*, the stable profile and threshold terms.

    ``lam`` (student) and ``lam_t`` (teacher; default ``lam``) are 1-D arrays of one length.
    The student filter is ``f = a − ξc`` with ``a = a(λ)``, ``c = a(λ)(1 − a(λ_t))``.
    """
    ev = sp.eigvals
    lam = lam[:, None]
    a = ev / (ev + lam)
    one_minus_a = lam / (ev + lam)
    if lam_t is None:
        a_t, one_minus_at = a, one_minus_a
    else:
        lam_t = lam_t[:, None]
        a_t, one_minus_at = ev / (ev + lam_t), lam_t / (ev + lam_t)
    c = a * one_minus_at
    md = sp.weight_diag / ev  # M_jj / s_j²
    g2 = sp.noise
    # noise coefficients (multiply σ²) and signal parts
    R_noise = (a * a * md).sum(-1)
    N_noise = (a * c * md).sum(-1)
    D_noise = (c * c * md).sum(-1)
    # N₁ − D₁ = Σ M_jj c_j (a_j − c_j)/s_j² = Σ M_jj c_j a_j a_t,j / s_j²,
    # formed without cancellation
    thr_den = (c * a * a_t * md).sum(-1)
    if sp.is_diagonal:
        wt = sp.weights * sp.signal_energy
        R_sig = (one_minus_a**2 * wt).sum(-1)
        N_sig = -(c * one_minus_a * wt).sum(-1)
        D_sig = (c * c * wt).sum(-1)
        thr_num = (c * (c + one_minus_a) * wt).sum(-1)  # D₀ − N₀
    else:
        th, M, h = sp.signal, sp.weight_matrix, sp.null_cross
        b0 = -one_minus_a * th
        g = c * th
        gM = g @ M
        R_sig = ((b0 @ M) * b0).sum(-1) - 2.0 * (b0 @ h)
        N_sig = (gM * b0).sum(-1) - g @ h
        D_sig = (gM * g).sum(-1)
        thr_num = (gM * ((c + one_minus_a) * th)).sum(-1) + g @ h
    R_sig = R_sig + sp.null_risk
    R = R_sig + g2 * R_noise
    N = N_sig + g2 * N_noise
    D = D_sig + g2 * D_noise
    xi = _safe_div(N, D)
    # The profile min_ξ E = R − N²/D cancels catastrophically when the SD risk is far below the
    # teacher's; evaluate the risk of the filter a − ξ*c directly instead (a sum of
    # non-negative terms for diagonal weights).
    f = a - xi[:, None] * c
    one_minus_f = one_minus_a + xi[:, None] * c
    var = g2 * (f * f * md).sum(-1)
    if sp.is_diagonal:
        bias = (one_minus_f**2 * wt).sum(-1)
    else:
        b = -one_minus_f * th
        bias = ((b @ M) * b).sum(-1) - 2.0 * (b @ h)
    P = bias + sp.null_risk + var
    return {
        "R": R,
        "N": N,
        "D": D,
        "xi": xi,
        "P": P,
        "R0": R_sig,
        "R1": R_noise,
        "N0": N_sig,
        "N1": N_noise,
        "D0": D_sig,
        "D1": D_noise,
        "thr_num": thr_num,
        "thr_den": thr_den,
    }


def _rnd(sp: Spectrum, lam_flat: np.ndarray, lam_t_flat: np.ndarray | None = None) -> dict:
    """:func:`_quadratic` in chunks over a 1-D array of λ (and optional teacher λ)."""
    chunk = max(1, _CHUNK // max(sp.rank, 1))
    parts = [
        _quadratic(
            sp, lam_flat[i : i + chunk], None if lam_t_flat is None else lam_t_flat[i : i + chunk]
        )
        for i in range(0, lam_flat.size, chunk)
    ]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _lams(lam, teacher_lam):
    """Validated, broadcast (λ, λ_t) with λ_t None when not given."""
    lam = check_positive(lam, "lam")
    if teacher_lam is None:
        return lam, None
    lam_t = check_positive(teacher_lam, "teacher_lam")
    lam, lam_t = check_broadcast(lam=lam, teacher_lam=lam_t)
    return lam, lam_t


def _eval(sp: Spectrum, lam, teacher_lam) -> tuple[dict, tuple]:
    lam, lam_t = _lams(lam, teacher_lam)
    q = _rnd(sp, lam.ravel(), None if lam_t is None else lam_t.ravel())
    return q, lam.shape


def sd_quadratic(problem, *, lam, teacher_lam=None) -> SDQuadratic:
    r"""Coefficients ``R, N, D`` of the one-step risk ``E(λ, ξ) = R − 2ξN + ξ²D``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    lam : array_like
        Ridge penalties ``λ > 0`` (any shape; summed-loss scale ``‖y − Xθ‖² + λ‖θ‖²``).
    teacher_lam : array_like, optional
        Teacher penalty ``λ_t > 0`` (broadcasts with ``lam``); default ``λ``. ``R`` is then the
        risk of ridge with the *student's* ``λ`` (the ``ξ = 0`` student).

    Returns
    -------
    SDQuadratic
        ``R``, ``N``, ``D`` of the fixed-design risk ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``; for
        ``weights="prediction"`` ``W`` is the in-sample ``XᵀX/n``), each of ``lam``'s shape.

    Notes
    -----
    With ``a_j = s_j²/(s_j² + λ)``, ``c_j = a_j(1 − a_j(λ_t))`` (``= a_j(1 − a_j)`` for
    ``λ_t = λ``) the student filter is ``f_j = a_j − ξc_j``. For diagonal weights ``w_j``

    .. math::
        R &= \sum_j w_j[(1 − a_j)²θ_j² + a_j²σ²/s_j²], \\
        N &= \sum_j w_j c_j[a_jσ²/s_j² − (1 − a_j)θ_j²], \\
        D &= \sum_j w_j c_j²[θ_j² + σ²/s_j²].

    For a weight matrix ``M`` with cross term ``h``, ``b₀ = (a − 1)∘θ``, ``g = c∘θ``:
    ``N = gᵀMb₀ − gᵀh + σ²Σ a_jc_jM_jj/s_j²``, ``D = gᵀMg + σ²Σ c_j²M_jj/s_j²``.
    For ``λ_t = λ`` always ``N = −(λ/2)R'(λ)`` (the sign rule).

    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    Das & Sanghavi, ICML 2023 (arXiv:2301.13304); Dang, Patil & Rinaldo, ICML 2026
    (arXiv:2602.17565) for the derivative identity.

    Examples
    --------
    >>> from sdtheory import Spectrum, optimal_xi
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> q = sd_quadratic(sp, lam=1.0)
    >>> round(q.N / q.D, 6) == round(float(optimal_xi(sp, lam=1.0)), 6)
    True
    """
    sp = as_spectrum(problem)
    q, shape = _eval(sp, lam, teacher_lam)
    return SDQuadratic(
        R=_out(q["R"].reshape(shape)), N=_out(q["N"].reshape(shape)), D=_out(q["D"].reshape(shape))
    )
