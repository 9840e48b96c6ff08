"""The features-form Newton Hessian of ``fit_soft_logistic`` against the einsum form it replaced."""

import numpy as np
import pytest

from sdtheory.classification import _logistic, fit_soft_logistic


def _hess_features_einsum(X, S):
    D, K = X.shape[1], S.shape[1]
    return np.einsum("ia,ib,ikl->akbl", X, X, S).reshape(D * K, D * K)


def _problem(seed, n, d, K):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if K == 1:
        q = rng.uniform(-0.3, 1.3, n)
    else:
        q = rng.dirichlet(np.ones(K), n) * 1.4 - 0.4 / K
    return X, q


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("K", [1, 2, 3, 4])
@pytest.mark.parametrize("gram", [False, True])
def test_fit_matches_einsum_reference(monkeypatch, seed, K, gram):
    X, q = _problem(seed, 40, 6, K)
    A = X @ X.T if gram else X
    lam = 0.3 + seed
    new = fit_soft_logistic(A, q, lam=lam, gram=gram)
    monkeypatch.setattr(_logistic, "_hess_features", _hess_features_einsum)
    old = fit_soft_logistic(A, q, lam=lam, gram=gram)
    np.testing.assert_allclose(new.logits, old.logits, rtol=0, atol=1e-10)
    assert new.grad_norm <= 1e-10


@pytest.mark.parametrize("K", [2, 3, 5])
def test_matrices_match_einsum(K):
    rng = np.random.default_rng(K)
    X = rng.standard_normal((30, 7))
    p = rng.dirichlet(np.ones(K), 30)
    S = _logistic._curv(p, False)
    np.testing.assert_allclose(
        _logistic._hess_features(X, S), _hess_features_einsum(X, S), rtol=0, atol=1e-12
    )
