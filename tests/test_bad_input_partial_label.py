"""Bad input to the partial-label (top-2) student: theory (``partial_label_accuracy``,
``partial_label_corruption_range``, ``partial_label_expected_accuracy``,
``partial_label_targets``) and the simulator ``simulate_partial_label``. Each bad value must raise
a ValueError/TypeError whose message names the argument (never a silent NaN, never a hang)."""

import dataclasses
import re

import numpy as np
import pytest

import sdtheory.classification as cls

NAN, INF = float("nan"), float("inf")
NOT_NUMBERS = ["a", None, 1 + 2j]
SCALAR = [*NOT_NUMBERS, NAN, np.array([1.0, 2.0])]  # a real scalar, NaN refused
FINITE = [*SCALAR, INF]
COUNT = [2.5, "3", True, None]  # an int
PROB = [-0.1, 1.5, NAN, "a", None, 1 + 2j]  # a number in [0, 1]
MODEL = {
    "n_per_class": [*COUNT, 0],
    "c": [*FINITE, 1.0, 0.05],  # 0.05 < d = 0.1
    "d": [*FINITE, -0.1, 0.5],  # 0.5 > c = 0.4
    "n_classes": [*COUNT, 1, 2],  # K = 2 has no informative top-2 set
}


def _cases():
    clus = dict(n_per_class=4, c=0.4, d=0.1)
    return {
        cls.partial_label_accuracy: (
            dict(**clus, corruption=0.2, lam=0.1, xi=2.0),
            {
                **MODEL,
                "corruption": [*PROB, [0.1, 1.2]],
                "lam": [0.0, -1.0, INF, NAN, "a", None, [0.1, -0.1]],
                "xi": ["a", NAN, INF, [1.0, INF]],
            },
        ),
        cls.partial_label_corruption_range: (
            dict(**clus, lam=0.1, xi=2.0, n_grid=11),
            {
                **MODEL,
                "lam": [*FINITE, 0.0, -1.0],
                "xi": FINITE,
                "on": ["test", None, 1],
                "corruption_max": [v for v in FINITE if v is not None]
                + [0.0, 1.5],  # None: default
                "n_grid": [*COUNT, 2],
            },
        ),
        cls.partial_label_expected_accuracy: (
            dict(**clus, corruption=0.2, lam=0.1, xi=2.0),
            {
                **{k: v for k, v in MODEL.items() if k != "n_per_class"},
                "n_per_class": [*COUNT, 0, 40],  # 40: too many count configurations
                "corruption": [*PROB, np.array([0.1, 0.2])],
                "lam": [*FINITE, 0.0, -1.0],
                "xi": FINITE,
                "max_configurations": [*COUNT, 0],
            },
        ),
        cls.partial_label_targets: (
            dict(logits=[[2.0, 1.0, 0.0]]),
            {
                "logits": [
                    [[1.0, NAN, 0.0]],
                    [[1.0, INF, 0.0]],
                    [["a", "b", "c"]],
                    None,
                    [[1.0, 0.0]],
                    3.0,
                ]
            },
        ),
    }


def _sim_cases():
    from sdtheory.simulate import simulate_partial_label

    return {
        simulate_partial_label: (
            dict(n_per_class=3, c=0.4, d=0.1, corruption=0.2, lam=0.1, xi=2.0, n_trials=2),
            {
                **MODEL,
                "corruption": PROB + [np.array([0.1, 0.2])],
                "lam": [*FINITE, 0.0, -1.0],
                "xi": ["a", None, [NAN], [INF], [], [[1.0]]],
                "n_trials": [*COUNT, 1],
                "seed": [*COUNT, -1],
                "n_iter": [*COUNT, 0],
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
def test_simulator_refuses_bad_input_naming_the_argument(fn, base, arg, value):
    _check(fn, base, arg, value)


def test_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match="corruption, lam and xi must broadcast"):
        cls.partial_label_accuracy(4, 0.4, 0.1, corruption=[0.1, 0.2], lam=[0.1, 0.2, 0.3])


def test_result_is_frozen():
    r = cls.partial_label_accuracy(4, 0.4, 0.1, corruption=0.2, lam=0.1)
    assert isinstance(r, cls.PartialLabelAccuracy) and r.student_train is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.partial_train = 1.0


def test_every_public_callable_is_covered():
    names = {f.__name__ for f in {**_cases(), **_sim_cases()}}
    public = {n for n in cls.__all__ if n.startswith("partial_label")}
    assert public <= names, public - names
