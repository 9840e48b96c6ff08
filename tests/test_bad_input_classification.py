"""Bad input to every public callable of the classification part: ``sdtheory.classification``,
``sdtheory._labels`` and the classification simulators. Each bad value must raise a
ValueError/TypeError whose message names the argument (never a silent NaN)."""

import inspect
import re

import numpy as np
import pytest

import sdtheory.classification as cls
from sdtheory import _labels

NAN, INF = float("nan"), float("inf")
NOT_NUMBERS = ["a", None, 1 + 2j]
SCALAR = [*NOT_NUMBERS, NAN, np.array([1.0, 2.0])]  # a real scalar, NaN refused
FINITE = [*SCALAR, INF]  # ... and finite
COUNT_OPT = [2.5, "3", True]  # an int (None: the default)
COUNT = [*COUNT_OPT, None]  # an int
PROB = [-0.1, 1.5, NAN, "a", None, 1 + 2j]  # a number in [0, 1]
ARRAY = [[1.0, NAN], [1.0, INF], ["a", "b"], None]  # finite real numbers


def _cases():
    X = np.arange(6.0).reshape(3, 2)
    clus = dict(n_per_class=6, c=0.4, d=0.1)
    gmm = dict(sample_ratio=2.0, delta=1.0, rho=0.5)
    spec = {
        # ---------------------------------------------------------------- labels
        _labels.corrupt_labels: (
            dict(labels=[0, 1, 0, 1], corruption=0.25),
            {
                "labels": [[0.5, 1.0], ["a", "b"], None, [], [-1, 0], [[0, 1]]],
                "corruption": PROB + [np.array([0.1, 0.2])],
                "n_classes": COUNT_OPT + [1],
                "corruption_kind": ["pairs", None, 3],
                "exact": ["yes", None, 1],
                "per_class": ["yes", None, 1],
                "seed": COUNT + [-1],
                "stream": COUNT + [-1],
                "flip_to": [[1, 0]],
            },
        ),
        _labels._check_corruption: (
            dict(corruption=0.2, n_classes=3),
            {
                "corruption": PROB + [0.7, np.array([0.1])],
                "n_classes": COUNT + [1],
                "corruption_kind": ["pairs", None],
            },
        ),
        # ---------------------------------------------------------------- logistic
        cls.sigmoid: (dict(z=0.0), {"z": ["a", None, 1 + 2j, NAN, [0.0, INF]]}),
        cls.softmax: (
            dict(z=[0.0, 1.0]),
            {"z": ["a", None, 1 + 2j, [NAN, 0.0], [INF, 0.0]], "axis": ["a", 1.5, 3, None]},
        ),
        cls.soft_targets: (
            dict(teacher_probs=[0.8, 0.3], labels=[1, 0], xi=2.0),
            {
                "teacher_probs": ARRAY + [[1.2, 0.3], [-0.1, 0.3], [[0.5, 0.6], [0.5, 0.5]]],
                "labels": [[0.5, 1.0], ["a", "b"], None, [0, 2], [-1, 0]],
                "xi": FINITE,
                "n_classes": COUNT_OPT + [1, 3],
            },
        ),
        cls.fit_soft_logistic: (
            dict(X_or_gram=X, targets=[1.0, 0.0, 1.0], lam=1.0),
            {
                "X_or_gram": [
                    [[1.0, NAN], [0.0, 1.0], [1.0, 1.0]],
                    [[1.0, INF], [0.0, 1.0], [1.0, 1.0]],
                    "a",
                    None,
                    np.ones(3),
                ],
                "targets": ARRAY + [np.ones((3, 2))],
                "lam": FINITE + [-1.0, 0.0],
                "gram": ["yes", None, 1],
                "tol": FINITE + [0.0, -1.0],
                "max_iter": COUNT + [0],
            },
        ),
        # ---------------------------------------------------------------- clustered model
        cls.clustered_accuracy: (
            dict(**clus, corruption=0.2, lam=0.1, xi=2.0),
            {
                "n_per_class": COUNT + [0],
                "c": SCALAR + [1.0, 0.05],
                "d": SCALAR + [-0.1],
                "corruption": PROB + [[0.1, INF]],
                "lam": ["a", None, 1 + 2j, NAN, INF, 0.0, -1.0],
                "xi": ["a", None, 1 + 2j, NAN, INF],
                "n_classes": COUNT + [1],
            },
        ),
        cls.clustered_gram: (
            dict(**clus),
            {"n_per_class": COUNT + [0], "c": SCALAR, "d": SCALAR, "n_classes": COUNT + [1]},
        ),
        cls.clustered_features: (
            dict(**clus),
            {"n_per_class": COUNT + [0], "c": SCALAR, "d": SCALAR, "n_classes": COUNT + [1]},
        ),
        cls.clustered_labels: (
            dict(n_per_class=6, n_corrupted_per_class=2),
            {
                "n_per_class": COUNT + [0],
                "n_corrupted_per_class": COUNT + [-1, 7],
                "n_classes": COUNT + [1],
            },
        ),
        cls.corruption_range: (
            dict(**clus, lam=0.1, xi=2.0, n_grid=5),
            {
                "lam": FINITE + [0.0],
                "xi": FINITE,
                "c": SCALAR,
                "on": ["test", None],
                "corruption_max": [-0.1, 1.5, NAN, "a", 1 + 2j, 0.0],
                "n_grid": COUNT + [2],
                "n_classes": COUNT + [1],
            },
        ),
        cls.clustered_phase_diagram: (
            dict(**clus, corruption=[0.1], lam=[0.1], xi=[1.0]),
            {
                "corruption": PROB,
                "lam": ["a", None, 1 + 2j, NAN, INF, 0.0],
                "xi": ["a", None, 1 + 2j, NAN, INF],
                "c": SCALAR,
            },
        ),
        cls.linearized_sd_factors: (
            dict(**clus, lam=0.1, xi=1.0, steps=2),
            {"lam": FINITE + [0.0], "xi": FINITE, "steps": COUNT + [-1], "c": SCALAR},
        ),
        cls.multi_round_sd: (
            dict(**clus, corruption=0.2, lam=0.1, xi=1.0, steps=1),
            {
                "corruption": PROB + [np.array([0.1, 0.2])],
                "lam": FINITE + [0.0],
                "xi": FINITE,
                "steps": COUNT + [-1],
            },
        ),
        # ---------------------------------------------------------------- Gaussian mixture
        cls.gmm_test_error: (
            dict(m=1.0, Q=1.0, b=0.0, delta=1.0, rho=0.5),
            {
                "m": NOT_NUMBERS + [NAN, INF],
                "Q": NOT_NUMBERS + [NAN, 0.0, -1.0],
                "b": NOT_NUMBERS + [NAN, INF],
                "delta": NOT_NUMBERS + [NAN, 0.0],
                "rho": PROB,
            },
        ),
        cls.gmm_bayes_error: (
            dict(sample_ratio=2.0, delta=1.0),
            {
                "sample_ratio": NOT_NUMBERS + [NAN, 0.0, INF],
                "delta": NOT_NUMBERS + [NAN, 0.0],
                "rho": PROB + [0.0, 1.0],
            },
        ),
        cls.gmm_first_stage: (
            dict(**gmm, corruption=0.2, lam=0.5),
            {
                "sample_ratio": NOT_NUMBERS + [NAN, 0.0, INF],
                "delta": NOT_NUMBERS + [NAN, -1.0],
                "rho": PROB + [0.0, 1.0],
                "corruption": PROB,
                "lam": NOT_NUMBERS + [NAN, 0.0, INF],
                "loss": ["hinge", None],
            },
        ),
        cls.gmm_sd_stage: (
            dict(**gmm, corruption=0.2, lam=0.5),
            {
                "sample_ratio": FINITE + [0.0],
                "delta": FINITE + [0.0],
                "rho": PROB + [1.0],
                "corruption": PROB,
                "lam": FINITE + [0.0],
                "inverse_temperature": SCALAR + [0.0, -1.0],
                "xi": FINITE,
            },
        ),
        cls.gmm_sd_corruption_range: (
            dict(**gmm, lam=0.5, n_grid=4),
            {
                "lam": FINITE + [0.0],
                "inverse_temperature": SCALAR + [0.0],
                "xi": FINITE,
                "n_grid": COUNT + [2],
                "corruption_max": PROB + [0.0],
                "rho": PROB,
            },
        ),
    }
    return spec


