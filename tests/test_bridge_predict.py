"""The ridge-theory prediction of the best ξ (sdtheory.bridge.predict_xi) vs independent routes.

* the exact fixed-design optimum ξ* of a synthetic multi-response ridge problem with known
  coefficients, from explicit matrix solves (np.linalg.solve, not the package's SVD code);
* the identity ξ* = −λR′(λ)/(2D) and the sign rule against finite differences of that exact risk;
* the class sums against per-class runs of sdtheory.asymptotics.one_shot_xi;
* the intercept and the λ̂* search / curvature test against explicit GCV hat matrices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdtheory.asymptotics import one_shot_xi
from sdtheory.bridge._predict import predict_xi

N, P, K, SIGMA = 600, 60, 3, 1.0


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, P))
    theta = rng.standard_normal((P, K)) * 0.15
    Y = X @ theta + SIGMA * rng.standard_normal((N, K))
    return X, theta, Y


def _exact(X, theta, lam):
    """Brute force: the noise-averaged fresh-point risk (Σ = I, summed over the K responses) of
    the student (1 − ξ)W_λ + ξW_pd is a + bξ + cξ²; returns R(λ), R − C, D (explicit solves)."""
    n, p = X.shape
    G = X.T @ X
    H = np.linalg.solve(G + lam * np.eye(p), X.T)  # W_λ = H Y
    Hpd = np.linalg.solve(G + lam * np.eye(p), G @ H)  # W_pd = H_pd Y

    def parts(A, B):  # E⟨A Y − Θ, B Y − Θ⟩ + Kσ² (sum over responses)
        bias = ((A @ X - np.eye(p)) @ theta * ((B @ X - np.eye(p)) @ theta)).sum()
        return bias + K * SIGMA**2 * (np.trace(A @ B.T) + 1.0)

    R = parts(H, H)
    C = parts(H, Hpd)
    Rpd = parts(Hpd, Hpd)
    return R, R - C, R + Rpd - 2.0 * C


def test_xi_hat_estimates_the_exact_fixed_design_optimum():
    X, theta, Y = _problem(0)
    lams = [30.0, 300.0, 3000.0]
    df = predict_xi(X, Y, lam=lams, fit_intercept=False)
    for lam, row in zip(lams, df.itertuples()):
        R, Nn, D = _exact(X, theta, lam)
        xi_star = Nn / D
        assert abs(row.xi_hat - xi_star) <= 4.0 * row.xi_se, (lam, row.xi_hat, xi_star, row.xi_se)
        assert abs(row.R_hat - R) <= 4.0 * row.R_se, (lam, row.R_hat, R)


def test_identity_xi_star_equals_minus_lam_dR_over_2D_and_sign_rule():
    X, theta, Y = _problem(1)
    df = predict_xi(X, Y, lam=[3.0, 3e4], fit_intercept=False)
    h = 1e-4
    for lam, row in zip([3.0, 3e4], df.itertuples()):
        R, Nn, D = _exact(X, theta, lam)
        dR = (_exact(X, theta, lam * (1 + h))[0] - _exact(X, theta, lam * (1 - h))[0]) / (
            2 * h * lam
        )
        # exact identity of the truth (finite difference of the brute-force risk)
        assert Nn / D == pytest.approx(-lam * dR / (2 * D), rel=1e-5)
        # the estimated sign rule agrees with the sign of the true −R′ far from λ*
        assert np.sign(row.xi_hat) == np.sign(-dR)
        assert row.regime == ("under-regularized" if dR < 0 else "over-regularized")


def test_N_hat_is_minus_half_lam_times_derivative_of_R_hat():
    """N̂ = −λR̂′/2 exactly: against a central finite difference of the returned R̂ in λ."""
    X, _, Y = _problem(2)
    lam = np.array([10.0, 100.0, 1000.0])
    h = 1e-5
    up = predict_xi(X, Y, lam=lam * (1 + h), uncertainty="none").R_hat.to_numpy()
    dn = predict_xi(X, Y, lam=lam * (1 - h), uncertainty="none").R_hat.to_numpy()
    df = predict_xi(X, Y, lam=lam, uncertainty="none")
    dR = (up - dn) / (2 * h * lam)
    np.testing.assert_allclose(df.N_hat, -lam * dR / 2, rtol=1e-5)
    np.testing.assert_allclose(df.dR_dlam, dR, rtol=1e-5)


@pytest.mark.parametrize("method", ["corrected", "gcv"])
def test_class_sum_matches_per_class_one_shot_runs(method):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 30))
    labels = rng.integers(0, 4, 200)
    lam = np.geomspace(1.0, 1e4, 6)
    df = predict_xi(X, labels, lam=lam, fit_intercept=False, method=method)
    Y = np.eye(4)[labels]
    per = [one_shot_xi(X, Y[:, k], lam=lam, method=method) for k in range(4)]
    R = sum(t.R_hat for t in per)
    num = sum(t.R_hat - t.C_hat for t in per)
    den = sum(t.D_hat for t in per)
    np.testing.assert_allclose(df.R_hat, R, rtol=1e-10)
    np.testing.assert_allclose(df.xi_hat, num / den, rtol=1e-8)
    if method == "corrected":
        np.testing.assert_allclose(df.N_hat, num, rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(df.D_hat, den, rtol=1e-8)
    # labels as integers and as their one-hot matrix give the same table
    pd.testing.assert_frame_equal(df, predict_xi(X, Y, lam=lam, fit_intercept=False, method=method))


def _gcv_explicit(X, Y, lam):
    """Class-summed GCV with an intercept from the explicit n × n hat matrix."""
    n = X.shape[0]
    Xc = X - X.mean(0)
    S = np.ones((n, n)) / n + Xc @ np.linalg.solve(Xc.T @ Xc + lam * np.eye(X.shape[1]), Xc.T)
    r = Y - S @ Y
    return (r * r).sum() / n / (1.0 - np.trace(S) / n) ** 2


def test_intercept_and_optimum_against_explicit_hat_matrix():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((150, 12)) + 3.0  # uncentred features
    labels = (X[:, 0] - X[:, 1] + rng.standard_normal(150) > 0).astype(int)
    df = predict_xi(X, labels, lam=[5.0, 50.0])
    Y = np.eye(2)[labels]
    for lam, R in zip([5.0, 50.0], df.R_hat):
        assert R == pytest.approx(_gcv_explicit(X, Y, lam), rel=1e-10)
    opt = df.attrs["optimum"]
    grid = np.geomspace(opt["lam_star"] / 30, opt["lam_star"] * 30, 241)
    vals = np.array([_gcv_explicit(X, Y, g) for g in grid])
    i = int(np.argmin(vals))
    assert 0 < i < grid.size - 1
    assert opt["lam_star"] == pytest.approx(grid[i], rel=0.03)
    assert opt["R_star"] == pytest.approx(vals[i], rel=1e-6)
    # curvature bound λ*²R″(λ*)/2 = ½ d²R̂/d(log λ)² against a 3-point stencil of the explicit GCV
    t = 0.02
    lo, mid, hi = (_gcv_explicit(X, Y, opt["lam_star"] * np.exp(s)) for s in (-t, 0.0, t))
    assert opt["curvature_bound"] == pytest.approx((hi - 2 * mid + lo) / t**2 / 2, rel=1e-3)
    at = predict_xi(X, labels, lam=opt["lam_star"], uncertainty="none")
    assert opt["D_star"] == pytest.approx(at.D_hat.iloc[0], rel=1e-10)
    assert abs(at.xi_hat.iloc[0]) < 1e-6
    assert opt["sd_beats_ridge"] == (opt["D_star"] < opt["curvature_bound"])


def test_estimated_optimum_near_true_risk_optimum():
    """λ̂* (root of N̂) against the minimizer of the exact risk (brute force), up to sampling."""
    X, theta, Y = _problem(5)
    opt = predict_xi(X, Y, lam=100.0, fit_intercept=False).attrs["optimum"]
    grid = np.geomspace(10.0, 1e4, 61)
    true = grid[int(np.argmin([_exact(X, theta, g)[0] for g in grid]))]
    assert true / 3 < opt["lam_star"] < true * 3


# ------------------------------------------------------------------ the measured side


def _runs(acc, xi_grid, **keys):
    S, X = acc.shape
    return pd.DataFrame(
        {
            "dataset": keys.get("dataset", "d"),
            "model": keys.get("model", "linear"),
            "corruption": keys.get("corruption", 0.3),
            "teacher_lam": keys.get("teacher_lam", 10.0),
            "xi": np.tile(xi_grid, S),
            "seed": np.repeat(np.arange(S), X),
            "test_acc": acc.ravel(),
        }
    )


def test_measured_best_xi_by_hand():
    from sdtheory.bridge._predict_cli import measured_best_xi

    xi_grid = np.array([-1.0, 0.0, 1.0, 2.0])
    acc = np.array(
        [
            [0.70, 0.80, 0.86, 0.84],
            [0.72, 0.81, 0.83, 0.85],
            [0.71, 0.79, 0.88, 0.80],
        ]
    )
    row = measured_best_xi(_runs(acc, xi_grid), n_boot=2000, seed=1).iloc[0]
    # seed means: 0.71, 0.80, 0.8567, 0.83 -> ξ = 1
    assert row.xi_best == 1.0 and row.n_seeds == 3
    assert row.acc_best == pytest.approx(acc[:, 2].mean())
    assert row.acc_xi0 == pytest.approx(acc[:, 1].mean())
    g = acc[:, 2] - acc[:, 1]
    assert row.gain == pytest.approx(g.mean())
    assert row.gain_se == pytest.approx(g.std(ddof=1) / np.sqrt(3))
    # per-seed argmaxes 1, 2, 1
    assert row.xi_best_seed_sd == pytest.approx(np.std([1.0, 2.0, 1.0], ddof=1))
    # bootstrap: the resample argmax is 2 only when seed 1 dominates; never ≤ 0
    assert row.p_pos == 1.0 and row.p_neg == 0.0
    assert 0.0 < row.xi_best_se < 0.6
    assert (row.xi_min, row.xi_max) == (-1.0, 2.0)


def test_measured_best_xi_ties_go_to_xi_nearest_zero_and_groups():
    from sdtheory.bridge._predict_cli import measured_best_xi

    xi_grid = np.array([-1.0, 0.0, 1.0])
    flat = np.full((2, 3), 0.9)
    runs = pd.concat(
        [
            _runs(flat, xi_grid, teacher_lam=1.0),
            _runs(flat * [1, 1, 1.01], xi_grid, teacher_lam=2.0),
        ]
    )
    out = measured_best_xi(runs, n_boot=50)
    assert out.teacher_lam.tolist() == [1.0, 2.0]
    assert out.xi_best.tolist() == [0.0, 1.0]
    assert out.xi_best_se.tolist() == [0.0, 0.0]


def test_measured_best_xi_one_seed_has_no_spread():
    """A bootstrap of one seed always redraws that seed: its SD is undefined (NaN), not 0."""
    from sdtheory.bridge._predict_cli import measured_best_xi

    row = measured_best_xi(_runs(np.array([[0.8, 0.9, 0.85]]), np.array([0.0, 1.0, 2.0]))).iloc[0]
    assert row.xi_best == 1.0 and row.n_seeds == 1
    assert np.isnan(row.xi_best_se) and np.isnan(row.xi_best_seed_sd) and np.isnan(row.gain_se)


def test_summary_and_agreement_counts():
    from sdtheory.bridge._predict_cli import _agreement, _summary

    measured = pd.DataFrame(
        {
            "dataset": "d",
            "model": "linear",
            "corruption": 0.3,
            "teacher_lam": [1.0, 10.0, 100.0, 1000.0],
            "xi_best": [2.0, 1.0, 0.0, -1.0],
            "xi_best_se": [0.0, 0.5, 0.0, 0.0],
            "xi_min": -2.0,
            "xi_max": 2.0,
        }
    )
    pred = pd.DataFrame(
        {
            "dataset": "d",
            "corruption": 0.3,
            "seed": 0,
            "lam": [1.0, 10.0, 100.0, 1000.0],
            "xi_hat": [50.0, -0.2, 0.3, -1.1],
            "xi_se": 0.1,
            "R_hat": 1.0,
            "lam_star": 50.0,
            "sd_beats_ridge": True,
            "n_train": 100,
        }
    )
    s = _summary(measured, pred)
    # signs: agree, disagree, measured 0 (no sign), agree
    assert s.sign_agree.tolist()[:2] == [1.0, 0.0] and np.isnan(s.sign_agree.iloc[2])
    # one seed: the predicted SE is the delta SE 0.1. ξ̂ = 50 clipped to the grid end 2 agrees
    # with a measured 2; |1 − (−0.2)| = 1.2 > 2·√(0.5² + 0.1²); |0 − 0.3| > 0.2; |−1 + 1.1| ≤ 0.2
    assert s.magnitude_agree.tolist() == [1.0, 0.0, 0.0, 1.0]
    a = _agreement(s).set_index("dataset").loc["all"]
    assert (a.n_signed, a.n_sign_agree, a.n_measured_zero) == (3, 2, 1)
    assert a.sign_agree_rate == pytest.approx(2 / 3)
    assert a.sign_agree_se == pytest.approx(np.sqrt(2 / 3 / 3 / 3))


@pytest.mark.slow
def test_predict_bridge_xi_uses_the_runners_training_data():
    """The corrupted-label counts and the training size match a (tiny) run of the bridge."""
    from sdtheory.bridge._config import BridgeConfig
    from sdtheory.bridge._predict import predict_bridge_xi
    from sdtheory.bridge._runner import run_bridge

    cfg = BridgeConfig(
        dataset="wine", model="linear", corruption=(0.3, 0.5), xi=(0.0,), seeds=2,
        teacher_lam=(10.0,), quick=True, train_steps=2,
    )  # fmt: skip
    runs = run_bridge(cfg, progress=False)
    pred = predict_bridge_xi(cfg)
    a = runs.groupby(["corruption", "seed"])[["n_corrupted", "n_train"]].first()
    b = pred.groupby(["corruption", "seed"])[["n_corrupted", "n_train"]].first()
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    # and the prediction is predict_xi on that split (an independent rebuild of the data)
    from sdtheory.bridge import corrupt_labels, load_dataset, split_dataset

    X, y = load_dataset("wine")
    sp = split_dataset(X, y, seed=1)
    noisy = corrupt_labels(
        sp.y_train, corruption=0.5, n_classes=3, per_class=False, seed=1, stream=0
    )[0]
    ref = predict_xi(sp.X_train, noisy, lam=10.0)
    got = pred[(pred.seed == 1) & (pred.corruption == 0.5)]
    assert got.xi_hat.iloc[0] == pytest.approx(ref.xi_hat.iloc[0], rel=1e-12)


def test_figure_reads_the_committed_csvs():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sdtheory.figures.bridge_predict import bridge_predicted_vs_measured_xi

    out = bridge_predicted_vs_measured_xi(True)
    summary = out.data
    n_panels = summary.groupby(["dataset", "model"]).ngroups
    drawn = [ax for ax in out.fig.axes if ax.get_title()]
    assert len(drawn) == n_panels
    # every measured point is drawn (one errorbar per corruption level per panel)
    assert {"xi_best", "xi_best_se", "xi_hat", "lam_star"} <= set(summary.columns)
    assert set(out.extra) == {"curve"}
    plt.close(out.fig)
