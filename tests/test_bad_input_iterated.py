"""Bad input for every public callable of :mod:`sdtheory.iterated`: each refuses with a
ValueError/TypeError that names the argument.

Each callable has one valid call; every argument is then replaced, one at a time, by each bad
value of its kind (strings, None and complex numbers where numbers belong, an array where a
scalar belongs, NaN/inf in data, non-symmetric or non-PSD Gram matrices, non-integer or
non-positive counts, weights outside [0, 1])."""

from __future__ import annotations

import re

import numpy as np
import pytest

import sdtheory.iterated as it
import sdtheory.iterated.symbolic as sym
from sdtheory import KernelProblem, LinearProblem, Spectrum

K3 = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.5]])
Y3 = np.array([1.0, -0.5, 2.0])
SP = Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 0.5], noise=0.5)

NOT_NUMBER = ["abc", None, 1 + 2j]
NOT_SCALAR = [np.array([1.0, 2.0]), [0.5, 0.5]]
NONFINITE = [np.nan, np.inf, -np.inf]

KINDS = {
    # λ, ε, γ, decades: one real number > 0
    "pos_scalar": NOT_NUMBER + NOT_SCALAR + NONFINITE + [0.0, -1.0],
    # λ that broadcasts: an array is fine, but not NaN/inf/≤ 0/strings
    "pos_array": NOT_NUMBER + [np.nan, np.inf, 0.0, -1.0, [1.0, np.nan]],
    "nonneg_scalar": NOT_NUMBER + NOT_SCALAR + [np.nan, np.inf, -1.0],
    "real_scalar": NOT_NUMBER + NOT_SCALAR + NONFINITE,
    "xis": ["abc", None, [1j], [np.nan], [np.inf], 0.5],
    "count0": [1.5, "2", None, True, -1, np.array([1, 2]), 1 + 0j],
    "count1": [1.5, "2", None, True, 0, -1, np.array([1, 2])],
    "count2": [1.5, "2", None, True, 1, np.array([1, 2])],
    "steps_or_inf": [1.5, "2", None, True, -1, np.nan, -np.inf],
    "alpha01": NOT_NUMBER + [np.nan, np.inf, -0.1, 1.1],
    "gram": [
        "abc",
        None,
        np.array([[1.0, 1j], [1j, 1.0]]),
        K3 * np.nan,
        K3 + np.inf,
        np.triu(K3),
        K3 - 3 * np.eye(3),
        Y3,
    ],
    "labels": [
        "abc",
        None,
        Y3 * 1j,
        np.array([1.0, np.nan, 0.0]),
        np.array([np.inf, 0, 0]),
        np.ones(4),
        np.ones((3, 3)),
    ],
    "spectrum": ["abc", None, [1.0, 2.0], K3],
    "eigvals": ["abc", None, [1j], [np.nan], [np.inf], [-1.0], [0.0], np.ones((2, 2))],
    "vector2": ["abc", None, [1j, 0], [np.nan, 0.1], [np.inf, 0.1], [0.1, 0.2, 0.3]],
    "matrix": ["abc", None, np.ones((2, 2)) * np.nan, np.ones((2, 2)) * 1j, np.ones((2, 2, 2))],
    "inputs": ["abc", None, [np.nan, 1.0], [np.inf, 1.0], [1j, 1.0], np.ones((0, 2))],
    "flag": ["yes", None, 1.0],
    "tol": NOT_NUMBER + NOT_SCALAR + [np.nan, -1.0],
    # optional arguments whose default is None: None itself is valid
    "opt_tol": ["abc", 1 + 2j] + NOT_SCALAR + [np.nan, -1.0],
    "opt_inputs": ["abc", [np.nan, 1.0], [np.inf, 1.0], [1j, 1.0], np.ones((0, 2))],
    "kappa": NOT_NUMBER + NOT_SCALAR + [np.nan, 0.5, -1.0],
}

