"""Deterministic equivalents of SD in the proportional regime: κ, the recipe, isotropic
closed forms, the curvature test and input validation. Independent routes: a literal numeric
transcription of the stepwise recipe, scipy brentq for κ, finite differences of the
two-penalty cross risk F(λ₁, λ₂), the explicit isotropic formulas, and expanded vs weighted
spectra."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize

import sdtheory as sdt
import sdtheory.asymptotics as asy

from ._tol import RTOL_EXACT, RTOL_FD, RTOL_KAPPA

COLS = ["kappa", "R", "C", "R_pd", "D", "xi_star", "R_sd"]


# ---------------------------------------------------------------------------- helpers
def stepwise_recipe_numeric(s, e, w, gamma, sigma2, lam):
    """Steps 1–6 of the stepwise recipe, transcribed literally (κ by scipy brentq)."""
    out = []
    for lm in np.atleast_1d(lam):

        def h(k):
            return k - lm - gamma * k * np.sum(w * s / (s + k))

        k = optimize.brentq(h, lm, lm + gamma * np.sum(w * s), xtol=1e-300, rtol=1e-15)
        g = 1.0 / (s + k)
        t = {j: gamma * np.sum(w * s**2 * g**j) for j in (2, 3, 4)}
        q = {j: np.sum(e * s * g**j) for j in (2, 3, 4)}
        b = 1 / (1 - t[2])
        u2, u3, u4 = t[2] * b, t[3] * b**3, t[4] * b**4 + 2 * t[3] ** 2 * b**5
        E = k - b * lm + b**2 * k * lm * t[3]
        a4 = b**3 * k**2 * lm**2
        a3 = 2 * b**2 * k * lm * E
        a2 = b * E**2 + b**4 * k**2 * lm**2 * t[4] + b**5 * k**2 * lm**2 * t[3] ** 2
        Q2 = k**2 * b * q[2]
        Q3 = 2 * k * b * E * q[2] + 2 * k**2 * b**2 * lm * q[3]
        Q4 = a2 * q[2] + a3 * q[3] + a4 * q[4]
        R = sigma2 + Q2 + sigma2 * u2
        C = sigma2 + 2 * Q2 - Q3 / 2 + sigma2 * (u2 - lm * u3)
        Rpd = sigma2 + 4 * Q2 - 2 * Q3 + Q4 + sigma2 * (u2 - 2 * lm * u3 + lm**2 * u4)
        D = R + Rpd - 2 * C
        out.append((k, R, C, Rpd, D, (R - C) / D, R - (R - C) ** 2 / D))
    return np.array(out)


def cross_risk(s, e, w, gamma, sigma2, lam1, lam2):
    """Two-penalty cross risk F(λ₁, λ₂) (deterministic equivalent), κ by brentq."""
    ks = []
    for lm in (lam1, lam2):
        ks.append(
            optimize.brentq(
                lambda k: k - lm - gamma * k * np.sum(w * s / (s + k)),
                lm,
                lm + gamma * np.sum(w * s),
                xtol=1e-300,
                rtol=1e-15,
            )
        )
    k1, k2 = ks
    g1, g2 = 1 / (s + k1), 1 / (s + k2)
    T = gamma * np.sum(w * s**2 * g1 * g2)
    return (k1 * k2 * np.sum(e * s * g1 * g2) + sigma2) / (1 - T)


def aniso():
    s = np.array([10.0, 3.0, 1.0, 0.3])
    e = np.array([1.0, 0.5, 0.1, 0.0])
    w = np.array([0.1, 0.2, 0.3, 0.4])
    return s, e, w


# ---------------------------------------------------------------------------- κ
@given(
    log_lam=st.floats(-6, 6),
    log_gamma=st.floats(-2, 2),
    spread=st.floats(0, 3),
    frac=st.floats(0.01, 0.99),
)
def test_kappa_converges_on_full_range(log_lam, log_gamma, spread, frac):
    lam, gamma = 10.0**log_lam, 10.0**log_gamma
    s = np.array([10.0**spread, 1.0, 10.0**-spread])
    w = np.array([frac / 2, frac / 2, 1 - frac])
    k = asy.solve_kappa(s, aspect_ratio=gamma, lam=lam, weights=w)
    assert k >= lam
    resid = k - lam - gamma * k * np.sum(w * s / (s + k))
    assert abs(resid) <= RTOL_KAPPA * k
    ref = optimize.brentq(
        lambda x: x - lam - gamma * x * np.sum(w * s / (s + x)),
        lam,
        lam + gamma * np.sum(w * s),
        xtol=1e-300,
        rtol=1e-15,
    )
    assert k == pytest.approx(ref, rel=RTOL_KAPPA)


@given(log_lam=st.floats(-6, 6), log_gamma=st.floats(-2, 2))
def test_isotropic_kappa_matches_solver(log_lam, log_gamma):
    lam, gamma = 10.0**log_lam, 10.0**log_gamma
    assert asy.isotropic_kappa(aspect_ratio=gamma, lam=lam) == pytest.approx(
        asy.solve_kappa([1.0], aspect_ratio=gamma, lam=lam), rel=RTOL_KAPPA
    )


def test_kappa_vectorized_matches_scalar():
    s, _, w = aniso()
    lam = np.geomspace(1e-6, 1e6, 37)
    vec = asy.solve_kappa(s, aspect_ratio=3.0, lam=lam, weights=w)
    one = [asy.solve_kappa(s, aspect_ratio=3.0, lam=x, weights=w) for x in lam]
    np.testing.assert_allclose(vec, one, rtol=RTOL_EXACT)
    assert vec.shape == lam.shape


def test_kappa_limits():
    # γ < 1, λ → 0: κ ≈ λ/(1 − γ); γ > 1 isotropic: κ → γ − 1
    assert asy.solve_kappa([1.0], aspect_ratio=0.5, lam=1e-9) == pytest.approx(2e-9, rel=1e-6)
    assert asy.solve_kappa([1.0], aspect_ratio=3.0, lam=1e-9) == pytest.approx(2.0, rel=1e-6)
    # λ → ∞: κ ≈ λ
    assert asy.solve_kappa([1.0, 2.0], aspect_ratio=2.0, lam=1e8) == pytest.approx(1e8, rel=1e-7)


# ---------------------------------------------------------------------------- recipe
@pytest.mark.parametrize("gamma", [0.2, 1.0, 4.0])
@pytest.mark.parametrize("sigma2", [0.0, 0.5, 3.0])
def test_recipe_matches_literal_stepwise_transcription(gamma, sigma2):
    s, e, w = aniso()
    lam = np.geomspace(1e-3, 1e2, 11)
    got = asy.asymptotic_risks(s, e, noise=sigma2, aspect_ratio=gamma, lam=lam, weights=w)[
        COLS
    ].to_numpy()
    ref = stepwise_recipe_numeric(s, e, w, gamma, sigma2, lam)
    # D and ξ* of the literal recipe are differences of nearly equal risks: compare on the
    # risk scale
    scale = np.maximum(1.0, np.abs(ref[:, 1]))[:, None]
    np.testing.assert_allclose(got[:, :5], ref[:, :5], rtol=0, atol=1e-9 * scale.max())
    np.testing.assert_allclose(got[:, 6], ref[:, 6], rtol=1e-9)


@pytest.mark.parametrize("gamma", [0.3, 2.5])
def test_recipe_equals_derivatives_of_two_penalty_cross_risk(gamma):
    """R − C = −λ∂_{λ₂}F and D = λ²∂²_{λ₁λ₂}F on the diagonal (finite differences)."""
    s, e, w = aniso()
    sigma2 = 0.8
    for lam in (0.05, 0.7, 6.0):
        df = asy.asymptotic_risks(s, e, noise=sigma2, aspect_ratio=gamma, lam=lam, weights=w).iloc[
            0
        ]
        F = lambda a, b: cross_risk(s, e, w, gamma, sigma2, a, b)
        h = 1e-4 * lam
        dF2 = (F(lam, lam + h) - F(lam, lam - h)) / (2 * h)
        d2F = (
            F(lam + h, lam + h) - F(lam + h, lam - h) - F(lam - h, lam + h) + F(lam - h, lam - h)
        ) / (4 * h * h)
        assert df.R == pytest.approx(F(lam, lam), rel=RTOL_EXACT)
        assert df.R - df.C == pytest.approx(-lam * dF2, rel=1e-6, abs=1e-9)
        assert df.D == pytest.approx(lam**2 * d2F, rel=1e-5)


@given(
    log_lam=st.floats(-3, 3), gamma=st.floats(0.05, 10), sigma2=st.floats(0, 5), r2=st.floats(0, 5)
)
def test_isotropic_formulas_equal_general_recipe(log_lam, gamma, sigma2, r2):
    lam = 10.0**log_lam
    a = asy.isotropic_asymptotics(aspect_ratio=gamma, noise=sigma2, signal_norm_sq=r2, lam=lam)[
        COLS
    ].to_numpy()[0]
    b = asy.asymptotic_risks([1.0], [r2], noise=sigma2, aspect_ratio=gamma, lam=lam)[
        COLS
    ].to_numpy()[0]
    scale = max(1.0, abs(b[1]))
    np.testing.assert_allclose(a[:6], b[:6], rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(a[6], b[6], rtol=1e-9)


def test_isotropic_sign_change_at_ridge_optimum():
    gamma, sigma2, r2 = 0.6, 1.5, 2.0
    lam_star = gamma * sigma2 / r2
    lam = np.array([0.5 * lam_star, lam_star, 2 * lam_star])
    df = asy.isotropic_asymptotics(aspect_ratio=gamma, noise=sigma2, signal_norm_sq=r2, lam=lam)
    assert df.xi_star[0] > 0 and df.xi_star[2] < 0
    assert df.xi_star[1] == pytest.approx(0.0, abs=1e-14)
    # λ* minimizes R̄ (independent: bounded scalar search on R̄)
    res = optimize.minimize_scalar(
        lambda t: asy.isotropic_asymptotics(
            aspect_ratio=gamma, noise=sigma2, signal_norm_sq=r2, lam=np.exp(t)
        ).R[0],
        bounds=(np.log(lam_star) - 2, np.log(lam_star) + 2),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert np.exp(res.x) == pytest.approx(lam_star, rel=1e-4)


def test_derivative_identity_R_minus_C():
    """R̄ − C̄ = −λR̄'(λ)/2 (finite difference of R̄ alone)."""
    s, e, w = aniso()
    lam = np.geomspace(1e-2, 1e2, 9)
    h = 1e-5
    up = asy.asymptotic_risks(
        s, e, noise=1.0, aspect_ratio=0.7, lam=lam * (1 + h), weights=w
    ).R.to_numpy()
    dn = asy.asymptotic_risks(
        s, e, noise=1.0, aspect_ratio=0.7, lam=lam * (1 - h), weights=w
    ).R.to_numpy()
    dR = (up - dn) / (2 * h * lam)
    df = asy.asymptotic_risks(s, e, noise=1.0, aspect_ratio=0.7, lam=lam, weights=w)
    np.testing.assert_allclose((df.R - df.C).to_numpy(), -lam * dR / 2, rtol=RTOL_FD, atol=1e-10)


