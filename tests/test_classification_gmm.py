"""Gaussian mixture with flipped labels: first-stage theory vs the published equations and Monte
Carlo; the SD-stage pattern from converged Monte Carlo."""

import numpy as np
import pytest

from sdtheory.classification import gmm_bayes_error, gmm_first_stage, gmm_test_error
from sdtheory.classification._gmm import _published_fixed_point
from tests._tol import RTOL_EXACT, Z


def _kw(case):
    """(sample_ratio, delta, rho, corruption, lam) -> model args, keyword args."""
    return case[:3], {"corruption": case[3], "lam": case[4]}


CASES = [  # (sample_ratio, delta, rho, corruption, lam)
    (2.0, 1.0, 0.5, 0.2, 0.5),
    (1.5, 1.0, 0.3, 0.1, 0.2),
    (0.5, 1.0, 0.5, 0.2, 0.1),
    (3.0, 0.7, 0.7, 0.3, 1.0),
]


@pytest.mark.parametrize("case", CASES)
def test_closed_form_equals_published_fixed_point(case):
    mod, kw = _kw(case)
    r = gmm_first_stage(*mod, **kw)
    m, Q, b, chi = _published_fixed_point(*case)
    np.testing.assert_allclose([r.m, r.Q, r.b, r.chi], [m, Q, b, chi], rtol=1e-9, atol=1e-12)


def test_identities_and_limits():
    a = np.array([0.3, 1.0, 4.0, 50.0])
    r = gmm_first_stage(a, 1.0, 0.4, corruption=0.15, lam=0.3)
    assert (r.Q >= r.m**2).all()  # Cauchy–Schwarz: (wᵀμ)²/N ≤ ‖w‖²/N
    assert np.all(np.diff(r.test_error) < 0)  # more data, lower error
    # θ = 1/2: labels carry no information, m = 0, b = 0
    r5 = gmm_first_stage(2.0, 1.0, 0.3, corruption=0.5, lam=0.3)
    assert abs(r5.m) < 1e-15 and abs(r5.b) < 1e-15
    # broadcasting equals pointwise
    for i, ai in enumerate(a):
        ri = gmm_first_stage(ai, 1.0, 0.4, corruption=0.15, lam=0.3)
        np.testing.assert_allclose(
            [ri.m, ri.Q, ri.test_error], [r.m[i], r.Q[i], r.test_error[i]], rtol=RTOL_EXACT
        )
    # test-error formula: symmetric case is H(m/√(ΔQ))
    from scipy.stats import norm

    assert np.isclose(
        gmm_test_error(0.3, 0.2, 0.0, delta=1.5, rho=0.5), norm.sf(0.3 / np.sqrt(0.3))
    )
    # the clean teacher never beats the Bayes reference (ρ = 1/2)
    for lam in [0.01, 0.1, 1.0, 10.0]:
        assert gmm_first_stage(
            2.0, 1.0, 0.5, corruption=0.0, lam=lam
        ).test_error >= gmm_bayes_error(2.0, 1.0)
    # ρ ≠ 1/2: optimal threshold is at least as good as b = 0
    s = np.sqrt(1.0 * (1 + 1.0 / 2.0))
    e0 = 0.3 * norm.sf(1 / s) + 0.7 * norm.sf(1 / s)
    assert gmm_bayes_error(2.0, 1.0, 0.3) <= e0


def test_bayes_reference_by_optimal_ridge_limit():
    # clean labels, ρ = 1/2: the optimal-λ squared-loss teacher reaches the Bayes error
    lams = np.geomspace(1e-3, 1e3, 400)
    best = gmm_first_stage(2.0, 1.0, 0.5, corruption=0.0, lam=lams).test_error.min()
    np.testing.assert_allclose(best, gmm_bayes_error(2.0, 1.0), rtol=1e-4)


def _mc_vs_theory(N, cases, n_seeds, seed=0, stages=0):
    from sdtheory.simulate import gmm_sd_summary

    for case in cases:
        mod, kw = _kw(case)
        th = gmm_first_stage(*mod, **kw)
        df = gmm_sd_summary(N, *mod, **kw, steps=stages, n_trials=n_seeds, seed=seed, batch_size=8)
        for q in ["m", "Q", "b", "test_error", "train_error_clean"]:
            row = df[(df.step == 0) & (df.quantity == q)].iloc[0]
            t = getattr(th, q)
            assert abs(row["mean"] - t) <= Z * row.se, (case, q, row["mean"], t, row.se)


def test_first_stage_matches_monte_carlo_small():
    # one compiled shape (N = 300, M = 600, one SD stage: shared with the SD-stage test below)
    # for both ρ = 1/2 and ρ ≠ 1/2; stage 0 is the teacher
    _mc_vs_theory(300, [(2.0, 1.0, 0.5, 0.2, 0.5), (2.0, 1.0, 0.3, 0.1, 0.2)], n_seeds=16, stages=1)


