"""Iterated / multi-step self-distillation: closed forms against literally iterating the fits."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

import sdtheory as sd
from sdtheory import (
    ScheduleConditioningWarning,
    Spectrum,
    collapse_round_bounds,
    constrained_rounds,
    expected_alpha_path,
    filter_risk,
    ground_truth_convergence_rate,
    ground_truth_weighted_filter,
    kernel_self_distill,
    multistep_filter,
    multistep_risk,
    optimal_alpha_expected,
    optimal_multistep,
    optimal_schedule,
    oracle_alpha_path,
    oracle_risk,
    poly_to_xis,
    rbf_kernel,
    ridge_filter,
    schedule_quadratic,
    sd_filter,
    xis_to_poly,
)
from tests._tol import RTOL_EXACT, RTOL_ITER_SOLVE, RTOL_OPT_SCHEDULE

seeds = st.integers(0, 2**31 - 1)


def _rand_X(rng, n, d, spread=1.0):
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((d, d)))
    r = min(n, d)
    s = np.exp(rng.uniform(-spread, spread, r))
    return (U[:, :r] * s) @ V[:, :r].T


def _rand_kernel(rng, n, kind):
    x = rng.uniform(0, 1, (n, 2))
    if kind == "rbf":
        return rbf_kernel(x, gamma=float(rng.uniform(1.0, 20.0)))
    if kind == "poly":
        return sd.polynomial_kernel(x, degree=int(rng.integers(1, 4)), coef0=1.0)
    if kind == "linear-singular":
        return sd.linear_kernel(rng.standard_normal((n, 3)))
    A = rng.standard_normal((n, n))
    return A @ A.T / n + 0.1 * np.eye(n)


# ---------------------------------------------------------------------------- k-step filter
@given(seed=seeds, k=st.integers(0, 5), n=st.integers(3, 12), d=st.integers(2, 9))
def test_multistep_filter_equals_literal_linear_ridge_iteration(seed, k, n, d):
    """Filter formula vs repeated solves (XᵀX + λI)θ = Xᵀ target, ξ_t anywhere in [−3, 4]."""
    rng = np.random.default_rng(seed)
    X = _rand_X(rng, n, d)
    y = rng.standard_normal(n)
    lam = float(np.exp(rng.uniform(-2, 2)))
    xis = rng.uniform(-3, 4, k)
    A = X.T @ X + lam * np.eye(d)
    theta = np.linalg.solve(A, X.T @ y)
    for xi in xis:
        theta = np.linalg.solve(A, X.T @ ((1 - xi) * y + xi * (X @ theta)))
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > 1e-10 * s[0]
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    q = multistep_filter(s**2, lam=lam, xis=xis)
    theta_f = Vt.T @ (q * (U.T @ y) / s)
    scale = max(1.0, np.abs(theta).max())
    np.testing.assert_allclose(theta_f, theta, rtol=0, atol=RTOL_ITER_SOLVE * scale)


def test_multistep_k0_is_ridge_and_k1_is_one_step_student():
    ev = np.array([5.0, 1.0, 0.2])
    np.testing.assert_allclose(
        multistep_filter(ev, lam=0.7, xis=[]), ridge_filter(ev, lam=0.7), rtol=1e-15
    )
    for xi in (-1.0, 0.3, 2.5):
        np.testing.assert_allclose(
            multistep_filter(ev, lam=0.7, xis=[xi]), sd_filter(ev, lam=0.7, xi=xi), rtol=RTOL_EXACT
        )


def test_multistep_filter_broadcasts_over_lam_and_schedule_batch():
    ev = np.array([4.0, 1.0])
    xis = np.array([[0.5, 2.0], [1.0, 1.0], [-1.0, 0.0]])
    lam = np.array([[0.5], [1.0]])
    out = multistep_filter(ev, lam=lam, xis=xis)
    assert out.shape == (2, 3, 2)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(
                out[i, j], multistep_filter(ev, lam=lam[i, 0], xis=xis[j]), rtol=1e-15
            )


@given(seed=seeds, k=st.integers(0, 6))
def test_poly_roundtrip_and_filter_identity(seed, k):
    rng = np.random.default_rng(seed)
    xis = rng.uniform(-3, 3, k)
    xis[np.abs(xis) < 0.05] = 0.5  # keep products away from zero (invertible)
    xb = xis_to_poly(xis)
    assert xb.shape == (k + 1,)
    assert abs(xb.sum() - 1) < 1e-12
    np.testing.assert_allclose(poly_to_xis(xb), xis, rtol=1e-8, atol=1e-10)
    ev = np.exp(rng.uniform(-2, 2, 5))
    lam = 0.8
    a = ridge_filter(ev, lam=lam)
    f_poly = (xb[None, :] * a[:, None] ** np.arange(1, k + 2)).sum(1)
    np.testing.assert_allclose(
        f_poly, multistep_filter(ev, lam=lam, xis=xis), rtol=RTOL_EXACT, atol=1e-14
    )


def test_xis_to_poly_matches_the_closed_form():
    xis = np.array([0.3, -1.2, 2.5, 0.7])  # ξ_1..ξ_4
    k = xis.size
    xb = xis_to_poly(xis)
    assert xb[k] == pytest.approx(np.prod(xis))
    for i in range(k):  # ξ̄_i = (1 − ξ_{k−i}) Π_{j=k−i+1..k} ξ_j  (1-based ξ)
        expect = (1 - xis[k - i - 1]) * np.prod(xis[k - i :])
        assert xb[i] == pytest.approx(expect, rel=1e-14)


def test_poly_to_xis_errors():
    with pytest.raises(ValueError, match="xibar must not be empty"):
        poly_to_xis([])
    with pytest.raises(ValueError, match="sum to 1"):
        poly_to_xis([0.5, 0.2])
    with pytest.raises(ValueError, match="not invertible.*undetermined"):
        poly_to_xis([1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="not invertible.*no xi_1"):
        poly_to_xis([1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="1-D"):
        poly_to_xis([[1.0]])
    assert poly_to_xis([1.0]).shape == (0,)


def test_schedule_quadratic_reproduces_risk_including_matrix_weights():
    rng = np.random.default_rng(3)
    X = _rand_X(rng, 7, 5)
    th = rng.standard_normal(5)
    W = rng.standard_normal((5, 5))
    for weights in ("parameter", "prediction", W @ W.T):
        sp = Spectrum.from_design(X, th, 0.7, weights=weights)
        for xis in ([], [0.4], [2.0, -1.0, 0.5]):
            Q, q, c = schedule_quadratic(sp, lam=0.9, steps=len(xis))
            xb = xis_to_poly(xis)
            assert xb @ Q @ xb - 2 * q @ xb + c == pytest.approx(
                multistep_risk(sp, lam=0.9, xis=xis), rel=1e-10
            )


def test_multistep_risk_per_step_matches_each_prefix():
    """per_step=True: index 0 is ridge_risk, index t is multistep_risk on the first t weights,
    for every kind of weights, a batch of λ and schedules, and return_parts."""
    rng = np.random.default_rng(17)
    X = _rand_X(rng, 9, 5)
    th = rng.standard_normal(5)
    W = rng.standard_normal((5, 5))
    for weights in ("parameter", "prediction", W @ W.T):
        sp = Spectrum.from_design(X, th, 0.7, weights=weights)
        for xis in ([], [0.4], [2.0, -1.0, 0.5, 1.3]):
            got = multistep_risk(sp, lam=0.9, xis=xis, per_step=True)
            ref = [sd.ridge_risk(sp, lam=0.9)]
            ref += [multistep_risk(sp, lam=0.9, xis=xis[:k]) for k in range(1, len(xis) + 1)]
            assert got.shape == (len(xis) + 1,)
            np.testing.assert_allclose(got, ref, rtol=RTOL_EXACT, atol=0)
        lam = np.array([0.3, 0.9, 4.0])
        Xi = np.array([[2.0, -1.0], [0.5, 0.5], [1.5, 0.0]])
        parts = multistep_risk(sp, lam=lam, xis=Xi, per_step=True, return_parts=True)
        assert parts.total.shape == parts.bias.shape == parts.variance.shape == (3, 3)
        for i in range(3):
            assert parts.total[i, 0] == pytest.approx(sd.ridge_risk(sp, lam=lam[i]), rel=RTOL_EXACT)
            for k in (1, 2):
                one = multistep_risk(sp, lam=lam[i], xis=Xi[i, :k], return_parts=True)
                assert parts.total[i, k] == pytest.approx(one.total, rel=RTOL_EXACT)
                assert parts.bias[i, k] == pytest.approx(one.bias, rel=RTOL_EXACT)
                assert parts.variance[i, k] == pytest.approx(one.variance, rel=RTOL_EXACT)


def test_multistep_risk_per_step_without_cancellation_and_bad_flag():
    """s² ≫ λ: step 1 of the per-step risks still agrees with sd_risk to 1e-12."""
    sp = Spectrum(eigvals=[1e12], signal_energy=[1e6], noise=156.03348937046061)
    got = multistep_risk(sp, lam=80.27, xis=[-1000.0, 3.0], per_step=True)
    assert got[0] == pytest.approx(sd.ridge_risk(sp, lam=80.27), rel=1e-12, abs=0)
    assert got[1] == pytest.approx(sd.sd_risk(sp, lam=80.27, xi=-1000.0), rel=1e-12, abs=0)
    with pytest.raises(TypeError, match="per_step must be True or False"):
        multistep_risk(sp, lam=1.0, xis=[0.5], per_step="yes")


# ---------------------------------------------------------------------------- optimal schedule
def _random_spectrum(rng, r, matrix=False):
    ev = np.exp(rng.uniform(-1.5, 1.5, r))
    th = rng.standard_normal(r) * np.exp(rng.uniform(-1, 1, r))
    if matrix:
        W = rng.standard_normal((r, r))
        return Spectrum(eigvals=ev, signal=th, noise=float(rng.uniform(0.1, 2)), weights=W @ W.T)
    return Spectrum(eigvals=ev, signal=th, noise=float(rng.uniform(0.1, 2)))


@settings(max_examples=15)
@given(seed=seeds, r=st.integers(2, 6), k=st.integers(1, 4), matrix=st.booleans())
def test_optimal_schedule_beats_random_schedules(seed, r, k, matrix):
    """≥ 2,000 random schedules (vectorized), incl. ξ far outside [0, 1], plus perturbations."""
    rng = np.random.default_rng(seed)
    sp = _random_spectrum(rng, r, matrix)
    lam = float(np.exp(rng.uniform(-1, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScheduleConditioningWarning)
        opt = optimal_schedule(sp, lam=lam, steps=k)
    Xi = np.concatenate([rng.uniform(-3, 4, (1000, k)), rng.standard_normal((1000, k)) * 10])
    risks = multistep_risk(sp, lam=lam, xis=Xi)
    tol = RTOL_OPT_SCHEDULE * max(opt.risk, 1e-300)
    assert opt.risk <= risks.min() + tol
    # near the optimum in ξ̄ (feasible directions Σ δ = 0)
    Q, q, c = schedule_quadratic(sp, lam=lam, steps=k)
    D = rng.standard_normal((500, k + 1))
    D -= D.mean(1, keepdims=True)

    def quad(XB):
        return np.einsum("...i,ij,...j->...", XB, Q, XB) - 2 * XB @ q + c

    # rounding bound of evaluating the quadratic (large |ξ̄| when |ξ_t| is large): 64·eps·Σ|terms|
    ax = np.abs(opt.xibar)
    eval_tol = 64 * np.finfo(float).eps * (ax @ np.abs(Q) @ ax + 2 * np.abs(q) @ ax + abs(c))
    for scale in (1e-3, 1e-1):
        XB = opt.xibar + scale * D
        assert quad(opt.xibar) <= quad(XB).min() + tol + 2 * eval_tol
    # the schedule and ξ̄ describe the same filter
    if opt.xis is not None and opt.max_abs_xi < 1e4:
        np.testing.assert_allclose(multistep_risk(sp, lam=lam, xis=opt.xis), opt.risk, rtol=1e-6)
    assert opt.risk <= opt.ridge_risk + tol
    assert opt.risk >= opt.oracle_risk - tol


def test_optimal_schedule_kkt_on_the_quadratic():
    rng = np.random.default_rng(11)
    sp = _random_spectrum(rng, 5)
    opt = optimal_schedule(sp, lam=0.6, steps=2)
    Q, q, c = schedule_quadratic(sp, lam=0.6, steps=2)
    grad = Q @ opt.xibar - q  # must be ∝ 1 (the constraint normal)
    assert np.ptp(grad) <= 1e-9 * np.abs(grad).max() + 1e-12


@settings(max_examples=20)
@given(seed=seeds, r=st.integers(1, 4), extra=st.integers(0, 2), reps=st.booleans())
def test_optimal_schedule_reaches_oracle_when_k_at_least_distinct(seed, r, extra, reps):
    rng = np.random.default_rng(seed)
    ev = np.exp(np.linspace(-1.0, 1.0, r)) if r > 1 else np.array([1.3])
    th = rng.standard_normal(r)
    if reps:  # repeated eigenvalues: only the distinct ones count
        ev, th = np.repeat(ev, 2), np.concatenate([th, rng.standard_normal(r)])
    sp = Spectrum(eigvals=ev, signal=th, noise=float(rng.uniform(0.2, 1.5)))
    lam = float(np.exp(rng.uniform(-1, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScheduleConditioningWarning)
        opt = optimal_schedule(sp, lam=lam, steps=r + extra)
    # a spectral filter is constant on an eigenspace: the reachable bound is the Wiener filter of
    # the eigenspace's pooled signal (the per-coordinate oracle when eigenvalues are distinct)
    h = sp.signal_energy + sp.noise / sp.eigvals
    f_group = np.array([(sp.signal_energy[ev == e]).sum() / h[ev == e].sum() for e in ev])
    bound = filter_risk(sp, f=f_group)
    assert opt.risk == pytest.approx(bound, rel=1e-7, abs=1e-12)
    if not reps:
        assert bound == pytest.approx(oracle_risk(sp), rel=1e-12)


def test_optimal_schedule_k_below_distinct_does_not_reach_oracle_generically():
    sp = Spectrum(eigvals=[9.0, 4.0, 1.0], signal_energy=[1.0, 0.0, 0.0], noise=1.0)
    o2, o3 = optimal_schedule(sp, lam=1.0, steps=2), optimal_schedule(sp, lam=1.0, steps=3)
    assert o2.risk > o3.risk * (1 + 1e-6)
    assert o3.risk == pytest.approx(oracle_risk(sp), rel=1e-8)


def test_optimal_schedule_reports_conditioning_for_close_eigenvalues():
    sp = Spectrum(
        eigvals=[1.0, 1.0001, 1.0002, 1.0003], signal_energy=[1.0, 0.0, 2.0, 0.1], noise=1.0
    )
    with pytest.warns(ScheduleConditioningWarning, match="ill-conditioned"):
        opt = optimal_schedule(sp, lam=1.0, steps=4)
    assert opt.max_abs_xi > 1e4 or opt.cond > 1e10
    assert "ill-conditioned" in opt.message


def test_optimal_schedule_errors():
    sp = Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=1.0)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        optimal_schedule(sp, lam=1.0, steps=0)
    with pytest.raises(TypeError, match="problem must be a Spectrum"):
        optimal_schedule([1.0], lam=1.0, steps=1)
    with pytest.raises(ValueError, match="lam must be a real number in"):
        optimal_schedule(sp, lam=-1.0, steps=1)
    with pytest.raises(TypeError, match="xis must be a sequence"):
        multistep_filter([1.0], lam=1.0, xis=None)
    with pytest.raises(ValueError, match="scalar"):
        multistep_filter([1.0], lam=1.0, xis=0.5)
    with pytest.raises(ValueError, match="xis must not contain NaN"):
        multistep_filter([1.0], lam=1.0, xis=[np.nan])
    with pytest.raises(ValueError, match="xis must be finite"):
        multistep_filter([1.0], lam=1.0, xis=[np.inf])


def test_optimal_multistep_k1_matches_optimal_sd_and_beats_ridge():
    sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[4.0, 1.0, 0.25], noise=1.0)
    one = optimal_multistep(sp, steps=1, per_decade=16)
    ref = sd.optimal_sd(sp)
    assert ref.boundary is None
    assert one.risk == pytest.approx(ref.risk, rel=1e-7)
    two = optimal_multistep(sp, steps=2)
    assert two.risk <= one.risk * (1 + 1e-9)
    assert two.ratio_to_ridge >= 1.0


def test_multistep_gain_grows_with_number_of_directions():
    """Pareek et al.: singular values 1..r, θ* on the top direction: ridge/r-step ratio ~ r."""
    ratios = []
    for r in (2, 3, 4):
        ev = np.arange(1, r + 1, dtype=float)[::-1] ** 2
        th = np.zeros(r)
        th[0] = 1.0
        sp = Spectrum(eigvals=ev, signal=th, noise=1.0)
        ridge = sd.optimal_ridge(sp).risk
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScheduleConditioningWarning)
            best = optimal_schedule(sp, lam=1.0, steps=r).risk
        assert best == pytest.approx(oracle_risk(sp), rel=1e-6)
        ratios.append(ridge / best)
    assert ratios[0] < ratios[1] < ratios[2]


# ----------------------------------------------------------------------- ground-truth weighting
@given(seed=seeds, tau=st.integers(1, 12))
def test_ground_truth_filter_closed_form_equals_recursion_and_multistep(seed, tau):
    rng = np.random.default_rng(seed)
    ev = np.exp(rng.uniform(-3, 3, 6))
    lam = float(np.exp(rng.uniform(-2, 2)))
    alpha = float(rng.choice([0.0, 1.0, rng.uniform()]))
    a = ev / (ev + lam)
    b = a.copy()
    for _ in range(tau - 1):
        b = a * ((1 - alpha) * b + alpha)
    np.testing.assert_allclose(
        ground_truth_weighted_filter(ev, lam=lam, alpha=alpha, steps=tau - 1),
        b,
        rtol=RTOL_EXACT,
        atol=1e-15,
    )
    np.testing.assert_allclose(
        multistep_filter(ev, lam=lam, xis=np.full(tau - 1, 1 - alpha)),
        b,
        rtol=RTOL_EXACT,
        atol=1e-15,
    )


@given(seed=seeds)
def test_ground_truth_limit_is_ridge_with_lam_over_alpha_and_gap_formula(seed):
    rng = np.random.default_rng(seed)
    ev = np.exp(rng.uniform(-3, 3, 6))
    lam = float(np.exp(rng.uniform(-2, 2)))
    alpha = float(rng.uniform(0.05, 1.0))
    binf = ground_truth_weighted_filter(ev, lam=lam, alpha=alpha, steps=np.inf)
    np.testing.assert_allclose(binf, ridge_filter(ev, lam=lam / alpha), rtol=1e-14)
    a = ridge_filter(ev, lam=lam)
    rate = ground_truth_convergence_rate(ev, lam=lam, alpha=alpha)
    assert rate == pytest.approx(((1 - alpha) * a).max())
    for tau in (1, 2, 5, 20):
        gap = ground_truth_weighted_filter(ev, lam=lam, alpha=alpha, steps=tau - 1) - binf
        np.testing.assert_allclose(
            gap, ((1 - alpha) * a) ** (tau - 1) * (a - binf), rtol=1e-9, atol=1e-15
        )
        assert (gap >= -1e-15).all()
        assert np.abs(gap).max() <= rate ** (tau - 1) * (a - binf).max() + 1e-15
    # many steps converge to the limit
    np.testing.assert_allclose(
        ground_truth_weighted_filter(ev, lam=lam, alpha=alpha, steps=5000), binf, atol=1e-10
    )
    assert np.all(ground_truth_weighted_filter(ev, lam=lam, alpha=0.0, steps=np.inf) == 0.0)


def test_ground_truth_filter_broadcasts():
    out = ground_truth_weighted_filter(
        [4.0, 1.0], lam=[[0.5], [1.0]], alpha=[0.0, 0.5, 1.0], steps=2
    )
    assert out.shape == (2, 3, 2)
    np.testing.assert_allclose(out[1, 2], ridge_filter([4.0, 1.0], lam=1.0))  # α = 1: ridge forever


def test_sparsification_ratios():
    """Ratios b_j/b_k (d_j > d_k) never fall below the first fit's; monotone in τ for α = 0 only."""
    ev = np.array([10.0, 3.0, 1.0, 0.3, 0.1])
    lam = 0.5
    for alpha in (0.0, 0.1, 0.5, 0.9):
        B = np.array(
            [ground_truth_weighted_filter(ev, lam=lam, alpha=alpha, steps=t) for t in range(29)]
        )
        R = B[:, :-1] / B[:, 1:]
        assert (R >= R[0] * (1 - 1e-12)).all()
        if alpha == 0.0:
            assert (np.diff(R, axis=0) > 0).all()


