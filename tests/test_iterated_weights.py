"""Multi-step risk with diagonal weights and a null-space cross term (regression: the quadratic
once used the weight vector as a matrix). Independent route: the explicit estimator matrix."""

import numpy as np

import sdtheory as sdt


def _exact_multistep_risk(X, theta, noise, lam, xis, W):
    d = X.shape[1]
    A0 = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T)
    A = A0
    for xi in xis:  # student t refits ridge on (1 − ξ)y + ξ X θ_{t−1}
        A = A0 @ ((1 - xi) * np.eye(X.shape[0]) + xi * X @ A)
    B = A @ X - np.eye(d)
    return theta @ B.T @ W @ B @ theta + noise * np.trace(A.T @ W @ A)


def test_multistep_risk_with_null_cross_term_matches_explicit_matrices():
    X = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    theta = np.array([1.0, -1.0, 2.0])
    W = np.array(
        [[2.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 2.0]]
    )  # couples range and null space
    sp = sdt.Spectrum.from_design(X, theta, 0.5, weights=W)
    for xis in ([], [0.7], [2.0, -0.5], [1.5, 3.0, 0.2]):
        exact = _exact_multistep_risk(X, theta, 0.5, 1.0, xis, W)
        np.testing.assert_allclose(sdt.multistep_risk(sp, lam=1.0, xis=xis), exact, rtol=1e-12)
    best = sdt.optimal_schedule(sp, lam=1.0, steps=2)  # k ≥ number of distinct eigenvalues
    np.testing.assert_allclose(best.risk, sdt.oracle_risk(sp), rtol=1e-10)
