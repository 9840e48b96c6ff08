"""Bad input to the multi-stage Gaussian-mixture callables: ``gmm_multistage``,
``optimize_gmm_multistage``, ``gmm_finite_n_error`` (theory; result container
``GMMMultistage``) and ``simulate_gmm_multistage``, ``gmm_multistage_summary`` (Monte Carlo).
Each bad value must raise a ValueError/TypeError whose message names the argument."""

import re

import numpy as np
import pytest

from sdtheory.classification import (
    GMMMultistage,
    gmm_finite_n_error,
    gmm_multistage,
    optimize_gmm_multistage,
)

NAN, INF = float("nan"), float("inf")
SCALAR = ["a", None, 1 + 2j, NAN, np.array([1.0, 2.0])]
FINITE = [*SCALAR, INF]
COUNT = [2.5, "3", True, None]
PROB = [-0.1, 1.5, NAN, "a", None, 1 + 2j]
GMM = dict(sample_ratio=2.0, delta=1.0, rho=0.5)
MODEL_BAD = {
    "sample_ratio": FINITE + [0.0, -1.0],
    "delta": FINITE + [0.0],
    "rho": PROB + [0.0, 1.0],
    "corruption": PROB,
}


def _theory_cases():
    per_stage = {
        "lam": ["a", None, NAN, INF, 0.0, -1.0, [1.0, 1.0], [[1.0, 1.0, 1.0]], [1.0, NAN, 1.0]],
        "inverse_temperature": ["a", None, NAN, 0.0, -1.0, [1.0, 1.0, 1.0], [2.0, NAN]],
        "xi": ["a", NAN, INF, [1.0], [1.0, INF], [1.0, 1.0]],
        "xis": ["a", NAN, 1.0, [1.0], [1.0, INF], [[1.0, 1.0]], [1.0, 1.0, 1.0]],
        "steps": [2.5, "3", True, -1, 5],
        "n_nodes": [2.5, "3", True, 1, 201, 10**6],
    }
    return {
        gmm_multistage: (dict(GMM, corruption=0.2, lam=1.0, steps=2), {**MODEL_BAD, **per_stage}),
        optimize_gmm_multistage: (
            dict(GMM, corruption=0.2, steps=1, n_grid=3),
            {
                **MODEL_BAD,
                "steps": [2.5, "3", True, -1, 5],
                "xi": ["a", NAN, [1.0, 2.0]],
                "xis": ["a", NAN, 1.0, [1.0, 2.0]],
                "lam_bounds": ["a", None, (1.0,), (2.0, 1.0), (0.0, 1.0), (1.0, NAN), 3.0],
                "inverse_temperature_bounds": ["a", None, (5.0, 1.0), (-1.0, 2.0), (1.0, INF)],
                "n_grid": COUNT + [2],
                "n_nodes": [2.5, 1, 1001],
            },
        ),
        gmm_finite_n_error: (
            dict(m=0.2, Q=0.1, b=0.0, cov=np.eye(3) * 1e-4, delta=1.0, rho=0.5),
            {
                "m": FINITE,
                "Q": FINITE + [0.0, -1.0],
                "b": FINITE,
                "cov": [
                    None,
                    "a",
                    np.eye(2),
                    np.full((3, 3), NAN),
                    np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
                    -np.eye(3),
                    np.ones(3),
                ],
                "delta": FINITE + [0.0],
                "rho": PROB,
                "n_nodes": COUNT + [1],
            },
        ),
    }


def _sim_cases():
    from sdtheory.simulate import gmm_multistage_summary, simulate_gmm_multistage

    base = dict(n_features=10, **GMM, corruption=0.2, lam=1.0, steps=1, n_trials=2)
    bad = {
        "n_features": COUNT + [1],
        **MODEL_BAD,
        "lam": ["a", None, NAN, INF, 0.0, [1.0, 2.0, 3.0]],
        "steps": [2.5, "3", True, -1],
        "inverse_temperature": ["a", None, NAN, 0.0, [1.0, 2.0]],
        "xi": ["a", NAN, INF, [1.0, 2.0]],
        "xis": ["a", NAN, 1.0, [1.0, INF], [1.0, 2.0]],
        "n_trials": COUNT + [1],
        "seed": ["a", None, -1],
        "batch_size": COUNT + [0],
    }
    return {simulate_gmm_multistage: (base, bad), gmm_multistage_summary: (base, bad)}


def _expand(spec):
    return [
        pytest.param(fn, base, arg, v, id=f"{fn.__name__}-{arg}-{type(v).__name__}-{v!r:.20}")
        for fn, (base, bad) in spec.items()
        for arg, values in bad.items()
        for v in values
    ]


def _check(fn, base, arg, value):
    kw = dict(base)
    kw[arg] = value
    with pytest.raises((ValueError, TypeError)) as exc:
        fn(**kw)
    assert re.search(rf"\b{re.escape(arg)}\b", str(exc.value)), (arg, str(exc.value))


@pytest.mark.parametrize("fn, base, arg, value", _expand(_theory_cases()))
def test_theory_refuses_bad_input_naming_the_argument(fn, base, arg, value):
    _check(fn, base, arg, value)


@pytest.mark.parametrize("fn, base, arg, value", _expand(_sim_cases()))
def test_simulators_refuse_bad_input_naming_the_argument(fn, base, arg, value):
    _check(fn, base, arg, value)


def test_too_few_samples_and_result_container():
    from sdtheory.simulate import simulate_gmm_multistage

    with pytest.raises(ValueError, match="sample_ratio"):
        simulate_gmm_multistage(4, 0.2, 1.0, 0.5, corruption=0.1, lam=1.0, n_trials=2)
    # GMMMultistage is a result container (built by gmm_multistage, not from user input)
    r = gmm_multistage(**GMM, corruption=0.2, lam=1.0, steps=0)
    assert isinstance(r, GMMMultistage) and r.inverse_temperature.size == 0


@pytest.mark.parametrize("fn", ["theory", "optimizer", "simulator"])
def test_xi_and_xis_are_exclusive(fn):
    if fn == "simulator":
        from sdtheory.simulate import simulate_gmm_multistage as f

        kw = dict(n_features=10, **GMM, corruption=0.2, lam=1.0, n_trials=2)
    else:
        f = gmm_multistage if fn == "theory" else optimize_gmm_multistage
        kw = dict(GMM, corruption=0.2) | (dict(lam=1.0) if fn == "theory" else dict(n_grid=3))
    with pytest.raises(TypeError, match=r"at most one of xi .* and xis"):
        f(**kw, xi=1.0, xis=[1.0])