def test_ground_truth_errors():
    with pytest.raises(ValueError, match=r"alpha .*\[0, 1\]"):
        ground_truth_weighted_filter([1.0], lam=1.0, alpha=1.5, steps=1)
    with pytest.raises(ValueError, match=r"alpha .*\[0, 1\]"):
        ground_truth_weighted_filter([1.0], lam=1.0, alpha=-0.1, steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        ground_truth_weighted_filter([1.0], lam=1.0, alpha=0.5, steps=-1)
    with pytest.raises(ValueError, match="steps must be"):
        ground_truth_weighted_filter([1.0], lam=1.0, alpha=0.5, steps=1.5)
    with pytest.raises(TypeError, match="steps"):
        ground_truth_weighted_filter([1.0], lam=1.0, alpha=0.5, steps=True)
    with pytest.raises(ValueError, match="lam must be > 0"):
        ground_truth_weighted_filter([1.0], lam=0.0, alpha=0.5, steps=1)
    with pytest.raises(ValueError, match="alpha must not contain NaN"):
        ground_truth_weighted_filter([1.0], lam=1.0, alpha=np.nan, steps=1)


# ---------------------------------------------------------------------------- kernel path
@settings(max_examples=25)
@given(
    seed=seeds,
    kind=st.sampled_from(["rbf", "poly", "linear-singular", "wishart"]),
    n=st.integers(4, 14),
    steps=st.integers(1, 7),
    per_step=st.booleans(),
)
def test_kernel_self_distill_equals_repeated_solves(seed, kind, n, steps, per_step):
    rng = np.random.default_rng(seed)
    K = _rand_kernel(rng, n, kind)
    y = rng.standard_normal(n)
    lam = float(np.exp(rng.uniform(-2, 1)))
    alpha = rng.uniform(-1.0, 2.0, steps - 1) if per_step else float(rng.uniform())
    if per_step:  # ξ_t = 1 − α_t on the teacher; steps − 1 distillation steps after it
        fit = kernel_self_distill(K, y, lam=lam, xis=1 - alpha)
    else:
        fit = kernel_self_distill(K, y, lam=lam, xi=1 - alpha, steps=steps - 1)
    A = K + lam * np.eye(n)
    al = np.broadcast_to(alpha, (steps - 1,))
    c = np.linalg.solve(A, y)
    ref = [c]
    for t in range(steps - 1):
        c = np.linalg.solve(A, al[t] * y + (1 - al[t]) * (K @ c))
        ref.append(c)
    ref = np.array(ref)
    scale = max(1.0, np.abs(ref).max())
    np.testing.assert_allclose(fit.coef, ref, rtol=0, atol=RTOL_ITER_SOLVE * scale)
    np.testing.assert_allclose(fit.fitted, ref @ K, rtol=0, atol=RTOL_ITER_SOLVE * scale * n)
    Knew = K[: n // 2]  # cross-kernel of new points (here: some training points)
    np.testing.assert_allclose(
        fit.predict(Knew), ref @ Knew.T, rtol=0, atol=RTOL_ITER_SOLVE * scale * n
    )
    if not per_step:
        if alpha > 0:
            np.testing.assert_allclose(
                fit.limit_coef,
                np.linalg.solve(K + lam / alpha * np.eye(n), y),
                rtol=0,
                atol=RTOL_ITER_SOLVE * scale,
            )
        else:
            assert np.all(fit.limit_coef == 0)
    else:
        assert fit.limit_coef is None


def test_kernel_path_converges_to_limit_and_any_step_from_first_fit():
    x = np.linspace(0, 1, 11)
    K = rbf_kernel(x, gamma=80.0)
    y = np.sin(2 * np.pi * x) + 0.5 * np.random.default_rng(0).standard_normal(11)
    fit = kernel_self_distill(K, y, lam=0.2, xi=0.6, steps=199)
    np.testing.assert_allclose(fit.coef[-1], fit.limit_coef, atol=1e-10)
    # ŷ^(τ) = V B^(τ) A⁻¹ Vᵀ ŷ^(1)
    d, V = np.linalg.eigh(K)
    a = d / (d + 0.2)
    for tau in (2, 5):
        b = ground_truth_weighted_filter(d, lam=0.2, alpha=0.4, steps=tau - 1)
        np.testing.assert_allclose(
            V @ (b / a * (V.T @ fit.fitted[0])), fit.fitted[tau - 1], atol=1e-10
        )


def test_kernel_self_distill_matches_multistep_on_linear_kernel():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((9, 4))
    y = rng.standard_normal(9)
    xis = np.array([1.7, -0.4, 2.2])
    fit = kernel_self_distill(sd.linear_kernel(X), y, lam=0.8, xis=xis)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    for k in range(4):
        q = multistep_filter(s**2, lam=0.8, xis=xis[:k])
        np.testing.assert_allclose(fit.fitted[k], U @ (q * (U.T @ y)), atol=1e-11)


def test_kernel_self_distill_reuses_a_precomputed_eigendecomposition():
    rng = np.random.default_rng(9)
    K = _rand_kernel(rng, 8, "rbf")
    e = sd.kernel_eigen(K)
    for alpha in (0.0, 0.5):
        y = rng.standard_normal(8)
        np.testing.assert_array_equal(
            kernel_self_distill(e, y, lam=0.3, xi=1 - alpha, steps=5).coef,
            kernel_self_distill(K, y, lam=0.3, xi=1 - alpha, steps=5, method="eigh").coef,
        )


def test_kernel_self_distill_errors():
    K = np.eye(3)
    y = np.ones(3)
    with pytest.raises(TypeError, match="xi must be a real number"):
        kernel_self_distill(K, y, lam=1.0, xi=[0.2], steps=2)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        kernel_self_distill(K, y, lam=1.0, xi=0.5, steps=-1)
    with pytest.raises(TypeError, match="steps .* is required"):
        kernel_self_distill(K, y, lam=1.0, xi=0.5)
    with pytest.raises(TypeError, match="exactly one of xi"):
        kernel_self_distill(K, y, lam=1.0, xi=0.5, xis=[0.5], steps=1)
    with pytest.raises(ValueError, match="y must have shape"):
        kernel_self_distill(K, np.ones(4), lam=1.0, xi=0.5, steps=1)
    with pytest.raises(ValueError, match="symmetric"):
        kernel_self_distill(
            np.array([[1.0, 0.5, 0], [0, 1, 0], [0, 0, 1]]), y, lam=1.0, xi=0.0, steps=1
        )
    with pytest.raises(ValueError, match="positive semi-definite"):
        kernel_self_distill(np.diag([1.0, -1.0, 1.0]), y, lam=1.0, xi=0.0, steps=1)
    with pytest.raises(ValueError, match="steps must equal len"):
        kernel_self_distill(K, y, lam=1.0, xis=[], steps=2)  # empty schedule, 2 steps asked
    with pytest.raises(ValueError, match="lam must be a real number in"):
        kernel_self_distill(K, y, lam=0.0, xi=0.0, steps=1)
    fit = kernel_self_distill(K, y, lam=1.0, xi=0.0, steps=1)
    with pytest.raises(ValueError, match="K_new must have shape"):
        fit.predict(np.ones((2, 5)))
    fit = kernel_self_distill(K, y, lam=1.0, xis=[0.5])
    with pytest.raises(ValueError, match="no limit of infinitely many steps"):
        fit.predict_limit(np.ones((2, 3)))
    assert kernel_self_distill(K, y, lam=1.0, xis=[]).coef.shape == (1, 3)  # the teacher only


# ---------------------------------------------------------------------------- optimal α
def test_optimal_alpha_expected_is_the_1d_minimizer_and_can_leave_unit_interval():
    rng = np.random.default_rng(2)
    outside = False
    for noise in (0.0, 0.1, 1.0, 10.0):
        sp = Spectrum(
            eigvals=np.exp(rng.uniform(-2, 2, 6)), signal=rng.standard_normal(6), noise=noise
        )
        lam = 0.7
        a = ridge_filter(sp.eigvals, lam=lam)
        prev = ground_truth_weighted_filter(sp.eigvals, lam=lam, alpha=0.0, steps=2)
        al = optimal_alpha_expected(sp, lam=lam, prev_filter=prev)
        res = optimize.minimize_scalar(lambda t: filter_risk(sp, f=a * (prev + t * (1 - prev))))
        assert al == pytest.approx(res.x, rel=1e-6, abs=1e-7)
        outside |= not (0.0 <= al <= 1.0)
    assert outside  # e.g. no noise: α* > 1 undoes the shrinkage
    path = expected_alpha_path(sp, lam=lam, steps=4)
    assert path.filters.shape == (5, 6) and path.alphas.shape == (4,)
    assert (path.risks[1:] <= path.risks[0] + 1e-14).all()


def test_oracle_alpha_path_is_the_1d_minimizer_on_literal_fits():
    x = np.linspace(0, 1, 11)
    K = rbf_kernel(x, gamma=80.0)
    ys = np.sin(2 * np.pi * x)
    y = ys + 0.5 * np.random.default_rng(4).standard_normal(11)
    p = oracle_alpha_path(K, y, ys, lam=0.2, steps=4)
    A = K + 0.2 * np.eye(11)
    c = np.linalg.solve(A, y)
    for t, al in enumerate(p.alphas):

        def loss(a, c=c):
            return np.mean((K @ np.linalg.solve(A, a * y + (1 - a) * (K @ c)) - ys) ** 2)

        res = optimize.minimize_scalar(loss)
        assert al == pytest.approx(res.x, rel=1e-5, abs=1e-6)
        c = np.linalg.solve(A, al * y + (1 - al) * (K @ c))
        np.testing.assert_allclose(p.coef[t + 1], c, atol=1e-10)
        assert p.risks[t + 1] == pytest.approx(loss(al), rel=1e-10)
    with pytest.raises(ValueError, match="y_star must have shape"):
        oracle_alpha_path(K, y, ys[:5], lam=0.2, steps=2)


# ---------------------------------------------------------------------------- constrained rounds
def _pd_kernel(rng, n, log_spread):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    d = np.exp(rng.uniform(0, log_spread, n))
    return (Q * d) @ Q.T


@settings(max_examples=30)
@given(seed=seeds, n=st.integers(2, 10), spread=st.floats(0.0, 4.0), r0=st.floats(1.05, 12.0))
def test_constrained_rounds_monotone_kkt_and_bounds(seed, n, spread, r0):
    rng = np.random.default_rng(seed)
    K = _pd_kernel(rng, n, spread)
    y = rng.standard_normal(n)
    eps = float(y @ y) / (n * r0**2)
    res = constrained_rounds(K, y, eps=eps)
    T = res.collapse_round
    assert res.multipliers.shape == (T,) and res.norms.shape == (T + 1,)
    assert (np.diff(res.norms) < 0).all()
    assert (np.diff(res.multipliers) > 0).all()
    assert res.norms[-1] ** 2 <= n * eps * (1 + 1e-11) and (res.norms[:-1] ** 2 > n * eps).all()
    # KKT: every round's constraint is active at the returned multiplier (literal solve on K)
    yt = y.copy()
    for t in range(T):
        coef = np.linalg.solve(K + res.multipliers[t] * np.eye(n), yt)
        f = K @ coef
        assert np.mean((f - yt) ** 2) == pytest.approx(eps, rel=1e-9)
        np.testing.assert_allclose(res.coef[t], coef, atol=1e-9 * max(1, np.abs(coef).max()))
        yt = f
    # multiplier bounds d_min/(r_t − 1) ≤ c_t ≤ d_max/(r_t − 1)
    lo, hi = res.multiplier_bounds.T
    assert (lo <= res.multipliers * (1 + 1e-9)).all() and (res.multipliers <= hi * (1 + 1e-9)).all()
    # round bounds
    b = res.bounds
    assert b["lower"] <= T <= b["upper"] <= b["upper_simple"] <= b["upper_kappa"]
    # sparsification: filter ratios for d_j > d_k strictly increase
    if T >= 2:
        d = res.eigvals
        R = res.filters[:, :-1] / res.filters[:, 1:]
        distinct = d[:-1] > d[1:] * (1 + 1e-9)
        assert (np.diff(R[:, distinct], axis=0) > 0).all()


@settings(max_examples=30)
@given(r0=st.floats(1.0001, 50.0), kappa=st.floats(1.0, 1e3))
def test_collapse_round_bound_ordering(r0, kappa):
    b = collapse_round_bounds(r0=r0, kappa=kappa)
    assert b["lower"] <= b["upper"] <= b["upper_simple"] <= b["upper_kappa"]


def test_kappa_one_is_exact():
    for r0 in (1.5, 2.0 + 1e-3, 3.7, 9.2):
        n = 4
        y = np.full(n, 1.0)
        eps = n / (n * r0**2)
        res = constrained_rounds(3.0 * np.eye(n), y, eps=eps)
        np.testing.assert_allclose(res.ratios, r0 - np.arange(res.collapse_round + 1), atol=1e-10)
        assert res.collapse_round == math.ceil(r0 - 1)
        assert res.bounds["lower"] == res.bounds["upper"] == res.collapse_round
        np.testing.assert_allclose(res.multipliers, 3.0 / (res.ratios[:-1] - 1), rtol=1e-10)


def _direct_round(K, yt, eps):
    """min αᵀKα s.t. ‖Kα − y_t‖² ≤ Nε by SLSQP (independent of the root-finding)."""
    n = len(yt)
    if yt @ yt <= n * eps:
        return np.zeros(n)
    cons = {
        "type": "ineq",
        "fun": lambda a: n * eps - np.sum((K @ a - yt) ** 2),
        "jac": lambda a: -2 * K @ (K @ a - yt),
    }
    a0 = np.linalg.solve(K + 1e-3 * np.eye(n), yt)
    res = optimize.minimize(
        lambda a: a @ K @ a,
        a0,
        jac=lambda a: 2 * K @ a,
        constraints=[cons],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    return res.x


def test_constrained_rounds_match_direct_constrained_solves_and_collapse_round():
    rng = np.random.default_rng(7)
    n = 6
    K = _pd_kernel(rng, n, 2.0)
    y = rng.standard_normal(n)
    eps = float(y @ y) / (n * 3.3**2)
    res = constrained_rounds(K, y, eps=eps)
    assert res.collapse_round >= 2
    yt = y.copy()
    for t in range(res.collapse_round + 1):
        a = _direct_round(K, yt, eps)
        if t < res.collapse_round:
            assert np.abs(K @ a).max() > 1e-3  # not collapsed yet
            np.testing.assert_allclose(K @ a, K @ res.coef[t], atol=1e-5)
            yt = K @ res.coef[t]
        else:
            assert np.all(a == 0)  # f ≡ 0 is feasible, hence optimal, exactly at round T
    assert (
        yt @ yt
        <= n * eps
        < (K @ res.coef[res.collapse_round - 2]) @ (K @ res.coef[res.collapse_round - 2])
    )


def test_frozen_multiplier_is_alpha_zero_ground_truth():
    ev = np.array([5.0, 2.0, 0.5])
    lam = 0.7
    cum = np.ones(3)
    for tau in range(1, 6):
        cum = cum * ev / (ev + lam)
        np.testing.assert_allclose(
            ground_truth_weighted_filter(ev, lam=lam, alpha=0.0, steps=tau - 1), cum, rtol=1e-13
        )


def test_constrained_rounds_singular_kernel_and_infeasible():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 2))
    K = sd.linear_kernel(X)  # rank 2
    y = X @ np.array([1.0, -2.0]) + 0.01 * rng.standard_normal(6)
    res = constrained_rounds(K, y, eps=0.05)
    assert (np.diff(res.norms) < 0).all() and (np.diff(res.multipliers) > 0).all()
    assert res.bounds["lower"] <= res.collapse_round <= res.bounds["upper"]
    with pytest.raises(ValueError, match="infeasible"):
        constrained_rounds(K, rng.standard_normal(6) * 10, eps=1e-3)


def test_constrained_rounds_errors_and_immediate_collapse():
    K, y = np.eye(2), np.array([1.0, 1.0])
    for bad in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="eps"):
            constrained_rounds(K, y, eps=bad)
    with pytest.raises(ValueError, match="y must have shape"):
        constrained_rounds(K, np.ones(3), eps=0.1)
    with pytest.raises(ValueError, match="symmetric"):
        constrained_rounds(np.array([[1.0, 1.0], [0.0, 1.0]]), y, eps=0.1)
    with pytest.raises(ValueError, match="positive semi-definite"):
        constrained_rounds(np.array([[1.0, 2.0], [2.0, 1.0]]), y, eps=0.1)
    res = constrained_rounds(K, y, eps=1.0)  # ‖y‖² = Nε: f ≡ 0 at once
    assert res.collapse_round == 0 and res.multipliers.size == 0
    with pytest.raises(ValueError, match=r"r0 must be a real number in \[0, inf\)"):
        collapse_round_bounds(r0=-1.0, kappa=2.0)
    with pytest.raises(ValueError, match=r"kappa must be a real number in \[1, inf\)"):
        collapse_round_bounds(r0=2.0, kappa=0.5)


