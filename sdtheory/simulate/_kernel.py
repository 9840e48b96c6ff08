"""Monte Carlo over label noise for iterated self-distillation (kernel and linear ridge).

Every fit is a real linear solve on ``K + λI`` (kernel) or ``XᵀX + λI`` (linear), iterated
literally: step 1 fits the noisy labels, step ``τ ≥ 2`` fits ``α_τ y + (1 − α_τ)ŷ_{τ−1}``.
Nothing here uses spectral filters or imports the theory it is compared with.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ._common import MCResult, as_key, mean_se, x64

__all__ = ["simulate_kernel_sd", "simulate_linear_sd", "sample_noise"]

_DISTS = ("gaussian", "rademacher", "uniform")


def sample_noise(key, shape, dist: str = "gaussian"):
    """Zero-mean, unit-variance noise of the given distribution (``gaussian``, ``rademacher``, ``uniform``).

    Examples
    --------
    >>> import jax
    >>> sample_noise(jax.random.key(0), (3,), "rademacher").shape
    (3,)
    """
    if dist == "gaussian":
        return jax.random.normal(key, shape)
    if dist == "rademacher":
        return jax.random.rademacher(key, shape, dtype=jax.dtypes.canonicalize_dtype(jnp.float64))
    if dist == "uniform":
        return jax.random.uniform(key, shape, minval=-jnp.sqrt(3.0), maxval=jnp.sqrt(3.0))
    raise ValueError(f"dist must be one of {_DISTS}, got {dist!r}")


def _weights(label_weights, steps):
    if label_weights is None:
        w = np.zeros(max(steps - 1, 0))
    else:
        w = np.atleast_1d(np.asarray(label_weights, dtype=float))
        if w.ndim != 1:
            raise ValueError("label_weights must be a scalar or 1-D")
        if w.size == 1 and steps - 1 != 1:
            w = np.full(steps - 1, float(w[0]))
    if w.shape[0] != steps - 1:
        raise ValueError(f"label_weights must have length steps - 1 = {steps - 1}, got {w.shape[0]}")
    if not np.isfinite(w).all():
        raise ValueError("label_weights must be finite")
    return w


def _check_common(n_trials, batch, noise, lam, steps, label_weights, dist):
    """Validate the arguments shared by both simulators; return ``(steps, weights, batch)``."""
    if steps is None:
        steps = 1 if label_weights is None else int(np.atleast_1d(label_weights).size) + 1
    _check_scalars(n_trials, batch, float(noise), float(lam), steps)
    if dist not in _DISTS:
        raise ValueError(f"dist must be one of {_DISTS}, got {dist!r}")
    return steps, _weights(label_weights, steps), int(batch or n_trials)


def _check_scalars(n_trials, batch, noise, lam, steps):
    if not isinstance(n_trials, (int, np.integer)) or n_trials < 2:
        raise ValueError(f"n_trials must be an integer >= 2, got {n_trials!r}")
    if batch is not None and (not isinstance(batch, (int, np.integer)) or batch < 2):
        raise ValueError(f"batch must be an integer >= 2, got {batch!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise (variance) must be >= 0, got {noise}")
    if not np.isfinite(lam) or lam <= 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")


@partial(jax.jit, static_argnames=("n", "dist"))
def _kernel_batch(key, K, y_star, sd, lam, w, *, n, dist):
    N = K.shape[0]
    eta = sample_noise(key, (N, n), dist)
    Y = y_star[:, None] + sd * eta  # (N, n): one column per trial
    A = K + lam * jnp.eye(N, dtype=K.dtype)
    lu = jax.scipy.linalg.lu_factor(A)

    def solve(T):
        return jax.scipy.linalg.lu_solve(lu, T)

    C = solve(Y)
    P = K @ C

    def step(P, wt):
        C = solve(wt * Y + (1.0 - wt) * P)
        P = K @ C
        return P, P

    _, Ps = jax.lax.scan(step, P, w)
    allP = jnp.concatenate([P[None], Ps], axis=0)  # (steps, N, n)
    return jnp.mean((allP - y_star[None, :, None]) ** 2, axis=1)  # (steps, n)


def simulate_kernel_sd(K, y_star, noise, lam, label_weights=None, *, steps=None, n_trials=2000,
                       key=0, batch=None, dist="gaussian") -> MCResult:
    r"""Monte Carlo in-sample risk of iterated kernel self-distillation, per step.

    Parameters
    ----------
    K : array_like (N, N)
        Training Gram matrix.
    y_star : array_like (N,)
        Noise-free targets; labels are ``y = y* + σ·η`` with unit-variance ``η``.
    noise : float
        Label-noise variance ``σ²``.
    lam : float
        Ridge penalty ``λ > 0`` (on the unscaled ``K``).
    label_weights : float or array_like (steps − 1,), optional
        Weight ``α_τ`` on the labels at steps ``τ = 2..steps`` (default 0; a k-step schedule
        ``ξ`` is ``1 − ξ``).
    steps : int, optional
        Number of fits (default ``len(label_weights) + 1``).
    n_trials : int
    key : int or jax key
    batch : int, optional
        Trials per jitted batch (default all).
    dist : {"gaussian", "rademacher", "uniform"}

    Returns
    -------
    MCResult
        ``mean``/``se`` of ``(1/N)‖ŷ_τ − y*‖²``, arrays of shape ``(steps,)``.

    Notes
    -----
    Labels ``y = y* + σ·η`` are sampled in a batch (one column per trial); each step is a real
    LU solve with ``K + λI`` followed by ``ŷ = Kc``.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088); Mobahi et al., NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 5)
    >>> K = np.exp(-80 * (x[:, None] - x[None, :]) ** 2)
    >>> res = simulate_kernel_sd(K, np.sin(2 * np.pi * x), 0.25, 0.2, 0.0, steps=3, n_trials=64)
    >>> res.mean.shape, res.n
    ((3,), 64)
    """
    K = np.asarray(K, dtype=float)
    ys = np.asarray(y_star, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1] or ys.shape != (K.shape[0],):
        raise ValueError(f"K must be (N, N) and y_star (N,), got {K.shape} and {ys.shape}")
    steps, w, batch = _check_common(n_trials, batch, noise, lam, steps, label_weights, dist)
    with x64():
        k = as_key(key)
        out = []
        done = 0
        for i, kb in enumerate(jax.random.split(k, -(-n_trials // batch))):
            n = min(batch, n_trials - done)
            out.append(np.asarray(_kernel_batch(kb, jnp.asarray(K), jnp.asarray(ys),
                                                 float(np.sqrt(noise)), float(lam), jnp.asarray(w),
                                                 n=n, dist=dist)))
            done += n
        vals = np.concatenate(out, axis=1)
    return mean_se(vals, axis=1)


@partial(jax.jit, static_argnames=("n", "dist", "prediction"))
def _linear_batch(key, X, theta, sd, lam, w, *, n, dist, prediction):
    N, d = X.shape
    eta = sample_noise(key, (N, n), dist)
    Y = (X @ theta)[:, None] + sd * eta
    A = X.T @ X + lam * jnp.eye(d, dtype=X.dtype)
    lu = jax.scipy.linalg.lu_factor(A)

    def fit(T):
        return jax.scipy.linalg.lu_solve(lu, X.T @ T)  # (d, n)

    Th = fit(Y)

    def step(Th, wt):
        Th = fit(wt * Y + (1.0 - wt) * (X @ Th))
        return Th, Th

    _, Ths = jax.lax.scan(step, Th, w)
    allT = jnp.concatenate([Th[None], Ths], axis=0)  # (steps, d, n)
    err = allT - theta[None, :, None]
    if prediction:
        return jnp.mean(jnp.einsum("nd,sdt->snt", X, err) ** 2, axis=1)
    return jnp.sum(err**2, axis=1)


def simulate_linear_sd(X, theta_star, noise, lam, label_weights=None, *, steps=None,
                       n_trials=2000, key=0, batch=None, dist="gaussian",
                       risk="parameter") -> MCResult:
    r"""Monte Carlo risk of iterated linear-ridge self-distillation, per step.

    Parameters
    ----------
    X : array_like (n, d)
        Fixed design; labels ``y = Xθ* + σ·η``.
    theta_star : array_like (d,)
    noise : float
        Label-noise variance ``σ²``.
    lam : float
    label_weights : float or array_like (steps − 1,), optional
        Weight on the labels at steps ``2..steps`` (``1 − ξ_t`` for a k-step schedule).
    risk : {"parameter", "prediction"}
        ``‖θ̂ − θ*‖²`` or ``(1/n)‖X(θ̂ − θ*)‖²``.

    Returns
    -------
    MCResult
        Arrays of shape ``(steps,)``.

    Notes
    -----
    Each step solves ``(XᵀX + λI)θ = Xᵀ target`` (LU), with target ``y`` at step 1 and
    ``α_τ y + (1 − α_τ)Xθ_{τ−1}`` after.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.eye(4)[:, :3]
    >>> res = simulate_linear_sd(X, [1.0, 0.0, 0.5], 0.5, 1.0, [-1.0], n_trials=64, key=1)
    >>> res.mean.shape
    (2,)
    """
    X = np.asarray(X, dtype=float)
    th = np.asarray(theta_star, dtype=float)
    if X.ndim != 2 or th.shape != (X.shape[1],):
        raise ValueError(f"X must be (n, d) and theta_star (d,), got {X.shape} and {th.shape}")
    if risk not in ("parameter", "prediction"):
        raise ValueError(f"risk must be 'parameter' or 'prediction', got {risk!r}")
    steps, w, batch = _check_common(n_trials, batch, noise, lam, steps, label_weights, dist)
    with x64():
        k = as_key(key)
        out, done = [], 0
        for kb in jax.random.split(k, -(-n_trials // batch)):
            n = min(batch, n_trials - done)
            out.append(np.asarray(_linear_batch(kb, jnp.asarray(X), jnp.asarray(th),
                                                float(np.sqrt(noise)), float(lam), jnp.asarray(w),
                                                n=n, dist=dist, prediction=risk == "prediction")))
            done += n
        vals = np.concatenate(out, axis=1)
    return mean_se(vals, axis=1)