# (name, callable, positional args, keyword args, {argument: kind})
CASES = [
    (
        "multistep_filter",
        it.multistep_filter,
        {"eigvals": [4.0, 1.0]},
        {"lam": 1.0, "xis": [0.5]},
        {"eigvals": "eigvals", "lam": "pos_array", "xis": "xis"},
    ),
    (
        "multistep_risk",
        it.multistep_risk,
        {"problem": SP},
        {"lam": 1.0, "xis": [0.5], "return_parts": False},
        {"problem": "spectrum", "lam": "pos_array", "xis": "xis", "return_parts": "flag"},
    ),
    ("xis_to_poly", it.xis_to_poly, {"xis": [0.5, 2.0]}, {}, {"xis": "xis"}),
    (
        "poly_to_xis",
        it.poly_to_xis,
        {"xibar": [-1.0, 1.0, 1.0]},
        {"atol": 1e-9},
        {"xibar": "vector2", "atol": "tol"},
    ),
    (
        "schedule_quadratic",
        it.schedule_quadratic,
        {"problem": SP},
        {"lam": 1.0, "steps": 2},
        {"problem": "spectrum", "lam": "pos_scalar", "steps": "count0"},
    ),
    (
        "optimal_schedule",
        it.optimal_schedule,
        {"problem": SP},
        {"lam": 1.0, "steps": 2, "warn": False},
        {"problem": "spectrum", "lam": "pos_scalar", "steps": "count1", "warn": "flag"},
    ),
    (
        "optimal_multistep",
        it.optimal_multistep,
        {"problem": SP},
        {"steps": 1, "per_decade": 2, "decades": 1.0, "warn": False},
        {
            "problem": "spectrum",
            "steps": "count1",
            "per_decade": "count2",
            "decades": "pos_scalar",
            "warn": "flag",
        },
    ),
    (
        "ground_truth_weighted_filter",
        it.ground_truth_weighted_filter,
        {"eigvals": [4.0, 1.0]},
        {"lam": 1.0, "alpha": 0.3, "steps": 2},
        {"eigvals": "eigvals", "lam": "pos_array", "alpha": "alpha01", "steps": "steps_or_inf"},
    ),
    (
        "ground_truth_convergence_rate",
        it.ground_truth_convergence_rate,
        {"eigvals": [4.0, 1.0]},
        {"lam": 1.0, "alpha": 0.3},
        {"eigvals": "eigvals", "lam": "pos_array", "alpha": "alpha01"},
    ),
    (
        "optimal_alpha_expected",
        it.optimal_alpha_expected,
        {"problem": SP},
        {"lam": 1.0, "prev_filter": [0.5, 0.5]},
        {"problem": "spectrum", "lam": "pos_scalar", "prev_filter": "vector2"},
    ),
    (
        "expected_alpha_path",
        it.expected_alpha_path,
        {"problem": SP},
        {"lam": 1.0, "steps": 2},
        {"problem": "spectrum", "lam": "pos_scalar", "steps": "count0"},
    ),
    (
        "oracle_alpha_path",
        it.oracle_alpha_path,
        {"K": K3, "y": Y3, "y_star": Y3 * 0.9},
        {"lam": 0.5, "steps": 2, "rtol": None},
        {
            "K": "gram",
            "y": "labels",
            "y_star": "labels",
            "lam": "pos_scalar",
            "steps": "count0",
            "rtol": "opt_tol",
        },
    ),
    (
        "kernel_self_distill[xi]",
        it.kernel_self_distill,
        {"K": K3, "y": Y3},
        {"lam": 0.5, "xi": 0.4, "steps": 2, "rtol": None},
        {
            "K": "gram",
            "y": "labels",
            "lam": "pos_scalar",
            "xi": "real_scalar",
            "steps": "count0",
            "rtol": "opt_tol",
        },
    ),
    (
        "kernel_self_distill[xis]",
        it.kernel_self_distill,
        {"K": K3, "y": Y3},
        {"lam": 0.5, "xis": [0.4, -1.0]},
        {"xis": "xis", "lam": "pos_scalar"},
    ),
    (
        "constrained_rounds",
        it.constrained_rounds,
        {"K": K3, "y": Y3},
        {"eps": 0.3, "max_rounds": 1000, "rtol": None},
        {
            "K": "gram",
            "y": "labels",
            "eps": "pos_scalar",
            "max_rounds": "count1",
            "rtol": "opt_tol",
        },
    ),
    (
        "collapse_round_bounds",
        it.collapse_round_bounds,
        {},
        {"r0": 3.5, "kappa": 2.0, "max_iter": 100},
        {"r0": "nonneg_scalar", "kappa": "kappa", "max_iter": "count1"},
    ),
    (
        "linear_kernel",
        it.linear_kernel,
        {"X": [0.0, 1.0], "Z": [0.5]},
        {},
        {"X": "inputs", "Z": "opt_inputs"},
    ),
    (
        "rbf_kernel",
        it.rbf_kernel,
        {"X": [0.0, 1.0]},
        {"gamma": 2.0},
        {"X": "inputs", "gamma": "pos_scalar"},
    ),
    (
        "polynomial_kernel",
        it.polynomial_kernel,
        {"X": [0.0, 1.0]},
        {"degree": 2, "gamma": 1.0, "coef0": 1.0},
        {"X": "inputs", "degree": "count1", "gamma": "pos_scalar", "coef0": "nonneg_scalar"},
    ),
    (
        "kernel_matrix",
        it.kernel_matrix,
        {"kernel": "rbf", "X": [0.0, 1.0]},
        {"gamma": 2.0},
        {"X": "inputs", "gamma": "pos_scalar"},
    ),
    ("check_gram", it.check_gram, {"K": K3}, {"rtol": 1e-10}, {"K": "gram", "rtol": "tol"}),
    (
        "kernel_eigen",
        it.kernel_eigen,
        {"K": K3},
        {"rtol": None, "check": True},
        {"K": "gram", "rtol": "opt_tol", "check": "flag"},
    ),
    (
        "kernel_spectrum",
        it.kernel_spectrum,
        {"K": K3, "y_star": Y3},
        {"noise": 0.5, "rtol": None},
        {"K": "gram", "y_star": "labels", "noise": "nonneg_scalar", "rtol": "opt_tol"},
    ),
    ("multistep_poly_symbolic", sym.multistep_poly_symbolic, {"steps": 1}, {}, {"steps": "count0"}),
    (
        "multistep_risk_quadratic_symbolic",
        sym.multistep_risk_quadratic_symbolic,
        {"r": 1, "steps": 1},
        {},
        {"r": "count1", "steps": "count0"},
    ),
    ("optimal_alpha_symbolic", sym.optimal_alpha_symbolic, {"r": 1}, {}, {"r": "count1"}),
]