def _sim_cases():
    from sdtheory import simulate as sim

    X = np.arange(6.0).reshape(3, 2)
    gmm = dict(n_features=20, sample_ratio=2.0, delta=1.0, rho=0.5, corruption=0.2, lam=0.5)
    shared = {
        "n_features": COUNT + [1],
        "sample_ratio": FINITE + [0.0],
        "delta": FINITE + [0.0],
        "rho": PROB + [0.0],
        "corruption": PROB,
        "lam": FINITE + [0.0],
        "n_trials": COUNT + [1],
        "seed": ["a", None, 1.5, -1, np.array([1, 2])],
        "batch_size": COUNT + [0],
    }
    return {
        sim.simulate_gmm_sd: (
            dict(gmm),
            {
                **shared,
                "steps": COUNT + [-1],
                "xi": FINITE,
                "inverse_temperature": ["a", None, NAN, 0.0, -1.0, [1.0, 2.0, 3.0]],
                "max_samples": COUNT_OPT + [10],
            },
        ),
        sim.gmm_sd_summary: (dict(gmm), {**shared, "steps": COUNT + [-1], "xi": FINITE}),
        sim.gmm_sd_convergence: (
            dict(gmm, ns=[20]) | {"n_features": None},
            {
                "ns": ["a", None, [1], [2.5]],
                "corruption": PROB,
                "lam": FINITE,
                "n_trials_at": [{20: 1}, {20: 2.5}, {30: 4}, "a"],
            },
        ),
        sim.gmm_sd_corruption_scan: (
            dict(gmm, corruptions=[0.1]) | {"corruption": None},
            {
                "corruptions": ["a", None, [1.5], [NAN], [[0.1]]],
                "z": FINITE + [0.0],
                "lam": FINITE,
                "n_trials": COUNT + [1],
            },
        ),
        sim.simulate_gmm_bce_teacher: (dict(gmm), {**shared, "n_iter": COUNT + [0]}),
        sim.fit_soft_logistic_batch: (
            dict(X_or_gram=X, targets=[[1.0, 0.0, 1.0]], lam=1.0),
            {
                "X_or_gram": [[[1.0, NAN], [0.0, 1.0], [1.0, 1.0]], "a", None, np.ones(3)],
                "targets": [[[1.0, NAN, 0.0]], [[1.0, INF, 0.0]], "a", None],
                "lam": ["a", None, 1 + 2j, NAN, INF, 0.0, [1.0, 2.0]],
                "gram": ["yes", None],
                "n_iter": COUNT + [0],
            },
        ),
        sim.simulate_clustered_sd: (
            dict(n_per_class=4, c=0.4, d=0.1, n_corrupted_per_class=1, lam=0.1, xi=[1.0]),
            {
                "n_per_class": COUNT + [0],
                "c": SCALAR + [1.0],
                "d": SCALAR + [-0.1],
                "n_corrupted_per_class": COUNT + [-1, 5],
                "lam": FINITE + [0.0],
                "xi": ["a", None, [NAN], [INF], [[1.0]]],
                "n_classes": COUNT + [1],
                "n_trials": COUNT + [1],
                "seed": ["a", None, -1],
                "n_iter": COUNT + [0],
            },
        ),
    }


