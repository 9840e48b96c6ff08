r"""Batched soft-target logistic regression in JAX (vmap over seeds / ξ), and a clustered-model
simulation with real label corruption.

Every fit minimizes ``Σ_i ℓ(q_i, z_i) + (λ/2)‖W‖²`` with ``ℓ(q, z) = LSE(z) − qᵀz`` (binary:
``log(1 + e^z) − qz``), on features (logits ``XW``) or a Gram matrix (logits ``Gβ``, penalty
``(λ/2) tr(βᵀGβ)``), by a fixed number of damped Newton steps: each step tries the step sizes
``1, 1/2, …, 2^{-12}`` at once and takes the first that satisfies Armijo's condition (or the full
step once the predicted decrease is below rounding); a fit stops one step after its gradient norm
falls below ``1e-10`` (``while_loop``; under ``vmap`` finished fits are frozen). Float64 inside :func:`x64`. This module does
not import the theory it is checked against.

The examples are skipped in the doctest run (each needs a JIT compilation of several seconds);
the same calls run in ``tests/test_classification_*.py``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ._common import as_key, x64

__all__ = ["fit_soft_logistic_batch", "simulate_clustered_sd"]

_STEPS = 2.0 ** -np.arange(13.0)


def _loss(z, q):
    if q.ndim == 1:
        return jnp.sum(jnp.logaddexp(0.0, z) - q * z)
    return jnp.sum(jax.nn.logsumexp(z, axis=1) - jnp.sum(q * z, axis=1))


def _link(z, binary):
    return jax.nn.sigmoid(z) if binary else jax.nn.softmax(z, axis=-1)


def _newton(A, q, lam, gram, n_iter, tol=1e-10):
    """One problem: ``A`` is ``X (N, D)`` or ``G (N, N)``; returns ``(coef, logits, grad_norm)``."""
    binary = q.ndim == 1
    N = A.shape[0]
    K = 1 if binary else q.shape[1]
    D = A.shape[1]
    shape = (D,) if binary else (D, K)

    def obj(c):
        z = A @ c
        pen = jnp.sum(c * z) if gram else jnp.sum(c * c)
        return _loss(z, q) + 0.5 * lam * pen

    def grad_and_step(c):
        z = A @ c
        p = _link(z, binary)
        if gram:
            r = p - q + lam * c
            if binary:
                J = (p * (1 - p))[:, None] * A + lam * jnp.eye(N)
                d = -jnp.linalg.solve(J, r)
            else:
                S = jnp.einsum("ik,kl->ikl", p, jnp.eye(K)) - p[:, :, None] * p[:, None, :]
                J = jnp.einsum("ikl,ij->ikjl", S, A).reshape(N * K, N * K) + lam * jnp.eye(N * K)
                d = -jnp.linalg.solve(J, r.ravel()).reshape(N, K)
            g = A @ r
            gn = jnp.linalg.norm(r)
        else:
            g = A.T @ (p - q) + lam * c
            if binary:
                H = (A.T * (p * (1 - p))) @ A + lam * jnp.eye(D)
                d = -jnp.linalg.solve(H, g)
            else:
                S = jnp.einsum("ik,kl->ikl", p, jnp.eye(K)) - p[:, :, None] * p[:, None, :]
                H = jnp.einsum("ia,ib,ikl->akbl", A, A, S).reshape(D * K, D * K) \
                    + lam * jnp.eye(D * K)
                d = -jnp.linalg.solve(H, g.ravel()).reshape(D, K)
            gn = jnp.linalg.norm(g)
        return g, d, gn

    def body(state):
        it, c, _gn_prev, polished = state
        g, d, gn = grad_and_step(c)
        f0 = obj(c)
        slope = jnp.sum(g * d)
        steps = jnp.asarray(_STEPS, dtype=c.dtype)
        fs = jax.vmap(lambda t: obj(c + t * d))(steps)
        ok = fs <= f0 + 1e-4 * steps * slope
        t = jnp.where(ok.any(), steps[jnp.argmax(ok)], 0.0)
        t = jnp.where(-slope < 1e-13 * (1.0 + jnp.abs(f0)), 1.0, t)
        # once the gradient is below tol, take one more (polishing) step and stop
        return it + 1, c + t * d, gn, polished | (gn <= tol)

    def cond(state):
        it, _c, _gn, polished = state
        return (it < n_iter) & ~polished

    c0 = jnp.zeros(shape, dtype=A.dtype)
    _, c, _, _ = jax.lax.while_loop(cond, body, (0, c0, jnp.inf, False))
    _, _, gn = grad_and_step(c)
    return c, A @ c, gn


@partial(jax.jit, static_argnames=("gram", "n_iter", "shared"))
def _fit_batch(A, q, lam, *, gram, n_iter, shared):
    in_axes = (None if shared else 0, 0, 0)
    return jax.vmap(lambda a, qq, ll: _newton(a, qq, ll, gram, n_iter), in_axes=in_axes)(A, q, lam)


def fit_soft_logistic_batch(X_or_gram, targets, lam, gram=False, *, n_iter=50):
    r"""Many soft-target logistic fits at once (``vmap``), float64.

    Parameters
    ----------
    X_or_gram : array_like
        ``(N, D)`` features (or ``(N, N)`` Gram) shared by all fits, or a batch ``(B, N, ·)``.
    targets : array_like
        ``(B, N)`` binary targets or ``(B, N, K)`` soft targets (any real values).
    lam : float or array_like
        ``λ > 0``, scalar or ``(B,)``.
    gram : bool
        Kernel form.
    n_iter : int
        Maximum Newton steps; each fit stops one (polishing) step after its gradient norm is
        below ``1e-10`` (quadratic convergence: typically 6–10 steps in all).

    Returns
    -------
    coef, logits, grad_norm : numpy.ndarray
        Batched weights (or ``β``), training logits, and final gradient norms (check these).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> coef, logits, gn = fit_soft_logistic_batch(X, [[1.2, -0.1, 0.5], [1.0, 0.0, 1.0]], 0.5)
    >>> bool((gn < 1e-10).all())
    True
    """
    A = np.asarray(X_or_gram, dtype=np.float64)
    q = np.asarray(targets, dtype=np.float64)
    if A.ndim not in (2, 3) or 0 in A.shape:
        raise ValueError(f"X_or_gram must be (N, D) or (B, N, D), got shape {A.shape}")
    if not np.isfinite(A).all() or not np.isfinite(q).all():
        raise ValueError("X_or_gram and targets must be finite")
    if q.ndim not in (2, 3):
        raise ValueError(f"targets must be (B, N) or (B, N, K), got shape {q.shape}")
    shared = A.ndim == 2
    N = A.shape[-2]
    if q.shape[1] != N or (not shared and A.shape[0] != q.shape[0]):
        raise ValueError(f"targets shape {q.shape} does not match X_or_gram shape {A.shape}")
    if gram and A.shape[-1] != N:
        raise ValueError(f"a Gram matrix must be square, got shape {A.shape}")
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), (q.shape[0],))
    if not (np.isfinite(lam).all() and (lam > 0).all()):
        raise ValueError("lam must be finite and > 0 (with lam = 0 soft-target CE with targets "
                         "outside [0, 1] is unbounded below)")
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise ValueError(f"n_iter must be an int >= 1, got {n_iter!r}")
    with x64():
        c, z, gn = _fit_batch(jnp.asarray(A), jnp.asarray(q), jnp.asarray(lam), gram=bool(gram),
                              n_iter=int(n_iter), shared=shared)
        return np.asarray(c), np.asarray(z), np.asarray(gn)


@partial(jax.jit, static_argnames=("n", "K", "m", "n_iter"))
def _clustered_sd(keys, G, lam, xis, *, n, K, m, n_iter):
    y = jnp.repeat(jnp.arange(K), n)

    def one(key):
        # exactly m corrupted points per class at random positions, spread evenly over others
        noisy = y
        for a in range(K):
            key, sub = jax.random.split(key)
            pos = a * n + jax.random.permutation(sub, n)[:m]
            shift = 1 + jnp.arange(m) % (K - 1)
            noisy = noisy.at[pos].set((a + shift) % K)
        if K == 2:
            q0 = noisy.astype(G.dtype)
        else:
            q0 = jax.nn.one_hot(noisy, K, dtype=G.dtype)
        _, zT, gT = _newton(G, q0, lam, True, n_iter)
        pT = _link(zT, K == 2)

        def student(xi):
            _, zS, gS = _newton(G, xi * pT + (1 - xi) * q0, lam, True, n_iter)
            return zS, gS

        zS, gS = jax.vmap(student)(xis)
        return zT, gT, zS, gS, noisy

    return jax.vmap(one)(keys)


def simulate_clustered_sd(n_per_class, c, d, n_corrupt, lam, xis, *, n_classes=2, n_seeds=4,
                          seed=0, n_iter=50):
    r"""Clustered model with real corrupted labels: teacher and students (one per ξ) per seed.

    ``n_corrupt`` points of each class (random positions, labels spread evenly over the other
    classes) are corrupted; the Gram matrix has ``1`` on the diagonal, ``c`` within and ``d``
    across classes. Fits use the Gram form.

    Returns
    -------
    dict
        ``teacher_train (S,)``, ``student_train (S, len(xis))`` accuracies against the clean
        labels, ``teacher_logits``, ``student_logits``, ``noisy`` labels and ``max_grad_norm``.

    Examples
    --------
    >>> r = simulate_clustered_sd(10, 0.4, 0.1, 3, 0.1, [1.0, 2.0], n_seeds=2)
    >>> r["student_train"].shape
    (2, 2)
    """
    for name, v in (("n_per_class", n_per_class), ("n_corrupt", n_corrupt),
                    ("n_classes", n_classes), ("n_seeds", n_seeds)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {type(v).__name__}")
    n, K, m = int(n_per_class), int(n_classes), int(n_corrupt)
    if n < 1 or K < 2 or n_seeds < 1:
        raise ValueError("need n_per_class >= 1, n_classes >= 2, n_seeds >= 1")
    if not 0 <= m <= n:
        raise ValueError(f"n_corrupt must lie in [0, {n}], got {m}")
    if not 0 <= float(d) < float(c) < 1:
        raise ValueError(f"need 0 <= d < c < 1, got c={c}, d={d}")
    if not float(lam) > 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    xis = np.atleast_1d(np.asarray(xis, dtype=np.float64))
    if not np.isfinite(xis).all():
        raise ValueError("xis must be finite")
    y = np.repeat(np.arange(K), n)
    G = np.where(y[:, None] == y[None, :], float(c), float(d))
    np.fill_diagonal(G, 1.0)
    with x64():
        keys = jax.random.split(as_key(seed), int(n_seeds))
        zT, gT, zS, gS, noisy = (np.asarray(v) for v in _clustered_sd(
            keys, jnp.asarray(G), jnp.float64(lam), jnp.asarray(xis), n=n, K=K, m=m,
            n_iter=int(n_iter)))

    def acc(z):
        # correct ⟺ margin > 1e-10 (ties up to rounding count as errors)
        if K == 2:
            right = np.where(y == 1, z, -z) > 1e-10
        else:
            zz = np.where(np.eye(K, dtype=bool)[y], -np.inf, z)
            right = np.take_along_axis(z, np.broadcast_to(y[:, None], z.shape[:-1] + (1,)),
                                       -1)[..., 0] - zz.max(-1) > 1e-10
        return right.mean(-1)

    return {"teacher_train": acc(zT), "student_train": acc(zS), "teacher_logits": zT,
            "student_logits": zS, "noisy": noisy,
            "max_grad_norm": float(max(gT.max(), gS.max()))}
