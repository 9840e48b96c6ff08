"""Gaussian mixture with flipped labels: first-stage theory vs the note's equations and Monte Carlo;
the SD-stage pattern from converged Monte Carlo (issue 5)."""

import numpy as np
import pytest

from sdtheory.classification import gmm_bayes_error, gmm_first_stage, gmm_test_error
from sdtheory.classification._gmm import _note_fixed_point
from tests._tol import RTOL_EXACT, Z

CASES = [  # (alpha, delta, rho, flip, lam)
    (2.0, 1.0, 0.5, 0.2, 0.5),
    (1.5, 1.0, 0.3, 0.1, 0.2),
    (0.5, 1.0, 0.5, 0.2, 0.1),
    (3.0, 0.7, 0.7, 0.3, 1.0),
]


@pytest.mark.parametrize("case", CASES)
def test_closed_form_equals_note_fixed_point(case):
    r = gmm_first_stage(*case)
    m, Q, b, chi = _note_fixed_point(*case)
    np.testing.assert_allclose([r.m, r.Q, r.b, r.chi], [m, Q, b, chi], rtol=1e-9, atol=1e-12)


def test_identities_and_limits():
    a = np.array([0.3, 1.0, 4.0, 50.0])
    r = gmm_first_stage(a, 1.0, 0.4, 0.15, 0.3)
    assert (r.Q >= r.m ** 2).all()  # Cauchy–Schwarz: (wᵀμ)²/N ≤ ‖w‖²/N
    assert np.all(np.diff(r.test_error) < 0)  # more data, lower error
    # θ = 1/2: labels carry no information, m = 0, b = 0
    r5 = gmm_first_stage(2.0, 1.0, 0.3, 0.5, 0.3)
    assert abs(r5.m) < 1e-15 and abs(r5.b) < 1e-15
    # broadcasting equals pointwise
    for i, ai in enumerate(a):
        ri = gmm_first_stage(ai, 1.0, 0.4, 0.15, 0.3)
        np.testing.assert_allclose([ri.m, ri.Q, ri.test_error], [r.m[i], r.Q[i], r.test_error[i]],
                                   rtol=RTOL_EXACT)
    # test-error formula: symmetric case is H(m/√(ΔQ))
    from scipy.stats import norm
    assert np.isclose(gmm_test_error(0.3, 0.2, 0.0, 1.5, 0.5), norm.sf(0.3 / np.sqrt(0.3)))
    # the clean teacher never beats the Bayes reference (ρ = 1/2)
    for lam in [0.01, 0.1, 1.0, 10.0]:
        assert gmm_first_stage(2.0, 1.0, 0.5, 0.0, lam).test_error >= gmm_bayes_error(2.0, 1.0)
    # ρ ≠ 1/2: optimal threshold is at least as good as b = 0
    s = np.sqrt(1.0 * (1 + 1.0 / 2.0))
    e0 = 0.3 * norm.sf(1 / s) + 0.7 * norm.sf(1 / s)
    assert gmm_bayes_error(2.0, 1.0, 0.3) <= e0


def test_bayes_reference_by_optimal_ridge_limit():
    # clean labels, ρ = 1/2: the optimal-λ squared-loss teacher reaches the Bayes error
    lams = np.geomspace(1e-3, 1e3, 400)
    best = gmm_first_stage(2.0, 1.0, 0.5, 0.0, lams).test_error.min()
    np.testing.assert_allclose(best, gmm_bayes_error(2.0, 1.0), rtol=1e-4)


def _mc_vs_theory(N, cases, n_seeds, seed=0):
    from sdtheory.simulate import gmm_sd_summary

    for case in cases:
        th = gmm_first_stage(*case)
        df = gmm_sd_summary(N, *case, stages=0, n_seeds=n_seeds, seed=seed)
        for q in ["m", "Q", "b", "test_error", "train_error_clean"]:
            row = df[(df.stage == 0) & (df.quantity == q)].iloc[0]
            t = getattr(th, q)
            assert abs(row["mean"] - t) <= Z * row.se, (case, q, row["mean"], t, row.se)


