r"""Fixed-design risk of spectral filters and of the one-step self-distillation student.

All risks here are **fixed-design risks** ``E‖θ̂ − θ*‖²_W``: expectations over the label noise
``η`` (``E η = 0``, ``Cov η = σ²I``) with ``X`` fixed, and no ``+σ²`` term. With
``weights="prediction"`` the weight is the in-sample ``W = XᵀX/n``. The one-step student's
risk is a convex quadratic in ``ξ`` (:func:`~sdtheory.sd_quadratic`); its vertex gives
``ξ*`` (:func:`optimal_xi`), the minimal risk (:func:`sd_min_risk`) and the gain over the
teacher (:func:`sd_gain`). See the theory page :doc:`/theory/ridge`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_broadcast, check_finite, check_positive
from ._filters import oracle_filter, sd_filter
from ._quadratic import _check_flag, _lams, _out, _rnd, _safe_div
from ._spectrum import Spectrum, as_spectrum

__all__ = [
    "RiskParts",
    "filter_risk",
    "ridge_risk",
    "sd_risk",
    "optimal_xi",
    "sd_min_risk",
    "sd_gain",
    "oracle_risk",
]


@dataclass(frozen=True)
class RiskParts:
    """Bias, variance and total fixed-design risk (arrays of one broadcast shape).

    ``bias`` includes the null-space error ``‖P_ker θ*‖²_W`` and the range/null cross term;
    ``total = bias + variance`` (no ``+σ²``).
    """

    bias: np.ndarray | float
    variance: np.ndarray | float
    total: np.ndarray | float


def filter_risk(problem, *, f, return_parts: bool = False):
    r"""Fixed-design risk of an arbitrary spectral filter.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    f : array_like, shape (..., r)
        Filter values (finite); leading axes are a batch of filters.
    return_parts : bool
        Return a :class:`RiskParts` instead of the total.

    Returns
    -------
    float, ndarray or RiskParts
        The fixed-design risk ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``; ``"prediction"`` weights are the
        in-sample ``XᵀX/n``), of shape ``f.shape[:-1]``.

    Notes
    -----
    With ``b = (f − 1)∘θ``, ``M`` the weights and ``h`` the null-space cross term,

    .. math:: E = bᵀMb − 2bᵀh + ‖P_{ker}θ^*‖²_W + σ²\sum_j f_j² M_{jj}/s_j².

    The first three terms are the bias, the last the variance.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 1.0], noise=1.0)
    >>> float(filter_risk(sp, f=[1.0, 1.0]))   # least squares: σ² Σ 1/s²
    1.25
    """
    sp = as_spectrum(problem)
    return_parts = _check_flag(return_parts, "return_parts")
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


def ridge_risk(problem, *, lam, return_parts: bool = False):
    r"""Fixed-design risk ``R(λ)`` of ridge regression (the teacher).

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    lam : array_like
        Ridge penalty ``λ > 0`` (summed-loss scale ``‖y − Xθ‖² + λ‖θ‖²``).
    return_parts : bool
        Return :class:`RiskParts` (bias, variance, total).

    Returns
    -------
    float or ndarray
        The fixed-design risk ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``; ``"prediction"`` weights are the
        in-sample ``XᵀX/n``), of ``lam``'s shape.

    Notes
    -----
    ``R(λ) = Σ_j w_j[(1 − a_j)²θ_j² + a_j² σ²/s_j²]`` for diagonal weights, ``a_j = s_j²/(s_j²+λ)``.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=1.0)
    >>> ridge_risk(sp, lam=1.0)   # (1/2)²·1 + (1/2)²·1
    0.5
    """
    sp = as_spectrum(problem)
    lam = check_positive(lam, "lam")
    if _check_flag(return_parts, "return_parts"):
        return sd_risk(sp, lam=lam, xi=0.0, return_parts=True)
    uniq, inv = np.unique(lam, return_inverse=True)
    return _out(_coefficients(sp, uniq)["R"][inv.reshape(lam.shape)])


def sd_risk(problem, *, lam, xi, teacher_lam=None, return_parts: bool = False):
    r"""Fixed-design risk of the one-step self-distillation student, broadcasting over ``λ``, ``ξ``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    lam : array_like
        Student (and teacher) ridge penalty ``λ > 0`` (summed-loss scale).
    xi : array_like
        Distillation weight ``ξ ∈ ℝ`` on the teacher (finite).
    teacher_lam : array_like, optional
        A different teacher penalty ``λ_t > 0``.
    return_parts : bool
        Return :class:`RiskParts` (bias, variance, total).

    Returns
    -------
    float or ndarray
        The fixed-design risk ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``; ``"prediction"`` weights are the
        in-sample ``XᵀX/n``), of shape ``broadcast(lam, xi).shape``.

    Notes
    -----
    ``E(λ, ξ) = R(λ) − 2ξN(λ) + ξ²D(λ)`` (see :func:`~sdtheory.sd_quadratic`), evaluated in
    the vertex form ``E = P(λ) + D(λ)(ξ − ξ*)²`` with ``P = min_ξ E`` computed from the filter
    itself, so that a risk far below the teacher's does not lose its digits to cancellation.
    ``P``, ``D`` and ``ξ*`` are computed once per distinct ``λ`` (or ``(λ, λ_t)`` pair), so a
    ``(λ, ξ)`` grid costs ``O(L·r + L·Ξ)``. With ``return_parts`` the filter is formed
    explicitly. See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.
    A. Dang, P. Patil and A. Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge
    Regression", ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> sd_risk(sp, lam=1.0, xi=0.0) == ridge_risk(sp, lam=1.0)
    True
    >>> sd_risk(sp, lam=[[0.5], [1.0]], xi=[0.0, 1.0, 2.0]).shape
    (2, 3)
    """
    sp = as_spectrum(problem)
    lam = check_positive(lam, "lam")
    xi = check_finite(xi, "xi")
    if _check_flag(return_parts, "return_parts"):
        f = sd_filter(sp.eigvals, lam=lam, xi=xi, teacher_lam=teacher_lam)
        return filter_risk(sp, f=f, return_parts=True)
    # The coefficients depend on λ (and λ_t) only: evaluate them once per distinct value of the
    # λ array itself (not of the broadcast grid, which would be sorted and copied), then form
    # the grid from three per-λ vectors by broadcasting.
    if teacher_lam is None:
        check_broadcast(lam=lam, xi=xi)
        uniq, inv = np.unique(lam, return_inverse=True)
        q = _coefficients(sp, uniq)
    else:
        lam_t = check_positive(teacher_lam, "teacher_lam")
        check_broadcast(lam=lam, xi=xi, teacher_lam=lam_t)
        lam_l, lt_l = check_broadcast(lam=lam, teacher_lam=lam_t)
        pairs = np.stack([lam_l.ravel(), lt_l.ravel()], axis=1)
        uniq, inv = np.unique(pairs, axis=0, return_inverse=True)
        q = _coefficients(sp, uniq[:, 0].copy(), uniq[:, 1].copy())
        lam = lam_l
    inv = inv.reshape(lam.shape)
    # E = P + D (ξ − ξ*)², built in one grid-sized buffer
    E = np.asarray(np.subtract(xi, q["xi"][inv]))
    E *= E
    E *= q["D"][inv]
    E += q["P"][inv]
    # ξ = 0 is ridge: return R itself (already a sum of non-negative terms) so the identity
    # sd_risk(sp, lam=λ, xi=0) == ridge_risk(sp, lam=λ) holds exactly.
    zero = xi == 0
    if zero.any():
        np.copyto(E, q["R"][inv], where=zero)
    return _out(E)


_BLOCK = 1 << 17  # elements per (λ-block × r) buffer in _coefficients


def _mv(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``m @ v`` by NumPy's own loop (single-threaded BLAS calls stall on a busy machine)."""
    return np.einsum("ij,j->i", m, v)


