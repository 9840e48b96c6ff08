"""The scikit-learn estimators: API conformance, closed forms, and use in model selection.

The fitted coefficients are compared with matrix formulas written out here with
``numpy.linalg.solve`` (ridge, kernel ridge) and with a direct ``scipy.optimize`` minimisation of
the soft-target objective (logistic), never with the package's own filters.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sdtheory import (
    SelfDistilledKernelRidge,
    SelfDistilledLogisticRegression,
    SelfDistilledRidge,
    one_shot_xi,
)


@parametrize_with_checks(
    [
        SelfDistilledRidge(),
        SelfDistilledRidge(xi=0.5, steps=[0.5, 1.5]),
        SelfDistilledKernelRidge(),
        SelfDistilledLogisticRegression(),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data(n=40, p=6, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) @ np.diag(np.linspace(0.3, 2.0, p)) + 0.5
    y = X @ rng.standard_normal(p) + 3.0 + noise * rng.standard_normal(n)
    return X, y


def _ridge(X, target, alpha):
    return np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ target)


def _close(a, b, tol=1e-8):
    a, b = np.asarray(a), np.asarray(b)
    assert np.linalg.norm(a - b) <= tol * max(1.0, float(np.linalg.norm(b))), (a, b)


# ---------------------------------------------------------------------------- ridge


@pytest.mark.parametrize("shape", [(40, 6), (8, 15)])
@pytest.mark.parametrize("xi", [0.0, 0.6, 1.0, 2.5, -0.7])
def test_ridge_student_is_the_matrix_formula(shape, xi):
    X, y = _data(*shape)
    alpha = 3.0
    est = SelfDistilledRidge(alpha, xi=xi, fit_intercept=False).fit(X, y)
    theta_t = _ridge(X, y, alpha)
    theta_s = _ridge(X, xi * X @ theta_t + (1 - xi) * y, alpha)
    _close(est.teacher_coef_, theta_t)
    _close(est.coef_, theta_s)
    assert est.intercept_ == 0.0 and est.xi_ == xi
    _close(est.predict(X), X @ theta_s)


def test_ridge_intercept_centers_like_sklearn_ridge():
    from sklearn.linear_model import Ridge

    X, y = _data()
    alpha, xi = 2.0, 0.7
    est = SelfDistilledRidge(alpha, xi=xi).fit(X, y)
    xm, ym = X.mean(0), y.mean()
    Xc, yc = X - xm, y - ym
    theta_t = _ridge(Xc, yc, alpha)
    theta_s = _ridge(Xc, xi * Xc @ theta_t + (1 - xi) * yc, alpha)
    _close(est.coef_, theta_s)
    _close(est.intercept_, ym - xm @ theta_s)
    ref = Ridge(alpha=alpha, solver="cholesky").fit(X, y)  # the teacher is sklearn's Ridge
    _close(est.teacher_coef_, ref.coef_)
    _close(est.teacher_intercept_, ref.intercept_)
    _close(SelfDistilledRidge(alpha, xi=xi, steps=0).fit(X, y).predict(X), ref.predict(X))


def test_ridge_two_step_schedule_is_two_literal_refits():
    X, y = _data(30, 5, seed=3)
    alpha, xis = 1.5, (0.8, 1.7)
    est = SelfDistilledRidge(alpha, steps=xis, fit_intercept=False).fit(X, y)
    theta = _ridge(X, y, alpha)
    for xi in xis:
        theta = _ridge(X, xi * X @ theta + (1 - xi) * y, alpha)
    _close(est.coef_, theta)
    assert est.xi_ is None and est.xis_.tolist() == list(xis)
    # a constant xi over two steps is the same as the schedule (xi, xi)
    a = SelfDistilledRidge(alpha, xi=0.8, steps=2, fit_intercept=False).fit(X, y)
    b = SelfDistilledRidge(alpha, steps=[0.8, 0.8], fit_intercept=False).fit(X, y)
    _close(a.coef_, b.coef_, 1e-12)


def test_ridge_auto_xi_is_the_one_shot_estimate():
    X, y = _data(200, 20, seed=5, noise=3.0)
    alpha = 50.0
    est = SelfDistilledRidge(alpha).fit(X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    xi = float(one_shot_xi(Xc, yc, lam=alpha, uncertainty="none")["xi_hat"].iloc[0])
    assert est.xi_ == pytest.approx(xi, rel=1e-12)
    theta_t = _ridge(Xc, yc, alpha)
    _close(est.coef_, _ridge(Xc, xi * Xc @ theta_t + (1 - xi) * yc, alpha))


# ---------------------------------------------------------------------------- kernel


def _rbf(A, B, gamma):
    d2 = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
    return np.exp(-gamma * d2)


@pytest.mark.parametrize("xis", [(0.5,), (0.9, -0.4)])
def test_kernel_dual_coefficients_are_literal_resolves(xis):
    X, y = _data(25, 3, seed=2)
    alpha, gamma = 0.3, 0.4
    est = SelfDistilledKernelRidge(alpha, steps=list(xis), gamma=gamma).fit(X, y)
    K = _rbf(X, X, gamma)
    A = K + alpha * np.eye(len(y))
    c = np.linalg.solve(A, y)
    _close(est.teacher_dual_coef_, c)
    for xi in xis:
        c = np.linalg.solve(A, xi * K @ c + (1 - xi) * y)
    _close(est.dual_coef_, c)
    Xn = X[:5] + 0.1
    _close(est.predict(Xn), _rbf(Xn, X, gamma) @ c)
    assert est.X_fit_.shape == X.shape


def test_kernel_default_gamma_and_polynomial():
    X, y = _data(20, 4, seed=4)
    est = SelfDistilledKernelRidge(1.0, xi=0.7).fit(X, y)  # gamma = 1/n_features
    K = _rbf(X, X, 0.25)
    A = K + np.eye(20)
    c0 = np.linalg.solve(A, y)
    _close(est.dual_coef_, np.linalg.solve(A, 0.7 * K @ c0 + 0.3 * y))
    est = SelfDistilledKernelRidge(2.0, xi=1.2, kernel="poly", gamma=0.5, degree=2, coef0=1.0)
    est.fit(X, y)
    K = (0.5 * X @ X.T + 1.0) ** 2
    A = K + 2.0 * np.eye(20)
    c0 = np.linalg.solve(A, y)
    _close(est.dual_coef_, np.linalg.solve(A, 1.2 * K @ c0 - 0.2 * y))


def test_linear_kernel_is_ridge_without_intercept():
    X, y = _data(30, 4)
    k = SelfDistilledKernelRidge(2.0, xi=1.3, steps=2, kernel="linear").fit(X, y)
    r = SelfDistilledRidge(2.0, xi=1.3, steps=2, fit_intercept=False).fit(X, y)
    _close(X.T @ k.dual_coef_, r.coef_)


def test_kernel_callable_with_params():
    X, y = _data(15, 2)

    def lap(A, B, scale):
        return np.exp(-np.abs(A[:, None, :] - B[None, :, :]).sum(-1) / scale)

    est = SelfDistilledKernelRidge(0.5, xi=0.4, kernel=lap, kernel_params={"scale": 2.0})
    est.fit(X, y)
    K = lap(X, X, 2.0)
    A = K + 0.5 * np.eye(15)
    c0 = np.linalg.solve(A, y)
    _close(est.dual_coef_, np.linalg.solve(A, 0.4 * K @ c0 + 0.6 * y))


# ---------------------------------------------------------------------------- logistic


def _soft_fit(Xt, Q, lam):
    """Direct BFGS minimisation of Σ_i [LSE(z_i) − q_iᵀz_i] + (λ/2)‖W‖² (Q: (n,) or (n, K))."""
    binary = Q.ndim == 1
    shape = (Xt.shape[1],) if binary else (Xt.shape[1], Q.shape[1])

    def f(w):
        W = w.reshape(shape)
        Z = Xt @ W
        if binary:
            loss = np.sum(np.logaddexp(0.0, Z) - Q * Z)
            G = Xt.T @ (1.0 / (1.0 + np.exp(-Z)) - Q)
        else:
            loss = np.sum(-np.sum(Q * log_softmax(Z, axis=1), axis=1))
            G = Xt.T @ (softmax(Z, axis=1) - Q)
        return loss + 0.5 * lam * w @ w, (G + lam * W).ravel()

    res = minimize(f, np.zeros(np.prod(shape)), jac=True, method="BFGS", options={"gtol": 1e-12})
    W = res.x.reshape(shape)
    Z = Xt @ W
    P = 1.0 / (1.0 + np.exp(-Z)) if binary else softmax(Z, axis=1)
    return W, P


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_logistic_matches_direct_minimisation(n_classes, fit_intercept):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((60, 3))
    y = np.argmax(X @ rng.standard_normal((3, n_classes)) + rng.standard_normal((60, n_classes)), 1)
    C, xis, s = 0.7, (1.4, 0.6), 2.0
    est = SelfDistilledLogisticRegression(
        C, steps=list(xis), fit_intercept=fit_intercept, intercept_scaling=s
    ).fit(X, y)
    Xt = np.hstack([X, np.full((60, 1), s)]) if fit_intercept else X
    onehot = np.eye(n_classes)[y]
    lab = y.astype(float) if n_classes == 2 else onehot
    W, P = _soft_fit(Xt, lab, 1.0 / C)
    teacher = W
    for xi in xis:
        W, P = _soft_fit(Xt, xi * P + (1 - xi) * lab, 1.0 / C)
    for got_c, got_b, ref in [
        (est.teacher_coef_, est.teacher_intercept_, teacher),
        (est.coef_, est.intercept_, W),
    ]:
        ref = ref[:, None] if ref.ndim == 1 else ref
        _close(got_c, ref[:3].T)
        _close(got_b, ref[3] * s if fit_intercept else np.zeros(ref.shape[1]))
    proba = est.predict_proba(X)
    _close(proba[:, 1] if n_classes == 2 else proba, P)
    assert est.classes_.tolist() == list(range(n_classes))
    _close(np.exp(est.predict_log_proba(X)), proba, 1e-12)


def test_logistic_teacher_is_sklearn_logistic_regression():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((80, 4))
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3] + rng.standard_normal((80, 3)), 1)]
    for labels in (y, y == "a"):
        est = SelfDistilledLogisticRegression(0.5, steps=0, fit_intercept=False).fit(X, labels)
        ref = LogisticRegression(C=0.5, fit_intercept=False, tol=1e-12, max_iter=10000)
        ref.fit(X, labels)
        _close(est.coef_, ref.coef_, 1e-5)
        assert (est.predict(X) == ref.predict(X)).all()


# ---------------------------------------------------------------------------- model selection


def test_clone_pipeline_and_grid_search():
    X, y = _data(60, 5, seed=9, noise=2.0)
    est = SelfDistilledRidge(2.0, xi=0.4, steps=[0.4, 0.9])
    c = clone(est)
    assert c.get_params() == est.get_params() and not hasattr(c, "coef_")
    pipe = make_pipeline(StandardScaler(), SelfDistilledRidge())
    grid = {"selfdistilledridge__alpha": [1.0, 10.0], "selfdistilledridge__xi": [0.0, 0.5, "auto"]}
    search = GridSearchCV(pipe, grid, cv=KFold(3, shuffle=True, random_state=0)).fit(X, y)
    assert set(search.best_params_) == set(grid)
    assert search.cv_results_["mean_test_score"].shape == (6,)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()

    kr = GridSearchCV(
        make_pipeline(StandardScaler(), SelfDistilledKernelRidge()),
        {"selfdistilledkernelridge__alpha": [0.1, 1.0], "selfdistilledkernelridge__xi": [0, 1]},
        cv=KFold(3),
    ).fit(X, y)
    assert np.isfinite(kr.best_score_)

    yc = (y > np.median(y)).astype(int)
    lr = GridSearchCV(
        make_pipeline(StandardScaler(), SelfDistilledLogisticRegression()),
        {"selfdistilledlogisticregression__C": [0.1, 1.0]},
        cv=KFold(3),
    ).fit(X, yc)
    assert 0.5 <= lr.best_score_ <= 1.0


def test_importing_the_estimators_does_not_import_jax():
    code = "import sys, sdtheory; sdtheory.SelfDistilledRidge; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
