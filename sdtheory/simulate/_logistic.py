r"""Batched soft-target logistic regression in JAX (vmap over seeds / ξ), and a clustered-model
simulation with real label corruption.

Every fit minimizes ``Σ_i ℓ(q_i, z_i) + (λ/2)‖W‖²`` with ``ℓ(q, z) = LSE(z) − qᵀz`` (binary:
``log(1 + e^z) − qz``), on features (logits ``XW``) or a Gram matrix (logits ``Gβ``, penalty
``(λ/2) tr(βᵀGβ)``), by a fixed number of damped Newton steps: each step tries the step sizes ``1,
1/2, …, 2^{-12}`` at once and takes the first that satisfies Armijo's condition (or the full step
once the predicted decrease is below rounding); a fit stops one step after its gradient norm falls
below ``1e-10`` (``while_loop``; under ``vmap`` finished fits are frozen). Float64 inside
:func:`x64`. This module does not import the theory it is checked against.

The examples are skipped in the doctest run (each needs a JIT compilation of several seconds);
the same calls run in ``tests/test_classification_*.py``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import jax.scipy.linalg
import numpy as np
import pandas as pd

from .._validate import check_int, check_scalar
from ._aot import compiled, f64, trial_keys
from ._common import check_n_trials, check_seed, x64

__all__ = ["fit_soft_logistic_batch", "simulate_clustered_sd"]

_STEPS = 2.0 ** -np.arange(13.0)


def _loss(z, q):
    if q.ndim == 1:
        return jnp.sum(jnp.logaddexp(0.0, z) - q * z)
    return jnp.sum(jax.nn.logsumexp(z, axis=1) - jnp.sum(q * z, axis=1))


def _link(z, binary):
    return jax.nn.sigmoid(z) if binary else jax.nn.softmax(z, axis=-1)


def _hess_features(X, p):
    """``Σ_i (diag(p_i) − p_ip_iᵀ) ⊗ x_ix_iᵀ`` as a ``(D·K, D·K)`` matrix (index ``a·K + k``).

    By matrix products, no ``N × D × D × K × K`` intermediate: with ``B_{i,(a,k)} = x_ia p_ik``
    the ``−ppᵀ`` part is ``−BᵀB`` and the ``diag(p)`` part is block diagonal over classes,
    ``Xᵀ diag(p_k) X = (XᵀB)[:, k-th columns]``.
    """
    N, D = X.shape
    K = p.shape[1]
    B = (X[:, :, None] * p[:, None, :]).reshape(N, D * K)
    C = (X.T @ B).reshape(D, D, K)  # C[b, a, k] = Σ_i x_ib x_ia p_ik
    diag = jnp.einsum("bak,kl->akbl", C, jnp.eye(K, dtype=X.dtype)).reshape(D * K, D * K)
    return diag - B.T @ B


def _newton(A, q, lam, gram, n_iter, tol=1e-10):
    """One problem: ``A`` is ``X (N, D)`` or ``G (N, N)``; returns ``(coef, logits, grad_norm)``."""
    binary = q.ndim == 1
    N = A.shape[0]
    K = 1 if binary else q.shape[1]
    D = A.shape[1]
    shape = (D,) if binary else (D, K)

    def obj_at(c, z):
        """Objective at ``c`` with logits ``z = A c`` already formed."""
        pen = jnp.sum(c * z) if gram else jnp.sum(c * c)
        return _loss(z, q) + 0.5 * lam * pen

    def grad_and_step(c, z):
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
            # the features Hessian is symmetric positive definite (λ > 0): Cholesky
            if binary:
                H = (A.T * (p * (1 - p))) @ A + lam * jnp.eye(D)
                d = -jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(H), g)
            else:
                H = _hess_features(A, p) + lam * jnp.eye(D * K)
                d = -jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(H), g.ravel())
                d = d.reshape(D, K)
            gn = jnp.linalg.norm(g)
        return g, d, gn

    def body(state):
        it, c, _gn_prev, polished = state
        z = A @ c
        g, d, gn = grad_and_step(c, z)
        f0 = obj_at(c, z)
        slope = jnp.sum(g * d)
        steps = jnp.asarray(_STEPS, dtype=c.dtype)
        zd = A @ d  # logits along the step are z + t·zd: one product for all step sizes
        fs = jax.vmap(lambda t: obj_at(c + t * d, z + t * zd))(steps)
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
    z = A @ c
    _, _, gn = grad_and_step(c, z)
    return c, z, gn


def _as_real(x, name):
    if isinstance(x, (str, bytes, bool, np.bool_)) or x is None:
        raise TypeError(f"{name} must be real numbers, got {type(x).__name__}")
    try:
        a = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be real numbers ({exc})") from None
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be real numbers, got an array of dtype {a.dtype}")
    return a.astype(np.float64)


@partial(jax.jit, static_argnames=("gram", "n_iter", "shared"))
def _fit_batch(A, q, lam, *, gram, n_iter, shared):
    in_axes = (None if shared else 0, 0, 0)
    return jax.vmap(lambda a, qq, ll: _newton(a, qq, ll, gram, n_iter), in_axes=in_axes)(A, q, lam)


def fit_soft_logistic_batch(X_or_gram, targets, *, lam, gram=False, n_iter=50):
    r"""Many soft-target logistic fits at once (``vmap``), float64.

    Parameters
    ----------
    X_or_gram : array_like
        ``(N, D)`` features (or ``(N, N)`` Gram) shared by all fits, or a batch ``(B, N, ·)``.
    targets : array_like
        ``(B, N)`` binary targets or ``(B, N, K)`` soft targets (any real values).
    lam : float or array_like
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²`` (summed loss), scalar or ``(B,)``.
    gram : bool
        Kernel form.
    n_iter : int
        Maximum Newton steps; each fit stops one (polishing) step after its gradient norm is
        below ``1e-10`` (quadratic convergence: typically 6–10 steps in all).

    Returns
    -------
    coef, logits, grad_norm : numpy.ndarray
        Batched weights (or ``β``), training logits, and final gradient norms (check these).

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> coef, logits, gn = fit_soft_logistic_batch(X, [[1.2, -0.1, 0.5], [1.0, 0.0, 1.0]], lam=0.5)
    >>> bool((gn < 1e-10).all())
    True
    """
    A = _as_real(X_or_gram, "X_or_gram")
    q = _as_real(targets, "targets")
    if not isinstance(gram, (bool, np.bool_)):
        raise TypeError(f"gram must be a bool, got {type(gram).__name__}")
    if A.ndim not in (2, 3) or 0 in A.shape:
        raise ValueError(f"X_or_gram must be (N, D) or (B, N, D), got shape {A.shape}")
    if not np.isfinite(A).all():
        raise ValueError("X_or_gram must be finite (no NaN or inf)")
    if not np.isfinite(q).all():
        raise ValueError("targets must be finite (no NaN or inf)")
    if q.ndim not in (2, 3):
        raise ValueError(f"targets must be (B, N) or (B, N, K), got shape {q.shape}")
    shared = A.ndim == 2
    N = A.shape[-2]
    if q.shape[1] != N or (not shared and A.shape[0] != q.shape[0]):
        raise ValueError(f"targets shape {q.shape} does not match X_or_gram shape {A.shape}")
    if gram:
        if A.shape[-1] != N:
            raise ValueError(f"X_or_gram (a Gram matrix) must be square, got shape {A.shape}")
        for G in A.reshape(-1, N, N):
            scale = float(np.abs(G).max()) or 1.0
            if not np.allclose(G, G.T, rtol=0, atol=1e-10 * scale):
                raise ValueError("X_or_gram (a Gram matrix) must be symmetric")
            if np.linalg.eigvalsh(0.5 * (G + G.T)).min() < -1e-10 * scale * N:
                raise ValueError("X_or_gram (a Gram matrix) must be positive semi-definite")
    lam_in = _as_real(lam, "lam")
    try:
        lam = np.broadcast_to(lam_in, (q.shape[0],))
    except ValueError:
        raise ValueError(
            f"lam must be a scalar or one value per fit ({q.shape[0]},), got shape {lam_in.shape}"
        ) from None
    if not (np.isfinite(lam).all() and (lam > 0).all()):
        raise ValueError(
            "lam must be finite and > 0 (with lam = 0 soft-target CE with targets "
            "outside [0, 1] is unbounded below)"
        )
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    with x64():
        c, z, gn = _fit_batch(
            jnp.asarray(A),
            jnp.asarray(q),
            jnp.asarray(lam),
            gram=bool(gram),
            n_iter=int(n_iter),
            shared=shared,
        )
        return np.asarray(c), np.asarray(z), np.asarray(gn)


def _clustered_sd(keys, G, lam, xis, n, K, m, n_iter):
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


def simulate_clustered_sd(
    n_per_class, c, d, *, n_corrupted_per_class, lam, xi, n_classes=2, n_trials=4, seed=0, n_iter=50
):
    r"""Clustered model with real corrupted labels: teacher and students (one per ξ) per trial.

    ``n_corrupted_per_class`` points of each class (random positions, labels spread evenly over
    the other classes) are corrupted; the Gram matrix has ``1`` on the diagonal, ``c`` within and
    ``d`` across classes. Fits use the Gram form with penalty ``(λ/2) tr(βᵀGβ)``.

    Parameters
    ----------
    n_per_class : int
        Points per class (``>= 1``).
    c, d : float
        Within- and across-class inner products, ``0 <= d < c < 1``.
    n_corrupted_per_class : int
        Corrupted points per class, in ``[0, n_per_class]``.
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²``.
    xi : float or array_like
        Teacher weight(s) ``ξ``: one student per value (not a multi-step schedule).
    n_classes : int
        ``K >= 2``.
    n_trials : int
        Independent corruptions (``>= 2``).
    seed : int or key
        An int ``>= 0`` or a ``jax.random`` key.
    n_iter : int
        Maximum Newton steps per fit (``>= 1``).

    Returns
    -------
    pandas.DataFrame
        Tidy per-trial draws, one row per trial and fit (``n_trials · (1 + len(xi))`` rows;
        per trial the teacher, then one student per ``xi`` in the order given), columns
        ``trial`` (``0..n_trials-1``), ``role`` (``"teacher"`` or ``"student"``), ``xi`` (the
        student's teacher weight; NaN for the teacher), ``train_accuracy_clean`` (training
        accuracy against the clean labels; a point counts as right when its margin exceeds
        ``1e-10``) and ``grad_norm`` (the fit's final gradient norm; check it is small).

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> r = simulate_clustered_sd(10, 0.4, 0.1, n_corrupted_per_class=3, lam=0.1, xi=[1.0, 2.0],
    ...                           n_trials=2)
    >>> list(r.columns)
    ['trial', 'role', 'xi', 'train_accuracy_clean', 'grad_norm']
    >>> r.groupby("role").size().to_dict()
    {'student': 4, 'teacher': 2}
    """
    n = check_int(n_per_class, "n_per_class", minimum=1)
    m = check_int(n_corrupted_per_class, "n_corrupted_per_class", minimum=0)
    K = check_int(n_classes, "n_classes", minimum=2)
    n_seeds = check_n_trials(n_trials)
    check_seed(seed)
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    if m > n:
        raise ValueError(f"n_corrupted_per_class must lie in [0, {n}], got {m}")
    c = check_scalar(c, "c")
    d = check_scalar(d, "d")
    if not 0 <= d < c < 1:
        raise ValueError(f"c and d must satisfy 0 <= d < c < 1, got c={c}, d={d}")
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    xis = _as_real(xi, "xi")
    if xis.ndim > 1 or xis.size == 0:
        raise ValueError(f"xi must be a number or a non-empty 1-D array, got shape {xis.shape}")
    xis = np.atleast_1d(xis)
    if not np.isfinite(xis).all():
        raise ValueError("xi must be finite")
    y = np.repeat(np.arange(K), n)
    G = np.where(y[:, None] == y[None, :], float(c), float(d))
    np.fill_diagonal(G, 1.0)
    with x64():
        raw, impl = trial_keys(check_seed(seed), int(n_seeds))
        args = (raw, *f64(G, lam, xis))
        prog = compiled(
            "clustered-sd",
            _clustered_sd,
            args,
            static=(n, K, m, int(n_iter)),
            impl=impl,
            sources=(__file__,),
        )
        zT, gT, zS, gS, _noisy = (np.asarray(v) for v in prog(*args))

    def acc(z):
        # correct ⟺ margin > 1e-10 (ties up to rounding count as errors)
        if K == 2:
            right = np.where(y == 1, z, -z) > 1e-10
        else:
            zz = np.where(np.eye(K, dtype=bool)[y], -np.inf, z)
            right = (
                np.take_along_axis(z, np.broadcast_to(y[:, None], z.shape[:-1] + (1,)), -1)[..., 0]
                - zz.max(-1)
                > 1e-10
            )
        return right.mean(-1)

    # per trial: the teacher, then the students in the order of xi
    acc_all = np.concatenate([acc(zT)[:, None], acc(zS)], axis=1)
    gn_all = np.concatenate([gT[:, None], gS], axis=1)
    n_fits = 1 + xis.size
    return pd.DataFrame(
        {
            "trial": np.repeat(np.arange(int(n_seeds)), n_fits),
            "role": np.tile(["teacher"] + ["student"] * xis.size, int(n_seeds)),
            "xi": np.tile(np.concatenate([[np.nan], xis]), int(n_seeds)),
            "train_accuracy_clean": acc_all.ravel(),
            "grad_norm": gn_all.ravel(),
        }
    )
