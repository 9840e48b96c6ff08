"""Bad input to the ridge, multi-step and kernel simulators and their helpers.

Every public callable of the fixed-design / kernel Monte Carlo refuses each kind of bad input
with a ``TypeError``/``ValueError`` whose message names the argument and states its valid range:
strings, None and complex numbers where numbers belong; an array where a scalar belongs; NaN/inf
in ``X``, ``K``, ``y*``, ``θ*`` and ξ; non-symmetric or non-PSD Gram/weight matrices;
non-integer or non-positive counts; a bad ``seed`` (named ``seed`` whatever it is).
"""

from __future__ import annotations

import re

import jax
import numpy as np
import pytest

from sdtheory import KernelProblem, LinearProblem
from sdtheory.simulate import (
    TrialRunner,
    ridge_sd_monte_carlo,
    ridge_sd_noise,
    run_trials,
    simulate_kernel_sd,
    simulate_multistep,
    trial_keys,
    trial_mean_se,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 3))
THETA = RNG.standard_normal(3)
LPROB = LinearProblem(X, THETA, 0.5)
_Z = RNG.standard_normal((5, 2))
KPROB = KernelProblem(_Z @ _Z.T + 0.1 * np.eye(5), RNG.standard_normal(5), 0.5)
#: tokens that state a valid range or set
RANGE = re.compile(r">=|> 0|\[|\(|one of|must be (a|an|one|None)|must be real|must be 1-D")

SIMULATORS = {
    "ridge_sd_monte_carlo": (ridge_sd_monte_carlo, LPROB, dict(lam=0.5, xi=1.0, n_trials=4)),
    "simulate_multistep": (simulate_multistep, LPROB, dict(lam=0.5, xis=[1.0], n_trials=4)),
    "simulate_kernel_sd": (simulate_kernel_sd, KPROB, dict(lam=0.5, xis=[1.0], n_trials=4)),
}

BAD_COMMON = [
    # strings / None / complex where numbers belong
    ("lam", "1.0"),
    ("lam", None),
    ("lam", 1 + 2j),
    ("lam", 0.0),
    ("lam", -1.0),
    ("lam", float("nan")),
    ("lam", float("inf")),
    ("n_trials", "10"),
    ("n_trials", None),
    ("n_trials", 2.5),
    ("n_trials", 1),
    ("n_trials", 0),
    ("n_trials", -3),
    ("n_trials", True),
    ("n_trials", np.array([5])),
    ("seed", "a"),
    ("seed", None),
    ("seed", 1.5),
    ("seed", -1),
    ("seed", 2**63),
    ("seed", True),
    ("seed", 1j),
    ("seed", np.array([1, 2])),
    ("noise_dist", "cauchy"),
    ("noise_dist", None),
    ("noise_dist", 3),
    ("batch_size", 0),
    ("batch_size", -2),
    ("batch_size", 1.5),
    ("batch_size", "8"),
    ("devices", "gpu0"),
    ("devices", 3),
    ("devices", []),
    ("devices", ["cpu"]),
]
BAD_XI = [
    ("xi", "a"),
    ("xi", None),
    ("xi", 1j),
    ("xi", float("nan")),
    ("xi", float("inf")),
    ("xi", [1.0, float("nan")]),
    ("teacher_lam", 0.0),
    ("teacher_lam", "x"),
    ("teacher_lam", [1.0, 2.0, 3.0]),
]
BAD_XIS = [
    ("xis", "a"),
    ("xis", None),
    ("xis", [1.0, 1j]),
    ("xis", [float("nan")]),
    ("xis", [1.0, float("inf")]),
    ("xis", [[1.0, 2.0]]),
    ("lam", np.array([0.5, 1.0])),
]  # an array where the scalar λ belongs

CASES = [(name, arg, val) for name in SIMULATORS for arg, val in BAD_COMMON]
CASES += [("ridge_sd_monte_carlo", arg, val) for arg, val in BAD_XI]
CASES += [
    (name, arg, val)
    for name in ("simulate_multistep", "simulate_kernel_sd")
    for arg, val in BAD_XIS
]


def _assert_clear(excinfo, arg):
    msg = str(excinfo.value)
    assert arg in msg, f"message does not name {arg!r}: {msg}"
    assert RANGE.search(msg), f"message states no valid range: {msg}"


@pytest.mark.parametrize("name,arg,value", CASES, ids=[f"{n}-{a}-{v!r}"[:60] for n, a, v in CASES])
def test_simulator_refuses_bad_argument(name, arg, value):
    fn, prob, kw = SIMULATORS[name]
    kw = dict(kw, **{arg: value})
    with pytest.raises((TypeError, ValueError)) as excinfo:
        fn(prob, **kw)
    _assert_clear(excinfo, arg)


@pytest.mark.parametrize("name", list(SIMULATORS))
@pytest.mark.parametrize("problem", [None, "problem", 3.0, (X, THETA, 0.5), X])
def test_simulator_refuses_what_is_not_a_problem(name, problem):
    fn, _, kw = SIMULATORS[name]
    with pytest.raises(TypeError, match="problem must be a sdtheory.(Linear|Kernel)Problem"):
        fn(problem, **kw)


def test_linear_simulators_refuse_a_kernel_problem_and_back():
    with pytest.raises(TypeError, match="LinearProblem"):
        ridge_sd_monte_carlo(KPROB, lam=0.5, xi=1.0, n_trials=4)
    with pytest.raises(TypeError, match="LinearProblem"):
        simulate_multistep(KPROB, lam=0.5, xis=[1.0], n_trials=4)
    with pytest.raises(TypeError, match="KernelProblem"):
        simulate_kernel_sd(LPROB, lam=0.5, xis=[1.0], n_trials=4)


