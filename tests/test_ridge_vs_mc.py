"""One-step ridge SD theory against the JAX Monte Carlo (real solves, fresh label noise).

Property tests over random designs with prescribed singular values, signals, noise levels,
λ and ξ (ξ < 0, 0 < ξ < 1, ξ > 1 and ξ*), d < n and d > n, Gaussian and Laplace noise, parameter,
prediction and random-PSD-matrix weights: every theory value lies within ``Z·SE`` of the Monte
Carlo mean. Then: ξ* minimizes the simulated risk, resolved statistically with common random
numbers. Shapes (designs, grids, trial blocks) are fixed so each compiled program is reused.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdtheory import LinearProblem, Spectrum, multistep_risk, optimal_xi, sd_quadratic, sd_risk
from sdtheory.simulate import ridge_sd_monte_carlo, simulate_multistep
from sdtheory.testing import assert_matches_monte_carlo, lams, linear_problems, xis
from tests._tol import RTOL_EXACT, Z

SHAPES = [(12, 5), (6, 9)]  # d < n and d > n (same shapes as test_simulate_ridge: shared compiles)
BATCH = 20  # trials per block, also shared with test_simulate_ridge


def _design(rng, n, d, smin, smax):
    """X = U diag(s) Vᵀ with Haar-random U, V and log-spaced singular values in [smin, smax]."""
    r = min(n, d)
    U, _ = np.linalg.qr(rng.standard_normal((n, r)))
    V, _ = np.linalg.qr(rng.standard_normal((d, r)))
    s = np.geomspace(smin, smax, r) * np.exp(0.1 * rng.standard_normal(r))
    return (U * s) @ V.T


def _weights(kind, rng, X):
    if kind != "matrix":
        return kind
    d = X.shape[1]
    A = rng.standard_normal((d, d + 2))
    return A @ A.T / (d + 2)


problems = st.fixed_dictionaries(
    {
        "shape": st.sampled_from(SHAPES),
        "seed": st.integers(0, 2**31 - 1),
        "smin": st.floats(0.2, 1.0),
        "spread": st.floats(1.0, 10.0),
        "signal_scale": st.floats(0.2, 3.0),
        "noise": st.floats(0.05, 10.0),
        "lam": st.floats(0.05, 5.0),
        "lam_factor": st.floats(2.0, 10.0),
        "xi_neg": st.floats(-3.0, -0.2),
        "xi_mid": st.floats(0.05, 0.95),
        "xi_big": st.floats(1.1, 4.0),
        "weights": st.sampled_from(["parameter", "prediction", "matrix"]),
        "noise_dist": st.sampled_from(["gaussian", "laplace"]),
    }
)


def _problem(p):
    """The drawn LinearProblem: handed to the theory and to the simulator alike."""
    rng = np.random.default_rng(p["seed"])
    n, d = p["shape"]
    X = _design(rng, n, d, p["smin"], p["smin"] * p["spread"])
    theta = p["signal_scale"] * rng.standard_normal(d)
    W = _weights(p["weights"], rng, X)
    return LinearProblem(X, theta, p["noise"], weights=W)


def _theory_vs_mc(p, n_trials):
    prob = _problem(p)
    sp = Spectrum.from_problem(prob)
    lam = np.array([[p["lam"]], [p["lam"] * p["lam_factor"]]])
    xi_star = float(optimal_xi(sp, lam=p["lam"]))
    xi = np.array([p["xi_neg"], p["xi_mid"], p["xi_big"], xi_star])
    theory = sd_risk(sp, lam=lam, xi=xi)
    mc = ridge_sd_monte_carlo(
        prob,
        lam=lam,
        xi=xi,
        n_trials=n_trials,
        seed=p["seed"] % 1000,
        noise_dist=p["noise_dist"],
        batch_size=BATCH,
    )
    assert np.all(mc.se > 0)
    assert_matches_monte_carlo(theory, mc, z=Z, correction="none")  # each entry at Z


@settings(max_examples=16)
@given(problems)
def test_theory_within_z_se_of_monte_carlo(p):
    _theory_vs_mc(p, n_trials=400)


@pytest.mark.slow
@settings(max_examples=120)
@given(problems)
def test_theory_within_z_se_of_monte_carlo_many(p):
    _theory_vs_mc(p, n_trials=2000)


def test_teacher_lam_theory_vs_mc():
    """A teacher with its own λ_t (fixed example; the general broadcast path of sd_risk)."""
    rng = np.random.default_rng(7)
    X = _design(rng, 12, 5, 0.3, 3.0)
    theta = rng.standard_normal(5)
    lam = np.array([[0.2], [1.5]])
    lam_t = np.array([[2.0], [0.05]])
    xi = np.array([-1.5, 0.0, 1.0, 2.5])
    prob = LinearProblem(X, theta, 1.5)
    theory = sd_risk(Spectrum.from_problem(prob), lam=lam, xi=xi, teacher_lam=lam_t)
    mc = ridge_sd_monte_carlo(
        prob,
        lam=lam,
        xi=xi,
        n_trials=1000,
        seed=3,
        teacher_lam=lam_t,
        batch_size=BATCH,
        noise_dist="laplace",
    )
    assert_matches_monte_carlo(theory, mc, z=Z, correction="none")


# ------------------------------------------------------------------ ξ* minimizes the MC risk
OFFSETS = np.array([-16.0, -8.0, -4.0, 0.0, 4.0, 8.0, 16.0])


def _per_trial_quadratic(xi, L):
    """Fit L_i(ξ) = A_i − 2ξB_i + ξ²C_i to each trial's losses on the grid; return A, B, C and
    the largest relative residual (the student is linear in ξ, so this must be exact)."""
    V = np.stack([np.ones_like(xi), -2.0 * xi, xi**2], axis=1)
    coef, *_ = np.linalg.lstsq(V, L.T, rcond=None)
    resid = np.abs(V @ coef - L.T).max() / np.abs(L).max()
    return coef[0], coef[1], coef[2], resid


def _xi_star_check(p, n_trials):
    """With common random numbers, per-trial losses are exact quadratics in ξ, so the MC
    minimizer is ξ̂ = B̄/C̄ with delta-method SE s = sd(B_i − ξ̂C_i)/(C̄√n).
    Pilot run → s; main run on the grid ξ* + s·OFFSETS (fresh noise). Checks:
    (1) |ξ̂ − ξ*| ≤ Z·s (ξ* is the MC minimizer within its statistical resolution);
    (2) no grid point beats ξ* by more than Z standard errors of the paired difference;
    (3) the outer points ξ* ± 16s are significantly worse (z > Z; expected z ≈ 8, so the check
        is not vacuous);
    (4) each paired difference E(ξ_k) − E(ξ*) agrees with theory (ξ_k − ξ*)²·D within Z·SE.
    """
    prob = _problem(p)
    lam = p["lam"]
    sp = Spectrum.from_problem(prob)
    xi_star = float(optimal_xi(sp, lam=lam))
    D = float(sd_quadratic(sp, lam=lam).D)
    kw = dict(
        lam=lam, n_trials=n_trials, noise_dist=p["noise_dist"], batch_size=BATCH, return_trials=True
    )
    pilot_xi = xi_star + np.arange(-3.0, 4.0)
    _, Lp = ridge_sd_monte_carlo(prob, xi=pilot_xi, seed=1, **kw)
    _, B, C, resid = _per_trial_quadratic(pilot_xi, Lp)
    assert resid <= 1e-8  # exact quadratic up to rounding
    xi_hat = B.mean() / C.mean()
    s = np.std(B - xi_hat * C, ddof=1) / (C.mean() * np.sqrt(n_trials))
    grid = xi_star + s * OFFSETS
    _, L = ridge_sd_monte_carlo(prob, xi=grid, seed=2, **kw)
    _, B, C, _ = _per_trial_quadratic(grid, L)
    xi_hat = B.mean() / C.mean()
    s_main = np.std(B - xi_hat * C, ddof=1) / (C.mean() * np.sqrt(n_trials))
    assert_matches_monte_carlo(xi_star, (xi_hat, s_main, n_trials), z=Z, correction="none")  # (1)
    diff = L - L[:, [3]]  # E(ξ_k) − E(ξ*) per trial (common random numbers)
    dm = diff.mean(0)
    dse = diff.std(0, ddof=1) / np.sqrt(n_trials)
    dse[3] = 1.0
    assert np.all(dm >= -Z * dse), dm / dse  # (2)
    assert dm[0] > Z * dse[0] and dm[-1] > Z * dse[-1], dm / dse  # (3)
    theory_diff = (grid - xi_star) ** 2 * D
    assert_matches_monte_carlo(  # (4)
        theory_diff, (dm, dse, n_trials), z=Z, correction="none", rtol=RTOL_EXACT
    )


@settings(max_examples=6)
@given(problems)
def test_optimal_xi_minimizes_simulated_risk(p):
    _xi_star_check(p, n_trials=400)


@pytest.mark.slow
@settings(max_examples=40)
@given(problems)
def test_optimal_xi_minimizes_simulated_risk_many(p):
    _xi_star_check(p, n_trials=2000)


# ------------------------------------------------------------------ one problem, both sides
ACCEPT_LAM = 1.5
ACCEPT_XI = np.array([-1.0, 0.5, 2.5])
ACCEPT_XIS = np.array([1.8, -0.6])  # a 2-step ξ schedule


def _accept_problem(weights):
    """ONE LinearProblem (d > n, null-space signal included) with the given risk weights."""
    rng = np.random.default_rng(2024)
    X = _design(rng, 12, 16, 0.4, 4.0)
    theta = rng.standard_normal(16)
    if weights == "matrix":
        A = rng.standard_normal((16, 18))
        weights = A @ A.T / 18
    return LinearProblem(X, theta, 2.0, weights=weights)


@pytest.mark.parametrize("weights", ["parameter", "prediction", "matrix"])
def test_one_problem_theory_vs_monte_carlo(weights):
    """The same LinearProblem goes to the theory and to both simulators: one-step SD over a ξ
    grid and a 2-step ξ schedule agree within Z standard errors for every kind of weights."""
    prob = _accept_problem(weights)
    sp = Spectrum.from_problem(prob)
    theory = sd_risk(sp, lam=ACCEPT_LAM, xi=ACCEPT_XI)
    mc = ridge_sd_monte_carlo(prob, lam=ACCEPT_LAM, xi=ACCEPT_XI, n_trials=4000, seed=11)
    assert np.all(mc.se > 0)
    assert_matches_monte_carlo(theory, mc, z=Z, correction="none")

    theory_k = multistep_risk(sp, lam=ACCEPT_LAM, xis=ACCEPT_XIS, per_step=True)
    mk = simulate_multistep(prob, lam=ACCEPT_LAM, xis=ACCEPT_XIS, n_trials=4000, seed=12)
    assert mk.mean.shape == mk.se.shape == (3,)
    assert_matches_monte_carlo(theory_k, mk, z=Z, correction="none")
    # step 1 of the schedule is the one-step student at ξ_1 (theory identity)
    one = sd_risk(sp, lam=ACCEPT_LAM, xi=ACCEPT_XIS[0])
    assert theory_k[1] == pytest.approx(float(one), rel=1e-10)


# ------------------------------------------------------------------ problems from sdtheory.testing
@settings(max_examples=6, deadline=None)
@given(
    linear_problems(min_n=12, max_n=12, min_d=5, max_d=5, max_condition=1e3).map(
        lambda p: p.with_noise(p.noise + 0.1)  # σ² > 0: a standard error to test against
    ),
    lams(min_value=1e-2, max_value=1e2),
    xis(),
)
def test_strategy_problems_theory_vs_monte_carlo(prob, lam, xi):
    """Problems, λ and ξ drawn by the public strategies (ill-conditioned designs, every kind of
    weights, ξ on the whole line): theory within the Bonferroni-corrected Z of the simulation."""
    theory = sd_risk(prob, lam=np.array([lam, 10 * lam]), xi=xi)
    mc = ridge_sd_monte_carlo(
        prob, lam=np.array([lam, 10 * lam]), xi=xi, n_trials=400, seed=5, batch_size=BATCH
    )
    assert_matches_monte_carlo(theory, mc, z=Z)