def _params():
    for name, fn, pos, kw, spec in CASES:
        for arg, kind in spec.items():
            for i, bad in enumerate(KINDS[kind]):
                yield pytest.param(fn, pos, kw, arg, bad, id=f"{name}-{arg}-{kind}{i}")


def _call(fn, pos, kw):
    return fn(*pos.values(), **kw)


@pytest.mark.parametrize("name,fn,pos,kw,spec", list(CASES), ids=[c[0] for c in CASES])
def test_the_valid_call_runs(name, fn, pos, kw, spec):
    _call(fn, pos, kw)


@pytest.mark.parametrize("fn,pos,kw,arg,bad", list(_params()))
def test_bad_argument_is_refused_by_name(fn, pos, kw, arg, bad):
    pos, kw = dict(pos), dict(kw)
    if arg in pos:
        pos[arg] = bad
    else:
        kw[arg] = bad
    with pytest.raises((ValueError, TypeError)) as exc:
        _call(fn, pos, kw)
    assert re.search(rf"\b{arg}\b", str(exc.value)), str(exc.value)


def test_problem_objects_are_accepted_and_others_refused_with_the_name():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    lp = LinearProblem(X, [1.0, -1.0], noise=0.5)
    kp = KernelProblem(K3, Y3, noise=0.5)
    for prob in (lp, kp):
        sp = Spectrum.from_problem(prob)
        assert it.multistep_risk(prob, lam=1.0, xis=[0.5]) == it.multistep_risk(
            sp, lam=1.0, xis=[0.5]
        )
        assert (
            it.optimal_schedule(prob, lam=1.0, steps=1).risk
            == it.optimal_schedule(sp, lam=1.0, steps=1).risk
        )
    with pytest.raises(
        TypeError, match="problem must be a Spectrum, LinearProblem or KernelProblem"
    ):
        it.expected_alpha_path(X, lam=1.0, steps=1)


def test_kernel_self_distill_needs_exactly_one_schedule():
    with pytest.raises(TypeError, match="exactly one of xi"):
        it.kernel_self_distill(K3, Y3, lam=1.0, steps=2)
    with pytest.raises(TypeError, match="exactly one of xi"):
        it.kernel_self_distill(K3, Y3, lam=1.0, xi=0.5, xis=[0.5])


def test_kernel_sd_fit_methods_refuse_bad_cross_kernels():
    fit = it.kernel_self_distill(K3, Y3, lam=1.0, xi=0.5, steps=2)
    for bad in ("abc", None, np.ones((2, 4)), np.full((2, 3), np.nan), np.full((2, 3), np.inf)):
        with pytest.raises((ValueError, TypeError), match="K_new"):
            fit.predict(bad)
        with pytest.raises((ValueError, TypeError), match="K_new"):
            fit.predict_limit(bad)


def test_kernel_matrix_refuses_an_unknown_kernel_and_a_bad_callable():
    with pytest.raises(ValueError, match="kernel must be one of"):
        it.kernel_matrix("laplace", [0.0, 1.0])
    with pytest.raises(ValueError, match="kernel"):
        it.kernel_matrix(lambda a, b: np.full((a.shape[0], b.shape[0]), np.nan), [0.0, 1.0])