def test_weighted_spectrum_equals_expanded():
    s, e, w = asy.two_level_spectrum(
        high=8.0, low=0.5, frac_high=0.25, signal_high=1.2, signal_low=0.3
    )
    # the same spectrum with p = 8: 2 high, 6 low eigenvalues, energy spread evenly
    s8 = np.array([8.0] * 2 + [0.5] * 6)
    e8 = np.array([0.6] * 2 + [0.05] * 6)
    lam = np.geomspace(1e-3, 1e3, 13)
    a = asy.asymptotic_risks(s, e, noise=0.9, aspect_ratio=1.7, lam=lam, weights=w)[COLS].to_numpy()
    b = asy.asymptotic_risks(s8, e8, noise=0.9, aspect_ratio=1.7, lam=lam)[COLS].to_numpy()
    np.testing.assert_allclose(a, b, rtol=RTOL_EXACT)


def test_user_covariance_is_rotation_invariant():
    rng = np.random.default_rng(3)
    p = 12
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    s = rng.uniform(0.2, 5, p)
    beta_eig = rng.standard_normal(p)
    cov = Q @ np.diag(s) @ Q.T
    s2, e2, w2 = asy.spectrum_from_cov(cov, Q @ beta_eig)
    lam = [0.01, 0.3, 4.0]
    a = asy.asymptotic_risks(s2, e2, noise=1.0, aspect_ratio=0.8, lam=lam, weights=w2)[
        COLS
    ].to_numpy()
    b = asy.asymptotic_risks(s, beta_eig**2, noise=1.0, aspect_ratio=0.8, lam=lam)[COLS].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-9)


