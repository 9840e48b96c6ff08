"""Bad hyperparameters and data of the scikit-learn estimators are refused at fit time.

Parameters are stored verbatim by ``__init__`` (scikit-learn's contract), so construction never
raises; ``fit`` raises a ValueError/TypeError that names the parameter.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sdtheory import (
    SelfDistilledKernelRidge,
    SelfDistilledLogisticRegression,
    SelfDistilledRidge,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((30, 3))
Y = X @ np.ones(3) + RNG.standard_normal(30)
LABELS = (Y > 0).astype(int)
ALL = [SelfDistilledRidge, SelfDistilledKernelRidge, SelfDistilledLogisticRegression]


def _fit(cls, **params):
    y = LABELS if cls is SelfDistilledLogisticRegression else Y
    return cls(**params).fit(X, y)


COMMON = [
    ({"xi": "half"}, ValueError, "xi"),
    ({"xi": None}, TypeError, "xi"),
    ({"xi": float("nan")}, ValueError, "xi"),
    ({"xi": float("inf")}, ValueError, "xi"),
    ({"xi": [0.5]}, TypeError, "xi"),
    ({"xi": 1j}, TypeError, "xi"),
    ({"xi": True}, TypeError, "xi"),
    ({"steps": 1.5}, TypeError, "steps"),
    ({"steps": 2.0}, TypeError, "steps"),
    ({"steps": -1}, ValueError, "steps"),
    ({"steps": "2"}, TypeError, "steps"),
    ({"steps": None}, TypeError, "steps"),
    ({"steps": True}, TypeError, "steps"),
    ({"steps": [[0.5]]}, TypeError, "steps"),
    ({"steps": [0.5, float("nan")]}, ValueError, "steps"),
    ({"steps": ["a"]}, TypeError, "steps"),
]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize(("params", "exc", "name"), COMMON)
def test_bad_xi_and_steps(cls, params, exc, name):
    params = {"xi": 0.5, **params} if "xi" not in params else params
    with pytest.raises(exc, match=name):
        _fit(cls, **params)


@pytest.mark.parametrize("cls", [SelfDistilledRidge, SelfDistilledKernelRidge])
@pytest.mark.parametrize(
    ("alpha", "exc"),
    [
        (float("nan"), ValueError),
        (-1.0, ValueError),
        (0.0, ValueError),
        (float("inf"), ValueError),
        ("1", TypeError),
        (None, TypeError),
        ([1.0, 2.0], TypeError),
    ],
)
def test_bad_alpha(cls, alpha, exc):
    with pytest.raises(exc, match="alpha"):
        _fit(cls, alpha=alpha, xi=0.5)


def test_auto_xi_only_for_ridge():
    with pytest.raises(ValueError, match="xi"):
        _fit(SelfDistilledKernelRidge, xi="auto")
    with pytest.raises(ValueError, match="xi"):
        _fit(SelfDistilledLogisticRegression, xi="auto")
    with pytest.raises(ValueError, match="xi='auto'"):
        SelfDistilledRidge().fit(np.ones((10, 2)), np.arange(10.0))  # rank 0 after centering


@pytest.mark.parametrize("cls", [SelfDistilledRidge, SelfDistilledLogisticRegression])
@pytest.mark.parametrize("value", [1, "yes", None])
def test_bad_fit_intercept(cls, value):
    with pytest.raises(TypeError, match="fit_intercept"):
        _fit(cls, fit_intercept=value, xi=0.5)


@pytest.mark.parametrize(
    ("params", "exc", "name"),
    [
        ({"kernel": "cosine"}, ValueError, "kernel"),
        ({"kernel": None}, ValueError, "kernel"),
        ({"gamma": -1.0}, ValueError, "gamma"),
        ({"gamma": "scale"}, TypeError, "gamma"),
        ({"kernel": "poly", "degree": 0}, ValueError, "degree"),
        ({"kernel": "poly", "degree": 2.5}, TypeError, "degree"),
        ({"kernel": "poly", "coef0": -1.0}, ValueError, "coef0"),
        ({"kernel": lambda A, B: A @ B.T, "kernel_params": [1]}, TypeError, "kernel_params"),
        ({"kernel": lambda A, B: A @ B.T - 5.0 * np.eye(len(A))}, ValueError, "K"),
    ],
)
def test_bad_kernel_parameters(params, exc, name):
    with pytest.raises(exc, match=name):
        _fit(SelfDistilledKernelRidge, **params)


@pytest.mark.parametrize(
    ("params", "exc", "name"),
    [
        ({"C": 0.0}, ValueError, "C"),
        ({"C": -2.0}, ValueError, "C"),
        ({"C": float("nan")}, ValueError, "C"),
        ({"C": "1"}, TypeError, "C"),
        ({"intercept_scaling": 0.0}, ValueError, "intercept_scaling"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 10.0}, TypeError, "max_iter"),
        ({"tol": -1e-3}, ValueError, "tol"),
        ({"tol": None}, TypeError, "tol"),
    ],
)
def test_bad_logistic_parameters(params, exc, name):
    with pytest.raises(exc, match=name):
        _fit(SelfDistilledLogisticRegression, **params)


def test_logistic_bad_targets():
    with pytest.raises(ValueError, match="class"):
        SelfDistilledLogisticRegression().fit(X, np.zeros(30))
    with pytest.raises(ValueError, match="Unknown label type"):
        SelfDistilledLogisticRegression().fit(X, Y)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_bad_data(cls):
    y = LABELS if cls is SelfDistilledLogisticRegression else Y
    est = cls(xi=0.5)
    with pytest.raises(NotFittedError):
        est.predict(X)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(Xn, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.fit(X, y[:-1])
    est.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        est.predict(Xn)
