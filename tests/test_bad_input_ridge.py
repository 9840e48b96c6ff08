"""Every public callable of sdtheory.ridge (and sdtheory.ridge.symbolic) refuses each kind of bad
input with a ValueError/TypeError whose message names the argument.

The table ``CALLS`` lists, for each public name, a call with good arguments and the arguments to
corrupt with their kind ("number", "scalar", "count", "array", "weights", "problem", ...). A test
checks the table covers every name in ``__all__``, so a new public function must be added here.
"""

import re

import numpy as np
import pytest

import sdtheory.ridge as ridge
from sdtheory import KernelProblem, LinearProblem

SP = ridge.Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 2.0], noise=1.0)
X = np.random.default_rng(0).standard_normal((5, 3))
TH = np.array([1.0, -0.5, 2.0])
NONPSD = np.array([[1.0, 2.0], [2.0, 1.0]])
NONSYM = np.array([[1.0, 0.5], [0.0, 1.0]])
NONPSD3 = np.diag([1.0, -1.0, 1.0])

# bad values by kind; each applies to the argument kinds listed
BAD = {
    "string": "abc",
    "none": None,
    "complex": 1.0 + 2.0j,
    "nan": np.nan,
    "inf": np.inf,
}
# kinds of argument: which bad values apply
#   number   - a real array (lam, xi, eigvals, f, ...): string, none, complex, nan, inf
#   optional - like number, but None means "default" (teacher_lam, rtol, ...)
#   scalar   - a real scalar: also an array where the scalar belongs
#   count    - an integer: also non-integers and arrays
#   flag     - a bool
#   problem  - a Spectrum / LinearProblem / KernelProblem
#   choice   - one of a set of strings


def values_for(kind):
    if kind in ("number", "array"):
        return dict(BAD)
    if kind == "optional":
        return {k: v for k, v in BAD.items() if k != "none"}
    if kind == "scalar":
        return {**BAD, "array_for_scalar": np.ones(2)}
    if kind == "optional_scalar":
        return {**{k: v for k, v in BAD.items() if k != "none"}, "array_for_scalar": np.ones(2)}
    if kind == "count":
        return {
            **BAD,
            "non_integer": 2.5,
            "array_for_scalar": np.array([2, 3]),
            "integer_string": "3",
            "bool": True,
        }
    if kind == "flag":
        return {"string": "yes", "none": None, "complex": 1j, "nan": np.nan, "int": 1}
    if kind == "problem":
        return {
            "string": "sp",
            "none": None,
            "complex": 1j,
            "array": np.ones(3),
            "dict": dict(eigvals=[1.0]),
        }
    if kind == "choice":
        return {"unknown": "full", "none": None, "complex": 1j, "number": 1.0}
    raise KeyError(kind)


def sym():
    import sdtheory.ridge.symbolic as s

    return s


def derivation_call(**kw):
    args = dict(spectrum=SP, lam=1.0)
    args.update(kw)
    return sym().derive_optimal_xi(2, weights="diagonal")(args.pop("spectrum"), **args)


def teacher_derivation_call(**kw):
    args = dict(spectrum=SP, lam=1.0, teacher_lam=2.0)
    args.update(kw)
    return sym().derive_optimal_xi(2, weights="diagonal", teacher=True)(
        args.pop("spectrum"), **args
    )


def values_call(**kw):
    args = dict(spectrum=SP, lam=1.0)
    args.update(kw)
    return sym().derive_sd_risk(2, weights="diagonal").values(args.pop("spectrum"), **args)


def positional(fn, first_name, defaults):
    """``fn(first, **rest)`` with good defaults; overrides by name."""

    def call(**kw):
        args = dict(defaults)
        args.update(kw)
        return fn(args.pop(first_name), **args)

    return call


LAM_FUNCS = [
    "sd_quadratic",
    "optimal_xi",
    "sd_min_risk",
    "sd_gain",
    "xi_above_one_noise_threshold",
    "optimal_xi_noise_limits",
]

