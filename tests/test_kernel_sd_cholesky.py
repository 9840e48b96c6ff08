"""kernel_self_distill: the Cholesky route against the eigendecomposition route."""

import numpy as np
import pytest

import sdtheory as sd
from sdtheory import kernel_self_distill


def _kernel(rng, n, kind):
    x = rng.standard_normal((n, 3))
    if kind == "rbf":
        return sd.rbf_kernel(x, gamma=0.7)
    return x @ x.T  # rank 3 < n: singular


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["rbf", "linear"])
@pytest.mark.parametrize(
    "sched", [{"xi": 0.6, "steps": 4}, {"xi": 1.3, "steps": 3}, {"xis": [0.2, -0.5, 1.1]}]
)
def test_cholesky_matches_eigh(seed, kind, sched):
    rng = np.random.default_rng(seed)
    K = _kernel(rng, 40, kind)
    y = rng.standard_normal(40)
    lam = [0.05, 0.5, 3.0][seed]
    ch = kernel_self_distill(K, y, lam=lam, method="cholesky", **sched)
    ei = kernel_self_distill(K, y, lam=lam, method="eigh", **sched)
    auto = kernel_self_distill(K, y, lam=lam, **sched)
    scale = np.abs(ei.coef).max()
    np.testing.assert_allclose(ch.coef, ei.coef, rtol=0, atol=1e-10 * scale)
    np.testing.assert_array_equal(auto.coef, ch.coef)
    np.testing.assert_allclose(ch.fitted, ei.fitted, rtol=0, atol=1e-10 * np.abs(ei.fitted).max())
    # the eigen quantities of a Cholesky fit are computed on access and agree
    np.testing.assert_array_equal(ch.filters, ei.filters)
    np.testing.assert_array_equal(ch.eigen.eigvals, ei.eigen.eigvals)
    assert (ch.limit_coef is None) == (ei.limit_coef is None)
    if ei.limit_coef is not None:
        np.testing.assert_array_equal(ch.limit_coef, ei.limit_coef)
        np.testing.assert_array_equal(ch.limit_filter, ei.limit_filter)


def test_cholesky_solves_the_recursion():
    """Independent route: each step is kernel ridge on its mixed targets."""
    rng = np.random.default_rng(5)
    K = _kernel(rng, 30, "rbf")
    y = rng.standard_normal(30)
    fit = kernel_self_distill(K, y, lam=0.4, xis=[0.3, 0.9], method="cholesky")
    A = K + 0.4 * np.eye(30)
    c = np.linalg.solve(A, y)
    np.testing.assert_allclose(fit.coef[0], c, rtol=1e-10, atol=1e-12)
    for t, xi in enumerate([0.3, 0.9], start=1):
        c = np.linalg.solve(A, (1 - xi) * y + xi * (K @ c))
        np.testing.assert_allclose(fit.coef[t], c, rtol=1e-10, atol=1e-12)


def test_cholesky_refuses_bad_input():
    y = np.ones(3)
    with pytest.raises(ValueError, match="positive semi-definite"):
        kernel_self_distill(np.diag([1.0, -1.0, 1.0]), y, lam=5.0, xi=0.0, steps=1)
    with pytest.raises(ValueError, match="symmetric"):
        kernel_self_distill(np.triu(np.ones((3, 3))), y, lam=1.0, xi=0.0, steps=1)
    with pytest.raises(ValueError, match="K"):
        kernel_self_distill(np.full((3, 3), np.nan), y, lam=1.0, xi=0.0, steps=1)
    with pytest.raises(ValueError, match="y must have shape"):
        kernel_self_distill(np.eye(3), np.ones(4), lam=1.0, xi=0.0, steps=1)
    with pytest.raises(ValueError, match="method"):
        kernel_self_distill(np.eye(3), y, lam=1.0, xi=0.0, steps=1, method="qr")
    with pytest.raises(ValueError, match="KernelEigen"):
        kernel_self_distill(sd.kernel_eigen(np.eye(3)), y, lam=1.0, xis=[0.5], method="cholesky")