def test_power_law_spectrum_and_basic_inequalities():
    s, e, w = asy.power_law_spectrum(200, decay=1.0, signal_decay=1.5, signal_norm_sq=2.0)
    assert e.sum() == pytest.approx(2.0)
    df = asy.asymptotic_risks(s, e, noise=0.5, aspect_ratio=2.0, lam=np.geomspace(1e-5, 1e5, 41))
    assert (df.D >= 0).all() and (df.gain >= -1e-15).all()
    assert (df.R_sd <= df.R + 1e-15).all() and (df.R_sd >= 0.5).all()
    assert np.isfinite(df.to_numpy()).all()


def test_moments_table():
    s, e, w = aniso()
    m = asy.asymptotic_moments(s, e, aspect_ratio=0.7, lam=[0.1, 1.0], weights=w)
    k = m.kappa.to_numpy()[:, None]
    g = 1 / (s + k)
    np.testing.assert_allclose(m.t3, 0.7 * (w * s**2 * g**3).sum(1), rtol=RTOL_EXACT)
    np.testing.assert_allclose(m.q4, (e * s * g**4).sum(1), rtol=RTOL_EXACT)
    np.testing.assert_allclose(m.b, 1 / (1 - m.t2), rtol=1e-12)


def test_no_signal_no_noise_gives_zero():
    df = asy.asymptotic_risks([1.0, 2.0], [0.0, 0.0], noise=0.0, aspect_ratio=0.5, lam=[0.1, 1.0])
    assert (df.R == 0).all() and (df.D == 0).all() and (df.xi_star == 0).all()


