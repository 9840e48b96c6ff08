"""Kernels, Gram-matrix validation and the kernel Spectrum (in-sample prediction risk of KRR)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdtheory import (
    Spectrum,
    check_gram,
    filter_risk,
    kernel_eigen,
    kernel_matrix,
    kernel_spectrum,
    linear_kernel,
    polynomial_kernel,
    rbf_kernel,
    ridge_filter,
)
from tests._tol import RTOL_EXACT


def test_named_kernels_against_loops():
    rng = np.random.default_rng(0)
    X, Z = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    for name, fn, params, ref in (
        ("linear", linear_kernel, {}, lambda a, b: a @ b),
        ("rbf", rbf_kernel, {"gamma": 0.7}, lambda a, b: np.exp(-0.7 * np.sum((a - b) ** 2))),
        (
            "polynomial",
            polynomial_kernel,
            {"degree": 3, "gamma": 0.5, "coef0": 2.0},
            lambda a, b: (0.5 * a @ b + 2.0) ** 3,
        ),
    ):
        expect = np.array([[ref(a, b) for b in Z] for a in X])
        np.testing.assert_allclose(fn(X, Z, **params), expect, rtol=1e-13)
        np.testing.assert_allclose(kernel_matrix(name, X, Z, **params), expect, rtol=1e-13)
        K = fn(X, **params)
        assert K.shape == (5, 5)
        check_gram(K)  # named kernels give symmetric PSD Gram matrices


def test_one_dimensional_inputs_and_callable_kernel():
    x = np.linspace(0, 1, 11)
    K = rbf_kernel(x, gamma=80.0)
    assert K[0, 1] == pytest.approx(np.exp(-80 * 0.01))
    K2 = kernel_matrix(lambda a, b: np.exp(-80.0 * (a - b.T) ** 2), x)
    np.testing.assert_allclose(K2, K, rtol=1e-13)


def test_kernel_errors():
    with pytest.raises(ValueError, match="same number of features"):
        linear_kernel(np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"gamma must be a real number in \(0, inf\)"):
        rbf_kernel([0.0, 1.0], gamma=0.0)
    with pytest.raises(ValueError, match="degree must be >= 1"):
        polynomial_kernel([0.0, 1.0], degree=0)
    with pytest.raises(ValueError, match=r"coef0 must be a real number in \[0, inf\)"):
        polynomial_kernel([0.0, 1.0], coef0=-1.0)
    with pytest.raises(ValueError, match="kernel must be one of"):
        kernel_matrix("laplace", [0.0, 1.0])
    with pytest.raises(ValueError, match="must return shape"):
        kernel_matrix(lambda a, b: np.ones((1, 1)), [0.0, 1.0])
    with pytest.raises(ValueError, match="X must not be empty"):
        linear_kernel(np.ones((0, 2)))


def test_check_gram_errors():
    with pytest.raises(ValueError, match="symmetric"):
        check_gram([[1.0, 0.3], [0.0, 1.0]])
    with pytest.raises(ValueError, match="positive semi-definite"):
        check_gram(np.diag([1.0, -0.5]))
    with pytest.raises(ValueError, match="square"):
        check_gram(np.ones((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        check_gram([[1.0, np.nan], [np.nan, 1.0]])
    # round-off negatives are accepted (and symmetrized)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 2))
    K = X @ X.T
    assert np.allclose(check_gram(K + 1e-14 * rng.standard_normal((8, 8))), K, atol=1e-12)


def test_kernel_eigen_reconstructs_and_counts_rank():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((7, 3))
    e = kernel_eigen(X @ X.T)
    assert e.rank == 3
    assert (np.diff(e.eigvals) <= 0).all() and (e.eigvals[3:] == 0).all()
    np.testing.assert_allclose((e.eigvecs * e.eigvals) @ e.eigvecs.T, X @ X.T, atol=1e-12)


@given(seed=st.integers(0, 2**31 - 1), kind=st.sampled_from(["rbf", "singular"]))
def test_kernel_spectrum_risk_equals_hat_matrix_formula(seed, kind):
    """filter_risk(kernel_spectrum, KRR filter) vs (1/N)[‖(S − I)y*‖² + σ² tr SSᵀ], S = K(K+λ)⁻¹."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 12))
    if kind == "rbf":
        K = rbf_kernel(rng.uniform(0, 1, n), gamma=float(rng.uniform(5, 50)))
    else:
        X = rng.standard_normal((n, 2))
        K = X @ X.T
    ys = rng.standard_normal(n)  # generic: has a null-space part when K is singular
    noise = float(rng.uniform(0, 2))
    lam = float(np.exp(rng.uniform(-3, 1)))
    sp = kernel_spectrum(K, ys, noise=noise)
    S = K @ np.linalg.inv(K + lam * np.eye(n))
    direct = (np.sum(((S - np.eye(n)) @ ys) ** 2) + noise * np.trace(S @ S.T)) / n
    assert filter_risk(sp, f=ridge_filter(sp.eigvals, lam=lam)) == pytest.approx(direct, rel=1e-9)


def test_kernel_spectrum_linear_kernel_matches_design_spectrum():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((10, 4))
    th = rng.standard_normal(4)
    sp_k = kernel_spectrum(X @ X.T, X @ th, noise=0.3)
    sp_d = Spectrum.from_design(X, th, 0.3, weights="prediction")
    for lam in (0.1, 1.0, 10.0):
        assert filter_risk(sp_k, f=ridge_filter(sp_k.eigvals, lam=lam)) == pytest.approx(
            filter_risk(sp_d, f=ridge_filter(sp_d.eigvals, lam=lam)), rel=RTOL_EXACT
        )
    assert sp_k.null_risk == pytest.approx(0.0, abs=1e-12)


def test_kernel_spectrum_null_risk_and_errors():
    K = np.diag([3.0, 1.0, 0.0, 0.0])
    sp = kernel_spectrum(K, [1.0, 2.0, 3.0, 4.0], noise=0.1)
    assert sp.rank == 2
    assert sp.null_risk == pytest.approx((9 + 16) / 4)
    with pytest.raises(ValueError, match="y_star must have length 4"):
        kernel_spectrum(K, [1.0, 2.0], noise=0.1)
    with pytest.raises(ValueError, match=r"noise must be a real number in \[0, inf\)"):
        kernel_spectrum(K, np.ones(4), noise=-0.1)
    with pytest.raises(ValueError, match="rank 0"):
        kernel_spectrum(np.zeros((3, 3)), np.ones(3), noise=0.1)
    with pytest.raises(ValueError, match="symmetric"):
        kernel_spectrum(np.triu(np.ones((3, 3))), np.ones(3), noise=0.1)
    with pytest.raises(ValueError, match="positive semi-definite"):
        kernel_spectrum(-np.eye(3), np.ones(3), noise=0.1)
