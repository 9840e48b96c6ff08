"""Every public callable of sdtheory.asymptotics and the random-design simulator refuses each kind
of bad input with a ValueError/TypeError whose message names the argument.

``CALLS`` lists, for each public name, a call with good arguments and the arguments to corrupt
with their kind. A test checks the table covers every name in ``__all__`` (the two result
containers ``CurvatureTest`` and ``SDvsRidge`` are outputs, never inputs, and are exempt).
"""

import re

import numpy as np
import pytest

import sdtheory.asymptotics as asy

RNG = np.random.default_rng(0)
X = RNG.standard_normal((12, 4))
TH = np.array([1.0, -0.5, 0.3, 0.0])
Y = X @ TH + RNG.standard_normal(12)
NONPSD = np.array([[1.0, 2.0], [2.0, 1.0]])
NONSYM = np.array([[1.0, 0.5], [0.0, 1.0]])

BAD = {"string": "abc", "none": None, "complex": 1.0 + 2.0j, "nan": np.nan, "inf": np.inf}


def values_for(kind):
    """Bad values for one kind of argument."""
    if kind == "number":  # a real scalar or array (lam, eigenvalues, ...)
        return dict(BAD)
    if kind == "scalar":  # a real scalar: an array is wrong too
        return {**BAD, "array_for_scalar": np.ones(2)}
    if kind in ("optional_number", "optional_data"):  # None means "the default"
        return {k: v for k, v in values_for(kind.split("_")[1]).items() if k != "none"}
    if kind == "optional_count":
        return {k: v for k, v in values_for("count").items() if k != "none"}
    if kind == "count":
        return {
            **BAD,
            "non_integer": 2.5,
            "array_for_scalar": np.array([2, 3]),
            "integer_string": "3",
            "bool": True,
            "zero": 0,
            "negative": -3,
        }
    if kind == "choice":
        return {"unknown": "full", "none": None, "complex": 1j, "number": 1.0}
    if kind == "data":  # X, y, θ*: no NaN/inf, no strings
        return {
            "string": "abc",
            "none": None,
            "complex": np.ones(3) * 1j,
            "nan_entry": "NAN",
            "inf_entry": "INF",
        }
    if kind == "matrix":  # a PSD matrix
        return {
            "string": "abc",
            "none": None,
            "nan_entry": "NAN",
            "non_psd": NONPSD,
            "non_symmetric": NONSYM,
        }
    if kind == "seed":
        return {
            "string": "abc",
            "none": None,
            "negative": -1,
            "float": 1.5,
            "complex": 1j,
            "array": np.array([1, 2]),
        }
    raise KeyError(kind)


def corrupt(good, value):
    """Turn the markers NAN/INF into a copy of the good array with one bad entry."""
    if isinstance(value, str) and value in ("NAN", "INF"):
        arr = np.array(good, dtype=float, copy=True)
        arr.flat[0] = np.nan if value == "NAN" else np.inf
        return arr
    return value


S2 = np.array([4.0, 1.0])
E2 = np.array([1.0, 0.5])

