"""Coupled multi-stage SD on the noisy Gaussian mixture: identities, Monte Carlo, known results."""

import numpy as np
import pytest

from sdtheory.classification import (
    gmm_finite_n_error,
    gmm_first_stage,
    gmm_multistage,
    gmm_sd_stage,
    gmm_test_error,
    optimize_gmm_multistage,
)

MODEL = (2.0, 1.0, 0.5)


@pytest.mark.parametrize(
    "alpha, delta, rho, flip, lam, beta, xi",
    [
        (2.0, 1.0, 0.5, 0.2, 1.0, np.inf, 1.0),
        (0.5, 1.0, 0.5, 0.3, 1.0, 4.0, 1.5),
        (2.0, 1.0, 0.3, 0.1, 0.2, 2.0, 0.7),
        (3.0, 0.7, 0.6, 0.25, 0.3, np.inf, -0.5),
    ],
)
def test_two_stages_equal_gmm_sd_stage(alpha, delta, rho, flip, lam, beta, xi):
    # an independent route: gmm_sd_stage solves the second stage with its own closed forms
    r = gmm_multistage(
        alpha, delta, rho, corruption=flip, lam=lam, steps=1, inverse_temperature=beta, xi=xi
    )
    s = gmm_sd_stage(alpha, delta, rho, corruption=flip, lam=lam, inverse_temperature=beta, xi=xi)
    for got, want in [
        (r.m[1], s.m),
        (r.Q[1], s.Q),
        (r.b[1], s.b),
        (r.overlaps[1, 0], s.R),
        (r.test_error[1], s.test_error),
    ]:
        assert got == pytest.approx(want, abs=1e-9)
    assert r.response[1, 0] * delta == pytest.approx(s.kappa, abs=1e-9)
    assert r.reaction[1, 0] == pytest.approx(s.eta, abs=1e-9)


@pytest.mark.parametrize("rho, flip, lam", [(0.5, 0.2, 1.0), (0.3, 0.1, 0.2), (0.7, 0.0, 3.0)])
def test_first_stage_equals_gmm_first_stage(rho, flip, lam):
    r = gmm_multistage(2.5, 0.8, rho, corruption=flip, lam=[lam, 1.0], steps=1)
    f = gmm_first_stage(2.5, 0.8, rho, corruption=flip, lam=lam)
    for q in ("m", "Q", "b", "test_error", "train_error_clean", "train_error_noisy", "chi"):
        assert getattr(r, q)[0] == pytest.approx(getattr(f, q), abs=1e-12), q


def test_stages_do_not_depend_on_later_ones_and_quadrature_converges():
    kw = dict(corruption=0.2, lam=[1.0, 0.7, 1.3, 1.0], inverse_temperature=[3.0, np.inf, 5.0])
    r4 = gmm_multistage(*MODEL, steps=3, xis=[1.0, 0.9, 1.1], **kw)
    r4b = gmm_multistage(*MODEL, xis=[1.0, 0.9, 1.1], n_nodes=30, **kw)  # steps = len(xis)
    kw3 = dict(kw, lam=kw["lam"][:3], inverse_temperature=kw["inverse_temperature"][:2])
    r3 = gmm_multistage(*MODEL, steps=2, xis=[1.0, 0.9], **kw3)
    np.testing.assert_allclose(r4.test_error[:3], r3.test_error, atol=1e-6)
    np.testing.assert_allclose(r4.overlaps[:3, :3], r3.overlaps, atol=1e-6)
    np.testing.assert_allclose(r4.test_error, r4b.test_error, atol=1e-5)
    np.testing.assert_allclose(r4.overlaps, r4b.overlaps, atol=1e-5)


def test_xi_zero_repeats_the_teacher():
    r = gmm_multistage(*MODEL, corruption=0.2, lam=0.8, steps=3, xi=0.0)
    np.testing.assert_allclose(r.m, r.m[0], atol=1e-8)
    np.testing.assert_allclose(r.overlaps, r.Q[0], atol=1e-8)
    np.testing.assert_allclose(r.reaction, 0.0, atol=1e-8)