# ---------------------------------------------------------------------------- numerical regressions
def test_one_step_multistep_risk_agrees_with_sd_risk_without_cancellation():
    """s² ≫ λ: 1 − q is tiny; forming it as 1 − q lost six digits (relative error 1.85e-6)."""
    sp = Spectrum(eigvals=[1e12], signal_energy=[1e6], noise=156.03348937046061)
    ref = sd.sd_risk(sp, lam=80.27, xi=-1000.0)
    assert multistep_risk(sp, lam=80.27, xis=[-1000.0]) == pytest.approx(ref, rel=1e-12, abs=0)
    parts = multistep_risk(sp, lam=80.27, xis=[-1000.0], return_parts=True)
    assert parts.total == pytest.approx(ref, rel=1e-12, abs=0)
    assert parts.bias + parts.variance == pytest.approx(parts.total, rel=1e-15)


@settings(max_examples=40)
@given(seed=seeds, matrix=st.booleans())
def test_one_step_multistep_risk_equals_sd_risk_over_many_decades(seed, matrix):
    rng = np.random.default_rng(seed)
    r = int(rng.integers(1, 5))
    ev = 10.0 ** rng.uniform(-6, 12, r)
    th = rng.standard_normal(r) * 10.0 ** rng.uniform(-3, 3, r)
    kw = {"weights": (lambda W: W @ W.T)(rng.standard_normal((r, r)))} if matrix else {}
    sp = Spectrum(eigvals=ev, signal=th, noise=float(10.0 ** rng.uniform(-3, 3)), **kw)
    lam = float(10.0 ** rng.uniform(-4, 4))
    xi = float(rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-2, 3))
    ref = sd.sd_risk(sp, lam=lam, xi=xi)
    tol = 1e-12 if not matrix else 1e-9  # a matrix weight sums terms of both signs
    assert multistep_risk(sp, lam=lam, xis=[xi]) == pytest.approx(ref, rel=tol, abs=0)
    assert multistep_risk(sp, lam=lam, xis=[xi], return_parts=True).total == pytest.approx(
        ref, rel=tol, abs=0
    )