# ---------------------------------------------------------------------------- beating ridge
def test_isotropic_never_beats_ridge_and_curvature_is_marginal():
    res = asy.compare_sd_vs_ridge([1.0], [1.0], noise=1.0, aspect_ratio=0.5)
    assert res.lam_ridge == pytest.approx(0.5, rel=1e-6)
    assert abs(res.relative_gain) < 1e-8
    ct = res.curvature
    assert not ct.sd_beats_ridge
    assert ct.D == pytest.approx(ct.curvature_bound, rel=1e-5)  # equality in the isotropic model


def test_anisotropic_global_gain_and_curvature_agree():
    s, e, w = asy.two_level_spectrum(
        high=10.0, low=1.0, frac_high=0.1, signal_high=1.0, signal_low=0.0
    )
    res = asy.compare_sd_vs_ridge(s, e, noise=1.0, aspect_ratio=0.5, weights=w)
    ct = asy.curvature_test(s, e, noise=1.0, aspect_ratio=0.5, weights=w)
    assert ct.sd_beats_ridge and ct.D < ct.curvature_bound
    assert res.R_sd < res.R_ridge and res.relative_gain > 0.1
    # independent: a brute-force (λ, ξ) grid on the quadratic never beats the reported optimum
    lam = np.geomspace(1e-3, 1e3, 400)
    df = asy.asymptotic_risks(s, e, noise=1.0, aspect_ratio=0.5, lam=lam, weights=w)
    xi = np.linspace(-5, 5, 401)
    E = (
        df.R.to_numpy()[:, None]
        - 2 * xi * (df.R - df.C).to_numpy()[:, None]
        + xi**2 * df.D.to_numpy()[:, None]
    )
    assert E.min() >= res.R_sd - 1e-12
    assert E.min() == pytest.approx(res.R_sd, rel=1e-3)
    assert df.R.min() >= res.R_ridge - 1e-12


