"""Finite-sample SD identities, one-shot ξ̂ and K-fold CV. Independent routes: direct
linear solves of the teacher/student, analytic and finite-difference R'(λ), the fixed-design
theory of ``sdtheory.ridge`` (other code), Monte Carlo over label noise. The data functions take
the summed-loss λ; the dense routes below work on the mean-loss scale λ/n."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sdtheory as sdt
import sdtheory.asymptotics as tun

from ._tol import RTOL_EXACT, RTOL_FD, RTOL_IDENTITY, Z


def make_data(n, p, seed, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.3, 2.0, p)
    beta = rng.standard_normal(p) / np.sqrt(p)
    y = X @ beta + np.sqrt(noise) * rng.standard_normal(n)
    return X, y, beta, rng


def direct(X, y, beta_t, lam, W, sigma2):
    """Teacher, pure-distilled, risks and R'(λ) by dense solves (no SVD)."""
    n, p = X.shape
    Sh = X.T @ X / n
    A = Sh + lam * np.eye(p)
    bt = np.linalg.solve(A, X.T @ y / n)
    bpd = np.linalg.solve(A, Sh @ bt)
    dbt = -np.linalg.solve(A, bt)  # dβ_λ/dλ
    risk = lambda b: (b - beta_t) @ W @ (b - beta_t) + sigma2
    R = risk(bt)
    C = (bt - beta_t) @ W @ (bpd - beta_t) + sigma2
    Rp = 2 * (bt - beta_t) @ W @ dbt
    return bt, bpd, R, C, risk(bpd), Rp, risk


@given(
    n=st.integers(5, 40),
    p=st.integers(2, 40),
    seed=st.integers(0, 10_000),
    log_lam=st.floats(-2, 1.5),
    shift=st.booleans(),
    cov_kind=st.sampled_from(["I", "diag", "full"]),
)
def test_identities_on_random_data(n, p, seed, log_lam, shift, cov_kind):
    X, y, beta, rng = make_data(n, p, seed)
    lam = 10.0**log_lam
    sigma2 = 0.7
    if cov_kind == "I":
        W, tc = np.eye(p), np.ones(p)
    elif cov_kind == "diag":
        tc = rng.uniform(0.1, 3, p)
        W = np.diag(tc)
    else:
        G = rng.standard_normal((p, p))
        tc = W = G @ G.T / p
    bt_test = beta + (0.3 * rng.standard_normal(p) if shift else 0.0)
    df = tun.finite_sample_sd(
        X, y, beta, lam=n * lam, noise=sigma2, test_cov=tc, test_signal=bt_test if shift else None
    ).iloc[0]
    bt, bpd, R, C, Rpd, Rp, risk = direct(X, y, bt_test, lam, W, sigma2)
    scale = max(R, 1.0)
    assert df.R == pytest.approx(R, rel=RTOL_IDENTITY)
    assert df.C == pytest.approx(C, rel=0, abs=RTOL_IDENTITY * scale)
    assert df.R_pd == pytest.approx(Rpd, rel=RTOL_IDENTITY)
    D = (bt - bpd) @ W @ (bt - bpd)
    assert df.D == pytest.approx(D, rel=1e-9, abs=RTOL_IDENTITY * scale)
    # ξ* = (R − C)/D = −λR'(λ)/(2D), with R' from the analytic derivative (independent route)
    assert df.R - df.C == pytest.approx(-lam * Rp / 2, rel=1e-9, abs=RTOL_IDENTITY * scale)
    if D > 1e-8 * scale:
        assert df.xi_star == pytest.approx(-lam * Rp / (2 * D), rel=1e-7, abs=1e-9)
        # the student fitted as ridge on the mixed target ξXβ_λ + (1 − ξ)y, at ξ* and around
        for xi in (df.xi_star, df.xi_star + 0.5, -1.0, 2.0):
            Sh = X.T @ X / n
            target = xi * X @ bt + (1 - xi) * y
            bs = np.linalg.solve(Sh + lam * np.eye(p), X.T @ target / n)
            quad = df.R - 2 * xi * (df.R - df.C) + xi**2 * df.D
            assert risk(bs) == pytest.approx(
                quad, rel=1e-9, abs=RTOL_IDENTITY * scale * (1 + xi * xi)
            )
        assert df.R_sd == pytest.approx(df.R - (df.R - df.C) ** 2 / df.D, rel=RTOL_IDENTITY)
        assert df.gain == pytest.approx((df.R - df.R_sd), rel=1e-9, abs=RTOL_IDENTITY * scale)