def test_collapse_round_within_its_bounds_at_a_near_integer_ratio():
    """r₀ = 50 + 1e-9, κ = 1: 50 rounds; the bounds once said 49 ≤ T ≤ 49."""
    res = constrained_rounds(np.eye(2), [math.sqrt(2) * (50 + 1e-9), 0.0], eps=1.0)
    b = res.bounds
    assert b["lower"] <= res.collapse_round <= b["upper"]
    assert res.collapse_round == 50  # r_t = r₀ − t exactly for κ = 1; r_49 = 1 + 1e-9 > 1


@settings(max_examples=60)
@given(
    m=st.integers(1, 60),
    off=st.sampled_from([-1e-7, -1e-9, -1e-12, 0.0, 1e-12, 1e-9, 1e-7]),
    n=st.integers(1, 4),
    scale=st.floats(0.1, 10.0),
)
def test_collapse_round_within_bounds_at_integer_ties_kappa_one(m, off, n, scale):
    y = np.zeros(n)
    y[0] = (m + 1 + off) * math.sqrt(n)  # r₀ = m + 1 + off with ε = 1
    res = constrained_rounds(scale * np.eye(n), y, eps=1.0)
    b = res.bounds
    assert b["lower"] <= res.collapse_round <= b["upper"] <= b["upper_simple"] <= b["upper_kappa"]