BAD_DATA = [
    ("X", lambda: LinearProblem(np.full((6, 3), np.nan), THETA, 0.5)),
    ("X", lambda: LinearProblem(np.where(np.eye(6, 3) > 0, np.inf, X), THETA, 0.5)),
    ("X", lambda: LinearProblem("X", THETA, 0.5)),
    ("theta_star", lambda: LinearProblem(X, [1.0, np.nan, 0.0], 0.5)),
    ("theta_star", lambda: LinearProblem(X, [1.0, np.inf, 0.0], 0.5)),
    ("theta_star", lambda: LinearProblem(X, [1.0, 1j, 0.0], 0.5)),
    ("noise", lambda: LinearProblem(X, THETA, -1.0)),
    ("noise", lambda: LinearProblem(X, THETA, [0.5, 0.5])),
    ("noise", lambda: LinearProblem(X, THETA, "0.5")),
    ("weights", lambda: LinearProblem(X, THETA, 0.5, weights=np.triu(np.ones((3, 3))))),
    ("weights", lambda: LinearProblem(X, THETA, 0.5, weights=-np.eye(3))),
    ("weights", lambda: LinearProblem(X, THETA, 0.5, weights="population")),
    ("K", lambda: KernelProblem(np.triu(np.ones((5, 5))), np.ones(5), 0.5)),
    ("K", lambda: KernelProblem(-np.eye(5), np.ones(5), 0.5)),
    ("K", lambda: KernelProblem(np.full((5, 5), np.nan), np.ones(5), 0.5)),
    ("y_star", lambda: KernelProblem(np.eye(5), [1.0, np.nan, 0, 0, 0], 0.5)),
    ("y_star", lambda: KernelProblem(np.eye(5), [1.0, np.inf, 0, 0, 0], 0.5)),
    ("noise", lambda: KernelProblem(np.eye(5), np.ones(5), float("nan"))),
]


@pytest.mark.parametrize(
    "arg,make", BAD_DATA, ids=[f"{a}-{i}" for i, (a, _) in enumerate(BAD_DATA)]
)
def test_bad_problem_data_is_refused_before_any_simulation(arg, make):
    """NaN/inf in X, θ*, K, y*; non-symmetric or non-PSD K and W: the problem object refuses."""
    with pytest.raises((TypeError, ValueError), match=arg):
        make()


# ------------------------------------------------------------------ the helpers
NOISE_OK = dict(noise=1.0, n_trials=3, seed=0)
BAD_NOISE_HELPER = [
    ("n", "5"),
    ("n", 0),
    ("n", 2.5),
    ("n", None),
    ("noise", -1.0),
    ("noise", "1"),
    ("noise", None),
    ("noise", 1j),
    ("noise", np.ones(2)),
    ("noise", float("nan")),
    ("noise", float("inf")),
    ("n_trials", 0),
    ("n_trials", 1.5),
    ("n_trials", None),
    ("seed", -1),
    ("seed", "x"),
    ("seed", 0.5),
    ("noise_dist", "t"),
]


@pytest.mark.parametrize(
    "arg,value", BAD_NOISE_HELPER, ids=[f"{a}-{v!r}" for a, v in BAD_NOISE_HELPER]
)
def test_ridge_sd_noise_refuses_bad_argument(arg, value):
    kw = dict(NOISE_OK)
    n = 4
    if arg == "n":
        n = value
    else:
        kw[arg] = value
    with pytest.raises((TypeError, ValueError)) as excinfo:
        ridge_sd_noise(n, **kw)
    _assert_clear(excinfo, arg)


@pytest.mark.parametrize(
    "arg,value",
    [
        ("seed", -1),
        ("seed", "s"),
        ("seed", 1.0),
        ("n_trials", 0),
        ("n_trials", 2.5),
        ("n_trials", "3"),
    ],
)
def test_trial_keys_refuses_bad_argument(arg, value):
    kw = dict(seed=0, n_trials=3)
    kw[arg] = value
    with pytest.raises((TypeError, ValueError)) as excinfo:
        trial_keys(**kw)
    _assert_clear(excinfo, arg)


def _one(key):
    return jax.random.normal(key, ())


@pytest.mark.parametrize("value", [0, -1, 1.5, "4"])
def test_runners_refuse_bad_batch_size(value):
    keys = trial_keys(seed=0, n_trials=5)
    for call in (
        lambda: run_trials(_one, keys, batch_size=value),
        lambda: trial_mean_se(_one, keys, batch_size=value),
        lambda: TrialRunner(_one, batch_size=value),
    ):
        with pytest.raises((TypeError, ValueError)) as excinfo:
            call()
        _assert_clear(excinfo, "batch_size")


@pytest.mark.parametrize("value", ["gpu", 3, [], ["cpu"]])
def test_runners_refuse_bad_devices(value):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        TrialRunner(_one, devices=value, batch_size=2)
    _assert_clear(excinfo, "devices")


def test_runner_refuses_what_is_not_callable():
    with pytest.raises(TypeError, match="fn must be callable"):
        TrialRunner("f", batch_size=2)


def test_a_key_array_is_refused_as_seed():
    keys = jax.random.split(jax.random.key(0), 3)
    with pytest.raises(ValueError, match=r"seed must be .*one key"):
        ridge_sd_monte_carlo(LPROB, lam=0.5, xi=1.0, n_trials=4, seed=keys)
    # one key is a valid seed, and gives the numbers of the int seed it came from
    a = ridge_sd_monte_carlo(LPROB, lam=0.5, xi=1.0, n_trials=4, seed=jax.random.key(3))
    b = ridge_sd_monte_carlo(LPROB, lam=0.5, xi=1.0, n_trials=4, seed=3)
    assert a.mean == b.mean
