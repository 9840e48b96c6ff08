"""Expected risks of multi-step SD vs Monte Carlo over label noise (literal solves in JAX).

The same problem object (LinearProblem / KernelProblem) goes to the theory and to the
simulators; ξ is the weight on the previous model at every step, index 0 of a per-step result is
the teacher and index k the student after k distillation steps.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sdtheory.simulate as simulate
from sdtheory import (
    KernelProblem,
    LinearProblem,
    Spectrum,
    filter_risk,
    ground_truth_weighted_filter,
    kernel_spectrum,
    multistep_filter,
    multistep_risk,
    optimal_schedule,
    rbf_kernel,
)
from sdtheory.testing import assert_matches_monte_carlo, kernel_problems, lams, xis
from tests._tol import Z


def _toy():
    x = np.linspace(0, 1, 11)
    return rbf_kernel(x, gamma=80.0), np.sin(2 * np.pi * x)


@pytest.mark.parametrize("alpha", [0.0, 0.3, "per-step"])
@pytest.mark.parametrize("dist", ["gaussian", "rademacher"])
def test_toy_kernel_risk_per_step(alpha, dist):
    K, ys = _toy()
    noise, lam, steps = 0.25, 0.2, 5
    prob = KernelProblem(K, ys, noise)
    sp = kernel_spectrum(K, ys, noise=noise)
    if alpha == "per-step":
        xis = np.array([-0.5, 1.3, 0.2, 1.0, -1.0])  # weights outside [0, 1] too
        theory = [
            filter_risk(sp, f=multistep_filter(sp.eigvals, lam=lam, xis=xis[:t]))
            for t in range(steps + 1)
        ]
    else:
        # Borup & Andersen's ground-truth weighting: weight α on the labels, ξ_t = 1 − α
        xis = np.full(steps, 1.0 - alpha)
        theory = [
            filter_risk(
                sp, f=ground_truth_weighted_filter(sp.eigvals, lam=lam, alpha=alpha, steps=t)
            )
            for t in range(steps + 1)
        ]
    mc = simulate.simulate_kernel_sd(
        prob, lam=lam, xis=xis, n_trials=4000, seed=17, noise_dist=dist
    )
    assert mc.mean.shape == (steps + 1,)
    assert_matches_monte_carlo(np.array(theory), mc, z=Z, correction="none")


def test_one_kernel_problem_theory_vs_monte_carlo():
    """ONE KernelProblem handed to the theory (its Spectrum) and to the simulator: a 2-step ξ
    schedule agrees within Z standard errors at every step."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (14, 2))
    prob = KernelProblem(rbf_kernel(x, gamma=4.0), np.cos(3 * x[:, 0]) + x[:, 1], noise=0.3)
    lam, xis = 0.1, np.array([1.6, -0.4])
    sp = Spectrum.from_problem(prob)
    theory = multistep_risk(sp, lam=lam, xis=xis, per_step=True)
    mc = simulate.simulate_kernel_sd(prob, lam=lam, xis=xis, n_trials=4000, seed=21)
    assert mc.mean.shape == mc.se.shape == (3,) and mc.n == 4000
    assert_matches_monte_carlo(theory, mc, z=Z, correction="none")


@pytest.mark.parametrize(
    "shape,weights",
    [((30, 8), "parameter"), ((6, 12), "parameter"), ((20, 5), "prediction"), ((20, 5), "matrix")],
)
def test_linear_multistep_risk(shape, weights):
    rng = np.random.default_rng(sum(shape))
    X = rng.standard_normal(shape)
    th = rng.standard_normal(shape[1])
    noise, lam = 0.6, 2.0
    xis = np.array([1.8, -0.7, 3.0])
    if weights == "matrix":
        A = rng.standard_normal((shape[1], shape[1]))
        weights = A @ A.T / shape[1]
    prob = LinearProblem(X, th, noise, weights=weights)
    sp = Spectrum.from_problem(prob)
    theory = np.array(
        [
            filter_risk(sp, f=multistep_filter(sp.eigvals, lam=lam, xis=xis[:k]))
            for k in range(xis.size + 1)
        ]
    )
    mc = simulate.simulate_multistep(
        prob, lam=lam, xis=xis, n_trials=4000, seed=5, noise_dist="uniform", batch_size=1000
    )
    assert_matches_monte_carlo(theory, mc, z=Z, correction="none")


