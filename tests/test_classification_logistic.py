"""Soft-target logistic solvers, targets and label noise."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize

from sdtheory.classification import (
    corrupt_labels,
    fit_soft_logistic,
    sigmoid,
    soft_targets,
    softmax,
)
from tests._tol import ATOL_LOGIT


def _scipy_fit(X, q, lam):
    """Independent route: SciPy trust-exact on the same objective (explicit grad/Hessian)."""
    N, D = X.shape
    binary = q.ndim == 1
    K = 1 if binary else q.shape[1]

    def f(v):
        W = v.reshape(D, K) if not binary else v
        z = X @ W
        if binary:
            loss = np.sum(np.logaddexp(0, z) - q * z)
        else:
            loss = np.sum(
                np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1) - (q * z).sum(1)
            )
        return loss + 0.5 * lam * v @ v

    def g(v):
        W = v.reshape(D, K) if not binary else v
        z = X @ W
        p = sigmoid(z) if binary else softmax(z)
        return (X.T @ (p - q)).ravel() + lam * v

    def h(v):
        W = v.reshape(D, K) if not binary else v
        z = X @ W
        if binary:
            p = sigmoid(z)
            return (X.T * (p * (1 - p))) @ X + lam * np.eye(D)
        p = softmax(z)
        S = np.einsum("ik,kl->ikl", p, np.eye(K)) - p[:, :, None] * p[:, None, :]
        return np.einsum("ia,ib,ikl->akbl", X, X, S).reshape(D * K, D * K) + lam * np.eye(D * K)

    res = optimize.minimize(
        f,
        np.zeros(D * K),
        jac=g,
        hess=h,
        method="trust-exact",
        options={"gtol": 1e-12, "maxiter": 500},
    )
    v = res.x
    for _ in range(3):  # trust-exact may stop at gradient ~1e-8: polish with plain Newton steps
        v = v - np.linalg.solve(h(v), g(v))
    assert np.linalg.norm(g(v)) < 1e-11
    W = v if binary else v.reshape(D, K)
    return X @ W


@pytest.mark.parametrize("K", [None, 3, 4])
@pytest.mark.parametrize("xi", [-1.0, 0.5, 3.0, 6.0])
def test_newton_matches_scipy_and_gram(K, xi):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 6))
    lab = rng.integers(0, K or 2, size=30)
    if K is None:
        t = rng.uniform(size=30)
        q = xi * t + (1 - xi) * lab
    else:
        t = rng.dirichlet(np.ones(K), size=30)
        q = xi * t + (1 - xi) * np.eye(K)[lab]
    fit = fit_soft_logistic(X, q, lam=0.4)
    assert fit.grad_norm <= 1e-10
    np.testing.assert_allclose(fit.logits, _scipy_fit(X, q, 0.4), atol=ATOL_LOGIT, rtol=0)
    fg = fit_soft_logistic(X @ X.T, q, lam=0.4, gram=True)
    np.testing.assert_allclose(fg.logits, fit.logits, atol=ATOL_LOGIT, rtol=0)
    # representer: w = Xᵀβ
    np.testing.assert_allclose(X.T @ fg.coef, fit.coef, atol=ATOL_LOGIT, rtol=0)


def test_softmax_two_classes_equals_binary_with_half_lambda():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 4))
    t = rng.uniform(-0.5, 1.5, size=20)
    fb = fit_soft_logistic(X, t, lam=0.3)
    fm = fit_soft_logistic(X, np.stack([1 - t, t], 1), lam=0.6)
    np.testing.assert_allclose(fm.logits[:, 1] - fm.logits[:, 0], fb.logits, atol=ATOL_LOGIT)


def test_hard_targets_in_unit_interval_gradient_zero():
    X = np.eye(3)
    fit = fit_soft_logistic(X, [1.0, 0.0, 1.0], lam=1.0)
    # separable coordinates: p_i − q_i + λ w_i = 0 per coordinate
    np.testing.assert_allclose(sigmoid(fit.coef) - [1, 0, 1] + fit.coef, 0, atol=1e-12)


def test_lambda_zero_refused_unbounded():
    X = np.eye(3)
    with pytest.raises(ValueError, match="unbounded"):
        fit_soft_logistic(X, soft_targets([0.2, 0.9, 0.6], [1, 0, 1], xi=2.0), lam=0.0)
    with pytest.raises(ValueError, match="unbounded"):
        fit_soft_logistic(X, [[1.5, -0.5], [0.5, 0.5], [0.0, 1.0]], lam=0.0)
    with pytest.raises(ValueError, match="lam must be > 0"):
        fit_soft_logistic(X, [1.0, 0.0, 1.0], lam=0.0)


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (dict(lam=-1.0), ValueError, "lam"),
        (dict(lam=float("nan")), ValueError, "lam"),
        (dict(lam="a"), TypeError, "lam"),
        (dict(targets=np.ones(4)), ValueError, "targets"),
        (dict(targets=np.ones((3, 2))), ValueError, "sum to 1"),
        (dict(targets=np.ones((3, 1))), ValueError, "K >= 2"),
        (dict(targets=[1.0, np.nan, 0.0]), ValueError, "NaN"),
        (dict(X_or_gram=np.ones(3)), ValueError, "X_or_gram"),
        (dict(X_or_gram=np.ones((3, 0))), ValueError, "X_or_gram"),
        (dict(gram=True), ValueError, "square|symmetric"),
        (dict(gram="yes"), TypeError, "gram"),
        (dict(max_iter=0), ValueError, "max_iter"),
        (dict(tol=0.0), ValueError, "tol"),
    ],
)
def test_fit_validation(bad, exc, match):
    kw = dict(X_or_gram=np.arange(6.0).reshape(3, 2), targets=[1.0, 0.0, 1.0], lam=1.0)
    kw.update(bad)
    with pytest.raises(exc, match=match):
        fit_soft_logistic(**kw)


def test_gram_must_be_psd():
    with pytest.raises(ValueError, match="positive semi-definite"):
        fit_soft_logistic(np.array([[1.0, 2.0], [2.0, 1.0]]), [1.0, 0.0], lam=1.0, gram=True)


def test_soft_targets_rows_and_validation():
    q = soft_targets(np.array([[0.7, 0.2, 0.1]]), [2], xi=3.0)
    np.testing.assert_allclose(q, [[2.1, 0.6, -1.7]])
    np.testing.assert_allclose(q.sum(1), 1)
    with pytest.raises(ValueError, match="labels"):
        soft_targets([0.5, 0.5], [0, 2], xi=1.0)
    with pytest.raises(TypeError, match="integers"):
        soft_targets([0.5, 0.5], [0.0, 1.0], xi=1.0)
    with pytest.raises(ValueError, match="xi"):
        soft_targets([0.5, 0.5], [0, 1], xi=float("nan"))


@given(
    n=st.integers(1, 40),
    K=st.integers(2, 5),
    rate=st.floats(0, 1),
    seed=st.integers(0, 99),
    exact=st.booleans(),
    asym=st.booleans(),
)
def test_corrupt_labels_properties(n, K, rate, seed, exact, asym):
    y = np.repeat(np.arange(K), n)
    kind = "asymmetric" if asym else "symmetric"
    noisy, mask = corrupt_labels(
        y, corruption=rate, n_classes=K, corruption_kind=kind, exact=exact, seed=seed
    )
    assert ((noisy != y) == mask).all()
    assert noisy.min() >= 0 and noisy.max() < K
    n2, m2 = corrupt_labels(
        y, corruption=rate, n_classes=K, corruption_kind=kind, exact=exact, seed=seed
    )
    assert (n2 == noisy).all() and (m2 == mask).all()  # reproducible
    if exact:
        for k in range(K):
            assert mask[y == k].sum() == int(np.floor(rate * n + 0.5))
            if kind == "symmetric":  # spread evenly over the other classes
                cnt = np.bincount(noisy[(y == k) & mask], minlength=K)
                others = np.delete(cnt, k)
                assert others.max() - others.min() <= 1
    if asym:
        assert (noisy[mask] == (y[mask] + 1) % K).all()


def test_corrupt_labels_bernoulli_rate():
    y = np.repeat(np.arange(3), 2000)
    _, mask = corrupt_labels(y, corruption=0.3, exact=False, seed=3)
    se = np.sqrt(0.3 * 0.7 / y.size)
    assert abs(mask.mean() - 0.3) <= 4 * se


@pytest.mark.parametrize(
    "bad, exc",
    [
        (dict(corruption=1.5), ValueError),
        (dict(corruption=-0.1), ValueError),
        (dict(labels=[0.5, 1.0]), TypeError),
        (dict(labels=[]), ValueError),
        (dict(labels=[0, 3], n_classes=2), ValueError),
        (dict(corruption_kind="pairs"), ValueError),
        (dict(seed=-1), ValueError),
        (dict(corruption_kind="asymmetric", flip_to=[0, 1]), ValueError),
        (dict(flip_to=[1, 0]), ValueError),
        (dict(exact="no"), TypeError),
        (dict(labels=[-1, 0]), ValueError),
    ],
)
def test_corrupt_labels_validation(bad, exc):
    kw = dict(labels=[0, 1, 0, 1], corruption=0.5)
    kw.update(bad)
    with pytest.raises(exc):
        corrupt_labels(**kw)


# Fixed references: the two label-corruption functions as they were before they became one
# (classification: per class, ``default_rng(seed)``; bridge: a global exact count on the stream
# ``SeedSequence([seed, 2, stream])``). The unified function must reproduce both bit for bit.
def _ref_per_class(lab, rate, K, kind, exact, seed, ft=None):
    lab = np.asarray(lab)
    if kind == "asymmetric":
        ft = (np.arange(K) + 1) % K if ft is None else np.asarray(ft)
    rng = np.random.default_rng(int(seed))
    noisy = lab.copy()
    mask = np.zeros(lab.shape, dtype=bool)
    for k in range(K):
        idx = np.flatnonzero(lab == k)
        if idx.size == 0:
            continue
        if exact:
            m = int(np.floor(rate * idx.size + 0.5))
            chosen = rng.choice(idx, size=m, replace=False) if m else idx[:0]
        else:
            chosen = idx[rng.random(idx.size) < rate]
        mask[chosen] = True
        others = np.array([j for j in range(K) if j != k])
        if kind == "asymmetric":
            noisy[chosen] = ft[k]
        elif exact:
            reps = np.resize(rng.permutation(others), chosen.size)
            noisy[chosen] = rng.permutation(reps)
        else:
            noisy[chosen] = others[rng.integers(0, K - 1, size=chosen.size)]
    return noisy, mask


def _ref_global(y, r, k, kind, seed, stream):
    y = np.asarray(y)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 2, int(stream)]))
    n = y.shape[0]
    m = int(round(r * n))
    idx = rng.choice(n, size=m, replace=False)
    yn = y.astype(np.int64).copy()
    shift = rng.integers(1, k, size=m) if kind == "symmetric" else np.ones(m, dtype=np.int64)
    yn[idx] = (yn[idx] + shift) % k
    return yn, yn != y


HARD_PER_CLASS = [2, 1, 1, 0, 1, 0, 1, 0, 2, 0, 2, 2]  # former classification function, seed 3
HARD_GLOBAL = [0, 1, 0, 1, 0, 0, 2, 1, 2, 0, 1, 1]  # former bridge function, seed 3, stream 1


def test_corrupt_labels_reproduces_both_former_draws():
    rng = np.random.default_rng(2024)
    for _ in range(400):
        K = int(rng.integers(2, 11))
        n = int(rng.integers(1, 300))
        y = rng.integers(0, K, size=n)
        r = float(rng.choice([rng.uniform(0, 0.45), 0.5, 0.25, 0.1, 0.3]))
        kind = str(rng.choice(["symmetric", "asymmetric"]))
        exact = bool(rng.integers(2))
        seed = int(rng.integers(0, 10_000))
        a = _ref_per_class(y, r, K, kind, exact, seed)
        b = corrupt_labels(
            y, corruption=r, n_classes=K, corruption_kind=kind, exact=exact, seed=seed
        )
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        stream = int(rng.integers(0, 3))
        a = _ref_global(y, r, K, kind, seed, stream)
        b = corrupt_labels(
            y,
            corruption=r,
            n_classes=K,
            corruption_kind=kind,
            per_class=False,
            seed=seed,
            stream=stream,
        )
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_corrupt_labels_hard_coded_draws():
    # produced by the two former functions before they were merged
    y = np.arange(12) % 3
    noisy, _ = corrupt_labels(y, corruption=0.5, seed=3)
    np.testing.assert_array_equal(noisy, _ref_per_class(y, 0.5, 3, "symmetric", True, 3)[0])
    np.testing.assert_array_equal(noisy, HARD_PER_CLASS)
    noisy, _ = corrupt_labels(y, corruption=0.5, per_class=False, seed=3, stream=1)
    np.testing.assert_array_equal(noisy, HARD_GLOBAL)


def test_corrupt_labels_global_rounding_ties_to_even():
    # 0.5 · 1077 = 538.5: the bridge's draws count 538 (half to even), per class counts half up
    y = np.arange(1077) % 10
    _, m = corrupt_labels(y, corruption=0.5, per_class=False, seed=0)
    assert int(m.sum()) == 538
    y2 = np.zeros(5, dtype=int)
    _, m2 = corrupt_labels(y2, corruption=0.5, n_classes=2, seed=0)
    assert int(m2.sum()) == 3


def test_majority_guard():
    from sdtheory._labels import _check_corruption

    assert _check_corruption(0.3, 2) == 0.3
    assert _check_corruption(0.85, 10) == 0.85
    for args, match in [
        ((0.5, 2), "destroys"),
        ((0.9, 10), "majority"),
        ((0.5, 5, "asymmetric"), "majority"),
        ((1.0, 3), "corruption"),
        ((-0.1, 3), "corruption"),
        (("a", 3), "corruption"),
        ((0.1, 1), "n_classes"),
        ((0.1, 3, "pairs"), "corruption_kind"),
    ]:
        with pytest.raises((ValueError, TypeError), match=match):
            _check_corruption(*args)


def test_predict_logits_fresh_points():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(15, 3))
    Xn = rng.normal(size=(4, 3))
    q = rng.uniform(size=15)
    f = fit_soft_logistic(X, q, lam=0.5)
    fg = fit_soft_logistic(X @ X.T, q, lam=0.5, gram=True)
    np.testing.assert_allclose(f.predict_logits(Xn), fg.predict_logits(Xn @ X.T), atol=ATOL_LOGIT)
    with pytest.raises(ValueError, match="X_new"):
        f.predict_logits(np.ones((2, 5)))


def test_jax_batch_matches_numpy_solver():
    from sdtheory.simulate import fit_soft_logistic_batch

    rng = np.random.default_rng(4)
    X = rng.normal(size=(25, 4))
    lab = rng.integers(0, 3, size=25)
    P = rng.dirichlet(np.ones(3), size=25)
    xis = np.array([-1.0, 1.0, 2.5, 6.0])
    Q = np.stack([x * P + (1 - x) * np.eye(3)[lab] for x in xis])
    _, z, gn = fit_soft_logistic_batch(X, Q, lam=0.5)
    assert gn.max() < 1e-10
    for i in range(len(xis)):
        np.testing.assert_allclose(
            z[i], fit_soft_logistic(X, Q[i], lam=0.5).logits, atol=ATOL_LOGIT
        )
    _, zg, _ = fit_soft_logistic_batch(X @ X.T, Q[:, :, 0] * 0 + P[:, 1], lam=0.5, gram=True)
    np.testing.assert_allclose(
        zg[0], fit_soft_logistic(X, P[:, 1], lam=0.5).logits, atol=ATOL_LOGIT
    )
    with pytest.raises(ValueError, match="lam"):
        fit_soft_logistic_batch(X, Q, lam=0.0)
    with pytest.raises(ValueError, match="targets"):
        fit_soft_logistic_batch(X, Q[:, :5], lam=0.5)
    with pytest.raises(ValueError, match="n_iter"):
        fit_soft_logistic_batch(X, Q, lam=0.5, n_iter=0)