# name -> (call(**overrides), {argument: kind})
CALLS = {
    "ridge_filter": (
        positional(ridge.ridge_filter, "eigvals", dict(eigvals=[4.0, 1.0], lam=1.0)),
        {"eigvals": "number", "lam": "number"},
    ),
    "sd_filter": (
        positional(ridge.sd_filter, "eigvals", dict(eigvals=[4.0, 1.0], lam=1.0, xi=0.5)),
        {"eigvals": "number", "lam": "number", "xi": "number", "teacher_lam": "optional"},
    ),
    "oracle_filter": (
        positional(ridge.oracle_filter, "problem", dict(problem=SP)),
        {"problem": "problem"},
    ),
    "filter_risk": (
        positional(ridge.filter_risk, "problem", dict(problem=SP, f=[0.5, 0.5])),
        {"problem": "problem", "f": "number", "return_parts": "flag"},
    ),
    "ridge_risk": (
        positional(ridge.ridge_risk, "problem", dict(problem=SP, lam=1.0)),
        {"problem": "problem", "lam": "number", "return_parts": "flag"},
    ),
    "sd_risk": (
        positional(ridge.sd_risk, "problem", dict(problem=SP, lam=1.0, xi=0.5)),
        {
            "problem": "problem",
            "lam": "number",
            "xi": "number",
            "teacher_lam": "optional",
            "return_parts": "flag",
        },
    ),
    **{
        name: (
            positional(getattr(ridge, name), "problem", dict(problem=SP, lam=1.0)),
            {"problem": "problem", "lam": "number", "teacher_lam": "optional"},
        )
        for name in LAM_FUNCS
    },
    "optimal_ridge": (
        positional(ridge.optimal_ridge, "problem", dict(problem=SP)),
        {"problem": "problem", "per_decade": "count"},
    ),
    "optimal_sd": (
        positional(ridge.optimal_sd, "problem", dict(problem=SP)),
        {"problem": "problem", "per_decade": "count"},
    ),
    "oracle_risk": (
        positional(ridge.oracle_risk, "problem", dict(problem=SP)),
        {"problem": "problem"},
    ),
    "Spectrum": (
        lambda **kw: ridge.Spectrum(
            **{**dict(eigvals=[4.0, 1.0], signal_energy=[1.0, 2.0], noise=1.0), **kw}
        ),
        {
            "eigvals": "number",
            "signal_energy": "number",
            "noise": "scalar",
            "weights": "optional",
            "null_risk": "scalar",
        },
    ),
    "Spectrum.from_design": (
        positional(ridge.Spectrum.from_design, "X", dict(X=X, theta_star=TH, noise=1.0)),
        {
            "X": "array",
            "theta_star": "array",
            "noise": "scalar",
            "weights": "choice",
            "rtol": "optional_scalar",
        },
    ),
    "Spectrum.from_problem": (
        positional(ridge.Spectrum.from_problem, "problem", dict(problem=LinearProblem(X, TH, 1.0))),
        {"problem": "problem", "rtol": "optional_scalar"},
    ),
    "Spectrum.with_noise": (
        lambda **kw: SP.with_noise(**{"noise": 1.0, **kw}),
        {"noise": "scalar"},
    ),
    "Spectrum(signal=...)": (
        lambda **kw: ridge.Spectrum(
            **{**dict(eigvals=[4.0, 1.0], signal=[1.0, -1.0], noise=1.0, weights=np.eye(2)), **kw}
        ),
        {"signal": "number", "null_cross": "optional", "basis": "optional"},
    ),
    "LinearProblem": (
        positional(LinearProblem, "X", dict(X=X, theta_star=TH, noise=1.0)),
        {"X": "array", "theta_star": "array", "noise": "scalar", "weights": "choice"},
    ),
    "KernelProblem": (
        positional(KernelProblem, "K", dict(K=np.eye(3), y_star=TH, noise=1.0)),
        {"K": "array", "y_star": "array", "noise": "scalar"},
    ),
    # symbolic
    "derive_sd_risk": (
        lambda **kw: sym().derive_sd_risk(**{"r": 2, **kw}),
        {"r": "count", "weights": "choice"},
    ),
    **{
        name: (
            lambda name=name, **kw: getattr(sym(), name)(**{"r": 2, **kw}),
            {"r": "count", "weights": "choice", "teacher": "flag"},
        )
        for name in ("derive_optimal_xi", "derive_sd_quadratic", "derive_noise_threshold")
    },
    **{
        name: (
            lambda name=name, **kw: getattr(sym(), name)(**{"r": 2, **kw}),
            {"r": "count", "weights": "choice"},
        )
        for name in ("derive_noise_limits", "derive_boundary_optima", "derive_gain_identity")
    },
    "Derivation": (derivation_call, {"spectrum": "problem", "lam": "scalar"}),
    "Derivation(teacher)": (teacher_derivation_call, {"teacher_lam": "scalar"}),
    "SymbolicProblem": (values_call, {"spectrum": "problem", "lam": "scalar"}),
}