def test_optimal_schedule_risk_by_simulation():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((25, 4)) * np.array([3.0, 1.5, 0.7, 0.3])
    th = np.array([2.0, 0.1, 1.0, 0.05])
    prob = LinearProblem(X, th, 1.0)
    opt = optimal_schedule(Spectrum.from_problem(prob), lam=1.0, steps=2)
    mc = simulate.simulate_multistep(prob, lam=1.0, xis=opt.xis, n_trials=4000, seed=9)
    assert_matches_monte_carlo(
        [opt.ridge_risk, opt.risk], (mc.mean[[0, -1]], mc.se[[0, -1]], mc.n), z=Z, correction="none"
    )


def test_empty_schedule_is_the_teacher():
    K, ys = _toy()
    prob = KernelProblem(K, ys, 0.25)
    a = simulate.simulate_kernel_sd(prob, lam=0.2, xis=[], n_trials=50, seed=1)
    b = simulate.simulate_kernel_sd(prob, lam=0.2, xis=[0.5], n_trials=50, seed=1)
    assert a.mean.shape == (1,)
    np.testing.assert_allclose(a.mean[0], b.mean[0], rtol=1e-12)


def test_simulation_input_errors():
    K, ys = _toy()
    prob = KernelProblem(K, ys, 0.1)
    with pytest.raises(ValueError, match="n_trials"):
        simulate.simulate_kernel_sd(prob, lam=0.2, xis=[0.0], n_trials=1)
    with pytest.raises(ValueError, match="xis must be a 1-D"):
        simulate.simulate_kernel_sd(prob, lam=0.2, xis=[[0.1, 0.2]])
    with pytest.raises(ValueError, match=r"lam must be a real number in \(0, inf\)"):
        simulate.simulate_kernel_sd(prob, lam=0.0, xis=[0.0])
    with pytest.raises(ValueError, match="noise_dist"):
        simulate.simulate_kernel_sd(prob, lam=0.2, xis=[0.0], noise_dist="cauchy")
    with pytest.raises(TypeError, match="KernelProblem"):
        simulate.simulate_kernel_sd(LinearProblem(np.eye(3), np.ones(3), 0.1), lam=0.2, xis=[1.0])
    with pytest.raises(TypeError, match="LinearProblem"):
        simulate.simulate_multistep(prob, lam=0.2, xis=[1.0])


def test_toy_expected_risk_dips_then_rises_for_alpha_zero():
    """On the toy problem (α = 0) the error first falls, then rises (expected risk); the
    derivation on the theory page shows the same curve."""
    K, ys = _toy()
    sp = kernel_spectrum(K, ys, noise=0.25)
    risk = np.array(
        [
            filter_risk(sp, f=ground_truth_weighted_filter(sp.eigvals, lam=0.2, alpha=0.0, steps=t))
            for t in range(15)
        ]
    )
    best = int(np.argmin(risk))
    assert 0 < best < 6
    assert (np.diff(risk[best:]) > 0).all() and risk[-1] > risk[0]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_random_kernel_per_step_weights_many_trials(seed):
    rng = np.random.default_rng(seed)
    n = 40
    x = rng.uniform(0, 1, (n, 2))
    K = rbf_kernel(x, gamma=5.0) + 1e-3 * np.eye(n)
    ys = np.cos(3 * x[:, 0]) + x[:, 1] ** 2
    xis = 1.0 - rng.uniform(-0.5, 1.5, 7)
    prob = KernelProblem(K, ys, 0.4)
    sp = Spectrum.from_problem(prob)
    theory = [
        filter_risk(sp, f=multistep_filter(sp.eigvals, lam=0.05, xis=xis[:t])) for t in range(8)
    ]
    mc = simulate.simulate_kernel_sd(
        prob, lam=0.05, xis=xis, n_trials=40000, seed=seed, batch_size=10000, noise_dist="uniform"
    )
    assert_matches_monte_carlo(np.array(theory), mc, z=Z, correction="none")


# ------------------------------------------------------------------ problems from sdtheory.testing
@settings(max_examples=6, deadline=None)
@given(
    kernel_problems(min_size=8, max_size=8, min_eigval=1e-3, max_eigval=1e3).map(
        lambda p: p.with_noise(p.noise + 0.1)  # σ² > 0: a standard error to test against
    ),
    lams(min_value=1e-2, max_value=1e2),
    st.lists(xis(), min_size=2, max_size=2),
)
def test_strategy_kernel_problems_theory_vs_monte_carlo(prob, lam, xis_):
    """Gram matrices drawn by the public strategy (eigenvalues over 6 decades, rank-deficient
    ones included), λ and a 2-step ξ schedule: every step's risk within the corrected Z."""
    theory = multistep_risk(prob, lam=lam, xis=np.array(xis_), per_step=True)
    mc = simulate.simulate_kernel_sd(prob, lam=lam, xis=np.array(xis_), n_trials=400, seed=3)
    assert_matches_monte_carlo(theory, mc, z=Z)