# name -> (function, positional args, keyword args, {argument: kind})
CALLS = {
    "lam_to_fixed_design": (
        asy.lam_to_fixed_design,
        [0.5],
        dict(n=10),
        {"lam": "number", "n": "count"},
    ),
    "lam_to_mse_scale": (asy.lam_to_mse_scale, [5.0], dict(n=10), {"lam": "number", "n": "count"}),
    "spectrum_from_cov": (
        asy.spectrum_from_cov,
        [np.eye(2), [1.0, 2.0]],
        {},
        {"cov": "matrix", "theta_star": "data"},
    ),
    "two_level_spectrum": (
        asy.two_level_spectrum,
        [],
        dict(high=10.0, low=1.0, frac_high=0.2, signal_high=1.0, signal_low=0.5),
        {
            "high": "scalar",
            "low": "scalar",
            "frac_high": "scalar",
            "signal_high": "scalar",
            "signal_low": "scalar",
        },
    ),
    "power_law_spectrum": (
        asy.power_law_spectrum,
        [10],
        dict(decay=1.0, signal_decay=2.0),
        {"p": "count", "decay": "scalar", "signal_decay": "scalar", "signal_norm_sq": "scalar"},
    ),
    "solve_kappa": (
        asy.solve_kappa,
        [S2],
        dict(aspect_ratio=0.5, lam=1.0),
        {
            "cov_eigvals": "number",
            "aspect_ratio": "scalar",
            "lam": "number",
            "weights": "optional_number",
        },
    ),
    "asymptotic_moments": (
        asy.asymptotic_moments,
        [S2, E2],
        dict(aspect_ratio=0.5, lam=1.0),
        {
            "cov_eigvals": "number",
            "signal_energy": "number",
            "aspect_ratio": "scalar",
            "lam": "number",
            "weights": "optional_number",
        },
    ),
    "asymptotic_risks": (
        asy.asymptotic_risks,
        [S2, E2],
        dict(noise=1.0, aspect_ratio=0.5, lam=1.0),
        {
            "cov_eigvals": "number",
            "signal_energy": "number",
            "noise": "scalar",
            "aspect_ratio": "scalar",
            "lam": "number",
            "weights": "optional_number",
        },
    ),
    "isotropic_kappa": (
        asy.isotropic_kappa,
        [],
        dict(aspect_ratio=0.5, lam=1.0),
        {"aspect_ratio": "scalar", "lam": "number"},
    ),
    "isotropic_asymptotics": (
        asy.isotropic_asymptotics,
        [],
        dict(aspect_ratio=0.5, noise=1.0, signal_norm_sq=1.0, lam=1.0),
        {"aspect_ratio": "scalar", "noise": "scalar", "signal_norm_sq": "scalar", "lam": "number"},
    ),
    "curvature_test": (
        asy.curvature_test,
        [S2, E2],
        dict(noise=1.0, aspect_ratio=0.5),
        {
            "cov_eigvals": "number",
            "signal_energy": "number",
            "noise": "scalar",
            "aspect_ratio": "scalar",
            "weights": "optional_number",
            "lam_range": "number",
            "per_decade": "count",
        },
    ),
    "compare_sd_vs_ridge": (
        asy.compare_sd_vs_ridge,
        [S2, E2],
        dict(noise=1.0, aspect_ratio=0.5),
        {
            "cov_eigvals": "number",
            "signal_energy": "number",
            "noise": "scalar",
            "aspect_ratio": "scalar",
            "weights": "optional_number",
            "lam_range": "number",
            "per_decade": "count",
        },
    ),
    "finite_sample_sd": (
        asy.finite_sample_sd,
        [X, Y, TH],
        dict(lam=10.0, noise=1.0, test_cov=np.ones(4)),
        {
            "X": "data",
            "y": "data",
            "theta_star": "data",
            "lam": "number",
            "noise": "scalar",
            "test_cov": "matrix",
            "test_signal": "optional_data",
            "average": "choice",
        },
    ),
    "one_shot_xi": (
        asy.one_shot_xi,
        [X, Y],
        dict(lam=10.0),
        {"X": "data", "y": "data", "lam": "number", "uncertainty": "choice", "method": "choice"},
    ),
    "cv_xi": (
        asy.cv_xi,
        [X, Y],
        dict(lam=10.0, folds=3),
        {
            "X": "data",
            "y": "data",
            "lam": "number",
            "folds": "count",
            "xi": "optional_data",
            "seed": "seed",
        },
    ),
}
EXEMPT = {"CurvatureTest", "SDvsRidge"}
POSITIONAL = {
    "lam_to_fixed_design": ["lam"],
    "lam_to_mse_scale": ["lam"],
    "spectrum_from_cov": ["cov", "theta_star"],
    "power_law_spectrum": ["p"],
    "solve_kappa": ["cov_eigvals"],
    "asymptotic_moments": ["cov_eigvals", "signal_energy"],
    "asymptotic_risks": ["cov_eigvals", "signal_energy"],
    "curvature_test": ["cov_eigvals", "signal_energy"],
    "compare_sd_vs_ridge": ["cov_eigvals", "signal_energy"],
    "finite_sample_sd": ["X", "y", "theta_star"],
    "one_shot_xi": ["X", "y"],
    "cv_xi": ["X", "y"],
}
GOOD_OPTIONAL = {  # good values for optional arguments the table corrupts
    "weights": np.array([0.5, 0.5]),
    "lam_range": (1e-3, 1e3),
    "per_decade": 5,
    "signal_norm_sq": 1.0,
    "test_signal": TH,
    "average": "realized",
    "uncertainty": "delta",
    "method": "corrected",
    "xi": np.array([0.0, 1.0]),
    "seed": 0,
}


def _cases():
    for name, (_fn, _args, _kwargs, kinds) in CALLS.items():
        for arg, kind in kinds.items():
            for label, value in values_for(kind).items():
                yield pytest.param(name, arg, label, value, id=f"{name}-{arg}-{label}")


def _call(name, arg, value):
    fn, args, kwargs, _ = CALLS[name]
    args, kwargs = list(args), dict(kwargs)
    pos = POSITIONAL.get(name, [])
    if arg in pos:
        i = pos.index(arg)
        args[i] = corrupt(args[i], value)
    else:
        good = kwargs.get(arg, GOOD_OPTIONAL.get(arg))
        kwargs[arg] = corrupt(good, value)
    return fn(*args, **kwargs)


def test_table_covers_every_public_callable():
    assert set(asy.__all__) - EXEMPT == set(CALLS)
    for fn, args, kwargs, _ in CALLS.values():
        fn(*args, **kwargs)  # the good call runs


@pytest.mark.parametrize("name, arg, label, value", list(_cases()))
def test_bad_input_names_the_argument(name, arg, label, value):
    with pytest.raises((ValueError, TypeError)) as err:
        _call(name, arg, value)
    assert re.search(rf"\b{re.escape(arg)}\b", str(err.value)), str(err.value)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_keyword_only_after_the_problem(name):
    import inspect

    fn = CALLS[name][0]
    params = inspect.signature(fn).parameters.values()
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == POSITIONAL.get(name, []), positional