@given(
    hi=st.floats(1.5, 50),
    frac=st.floats(0.05, 0.95),
    sh=st.floats(0, 2),
    sl=st.floats(0, 2),
    sigma2=st.floats(0.1, 3),
    gamma=st.floats(0.1, 5),
)
def test_curvature_test_is_sufficient(hi, frac, sh, sl, sigma2, gamma):
    s, e, w = asy.two_level_spectrum(
        high=hi, low=1.0, frac_high=frac, signal_high=sh, signal_low=sl
    )
    if sh + sl == 0:
        return
    res = asy.compare_sd_vs_ridge(
        s, e, noise=sigma2, aspect_ratio=gamma, weights=w, lam_range=(1e-6, 1e6), per_decade=20
    )
    assert res.R_sd <= res.R_ridge + 1e-12
    if res.curvature.sd_beats_ridge:
        assert res.R_sd < res.R_ridge


def test_curvature_test_edge_optimum_raises():
    # no noise: the ridge optimum is λ → 0
    with pytest.raises(ValueError, match="edge of lam_range"):
        asy.curvature_test([1.0, 2.0], [1.0, 1.0], noise=0.0, aspect_ratio=0.5)


# ---------------------------------------------------------------------------- scale helpers
def test_lambda_scale_conversion():
    assert asy.lam_to_fixed_design(0.25, n=40) == 10.0
    np.testing.assert_allclose(
        asy.lam_to_mse_scale(asy.lam_to_fixed_design([0.1, 2.0], n=7), n=7), [0.1, 2.0]
    )
    with pytest.raises(TypeError, match="n must be"):
        asy.lam_to_fixed_design(1.0, n=2.5)
    with pytest.raises(ValueError, match="n must be"):
        asy.lam_to_mse_scale(1.0, n=0)
    with pytest.raises(ValueError, match="lam"):
        asy.lam_to_mse_scale(-1.0, n=3)


