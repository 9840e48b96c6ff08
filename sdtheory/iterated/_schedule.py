r"""Optimal multi-step schedules: the risk as a quadratic in ``ξ̄``, the best ``ξ_1..ξ_k`` at a
fixed ``λ`` and the jointly best ``(λ, ξ_1..ξ_k)``.

See the theory page :doc:`/theory/iterated`.

References
----------
K. Pareek, S. S. Du and S. Oh, "Understanding the Gains from Repeated Self-Distillation",
NeurIPS 2024, arXiv:2407.04600.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .._validate import check_int, check_scalar
from ..ridge import RidgeOptimum, optimal_ridge, oracle_filter, oracle_risk
from ..ridge._spectrum import Spectrum, as_spectrum
from ._common import hg, lam_arg, risk_terms
from ._multistep import poly_to_xis

__all__ = [
    "ScheduleConditioningWarning",
    "schedule_quadratic",
    "OptimalSchedule",
    "optimal_schedule",
    "MultistepOptimum",
    "optimal_multistep",
]

# |ξ_t| or the condition number of the weighted Vandermonde system above these: warn.
_XI_WARN = 1e4
_COND_WARN = 1e10
# optimal_multistep: λ whose profile risk is within this relative tolerance of the best count as
# optimal; among them the best-conditioned schedule is returned.
RISK_RTOL = 1e-8


class ScheduleConditioningWarning(RuntimeWarning):
    """The optimal k-step schedule is ill-conditioned (huge ``|ξ_t|`` or condition number).

    See the theory page :doc:`/theory/iterated`.
    """


def _frisk(sp: Spectrum, f: np.ndarray) -> float:
    bias, var = risk_terms(sp, f, 1.0 - f)
    return float(bias + var)


def schedule_quadratic(problem, *, lam, steps: int):
    r"""The k-step risk as a quadratic in ``ξ̄``: ``E(ξ̄) = ξ̄ᵀQξ̄ − 2qᵀξ̄ + c``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
    lam : float
        ``λ > 0`` (summed-loss scale).
    steps : int
        Number ``k ≥ 0`` of distillation steps after the teacher.

    Returns
    -------
    (Q, q, c) : (ndarray (k+1, k+1), ndarray (k+1,), float)
        The fixed-design risk ``E‖θ̂_k − θ*‖²_W`` (no ``+σ²``) as a quadratic in ``ξ̄``.

    Notes
    -----
    The filter is ``f = Φξ̄`` with ``Φ_{ji} = a_j^{i+1}``. With ``E(f) = fᵀHf − 2gᵀf + E(0)``,
    ``H = ΘMΘ + σ² diag(M_jj/s_j²)``, ``g = ΘMθ + Θh`` (``Θ = diag θ``; for diagonal weights
    ``H_jj = w_j(θ_j² + σ²/s_j²)``, ``g_j = w_jθ_j²``): ``Q = ΦᵀHΦ``, ``q = Φᵀg``,
    ``c = E(0)``. It is a quadratic in ``ξ̄`` (not in ``ξ``), minimized subject to
    ``Σ_i ξ̄_i = 1`` by :func:`optimal_schedule`. See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> from sdtheory import Spectrum, multistep_risk, xis_to_poly
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 1.0], noise=1.0)
    >>> Q, q, c = schedule_quadratic(sp, lam=1.0, steps=2)
    >>> xb = xis_to_poly([0.5, 2.0])
    >>> risk = multistep_risk(sp, lam=1.0, xis=[0.5, 2.0])
    >>> bool(abs(xb @ Q @ xb - 2 * q @ xb + c - risk) < 1e-12)
    True
    """
    sp = as_spectrum(problem)
    lam = lam_arg(lam, scalar=True)
    k = check_int(steps, "steps", minimum=0)
    a = sp.eigvals / (sp.eigvals + lam)
    Phi = a[:, None] ** np.arange(1, k + 2)[None, :]
    H, g = hg(sp)
    c = _frisk(sp, np.zeros(sp.rank))
    return Phi.T @ H @ Phi, Phi.T @ g, c


@dataclass(frozen=True)
class OptimalSchedule:
    """Result of :func:`optimal_schedule`.

    See the theory page :doc:`/theory/iterated`.

    Attributes
    ----------
    lam : float
    steps : int
        Number ``k`` of distillation steps after the teacher.
    xis : ndarray (k,) or None
        Optimal per-step weights on the teacher; ``None`` when ``ξ̄ → ξ`` is not invertible
        (see ``message``).
    xibar : ndarray (k + 1,)
        Optimal polynomial coefficients (``Σ = 1``).
    risk : float
        Fixed-design risk of the optimal k-step filter.
    filter : ndarray (r,)
        The optimal filter ``Σ_i ξ̄_i a^{i+1}``.
    ridge_risk : float
        Risk of the ridge teacher at the same ``λ`` (``k = 0``).
    oracle_risk : float
        The lower bound over all filters (reached when ``k ≥`` #distinct eigenvalues).
    cond : float
        Condition number of the column-scaled weighted least-squares matrix (over its
        numerically non-zero singular values).
    rank : int
        Numerical rank of that matrix (``< k`` when ``k ≥`` #distinct eigenvalues: the
        optimum is then not unique and the minimum-norm one is returned).
    max_abs_xi : float
        ``max_t |ξ_t|`` (``inf`` if not invertible); large values mean close eigenvalues and
        a sensitive schedule.
    message : str
    """

    lam: float
    steps: int
    xis: np.ndarray | None
    xibar: np.ndarray
    risk: float
    filter: np.ndarray
    ridge_risk: float
    oracle_risk: float
    cond: float
    rank: int
    max_abs_xi: float
    message: str = ""


def _sqrt_psd(H: np.ndarray) -> np.ndarray:
    if np.count_nonzero(H - np.diag(np.diag(H))) == 0:
        return np.diag(np.sqrt(np.maximum(np.diag(H), 0.0)))
    w, Q = np.linalg.eigh(0.5 * (H + H.T))
    return np.sqrt(np.maximum(w, 0.0))[:, None] * Q.T


def _solve_schedule(sp: Spectrum, lam: float, k: int, L, fstar):
    a = sp.eigvals / (sp.eigvals + lam)
    Psi = a[:, None] ** np.arange(2, k + 2)[None, :] - a[:, None]  # columns ξ̄_1..ξ̄_k
    A = L @ Psi
    rhs = L @ (fstar - a)
    norms = np.linalg.norm(A, axis=0)
    norms[norms == 0] = 1.0
    As = A / norms
    u_s, _, rank, sv = np.linalg.lstsq(As, rhs, rcond=None)
    u = u_s / norms
    xibar = np.concatenate([[1.0 - u.sum()], u])
    f = a + Psi @ u
    nz = sv[sv > sv[0] * max(As.shape) * np.finfo(float).eps] if sv.size and sv[0] > 0 else sv[:0]
    cond = float(nz[0] / nz[-1]) if nz.size else math.inf
    return xibar, f, int(rank), cond


def _schedule(sp: Spectrum, lam: float, k: int, L, fstar, warn: bool, stacklevel: int):
    xibar, f, rank, cond = _solve_schedule(sp, lam, k, L, fstar)
    risk = _frisk(sp, f)
    ridge = _frisk(sp, sp.eigvals / (sp.eigvals + lam))
    msg = ""
    try:
        xis = poly_to_xis(xibar, atol=1e-12)
        max_abs = float(np.abs(xis).max())
    except ValueError as exc:
        xis, max_abs, msg = None, math.inf, str(exc)
    if max_abs > _XI_WARN or cond > _COND_WARN:
        text = (
            f"ill-conditioned schedule: max|xi_t| = {max_abs:.3g}, condition number "
            f"{cond:.3g} (close eigenvalues make the schedule sensitive)"
        )
        msg = f"{msg}; {text}" if msg else text
        if warn:
            warnings.warn(text, ScheduleConditioningWarning, stacklevel=stacklevel + 1)
    return OptimalSchedule(
        lam=lam,
        steps=k,
        xis=xis,
        xibar=xibar,
        risk=risk,
        filter=f,
        ridge_risk=ridge,
        oracle_risk=float(oracle_risk(sp)),
        cond=cond,
        rank=rank,
        max_abs_xi=max_abs,
        message=msg,
    )


def optimal_schedule(problem, *, lam, steps: int, warn: bool = True) -> OptimalSchedule:
    r"""The k-step schedule ``ξ_1..ξ_k`` of minimal fixed-design risk at fixed ``λ``.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
    lam : float
        Ridge penalty ``λ > 0`` (same at every step, summed-loss scale).
    steps : int
        Number ``k ≥ 1`` of distillation steps after the teacher.
    warn : bool
        Emit :class:`ScheduleConditioningWarning` when ``max|ξ_t| > 1e4`` or the condition
        number exceeds ``1e10`` (the result's ``message`` says so either way).

    Returns
    -------
    OptimalSchedule
        Its ``risk`` is the fixed-design risk ``E‖θ̂_k − θ*‖²_W`` (no ``+σ²``).

    Notes
    -----
    The filter ``f = Σ_i ξ̄_i a^{i+1}`` is linear in ``ξ̄`` and the risk is
    ``(f − f^{or})ᵀH(f − f^{or}) + E(f^{or})`` (:func:`schedule_quadratic`), so the optimum is
    a linearly constrained least squares. Eliminating ``ξ̄_0 = 1 − Σ_{i≥1}ξ̄_i`` gives
    ``f = a + Ψu``, ``Ψ_{ji} = a_j^{i+1} − a_j``, and ``u`` solves the unconstrained problem
    ``min ‖L(a + Ψu − f^{or})‖`` with ``LᵀL = H`` (columns scaled before ``lstsq``). The
    schedule is then ``ξ = poly_to_xis(ξ̄)``.

    Because ``p(1) = 1`` plus ``p(a_j) = f_j^{or}/a_j`` at the ``r'`` distinct ``a_j`` are
    ``r' + 1`` interpolation conditions on a degree-``k`` polynomial, ``k ≥ r'`` (the number of
    distinct non-zero eigenvalues) reaches the best spectral filter for every ``λ > 0``. With
    repeated eigenvalues that bound is the Wiener filter of each eigenspace's pooled signal,
    which equals :func:`~sdtheory.oracle_risk` only when the eigenvalues are distinct. See the
    theory page :doc:`/theory/iterated`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600), Thm. 1 and Sec. 4.

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[4.0, 0.1], noise=1.0)
    >>> opt = optimal_schedule(sp, lam=1.0, steps=2)
    >>> bool(abs(opt.risk - opt.oracle_risk) < 1e-10)   # k = 2 distinct eigenvalues
    True
    """
    sp = as_spectrum(problem)
    lam = lam_arg(lam, scalar=True)
    k = check_int(steps, "steps", minimum=1)
    if not isinstance(warn, (bool, np.bool_)):
        raise TypeError(f"warn must be True or False, got {type(warn).__name__}")
    H, _ = hg(sp)
    return _schedule(sp, lam, k, _sqrt_psd(H), oracle_filter(sp), bool(warn), stacklevel=2)


@dataclass(frozen=True)
class MultistepOptimum:
    """Result of :func:`optimal_multistep`: the best ``(λ, ξ_1..ξ_k)``.

    See the theory page :doc:`/theory/iterated`.

    Attributes
    ----------
    lam : float
    schedule : OptimalSchedule
        The optimal schedule at ``lam`` (never ``None``; see ``schedule.message``).
    risk : float
        Its fixed-design risk (no ``+σ²``).
    ridge : RidgeOptimum
        The best ridge on the same problem.
    boundary : str or None
        ``"lam-grid-low"``/``"lam-grid-high"`` when the profile is still falling at an end of
        the searched range and that end is optimal within the tolerance (the infimum may lie
        beyond it), else ``None``.
    """

    lam: float
    schedule: OptimalSchedule
    risk: float
    ridge: RidgeOptimum
    boundary: str | None = None

    @property
    def ratio_to_ridge(self) -> float:
        """``ridge.risk / risk`` (the multi-step gain; 1 means none)."""
        return self.ridge.risk / self.risk if self.risk > 0 else math.inf


def optimal_multistep(
    problem, *, steps: int, per_decade: int = 8, decades: float = 4.0, warn: bool = True
) -> MultistepOptimum:
    r"""Jointly optimal ``(λ, ξ_1..ξ_k)`` for k-step self-distillation.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
    steps : int
        Number ``k ≥ 1`` of distillation steps after the teacher.
    per_decade : int
        Grid points per decade of ``λ`` (``≥ 2``) for the initial scan.
    decades : float
        ``> 0``: the search spans ``[10^{−decades} min s², 10^{decades} max s²]``.
    warn : bool
        Emit :class:`ScheduleConditioningWarning` when the returned schedule is
        ill-conditioned (``max|ξ_t| > 1e4`` or condition number ``> 1e10``); the schedule's
        ``message`` says so either way.

    Returns
    -------
    MultistepOptimum
        Its ``risk`` is the fixed-design risk ``E‖θ̂_k − θ*‖²_W`` (no ``+σ²``).

    Raises
    ------
    ValueError
        If no ``λ`` whose risk is within the tolerance of the best has an invertible schedule
        (``ξ̄ → ξ``), so that no per-step weights exist.

    Notes
    -----
    The profile ``P(λ) = min_ξ E(λ, ξ)`` (one constrained least squares per ``λ``) is
    evaluated on a log grid and every interior local minimum is refined by bounded Brent in
    ``log λ`` between its neighbours; ``P* `` is the smallest value found. Every ``λ`` with
    ``P(λ) ≤ P*(1 + 10⁻⁸)`` counts as optimal, and among those the one whose schedule has the
    smallest ``max_t|ξ_t|`` (the best-conditioned, refined by Brent as well) is returned; on a
    flat profile (e.g. ``k ≥`` #distinct eigenvalues: the best filter at every ``λ``) this picks
    a well-defined ``λ`` instead of an arbitrary grid point.

    Tolerance in ``per_decade``: the returned ``risk`` does not depend on ``per_decade`` beyond a
    relative ``10⁻⁸`` (the tolerance above), as long as the grid resolves the profile's basins;
    ``λ`` and the schedule may differ between grids only where several ``λ`` reach the same risk
    within that tolerance. The returned schedule is never ``None``, and an ill-conditioned one is
    reported by a warning and in ``schedule.message``. See the theory page
    :doc:`/theory/iterated`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[9.0, 4.0, 1.0], signal_energy=[1.0, 0.5, 0.1], noise=1.0)
    >>> opt = optimal_multistep(sp, steps=1)
    >>> bool(opt.risk <= opt.ridge.risk + 1e-12)
    True
    """
    sp = as_spectrum(problem)
    k = check_int(steps, "steps", minimum=1)
    per_decade = check_int(per_decade, "per_decade", minimum=2)
    dec = check_scalar(decades, "decades", low=0.0, low_open=True)
    if not isinstance(warn, (bool, np.bool_)):
        raise TypeError(f"warn must be True or False, got {type(warn).__name__}")
    lo = math.log10(sp.eigvals.min()) - dec
    hi = math.log10(sp.eigvals.max()) + dec
    grid = np.logspace(lo, hi, int(math.ceil((hi - lo) * per_decade)) + 1)
    H, _ = hg(sp)
    L = _sqrt_psd(H)
    fstar = oracle_filter(sp)

    def prof(lam):
        return _frisk(sp, _solve_schedule(sp, lam, k, L, fstar)[1])

    def size(lam):
        try:
            return float(
                np.abs(poly_to_xis(_solve_schedule(sp, lam, k, L, fstar)[0], atol=1e-12)).max()
            )
        except ValueError:
            return math.inf

    vals = np.array([prof(x) for x in grid])
    cands = [(float(vals[0]), float(grid[0])), (float(vals[-1]), float(grid[-1]))]
    for j in range(1, grid.size - 1):  # refine every interior local minimum
        if vals[j] <= vals[j - 1] and vals[j] <= vals[j + 1]:
            res = optimize.minimize_scalar(
                lambda t: prof(math.exp(t)),
                bounds=(math.log(grid[j - 1]), math.log(grid[j + 1])),
                method="bounded",
                options={"xatol": 1e-10},
            )
            cands.append(
                (float(res.fun), math.exp(res.x))
                if res.fun <= vals[j]
                else (float(vals[j]), float(grid[j]))
            )
    best = min(c[0] for c in cands)
    cut = best * (1.0 + RISK_RTOL) + 1e-300

    # among all near-optimal λ (grid points and refined minima), the best-conditioned schedule
    near = [(size(lam), lam) for v, lam in cands if v <= cut]
    near += [(size(x), float(x)) for x, v in zip(grid, vals) if v <= cut]
    s_best, lam = min(near, key=lambda p: (p[0], p[1]))
    j = int(np.argmin(np.abs(np.log(grid) - math.log(lam))))
    if vals[max(j - 1, 0)] <= cut or vals[min(j + 1, grid.size - 1)] <= cut:
        # a flat stretch: refine max|ξ_t| continuously, staying within the risk tolerance
        def pen(t):
            lam_t = math.exp(t)
            s = size(lam_t)
            excess = prof(lam_t) / cut - 1.0
            return (s if math.isfinite(s) else 1e300) + (1e300 if excess > 0 else 0.0)

        lo_t = math.log(grid[max(j - 1, 0)])
        hi_t = math.log(grid[min(j + 1, grid.size - 1)])
        res = optimize.minimize_scalar(
            pen, bounds=(lo_t, hi_t), method="bounded", options={"xatol": 1e-10}
        )
        if res.fun < s_best:
            s_best, lam = float(res.fun), math.exp(float(res.x))
    if not math.isfinite(s_best):
        raise ValueError(
            f"no invertible {k}-step schedule reaches the best risk {best:.6g}: every "
            "near-optimal lambda has a vanishing product of per-step weights; use "
            "optimal_schedule for the polynomial coefficients xibar"
        )
    # the profile still falls at an end of the range and that end is optimal: the infimum may
    # lie beyond it
    boundary = None
    if vals[0] <= cut and vals[1] > vals[0] * (1 + 1e-12):
        boundary = "lam-grid-low"
    elif vals[-1] <= cut and vals[-2] > vals[-1] * (1 + 1e-12):
        boundary = "lam-grid-high"
    sched = _schedule(sp, lam, k, L, fstar, bool(warn), stacklevel=2)
    return MultistepOptimum(
        lam=lam, schedule=sched, risk=sched.risk, ridge=optimal_ridge(sp), boundary=boundary
    )