def test_steps_and_xi_schedule_spellings_agree():
    # steps counts SD steps after the teacher (T = steps + 1 fits), as in simulate_gmm_sd;
    # a scalar xi is the constant schedule xis, and steps defaults to len(xis) (else 1)
    kw = dict(corruption=0.2, lam=1.0, inverse_temperature=2.0)
    a = gmm_multistage(*MODEL, steps=2, xi=0.9, **kw)
    b = gmm_multistage(*MODEL, xis=[0.9, 0.9], **kw)
    c = gmm_multistage(*MODEL, steps=2, xis=(0.9, 0.9), **kw)
    assert a.m.size == 3 and a.xis.tolist() == [0.9, 0.9]
    for r in (b, c):
        np.testing.assert_array_equal(r.test_error, a.test_error)
        np.testing.assert_array_equal(r.overlaps, a.overlaps)
    assert gmm_multistage(*MODEL, **kw).m.size == 2  # default: one step
    assert gmm_multistage(*MODEL, steps=0, **kw).m.size == 1  # the teacher alone


def test_simulator_steps_and_xi_schedule_spellings_agree():
    from sdtheory.simulate import simulate_gmm_multistage

    kw = dict(corruption=0.2, lam=1.0, n_trials=2, seed=5)
    a = simulate_gmm_multistage(12, *MODEL, steps=2, xi=0.9, **kw)
    b = simulate_gmm_multistage(12, *MODEL, xis=[0.9, 0.9], **kw)
    assert list(a.step.unique()) == [0, 1, 2]  # step 0 is the teacher; T = steps + 1 fits
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_result_frame_and_error_formula():
    r = gmm_multistage(*MODEL, corruption=0.2, lam=1.0, steps=2, inverse_temperature=2.0)
    df = r.to_frame()
    assert list(df.step) == [0, 1, 2] and np.isnan(df.inverse_temperature[0])
    want = gmm_test_error(r.m, r.Q, r.b, delta=1.0, rho=0.5)
    np.testing.assert_allclose(r.test_error, want, atol=1e-15)


def test_finite_n_error_second_order():
    # small covariance: E ε ≈ ε + ½ tr(∇²ε C) (finite differences as the independent route)
    m, Q, b = 0.2, 0.15, 0.05
    C = np.array([[4e-5, 1e-5, 0.0], [1e-5, 3e-5, 0.0], [0.0, 0.0, 5e-5]])

    def eps(v):
        return gmm_test_error(v[0], v[1], v[2], delta=1.0, rho=0.4)

    x0 = np.array([m, Q, b])
    h = 1e-3
    Hm = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            ei, ej = np.eye(3)[i] * h, np.eye(3)[j] * h
            Hm[i, j] = (
                eps(x0 + ei + ej) - eps(x0 + ei - ej) - eps(x0 - ei + ej) + eps(x0 - ei - ej)
            ) / (4 * h * h)
    want = eps(x0) + 0.5 * np.trace(Hm @ C)
    got = gmm_finite_n_error(m, Q, b, cov=C, delta=1.0, rho=0.4)
    assert got == pytest.approx(want, abs=2e-7)
    assert gmm_finite_n_error(m, Q, b, cov=np.zeros((3, 3)), delta=1.0, rho=0.4) == pytest.approx(
        eps(x0), abs=1e-14
    )


def test_optimizer_never_worse_than_default_choice():
    # ρ = 1/2: the teacher's error keeps falling as λ grows, so λ_1 ends at the upper bound 10
    # (and, as measured, so do the scale-free hard-label steps): one warning per stage
    with pytest.warns(UserWarning) as rec:
        opt = optimize_gmm_multistage(*MODEL, corruption=0.2, steps=2, n_grid=7)  # λ = 1 on grid
    msgs = [str(w.message) for w in rec]
    assert msgs == [
        f"optimize_gmm_multistage: lam of stage {t} is at the upper bound 10 of lam_bounds; "
        "the optimum may lie beyond it"
        for t in ("1 (teacher)", "2 (step 1)", "3 (step 2)")
    ]
    np.testing.assert_allclose(opt.lam, 10.0, rtol=1e-3)
    assert opt.test_error[0] <= gmm_first_stage(*MODEL, corruption=0.2, lam=1.0).test_error
    for t in (2, 3):
        # the same earlier stages with (λ_t, β_t) = (1, ∞), a point of the search
        lam = list(opt.lam[: t - 1]) + [1.0]
        beta = list(opt.inverse_temperature[: t - 2]) + [np.inf]
        ref = gmm_multistage(*MODEL, corruption=0.2, lam=lam, steps=t - 1, inverse_temperature=beta)
        assert opt.test_error[t - 1] <= ref.test_error[t - 1] + 1e-12


