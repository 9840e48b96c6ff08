"""Adversarial tests of the one-step ridge SD risk (sdtheory.ridge._risk).

Every expected value comes from an independent route:
- the explicit estimator matrices on a design ``X`` (teacher ``A_T = (XᵀX+λ_tI)⁻¹Xᵀ``, student
  ``A_S = (XᵀX+λI)⁻¹Xᵀ[ξXA_T + (1−ξ)I]``) and the exact expectation
  ``E = ‖(A_SX − I)θ*‖²_W + γ² tr(A_SᵀWA_S)`` (checks the null space and cross terms);
- a quadratic in ξ fitted through three exact risks (ξ*, N, D);
- finite differences (R'), per-direction closed forms of the theory page, brute force.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdtheory import (
    Spectrum,
    filter_risk,
    optimal_ridge,
    optimal_sd,
    optimal_xi,
    optimal_xi_noise_limits,
    oracle_risk,
    ridge_risk,
    sd_filter,
    sd_gain,
    sd_min_risk,
    sd_quadratic,
    sd_risk,
    xi_above_one_noise_threshold,
)
from tests._tol import RTOL_EXACT, RTOL_FD, RTOL_MATRIX


# ---------------------------------------------------------------------------- explicit route
def random_design(rng, n, d, kind):
    if kind == "rank_deficient":
        k = max(1, min(n, d) - 1)
        return rng.normal(size=(n, k)) @ rng.normal(size=(k, d)) / np.sqrt(k)
    return rng.normal(size=(n, d))


def weight_matrix(X, kind, rng):
    n, d = X.shape
    if kind == "parameter":
        return np.eye(d)
    if kind == "prediction":
        return X.T @ X / n
    G = rng.normal(size=(d, d + 1))
    return G @ G.T / (d + 1)


def explicit_risk(X, theta, g2, lam, xi, W, lam_t=None):
    """(bias, variance) of the student from its estimator matrix, no spectral algebra."""
    n, d = X.shape
    lam_t = lam if lam_t is None else lam_t
    G = X.T @ X
    A_T = np.linalg.solve(G + lam_t * np.eye(d), X.T)
    A_S = np.linalg.solve(G + lam * np.eye(d), X.T @ (xi * X @ A_T + (1.0 - xi) * np.eye(n)))
    e = (A_S @ X - np.eye(d)) @ theta
    bias = e @ W @ e
    var = g2 * np.trace(A_S.T @ W @ A_S)
    return bias, var


def scale_of(X, theta, g2, W):
    s2 = np.linalg.svd(X, compute_uv=False) ** 2
    s2 = s2[s2 > 1e-12 * s2.max()]
    return (theta @ theta + g2 * np.sum(1.0 / s2) + 1.0) * max(np.abs(W).max(), 1e-300)


def make_problem(seed, n, d, kind, wkind, noise):
    rng = np.random.default_rng(seed)
    X = random_design(rng, n, d, kind)
    theta = rng.normal(size=d) * rng.uniform(0.2, 2.0)
    W = weight_matrix(X, wkind, rng)
    w_arg = wkind if wkind in ("parameter", "prediction") else W
    sp = Spectrum.from_design(X, theta, noise, weights=w_arg)
    return X, theta, W, sp


dims = st.sampled_from([(6, 3), (3, 6), (5, 5), (4, 1), (1, 4), (7, 4)])
kinds = st.sampled_from(["full", "rank_deficient"])
wkinds = st.sampled_from(["parameter", "prediction", "matrix"])
log_lam = st.floats(-2.0, 1.5)
xis = st.floats(-6.0, 8.0)
log_noise = st.floats(-3.0, 1.5)


@given(
    st.integers(0, 10**6),
    dims,
    kinds,
    wkinds,
    log_lam,
    xis,
    log_noise,
    st.one_of(st.none(), log_lam),
)
def test_sd_risk_equals_explicit_estimator_expectation(seed, nd, kind, wkind, ll, xi, ln, llt):
    n, d = nd
    g2, lam = 10.0**ln, 10.0**ll
    lam_t = None if llt is None else 10.0**llt
    X, theta, W, sp = make_problem(seed, n, d, kind, wkind, g2)
    bias, var = explicit_risk(X, theta, g2, lam, xi, W, lam_t)
    tol = RTOL_MATRIX * scale_of(X, theta, g2, W)
    assert abs(sd_risk(sp, lam=lam, xi=xi, teacher_lam=lam_t) - (bias + var)) <= tol
    parts = sd_risk(sp, lam=lam, xi=xi, teacher_lam=lam_t, return_parts=True)
    assert abs(parts.bias - bias) <= tol
    assert abs(parts.variance - var) <= tol
    assert abs(parts.total - (bias + var)) <= tol
    # the teacher (ξ = 0) and ridge_risk
    b0, v0 = explicit_risk(X, theta, g2, lam, 0.0, W)
    assert abs(ridge_risk(sp, lam=lam) - (b0 + v0)) <= tol


def test_sd_risk_grid_broadcast_matches_pointwise_explicit():
    X, theta, W, sp = make_problem(3, 5, 8, "full", "matrix", 0.7)
    lam = np.array([[0.05], [0.5], [3.0]])
    xi = np.array([-2.0, 0.0, 0.5, 1.0, 4.0])
    lam_t = np.array([[0.2], [1.0], [0.5]])
    for lt in (None, lam_t):
        grid = sd_risk(sp, lam=lam, xi=xi, teacher_lam=lt)
        assert grid.shape == (3, 5)
        tol = RTOL_MATRIX * scale_of(X, theta, 0.7, W)
        for i in range(3):
            for j in range(5):
                b, v = explicit_risk(
                    X, theta, 0.7, lam[i, 0], xi[j], W, None if lt is None else lt[i, 0]
                )
                assert abs(grid[i, j] - (b + v)) <= tol


def test_null_space_signal_counts_in_every_risk():
    # d > n: half of θ* is invisible; parameter risk must include ‖P_ker θ*‖² at every (λ, ξ),
    # and the null-space/range cross term must appear for a non-diagonal W.
    X, theta, W, sp = make_problem(11, 3, 7, "full", "matrix", 0.3)
    P_ker = np.eye(7) - np.linalg.pinv(X) @ X
    assert sp.null_risk == pytest.approx(theta @ P_ker @ W @ P_ker @ theta, rel=1e-12)
    assert np.any(np.abs(sp.null_cross) > 1e-6)
    for lam, xi in [(0.1, 3.0), (1.0, -1.0), (10.0, 0.5)]:
        b, v = explicit_risk(X, theta, 0.3, lam, xi, W)
        assert sd_risk(sp, lam=lam, xi=xi) == pytest.approx(b + v, rel=1e-10)
        assert sd_risk(sp, lam=lam, xi=xi, return_parts=True).bias == pytest.approx(b, rel=1e-10)


def test_filter_risk_of_least_squares_and_zero_filter():
    X, theta, W, sp = make_problem(5, 8, 4, "full", "matrix", 0.5)
    Xp = np.linalg.pinv(X)
    e = Xp @ X @ theta - theta
    ls = e @ W @ e + 0.5 * np.trace(Xp.T @ W @ Xp)
    assert filter_risk(sp, f=np.ones(sp.rank)) == pytest.approx(ls, rel=1e-10)
    assert filter_risk(sp, f=np.zeros(sp.rank)) == pytest.approx(theta @ W @ theta, rel=1e-10)


# ---------------------------------------------------------------------------- quadratic in ξ
def fitted_quadratic(X, theta, g2, lam, W):
    """R, N, D from three exact risks: E(0), E(±1) (E is exactly quadratic in ξ)."""
    E = {x: sum(explicit_risk(X, theta, g2, lam, x, W)) for x in (-1.0, 0.0, 1.0)}
    D = (E[1.0] + E[-1.0] - 2 * E[0.0]) / 2
    N = (E[-1.0] - E[1.0]) / 4
    return E[0.0], N, D


@given(st.integers(0, 10**6), dims, wkinds, log_lam, log_noise)
def test_quadratic_coefficients_and_optimal_xi_from_explicit_route(seed, nd, wkind, ll, ln):
    n, d = nd
    g2, lam = 10.0**ln, 10.0**ll
    X, theta, W, sp = make_problem(seed, n, d, "full", wkind, g2)
    R, N, D = fitted_quadratic(X, theta, g2, lam, W)
    q = sd_quadratic(sp, lam=lam)
    tol = 10 * RTOL_MATRIX * scale_of(X, theta, g2, W)
    assert abs(q.R - R) <= tol and abs(q.N - N) <= tol and abs(q.D - D) <= tol
    xs = float(optimal_xi(sp, lam=lam))
    # ξ* minimizes the exact risk: no perturbation does better
    E0 = sum(explicit_risk(X, theta, g2, lam, xs, W))
    for dx in (1e-3, -1e-3, 0.3, -0.3):
        assert sum(explicit_risk(X, theta, g2, lam, xs + dx, W)) >= E0 - tol
    assert sd_min_risk(sp, lam=lam) == pytest.approx(E0, rel=1e-8, abs=tol)
    assert sd_gain(sp, lam=lam) == pytest.approx(R - E0, rel=1e-6, abs=10 * tol)


def test_xi_star_minimizes_sd_risk_over_a_dense_xi_grid():
    rng = np.random.default_rng(0)
    for _ in range(20):
        r = rng.integers(1, 6)
        sp = Spectrum(
            eigvals=np.exp(2 * rng.normal(size=r)),
            signal_energy=np.exp(2 * rng.normal(size=r)),
            noise=np.exp(2 * rng.normal()),
        )
        lam = np.exp(2 * rng.normal())
        xs = float(optimal_xi(sp, lam=lam))
        grid = np.linspace(xs - 20, xs + 20, 4001)
        f = sd_filter(sp.eigvals, lam=lam, xi=grid)
        # own evaluation of Σ[(1−f)²θ² + f²γ²/s²], not the code's risk
        E = ((1 - f) ** 2 * sp.signal_energy + f**2 * sp.noise / sp.eigvals).sum(-1)
        assert grid[np.argmin(E)] == pytest.approx(xs, abs=0.011)
        assert E.min() >= float(sd_min_risk(sp, lam=lam)) * (1 - RTOL_EXACT)


def test_xi_zero_is_ridge_exactly_and_xi_one_is_ridge_twice():
    rng = np.random.default_rng(1)
    sp = Spectrum(eigvals=rng.uniform(0.1, 5, 6), signal_energy=rng.uniform(0, 3, 6), noise=1.7)
    lam = np.logspace(-3, 3, 13)
    assert np.array_equal(sd_risk(sp, lam=lam, xi=0.0), ridge_risk(sp, lam=lam))
    a = sp.eigvals / (sp.eigvals + lam[:, None])
    np.testing.assert_allclose(
        sd_risk(sp, lam=lam, xi=1.0), filter_risk(sp, f=a * a), rtol=RTOL_EXACT
    )


# ---------------------------------------------------------------------------- identities
def fd_derivative(fun, lam, rel=1e-5):
    h = rel * lam
    return (fun(lam + h) - fun(lam - h)) / (2 * h)


def random_diag_spectrum(rng, r=None):
    r = int(rng.integers(1, 7)) if r is None else r
    return Spectrum(
        eigvals=np.exp(1.5 * rng.normal(size=r)),
        signal_energy=np.exp(1.5 * rng.normal(size=r)),
        noise=float(np.exp(1.5 * rng.normal())),
        weights=rng.uniform(0.1, 2.0, size=r),
    )


@given(st.integers(0, 10**6), log_lam)
def test_gain_identity_and_sign_rule_with_finite_differences(seed, ll):
    rng = np.random.default_rng(seed)
    sp = random_diag_spectrum(rng)
    lam = 10.0**ll
    Rp = fd_derivative(lambda t: float(ridge_risk(sp, lam=t)), lam)
    q = sd_quadratic(sp, lam=lam)
    # independent D: the curvature of the risk in ξ, by a second difference of sd_risk's
    # explicit-filter path (return_parts forms the filter)
    Ex = [sd_risk(sp, lam=lam, xi=x, return_parts=True).total for x in (-1.0, 0.0, 1.0)]
    D = (Ex[0] + Ex[2] - 2 * Ex[1]) / 2
    assert q.D == pytest.approx(D, rel=1e-7, abs=1e-13 * q.R)
    assert q.N == pytest.approx(-lam * Rp / 2, rel=RTOL_FD, abs=RTOL_FD * abs(lam * Rp) + 1e-12)
    assert sd_gain(sp, lam=lam) == pytest.approx(lam**2 * Rp**2 / (4 * D), rel=1e-5, abs=1e-14)
    xs = float(optimal_xi(sp, lam=lam))
    if abs(lam * Rp) > 1e-6 * q.R:
        assert np.sign(xs) == -np.sign(Rp)


def test_sign_rule_under_and_over_regularized():
    sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=2.0)
    lam_star = optimal_ridge(sp).lam
    assert float(optimal_xi(sp, lam=lam_star / 10)) > 0  # under-regularized teacher
    assert float(optimal_xi(sp, lam=lam_star * 10)) < 0  # over-regularized teacher


@given(st.integers(0, 10**6))
def test_xi_star_vanishes_at_the_ridge_optimum(seed):
    rng = np.random.default_rng(seed)
    sp = random_diag_spectrum(rng)
    opt = optimal_ridge(sp)
    if opt.boundary is not None:
        return
    lam = opt.lam
    # λ* is stationary for the ridge risk (own finite difference) ...
    assert abs(fd_derivative(lambda t: float(ridge_risk(sp, lam=t)), lam)) * lam <= 1e-6 * opt.risk
    # ... so the optimal student does not distil, and SD gains nothing there.
    q = sd_quadratic(sp, lam=lam)
    assert abs(float(optimal_xi(sp, lam=lam))) * np.sqrt(q.D) <= 1e-6 * np.sqrt(opt.risk)
    assert float(sd_gain(sp, lam=lam)) <= 1e-10 * opt.risk


def test_optimal_ridge_equal_signal_is_gamma2_over_theta2_even_far_outside_spectrum():
    # Regression: the λ grid used to stop at 1e6·max s² and reported a 'lam->inf' boundary.
    for th2, g2 in [(1e-8, 1.0), (1.0, 1e-9), (0.3, 5.0)]:
        sp = Spectrum(eigvals=[0.5, 2.0, 7.0], signal_energy=[th2] * 3, noise=g2)
        opt = optimal_ridge(sp)
        assert opt.boundary is None
        assert opt.lam == pytest.approx(g2 / th2, rel=1e-8)


def _oracle_diag(sp):
    s2, t2, g2, w = sp.eigvals, sp.signal_energy, sp.noise, sp.weights
    return float(np.sum(w * (t2 * g2 / s2) / (t2 + g2 / s2))) + sp.null_risk


@pytest.mark.parametrize("seed", range(4))
def test_no_sd_gain_when_signal_energy_equal_or_eigenvalues_equal(seed):
    rng = np.random.default_rng(seed)
    r = 4
    equal_theta = Spectrum(
        eigvals=np.exp(rng.normal(size=r)),
        signal_energy=[0.7] * r,
        noise=float(np.exp(rng.normal())),
    )
    equal_s = Spectrum(
        eigvals=[1.3] * r,
        signal_energy=np.exp(rng.normal(size=r)),
        noise=float(np.exp(rng.normal())),
    )
    for sp in (equal_theta, equal_s):
        ridge, sd = optimal_ridge(sp), optimal_sd(sp)
        assert sd.risk == pytest.approx(ridge.risk, rel=1e-9)
        assert sd.risk >= ridge.risk * (1 - 1e-9)
    # equal θ²: ridge with λ = γ²/θ² is the oracle
    assert optimal_ridge(equal_theta).risk == pytest.approx(_oracle_diag(equal_theta), rel=1e-10)


def test_strict_gain_when_signal_follows_spectrum_and_none_for_inverse():
    s2 = np.array([4.0, 2.0, 1.0, 0.5, 0.25])
    aligned = Spectrum(eigvals=s2, signal_energy=s2, noise=1.0)
    sd, ridge = optimal_sd(aligned), optimal_ridge(aligned)
    assert sd.risk < ridge.risk * (1 - 1e-3)
    assert sd.risk >= oracle_risk(aligned) * (1 - 1e-12)
    inverse = Spectrum(eigvals=s2, signal_energy=1.0 / s2, noise=1.0)
    # θ_j² ∝ 1/s_j²: the oracle filter s²θ²/(s²θ² + γ²) is constant, ridge cannot match it
    # but SD cannot do better than ridge either (the "no gain" example of the theory page)
    assert optimal_sd(inverse).risk == pytest.approx(optimal_ridge(inverse).risk, rel=1e-9)


def test_stable_profile_never_below_the_oracle():
    # Regression: R − N²/D cancelled and optimal_sd reported a risk below the oracle.
    sp = Spectrum(eigvals=[1.0, 1.0], signal_energy=[1e-8, 1e-8], noise=1.0)
    orc = _oracle_diag(sp)
    opt = optimal_sd(sp)
    assert opt.risk >= orc * (1 - 1e-12)
    assert opt.risk == pytest.approx(orc, rel=1e-10)
    lam = np.logspace(-6, 10, 50)
    assert np.all(sd_min_risk(sp, lam=lam) >= orc * (1 - 1e-12))


# ---------------------------------------------------------------------------- noise threshold
def closed_threshold_identity(s2, t2, lam):
    a = s2 / (s2 + lam) ** 4
    return lam * np.sum(s2 * (2 * s2 + lam) * t2 * a / s2) / np.sum(s2**2 / (s2 + lam) ** 4)


def closed_xi_identity(s2, t2, g2, lam):
    num = np.sum(s2 * (g2 - lam * t2) / (s2 + lam) ** 3)
    den = lam * np.sum(s2 * (s2 * t2 + g2) / (s2 + lam) ** 4)
    return num / den


@given(st.integers(0, 10**6), log_lam)
def test_identity_weight_closed_forms(seed, ll):
    rng = np.random.default_rng(seed)
    r = int(rng.integers(1, 6))
    s2, t2 = np.exp(rng.normal(size=r)), np.exp(rng.normal(size=r))
    g2, lam = float(np.exp(rng.normal())), 10.0**ll
    sp = Spectrum(eigvals=s2, signal_energy=t2, noise=g2)
    assert float(optimal_xi(sp, lam=lam)) == pytest.approx(
        closed_xi_identity(s2, t2, g2, lam), rel=1e-10
    )
    assert float(xi_above_one_noise_threshold(sp, lam=lam)) == pytest.approx(
        closed_threshold_identity(s2, t2, lam), rel=1e-10
    )


@given(st.integers(0, 10**6), wkinds, log_lam, st.one_of(st.none(), log_lam))
def test_threshold_is_where_the_explicit_optimum_crosses_one(seed, wkind, ll, llt):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, 4))
    theta = rng.normal(size=4)
    W = weight_matrix(X, wkind, rng)
    lam = 10.0**ll
    lam_t = None if llt is None else 10.0**llt
    sp = Spectrum.from_design(X, theta, 1.0, weights=wkind if wkind != "matrix" else W)
    thr = float(xi_above_one_noise_threshold(sp, lam=lam, teacher_lam=lam_t))
    if not np.isfinite(thr) or thr <= 0:
        # ξ* > 1 already without noise (possible for a non-diagonal W): check that directly
        assert float(optimal_xi(sp.with_noise(0.0), lam=lam, teacher_lam=lam_t)) >= 1 - 1e-9
        return

    def xi_explicit(g2):  # vertex of the exact quadratic in ξ
        E = [sum(explicit_risk(X, theta, g2, lam, x, W, lam_t)) for x in (-1.0, 0.0, 1.0)]
        return (E[0] - E[2]) / (2 * (E[0] + E[2] - 2 * E[1]))

    assert xi_explicit(thr) == pytest.approx(1.0, abs=1e-7)
    assert xi_explicit(thr * 1.5) > 1.0 > xi_explicit(thr / 1.5)


def test_threshold_negative_for_a_nondiagonal_weight_matrix():
    # Documented corner: with a non-diagonal M (no null-space term), ξ* > 1 can hold at γ² = 0.
    rng = np.random.default_rng(0)
    found = False
    for _ in range(300):
        ev = np.exp(2 * rng.normal(size=3))
        A = rng.normal(size=(3, 3))
        sp = Spectrum(eigvals=ev, signal=rng.normal(size=3), noise=0.0, weights=A @ A.T)
        lam = float(np.exp(2 * rng.normal()))
        if float(xi_above_one_noise_threshold(sp, lam=lam)) < 0:
            found = True
            assert float(optimal_xi(sp, lam=lam)) > 1.0
            break
    assert found


# ---------------------------------------------------------------------------- noise limits
@given(st.integers(0, 10**6), log_lam)
def test_noise_limits_match_extreme_noise_and_exceed_one(seed, ll):
    rng = np.random.default_rng(seed)
    sp = random_diag_spectrum(rng)
    lam = 10.0**ll
    lo, hi = optimal_xi_noise_limits(sp, lam=lam)
    assert hi > 1.0
    assert float(optimal_xi(sp.with_noise(1e12), lam=lam)) == pytest.approx(hi, rel=1e-6)
    assert float(optimal_xi(sp.with_noise(1e-12), lam=lam)) == pytest.approx(lo, rel=1e-6, abs=1e-9)
    # ξ*(γ²) is monotone between the two limits (linear-fractional)
    xs = [float(optimal_xi(sp.with_noise(g), lam=lam)) for g in np.logspace(-4, 4, 30)]
    d = np.diff(xs)
    assert np.all(d >= -1e-12) or np.all(d <= 1e-12)


def test_noise_limits_one_dimension_closed_forms():
    for s2, lam in [(2.0, 1.0), (0.1, 3.0), (5.0, 0.01)]:
        sp = Spectrum(eigvals=[s2], signal_energy=[0.8], noise=1.0)
        lo, hi = optimal_xi_noise_limits(sp, lam=lam)
        assert hi == pytest.approx(1 + s2 / lam, rel=1e-12)
        assert lo == pytest.approx(-(1 + lam / s2), rel=1e-12)
        # at the limits the student is 0 (γ² → ∞) and least squares (γ² → 0)
        assert float(sd_filter(s2, lam=lam, xi=hi)) == pytest.approx(0.0, abs=1e-12)
        assert float(sd_filter(s2, lam=lam, xi=lo)) == pytest.approx(1.0, rel=1e-12)


def test_noise_limits_without_signal_and_without_weights():
    sp = Spectrum(eigvals=[1.0, 3.0], signal_energy=[0.0, 0.0], noise=1.0)
    lo, hi = optimal_xi_noise_limits(sp, lam=0.7)
    assert lo == hi == pytest.approx(float(optimal_xi(sp.with_noise(1e-6), lam=0.7)), rel=1e-12)
    zero_w = Spectrum(eigvals=[1.0, 3.0], signal_energy=[1.0, 1.0], noise=1.0, weights=[0.0, 0.0])
    assert optimal_xi_noise_limits(zero_w, lam=0.7) == (0.0, 0.0)
    assert xi_above_one_noise_threshold(zero_w, lam=0.7) == np.inf


# ---------------------------------------------------------------------------- oracle
@given(st.integers(0, 10**6))
def test_oracle_is_a_lower_bound_and_matches_per_direction_formula(seed):
    rng = np.random.default_rng(seed)
    sp = random_diag_spectrum(rng)
    orc = oracle_risk(sp)
    assert orc == pytest.approx(_oracle_diag(sp), rel=1e-12)
    lam = np.logspace(-3, 3, 25)[:, None]
    xi = np.linspace(-10, 10, 41)
    assert np.all(sd_risk(sp, lam=lam, xi=xi) >= orc * (1 - 1e-12))
    assert np.all(sd_min_risk(sp, lam=lam.ravel()) >= orc * (1 - 1e-12))


def test_oracle_lower_bound_with_matrix_weights_explicit():
    X, theta, W, sp = make_problem(7, 6, 4, "full", "matrix", 0.9)
    orc = oracle_risk(sp)
    for lam in (0.05, 0.5, 5.0):
        for xi in (-3.0, 0.0, 1.0, 2.5):
            assert sum(explicit_risk(X, theta, 0.9, lam, xi, W)) >= orc * (1 - 1e-10)


def test_diagonal_weights_with_null_cross_term_regression():
    # VᵀWV is diagonal (stored as a vector) but W couples range and null space: the
    # non-diagonal path used the weight vector as if it were the matrix (silently wrong risk).
    X = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    W = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [0.5, 0.0, 1.0]])
    theta = np.array([1.0, -2.0, 3.0])
    sp = Spectrum.from_design(X, theta, 0.5, weights=W)
    assert sp.weights.ndim == 1 and not sp.is_diagonal
    for lam, xi in [(0.7, 1.5), (0.1, -2.0), (3.0, 0.0)]:
        b, v = explicit_risk(X, theta, 0.5, lam, xi, W)
        assert sd_risk(sp, lam=lam, xi=xi) == pytest.approx(b + v, rel=1e-12)
        parts = sd_risk(sp, lam=lam, xi=xi, return_parts=True)
        assert parts.bias == pytest.approx(b, rel=1e-12)
        assert parts.variance == pytest.approx(v, rel=1e-12)
    assert oracle_risk(sp) <= sd_risk(sp, lam=0.7, xi=1.5)