def test_public_reexports():
    for name in (
        "asymptotic_risks",
        "isotropic_asymptotics",
        "solve_kappa",
        "curvature_test",
        "compare_sd_vs_ridge",
        "lam_to_fixed_design",
        "lam_to_mse_scale",
    ):
        assert getattr(sdt, name) is getattr(asy, name)


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: asy.asymptotic_risks([1.0], [1.0], noise=1.0, aspect_ratio=0.5, lam=-1.0),
            ValueError,
            "lam",
        ),
        (
            lambda: asy.asymptotic_risks([1.0], [1.0], noise=1.0, aspect_ratio=0.5, lam=np.nan),
            ValueError,
            "lam",
        ),
        (
            lambda: asy.asymptotic_risks([1.0], [1.0], noise=1.0, aspect_ratio=0.5, lam=[[1.0]]),
            ValueError,
            "lam",
        ),
        (
            lambda: asy.asymptotic_risks([1.0], [1.0], noise=1.0, aspect_ratio=0.0, lam=1.0),
            ValueError,
            "aspect_ratio",
        ),
        (
            lambda: asy.asymptotic_risks([1.0], [1.0], noise=1.0, aspect_ratio=[1.0, 2.0], lam=1.0),
            TypeError,
            "aspect_ratio",
        ),
        (
            lambda: asy.asymptotic_risks([1.0], [1.0], noise=-1.0, aspect_ratio=0.5, lam=1.0),
            ValueError,
            "noise",
        ),
        (
            lambda: asy.asymptotic_risks([1.0, 2.0], [1.0], noise=1.0, aspect_ratio=0.5, lam=1.0),
            ValueError,
            "signal_energy",
        ),
        (
            lambda: asy.asymptotic_risks([-1.0], [1.0], noise=1.0, aspect_ratio=0.5, lam=1.0),
            ValueError,
            "cov_eigvals",
        ),
        (
            lambda: asy.asymptotic_risks([0.0], [1.0], noise=1.0, aspect_ratio=0.5, lam=1.0),
            ValueError,
            "cov_eigvals",
        ),
        (
            lambda: asy.asymptotic_risks([], [], noise=1.0, aspect_ratio=0.5, lam=1.0),
            ValueError,
            "cov_eigvals",
        ),
        (
            lambda: asy.asymptotic_risks([1.0], [-1.0], noise=1.0, aspect_ratio=0.5, lam=1.0),
            ValueError,
            "signal_energy",
        ),
        (
            lambda: asy.asymptotic_risks(
                [1.0, 2.0], [1.0, 1.0], noise=1.0, aspect_ratio=0.5, lam=1.0, weights=[0.3, 0.3]
            ),
            ValueError,
            "weights",
        ),
        (
            lambda: asy.asymptotic_risks([1.0], [1.0], noise="a", aspect_ratio=0.5, lam=1.0),
            TypeError,
            "noise",
        ),
        (
            lambda: asy.isotropic_asymptotics(
                aspect_ratio=0.5, noise=1.0, signal_norm_sq=-1.0, lam=1.0
            ),
            ValueError,
            "signal_norm_sq",
        ),
        (
            lambda: asy.isotropic_asymptotics(
                aspect_ratio=-0.5, noise=1.0, signal_norm_sq=1.0, lam=1.0
            ),
            ValueError,
            "aspect_ratio",
        ),
        (
            lambda: asy.isotropic_asymptotics(
                aspect_ratio=0.5, noise=1.0, signal_norm_sq=1.0, lam=0.0
            ),
            ValueError,
            "lam",
        ),
        (lambda: asy.solve_kappa([1.0], aspect_ratio=0.5, lam=-1.0), ValueError, "lam"),
        (lambda: asy.solve_kappa([1.0], aspect_ratio=np.inf, lam=1.0), ValueError, "aspect_ratio"),
        (
            lambda: asy.two_level_spectrum(
                high=1.0, low=2.0, frac_high=1.0, signal_high=1.0, signal_low=1.0
            ),
            ValueError,
            "frac_high",
        ),
        (lambda: asy.power_law_spectrum(0, decay=1.0, signal_decay=1.0), ValueError, "p must"),
        (lambda: asy.spectrum_from_cov([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0]), ValueError, "cov"),
        (lambda: asy.spectrum_from_cov(np.eye(2), [1.0]), ValueError, "theta_star"),
        (
            lambda: asy.compare_sd_vs_ridge(
                [1.0], [1.0], noise=1.0, aspect_ratio=0.5, lam_range=(2.0, 1.0)
            ),
            ValueError,
            "lam_range",
        ),
        (
            lambda: asy.curvature_test(
                [1.0], [1.0], noise=1.0, aspect_ratio=0.5, lam_range=(0.0, 1.0)
            ),
            ValueError,
            "lam_range",
        ),
    ],
)
def test_bad_input_raises_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@given(
    log_lam=st.floats(-6, 6),
    log_gamma=st.floats(-2, 2),
    sigma2=st.floats(0, 10),
    spread=st.floats(0, 3),
    e_top=st.floats(0, 5),
)
def test_risks_finite_and_ordered_on_full_range(log_lam, log_gamma, sigma2, spread, e_top):
    s = np.array([10.0**spread, 1.0, 10.0**-spread])
    e = np.array([e_top, 0.5, 0.1])
    df = asy.asymptotic_risks(
        s, e, noise=sigma2, aspect_ratio=10.0**log_gamma, lam=10.0**log_lam
    ).iloc[0]
    assert np.isfinite(df[COLS].to_numpy(float)).all()
    assert df.D >= 0 and df.gain >= 0
    assert df.R_sd <= df.R * (1 + 1e-12)
    assert df.R_sd >= sigma2 * (1 - 1e-12)  # no estimator beats the noise floor
    assert df.R_pd >= sigma2 * (1 - 1e-12) and df.R >= sigma2


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: asy.asymptotic_moments([1.0], [1.0], aspect_ratio=0.5, lam=-1.0),
            ValueError,
            "lam",
        ),
        (
            lambda: asy.asymptotic_moments([1.0], [1.0, 2.0], aspect_ratio=0.5, lam=1.0),
            ValueError,
            "signal_energy",
        ),
        (
            lambda: asy.compare_sd_vs_ridge(
                [1.0], [1.0], noise=1.0, aspect_ratio=0.5, per_decade=1
            ),
            ValueError,
            "per_decade",
        ),
        (
            lambda: asy.curvature_test([1.0], [1.0], noise=-1.0, aspect_ratio=0.5),
            ValueError,
            "noise",
        ),
        (lambda: asy.isotropic_kappa(aspect_ratio=0.0, lam=1.0), ValueError, "aspect_ratio"),
        (lambda: asy.isotropic_kappa(aspect_ratio=1.0, lam=-1.0), ValueError, "lam"),
        (
            lambda: asy.two_level_spectrum(
                high=-1.0, low=1.0, frac_high=0.5, signal_high=1.0, signal_low=1.0
            ),
            ValueError,
            "high",
        ),
        (
            lambda: asy.two_level_spectrum(
                high=1.0, low=1.0, frac_high=0.5, signal_high=-1.0, signal_low=1.0
            ),
            ValueError,
            "signal_high",
        ),
        (lambda: asy.power_law_spectrum(10, decay=-1.0, signal_decay=1.0), ValueError, "decay"),
        (
            lambda: asy.power_law_spectrum(10, decay=1.0, signal_decay=np.nan),
            ValueError,
            "signal_decay",
        ),
        (
            lambda: asy.solve_kappa([1.0], aspect_ratio=0.5, lam=1.0, weights=[2.0]),
            ValueError,
            "weights",
        ),
    ],
)
def test_more_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@given(gamma=st.floats(0.05, 10), sigma2=st.floats(0.05, 5), r2=st.floats(0.05, 5))
def test_isotropic_sd_never_beats_best_ridge(gamma, sigma2, r2):
    """Isotropic ridge at λ = γσ²/r² is Bayes-optimal for a rotation-invariant prior, so the
    optimal-SD profile never drops below it (checked on a dense grid, independent of the search)."""
    lam = np.geomspace(1e-4, 1e4, 801)
    df = asy.isotropic_asymptotics(aspect_ratio=gamma, noise=sigma2, signal_norm_sq=r2, lam=lam)
    best_ridge = asy.isotropic_asymptotics(
        aspect_ratio=gamma, noise=sigma2, signal_norm_sq=r2, lam=gamma * sigma2 / r2
    ).R[0]
    assert df.R_sd.min() >= best_ridge * (1 - 1e-12)


