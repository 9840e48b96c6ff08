r"""Global optima of ridge and of one-step self-distillation over ``(λ, ξ)``, boundaries included.

``E(λ, ξ)`` is convex in ``ξ`` but not jointly convex in ``(λ, ξ)``: the profile
``P(λ) = min_ξ E`` can have several local minima, and its infimum can sit at ``λ → 0`` or
``λ → ∞``, where ``ξ`` diverges. :func:`optimal_ridge` and :func:`optimal_sd` search ``log λ``
globally, refine every local minimum and compare with the closed-form boundary limits.
See the theory page :doc:`/theory/ridge`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .._validate import check_int
from ._filters import sd_filter
from ._quadratic import sd_quadratic
from ._risk import filter_risk, optimal_xi, ridge_risk, sd_min_risk
from ._spectrum import Spectrum, as_spectrum

__all__ = ["RidgeOptimum", "SDOptimum", "optimal_ridge", "optimal_sd"]


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


# ---------------------------------------------------------------------------- optima
def _lam_grid(sp: Spectrum, per_decade: int) -> np.ndarray:
    """Log grid over ``[10⁻⁶ min s², 10⁶ max s²]`` widened to cover the noise-to-signal scales.

    For diagonal weights ``R'(λ) = (2/λ) Σ_j w_j c_j a_j (λθ_j² − σ²)/s_j²``, so the optimal
    ridge ``λ*`` lies in ``[min_j σ²/θ_j², max_j σ²/θ_j²]``: e.g. ``λ* = σ²/θ²`` for equal
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
    return max(float(ridge_risk(sp, lam=float(np.median(sp.eigvals)))), 1e-300)


def optimal_ridge(problem, *, per_decade: int = 24) -> RidgeOptimum:
    r"""Optimal ridge penalty ``λ* = argmin_λ R(λ)`` (global search over ``log λ``).

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    per_decade : int
        Grid points per decade of ``λ`` before local refinement. The grid spans
        ``[10⁻⁶ min s_j², 10⁶ max s_j²]``, widened to ``10^{∓3}·σ²/θ_j²`` where those
        noise-to-signal ratios fall outside it (the diagonal-weight ``λ*`` lies between
        ``min_j σ²/θ_j²`` and ``max_j σ²/θ_j²``).

    Returns
    -------
    RidgeOptimum
        ``risk`` is the minimal fixed-design risk ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``;
        ``"prediction"`` weights are the in-sample ``XᵀX/n``).
        ``boundary`` is ``"lam->0"`` (least squares is optimal, e.g. without noise) or
        ``"lam->inf"`` (the zero estimator is optimal, e.g. without signal).

    Notes
    -----
    ``R(λ)`` is evaluated on a log grid and every interior local minimum is refined by root-finding
    on ``R'(λ) = −2N(λ)/λ`` (so ``ξ*(λ*) = 0`` holds to machine precision); the limits
    ``λ → 0`` (least squares) and ``λ → ∞`` (zero estimator) are compared explicitly.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.
    A. Dang, P. Patil and A. Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge
    Regression", ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[2.0, 2.0], signal_energy=[1.0, 1.0], noise=3.0)
    >>> round(optimal_ridge(sp).lam, 8)   # equal θ_j²: λ* = σ²/θ²
    3.0
    """
    sp = as_spectrum(problem)
    per_decade = check_int(per_decade, "per_decade", minimum=2)
    grid = _lam_grid(sp, per_decade)
    R = np.asarray(ridge_risk(sp, lam=grid))  # O(block·r) memory for any grid length
    lim0 = float(filter_risk(sp, f=np.ones(sp.rank)))
    liminf = float(filter_risk(sp, f=np.zeros(sp.rank)))
    fun = lambda lam: float(sd_quadratic(sp, lam=lam).R)  # noqa: E731
    Nfun = lambda lam: float(sd_quadratic(sp, lam=lam).N)  # noqa: E731  R' = −2N/λ
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
    diagonal = sp.weights.ndim == 1  # O(r) products; never build an r × r matrix from a vector
    M = sp.weights
    theta = sp.signal if sp.signal is not None else np.sqrt(sp.signal_energy)
    out = {}
    for name, base, slope in (
        ("lam->0", np.ones_like(ev), -1.0 / ev),
        ("lam->inf", np.zeros_like(ev), ev),
    ):
        # f = base + t·slope, b = (f − 1)θ = b0 + t g; E(t) = A t² + 2 B t + const
        b0, g = (base - 1.0) * theta, slope * theta
        gM = g * M if diagonal else g @ M
        A = gM @ g + sp.noise * float((slope**2 * md).sum())
        B = gM @ b0 - g @ sp.null_cross + sp.noise * float((base * slope * md).sum())
        t = float(-B / A) if A > 0 else 0.0
        f = base + t * slope
        out[name] = (t, float(filter_risk(sp, f=f)), f)
    return out


