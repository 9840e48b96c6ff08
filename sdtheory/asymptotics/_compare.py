r"""Can optimal self-distillation beat the best-tuned ridge? The curvature test and the global
comparison of the asymptotic risk profiles (λ on the mean-loss scale; fresh-point risks).

See the theory page :doc:`/theory/asymptotics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .._validate import check_int, check_positive
from ._equivalents import COLUMNS, _risks
from ._spectra import check_gamma, check_noise, check_spectrum

__all__ = ["CurvatureTest", "curvature_test", "SDvsRidge", "compare_sd_vs_ridge"]

# relative margin for the curvature test: R̄'' is a finite difference (relative error ~1e-7),
# and in the isotropic model D̄(λ*) equals λ*²R̄''/2 exactly (the marginal case)
_CURV_RTOL = 1e-5


@dataclass(frozen=True)
class CurvatureTest:
    """Result of :func:`curvature_test` (all λ on the mean-loss scale; risks are fresh-point).

    Attributes
    ----------
    lam_ridge : float
        Ridge-optimal ``λ*`` (interior minimizer of ``R̄``).
    R_ridge : float
        ``R̄(λ*)``.
    D : float
        ``D̄(λ*)``.
    curvature_bound : float
        ``λ*² R̄''(λ*)/2``.
    sd_beats_ridge : bool
        ``D̄(λ*) < λ*² R̄''(λ*)/2`` (sufficient for ``min R̄*_sd < min R̄``).
    """

    lam_ridge: float
    R_ridge: float
    D: float
    curvature_bound: float
    sd_beats_ridge: bool


@dataclass(frozen=True)
class SDvsRidge:
    """Result of :func:`compare_sd_vs_ridge` (λ on the mean-loss scale; risks are fresh-point).

    ``lam_ridge, R_ridge``: global minimizer and minimum of ``R̄``; ``lam_sd, xi_sd, R_sd``: of
    the optimal-SD profile ``R̄*_sd(λ)``; ``relative_gain = (R_ridge − R_sd)/(R_ridge − σ²)``;
    ``curvature``: the :class:`CurvatureTest` at ``lam_ridge``.
    """

    lam_ridge: float
    R_ridge: float
    lam_sd: float
    xi_sd: float
    R_sd: float
    relative_gain: float
    curvature: CurvatureTest
    profile: pd.DataFrame


def _grid(s, w, gamma, sigma2, e, lam_range, per_decade):
    lo, hi = lam_range
    num = int(np.ceil(np.log10(hi / lo) * per_decade)) + 1
    return np.geomspace(lo, hi, num)


def _min_on_grid(fun, grid, values):
    i = int(np.argmin(values))
    a = np.log(grid[max(i - 1, 0)])
    c = np.log(grid[min(i + 1, grid.size - 1)])
    if c <= a:
        return float(grid[i]), float(values[i])
    res = optimize.minimize_scalar(
        lambda t: fun(np.exp(t)), bounds=(a, c), method="bounded", options={"xatol": 1e-10}
    )
    if res.fun < values[i]:
        return float(np.exp(res.x)), float(res.fun)
    return float(grid[i]), float(values[i])


def _check_range(lam_range):
    rng = check_positive(lam_range, "lam_range")
    if rng.shape != (2,) or not rng[0] < rng[1]:
        raise ValueError(f"lam_range must be (low, high) with 0 < low < high, got {lam_range}")
    return float(rng[0]), float(rng[1])


def curvature_test(
    cov_eigvals,
    signal_energy,
    *,
    noise,
    aspect_ratio,
    weights=None,
    lam_range=(1e-4, 1e4),
    per_decade=40,
):
    r"""Curvature test: does optimal SD beat the best-tuned ridge (asymptotically)?

    Parameters
    ----------
    cov_eigvals, signal_energy, noise, aspect_ratio, weights
        As in :func:`asymptotic_risks`.
    lam_range : (float, float)
        Search range ``0 < low < high`` for the ridge optimum, on the mean-loss scale.
    per_decade : int
        Grid points per decade (``>= 2``) of the global search (then refined by a bounded
        scalar search).

    Returns
    -------
    CurvatureTest
        ``R_ridge`` is the fresh-point risk ``‖θ̂ − θ*‖²_Σ + σ²`` of the best ridge.

    Raises
    ------
    ValueError
        If the ridge optimum sits at an end of ``lam_range`` (no stationary point to test).

    Notes
    -----
    Near the ridge optimum ``λ*`` (``R̄'(λ*) = 0``) the optimal-SD profile is
    ``R̄*_sd = R̄ − λ²R̄'²/(4D̄) ≈ R̄(λ*) + ½R̄''δ² − λ*²R̄''²δ²/(4D̄)``, so
    ``D̄(λ*) < λ*²R̄''(λ*)/2`` makes ``λ*`` a strict local maximum of the SD gain deficit and
    ``min_λ R̄*_sd < min_λ R̄``. In the isotropic model ``D̄(λ*) = λ*²R̄''(λ*)/2`` exactly (the
    marginal case: no gain), so the test asks for ``D̄ < (1 − 10⁻⁵)·λ*²R̄''/2`` to stay clear
    of finite-difference error. The condition is sufficient, not necessary: see
    :func:`compare_sd_vs_ridge` for the global comparison. ``R̄''`` is a central difference in
    ``log λ`` (step ``1e-4``; relative error ≈ 1e-8). See the theory page
    :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> res = curvature_test([1.0], [1.0], noise=1.0, aspect_ratio=0.5)  # isotropic: no gain
    >>> res.sd_beats_ridge, round(res.lam_ridge, 6)
    (False, 0.5)
    """
    s, e, w = check_spectrum(cov_eigvals, signal_energy, weights)
    sigma2 = check_noise(noise)
    gamma = check_gamma(aspect_ratio)
    lo, hi = _check_range(lam_range)
    per_decade = check_int(per_decade, "per_decade", minimum=2)
    grid = _grid(s, w, gamma, sigma2, e, (lo, hi), per_decade)
    R = _risks(s, e, w, gamma, sigma2, grid)["R"].to_numpy()
    i = int(np.argmin(R))
    if i == 0 or i == grid.size - 1:
        raise ValueError(
            f"the ridge optimum is at the edge of lam_range=({lo:g}, {hi:g}) (λ → "
            f"{'0' if i == 0 else '∞'}); widen lam_range — no stationary point to test"
        )
    return _curvature_at(s, e, w, gamma, sigma2, grid, R)


def _curvature_at(s, e, w, gamma, sigma2, grid, R):
    i = int(np.argmin(R))

    # the minimizer of R̄ is the root of R̄ − C̄ = −λR̄'/2 (sign change from + to −)
    def N(lam):
        return float(
            _risks(s, e, w, gamma, sigma2, np.array([lam]))["R"].iloc[0]
            - _risks(s, e, w, gamma, sigma2, np.array([lam]))["C"].iloc[0]
        )

    a, c = grid[i - 1], grid[i + 1]
    Na, Nc = N(a), N(c)
    if Na > 0 > Nc:
        lam_star = optimize.brentq(N, a, c, xtol=1e-14 * a, rtol=4 * np.finfo(float).eps)
    else:  # flat or numerically zero slope: bounded search on R̄
        fR = lambda lm: float(_risks(s, e, w, gamma, sigma2, np.array([lm]))["R"].iloc[0])  # noqa: E731
        lam_star, _ = _min_on_grid(fR, grid, R)
    h = 1e-4
    lams = lam_star * np.exp(np.array([-h, 0.0, h]))
    df = _risks(s, e, w, gamma, sigma2, lams)
    r = df["R"].to_numpy()
    # R'' in λ from derivatives in t = log λ: R_λλ = (R_tt − R_t)/λ², R_t ≈ 0 at λ*
    R_t = (r[2] - r[0]) / (2 * h)
    R_tt = (r[2] - 2 * r[1] + r[0]) / h**2
    bound = 0.5 * (R_tt - R_t)  # = λ*² R''(λ*)/2
    D = float(df["D"].iloc[1])
    return CurvatureTest(
        lam_ridge=float(lam_star),
        R_ridge=float(r[1]),
        D=D,
        curvature_bound=float(bound),
        sd_beats_ridge=bool(D < bound * (1.0 - _CURV_RTOL)),
    )


def compare_sd_vs_ridge(
    cov_eigvals,
    signal_energy,
    *,
    noise,
    aspect_ratio,
    weights=None,
    lam_range=(1e-4, 1e4),
    per_decade=40,
):
    r"""Global comparison of ``min_λ R̄*_sd(λ)`` with ``min_λ R̄(λ)`` (asymptotic fresh-point risks).

    Parameters
    ----------
    cov_eigvals, signal_energy, noise, aspect_ratio, weights
        As in :func:`asymptotic_risks`.
    lam_range : (float, float)
        Search range ``0 < low < high``, on the mean-loss scale. ``E(λ, ξ)`` is not jointly
        convex, so both
        minima are found by a global log-grid search then a bounded refinement around the best
        grid point; a minimum at an end of the range is reported as is (check ``profile``).
    per_decade : int
        Grid points per decade, ``>= 2``.

    Returns
    -------
    SDvsRidge
        Fresh-point risks ``‖θ̂ − θ*‖²_Σ + σ²`` of the best ridge and the best SD, with the
        whole profile (:func:`asymptotic_risks` on the grid) in ``profile``.

    Notes
    -----
    ``relative_gain = (R_ridge − R_sd)/(R_ridge − σ²)``. See the theory page
    :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> res = compare_sd_vs_ridge([1.0], [1.0], noise=1.0, aspect_ratio=0.5)  # isotropic
    >>> abs(res.relative_gain) < 1e-8
    True
    """
    s, e, w = check_spectrum(cov_eigvals, signal_energy, weights)
    sigma2 = check_noise(noise)
    gamma = check_gamma(aspect_ratio)
    lo, hi = _check_range(lam_range)
    per_decade = check_int(per_decade, "per_decade", minimum=2)
    grid = _grid(s, w, gamma, sigma2, e, (lo, hi), per_decade)
    prof = _risks(s, e, w, gamma, sigma2, grid)

    def f(col):
        return lambda lm: float(_risks(s, e, w, gamma, sigma2, np.array([lm]))[col].iloc[0])

    lam_r, R_r = _min_on_grid(f("R"), grid, prof["R"].to_numpy())
    lam_s, R_s = _min_on_grid(f("R_sd"), grid, prof["R_sd"].to_numpy())
    xi_s = f("xi_star")(lam_s)
    i = int(np.argmin(prof["R"].to_numpy()))
    if 0 < i < grid.size - 1:
        curv = _curvature_at(s, e, w, gamma, sigma2, grid, prof["R"].to_numpy())
    else:
        curv = CurvatureTest(lam_r, R_r, float("nan"), float("nan"), False)
    excess = R_r - sigma2
    rel = (R_r - R_s) / excess if excess > 0 else 0.0
    return SDvsRidge(
        lam_ridge=lam_r,
        R_ridge=R_r,
        lam_sd=lam_s,
        xi_sd=float(xi_s),
        R_sd=R_s,
        relative_gain=float(rel),
        curvature=curv,
        profile=prof[COLUMNS],
    )
