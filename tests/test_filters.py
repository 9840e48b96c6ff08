"""Spectral filters (sdtheory.ridge) against the explicit estimators and exact arithmetic."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdtheory import Spectrum, filter_risk, oracle_filter, ridge_filter, sd_filter
from tests._tol import RTOL_EXACT, RTOL_MATRIX


def explicit_student(X, lam, xi, lam_t):
    n, d = X.shape
    G = X.T @ X
    A_T = np.linalg.solve(G + lam_t * np.eye(d), X.T)
    return np.linalg.solve(G + lam * np.eye(d), X.T @ (xi * X @ A_T + (1.0 - xi) * np.eye(n)))


@given(
    st.integers(0, 10**6),
    st.sampled_from([(6, 3), (3, 6), (4, 4), (1, 3)]),
    st.floats(-2, 1.5),
    st.floats(-6, 8),
    st.one_of(st.none(), st.floats(-2, 1.5)),
)
def test_sd_filter_is_the_student_estimator_in_the_eigenbasis(seed, nd, ll, xi, llt):
    # The student estimator θ_S = A_S y. In the eigenbasis, A_S U = V diag(f/s): so
    # Vᵀ A_S X V = diag(f), and A_S vanishes on the orthogonal complement of col(X).
    rng = np.random.default_rng(seed)
    X = rng.normal(size=nd)
    lam = 10.0**ll
    lam_t = None if llt is None else 10.0**llt
    A_S = explicit_student(X, lam, xi, lam if lam_t is None else lam_t)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    f = sd_filter(s**2, lam=lam, xi=xi, teacher_lam=lam_t)
    scale = 1 + abs(xi)
    np.testing.assert_allclose(Vt @ A_S @ X @ Vt.T, np.diag(f), atol=RTOL_MATRIX * scale)
    P_perp = np.eye(X.shape[0]) - U @ U.T
    np.testing.assert_allclose(A_S @ P_perp, 0.0, atol=RTOL_MATRIX * scale)


def exact_filter(s2, lam, xi, lam_t):
    s2, lam, xi, lam_t = (Fraction(float(v)) for v in (s2, lam, xi, lam_t))
    return s2 / (s2 + lam) * (1 - xi * lam_t / (s2 + lam_t))


@pytest.mark.parametrize("lam", [1e-12, 1e-9, 1e-6, 1.0, 1e6, 1e12])
def test_sd_filter_is_accurate_at_extreme_lambda(lam):
    # Regression: near λ → 0 with ξ = κ/λ the filter lost ~9 digits (1 − a_t by subtraction).
    s2 = np.array([0.3, 1.7, 40.0])
    for xi in (0.7 / lam, -lam, 3.0, -2.5):
        f = sd_filter(s2, lam=lam, xi=xi)
        ref = np.array([float(exact_filter(v, lam, xi, lam)) for v in s2])
        np.testing.assert_allclose(f, ref, rtol=1e-12, atol=1e-15)


def test_special_values_of_the_filter():
    s2 = np.array([9.0, 1.0, 0.04])
    lam = 0.5
    a = s2 / (s2 + lam)
    np.testing.assert_allclose(sd_filter(s2, lam=lam, xi=0.0), a, rtol=RTOL_EXACT)
    np.testing.assert_allclose(sd_filter(s2, lam=lam, xi=1.0), a * a, rtol=RTOL_EXACT)
    np.testing.assert_allclose(ridge_filter(s2, lam=lam), a, rtol=RTOL_EXACT)
    np.testing.assert_allclose(ridge_filter(s2, lam=0.0), 1.0)
    # negative exactly where s² < (ξ − 1)λ
    xi = 4.0
    f = sd_filter(s2, lam=lam, xi=xi)
    assert np.array_equal(f < 0, s2 < (xi - 1) * lam)
    # a teacher with a larger λ_t shrinks more, so the student (ξ > 0) shrinks less
    assert np.all(sd_filter(s2, lam=lam, xi=0.5, teacher_lam=2.0) < sd_filter(s2, lam=lam, xi=0.5))


def test_filter_broadcast_shapes():
    s2 = np.array([1.0, 2.0, 3.0, 4.0])
    assert sd_filter(s2, lam=np.ones((2, 1)), xi=np.zeros(5)).shape == (2, 5, 4)
    assert sd_filter(2.0, lam=np.ones((2, 1)), xi=np.zeros(5)).shape == (2, 5)
    assert sd_filter(s2, lam=1.0, xi=0.0, teacher_lam=np.ones(3)).shape == (3, 4)
    assert ridge_filter(s2, lam=np.ones(7)).shape == (7, 4)


def test_oracle_filter_diagonal_minimizes_each_direction():
    rng = np.random.default_rng(2)
    sp = Spectrum(eigvals=rng.uniform(0.1, 4, 5), signal_energy=rng.uniform(0, 3, 5), noise=0.6)
    f = oracle_filter(sp)
    np.testing.assert_allclose(
        f, sp.eigvals * sp.signal_energy / (sp.eigvals * sp.signal_energy + sp.noise), rtol=1e-12
    )
    base = filter_risk(sp, f=f)
    for j in range(5):
        for step in (1e-3, -1e-3):
            g = f.copy()
            g[j] += step
            assert filter_risk(sp, f=g) > base


def test_oracle_filter_matrix_weights_against_explicit_quadratic_fit():
    # E(f) for the estimator V diag(f/s) Uᵀ y, computed from matrices, is a quadratic in f.
    # Recover it exactly from evaluations and minimize by a linear solve: an independent route.
    rng = np.random.default_rng(4)
    n, d = 4, 6
    X = rng.normal(size=(n, d))
    theta = rng.normal(size=d)
    G = rng.normal(size=(d, d + 2))
    W = G @ G.T / d
    g2 = 0.8
    sp = Spectrum.from_design(X, theta, g2, weights=W)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    r = s.size

    def E(f):
        A = Vt.T @ np.diag(f / s) @ U.T
        e = A @ X @ theta - theta
        return e @ W @ e + g2 * np.trace(A.T @ W @ A)

    c = E(np.zeros(r))
    grad = np.zeros(r)
    H = np.zeros((r, r))
    eye = np.eye(r)
    for i in range(r):
        grad[i] = (E(eye[i]) - E(-eye[i])) / 2
        H[i, i] = E(eye[i]) + E(-eye[i]) - 2 * c
    for i in range(r):
        for j in range(i + 1, r):
            H[i, j] = H[j, i] = E(eye[i] + eye[j]) - E(eye[i]) - E(eye[j]) + c
    f_star = np.linalg.solve(H, -grad)
    np.testing.assert_allclose(oracle_filter(sp), f_star, rtol=1e-8, atol=1e-10)
    assert filter_risk(sp, f=oracle_filter(sp)) == pytest.approx(E(f_star), rel=1e-10)