@settings(max_examples=30)
@given(
    seed=seeds,
    n=st.integers(2, 6),
    spread=st.floats(0.0, 3.0),
    m=st.integers(1, 15),
    off=st.sampled_from([-1e-9, 0.0, 1e-9]),
)
def test_collapse_round_within_bounds_near_integer_ratios(seed, n, spread, m, off):
    rng = np.random.default_rng(seed)
    K = _pd_kernel(rng, n, spread)
    y = rng.standard_normal(n)
    r0 = m + 1 + off
    res = constrained_rounds(K, y, eps=float(y @ y) / (n * r0**2))
    b = res.bounds
    assert b["lower"] <= res.collapse_round <= b["upper"]


_MULTISTEP_CASES = [
    Spectrum(eigvals=[9.0, 4.0, 1.0], signal_energy=[1.0, 0.0, 0.0], noise=1.0),
    Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[4.0, 1.0, 0.25], noise=1.0),
    Spectrum(eigvals=[16.0, 9.0, 4.0, 1.0], signal_energy=[1.0, 0.0, 0.0, 0.0], noise=1.0),
    Spectrum(eigvals=[1.0, 1.0001], signal_energy=[1.0, 0.5], noise=1.0),
    Spectrum(
        eigvals=[5.0, 2.0, 0.3],
        signal=[1.0, -2.0, 0.5],
        noise=0.3,
        weights=np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 0.5]]),
    ),
]