def _expand(spec):
    out = []
    for fn, (base, bad) in spec.items():
        for arg, values in bad.items():
            for v in values:
                out.append(
                    pytest.param(
                        fn, base, arg, v, id=f"{fn.__name__}-{arg}-{type(v).__name__}-{v!r:.20}"
                    )
                )
    return out


def _check(fn, base, arg, value):
    kw = {k: v for k, v in base.items() if v is not None}
    kw[arg] = value
    with pytest.raises((ValueError, TypeError)) as exc:
        fn(**kw)
    assert re.search(rf"\b{re.escape(arg)}\b", str(exc.value)), (arg, str(exc.value))


@pytest.mark.parametrize("fn, base, arg, value", _expand(_cases()))
def test_theory_refuses_bad_input_naming_the_argument(fn, base, arg, value):
    _check(fn, base, arg, value)


@pytest.mark.parametrize("fn, base, arg, value", _expand(_sim_cases()))
def test_simulators_refuse_bad_input_naming_the_argument(fn, base, arg, value):
    _check(fn, base, arg, value)


def test_every_public_callable_is_covered():
    from sdtheory import simulate as sim

    covered = {f.__name__ for f in {**_cases(), **_sim_cases()}}
    # the partial-label and multi-stage functions have their own files
    # (test_bad_input_partial_label.py, test_bad_input_multistage.py)
    public = {
        n
        for n in cls.__all__
        if inspect.isfunction(getattr(cls, n))
        and not n.startswith(("partial_label", "gmm_multistage", "optimize_gmm_multistage"))
        and n != "gmm_finite_n_error"
    }
    public |= {n for n in _labels.__all__ if inspect.isfunction(getattr(_labels, n))}
    public |= {
        n
        for n in (
            "simulate_gmm_sd",
            "gmm_sd_summary",
            "gmm_sd_convergence",
            "gmm_sd_corruption_scan",
            "simulate_gmm_bce_teacher",
            "fit_soft_logistic_batch",
            "simulate_clustered_sd",
        )
        if callable(getattr(sim, n))
    }
    assert public <= covered, public - covered


def test_predict_logits_refuses_bad_points():
    fit = cls.fit_soft_logistic(np.eye(3), [1.0, 0.0, 1.0], lam=1.0)
    for bad in ([[1.0, NAN, 0.0]], [[1.0, INF, 0.0]], "a", None, np.ones((2, 2))):
        with pytest.raises((ValueError, TypeError), match="X_new"):
            fit.predict_logits(bad)


def test_simulators_share_one_vocabulary():
    # keyword-only n_trials and seed; no n_seeds / batch / beta / alpha / flip anywhere
    from sdtheory import simulate as sim

    for name in ("simulate_gmm_sd", "simulate_gmm_bce_teacher", "simulate_clustered_sd"):
        params = inspect.signature(getattr(sim, name)).parameters
        for p in ("n_trials", "seed"):
            assert params[p].kind is inspect.Parameter.KEYWORD_ONLY, (name, p)
    for name in (
        "simulate_gmm_sd",
        "gmm_sd_summary",
        "gmm_sd_convergence",
        "gmm_sd_corruption_scan",
        "simulate_gmm_bce_teacher",
        "fit_soft_logistic_batch",
        "simulate_clustered_sd",
    ):
        params = set(inspect.signature(getattr(sim, name)).parameters)
        assert not params & {
            "n_seeds",
            "batch",
            "beta",
            "alpha",
            "flip",
            "rate",
            "p",
            "stages",
            "seeds_at",
            "key",
        }, (name, params)
