"""Spectrum: construction from eigenvalues or from a design matrix, weights, null space."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdtheory import Spectrum


@given(
    st.integers(0, 10**6), st.sampled_from([(7, 3), (3, 7), (5, 5), (1, 4), (4, 1)]), st.booleans()
)
def test_from_design_spectrum_signal_and_null_space(seed, nd, deficient):
    rng = np.random.default_rng(seed)
    n, d = nd
    if deficient and min(n, d) > 1:
        k = min(n, d) - 1
        X = rng.normal(size=(n, k)) @ rng.normal(size=(k, d))
    else:
        X = rng.normal(size=(n, d))
    theta = rng.normal(size=d)
    sp = Spectrum.from_design(X, theta, 0.5)
    rank = np.linalg.matrix_rank(X)
    assert sp.rank == rank
    ev = np.sort(np.linalg.eigvalsh(X.T @ X))[::-1][:rank]
    np.testing.assert_allclose(np.sort(sp.eigvals)[::-1], ev, rtol=1e-9)
    # signal coordinates and null-space part via the pseudo-inverse projector
    P_row = np.linalg.pinv(X) @ X
    null = theta - P_row @ theta
    assert sp.null_risk == pytest.approx(null @ null, rel=1e-9, abs=1e-12)
    assert np.sum(sp.signal**2) + sp.null_risk == pytest.approx(theta @ theta, rel=1e-12)
    np.testing.assert_allclose(sp.basis @ sp.signal, P_row @ theta, atol=1e-10)
    np.testing.assert_allclose(sp.signal_energy, sp.signal**2)
    assert sp.is_diagonal and sp.noise == 0.5
    # prediction weights: W = XᵀX/n is s²/n in the eigenbasis, with no null-space error
    pred = Spectrum.from_design(X, theta, 0.5, weights="prediction")
    np.testing.assert_allclose(pred.weights, pred.eigvals / n, rtol=1e-12)
    assert pred.null_risk == 0.0 and pred.is_diagonal
    # a PSD matrix: weights VᵀWV, cross term VᵀW P_ker θ*, null risk ‖P_ker θ*‖²_W
    G = rng.normal(size=(d, d))
    W = G @ G.T
    mat = Spectrum.from_design(X, theta, 0.5, weights=W)
    V = mat.basis
    np.testing.assert_allclose(mat.weight_matrix, V.T @ W @ V, atol=1e-10 * np.abs(W).max())
    np.testing.assert_allclose(mat.null_cross, V.T @ W @ null, atol=1e-9 * np.abs(W).max())
    assert mat.null_risk == pytest.approx(null @ W @ null, rel=1e-8, abs=1e-10 * np.abs(W).max())


def test_rank_deficient_duplicate_columns():
    X = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 1.0], [0.0, 0.0, 3.0], [1.0, 1.0, 1.0]])
    sp = Spectrum.from_design(X, [1.0, -1.0, 2.0], noise=1.0)
    assert sp.rank == 2
    # θ* = (1, −1, 2): the (1, −1, 0) part is invisible to X
    assert sp.null_risk == pytest.approx(2.0, rel=1e-12)


def test_diagonal_weight_matrix_is_stored_as_vector_but_matrix_view_is_consistent():
    sp = Spectrum(eigvals=[2.0, 1.0], signal=[1.0, -1.0], noise=1.0, weights=np.diag([3.0, 0.5]))
    assert sp.weights.ndim == 1 and sp.is_diagonal
    np.testing.assert_array_equal(sp.weight_matrix, np.diag([3.0, 0.5]))
    np.testing.assert_array_equal(sp.weight_diag, [3.0, 0.5])
    # a null-space cross term makes it non-diagonal even with a diagonal M
    sp2 = Spectrum(
        eigvals=[2.0, 1.0], signal=[1.0, -1.0], noise=1.0, weights=[3.0, 0.5], null_cross=[0.0, 0.2]
    )
    assert not sp2.is_diagonal
    np.testing.assert_array_equal(sp2.weight_matrix, np.diag([3.0, 0.5]))


def test_spectrum_is_immutable_and_copies_its_inputs():
    ev = np.array([1.0, 2.0])
    sp = Spectrum(eigvals=ev, signal_energy=[1.0, 1.0], noise=1.0)
    ev[0] = 100.0
    assert sp.eigvals[0] == 1.0
    with pytest.raises(ValueError):
        sp.eigvals[0] = 5.0
    with pytest.raises(AttributeError):
        sp.noise = 2.0


def test_with_noise_keeps_everything_else():
    X = np.random.default_rng(0).normal(size=(4, 6))
    sp = Spectrum.from_design(X, np.arange(6.0), 1.0, weights=np.eye(6) + 0.1)
    sp2 = sp.with_noise(3.0)
    assert sp2.noise == 3.0
    for name in ("eigvals", "signal", "weights", "null_cross"):
        np.testing.assert_array_equal(getattr(sp2, name), getattr(sp, name))
    assert sp2.null_risk == sp.null_risk and sp2.basis is sp.basis
    sp3 = Spectrum(eigvals=[1.0], signal_energy=[2.0], noise=0.0).with_noise(1.0)
    assert sp3.signal is None and sp3.signal_energy[0] == 2.0


def test_repr_and_signal_energy_consistency():
    sp = Spectrum(eigvals=[4.0, 1.0], signal=[1.0, -2.0], signal_energy=[1.0, 4.0], noise=1.0)
    assert "rank=2" in repr(sp)
    with pytest.raises(ValueError, match="signal_energy"):
        Spectrum(eigvals=[4.0, 1.0], signal=[1.0, -2.0], signal_energy=[1.0, 3.0], noise=1.0)