def test_first_stage_matches_monte_carlo_small():
    # one compiled shape (N = 400, M = 800) for both ρ = 1/2 and ρ ≠ 1/2
    _mc_vs_theory(400, [(2.0, 1.0, 0.5, 0.2, 0.5), (2.0, 1.0, 0.3, 0.1, 0.2)], n_seeds=8)


@pytest.mark.slow
@pytest.mark.parametrize("N", [1000, 2000])
def test_first_stage_matches_monte_carlo(N):
    _mc_vs_theory(N, CASES, n_seeds=8, seed=1)


@pytest.mark.slow
def test_sd_hard_labels_help_most_at_moderate_alpha():
    from sdtheory.simulate import gmm_sd_summary

    gains = {}
    for a in [0.25, 1.0, 4.0, 16.0]:
        df = gmm_sd_summary(400, a, 1.0, 0.5, 0.2, 1.0, stages=1, beta=np.inf, n_seeds=8)
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

    df = gmm_sd_convergence([250, 500, 1000], 2.0, 1.0, 0.5, 0.2, 1.0, stages=2, beta=np.inf,
                            seeds_at={250: 16, 500: 8, 1000: 4})
    te = df[df.quantity == "test_error"].set_index(["N", "stage"])
    for st in (1, 2):
        a, b = te.loc[(500, st)], te.loc[(1000, st)]
        assert abs(a["mean"] - b["mean"]) <= Z * np.hypot(a.se, b.se)
    # seed-to-seed spread shrinks like 1/√N
    sd = {n: te.loc[(n, 1)].se * np.sqrt(te.loc[(n, 1)].n) for n in (250, 1000)}
    assert sd[1000] < sd[250]


@pytest.mark.parametrize("kw, match", [
    (dict(alpha=0.0), "alpha"), (dict(delta=-1.0), "delta"), (dict(rho=1.0), "rho"),
    (dict(flip=1.5), "flip"), (dict(lam=0.0), "lam"), (dict(loss="bce"), "loss"),
    (dict(alpha=float("nan")), "alpha"),
])
def test_first_stage_validation(kw, match):
    base = dict(alpha=2.0, delta=1.0, rho=0.5, flip=0.2, lam=0.5)
    base.update(kw)
    with pytest.raises(ValueError, match=match):
        gmm_first_stage(**base)


def test_other_validation():
    with pytest.raises(ValueError, match="Q"):
        gmm_test_error(0.1, 0.0, 0.0, 1.0, 0.5)
    with pytest.raises(ValueError, match="rho"):
        gmm_bayes_error(1.0, 1.0, 0.0)
    from sdtheory.simulate import simulate_gmm_sd

    for kw, match in [(dict(n_features=1), "n_features"), (dict(beta=0.0), "beta"),
                      (dict(n_seeds=1), "n_seeds"), (dict(stages=-1), "stages"),
                      (dict(flip=2.0), "flip"), (dict(batch=0), "batch")]:
        base = dict(n_features=20, alpha=2.0, delta=1.0, rho=0.5, flip=0.2, lam=0.5)
        base.update(kw)
        with pytest.raises(ValueError, match=match):
            simulate_gmm_sd(**base)


@pytest.mark.slow
def test_one_sd_stage_beats_teacher_only_above_a_flip_rate():
    from sdtheory.simulate import gmm_sd_flip_scan

    tab, wins = gmm_sd_flip_scan([0.0, 0.25], 300, 2.0, 1.0, 0.5, 1.0, n_seeds=16, batch=16,
                                 beta=np.inf)
    clean, noisy = tab.iloc[0], tab.iloc[1]
    assert clean.gain < -Z * clean.gain_se  # clean labels: hard pseudo-labels only lose
    assert noisy.gain > Z * noisy.gain_se  # θ = 0.25: one SD stage wins
    assert wins == [(0.25, 0.25)]
