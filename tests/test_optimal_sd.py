"""optimal_sd / optimal_ridge: global optimum of a non-convex profile, boundary optima.

Expected values come from brute force: the risk is evaluated here with its own NumPy code
(``Σ_j w_j[(1 − f_j)²θ_j² + f_j²γ²/s_j²]`` with ``f_j = s_j²(s_j² + (1−ξ)λ)/(s_j²+λ)²``)
on dense (λ, ξ) grids, and the per-λ minimum over ξ from a quadratic fitted through three of
those risks (exact: the risk is quadratic in ξ), evaluated again directly at its vertex.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdtheory import Spectrum, optimal_ridge, optimal_sd, oracle_risk
from tests._tol import RTOL_EXACT, RTOL_OPT


def own_filter(s2, lam, xi):
    lam, xi = np.asarray(lam, float)[..., None], np.asarray(xi, float)[..., None]
    return s2 * (s2 + (1.0 - xi) * lam) / (s2 + lam) ** 2


def own_risk_of_filter(sp, f):
    return (
        (1 - f) ** 2 * sp.weights * sp.signal_energy + f**2 * sp.weights * sp.noise / sp.eigvals
    ).sum(-1)


def own_risk(sp, lam, xi):
    return own_risk_of_filter(sp, own_filter(sp.eigvals, lam, xi))


def own_profile(sp, lam):
    """min over ξ at each λ, from the vertex of the exact quadratic (own code only).

    The quadratic is sampled at ξ ∈ {−t, 0, t} with t ~ 1 + s̄²/λ + λ/s̄², the scale on which
    ξ acts at that λ (κ = ξλ as λ → 0, μ ≈ −ξ/λ as λ → ∞), so the differences do not cancel.
    """
    lam = np.asarray(lam, float)
    sbar = np.exp(np.mean(np.log(sp.eigvals)))
    t = 1.0 + sbar / lam + lam / sbar
    Em, E0, Ep = (own_risk(sp, lam, x * t) for x in (-1.0, 0.0, 1.0))
    xi = t * (Em - Ep) / (2 * (Ep + Em - 2 * E0))
    return own_risk(sp, lam, xi), xi


def brute_force(sp, lam_lo=-5, lam_hi=5, n_lam=601, xi_lim=40.0, n_xi=4001):
    lam = np.logspace(lam_lo, lam_hi, n_lam)
    xi = np.linspace(-xi_lim, xi_lim, n_xi)
    E = own_risk(sp, lam[:, None], xi[None, :])
    i, j = np.unravel_index(np.argmin(E), E.shape)
    return E[i, j], lam[i], xi[j]


MIRROR = np.array([10**-1.5, 1.0, 10**1.5])  # symmetric under s² → 1/s²


@pytest.mark.parametrize("noise, side", [(10.0, "large_lam"), (0.1, "small_lam")])
def test_two_local_minima_of_different_depth_global_one_returned(noise, side):
    sp = Spectrum(eigvals=MIRROR, signal_energy=MIRROR, noise=noise)  # θ_j² ∝ s_j²
    opt = optimal_sd(sp)
    assert opt.boundary is None
    interior = opt.local_minima.dropna(subset=["lam"]).sort_values("lam")
    assert len(interior) >= 2
    # the two minima really are local minima of different depth (own profile)
    lo, hi = interior.iloc[0], interior.iloc[-1]
    for row in (lo, hi):
        lam = row["lam"]
        p, _ = own_profile(sp, np.array([lam / 1.05, lam, lam * 1.05]))
        assert p[1] <= p[0] and p[1] <= p[2]
    assert abs(lo["risk"] - hi["risk"]) > 1e-3 * min(lo["risk"], hi["risk"])
    best = lo if lo["risk"] < hi["risk"] else hi
    assert ("large" if best is hi else "small") + "_lam" == side
    assert opt.lam == pytest.approx(best["lam"], rel=1e-12)
    # brute force over a dense (λ, ξ) grid never beats the reported optimum, and gets close
    bf, bf_lam, bf_xi = brute_force(sp, -3, 4, 701, 30.0, 6001)
    assert bf >= opt.risk * (1 - RTOL_OPT)
    assert bf == pytest.approx(opt.risk, rel=2e-4)
    assert np.log10(bf_lam) == pytest.approx(np.log10(opt.lam), abs=0.05)
    # the reported risk is the risk of the reported (λ, ξ), by own code
    assert float(own_risk(sp, opt.lam, opt.xi)) == pytest.approx(opt.risk, rel=1e-12)
    np.testing.assert_allclose(opt.filter, own_filter(sp.eigvals, opt.lam, opt.xi), rtol=1e-12)
    assert opt.risk < opt.ridge.risk


def test_mirror_symmetric_problem_has_mirror_optima_with_opposite_xi():
    # s² ↔ 1/s² symmetric spectrum with θ² = s², γ² = 1: the risk satisfies
    # E(λ, ξ) = E(1/λ, −ξ)... up to the mirror; both optima have the same depth.
    sp = Spectrum(eigvals=MIRROR, signal_energy=MIRROR, noise=1.0)
    opt = optimal_sd(sp)
    interior = opt.local_minima.dropna(subset=["lam"]).sort_values("lam")
    assert len(interior) == 2
    a, b = interior.iloc[0], interior.iloc[1]
    assert a["lam"] * b["lam"] == pytest.approx(1.0, rel=1e-6)
    assert a["xi"] == pytest.approx(-b["xi"], rel=1e-6)
    assert a["risk"] == pytest.approx(b["risk"], rel=1e-9)
    assert opt.risk == pytest.approx(min(a["risk"], b["risk"]), rel=1e-12)


def test_boundary_optimum_lambda_to_zero():
    sp = Spectrum(
        eigvals=[50.0, 7.0, 1e-3, 1.2], signal_energy=[8.0, 20.0, 0.15, 240.0], noise=0.02
    )
    opt = optimal_sd(sp)
    assert opt.boundary == "lam->0"
    assert opt.lam == 0.0 and opt.xi == np.inf  # reported as a limit, not a tiny λ
    s2, t2, g2 = sp.eigvals, sp.signal_energy, sp.noise
    kappa = g2 * np.sum(s2**-2.0) / (np.sum(t2 * s2**-2.0) + g2 * np.sum(s2**-3.0))  # closed form
    assert opt.limit_parameter == pytest.approx(kappa, rel=1e-10)
    np.testing.assert_allclose(opt.filter, 1 - kappa / s2, rtol=1e-10)
    inf_risk = float(own_risk_of_filter(sp, 1 - kappa / s2))
    assert opt.risk == pytest.approx(inf_risk, rel=1e-12)
    # the profile approaches the infimum as λ → 0 and never goes below it
    lam = np.logspace(-12, 6, 721)
    prof, _ = own_profile(sp, lam)
    assert np.all(prof >= opt.risk * (1 - RTOL_OPT))
    assert prof[0] == pytest.approx(opt.risk, rel=1e-8)
    assert np.all(np.diff(prof[:200]) >= -1e-12 * opt.risk)  # decreasing towards λ → 0
    bf, _, _ = brute_force(sp, -8, 4, 601, 2e4, 4001)
    assert bf >= opt.risk * (1 - RTOL_OPT)
    # an interior local minimum exists but is (slightly) worse than the boundary
    interior = opt.local_minima.dropna(subset=["lam"])
    assert len(interior) >= 1 and (interior["risk"] > opt.risk).all()
    assert opt.risk < opt.ridge.risk
    assert opt.risk >= oracle_risk(sp) * (1 - RTOL_EXACT)


def test_boundary_optimum_lambda_to_infinity():
    sp = Spectrum(
        eigvals=[0.36, 2.6, 0.04, 35.0], signal_energy=[0.006, 0.044, 2.0, 80.0], noise=2.3
    )
    opt = optimal_sd(sp)
    assert opt.boundary == "lam->inf"
    assert opt.lam == np.inf and opt.xi == -np.inf
    s2, t2, g2 = sp.eigvals, sp.signal_energy, sp.noise
    mu = np.sum(t2 * s2) / np.sum(s2 * (s2 * t2 + g2))  # best filter μ s²
    assert opt.limit_parameter == pytest.approx(mu, rel=1e-10)
    np.testing.assert_allclose(opt.filter, mu * s2, rtol=1e-10)
    assert opt.risk == pytest.approx(float(own_risk_of_filter(sp, mu * s2)), rel=1e-12)
    lam = np.logspace(-6, 14, 801)
    prof, xi = own_profile(sp, lam)
    assert np.all(prof >= opt.risk * (1 - RTOL_OPT))
    assert prof[-1] == pytest.approx(opt.risk, rel=1e-8)
    assert xi[-1] < -1e10  # ξ* → −∞ along the way
    assert xi[-1] * -1 / lam[-1] == pytest.approx(mu, rel=1e-6)  # (1 − ξ)/λ → μ
    assert opt.risk < opt.ridge.risk


@settings(max_examples=12)
@given(st.integers(0, 10**6))
def test_random_problems_global_optimum_beats_brute_force(seed):
    rng = np.random.default_rng(seed)
    r = int(rng.integers(1, 5))
    sp = Spectrum(
        eigvals=np.exp(1.5 * rng.normal(size=r)),
        signal_energy=np.exp(1.5 * rng.normal(size=r)),
        noise=float(np.exp(1.5 * rng.normal())),
        weights=rng.uniform(0.2, 2, r),
    )
    opt = optimal_sd(sp)
    lam = np.logspace(-6, 6, 1201)
    prof, _ = own_profile(sp, lam)
    assert prof.min() >= opt.risk * (1 - RTOL_OPT)
    assert opt.risk <= opt.ridge.risk * (1 + RTOL_OPT)
    assert opt.risk >= oracle_risk(sp) * (1 - RTOL_EXACT)
    if opt.boundary is None:
        assert float(own_risk(sp, opt.lam, opt.xi)) == pytest.approx(opt.risk, rel=1e-10)
    # the ridge optimum against its own dense grid
    ridge_grid = own_risk(sp, lam, np.zeros_like(lam))
    assert ridge_grid.min() >= opt.ridge.risk * (1 - RTOL_OPT)


def test_optimal_ridge_boundaries():
    no_noise = Spectrum(eigvals=[1.0, 4.0], signal_energy=[1.0, 2.0], noise=0.0)
    r0 = optimal_ridge(no_noise)
    assert r0.boundary == "lam->0" and r0.lam == 0.0 and r0.risk == 0.0
    no_signal = Spectrum(eigvals=[1.0, 4.0], signal_energy=[0.0, 0.0], noise=1.0)
    rinf = optimal_ridge(no_signal)
    assert rinf.boundary == "lam->inf" and rinf.lam == np.inf and rinf.risk == 0.0
    sd = optimal_sd(no_signal)
    assert sd.risk == 0.0


def test_optimal_ridge_matches_dense_grid_and_stationarity():
    sp = Spectrum(eigvals=[9.0, 3.0, 1.0, 0.1], signal_energy=[2.0, 0.1, 1.0, 0.5], noise=0.8)
    opt = optimal_ridge(sp)
    lam = np.logspace(-4, 4, 8001)
    R = own_risk(sp, lam, np.zeros_like(lam))
    assert R.min() >= opt.risk * (1 - RTOL_OPT)
    assert R.min() == pytest.approx(opt.risk, rel=1e-6)
    h = 1e-4 * opt.lam
    dR = (own_risk(sp, opt.lam + h, 0.0) - own_risk(sp, opt.lam - h, 0.0)) / (2 * h)
    assert abs(float(dR)) * opt.lam <= 1e-7 * opt.risk


def test_sd_optimum_table_and_ratio():
    sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[4.0, 1.0, 0.25], noise=1.0)
    opt = optimal_sd(sp)
    assert list(opt.local_minima.columns) == ["lam", "xi", "risk", "boundary", "limit_parameter"]
    assert set(opt.local_minima["boundary"].dropna()) == {"lam->0", "lam->inf"}
    assert opt.ratio_to_ridge == pytest.approx(opt.risk / opt.ridge.risk)
    assert 0 < opt.ratio_to_ridge < 1


@pytest.mark.slow
def test_optimal_sd_at_d_100000_matches_own_profile():
    """d = 100,000 eigenvalues: runs in O(d) memory per λ and agrees with the own-code profile.

    The own route evaluates ``min_ξ E`` (vertex of the exact quadratic, own NumPy code) one λ at
    a time on a log grid, then refines the best grid point by golden-section search in log λ.
    """
    from scipy.optimize import minimize_scalar

    d = 100_000
    rng = np.random.default_rng(7)
    s2 = np.sort(rng.gamma(2.0, 1.0, d))[::-1] * 50.0
    energy = rng.exponential(1.0, d) * (s2 / s2.mean())  # signal aligned with the spectrum
    sp = Spectrum(eigvals=s2, signal_energy=energy / d, noise=0.5)
    opt = optimal_sd(sp)
    assert opt.boundary is None
    # the risk reported is the risk of the reported (λ, ξ), by the own formula
    assert opt.risk == pytest.approx(float(own_risk(sp, opt.lam, opt.xi)), rel=RTOL_EXACT)

    def prof(loglam):
        return float(own_profile(sp, np.array([10.0**loglam]))[0][0])

    grid = np.linspace(-6, 8, 57)
    vals = np.array([prof(g) for g in grid])
    i = int(np.argmin(vals))
    res = minimize_scalar(
        prof, bracket=(grid[i - 1], grid[i], grid[i + 1]), method="golden", tol=1e-10
    )
    assert opt.risk <= res.fun * (1 + RTOL_OPT)
    assert opt.risk == pytest.approx(res.fun, rel=1e-7)
    assert opt.risk < opt.ridge.risk