@pytest.mark.parametrize("case", range(len(_MULTISTEP_CASES)))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_optimal_multistep_risk_does_not_depend_on_per_decade(case, k):
    """The stated tolerance: relative 1e-8 in the risk; never a None schedule; ill-conditioned
    schedules come with a warning (and a message), never silently."""
    sp = _MULTISTEP_CASES[case]
    risks = []
    for per_decade in (2, 4, 8, 16, 32):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            opt = optimal_multistep(sp, steps=k, per_decade=per_decade)
        sched = opt.schedule
        assert sched.xis is not None and np.isfinite(sched.xis).all()
        ill = sched.max_abs_xi > 1e4 or sched.cond > 1e10
        warned = any(issubclass(w.category, ScheduleConditioningWarning) for w in rec)
        assert warned == ill
        assert ("ill-conditioned" in sched.message) == ill
        # the schedule reproduces the reported risk (independent route: the k-step recursion)
        assert multistep_risk(sp, lam=opt.lam, xis=sched.xis) == pytest.approx(opt.risk, rel=1e-6)
        risks.append(opt.risk)
    risks = np.array(risks)
    assert np.ptp(risks) <= 1e-8 * risks.min()


def test_optimal_multistep_flags_a_profile_still_falling_at_the_grid_end():
    sp = _MULTISTEP_CASES[0]  # θ* on the top direction only: the 1-step profile falls as λ → ∞
    opt = optimal_multistep(sp, steps=1, decades=1.0)
    assert opt.boundary == "lam-grid-high"
    assert opt.schedule.xis is not None
