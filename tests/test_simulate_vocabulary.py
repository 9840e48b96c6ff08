"""The simulators speak one vocabulary (read from their signatures) and return one kind of result
(an ``MCResult`` or a tidy DataFrame; one tiny call each).

Every public callable of :mod:`sdtheory.simulate` is enumerated. A simulator (anything that runs
trials) takes keyword-only ``n_trials`` and ``seed``; the shared settings (``noise_dist``,
``batch_size``, ``devices``, ``lam``, ``xi``, ``xis``, ``corruption``) are keyword-only wherever
they appear; and none of the retired synonyms is used as a parameter name anywhere.
"""

from __future__ import annotations

import inspect

import pytest

import sdtheory.simulate as simulate

#: retired synonyms: one name per meaning (n_trials, seed, noise_dist, batch_size, weights,
#: xi/xis on the teacher, corruption, theta_star)
FORBIDDEN = {
    "trials",
    "n_seeds",
    "key",
    "dist",
    "design",
    "batch",
    "chunk",
    "risk",
    "label_weights",
    "flip",
    "rate",
    "p",
    "beta",
}
#: ``design`` is the law of a random design matrix there (not label noise): the one allowed use
ALLOWED = {("simulate_random_design", "design"), ("sample_random_design", "design")}
SHARED_KEYWORD_ONLY = (
    "n_trials",
    "seed",
    "noise_dist",
    "batch_size",
    "devices",
    "lam",
    "xi",
    "xis",
    "corruption",
)
RUNS_TRIALS = {"n_trials", "trials", "n_seeds"}


def _public_callables():
    out = []
    for name in sorted(simulate.__all__):
        obj = getattr(simulate, name)
        if inspect.isfunction(obj):
            out.append((name, inspect.signature(obj)))
        elif inspect.isclass(obj) and obj.__init__ is not object.__init__ and name != "MCResult":
            out.append((name, inspect.signature(obj.__init__)))
    return out


CALLABLES = _public_callables()
IDS = [name for name, _ in CALLABLES]
SIMULATORS = [(n, sig) for n, sig in CALLABLES if RUNS_TRIALS & set(sig.parameters)]
WITH_NOISE_DIST = [(n, sig) for n, sig in CALLABLES if "noise_dist" in sig.parameters]


def test_the_simulators_are_enumerated():
    names = set(IDS)
    for must in ("ridge_sd_monte_carlo", "simulate_multistep", "simulate_kernel_sd"):
        assert must in names
    assert "simulate_linear_sd" not in names  # replaced by simulate_multistep
    assert len(SIMULATORS) >= 5 and len(WITH_NOISE_DIST) >= 3


@pytest.mark.parametrize("name,sig", CALLABLES, ids=IDS)
def test_no_retired_parameter_names(name, sig):
    bad = sorted(p for p in sig.parameters if p in FORBIDDEN and (name, p) not in ALLOWED)
    assert not bad, f"{name} uses retired parameter names {bad}"


@pytest.mark.parametrize("name,sig", SIMULATORS, ids=[n for n, _ in SIMULATORS])
def test_simulators_take_keyword_only_n_trials_and_seed(name, sig):
    params = sig.parameters
    for p in ("n_trials", "seed"):
        assert p in params, f"{name} has no {p!r} parameter"
        assert params[p].kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: {p} is not keyword-only"


@pytest.mark.parametrize("name,sig", CALLABLES, ids=IDS)
def test_shared_settings_are_keyword_only(name, sig):
    positional = [
        p
        for p in SHARED_KEYWORD_ONLY
        if p in sig.parameters and sig.parameters[p].kind is not inspect.Parameter.KEYWORD_ONLY
    ]
    assert not positional, f"{name}: {positional} must be keyword-only"


@pytest.mark.parametrize("name,sig", WITH_NOISE_DIST, ids=[n for n, _ in WITH_NOISE_DIST])
def test_noise_dist_default_is_a_known_law(name, sig):
    assert sig.parameters["noise_dist"].default in simulate.NOISE_DISTS