@pytest.mark.slow
@pytest.mark.parametrize("N", [1000, 2000])
def test_first_stage_matches_monte_carlo(N):
    _mc_vs_theory(N, CASES, n_seeds=8, seed=1)


@pytest.mark.slow
def test_sd_hard_labels_help_most_at_moderate_alpha():
    from sdtheory.simulate import gmm_sd_summary

    gains = {}
    for a in [0.25, 1.0, 4.0, 16.0]:
        df = gmm_sd_summary(
            400,
            a,
            1.0,
            0.5,
            corruption=0.2,
            lam=1.0,
            steps=1,
            inverse_temperature=np.inf,
            n_trials=8,
        )
        row = df[df.quantity == "gain"].iloc[0]
        gains[a] = (row["mean"], row.se)
    mid = max(gains[1.0], gains[4.0])
    for edge in (0.25, 16.0):
        se = np.hypot(mid[1], gains[edge][1])
        assert mid[0] - gains[edge][0] > Z * se, gains
    assert mid[0] > Z * mid[1]


@pytest.mark.slow
def test_sd_monte_carlo_converges_in_N():
    from sdtheory.simulate import gmm_sd_convergence

    df = gmm_sd_convergence(
        [250, 500, 1000],
        2.0,
        1.0,
        0.5,
        corruption=0.2,
        lam=1.0,
        steps=2,
        inverse_temperature=np.inf,
        n_trials_at={250: 16, 500: 8, 1000: 4},
    )
    te = df[df.quantity == "test_error"].set_index(["N", "step"])
    for st in (1, 2):
        a, b = te.loc[(500, st)], te.loc[(1000, st)]
        assert abs(a["mean"] - b["mean"]) <= Z * np.hypot(a.se, b.se)
    # seed-to-seed spread shrinks like 1/√N
    sd = {n: te.loc[(n, 1)].se * np.sqrt(te.loc[(n, 1)].n) for n in (250, 1000)}
    assert sd[1000] < sd[250]


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(sample_ratio=0.0), "sample_ratio"),
        (dict(delta=-1.0), "delta"),
        (dict(rho=1.0), "rho"),
        (dict(corruption=1.5), "corruption"),
        (dict(lam=0.0), "lam"),
        (dict(loss="hinge"), "loss"),
        (dict(sample_ratio=float("nan")), "sample_ratio"),
    ],
)
def test_first_stage_validation(kw, match):
    base = dict(sample_ratio=2.0, delta=1.0, rho=0.5, corruption=0.2, lam=0.5)
    base.update(kw)
    with pytest.raises(ValueError, match=match):
        gmm_first_stage(**base)


def test_other_validation():
    with pytest.raises(ValueError, match="Q"):
        gmm_test_error(0.1, 0.0, 0.0, delta=1.0, rho=0.5)
    with pytest.raises(ValueError, match="rho"):
        gmm_bayes_error(1.0, 1.0, 0.0)
    from sdtheory.simulate import simulate_gmm_sd

    for kw, match in [
        (dict(n_features=1), "n_features"),
        (dict(inverse_temperature=0.0), "inverse_temperature"),
        (dict(n_trials=1), "n_trials"),
        (dict(steps=-1), "steps"),
        (dict(corruption=2.0), "corruption"),
        (dict(batch_size=0), "batch_size"),
    ]:
        base = dict(n_features=20, sample_ratio=2.0, delta=1.0, rho=0.5, corruption=0.2, lam=0.5)
        base.update(kw)
        with pytest.raises(ValueError, match=match):
            simulate_gmm_sd(**base)


@pytest.mark.slow
def test_one_sd_stage_beats_teacher_only_above_a_flip_rate():
    from sdtheory.simulate import gmm_sd_corruption_scan

    tab, wins = gmm_sd_corruption_scan(
        300,
        2.0,
        1.0,
        0.5,
        corruptions=[0.0, 0.25],
        lam=1.0,
        n_trials=16,
        batch_size=16,
        inverse_temperature=np.inf,
    )
    clean, noisy = tab.iloc[0], tab.iloc[1]
    assert clean.gain < -Z * clean.gain_se  # clean labels: hard pseudo-labels only lose
    assert noisy.gain > Z * noisy.gain_se  # θ = 0.25: one SD stage wins
    assert wins == [(0.25, 0.25)]


