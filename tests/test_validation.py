"""Bad input gets a ValueError/TypeError whose message names the offending argument."""

import numpy as np
import pytest

import sdtheory as sd
from sdtheory import Spectrum

GOOD = dict(eigvals=[4.0, 1.0], signal_energy=[1.0, 2.0], noise=1.0)
SP = Spectrum(**GOOD)
NONPSD = np.array([[1.0, 2.0], [2.0, 1.0]])
NONSYM = np.array([[1.0, 0.5], [0.0, 1.0]])
TINY_NONPSD = np.diag([1e-12, -1e-12])  # regression: used to pass (scale clipped at 1)


def spec(**kw):
    args = dict(GOOD)
    args.update(kw)
    return Spectrum(**args)


SPECTRUM_CASES = [
    # (kwargs, exception, name in message)
    (dict(eigvals=[4.0, -1.0]), ValueError, "eigvals"),
    (dict(eigvals=[4.0, 0.0]), ValueError, "eigvals"),
    (dict(eigvals=[4.0, np.nan]), ValueError, "eigvals"),
    (dict(eigvals=[4.0, np.inf]), ValueError, "eigvals"),
    (dict(eigvals=[], signal_energy=[]), ValueError, "eigvals"),
    (dict(eigvals=[[4.0, 1.0]]), ValueError, "eigvals"),
    (dict(eigvals="4, 1"), TypeError, "eigvals"),
    (dict(eigvals=None), TypeError, "eigvals"),
    (dict(eigvals=np.array([4.0 + 1j, 1.0])), TypeError, "eigvals"),
    (dict(eigvals=[True, True]), TypeError, "eigvals"),
    (dict(signal_energy=[1.0, -2.0]), ValueError, "signal_energy"),
    (dict(signal_energy=[1.0, np.nan]), ValueError, "signal_energy"),
    (dict(signal_energy=[1.0, 2.0, 3.0]), ValueError, "signal_energy"),
    (dict(signal_energy=[[1.0, 2.0]]), ValueError, "signal_energy"),
    (dict(signal_energy=None), TypeError, "signal_energy"),
    (dict(signal_energy=None, signal=[1.0]), ValueError, "signal"),
    (dict(signal_energy=None, signal=[1.0, np.nan]), ValueError, "signal"),
    (dict(noise=-1.0), ValueError, "noise"),
    (dict(noise=np.nan), ValueError, "noise"),
    (dict(noise=np.inf), ValueError, "noise"),
    (dict(noise=[1.0, 2.0]), ValueError, "noise"),
    (dict(noise="high"), TypeError, "noise"),
    (dict(noise=True), TypeError, "noise"),
    (dict(noise=1 + 2j), TypeError, "noise"),
    (dict(weights=[1.0, -1.0]), ValueError, "weights"),
    (dict(weights=[1.0, np.nan]), ValueError, "weights"),
    (dict(weights=[1.0, 1.0, 1.0]), ValueError, "weights"),
    (dict(weights=np.ones((3, 3))), ValueError, "weights"),
    (dict(weights=np.ones((2, 2, 2))), ValueError, "weights"),
    (dict(weights=NONPSD, signal=[1.0, 1.0], signal_energy=None), ValueError, "weights"),
    (dict(weights=NONSYM, signal=[1.0, 1.0], signal_energy=None), ValueError, "weights"),
    (dict(weights=TINY_NONPSD, signal=[1.0, 1.0], signal_energy=None), ValueError, "weights"),
    (dict(weights=np.array([1.0 + 1j, 1.0])), TypeError, "weights"),
    (dict(weights=[object(), object()]), TypeError, "weights"),
    (dict(weights="prediction"), TypeError, "weights"),
    (dict(weights=np.array([[2.0, 1.0], [1.0, 2.0]])), ValueError, "signal"),
    (dict(null_risk=-1.0), ValueError, "null_risk"),
    (dict(null_risk=np.nan), ValueError, "null_risk"),
    (
        dict(null_cross=[1.0, 2.0, 3.0], signal=[1.0, 1.0], signal_energy=None),
        ValueError,
        "null_cross",
    ),
    (dict(null_cross=[1.0, 0.0]), ValueError, "signal"),
]


@pytest.mark.parametrize("kw, exc, name", SPECTRUM_CASES)
def test_spectrum_rejects_bad_input_naming_the_argument(kw, exc, name):
    with pytest.raises(exc, match=name):
        spec(**kw)