def test_derivative_identity_by_finite_differences():
    X, y, beta, _ = make_data(30, 50, 7)
    lam = np.geomspace(0.01, 10, 7)
    h = 1e-5
    n, W = X.shape[0], np.ones(X.shape[1])
    up = tun.finite_sample_sd(X, y, beta, lam=n * lam * (1 + h), noise=1.0, test_cov=W).R.to_numpy()
    dn = tun.finite_sample_sd(X, y, beta, lam=n * lam * (1 - h), noise=1.0, test_cov=W).R.to_numpy()
    dR = (up - dn) / (2 * h * lam)
    df = tun.finite_sample_sd(X, y, beta, lam=n * lam, noise=1.0, test_cov=W)
    np.testing.assert_allclose(df.xi_star, -lam * dR / (2 * df.D), rtol=RTOL_FD * 10)


def test_vectorized_equals_scalar_calls():
    X, y, beta, _ = make_data(25, 10, 1)
    lam = np.array([0.01, 0.5, 3.0])
    vec = tun.finite_sample_sd(X, y, beta, lam=lam, noise=0.5, test_cov=np.eye(10))
    for i, lm in enumerate(lam):
        one = tun.finite_sample_sd(X, y, beta, lam=lm, noise=0.5, test_cov=np.eye(10))
        np.testing.assert_allclose(
            vec.iloc[i].to_numpy(), one.iloc[0].to_numpy(), rtol=1e-13, atol=1e-15
        )