# ---------------------------------------------------------------------------- numerical regressions
def test_tiny_lambda_xi_star_matches_isotropic_closed_form():
    """R̄ − C̄ used to lose digits as λ → 0 (ξ̄* = −0.99999247 vs −1.0000000000275 here)."""
    args = dict(noise=0.0, aspect_ratio=196.9, lam=[5.34e-9])
    gen = asy.asymptotic_risks([1.0], [0.5326], **args).xi_star.iloc[0]
    iso = asy.isotropic_asymptotics(signal_norm_sq=0.5326, **args).xi_star.iloc[0]
    assert gen == pytest.approx(iso, rel=1e-12)
    assert iso == pytest.approx(-1.0000000000275, rel=1e-12)
    # a sweep of tiny λ and γ on both sides of 1, with and without noise
    for gamma in (0.3, 1.0, 5.0, 200.0):
        for sigma2 in (0.0, 0.7):
            lam = np.geomspace(1e-10, 1e-4, 7)
            a = asy.asymptotic_risks([1.0], [0.8], noise=sigma2, aspect_ratio=gamma, lam=lam)
            b = asy.isotropic_asymptotics(
                aspect_ratio=gamma, noise=sigma2, signal_norm_sq=0.8, lam=lam
            )
            np.testing.assert_allclose(a.xi_star, b.xi_star, rtol=1e-10)