X = np.random.default_rng(0).normal(size=(4, 3))
TH = np.ones(3)

DESIGN_CASES = [
    (dict(X=np.full((4, 3), np.nan)), ValueError, "X"),
    (dict(X=np.ones(3)), ValueError, "X"),
    (dict(X=np.ones((0, 3)), theta_star=np.ones(3)), ValueError, "X"),
    (dict(X=np.ones((2, 2, 3))), ValueError, "X"),
    (dict(X="X"), TypeError, "X"),
    (dict(X=np.zeros((4, 3))), ValueError, "rank"),
    (dict(theta_star=np.ones(4)), ValueError, "theta_star"),
    (dict(theta_star=[1.0, np.nan, 1.0]), ValueError, "theta_star"),
    (dict(theta_star=np.ones((3, 1))), ValueError, "theta_star"),
    (dict(noise=-0.1), ValueError, "noise"),
    (dict(noise=np.nan), ValueError, "noise"),
    (dict(weights="population"), ValueError, "weights"),
    (dict(weights=np.eye(4)), ValueError, "weights"),
    (dict(weights=-np.eye(3)), ValueError, "weights"),
    (dict(weights=np.triu(np.ones((3, 3)))), ValueError, "weights"),
    (dict(weights=np.ones(3)), ValueError, "weights"),
    (dict(weights=np.full((3, 3), np.nan)), ValueError, "weights"),
    (dict(rtol=-1.0), ValueError, "rtol"),
    (dict(rtol=np.nan), ValueError, "rtol"),
]


@pytest.mark.parametrize("kw, exc, name", DESIGN_CASES)
def test_from_design_rejects_bad_input_naming_the_argument(kw, exc, name):
    args = dict(X=X, theta_star=TH, noise=1.0)
    args.update(kw)
    with pytest.raises(exc, match=name):
        Spectrum.from_design(args.pop("X"), args.pop("theta_star"), **args)


def test_zero_rank_design_message_names_X():
    with pytest.raises(ValueError, match=r"X has rank 0"):
        Spectrum.from_design(np.zeros((3, 5)), np.ones(5), 1.0)


LAM_FUNCS = [
    sd.ridge_risk,
    sd.sd_quadratic,
    sd.optimal_xi,
    sd.sd_min_risk,
    sd.sd_gain,
    sd.xi_above_one_noise_threshold,
    sd.optimal_xi_noise_limits,
]
TEACHER_FUNCS = [
    sd.sd_quadratic,
    sd.optimal_xi,
    sd.sd_min_risk,
    sd.sd_gain,
    sd.xi_above_one_noise_threshold,
    sd.optimal_xi_noise_limits,
]
BAD_LAM = [
    (-1.0, ValueError),
    (0.0, ValueError),
    (np.nan, ValueError),
    (np.inf, ValueError),
    ([], ValueError),
    ("1", TypeError),
    (None, TypeError),
    (True, TypeError),
]


