r"""Monte Carlo of the partial-label (top-2) student in the clustered model, JAX.

Each trial corrupts every label independently with probability ``p`` (a corrupted label moves to
one of the other ``K − 1`` classes uniformly), then fits on the full ``N``-point Gram matrix, by
the damped Newton solver of :func:`fit_soft_logistic_batch`: the teacher on the one-hot noisy
labels, the ξ-students on ``ξ p_T + (1 − ξ) onehot(label)`` and the partial-label student on
``½·1{top-2 of the teacher's logits}``; teacher logits closer than ``1e-7`` count as tied and the
target is then the mean over uniformly random tie-breaking (tied first place: ``1/m`` each; tied
second place: ``1/(2m₂)`` each). This module does not import the theory it is checked against.

The example is skipped in the doctest run (it needs a JIT compilation of several seconds); the
same call runs in ``tests/test_partial_label.py``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .._validate import check_int, check_scalar
from . import _logistic
from ._aot import compiled, f64, trial_keys
from ._common import check_n_trials, check_seed, x64
from ._logistic import _as_real, _newton

__all__ = ["simulate_partial_label"]

_TIE_TOP2 = 1e-7
_TIE = 1e-10


def _top2(z):
    t1 = z >= z.max(-1, keepdims=True) - _TIE_TOP2
    n1 = t1.sum(-1, keepdims=True)
    z2 = jnp.where(t1, -jnp.inf, z)
    t2 = ~t1 & (z2 >= z2.max(-1, keepdims=True) - _TIE_TOP2)
    n2 = jnp.maximum(t2.sum(-1, keepdims=True), 1)
    return jnp.where(n1 >= 2, t1 / n1, 0.5 * t1 + 0.5 * t2 / n2).astype(z.dtype)


def _trials(keys, G, Gf, p, lam, xis, n, K, n_iter):
    y = jnp.repeat(jnp.arange(K), n)

    def one(key):
        k1, k2 = jax.random.split(key)
        flip = jax.random.bernoulli(k1, p, (n * K,))
        shift = jax.random.randint(k2, (n * K,), 1, K)
        noisy = jnp.where(flip, (y + shift) % K, y)
        q0 = jax.nn.one_hot(noisy, K, dtype=G.dtype)
        bT, zT, gT = _newton(G, q0, lam, True, n_iter)
        bP, zP, gP = _newton(G, _top2(zT), lam, True, n_iter)
        pT = jax.nn.softmax(zT, axis=-1)

        def student(xi):
            b, z, g = _newton(G, xi * pT + (1 - xi) * q0, lam, True, n_iter)
            return b, z, g

        bS, zS, gS = jax.vmap(student)(xis)
        z = jnp.concatenate([zT[None], zS, zP[None]])
        b = jnp.concatenate([bT[None], bS, bP[None]])
        zf = jnp.einsum("fn,rnk->rfk", Gf, b)
        gn = jnp.concatenate([gT[None], gS, gP[None]])
        return z, zf, gn

    return jax.vmap(one)(keys)


def _correct(z, labels):
    """``z (..., M, K)``, ``labels (M,)``: true-class logit beats every other by more than 1e-10."""
    K = z.shape[-1]
    zy = np.take_along_axis(z, np.broadcast_to(labels[:, None], z.shape[:-1] + (1,)), -1)[..., 0]
    other = np.where(np.eye(K, dtype=bool)[labels], -np.inf, z).max(-1)
    return zy - other > _TIE


def simulate_partial_label(
    n_per_class, c, d, *, corruption, lam, xi, n_classes=3, n_trials=4, seed=0, n_iter=50
):
    r"""Teacher, ξ-students and partial-label student on randomly corrupted labels, per trial.

    Parameters
    ----------
    n_per_class : int
        Points per class (``>= 1``).
    c, d : float
        Within- and across-class inner products of the Gram matrix, ``0 <= d < c < 1``.
    corruption : float
        Probability ``p ∈ [0, 1]`` that a label is corrupted (independently per label).
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²`` (Gram form: ``(λ/2) tr(βᵀGβ)``), every fit.
    xi : float or array_like
        Teacher weight(s) ``ξ``: one ξ-student per value.
    n_classes : int
        ``K >= 3`` (for ``K = 2`` the top-2 set is every class).
    n_trials : int
        Independent corruptions (``>= 2``).
    seed : int or key
        An int ``>= 0`` or a ``jax.random`` key.
    n_iter : int
        Maximum Newton steps per fit (``>= 1``).

    Returns
    -------
    pandas.DataFrame
        One row per trial and fit: per trial the teacher, the ξ-students in the order of ``xi``,
        then the partial-label student. Columns ``trial``, ``role`` (``"teacher"``,
        ``"student"``, ``"partial"``), ``xi`` (NaN except for ξ-students),
        ``train_accuracy_clean`` (against the clean labels), ``fresh_accuracy`` (one fresh point
        per class, Gram row ``c`` to its class and ``d`` to the rest) and ``grad_norm``.

    See the theory page :doc:`/theory/partial-label`.

    Examples
    --------
    >>> r = simulate_partial_label(5, 0.4, 0.1, corruption=0.3, lam=0.1, xi=2.0,
    ...                            n_trials=3)  # doctest: +SKIP
    >>> r.role.tolist()[:3]  # doctest: +SKIP
    ['teacher', 'student', 'partial']
    """
    n = check_int(n_per_class, "n_per_class", minimum=1)
    K = check_int(n_classes, "n_classes", minimum=2)
    if K < 3:
        raise ValueError(
            f"n_classes must be >= 3 for the partial-label student (with K = 2 the top-2 set is "
            f"every class), got {K}"
        )
    c = check_scalar(c, "c")
    d = check_scalar(d, "d")
    if not 0 <= d < c < 1:
        raise ValueError(f"c and d must satisfy 0 <= d < c < 1, got c={c}, d={d}")
    p = check_scalar(corruption, "corruption", low=0.0, high=1.0)
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    xis = _as_real(xi, "xi")
    if xis.ndim > 1 or xis.size == 0:
        raise ValueError(f"xi must be a number or a non-empty 1-D array, got shape {xis.shape}")
    xis = np.atleast_1d(xis)
    if not np.isfinite(xis).all():
        raise ValueError("xi must be finite")
    n_seeds = check_n_trials(n_trials)
    check_seed(seed)
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    y = np.repeat(np.arange(K), n)
    G = np.where(y[:, None] == y[None, :], c, d)
    np.fill_diagonal(G, 1.0)
    Gf = np.where(np.arange(K)[:, None] == y[None, :], c, d)
    with x64():
        raw, impl = trial_keys(check_seed(seed), int(n_seeds))
        args = (raw, *f64(G, Gf, p, lam, xis))
        prog = compiled(
            "partial-label",
            _trials,
            args,
            static=(n, K, int(n_iter)),
            impl=impl,
            sources=(__file__, _logistic.__file__),
        )
        z, zf, gn = (np.asarray(v) for v in prog(*args))
    train = _correct(z, y).mean(-1)
    fresh = _correct(zf, np.arange(K)).mean(-1)
    n_fits = 2 + xis.size
    return pd.DataFrame(
        {
            "trial": np.repeat(np.arange(int(n_seeds)), n_fits),
            "role": np.tile(["teacher"] + ["student"] * xis.size + ["partial"], int(n_seeds)),
            "xi": np.tile(np.concatenate([[np.nan], xis, [np.nan]]), int(n_seeds)),
            "train_accuracy_clean": train.ravel(),
            "fresh_accuracy": fresh.ravel(),
            "grad_norm": gn.ravel(),
        }
    )