def _iso_reference(gamma, sigma2, r2, lam):
    """R̄ and R̄*_sd of the isotropic closed form in 50-digit arithmetic (mpmath)."""
    import mpmath as mp

    mp.mp.dps = 50
    L, G, s2, r = (mp.mpf(x) for x in (lam, gamma, sigma2, r2))
    k = (L + G - 1 + mp.sqrt((1 - L - G) ** 2 + 4 * L)) / 2
    u = 1 + k
    P = r * ((u - G) ** 2 + G * k * k) + G * s2 * (u * u + G)
    R = s2 + (G * s2 + k * k * r) / (u * u - G)
    N = L * u**3 * (G * s2 - L * r) / (u * u - G) ** 3
    D = L * L * u**4 * P / (u * u - G) ** 5
    return float(R), float(R - N * N / D)


@pytest.mark.parametrize(
    "gamma, sigma2, r2, lam",
    [
        (0.0625, 0.0, 1.0, 1e-3),
        (0.125, 0.0, 1.0, 10**-2.9375),
        (0.5, 1e-8, 2.0, 1e-4),
        (3.0, 0.5, 1.0, 2.0),
    ],
)
def test_optimal_sd_risk_has_no_cancellation(gamma, sigma2, r2, lam):
    """R̄*_sd far below R̄ (σ² = 0, small λ): both routes keep full relative precision."""
    R, R_sd = _iso_reference(gamma, sigma2, r2, lam)
    a = asy.isotropic_asymptotics(aspect_ratio=gamma, noise=sigma2, signal_norm_sq=r2, lam=lam)
    b = asy.asymptotic_risks([1.0], [r2], noise=sigma2, aspect_ratio=gamma, lam=lam)
    for df in (a, b):
        assert df.R.iloc[0] == pytest.approx(R, rel=1e-13)
        assert df.R_sd.iloc[0] == pytest.approx(R_sd, rel=1e-12)


def test_risks_scale_with_signal_and_noise_without_underflow():
    s, e, w = aniso()
    lam = [0.01, 1.0]
    ref = asy.asymptotic_risks(s, e, noise=0.8, aspect_ratio=0.7, lam=lam, weights=w)
    for c in (1e-300, 1e-150, 1e150):
        df = asy.asymptotic_risks(s, e * c, noise=0.8 * c, aspect_ratio=0.7, lam=lam, weights=w)
        for q in ("R", "C", "R_pd", "D", "R_sd", "gain"):
            np.testing.assert_allclose(df[q] / c, ref[q], rtol=1e-12)
        np.testing.assert_allclose(df.xi_star, ref.xi_star, rtol=1e-12)
        iso = asy.isotropic_asymptotics(aspect_ratio=0.7, noise=0.8 * c, signal_norm_sq=c, lam=lam)
        ref_iso = asy.isotropic_asymptotics(
            aspect_ratio=0.7, noise=0.8, signal_norm_sq=1.0, lam=lam
        )
        np.testing.assert_allclose(iso.R_sd / c, ref_iso.R_sd, rtol=1e-12)