# ----------------------------------------------------------------------------- one SD stage
def test_sd_stage_with_xi_zero_repeats_the_teacher():
    from sdtheory.classification import gmm_sd_stage

    for case in CASES:
        mod, kw = _kw(case)
        r = gmm_sd_stage(*mod, **kw, xi=0.0)
        t = r.teacher
        np.testing.assert_allclose(
            [r.m, r.Q, r.b, r.R, r.test_error],
            [t.m, t.Q, t.b, t.Q, t.test_error],
            rtol=1e-10,
            atol=1e-13,
        )


def test_sd_stage_soft_quadrature_tends_to_hard_closed_form():
    from sdtheory.classification import gmm_sd_stage

    # β → ∞: tanh(βh/2) → sign(h); quadrature (soft) vs closed form (hard). The soft route only
    # converges like 1/β (the φ' spike is resolved by the 161-node rule only for moderate β),
    # so compare at β = 30 with a tolerance set by the β = 15 → 30 change.
    hard = gmm_sd_stage(2.0, 1.0, 0.4, corruption=0.2, lam=1.0)
    s15 = gmm_sd_stage(2.0, 1.0, 0.4, corruption=0.2, lam=1.0, inverse_temperature=15.0)
    s30 = gmm_sd_stage(2.0, 1.0, 0.4, corruption=0.2, lam=1.0, inverse_temperature=30.0)
    for q in ("m", "Q", "b", "test_error"):
        d30 = abs(getattr(s30, q) - getattr(hard, q))
        d15 = abs(getattr(s15, q) - getattr(hard, q))
        assert d30 < d15 or d30 < 1e-6, q


def test_reaction_trace_identity_on_a_finite_matrix():
    # κ uses (Δ/N) tr(R XᵀX R) = Δ(χ + λχ')/2 with R = (XᵀX + 2λ)^{-1}, x_μ = √Δ z_μ/√N
    from sdtheory.classification import gmm_first_stage

    N, alpha, delta, lam = 600, 2.0, 1.0, 0.5
    rng = np.random.default_rng(0)
    X = np.sqrt(delta / N) * rng.standard_normal((int(alpha * N), N))
    ev = np.linalg.eigvalsh(X.T @ X)
    lhs = delta * np.mean(ev / (ev + 2 * lam) ** 2)
    h = 1e-5
    chi = gmm_first_stage(alpha, delta, 0.5, corruption=0.0, lam=lam).chi
    dchi = (
        gmm_first_stage(alpha, delta, 0.5, corruption=0.0, lam=lam + h).chi
        - gmm_first_stage(alpha, delta, 0.5, corruption=0.0, lam=lam - h).chi
    ) / (2 * h)
    rhs = delta * (chi + lam * dchi) / 2
    # finite-N fluctuation of a normalized trace is O(1/N)
    assert abs(lhs - rhs) < 5.0 / N * rhs
    assert abs(delta * np.mean(1 / (ev + 2 * lam)) - delta * chi / 2) < 5.0 / N * chi


def _sd_mc_vs_theory(N, cases, n_seeds, seed):
    from sdtheory.classification import gmm_sd_stage
    from sdtheory.simulate import simulate_gmm_sd

    for beta, case in cases:
        mod, kw = _kw(case)
        r = gmm_sd_stage(*mod, **kw, inverse_temperature=beta)
        out = simulate_gmm_sd(
            N,
            *mod,
            **kw,
            steps=1,
            inverse_temperature=beta,
            n_trials=n_seeds,
            seed=seed,
            batch_size=8,
        )
        stage1 = out[out.step == 1].sort_values("trial")
        for q in ("m", "Q", "b", "test_error"):
            v = stage1[q].to_numpy()
            se = v.std(ddof=1) / np.sqrt(n_seeds)
            assert abs(v.mean() - getattr(r, q)) <= Z * se, (beta, case, q, v.mean(), getattr(r, q))
        e = out.pivot(index="trial", columns="step", values="test_error")
        g = (e[0] - e[1]).to_numpy()
        se = g.std(ddof=1) / np.sqrt(n_seeds)
        if se == 0:  # interpolating teacher: hard pseudo-labels equal the labels on every sample,
            # and theory says they differ on a fraction train_error_noisy ≪ 1/M of them
            assert r.teacher.train_error_noisy * out.trial.nunique() < 1e-3 and abs(r.gain) < 1e-6
        else:
            assert abs(g.mean() - r.gain) <= Z * se, (beta, case)


def test_sd_stage_matches_monte_carlo_small():
    _sd_mc_vs_theory(
        300,
        [(np.inf, (2.0, 1.0, 0.5, 0.2, 1.0)), (1.0, (2.0, 1.0, 0.5, 0.2, 1.0))],
        n_seeds=16,
        seed=21,
    )


