"""Expected risk of spectral filters and the one-step self-distillation optimum.

All risks are expectations over the label noise ``η`` (``E η = 0``, ``Cov η = γ²I``) in the fixed
design of :class:`~sdtheory.Spectrum`. The one-step student's risk is a convex quadratic in
``ξ``,

    E(λ, ξ) = R(λ) − 2ξ N(λ) + ξ² D(λ),

so the optimal ``ξ*`` at any ``λ``, the minimal risk, the noise threshold above which ``ξ* > 1``
and the boundary behaviour of the joint optimum all follow from ``R``, ``N`` and ``D``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from ._spectrum import Spectrum
from .._validate import check_broadcast, check_finite, check_int, check_positive

__all__ = [
    "RiskParts",
    "SDQuadratic",
    "RidgeOptimum",
    "SDOptimum",
    "filter_risk",
    "ridge_risk",
    "sd_risk",
    "sd_quadratic",
    "optimal_xi",
    "sd_min_risk",
    "sd_gain",
    "xi_above_one_noise_threshold",
    "optimal_xi_noise_limits",
    "optimal_ridge",
    "optimal_sd",
    "oracle_risk",
]

_CHUNK = 1 << 22  # elements per (…, r) block when evaluating filters in bulk


# ---------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True)
class RiskParts:
    """Bias, variance and total expected risk (arrays of one broadcast shape).

    ``bias`` includes the null-space error ``‖P_ker θ*‖²_W`` and the range/null cross term;
    ``total = bias + variance``.
    """

    bias: np.ndarray | float
    variance: np.ndarray | float
    total: np.ndarray | float


@dataclass(frozen=True)
class SDQuadratic:
    """Coefficients of ``E(λ, ξ) = R − 2ξN + ξ²D`` at each ``λ`` (arrays of ``lam``'s shape)."""

    R: np.ndarray | float
    N: np.ndarray | float
    D: np.ndarray | float


@dataclass(frozen=True)
class RidgeOptimum:
    """Result of :func:`optimal_ridge`.

    Attributes
    ----------
    lam : float
        Optimal ``λ`` (``0.0`` or ``inf`` when the optimum is a boundary).
    risk : float
        Minimal expected risk.
    boundary : str or None
        ``None`` for an interior optimum, otherwise a description of the limit.
    """

    lam: float
    risk: float
    boundary: str | None = None


@dataclass(frozen=True)
class SDOptimum:
    """Result of :func:`optimal_sd`.

    Attributes
    ----------
    lam, xi : float
        Optimal ``(λ, ξ)``. For a boundary optimum ``lam`` is ``0.0`` or ``inf`` and ``xi``
        is the signed infinity it runs to (``0.0`` when the limit needs no distillation).
    risk : float
        Minimal expected risk (the infimum for a boundary optimum).
    boundary : str or None
        ``None`` for an interior optimum; otherwise ``"lam->0"`` (``λ → 0`` with
        ``κ = ξλ`` fixed; filter ``1 − κ/s_j²``) or ``"lam->inf"`` (``λ → ∞`` with
        ``μ = (1 − ξ)/λ`` fixed, so ``ξ → −∞``; filter ``μ s_j²``).
    limit_parameter : float or None
        ``κ*`` or ``μ*`` for a boundary optimum.
    filter : ndarray
        The optimal filter (the limiting filter at a boundary).
    local_minima : pandas.DataFrame
        Every interior local minimum of the profile ``λ ↦ min_ξ E`` found on the grid, refined,
        with columns ``lam, xi, risk``, plus the two boundary limits with columns
        ``boundary, limit_parameter``.
    ridge : RidgeOptimum
        The optimal ridge on the same problem, for comparison.
    """

    lam: float
    xi: float
    risk: float
    boundary: str | None
    limit_parameter: float | None
    filter: np.ndarray
    local_minima: pd.DataFrame
    ridge: RidgeOptimum

    @property
    def ratio_to_ridge(self) -> float:
        """``risk / ridge.risk`` (1 means self-distillation gains nothing)."""
        return self.risk / self.ridge.risk if self.ridge.risk > 0 else 1.0


# ---------------------------------------------------------------------------- risk of a filter
def filter_risk(sp: Spectrum, f, *, return_parts: bool = False):
    r"""Expected risk of an arbitrary spectral filter.

    Parameters
    ----------
    sp : Spectrum
        The problem.
    f : array_like, shape (..., r)
        Filter values; leading axes are a batch of filters.
    return_parts : bool
        Return a :class:`RiskParts` instead of the total.

    Notes
    -----
    With ``b = (f − 1)∘θ``, ``M`` the weights and ``h`` the null-space cross term,

    .. math:: E = bᵀMb − 2bᵀh + ‖P_{ker}θ^*‖²_W + γ²\sum_j f_j² M_{jj}/s_j².

    The first three terms are the bias, the last the variance.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 1.0], noise=1.0)
    >>> float(filter_risk(sp, [1.0, 1.0]))   # least squares: γ² Σ 1/s²
    1.25
    """
    if not isinstance(sp, Spectrum):
        raise TypeError(f"sp must be a Spectrum, got {type(sp).__name__}")
    f = check_finite(f, "f")
    if f.shape[-1:] != (sp.rank,):
        raise ValueError(f"f must have trailing dimension {sp.rank} (the rank), got {f.shape}")
    var = sp.noise * ((f**2) * (sp.weight_diag / sp.eigvals)).sum(-1)
    if sp.is_diagonal:
        bias = (((f - 1.0) ** 2) * (sp.weights * sp.signal_energy)).sum(-1)
    else:
        b = (f - 1.0) * sp.signal
        bias = np.einsum("...j,jk,...k->...", b, sp.weight_matrix, b) - 2.0 * (b @ sp.null_cross)
    bias = bias + sp.null_risk
    total = bias + var
    if return_parts:
        return RiskParts(bias=_out(bias), variance=_out(var), total=_out(total))
    return _out(total)


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _check_sp(sp) -> Spectrum:
    if not isinstance(sp, Spectrum):
        raise TypeError(f"sp must be a Spectrum, got {type(sp).__name__}")
    return sp


# ---------------------------------------------------------------------------- the quadratic in ξ
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
    # noise coefficients (multiply γ²) and signal parts
    R_noise = (a * a * md).sum(-1)
    N_noise = (a * c * md).sum(-1)
    D_noise = (c * c * md).sum(-1)
    # N₁ − D₁ = Σ M_jj c_j (a_j − c_j)/s_j² = Σ M_jj c_j a_j a_t,j / s_j², formed without cancellation
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
        "R": R, "N": N, "D": D, "xi": xi, "P": P,
        "R0": R_sig, "R1": R_noise, "N0": N_sig, "N1": N_noise, "D0": D_sig, "D1": D_noise,
        "thr_num": thr_num, "thr_den": thr_den,
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


def sd_quadratic(sp: Spectrum, lam, *, teacher_lam=None) -> SDQuadratic:
    r"""Coefficients ``R, N, D`` of the one-step risk ``E(λ, ξ) = R − 2ξN + ξ²D``.

    Parameters
    ----------
    sp : Spectrum
    lam : array_like
        Ridge penalties ``λ > 0`` (any shape).
    teacher_lam : array_like, optional
        Teacher penalty ``λ_t`` (broadcasts with ``lam``); default ``λ``. ``R`` is then the
        risk of ridge with the *student's* ``λ`` (the ``ξ = 0`` student).

    Notes
    -----
    With ``a_j = s_j²/(s_j² + λ)``, ``c_j = a_j(1 − a_j(λ_t))`` (``= a_j(1 − a_j)`` for
    ``λ_t = λ``) the student filter is ``f_j = a_j − ξc_j``. For diagonal weights ``w_j``

    .. math::
        R &= \sum_j w_j[(1 − a_j)²θ_j² + a_j²γ²/s_j²], \\
        N &= \sum_j w_j c_j[a_jγ²/s_j² − (1 − a_j)θ_j²], \\
        D &= \sum_j w_j c_j²[θ_j² + γ²/s_j²].

    For a weight matrix ``M`` with cross term ``h``, ``b₀ = (a − 1)∘θ``, ``g = c∘θ``:
    ``N = gᵀMb₀ − gᵀh + γ²Σ a_jc_jM_jj/s_j²``, ``D = gᵀMg + γ²Σ c_j²M_jj/s_j²``.
    For ``λ_t = λ`` always ``N = −(λ/2)R'(λ)`` (the sign rule).

    References
    ----------
    Das & Sanghavi, ICML 2023 (arXiv:2301.13304); Dang, Patil & Rinaldo, ICML 2026
    (arXiv:2602.17565) for the derivative identity.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> q = sd_quadratic(sp, 1.0)
    >>> round(q.N / q.D, 6) == round(float(optimal_xi(sp, 1.0)), 6)
    True
    """
    _check_sp(sp)
    q, shape = _eval(sp, lam, teacher_lam)
    return SDQuadratic(
        R=_out(q["R"].reshape(shape)), N=_out(q["N"].reshape(shape)), D=_out(q["D"].reshape(shape))
    )


def ridge_risk(sp: Spectrum, lam, *, return_parts: bool = False):
    r"""Expected risk ``R(λ)`` of ridge regression (the teacher).

    Notes
    -----
    ``R(λ) = Σ_j w_j[(1 − a_j)²θ_j² + a_j² γ²/s_j²]`` for diagonal weights, ``a_j = s_j²/(s_j²+λ)``.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=1.0)
    >>> ridge_risk(sp, 1.0)   # (1/2)²·1 + (1/2)²·1
    0.5
    """
    _check_sp(sp)
    lam = check_positive(lam, "lam")
    if return_parts:
        return sd_risk(sp, lam, 0.0, return_parts=True)
    return sd_quadratic(sp, lam).R


def sd_risk(sp: Spectrum, lam, xi, *, teacher_lam=None, return_parts: bool = False):
    r"""Expected risk of the one-step self-distillation student, broadcasting over ``λ`` and ``ξ``.

    Parameters
    ----------
    sp : Spectrum
    lam : array_like
        Student (and teacher) ridge penalty ``λ > 0``.
    xi : array_like
        Distillation weight ``ξ ∈ ℝ``.
    teacher_lam : array_like, optional
        A different teacher penalty ``λ_t``.
    return_parts : bool
        Return :class:`RiskParts` (bias, variance, total).

    Returns
    -------
    float or ndarray
        Shape ``broadcast(lam, xi).shape``.

    Notes
    -----
    ``E(λ, ξ) = R(λ) − 2ξN(λ) + ξ²D(λ)`` (see :func:`sd_quadratic`), evaluated in the vertex
    form ``E = P(λ) + D(λ)(ξ − ξ*)²`` with ``P = min_ξ E`` computed from the filter itself, so
    that a risk far below the teacher's does not lose its digits to cancellation. ``P``,
    ``D`` and ``ξ*`` are computed once per distinct ``λ`` (or ``(λ, λ_t)`` pair), so a
    ``(λ, ξ)`` grid costs ``O(L·r + L·Ξ)``. With ``return_parts`` the filter is formed
    explicitly.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.
    A. Dang, P. Patil and A. Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge
    Regression", ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> sd_risk(sp, 1.0, 0.0) == ridge_risk(sp, 1.0)
    True
    >>> sd_risk(sp, [[0.5], [1.0]], [0.0, 1.0, 2.0]).shape
    (2, 3)
    """
    from ._filters import sd_filter

    _check_sp(sp)
    lam = check_positive(lam, "lam")
    xi = check_finite(xi, "xi")
    if return_parts:
        f = sd_filter(sp.eigvals, lam, xi, teacher_lam=teacher_lam)
        return filter_risk(sp, f, return_parts=return_parts)
    if teacher_lam is None:
        lam_b, xi_b = check_broadcast(lam=lam, xi=xi)
        # evaluate the quadratic on the distinct λ only (grids are usually outer products)
        uniq, inv = np.unique(lam_b, return_inverse=True)
        q = _rnd(sp, uniq)
    else:
        lam_t = check_positive(teacher_lam, "teacher_lam")
        lam_b, xi_b, lt_b = check_broadcast(lam=lam, xi=xi, teacher_lam=lam_t)
        pairs = np.stack([lam_b.ravel(), lt_b.ravel()], axis=1)
        uniq, inv = np.unique(pairs, axis=0, return_inverse=True)
        q = _rnd(sp, uniq[:, 0].copy(), uniq[:, 1].copy())
    inv = inv.reshape(lam_b.shape)
    E = q["P"][inv] + q["D"][inv] * (xi_b - q["xi"][inv]) ** 2
    # ξ = 0 is ridge: return R itself (already a sum of non-negative terms) so the identity
    # sd_risk(sp, λ, 0) == ridge_risk(sp, λ) holds exactly.
    return _out(np.where(xi_b == 0, q["R"][inv], E))


def optimal_xi(sp: Spectrum, lam, *, teacher_lam=None):
    r"""Closed-form optimal distillation weight ``ξ*(λ) = N(λ)/D(λ)``.

    Parameters
    ----------
    sp : Spectrum
    lam : array_like
        Student (and teacher) ridge penalty ``λ > 0``.
    teacher_lam : array_like, optional
        A different teacher penalty ``λ_t`` (``N``, ``D`` then use ``c_j = a_j(λ)(1 − a_j(λ_t))``).

    Notes
    -----
    For ``W = I``

    .. math:: ξ^* = \frac{\sum_j s_j²(γ² − λθ_j²)/(s_j²+λ)³}
                         {λ\sum_j s_j²(s_j²θ_j² + γ²)/(s_j²+λ)⁴}.

    ``sign ξ* = −sign R'(λ)``: an under-regularized teacher gives ``ξ* > 0``. Where ``D = 0``
    (no signal and no noise) the risk does not depend on ``ξ`` and ``0`` is returned.

    References
    ----------
    Das & Sanghavi, ICML 2023; Dang, Patil & Rinaldo, ICML 2026.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=1.0)
    >>> float(optimal_xi(sp, 1.0))   # λ = γ²/θ² is ridge-optimal in 1-D: no distillation
    0.0
    """
    _check_sp(sp)
    q, shape = _eval(sp, lam, teacher_lam)
    return _out(q["xi"].reshape(shape))


def _safe_div(n, d):
    n, d = np.asarray(n, float), np.asarray(d, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, n / np.where(d > 0, d, 1.0), 0.0)


def sd_min_risk(sp: Spectrum, lam, *, teacher_lam=None):
    r"""Risk at the optimal ``ξ`` for each ``λ``: ``min_ξ E(λ, ξ) = R − N²/D``.

    Notes
    -----
    Evaluated as the risk of the filter ``a − ξ*c`` (not as ``R − N²/D``, which cancels
    when SD gains almost all of the teacher's risk). ``teacher_lam`` as in :func:`sd_risk`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> bool(sd_min_risk(sp, 1.0) <= ridge_risk(sp, 1.0))
    True
    """
    _check_sp(sp)
    q, shape = _eval(sp, lam, teacher_lam)
    return _out(q["P"].reshape(shape))


def sd_gain(sp: Spectrum, lam, *, teacher_lam=None):
    r"""Gain of optimal one-step SD over its teacher, ``R − min_ξ E = N²/D = λ²R'(λ)²/(4D)``.

    With ``teacher_lam`` the gain is over the ``ξ = 0`` student (ridge with the student's
    ``λ``) and the derivative form no longer applies.

    Notes
    -----
    ``E(λ, ξ) = R − 2ξN + ξ²D`` is minimized at ``ξ* = N/D`` with value ``R − N²/D``; since
    ``N = −(λ/2)R'(λ)`` the gain is ``λ²R'(λ)²/(4D)``: zero exactly where ``R'(λ) = 0``.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.
    A. Dang, P. Patil and A. Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge
    Regression", ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> bool(sd_gain(sp, 1.0) > 0)
    True
    """
    _check_sp(sp)
    q, shape = _eval(sp, lam, teacher_lam)
    return _out(_safe_div(q["N"] ** 2, q["D"]).reshape(shape))


def xi_above_one_noise_threshold(sp: Spectrum, lam, *, teacher_lam=None):
    r"""Noise variance ``γ₁²(λ)`` above which the optimal ``ξ*`` exceeds 1.

    Returns
    -------
    float or ndarray
        ``ξ*(λ) > 1`` exactly when ``sp.noise > γ₁²(λ)`` (the noise stored in ``sp`` is
        ignored). A negative value means ``ξ* > 1`` at every noise level (possible with a
        null-space cross term or a non-diagonal weight matrix; never for diagonal weights).
        ``inf`` where all risk weights vanish (then ``ξ* = 0`` by convention).

    Notes
    -----
    ``N`` and ``D`` are affine in ``γ²``: ``N = N₀ + γ²N₁``, ``D = D₀ + γ²D₁``, and
    ``N₁ − D₁ = Σ_j M_jj c_j a_j a_j(λ_t)/s_j² > 0``, so
    ``N > D ⟺ γ² > (D₀ − N₀)/(N₁ − D₁)``. Numerator and denominator are both formed
    without subtraction (``D₀ − N₀ = gᵀM((c + 1 − a)∘θ) + gᵀh``, ``g = c∘θ``).
    For ``W = I``:

    .. math:: γ₁²(λ) = λ\frac{\sum_j s_j²(2s_j² + λ)θ_j²/(s_j²+λ)⁴}{\sum_j s_j⁴/(s_j²+λ)⁴}.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=0.0)
    >>> float(xi_above_one_noise_threshold(sp, 1.0))   # 1·(2+1)/1
    3.0
    """
    _check_sp(sp)
    q, shape = _eval(sp, lam, teacher_lam)
    num, den = q["thr_num"], q["thr_den"]
    with np.errstate(divide="ignore", invalid="ignore"):
        thr = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    return _out(thr.reshape(shape))


def optimal_xi_noise_limits(sp: Spectrum, lam, *, teacher_lam=None):
    r"""Limits of ``ξ*(λ)`` as the noise variance ``γ² → 0`` and ``γ² → ∞``.

    Returns
    -------
    (xi_zero, xi_inf) : tuple of float or ndarray
        ``ξ*`` at ``γ² → 0`` (``N₀/D₀``; negative: the student undoes the ridge bias) and at
        ``γ² → ∞`` (``N₁/D₁ = Σ M_jj c_j a_j/s_j² / Σ M_jj c_j²/s_j² > 1``; in one dimension
        ``1 + s²/λ``). Where there is no (weighted) signal, ``D₀ = N₀ = 0`` and ``ξ*`` is
        ``N₁/D₁`` at every noise level, which is then also ``xi_zero``; where all risk
        weights vanish ``ξ* ≡ 0`` and both limits are 0.

    Notes
    -----
    ``ξ*(γ²) = (N₀ + γ²N₁)/(D₀ + γ²D₁)`` is linear-fractional in ``γ²``, hence monotone
    between these two limits.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[2.0], signal_energy=[1.0], noise=0.0)
    >>> lo, hi = optimal_xi_noise_limits(sp, 1.0)
    >>> float(hi)   # 1 + s²/λ
    3.0
    """
    _check_sp(sp)
    q, shape = _eval(sp, lam, teacher_lam)
    N0, N1, D0, D1 = q["N0"], q["N1"], q["D0"], q["D1"]
    hi = _safe_div(N1, D1)
    lo = np.where(D0 > 0, _safe_div(N0, D0), hi)
    return _out(lo.reshape(shape)), _out(hi.reshape(shape))


# ---------------------------------------------------------------------------- optima
def _lam_grid(sp: Spectrum, per_decade: int) -> np.ndarray:
    """Log grid over ``[10⁻⁶ min s², 10⁶ max s²]`` widened to cover the noise-to-signal scales.

    For diagonal weights ``R'(λ) = (2/λ) Σ_j w_j c_j a_j (λθ_j² − γ²)/s_j²``, so the optimal
    ridge ``λ*`` lies in ``[min_j γ²/θ_j², max_j γ²/θ_j²]``: e.g. ``λ* = γ²/θ²`` for equal
    signal energies. That interval can lie far outside the spectrum's range (weak signal or
    tiny noise), so the grid is widened to it, with 3 decades of margin (and at most 30
    decades beyond the spectral range).
    """
    lo = math.log10(sp.eigvals.min()) - 6.0
    hi = math.log10(sp.eigvals.max()) + 6.0
    energy = sp.signal_energy[sp.signal_energy > 0]
    if sp.noise > 0 and energy.size:
        with np.errstate(over="ignore", divide="ignore"):
            ratios = np.log10(sp.noise / energy)
        ratios = ratios[np.isfinite(ratios)]
        if ratios.size:
            lo = min(lo, max(float(ratios.min()) - 3.0, lo - 30.0))
            hi = max(hi, min(float(ratios.max()) + 3.0, hi + 30.0))
    n = int(math.ceil((hi - lo) * per_decade)) + 1
    return np.logspace(lo, hi, n)


def _refine(fun, grid: np.ndarray, i: int) -> tuple[float, float]:
    """Refine an interior grid minimum at index i by bounded Brent in log λ."""
    lo, hi = math.log(grid[i - 1]), math.log(grid[i + 1])
    res = optimize.minimize_scalar(
        lambda t: fun(math.exp(t)), bounds=(lo, hi), method="bounded", options={"xatol": 1e-10}
    )
    x, v = math.exp(res.x), float(res.fun)
    v0 = fun(grid[i])
    return (x, v) if v <= v0 else (float(grid[i]), v0)


def _local_min_indices(v: np.ndarray) -> list[int]:
    idx = []
    for i in range(1, v.size - 1):
        if v[i] <= v[i - 1] and v[i] <= v[i + 1] and (v[i] < v[i - 1] or v[i] < v[i + 1]):
            idx.append(i)
    return idx


def _scale(sp: Spectrum) -> float:
    return max(float(ridge_risk(sp, float(np.median(sp.eigvals)))), 1e-300)


def optimal_ridge(sp: Spectrum, *, per_decade: int = 24) -> RidgeOptimum:
    r"""Optimal ridge penalty ``λ* = argmin_λ R(λ)`` (global search over ``log λ``).

    Parameters
    ----------
    sp : Spectrum
    per_decade : int
        Grid points per decade of ``λ`` before local refinement. The grid spans
        ``[10⁻⁶ min s_j², 10⁶ max s_j²]``, widened to ``10^{∓3}·γ²/θ_j²`` where those
        noise-to-signal ratios fall outside it (the diagonal-weight ``λ*`` lies between
        ``min_j γ²/θ_j²`` and ``max_j γ²/θ_j²``).

    Returns
    -------
    RidgeOptimum
        ``boundary`` is ``"lam->0"`` (least squares is optimal, e.g. without noise) or
        ``"lam->inf"`` (the zero estimator is optimal, e.g. without signal).

    Notes
    -----
    ``R(λ)`` is evaluated on a log grid and every interior local minimum is refined by root-finding
    on ``R'(λ) = −2N(λ)/λ`` (so ``ξ*(λ*) = 0`` holds to machine precision); the limits
    ``λ → 0`` (least squares) and ``λ → ∞`` (zero estimator) are compared explicitly.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.
    A. Dang, P. Patil and A. Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge
    Regression", ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[2.0, 2.0], signal_energy=[1.0, 1.0], noise=3.0)
    >>> round(optimal_ridge(sp).lam, 8)   # equal θ_j²: λ* = γ²/θ²
    3.0
    """
    _check_sp(sp)
    per_decade = check_int(per_decade, "per_decade", minimum=2)
    grid = _lam_grid(sp, per_decade)
    R = np.asarray(sd_quadratic(sp, grid).R)
    lim0 = float(filter_risk(sp, np.ones(sp.rank)))
    liminf = float(filter_risk(sp, np.zeros(sp.rank)))
    fun = lambda lam: float(sd_quadratic(sp, lam).R)  # noqa: E731
    Nfun = lambda lam: float(sd_quadratic(sp, lam).N)  # noqa: E731  R' = −2N/λ
    cands = []
    for i in _local_min_indices(R):
        lo, hi = float(grid[i - 1]), float(grid[i + 1])
        if Nfun(lo) > 0 > Nfun(hi):  # R' changes sign − → +: root of N to machine precision
            lam = optimize.brentq(Nfun, lo, hi, xtol=1e-14 * lo, rtol=4 * np.finfo(float).eps)
            cands.append((lam, fun(lam)))
        else:
            cands.append(_refine(fun, grid, i))
    best = min(cands, key=lambda c: c[1]) if cands else None
    tol = 1e-12 * _scale(sp)
    if best is None or min(lim0, liminf) < best[1] - tol:
        if lim0 <= liminf:
            return RidgeOptimum(lam=0.0, risk=lim0, boundary="lam->0")
        return RidgeOptimum(lam=math.inf, risk=liminf, boundary="lam->inf")
    return RidgeOptimum(lam=best[0], risk=best[1], boundary=None)


def _boundary_limits(sp: Spectrum):
    """Best risk in the two boundary families of the one-step student.

    ``λ → 0``, ``κ = ξλ`` fixed: filter ``1 − κ/s²``; ``λ → ∞``, ``μ = (1 − ξ)/λ`` fixed:
    filter ``μ s²``. Each family is affine in its parameter, so its risk is a quadratic
    ``A t² − 2B t + C`` minimized in closed form.
    """
    ev = sp.eigvals
    md = sp.weight_diag / ev
    M = sp.weight_matrix
    theta = sp.signal if sp.signal is not None else np.sqrt(sp.signal_energy)
    out = {}
    for name, base, slope in (
        ("lam->0", np.ones_like(ev), -1.0 / ev),
        ("lam->inf", np.zeros_like(ev), ev),
    ):
        # f = base + t·slope, b = (f − 1)θ = b0 + t g; E(t) = A t² + 2 B t + const
        b0, g = (base - 1.0) * theta, slope * theta
        A = g @ M @ g + sp.noise * float((slope**2 * md).sum())
        B = g @ M @ b0 - g @ sp.null_cross + sp.noise * float((base * slope * md).sum())
        t = float(-B / A) if A > 0 else 0.0
        f = base + t * slope
        out[name] = (t, float(filter_risk(sp, f)), f)
    return out


def optimal_sd(sp: Spectrum, *, per_decade: int = 24) -> SDOptimum:
    r"""Globally optimal one-step self-distillation over ``(λ, ξ)``.

    ``E(λ, ξ)`` is convex in ``ξ`` but not jointly convex, and the profile
    ``P(λ) = min_ξ E = R − N²/D`` can have several local minima. This function evaluates
    ``P`` on a log grid, refines every local minimum, compares them with the two boundary
    limits and returns the global optimum.

    Parameters
    ----------
    sp : Spectrum
    per_decade : int
        Grid density (points per decade of ``λ``) over ``[10⁻⁶ min s², 10⁶ max s²]``, widened
        to cover the noise-to-signal ratios ``γ²/θ_j²`` (see :func:`optimal_ridge`).

    Returns
    -------
    SDOptimum

    Notes
    -----
    **Boundaries.** As ``λ → 0`` with ``κ = ξλ`` fixed the student filter tends to
    ``1 − κ/s_j²``; the best ``κ`` (diagonal weights) is

    .. math:: κ^* = γ²\sum_j w_j s_j^{-4} \Big/ \Big(\sum_j w_jθ_j² s_j^{-4} + γ²\sum_j w_j s_j^{-6}\Big).

    As ``λ → ∞`` with ``μ = (1 − ξ)/λ`` fixed (so ``ξ → −∞``) the filter tends to ``μ s_j²``
    (a scaled ``Xᵀy``), with
    ``μ* = Σ w_jθ_j²s_j² / Σ w_j s_j²(s_j²θ_j² + γ²)``. The profile tends to these limits at
    the two ends, so when one of them is below every interior minimum the infimum is not
    attained; it is reported with ``boundary`` set, never as a huge or tiny finite ``λ``.
    (The theory note writes the first limit with ``κ = ξλ``; ``(1 + ξ)λ`` would be the exact
    first-order coefficient, and both give the same limit.)

    References
    ----------
    Das & Sanghavi, ICML 2023; Dang, Patil & Rinaldo, ICML 2026 (arXiv:2602.17565).

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[4.0, 1.0, 0.25], noise=1.0)
    >>> opt = optimal_sd(sp)
    >>> opt.boundary is None and opt.risk < opt.ridge.risk
    True
    """
    _check_sp(sp)
    per_decade = check_int(per_decade, "per_decade", minimum=2)
    from ._filters import sd_filter

    grid = _lam_grid(sp, per_decade)
    P = np.asarray(sd_min_risk(sp, grid))
    fun = lambda lam: float(sd_min_risk(sp, lam))  # noqa: E731
    rows = []
    for i in _local_min_indices(P):
        lam, val = _refine(fun, grid, i)
        rows.append({"lam": lam, "xi": float(optimal_xi(sp, lam)), "risk": val})
    limits = _boundary_limits(sp)
    for name, (t, val, _) in limits.items():
        rows.append({"boundary": name, "limit_parameter": t, "risk": val})
    table = pd.DataFrame(rows, columns=["lam", "xi", "risk", "boundary", "limit_parameter"])
    interior = [r for r in rows if "lam" in r]
    best = min(interior, key=lambda r: r["risk"]) if interior else None
    bname = min(limits, key=lambda k: limits[k][1])
    t, bval, bf = limits[bname]
    ridge = optimal_ridge(sp, per_decade=per_decade)
    tol = 1e-12 * _scale(sp)
    if best is None or bval < best["risk"] - tol:
        if bname == "lam->0":
            lam_b, xi_b = 0.0, (0.0 if t == 0 else math.copysign(math.inf, t))
        else:
            lam_b, xi_b = math.inf, -math.inf
        return SDOptimum(
            lam=lam_b, xi=xi_b, risk=bval, boundary=bname, limit_parameter=t, filter=bf,
            local_minima=table, ridge=ridge,
        )
    f = sd_filter(sp.eigvals, best["lam"], best["xi"])
    return SDOptimum(
        lam=best["lam"], xi=best["xi"], risk=best["risk"], boundary=None, limit_parameter=None,
        filter=f, local_minima=table, ridge=ridge,
    )


def oracle_risk(sp: Spectrum) -> float:
    r"""Risk of the oracle filter (:func:`~sdtheory.oracle_filter`): a lower bound for every filter.

    Notes
    -----
    For diagonal weights ``Σ_j w_j (θ_j²γ²/s_j²)/(θ_j² + γ²/s_j²) + ‖P_ker θ*‖²_W``.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=1.0)
    >>> oracle_risk(sp)
    0.5
    """
    from ._filters import oracle_filter

    _check_sp(sp)
    return float(filter_risk(sp, oracle_filter(sp)))