@pytest.mark.parametrize("n, p", [(40, 15), (20, 35)])
def test_noise_average_equals_fixed_design_theory(n, p):
    """average="noise" vs sdtheory.ridge._risk on Spectrum.from_design(weights=W), λ_fixed = n·λ."""
    X, y, beta, rng = make_data(n, p, 11)
    G = rng.standard_normal((p, p))
    W = G @ G.T / p
    lam = np.array([0.02, 0.4, 5.0])
    df = tun.finite_sample_sd(X, None, beta, lam=n * lam, noise=1.3, test_cov=W, average="noise")
    sp = sdt.Spectrum.from_design(X, beta, 1.3, weights=W)
    q = sdt.sd_quadratic(sp, lam=sdt.lam_to_fixed_design(lam, n=n))
    np.testing.assert_allclose(df.R - 1.3, q.R, rtol=RTOL_EXACT)
    np.testing.assert_allclose(df.R - df.C, q.N, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(df.D, q.D, rtol=1e-9)
    np.testing.assert_allclose(df.xi_star, sdt.optimal_xi(sp, lam=lam * n), rtol=1e-8)


def test_noise_average_equals_mc_over_noise():
    X, _, beta, rng = make_data(30, 12, 5)
    lam = np.array([0.05, 1.0])
    exact = tun.finite_sample_sd(
        X, None, beta, lam=30 * lam, noise=2.0, test_cov=np.ones(12), average="noise"
    )
    draws = []
    for _ in range(1500):
        y = X @ beta + np.sqrt(2.0) * rng.standard_normal(30)
        draws.append(
            tun.finite_sample_sd(X, y, beta, lam=30 * lam, noise=2.0, test_cov=np.ones(12))[
                ["R", "C", "R_pd", "D"]
            ].to_numpy()
        )
    draws = np.array(draws)
    m, se = draws.mean(0), draws.std(0, ddof=1) / np.sqrt(draws.shape[0])
    assert np.all(np.abs(m - exact[["R", "C", "R_pd", "D"]].to_numpy()) <= Z * se)


# ---------------------------------------------------------------------------- one-shot
def one_shot_direct(X, y, lam):
    n, p = X.shape
    Sh = X.T @ X / n
    A = Sh + lam * np.eye(p)
    M = np.linalg.solve(A, Sh)
    bt = np.linalg.solve(A, X.T @ y / n)
    bpd = M @ bt
    df1, df2 = np.trace(M) / n, np.trace(M @ M) / n
    r1, r2 = y - X @ bt, y - X @ bpd
    Ah = (r1 @ r1 / n) / (1 - df1) ** 2
    Bh = (r2 @ r2 / n) / (1 - df2) ** 2
    Ch = (r1 @ r2 / n) / ((1 - df1) * (1 - df2))
    return (Ah - Ch) / (Ah + Bh - 2 * Ch), (Ah * Bh - Ch**2) / (Ah + Bh - 2 * Ch)


@pytest.mark.parametrize("n, p", [(60, 20), (30, 50)])
def test_one_shot_gcv_matches_dense_note_formula(n, p):
    X, y, _, _ = make_data(n, p, 3)
    lam = np.array([0.05, 0.5, 4.0])
    df = tun.one_shot_xi(X, y, lam=n * lam, method="gcv")
    for i, lm in enumerate(lam):
        xi, rsd = one_shot_direct(X, y, lm)
        assert df.xi_hat[i] == pytest.approx(xi, rel=1e-9)
        assert df.R_sd_hat[i] == pytest.approx(rsd, rel=1e-9)
    assert {"xi_se", "R_sd_se"} <= set(df.columns)
    assert "xi_se" not in tun.one_shot_xi(X, y, lam=n * lam, uncertainty="none").columns


def gcv_cross(X, y, l1, l2):
    """Two-penalty GCV cross estimator F̂(λ₁, λ₂) by dense solves."""
    n, p = X.shape
    Sh = X.T @ X / n
    out = []
    for lm in (l1, l2):
        A = Sh + lm * np.eye(p)
        r = y - X @ np.linalg.solve(A, X.T @ y / n)
        d = 1 - np.trace(np.linalg.solve(A, Sh)) / n
        out.append((r, d))
    (r1, d1), (r2, d2) = out
    return (r1 @ r2 / n) / (d1 * d2)


@pytest.mark.parametrize("n, p", [(60, 20), (30, 50)])
def test_one_shot_corrected_is_derivative_of_two_penalty_gcv(n, p):
    """R̂ = F̂(λ, λ), R̂ − Ĉ = −λ∂₂F̂, D̂ = λ²∂²₁₂F̂ (finite differences of dense F̂)."""
    X, y, _, _ = make_data(n, p, 3)
    lam = np.array([0.05, 0.5, 4.0])
    df = tun.one_shot_xi(X, y, lam=n * lam)
    for i, lm in enumerate(lam):
        F = lambda a, b: gcv_cross(X, y, a, b)
        h = 1e-4 * lm
        dF2 = (F(lm, lm + h) - F(lm, lm - h)) / (2 * h)
        d2F = (F(lm + h, lm + h) - F(lm + h, lm - h) - F(lm - h, lm + h) + F(lm - h, lm - h)) / (
            4 * h * h
        )
        assert df.R_hat[i] == pytest.approx(F(lm, lm), rel=1e-9)
        assert df.R_hat[i] - df.C_hat[i] == pytest.approx(-lm * dF2, rel=1e-5, abs=1e-8)
        assert df.D_hat[i] == pytest.approx(lm**2 * d2F, rel=1e-4, abs=1e-8)
        assert df.xi_hat[i] == pytest.approx((df.R_hat[i] - df.C_hat[i]) / df.D_hat[i], rel=1e-12)


def test_one_shot_delta_se_vs_spread_over_datasets():
    """The delta-method SE is of the order of the spread of ξ̂ over independent datasets."""
    p, n, lam = 50, 100, np.array([0.1, 0.3, 1.0, 3.0])
    ses, xis = [], []
    rng = np.random.default_rng(0)
    beta = rng.standard_normal(p) / np.sqrt(p)
    for _ in range(40):
        X = rng.standard_normal((n, p))
        y = X @ beta + rng.standard_normal(n)
        df = tun.one_shot_xi(X, y, lam=n * lam)
        ses.append(df.xi_se.to_numpy())
        xis.append(df.xi_hat.to_numpy())
    ratio = np.median(ses, 0) / np.std(xis, 0, ddof=1)
    # it ignores design fluctuation, so only the order of magnitude is claimed (observed 0.7–1.5)
    assert np.all((ratio > 0.33) & (ratio < 3.0)), ratio


# ---------------------------------------------------------------------------- K-fold CV
def test_cv_matches_naive_refits():
    X, y, _, _ = make_data(50, 12, 9)
    lam = np.array([0.1, 1.0])
    xi = np.array([-0.5, 0.0, 1.0, 2.5])
    df = tun.cv_xi(X, y, lam=50 * lam, folds=5, xi=xi, seed=4)
    perm = np.random.default_rng(4).permutation(50)
    parts = np.array_split(perm, 5)
    grid = np.zeros((2, 4))
    for te in parts:
        tr = np.setdiff1d(perm, te)
        Xtr, ytr = X[tr], y[tr]
        ntr = tr.size
        for i, lm in enumerate(lam):
            A = Xtr.T @ Xtr / ntr + lm * np.eye(12)
            bt = np.linalg.solve(A, Xtr.T @ ytr / ntr)
            for j, x in enumerate(xi):
                bs = np.linalg.solve(A, Xtr.T @ (x * Xtr @ bt + (1 - x) * ytr) / ntr)
                grid[i, j] += ((y[te] - X[te] @ bs) ** 2).sum()
    grid /= 50
    np.testing.assert_allclose(df.attrs["grid"], grid, rtol=1e-10)
    # the closed-form ξ_cv minimizes the exact CV quadratic
    for i in range(2):
        fine = np.linspace(df.xi_cv[i] - 1, df.xi_cv[i] + 1, 201)
        q = (
            df.cv_R[i]
            - 2 * fine * (df.cv_R[i] - df.cv_C[i])
            + fine**2 * (df.cv_R[i] + df.cv_R_pd[i] - 2 * df.cv_C[i])
        )
        assert q.min() >= df.cv_R_sd[i] - 1e-12
    assert df.attrs["best"]["cv_error"] == pytest.approx(grid.min())


# ---------------------------------------------------------------------------- validation
X0, y0, b0, _ = make_data(10, 4, 0)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: tun.finite_sample_sd(X0, y0, b0, lam=-1.0, noise=1.0, test_cov=np.ones(4)),
            ValueError,
            "lam",
        ),
        (
            lambda: tun.finite_sample_sd(X0, y0, b0, lam=np.nan, noise=1.0, test_cov=np.ones(4)),
            ValueError,
            "lam",
        ),
        (
            lambda: tun.finite_sample_sd(X0, y0[:5], b0, lam=1.0, noise=1.0, test_cov=np.ones(4)),
            ValueError,
            "y must have length",
        ),
        (
            lambda: tun.finite_sample_sd(X0, y0, b0[:3], lam=1.0, noise=1.0, test_cov=np.ones(4)),
            ValueError,
            "theta_star",
        ),
        (
            lambda: tun.finite_sample_sd(X0, y0, b0, lam=1.0, noise=-1.0, test_cov=np.ones(4)),
            ValueError,
            "noise",
        ),
        (
            lambda: tun.finite_sample_sd(X0, y0, b0, lam=1.0, noise=1.0, test_cov=np.eye(3)),
            ValueError,
            "test_cov",
        ),
        (
            lambda: tun.finite_sample_sd(X0, y0, b0, lam=1.0, noise=1.0, test_cov=-np.eye(4)),
            ValueError,
            "test_cov",
        ),
        (
            lambda: tun.finite_sample_sd(
                X0, y0, b0, lam=1.0, noise=1.0, test_cov=np.ones(4), test_signal=[1.0]
            ),
            ValueError,
            "test_signal",
        ),
        (
            lambda: tun.finite_sample_sd(
                X0, y0, b0, lam=1.0, noise=1.0, test_cov=np.ones(4), average="mean"
            ),
            ValueError,
            "average",
        ),
        (
            lambda: tun.finite_sample_sd(X0, None, b0, lam=1.0, noise=1.0, test_cov=np.ones(4)),
            TypeError,
            "y must",
        ),
        (
            lambda: tun.finite_sample_sd(
                np.zeros((0, 4)), y0, b0, lam=1.0, noise=1.0, test_cov=np.ones(4)
            ),
            ValueError,
            "X",
        ),
        (
            lambda: tun.finite_sample_sd(
                np.zeros((10, 4)), y0, b0, lam=1.0, noise=1.0, test_cov=np.ones(4)
            ),
            ValueError,
            "rank 0",
        ),
        (lambda: tun.one_shot_xi(X0, y0, lam=0.0), ValueError, "lam"),
        (lambda: tun.one_shot_xi(X0[0], y0, lam=1.0), ValueError, "X must be 2-D"),
        (lambda: tun.one_shot_xi(X0, y0, lam=1.0, uncertainty="boot"), ValueError, "uncertainty"),
        (lambda: tun.one_shot_xi(X0, y0, lam=1.0, method="loo"), ValueError, "method"),
        (lambda: tun.one_shot_xi(X0, "y", lam=1.0), TypeError, "y"),
        (lambda: tun.cv_xi(X0, y0, lam=1.0, folds=1), ValueError, "folds"),
        (lambda: tun.cv_xi(X0, y0, lam=1.0, folds=11), ValueError, "folds"),
        (lambda: tun.cv_xi(X0, y0, lam=1.0, folds=2.0), TypeError, "folds"),
        (lambda: tun.cv_xi(X0, y0, lam=1.0, seed=-1), ValueError, "seed"),
        (lambda: tun.cv_xi(X0, y0, lam=1.0, xi=[np.inf]), ValueError, "xi"),
    ],
)
def test_bad_input_raises_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---------------------------------------------------------------------------- SE calibration
def _coverage_problem(rng, n_max):
    """A random problem: n ≶ p, isotropic / power-law / two-level spectrum, random λ."""
    n = int(rng.integers(60, n_max))
    p = int(rng.integers(10, n_max))
    kind = rng.integers(3)
    if kind == 0:
        s = np.ones(p)
    elif kind == 1:
        s = np.arange(1, p + 1) ** -rng.uniform(0, 1.5)
    else:
        s = np.where(rng.random(p) < 0.2, rng.uniform(2, 20), 1.0)
    theta = rng.standard_normal(p) * np.sqrt(rng.uniform(0.1, 2) / p) * s ** rng.uniform(-0.5, 0.5)
    sigma2 = rng.uniform(0.1, 3)
    X = rng.standard_normal((n, p)) * np.sqrt(s)
    y = X @ theta + np.sqrt(sigma2) * rng.standard_normal(n)
    return X, y, theta, sigma2, s, n * 10 ** rng.uniform(-2, 1)


def one_shot_coverage(problems, seed, n_max):
    """Fraction of problems where ξ̂ ± 2·SE covers the realised best ξ: the exact optimum of the
    fixed-design risk E‖θ̂ − θ*‖²_Σ of the realised X, from the ridge theory (independent code)."""
    rng = np.random.default_rng(seed)
    hits = []
    for _ in range(problems):
        X, y, theta, sigma2, s, lam = _coverage_problem(rng, n_max)
        est = tun.one_shot_xi(X, y, lam=lam).iloc[0]
        sp = sdt.Spectrum.from_design(X, theta, sigma2, weights=np.diag(s))
        best = float(sdt.optimal_xi(sp, lam=lam))
        hits.append(abs(est.xi_hat - best) <= 2 * est.xi_se)
    return np.mean(hits)


def test_one_shot_se_is_calibrated_fast():
    assert one_shot_coverage(60, seed=11, n_max=160) >= 0.9


@pytest.mark.slow
def test_one_shot_se_is_calibrated():
    assert one_shot_coverage(300, seed=12, n_max=400) >= 0.9