def test_ridge_multistep_kernel_share_one_signature_shape():
    """The problem first; the same keyword-only names after it."""
    common = ["n_trials", "seed", "noise_dist", "batch_size", "devices"]
    for fn, extra in (
        (simulate.ridge_sd_monte_carlo, ["lam", "xi"]),
        (simulate.simulate_multistep, ["lam", "xis"]),
        (simulate.simulate_kernel_sd, ["lam", "xis"]),
    ):
        params = inspect.signature(fn).parameters
        first, *rest = params.values()
        assert first.name == "problem" and first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in rest)
        assert [p for p in params if p in extra + common] == extra + common
        assert params["n_trials"].default == 2000 and params["seed"].default == 0


def _tiny_calls():
    """One tiny call per public simulator (n_trials=2, a handful of points)."""
    import numpy as np

    from sdtheory import KernelProblem, LinearProblem

    lin = LinearProblem(np.eye(4)[:, :3], [1.0, 0.0, 0.5], noise=0.5)
    x = np.linspace(0, 1, 4)
    ker = KernelProblem(np.exp(-4 * (x[:, None] - x[None, :]) ** 2), np.sin(x), noise=0.25)
    gmm = dict(corruption=0.2, lam=0.5, n_trials=2, batch_size=2)
    return {
        "ridge_sd_monte_carlo": lambda: simulate.ridge_sd_monte_carlo(
            lin, lam=0.5, xi=1.0, n_trials=2
        ),
        "simulate_multistep": lambda: simulate.simulate_multistep(
            lin, lam=0.5, xis=[1.0], n_trials=2
        ),
        "simulate_kernel_sd": lambda: simulate.simulate_kernel_sd(
            ker, lam=0.5, xis=[1.0], n_trials=2
        ),
        "simulate_random_design": lambda: simulate.simulate_random_design(
            [1.0, 2.0], [0.5, 0.5], noise=1.0, n=6, lam=0.5, n_trials=2
        ),
        "simulate_gmm_sd": lambda: simulate.simulate_gmm_sd(8, 1.0, 1.0, 0.5, steps=1, **gmm),
        "simulate_gmm_bce_teacher": lambda: simulate.simulate_gmm_bce_teacher(
            8, 1.0, 1.0, 0.5, n_iter=3, **gmm
        ),
        "simulate_clustered_sd": lambda: simulate.simulate_clustered_sd(
            3, 0.4, 0.1, n_corrupted_per_class=1, lam=0.5, xi=[1.0, 2.0], n_trials=2, n_iter=3
        ),
        "simulate_gmm_multistage": lambda: simulate.simulate_gmm_multistage(
            8, 1.0, 1.0, 0.5, steps=1, **gmm
        ),
        "simulate_partial_label": lambda: simulate.simulate_partial_label(
            3, 0.4, 0.1, corruption=0.3, lam=0.5, xi=[1.0, 2.0], n_trials=2, n_iter=3
        ),
    }


SIMULATOR_NAMES = sorted(
    n
    for n in simulate.__all__
    if inspect.isfunction(getattr(simulate, n))
    and (n.startswith("simulate_") or n == "ridge_sd_monte_carlo")
)


def test_every_simulator_has_a_tiny_call():
    assert set(SIMULATOR_NAMES) == set(_tiny_calls())


@pytest.mark.parametrize("name", SIMULATOR_NAMES)
def test_simulators_return_an_mcresult_or_a_tidy_dataframe(name):
    """One estimate → ``MCResult(mean, se, n)``; anything per trial or per sweep point → a tidy
    DataFrame with named columns (no raw arrays or dicts)."""
    import pandas as pd

    out = _tiny_calls()[name]()
    assert isinstance(out, (simulate.MCResult, pd.DataFrame)), (name, type(out).__name__)
    if isinstance(out, pd.DataFrame):
        assert len(out) > 0 and all(isinstance(c, str) for c in out.columns), name
    else:
        assert out.n == 2, name