def optimal_sd(problem, *, per_decade: int = 24) -> SDOptimum:
    r"""Globally optimal one-step self-distillation over ``(λ, ξ)``.

    ``E(λ, ξ)`` is convex in ``ξ`` but not jointly convex, and the profile
    ``P(λ) = min_ξ E = R − N²/D`` can have several local minima. This function evaluates
    ``P`` on a log grid, refines every local minimum, compares them with the two boundary
    limits and returns the global optimum.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
        The problem.
    per_decade : int
        Grid density (points per decade of ``λ``) over ``[10⁻⁶ min s², 10⁶ max s²]``, widened
        to cover the noise-to-signal ratios ``σ²/θ_j²`` (see :func:`optimal_ridge`).

    Returns
    -------
    SDOptimum
        ``risk`` is the minimal fixed-design risk ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``;
        ``"prediction"`` weights are the in-sample ``XᵀX/n``), the infimum for a boundary
        optimum.

    Notes
    -----
    **Boundaries.** As ``λ → 0`` with ``κ = ξλ`` fixed the student filter tends to
    ``1 − κ/s_j²``; the best ``κ`` (diagonal weights) is

    .. math::
        κ^* = σ²\sum_j w_j s_j^{-4}
        \Big/ \Big(\sum_j w_jθ_j² s_j^{-4} + σ²\sum_j w_j s_j^{-6}\Big).

    As ``λ → ∞`` with ``μ = (1 − ξ)/λ`` fixed (so ``ξ → −∞``) the filter tends to ``μ s_j²``
    (a scaled ``Xᵀy``), with
    ``μ* = Σ w_jθ_j²s_j² / Σ w_j s_j²(s_j²θ_j² + σ²)``. The profile tends to these limits at
    the two ends, so when one of them is below every interior minimum the infimum is not
    attained; it is reported with ``boundary`` set, never as a huge or tiny finite ``λ``.
    (The limit is parametrized by ``κ = ξλ``; ``(1 + ξ)λ`` is the exact first-order
    coefficient of the filter, and both give the same limit.)
    See the theory page :doc:`/theory/ridge`.

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
    sp = as_spectrum(problem)
    per_decade = check_int(per_decade, "per_decade", minimum=2)
    grid = _lam_grid(sp, per_decade)
    P = np.asarray(sd_min_risk(sp, lam=grid))
    fun = lambda lam: float(sd_min_risk(sp, lam=lam))  # noqa: E731
    rows = []
    for i in _local_min_indices(P):
        lam, val = _refine(fun, grid, i)
        rows.append({"lam": lam, "xi": float(optimal_xi(sp, lam=lam)), "risk": val})
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
            lam=lam_b,
            xi=xi_b,
            risk=bval,
            boundary=bname,
            limit_parameter=t,
            filter=bf,
            local_minima=table,
            ridge=ridge,
        )
    f = sd_filter(sp.eigvals, lam=best["lam"], xi=best["xi"])
    return SDOptimum(
        lam=best["lam"],
        xi=best["xi"],
        risk=best["risk"],
        boundary=None,
        limit_parameter=None,
        filter=f,
        local_minima=table,
        ridge=ridge,
    )
