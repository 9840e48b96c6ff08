"""The public JAX SD loss :func:`sdtheory.bridge.sd_cross_entropy` and :func:`sd_targets`.

Checked against a hand-written NumPy reference (max-shifted log-sum-exp), a central finite
difference of its gradient in float64, and its own ``jit``/``vmap``; the bridge trainer uses it
(no private copy of the loss or the targets).
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest

XI_GRID = (-2.0, 0.0, 0.5, 1.0, 3.0)


def _np_reference(z, p, y, xi):
    """Mean over points of −Σ_k q_k (z_k − lse(z)), q = ξ p + (1 − ξ) e_y, in float64 NumPy."""
    z = np.asarray(z, np.float64)
    m = z.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))
    q = xi * np.asarray(p, np.float64) + (1 - xi) * np.eye(z.shape[-1])[y]
    return float(np.mean(-(q * (z - lse[..., None])).sum(axis=-1)))


def _data(n, K, seed, scale=3.0):
    rng = np.random.default_rng(seed)
    z = scale * rng.standard_normal((n, K))
    p = rng.dirichlet(np.ones(K), size=n)
    y = rng.integers(0, K, size=n)
    return z, p, y


@pytest.fixture(scope="module")
def jx():
    import jax
    import jax.numpy as jnp

    from sdtheory.bridge import sd_cross_entropy, sd_targets
    from sdtheory.simulate._common import x64

    return jax, jnp, sd_cross_entropy, sd_targets, x64


@pytest.mark.parametrize("K", [2, 10])
@pytest.mark.parametrize("xi", XI_GRID)
def test_equals_numpy_reference(jx, K, xi):
    jax, jnp, sdce, _, x64 = jx
    z, p, y = _data(37, K, seed=K)
    ref = _np_reference(z, p, y, xi)
    with x64():
        got = sdce(jnp.asarray(z), jnp.asarray(p), jnp.asarray(y), xi=xi)
        assert got.dtype == jnp.float64
        np.testing.assert_allclose(float(got), ref, rtol=1e-12, atol=1e-12)
    got32 = sdce(z.astype(np.float32), p.astype(np.float32), y, xi=xi)
    assert got32.dtype == jnp.float32
    np.testing.assert_allclose(float(got32), ref, rtol=1e-5, atol=1e-5)


def test_reductions_and_per_point(jx):
    _, jnp, sdce, sdt, _ = jx
    z, p, y = _data(9, 4, seed=1)
    per = np.asarray(sdce(z, p, y, xi=1.5, reduction="none"))
    assert per.shape == (9,)
    for i in range(9):
        np.testing.assert_allclose(
            per[i], _np_reference(z[i : i + 1], p[i : i + 1], y[i : i + 1], 1.5), rtol=1e-5
        )
    np.testing.assert_allclose(float(sdce(z, p, y, xi=1.5, reduction="sum")), per.sum(), rtol=1e-6)
    np.testing.assert_allclose(float(sdce(z, p, y, xi=1.5)), per.mean(), rtol=1e-6)
    # batch axes: (2, 9, 4) logits, (2, 9) ids
    zz, pp, yy = np.stack([z, z[::-1]]), np.stack([p, p[::-1]]), np.stack([y, y[::-1]])
    assert sdce(zz, pp, yy, xi=1.5, reduction="none").shape == (2, 9)
    # targets: rows sum to 1 for every real xi, negative entries allowed
    for xi in XI_GRID:
        q = np.asarray(sdt(p, y, xi=xi))
        np.testing.assert_allclose(q.sum(-1), 1.0, atol=1e-6)
    assert (np.asarray(sdt(p, y, xi=3.0)) < 0).any() and (np.asarray(sdt(p, y, xi=-2.0)) < 0).any()


@pytest.mark.parametrize("xi", XI_GRID)
def test_large_logits_stay_finite(jx, xi):
    jax, jnp, sdce, _, x64 = jx
    rng = np.random.default_rng(0)
    z = 1e3 * np.sign(rng.standard_normal((20, 10)))
    z[:, 0] = 1e3
    p = rng.dirichlet(np.ones(10), size=20)
    y = rng.integers(0, 10, size=20)
    for dt in (np.float32, np.float64):
        with x64():
            val = sdce(z.astype(dt), p.astype(dt), y, xi=xi)
            g = jax.grad(sdce)(jnp.asarray(z, dt), p.astype(dt), y, xi=xi)
        assert np.isfinite(float(val)) and np.isfinite(np.asarray(g)).all()
        np.testing.assert_allclose(float(val), _np_reference(z, p, y, xi), rtol=1e-5)


@pytest.mark.parametrize("K", [2, 10])
def test_grad_equals_central_difference_and_q_form(jx, K):
    jax, jnp, sdce, sdt, x64 = jx
    z, p, y = _data(6, K, seed=10 + K)
    h = 1e-6
    with x64():
        for xi in XI_GRID:
            g = np.asarray(jax.grad(sdce)(jnp.asarray(z), jnp.asarray(p), y, xi=xi))
            fd = np.zeros_like(z)
            for idx in np.ndindex(z.shape):
                e = np.zeros_like(z)
                e[idx] = h
                fd[idx] = (_np_reference(z + e, p, y, xi) - _np_reference(z - e, p, y, xi)) / (
                    2 * h
                )
            np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
            # the q-form: ∇ = (softmax(z) − q) / n
            q = np.asarray(sdt(jnp.asarray(p), y, xi=xi))
            sm = np.asarray(jax.nn.softmax(jnp.asarray(z), axis=-1))
            np.testing.assert_allclose(g, (sm - q) / z.shape[0], rtol=1e-12, atol=1e-14)
            # gradient in xi: CE(p_T) − CE(e_y)
            gx = float(jax.grad(lambda x: sdce(z, p, y, xi=x))(jnp.asarray(xi)))
            d = _np_reference(z, p, y, 1.0) - _np_reference(z, p, y, 0.0)
            np.testing.assert_allclose(gx, d, rtol=1e-10)


def test_jit_and_vmap_agree_with_eager(jx):
    jax, jnp, sdce, sdt, x64 = jx
    z, p, y = _data(15, 10, seed=3)
    xi_grid = jnp.asarray(XI_GRID)
    with x64():
        z, p, xi_grid = jnp.asarray(z), jnp.asarray(p), jnp.asarray(XI_GRID, jnp.float64)
        eager = np.array([float(sdce(z, p, y, xi=float(x))) for x in XI_GRID])
        jitted = jax.jit(lambda z, p, y, x: sdce(z, p, y, xi=x))
        np.testing.assert_allclose([float(jitted(z, p, y, x)) for x in xi_grid], eager, rtol=1e-13)
        over_xi = jax.vmap(lambda x: sdce(z, p, y, xi=x))(xi_grid)
        np.testing.assert_allclose(np.asarray(over_xi), eager, rtol=1e-13)
        # vmap over a batch of problems equals the loop
        zb, pb, yb = jnp.stack([z, 2 * z]), jnp.stack([p, p[::-1]]), jnp.stack([y, y[::-1]])
        vb = jax.jit(jax.vmap(lambda a, b, c: sdce(a, b, c, xi=2.5)))(zb, pb, yb)
        loop = [float(sdce(zb[i], pb[i], yb[i], xi=2.5)) for i in range(2)]
        np.testing.assert_allclose(np.asarray(vb), loop, rtol=1e-13)
        qv = jax.vmap(lambda x: sdt(p, y, xi=x))(xi_grid)
        for j, x in enumerate(XI_GRID):
            np.testing.assert_allclose(np.asarray(qv[j]), np.asarray(sdt(p, y, xi=x)), rtol=1e-15)


def test_integer_and_one_hot_labels_agree(jx):
    jax, jnp, sdce, sdt, _ = jx
    for K in (2, 10):
        z, p, y = _data(11, K, seed=20 + K)
        oh = np.eye(K)[y]
        for xi in XI_GRID:
            a = sdce(z, p, y, xi=xi)
            for lab in (oh, oh.astype(np.int32), oh.astype(bool), jax.nn.one_hot(y, K)):
                assert float(sdce(z, p, lab, xi=xi)) == float(a)
                np.testing.assert_array_equal(
                    np.asarray(sdt(p, lab, xi=xi)), np.asarray(sdt(p, y, xi=xi))
                )


def test_traced_inputs_skip_value_checks(jx):
    """Under jit the concrete-value checks are skipped (they would need the values)."""
    jax, jnp, sdce, _, _ = jx
    z, p, y = _data(5, 3, seed=0)
    f = jax.jit(lambda z, p, y: sdce(z, p, y, xi=0.5))
    assert np.isfinite(float(f(z, p, y)))
    with pytest.raises(ValueError, match="teacher_probs"):
        sdce(z, 2 * p, y, xi=0.5)  # concrete: checked
    f(z, 2 * p, y)  # traced: not checked, no error


def test_bridge_trainer_uses_the_public_loss(jx):
    """One implementation: the trainer's loss and the loop's targets are the public code."""
    jax, jnp, sdce, sdt, x64 = jx
    import sdtheory.bridge._loop as loop
    import sdtheory.bridge._loss as loss_mod
    import sdtheory.bridge._train as train

    assert sdce is loss_mod.sd_cross_entropy and sdt is loss_mod.sd_targets
    assert train._soft_cross_entropy is loss_mod._soft_cross_entropy
    src_train, src_loop = inspect.getsource(train), inspect.getsource(loop)
    assert "log_softmax" not in src_train and "def sd_targets" not in src_train
    assert "sd_targets(" in src_loop and "(1 - xi" not in src_loop
    assert not hasattr(train, "sd_targets")
    # numerically: sd_loss on sd_targets == sd_cross_entropy on the same data (+ the L2 term)
    with x64():
        rng = np.random.default_rng(5)
        X = jnp.asarray(rng.standard_normal((30, 4)))
        params = train.init_params(jax.random.key(0), (4, 8, 3), jnp.float64)
        p = jnp.asarray(rng.dirichlet(np.ones(3), size=30))
        y = rng.integers(0, 3, size=30)
        for xi in (0.0, 2.0):
            Q = sdt(p, y, xi=xi)
            l2 = sum(float(jnp.sum(w * w)) for w, _ in params)
            want = float(sdce(train.forward(params, X), p, y, xi=xi)) + 0.5 * 0.1 * l2
            assert float(train.sd_loss(params, X, Q, 0.1)) == pytest.approx(want, rel=1e-14)


def test_import_bridge_does_not_import_jax():
    code = (
        "import sys, sdtheory.bridge as B; assert 'jax' not in sys.modules; "
        "assert 'sd_cross_entropy' in dir(B); B.sd_cross_entropy; assert 'jax' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