# Result containers that only the package constructs (no inputs to check), and the derivation
# of the one-direction filter, which takes no arguments.
NO_INPUT = {"RidgeOptimum", "RiskParts", "SDOptimum", "SDQuadratic", "derive_student_filter"}


def test_table_covers_every_public_name():
    names = set(ridge.__all__) | set(sym().__all__)
    missing = names - NO_INPUT - {k.split(".")[0].split("(")[0] for k in CALLS}
    assert not missing, f"add these public names to CALLS: {sorted(missing)}"


def test_good_calls_run():
    for call, _ in CALLS.values():
        call()


CASES = [
    pytest.param(name, arg, label, value, id=f"{name}-{arg}-{label}")
    for name, (call, args) in CALLS.items()
    for arg, kind in args.items()
    for label, value in values_for(kind).items()
]

# Matrix-valued arguments: non-PSD / non-symmetric matrices too.
MATRIX_CASES = [
    pytest.param(name, arg, label, value, id=f"{name}-{arg}-{label}")
    for name, arg, mats in [
        ("Spectrum(signal=...)", "weights", {"nonpsd": NONPSD, "nonsym": NONSYM}),
        (
            "Spectrum.from_design",
            "weights",
            {"nonpsd": NONPSD3, "nonsym": np.triu(np.ones((3, 3)))},
        ),
        ("LinearProblem", "weights", {"nonpsd": NONPSD3, "nonsym": np.triu(np.ones((3, 3)))}),
        ("KernelProblem", "K", {"nonpsd": NONPSD3, "nonsym": np.triu(np.ones((3, 3)))}),
        ("Spectrum", "weights", {"negative": [1.0, -1.0]}),
    ]
    for label, value in mats.items()
]


@pytest.mark.parametrize("name, arg, label, value", CASES + MATRIX_CASES)
def test_bad_input_is_refused_naming_the_argument(name, arg, label, value):
    call = CALLS[name][0]
    with pytest.raises((ValueError, TypeError)) as info:
        call(**{arg: value})
    assert re.search(rf"(?<![\w.]){re.escape(arg)}(?!\w)", str(info.value)), (
        f"{name}({arg}={value!r}) raised {info.value!r}, which does not name {arg}"
    )


@pytest.mark.parametrize("name", ["sd_risk", "optimal_xi", "sd_filter", "optimal_sd"])
def test_keyword_only_after_the_problem(name):
    fn = getattr(ridge, name)
    first = [4.0, 1.0] if name == "sd_filter" else SP
    with pytest.raises(TypeError):
        fn(first, 1.0)


def test_problem_objects_are_accepted_wherever_a_spectrum_is():
    prob = LinearProblem(X, TH, 1.0, weights="prediction")
    sp = ridge.Spectrum.from_problem(prob)
    for name in [
        "sd_quadratic",
        "optimal_xi",
        "sd_min_risk",
        "sd_gain",
        "xi_above_one_noise_threshold",
        "ridge_risk",
    ]:
        a = getattr(ridge, name)(prob, lam=0.7)
        b = getattr(ridge, name)(sp, lam=0.7)
        np.testing.assert_array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    assert ridge.optimal_sd(prob).risk == ridge.optimal_sd(sp).risk
    assert ridge.oracle_risk(prob) == ridge.oracle_risk(sp)