@pytest.mark.slow
def test_sd_stage_matches_monte_carlo():
    # α ≥ 1/2: at smaller α (tiny m) the finite-N spread of b inflates the *mean* test error over
    # seeds (Jensen; decays like 1/N) although m, Q, b agree
    cases = [
        (beta, c)
        for beta in (np.inf, 1.0)
        for c in [(0.5, 1.0, 0.5, 0.2, 0.1), (2.0, 1.0, 0.3, 0.1, 0.2), (4.0, 1.0, 0.5, 0.3, 0.5)]
    ]
    _sd_mc_vs_theory(800, cases, n_seeds=32, seed=77)


@pytest.mark.slow
def test_flip_range_theory_matches_monte_carlo_signs():
    from sdtheory.classification import gmm_sd_corruption_range
    from sdtheory.simulate import gmm_sd_corruption_scan

    ((lo, hi),) = gmm_sd_corruption_range(2.0, 1.0, 0.5, lam=1.0)
    assert 0 < lo < 0.1 and hi == 0.5
    tab, _ = gmm_sd_corruption_scan(
        600, 2.0, 1.0, 0.5, corruptions=[0.0, 0.2], lam=1.0, n_trials=32, batch_size=8, seed=9
    )
    assert tab.gain[0] < -Z * tab.gain_se[0] and tab.gain[1] > Z * tab.gain_se[1]


def test_sd_stage_validation():
    from sdtheory.classification import gmm_sd_corruption_range, gmm_sd_stage

    with pytest.raises(ValueError, match="inverse_temperature"):
        gmm_sd_stage(2.0, 1.0, 0.5, corruption=0.2, lam=1.0, inverse_temperature=0.0)
    with pytest.raises(ValueError, match="xi"):
        gmm_sd_stage(2.0, 1.0, 0.5, corruption=0.2, lam=1.0, xi=float("nan"))
    with pytest.raises(TypeError, match="sample_ratio must be a real number"):
        gmm_sd_stage([2.0, 3.0], 1.0, 0.5, corruption=0.2, lam=1.0)
    with pytest.raises(ValueError, match="corruption"):
        gmm_sd_stage(2.0, 1.0, 0.5, corruption=1.2, lam=1.0)
    with pytest.raises(ValueError, match="n_grid"):
        gmm_sd_corruption_range(2.0, 1.0, 0.5, lam=1.0, n_grid=2)
    with pytest.raises(ValueError, match="corruption_max"):
        gmm_sd_corruption_range(2.0, 1.0, 0.5, lam=1.0, corruption_max=0.0)


def test_sd_stage_theory_gain_peaks_at_moderate_alpha():
    # known pattern (Takanami et al.): hard pseudo-labels help most at moderate α
    from sdtheory.classification import gmm_sd_stage

    alphas = np.geomspace(0.05, 100, 40)
    g = np.array([gmm_sd_stage(a, 1.0, 0.5, corruption=0.2, lam=1.0).gain for a in alphas])
    i = int(np.argmax(g))
    assert 0 < i < len(alphas) - 1 and 1.0 < alphas[i] < 10.0
    assert g[i] > 5 * max(g[0], g[-1], 0)


# ----------------------------------------------------------------------------- BCE teacher
def _bce_mc_vs_theory(N, cases, n_seeds, seed):
    from sdtheory.simulate import simulate_gmm_bce_teacher

    for case in cases:
        mod, kw = _kw(case)
        r = gmm_first_stage(*mod, **kw, loss="bce")
        out = simulate_gmm_bce_teacher(N, *mod, **kw, n_trials=n_seeds, seed=seed, batch_size=8)
        assert out.grad_norm.max() < 1e-9  # every fit converged
        for q in ("m", "Q", "b", "test_error", "train_error_clean"):
            v = out[q].to_numpy()
            se = v.std(ddof=1) / np.sqrt(n_seeds)
            assert abs(v.mean() - getattr(r, q)) <= Z * se, (case, q, v.mean(), getattr(r, q))


def test_bce_first_stage_matches_monte_carlo_small():
    _bce_mc_vs_theory(300, [(2.0, 1.0, 0.5, 0.2, 0.5), (2.0, 1.0, 0.3, 0.1, 0.2)], 16, seed=4)


@pytest.mark.slow
def test_bce_first_stage_matches_monte_carlo():
    _bce_mc_vs_theory(1000, CASES, 16, seed=8)


def test_bce_first_stage_properties():
    r = gmm_first_stage([0.5, 2.0, 8.0], 1.0, 0.5, corruption=0.2, lam=0.5, loss="bce")
    assert np.all(np.diff(r.test_error) < 0) and (r.Q >= r.m**2).all()
    assert np.allclose(r.b, 0, atol=1e-12)  # ρ = 1/2: no bias by symmetry
    r5 = gmm_first_stage(
        2.0, 1.0, 0.3, corruption=0.5, lam=0.5, loss="bce"
    )  # θ = 1/2: no information
    assert abs(r5.m) < 1e-10