def test_known_results_as_measured():
    # hard pseudo-labels denoise: at corruption 0.2 every further stage lowers the error here,
    # with diminishing returns (most of the gain comes from the first SD stage)
    r = gmm_multistage(*MODEL, corruption=0.2, lam=1.0, steps=3)
    d = -np.diff(r.test_error)
    assert (d > 0).all() and d[0] > 5 * d[1] > 0 and d[1] > d[2]
    # the gain of one hard SD stage is largest at a moderate sample ratio
    gains = [
        gmm_multistage(a, 1.0, 0.5, corruption=0.2, lam=1.0, steps=1).test_error
        for a in (0.2, 2.0, 50.0)
    ]
    g = [e[0] - e[1] for e in gains]
    assert g[1] > g[0] and g[1] > g[2]
    # stopping early helps with hard labels when there is little noise to remove: at corruption
    # 0.1 and M/N = 8 the second stage is best and stages 3, 4 undo part of its gain
    e = gmm_multistage(8.0, 1.0, 0.5, corruption=0.1, lam=1.0, steps=3).test_error
    assert np.argmin(e) == 1 and e[3] > e[2] > e[1]
    # without label noise, hard pseudo-labels hurt at every stage (nothing to denoise), while
    # soft ones (β = 2) still help at this non-optimal λ (a retuning of the regularization)
    clean = gmm_multistage(*MODEL, corruption=0.0, lam=1.0, steps=2).test_error
    assert clean[2] > clean[1] > clean[0]
    soft = gmm_multistage(*MODEL, corruption=0.0, lam=1.0, steps=2, inverse_temperature=2.0)
    assert soft.test_error[1] < soft.test_error[0]


def test_monte_carlo_small_with_the_one_lambda_simulator():
    # default-run variant: the older simulate_gmm_sd (one λ and ξ for all stages, Cholesky
    # solves) is an independent simulator; N = 400 at a moderate margin, 16 datasets
    from sdtheory.simulate import simulate_gmm_sd
    from sdtheory.simulate._common import mean_se

    th = gmm_multistage(*MODEL, corruption=0.2, lam=1.0, steps=2)
    out = simulate_gmm_sd(
        400, *MODEL, corruption=0.2, lam=1.0, steps=2, n_trials=16, seed=3, batch_size=8
    )
    for t in range(3):
        g = out[out.step == t]
        for q in ("m", "Q", "b", "test_error", "train_error_clean"):
            ms = mean_se(g[q].to_numpy())
            want = getattr(th, q)[t]
            assert abs(ms.mean - want) <= 4 * ms.se, (t + 1, q, want, ms.mean, ms.se)


@pytest.mark.slow
def test_monte_carlo_n1000_four_stages():
    from sdtheory.checks.multistage import multistage_rows
    from sdtheory.testing import bonferroni_z

    rows = multistage_rows(1000, 3, 24, ("hard", "soft"), seed=4)
    # one family of len(rows) comparisons, held to the false-alarm rate of a single |z| <= 4
    # (Bonferroni, as sdtheory.testing.assert_matches_monte_carlo does by default)
    z_max = bonferroni_z(4.0, m=len(rows))
    for r in rows:
        z = (r["mc_mean"] - r["theory"]) / r["mc_se"]
        assert abs(z) <= z_max, (r["problem"], r["quantity"], r["theory"], r["mc_mean"], z)