@pytest.mark.parametrize(
    "call, arg",
    [
        (
            lambda: asy.two_level_spectrum(
                high=1.0, low=1.0, frac_high=1.5, signal_high=1.0, signal_low=1.0
            ),
            "frac_high",
        ),
        (
            lambda: asy.two_level_spectrum(
                high=1.0, low=1.0, frac_high=-0.1, signal_high=1.0, signal_low=1.0
            ),
            "frac_high",
        ),
        (
            lambda: asy.asymptotic_risks(
                S2, E2, noise=1.0, aspect_ratio=0.5, lam=1.0, weights=[0.9, 0.9]
            ),
            "weights",
        ),
        (lambda: asy.asymptotic_risks(S2, E2, noise=-1.0, aspect_ratio=0.5, lam=1.0), "noise"),
        (
            lambda: asy.asymptotic_risks(S2, E2, noise=1.0, aspect_ratio=0.0, lam=1.0),
            "aspect_ratio",
        ),
        (
            lambda: asy.finite_sample_sd(X, Y, TH, lam=10.0, noise=1.0, test_cov=-np.ones(4)),
            "test_cov",
        ),
        (lambda: asy.finite_sample_sd(X, Y, TH, lam=10.0, noise=1.0, test_cov=None), "test_cov"),
        (lambda: asy.cv_xi(X, Y, lam=10.0, folds=13), "folds"),
        (lambda: asy.cv_xi(X, Y, lam=10.0, seed=-1), "seed"),
        (lambda: asy.one_shot_xi(X, Y[:5], lam=10.0), "y"),
        (lambda: asy.one_shot_xi(X, Y, lam=[[1.0]]), "lam"),
        (lambda: asy.one_shot_xi(X, Y, lam=-1.0), "lam"),
    ],
)
def test_out_of_range_values_name_the_argument(call, arg):
    with pytest.raises((ValueError, TypeError), match=rf"\b{arg}\b"):
        call()


# ---------------------------------------------------------------------------- simulator
SIM_KINDS = {
    "cov_eigvals": "data",
    "theta_star": "data",
    "noise": "scalar",
    "n": "count",
    "lam": "number",
    "n_trials": "count",
    "seed": "seed",
    "design_dist": "choice",
    "noise_dist": "choice",
    "batch_size": "optional_count",
}
SIM_GOOD = dict(
    noise=1.0,
    n=6,
    lam=1.0,
    n_trials=2,
    seed=0,
    design_dist="gaussian",
    noise_dist="gaussian",
    batch_size=2,
)


def _sim_cases():
    for arg, kind in SIM_KINDS.items():
        for label, value in values_for(kind).items():
            if arg == "n_trials" and label == "zero":
                continue  # covered by "negative"; 1 is tested below
            yield pytest.param(arg, label, value, id=f"{arg}-{label}")


@pytest.mark.parametrize("fn_name", ["simulate_random_design", "sample_random_design"])
@pytest.mark.parametrize("arg, label, value", list(_sim_cases()))
def test_random_design_simulator_bad_input(fn_name, arg, label, value):
    import sdtheory.simulate as sim

    fn = getattr(sim, fn_name)
    good = dict(SIM_GOOD)
    if fn_name == "sample_random_design":
        if arg in ("lam", "n_trials", "batch_size"):
            return
        for k in ("lam", "n_trials", "batch_size"):
            good.pop(k)
    pos = [np.array([1.0, 2.0]), np.array([0.5, -0.5])]
    if arg in ("cov_eigvals", "theta_star"):
        i = 0 if arg == "cov_eigvals" else 1
        pos[i] = corrupt(pos[i], value)
    else:
        good[arg] = value
    with pytest.raises((ValueError, TypeError)) as err:
        fn(*pos, **good)
    assert re.search(rf"\b{re.escape(arg)}\b", str(err.value)), str(err.value)


def test_random_design_simulator_more_bad_input():
    import sdtheory.simulate as sim

    with pytest.raises(ValueError, match="n_trials"):
        sim.simulate_random_design([1.0], [1.0], noise=1.0, n=4, lam=1.0, n_trials=1)
    with pytest.raises(ValueError, match="cov_eigvals"):
        sim.simulate_random_design([-1.0], [1.0], noise=1.0, n=4, lam=1.0)
    with pytest.raises(ValueError, match="theta_star"):
        sim.simulate_random_design([1.0, 2.0], [1.0], noise=1.0, n=4, lam=1.0)
    with pytest.raises(ValueError, match="lam"):
        sim.simulate_random_design([1.0], [1.0], noise=1.0, n=4, lam=[[1.0]])
    with pytest.raises(TypeError):  # keyword-only after the problem
        sim.simulate_random_design([1.0], [1.0], 1.0, 4, 1.0)
