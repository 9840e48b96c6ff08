"""Bad input to :func:`sdtheory.bridge.sd_cross_entropy` and :func:`sdtheory.bridge.sd_targets`
gives a ValueError/TypeError that names the argument (strings, None, complex numbers, arrays where
a scalar belongs, NaN/inf, wrong shapes, probabilities off the simplex, labels out of range)."""

from __future__ import annotations

import numpy as np
import pytest

import sdtheory.bridge as B

RNG = np.random.default_rng(0)
Z = RNG.standard_normal((5, 3))
P = RNG.dirichlet(np.ones(3), size=5)
Y = np.array([0, 1, 2, 1, 0])
GOOD = dict(logits=Z, teacher_probs=P, labels=Y, xi=1.5)

BAD = [
    ("xi", "1"),
    ("xi", None),
    ("xi", 1j),
    ("xi", True),
    ("xi", float("nan")),
    ("xi", float("inf")),
    ("xi", np.array([0.5, 1.0])),
    ("logits", "z"),
    ("logits", None),
    ("logits", Z + 0j),
    ("logits", Y),  # integers
    ("logits", np.full((5, 3), np.nan)),
    ("logits", np.full((5, 3), np.inf)),
    ("logits", Z[:, :2]),  # shape differs from teacher_probs
    ("logits", Z[:, :1]),  # one class
    ("logits", np.float64(1.0)),  # a scalar
    ("teacher_probs", "p"),
    ("teacher_probs", None),
    ("teacher_probs", P + 0j),
    ("teacher_probs", 2 * P),  # rows sum to 2 and entries above 1
    ("teacher_probs", P - 0.5),  # negative entries
    ("teacher_probs", np.full((5, 3), np.nan)),
    ("teacher_probs", np.full((5, 3), 0.5)),  # rows sum to 1.5
    ("labels", "y"),
    ("labels", None),
    ("labels", Y + 0j),
    ("labels", Y.astype(float)),  # class ids must be integers
    ("labels", np.array([0, 1, 3, 1, 0])),  # out of range
    ("labels", np.array([0, -1, 2, 1, 0])),
    ("labels", Y[:4]),  # wrong length
    ("labels", np.ones((5, 3))),  # not one-hot
    ("labels", 0.5 * np.eye(3)[Y]),  # not 0/1
    ("reduction", "avg"),
    ("reduction", None),
]


@pytest.mark.parametrize("arg,value", BAD, ids=[f"{a}={v!r}"[:40] for a, v in BAD])
def test_sd_cross_entropy_bad_input_names_argument(arg, value):
    kw = dict(GOOD, **{arg: value})
    with pytest.raises((ValueError, TypeError), match=arg):
        B.sd_cross_entropy(kw.pop("logits"), kw.pop("teacher_probs"), kw.pop("labels"), **kw)


@pytest.mark.parametrize(
    "arg,value", [(a, v) for a, v in BAD if a in ("xi", "teacher_probs", "labels")]
)
def test_sd_targets_bad_input_names_argument(arg, value):
    kw = dict(dict(teacher_probs=P, labels=Y, xi=2.0), **{arg: value})
    with pytest.raises((ValueError, TypeError), match=arg):
        B.sd_targets(kw.pop("teacher_probs"), kw.pop("labels"), **kw)


def test_xi_is_keyword_only():
    with pytest.raises(TypeError):
        B.sd_targets(P, Y, 2.0)
    with pytest.raises(TypeError):
        B.sd_cross_entropy(Z, P, Y, 2.0)


def test_teacher_probs_needs_a_class_axis():
    with pytest.raises(ValueError, match="teacher_probs"):
        B.sd_targets(np.array(0.5), np.array(1), xi=0.5)
    with pytest.raises(ValueError, match="teacher_probs"):
        B.sd_targets(np.ones((4, 1)), np.zeros(4, int), xi=0.5)