def _coefficients(sp: Spectrum, lam: np.ndarray, lam_t: np.ndarray | None = None) -> dict:
    """``R``, ``N``, ``D``, ``ξ*`` and the vertex ``P = min_ξ E`` for 1-D arrays of λ (and λ_t).

    Diagonal weights: with ``a = s²/(s²+λ)``, ``b = 1 − a = λ/(s²+λ)``, ``b_t = λ_t/(s²+λ_t)``
    (``= b`` without a teacher penalty), ``S_j = w_jθ_j²`` and ``V_j = σ²w_j/s_j²``

    ``R = Σ b²S + a²V``, ``N = Σ a²b_tV − ab b_tS``, ``D = Σ a²b_t²(S + V)``,

    each a matrix–vector product (:func:`_mv`) of an elementwise product of ``a``, ``b``, ``b_t``
    (all in ``[0, 1]``: no overflow for any λ) with a vector over the spectrum. The vertex is the
    risk of the filter ``f = a(1 − ξ*b_t)`` itself, ``P = Σ (b + ξ*ab_t)²S + a²(1 − ξ*b_t)²V``
    (a sum of non-negative terms, so a risk far below the teacher's keeps its digits). A few
    ``(block × r)`` buffers in all. Non-diagonal weights use
    :func:`~sdtheory.ridge._quadratic._rnd`.
    """
    if not sp.is_diagonal:
        return _rnd(sp, lam, lam_t)
    ev = sp.eigvals
    S = sp.weights * sp.signal_energy
    V = sp.noise * sp.weight_diag / ev
    SV = S + V
    L, r = lam.size, ev.size
    out = {k: np.empty(L) for k in ("R", "N", "D", "xi", "P")}
    step = max(1, _BLOCK // max(r, 1))
    for i in range(0, L, step):
        lb = lam[i : i + step, None]
        den = np.add(ev, lb)
        a = np.divide(ev, den)
        b = np.divide(lb, den, out=den)
        if lam_t is None:
            bt = b
        else:
            lt = lam_t[i : i + step, None]
            bt = np.add(ev, lt)
            np.divide(lt, bt, out=bt)
        t = np.multiply(b, b)
        R = _mv(t, S)
        np.multiply(a, a, out=t)
        R += _mv(t, V)
        t *= bt
        N = _mv(t, V)
        t *= bt
        D = _mv(t, SV)
        np.multiply(a, b, out=t)
        t *= bt
        N -= _mv(t, S)
        R += sp.null_risk
        xi = _safe_div(N, D)[:, None]
        # vertex: P = Σ (b + ξ*ab_t)²S + a²(1 − ξ*b_t)²V
        np.multiply(a, bt, out=t)
        t *= xi
        t += b
        t *= t
        P = _mv(t, S)
        np.multiply(bt, -xi, out=t)
        t += 1.0
        t *= a
        t *= t
        P += _mv(t, V)
        sl = slice(i, i + lb.shape[0])
        out["R"][sl], out["N"][sl], out["D"][sl], out["xi"][sl] = R, N, D, xi[:, 0]
        out["P"][sl] = P + sp.null_risk
    return out


def _eval_fast(sp: Spectrum, lam, teacher_lam) -> tuple[dict, tuple]:
    """:func:`_coefficients` on validated, broadcast ``lam`` (and ``teacher_lam``)."""
    lam, lam_t = _lams(lam, teacher_lam)
    q = _coefficients(sp, lam.ravel(), None if lam_t is None else lam_t.ravel())
    return q, lam.shape


def optimal_xi(problem, *, lam, teacher_lam=None):
    r"""Closed-form optimal distillation weight ``ξ*(λ) = N(λ)/D(λ)``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    lam : array_like
        Student (and teacher) ridge penalty ``λ > 0`` (summed-loss scale).
    teacher_lam : array_like, optional
        A different teacher penalty ``λ_t > 0`` (``N``, ``D`` then use
        ``c_j = a_j(λ)(1 − a_j(λ_t))``).

    Returns
    -------
    float or ndarray
        The ``ξ`` that minimizes the fixed-design risk ``E‖θ̂ − θ*‖²_W`` at each ``λ``.

    Notes
    -----
    For ``W = I``

    .. math:: ξ^* = \frac{\sum_j s_j²(σ² − λθ_j²)/(s_j²+λ)³}
                         {λ\sum_j s_j²(s_j²θ_j² + σ²)/(s_j²+λ)⁴}.

    ``sign ξ* = −sign R'(λ)``: an under-regularized teacher gives ``ξ* > 0``. Where ``D = 0``
    (no signal and no noise) the risk does not depend on ``ξ`` and ``0`` is returned.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    Das & Sanghavi, ICML 2023; Dang, Patil & Rinaldo, ICML 2026.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=1.0)
    >>> float(optimal_xi(sp, lam=1.0))   # λ = σ²/θ² is ridge-optimal in 1-D: no distillation
    0.0
    """
    sp = as_spectrum(problem)
    q, shape = _eval_fast(sp, lam, teacher_lam)
    return _out(q["xi"].reshape(shape))


def sd_min_risk(problem, *, lam, teacher_lam=None):
    r"""Risk at the optimal ``ξ`` for each ``λ``: ``min_ξ E(λ, ξ) = R − N²/D``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    lam : array_like
        Ridge penalty ``λ > 0`` (summed-loss scale).
    teacher_lam : array_like, optional
        A different teacher penalty ``λ_t > 0``.

    Returns
    -------
    float or ndarray
        The minimal fixed-design risk ``min_ξ E‖θ̂ − θ*‖²_W`` (no ``+σ²``; ``"prediction"``
        weights are the in-sample ``XᵀX/n``), of ``lam``'s shape.

    Notes
    -----
    Evaluated as the risk of the filter ``a − ξ*c`` (not as ``R − N²/D``, which cancels
    when SD gains almost all of the teacher's risk). See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> bool(sd_min_risk(sp, lam=1.0) <= ridge_risk(sp, lam=1.0))
    True
    """
    sp = as_spectrum(problem)
    q, shape = _eval_fast(sp, lam, teacher_lam)
    return _out(q["P"].reshape(shape))


def sd_gain(problem, *, lam, teacher_lam=None):
    r"""Gain of optimal one-step SD over its teacher, ``R − min_ξ E = N²/D = λ²R'(λ)²/(4D)``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    lam : array_like
        Ridge penalty ``λ > 0`` (summed-loss scale).
    teacher_lam : array_like, optional
        A different teacher penalty ``λ_t > 0``. The gain is then over the ``ξ = 0`` student
        (ridge with the student's ``λ``) and the derivative form no longer applies.

    Returns
    -------
    float or ndarray
        The reduction of the fixed-design risk ``E‖θ̂ − θ*‖²_W`` (``≥ 0``), of ``lam``'s shape.

    Notes
    -----
    ``E(λ, ξ) = R − 2ξN + ξ²D`` is minimized at ``ξ* = N/D`` with value ``R − N²/D``; since
    ``N = −(λ/2)R'(λ)`` the gain is ``λ²R'(λ)²/(4D)``: zero exactly where ``R'(λ) = 0``.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.
    A. Dang, P. Patil and A. Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge
    Regression", ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> bool(sd_gain(sp, lam=1.0) > 0)
    True
    """
    sp = as_spectrum(problem)
    q, shape = _eval_fast(sp, lam, teacher_lam)
    return _out(_safe_div(q["N"] ** 2, q["D"]).reshape(shape))


def oracle_risk(problem) -> float:
    r"""Risk of the oracle filter (:func:`~sdtheory.oracle_filter`): a lower bound for every filter.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.

    Returns
    -------
    float
        The fixed-design risk ``E‖θ̂ − θ*‖²_W`` of the oracle filter (no ``+σ²``).

    Notes
    -----
    For diagonal weights ``Σ_j w_j (θ_j²σ²/s_j²)/(θ_j² + σ²/s_j²) + ‖P_ker θ*‖²_W``.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=1.0)
    >>> oracle_risk(sp)
    0.5
    """
    sp = as_spectrum(problem)
    return float(filter_risk(sp, f=oracle_filter(sp)))