@pytest.mark.parametrize("fn", LAM_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("lam, exc", BAD_LAM)
def test_lambda_functions_reject_bad_lam(fn, lam, exc):
    with pytest.raises(exc, match="lam"):
        fn(SP, lam=lam)


@pytest.mark.parametrize(
    "fn",
    LAM_FUNCS + [sd.optimal_ridge, sd.optimal_sd, sd.oracle_risk, sd.oracle_filter],
    ids=lambda f: f.__name__,
)
def test_functions_reject_a_non_spectrum(fn):
    kwargs = (
        {}
        if fn in (sd.optimal_ridge, sd.optimal_sd, sd.oracle_risk, sd.oracle_filter)
        else {"lam": 1.0}
    )
    with pytest.raises(TypeError, match="problem must be a Spectrum"):
        fn(dict(eigvals=[1.0]), **kwargs)


@pytest.mark.parametrize("fn", TEACHER_FUNCS, ids=lambda f: f.__name__)
def test_teacher_lam_checked_and_broadcast(fn):
    with pytest.raises(ValueError, match="teacher_lam"):
        fn(SP, lam=1.0, teacher_lam=-1.0)
    with pytest.raises(ValueError, match="teacher_lam"):
        fn(SP, lam=[1.0, 2.0], teacher_lam=[1.0, 2.0, 3.0])


def test_sd_risk_bad_input():
    for lam, exc in BAD_LAM:
        with pytest.raises(exc, match="lam"):
            sd.sd_risk(SP, lam=lam, xi=0.5)
    for xi, exc in [
        (np.nan, ValueError),
        (np.inf, ValueError),
        ("a", TypeError),
        ([], ValueError),
        (1j, TypeError),
    ]:
        with pytest.raises(exc, match="xi"):
            sd.sd_risk(SP, lam=1.0, xi=xi)
    with pytest.raises(ValueError, match="lam and xi"):
        sd.sd_risk(SP, lam=[1.0, 2.0], xi=[0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="teacher_lam"):
        sd.sd_risk(SP, lam=[1.0, 2.0], xi=0.0, teacher_lam=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="teacher_lam"):
        sd.sd_risk(SP, lam=1.0, xi=0.0, teacher_lam=0.0)
    with pytest.raises(ValueError, match="lam and xi"):
        sd.sd_risk(SP, lam=[1.0, 2.0], xi=[0.0, 1.0, 2.0], return_parts=True)
    with pytest.raises(TypeError, match="problem must be a Spectrum"):
        sd.sd_risk("sp", lam=1.0, xi=0.0)


def test_filter_functions_bad_input():
    with pytest.raises(ValueError, match="eigvals"):
        sd.sd_filter([1.0, -1.0], lam=1.0, xi=0.0)
    with pytest.raises(ValueError, match="eigvals"):
        sd.sd_filter(np.ones((2, 2)), lam=1.0, xi=0.0)
    with pytest.raises(ValueError, match="eigvals"):
        sd.sd_filter([], lam=1.0, xi=0.0)
    with pytest.raises(ValueError, match="lam"):
        sd.sd_filter([1.0], lam=-1.0, xi=0.0)
    with pytest.raises(ValueError, match="xi"):
        sd.sd_filter([1.0], lam=1.0, xi=np.nan)
    with pytest.raises(ValueError, match="lam and xi"):
        sd.sd_filter([1.0], lam=[1.0, 2.0], xi=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="teacher_lam"):
        sd.sd_filter([1.0], lam=1.0, xi=0.0, teacher_lam=-2.0)
    with pytest.raises(ValueError, match="lam"):
        sd.ridge_filter([1.0], lam=-1.0)
    with pytest.raises(ValueError, match="lam"):
        sd.ridge_filter([1.0], lam=np.nan)


def test_filter_risk_bad_input():
    with pytest.raises(ValueError, match="f"):
        sd.filter_risk(SP, f=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="f"):
        sd.filter_risk(SP, f=[1.0, np.nan])
    with pytest.raises(ValueError, match="f"):
        sd.filter_risk(SP, f=[])
    with pytest.raises(TypeError, match="problem must be a Spectrum"):
        sd.filter_risk(None, f=[1.0, 1.0])


@pytest.mark.parametrize("fn", [sd.optimal_ridge, sd.optimal_sd], ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "pd, exc", [(1, ValueError), (True, TypeError), (24.0, TypeError), ("24", TypeError)]
)
def test_optimizers_reject_bad_per_decade(fn, pd, exc):
    with pytest.raises(exc, match="per_decade"):
        fn(SP, per_decade=pd)


def test_symbolic_bad_input():
    import sdtheory.ridge.symbolic as sym

    with pytest.raises(ValueError, match="r"):
        sym.derive_optimal_xi(0)
    sym.derive_optimal_xi(2)  # cached: a float r must still be rejected (regression)
    with pytest.raises(TypeError, match="r"):
        sym.derive_optimal_xi(2.0)
    with pytest.raises(TypeError, match="teacher"):
        sym.derive_optimal_xi(2, weights="identity", teacher=1)
    with pytest.raises(ValueError, match="weights"):
        sym.derive_noise_threshold(2, weights="full")
    d = sym.derive_optimal_xi(2)
    with pytest.raises(ValueError, match="rank"):
        d(Spectrum(eigvals=[1.0], signal_energy=[1.0], noise=1.0), lam=1.0)
    with pytest.raises(ValueError, match="weights"):
        d(
            Spectrum(eigvals=[1.0, 2.0], signal_energy=[1.0, 1.0], noise=1.0, weights=[2.0, 1.0]),
            lam=1.0,
        )
    with pytest.raises(TypeError, match="spectrum"):
        d("not a spectrum", lam=1.0)
