"""Expected risks of iterated SD vs Monte Carlo over label noise (literal solves in JAX)."""

from __future__ import annotations

import numpy as np
import pytest

from sdtheory import (
    Spectrum,
    filter_risk,
    ground_truth_weighted_filter,
    kernel_spectrum,
    multistep_filter,
    optimal_schedule,
    rbf_kernel,
)
from tests._tol import Z

import sdtheory.simulate as simulate  # noqa: E402  (a missing JAX must fail, not skip)


def _toy():
    x = np.linspace(0, 1, 11)
    return rbf_kernel(x, gamma=80.0), np.sin(2 * np.pi * x)


@pytest.mark.parametrize("alpha", [0.0, 0.3, "per-step"])
@pytest.mark.parametrize("dist", ["gaussian", "rademacher"])
def test_toy_kernel_risk_per_step(alpha, dist):
    K, ys = _toy()
    noise, lam, steps = 0.25, 0.2, 6
    sp = kernel_spectrum(K, ys, noise)
    if alpha == "per-step":
        al = np.array([1.5, -0.3, 0.8, 0.0, 2.0])  # label weights outside [0, 1] too
        theory = [filter_risk(sp, multistep_filter(sp.eigvals, lam, 1 - al[: t - 1]))
                  for t in range(1, steps + 1)]
    else:
        al = alpha
        theory = [filter_risk(sp, ground_truth_weighted_filter(sp.eigvals, lam, alpha, t))
                  for t in range(1, steps + 1)]
    mc = simulate.simulate_kernel_sd(K, ys, noise, lam, al, steps=steps, n_trials=4000,
                                     key=17, dist=dist)
    z = (mc.mean - np.array(theory)) / mc.se
    assert np.all(np.abs(z) <= Z), z


@pytest.mark.parametrize("shape,risk", [((30, 8), "parameter"), ((6, 12), "parameter"),
                                        ((20, 5), "prediction")])
def test_linear_multistep_risk(shape, risk):
    rng = np.random.default_rng(sum(shape))
    X = rng.standard_normal(shape)
    th = rng.standard_normal(shape[1])
    noise, lam = 0.6, 2.0
    xis = np.array([1.8, -0.7, 3.0])
    weights = "parameter" if risk == "parameter" else "prediction"
    sp = Spectrum.from_design(X, th, noise, weights=weights)
    theory = np.array([filter_risk(sp, multistep_filter(sp.eigvals, lam, xis[:k]))
                       for k in range(xis.size + 1)])
    mc = simulate.simulate_linear_sd(X, th, noise, lam, 1 - xis, n_trials=4000, key=5,
                                     dist="uniform", risk=risk, batch=1000)
    z = (mc.mean - theory) / mc.se
    assert np.all(np.abs(z) <= Z), z


def test_optimal_schedule_risk_by_simulation():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((25, 4)) * np.array([3.0, 1.5, 0.7, 0.3])
    th = np.array([2.0, 0.1, 1.0, 0.05])
    sp = Spectrum.from_design(X, th, 1.0)
    opt = optimal_schedule(sp, 1.0, 2)
    mc = simulate.simulate_linear_sd(X, th, 1.0, 1.0, 1 - opt.xis, n_trials=4000, key=9)
    assert abs(mc.mean[-1] - opt.risk) <= Z * mc.se[-1]
    assert abs(mc.mean[0] - opt.ridge_risk) <= Z * mc.se[0]


def test_simulation_input_errors():
    K, ys = _toy()
    with pytest.raises(ValueError, match="n_trials"):
        simulate.simulate_kernel_sd(K, ys, 0.1, 0.2, 0.0, steps=2, n_trials=1)
    with pytest.raises(ValueError, match="label_weights must have length"):
        simulate.simulate_kernel_sd(K, ys, 0.1, 0.2, [0.1, 0.2], steps=2)
    with pytest.raises(ValueError, match="lam must be > 0"):
        simulate.simulate_kernel_sd(K, ys, 0.1, 0.0, 0.0, steps=2)
    with pytest.raises(ValueError, match="dist"):
        simulate.simulate_kernel_sd(K, ys, 0.1, 0.2, 0.0, steps=2, dist="cauchy")
    with pytest.raises(ValueError, match="steps"):
        simulate.simulate_kernel_sd(K, ys, 0.1, 0.2, None, steps=0)


def test_toy_expected_risk_dips_then_rises_for_alpha_zero():
    """Theory note: on the toy problem (α = 0) the error first falls, then rises (expected risk)."""
    K, ys = _toy()
    sp = kernel_spectrum(K, ys, 0.25)
    risk = np.array([filter_risk(sp, ground_truth_weighted_filter(sp.eigvals, 0.2, 0.0, t))
                     for t in range(1, 16)])
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
    al = rng.uniform(-0.5, 1.5, 7)
    sp = kernel_spectrum(K, ys, 0.4)
    theory = [filter_risk(sp, multistep_filter(sp.eigvals, 0.05, 1 - al[: t - 1]))
              for t in range(1, 9)]
    mc = simulate.simulate_kernel_sd(K, ys, 0.4, 0.05, al, n_trials=40000, key=seed, batch=10000,
                                     dist="uniform")
    z = (mc.mean - np.array(theory)) / mc.se
    assert np.all(np.abs(z) <= Z), z
