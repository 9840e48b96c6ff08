r"""Random-design Monte Carlo for self-distillation in ridge regression (JAX, float64).

Each trial draws a fresh design ``X = Z diag(√s)`` (so ``Cov x = Σ = diag(s)``; ``Z`` has i.i.d.
entries with mean 0 and variance 1: standard normal, or Rademacher ±1 for a non-Gaussian design
with the same covariance) and labels ``y = Xβ + ε`` with ``ε ~ N(0, σ²)``, fits the teacher
``β_λ = (Σ̂ + λI)⁻¹Xᵀy/n`` and the pure-distilled ``β_pd = (Σ̂ + λI)⁻¹Σ̂β_λ`` on a whole λ grid
from one eigendecomposition of ``Σ̂ = XᵀX/n`` (λ on the mean-squared-error scale), and records
the exact conditional risks ``R = ‖β_λ − β‖²_Σ + σ²``, ``C``, ``R_pd``, ``D = ‖β_λ − β_pd‖²_Σ``
and two one-shot estimates (the derivative of the two-penalty GCV cross estimator, and the
plain-GCV version of the theory note), written out here independently of the theory modules.
Trials are batched with ``vmap`` and jitted once per shape.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from ._common import as_key, mean_se, x64

__all__ = ["simulate_random_design", "sample_random_design", "DESIGNS"]

DESIGNS = ("gaussian", "rademacher")


def _draw(key, sqrt_s, beta, sigma, n, design):
    kz, ke = jax.random.split(key)
    p = sqrt_s.shape[0]
    if design == "gaussian":
        Z = jax.random.normal(kz, (n, p), dtype=jnp.float64)
    else:
        Z = jax.random.rademacher(kz, (n, p), dtype=jnp.float64)
    X = Z * sqrt_s[None, :]
    y = X @ beta + sigma * jax.random.normal(ke, (n,), dtype=jnp.float64)
    return X, y


def _one_trial(key, sqrt_s, beta, sigma, lam, n, design):
    X, y = _draw(key, sqrt_s, beta, sigma, n, design)
    s = sqrt_s**2
    Sh = X.T @ X / n
    e, V = jnp.linalg.eigh(Sh)
    e = jnp.clip(e, 0.0, None)
    w = V.T @ (X.T @ y / n)
    ft = 1.0 / (e[:, None] + lam[None, :])
    Bt = V @ (w[:, None] * ft)  # p × L
    Bpd = V @ (w[:, None] * e[:, None] * ft * ft)
    dl = Bt - beta[:, None]
    dd = Bt - Bpd
    sig2 = sigma**2
    R = (s[:, None] * dl * dl).sum(0) + sig2
    N = (s[:, None] * dl * dd).sum(0)
    D = (s[:, None] * dd * dd).sum(0)
    # one-shot estimates (GCV-type) from the same fit
    a = e[:, None] * ft
    df1 = a.sum(0) / n
    df2 = (a * a).sum(0) / n
    r1 = y[:, None] - X @ Bt
    r2 = y[:, None] - X @ Bpd
    # (a) derivative of the two-penalty GCV cross estimator (consistent)
    d = 1 - df1
    Dl = (r2 - r1) / d - r1 * ((df1 - df2) / d**2)
    Rh = (r1 * r1).mean(0) / d**2
    Nh = -(r1 * Dl).mean(0) / d
    Dh = (Dl * Dl).mean(0)
    # (b) plain GCV on each smoother (the theory note's version)
    A = Rh
    B = (r2 * r2).mean(0) / (1 - df2) ** 2
    C = (r1 * r2).mean(0) / ((1 - df1) * (1 - df2))
    Dg = A + B - 2 * C
    return {"R": R, "N": N, "D": D, "xi_hat": Nh / Dh, "R_sd_hat": Rh - Nh * Nh / Dh,
            "xi_hat_gcv": (A - C) / Dg, "R_sd_hat_gcv": (A * B - C * C) / Dg}


@partial(jax.jit, static_argnums=(5, 6))
def _batch(keys, sqrt_s, beta, sigma, lam, n, design):
    return jax.vmap(_one_trial, in_axes=(0, None, None, None, None, None, None))(
        keys, sqrt_s, beta, sigma, lam, n, design
    )


_draw_jit = jax.jit(_draw, static_argnums=(4, 5))


def _check(cov_eigvals, signal, noise, n, lam, trials, design):
    s = np.asarray(cov_eigvals, dtype=float)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError("cov_eigvals must be a non-empty 1-D array of finite values >= 0")
    beta = np.asarray(signal, dtype=float)
    if beta.shape != s.shape or not np.all(np.isfinite(beta)):
        raise ValueError(f"signal must be finite with the shape of cov_eigvals {s.shape}")
    sigma2 = float(noise)
    if not np.isfinite(sigma2) or sigma2 < 0:
        raise ValueError(f"noise must be a finite variance >= 0, got {noise}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    lam = np.atleast_1d(np.asarray(lam, dtype=float))
    if lam.ndim != 1 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError("lam must be a scalar or 1-D array of finite values > 0")
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise ValueError(f"trials must be an integer >= 2, got {trials!r}")
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {list(DESIGNS)}, got {design!r}")
    return s, beta, sigma2, int(n), lam, int(trials)


def sample_random_design(cov_eigvals, signal, noise, n, *, design="gaussian", key=0):
    r"""One random-design dataset ``(X, y)`` as NumPy float64 arrays.

    ``X = Z diag(√s)`` with ``Z`` i.i.d. standard normal (``"gaussian"``) or ±1
    (``"rademacher"``), ``y = Xβ + ε``, ``ε ~ N(0, σ²)``.

    Examples
    --------
    >>> X, y = sample_random_design([1.0, 4.0], [1.0, 0.0], 0.5, 10, key=0)
    >>> X.shape, y.shape
    ((10, 2), (10,))
    """
    s, beta, sigma2, n, _, _ = _check(cov_eigvals, signal, noise, n, 1.0, 2, design)
    with x64():
        X, y = _draw_jit(
            as_key(key), jnp.sqrt(jnp.asarray(s)), jnp.asarray(beta), jnp.sqrt(sigma2), n, design
        )
        return np.asarray(X), np.asarray(y)


def simulate_random_design(cov_eigvals, signal, noise, n, lam, *, trials=20, design="gaussian",
                           key=0, chunk=None, return_trials=False):
    r"""Monte Carlo over fresh designs of teacher, cross, pure-distilled and optimal-SD risks.

    Parameters
    ----------
    cov_eigvals : array_like, shape (p,)
        Diagonal of Σ (the simulation works in Σ's eigenbasis).
    signal : array_like, shape (p,)
        β in that basis.
    noise : float
        Label-noise variance ``σ²`` (Gaussian noise).
    n : int
        Samples per trial (``γ = p/n``).
    lam : float or array_like, shape (L,)
        Penalties on the mean-squared-error scale (``Σ̂ = XᵀX/n``).
    trials : int
        Independent datasets (fresh ``X`` and ``ε`` each).
    design : {"gaussian", "rademacher"}
        Distribution of the standardized entries ``Z``.
    key : int or jax key
        Seed.
    chunk : int, optional
        Trials per vmapped batch (default: about 2·10⁷ design entries per batch).
    return_trials : bool
        Also return the per-trial arrays (dict of ``trials × L`` arrays).

    Returns
    -------
    pandas.DataFrame
        One row per λ with, for each quantity ``q`` in ``R, C, R_pd, D, N (= R − C), xi_star
        (per-trial (R − C)/D), R_sd, xi_hat, R_sd_hat`` (one-shot, corrected) and
        ``xi_hat_gcv, R_sd_hat_gcv`` (one-shot, plain GCV), the columns ``q`` (mean over trials) and
        ``q_se`` (standard error); also ``xi_ratio = mean(N)/mean(D)`` with ``xi_ratio_se``
        (delta method), and ``trials``, ``n``, ``p``. With ``return_trials``, a tuple
        ``(table, per_trial)``.

    Examples
    --------
    >>> df = simulate_random_design([1.0] * 20, [0.2] * 20, 1.0, 40, [0.5, 1.0], trials=4, key=1)
    >>> df.shape[0], bool((df["R_sd"] <= df["R"]).all())
    (2, True)
    """
    s, beta, sigma2, n, lam, trials = _check(cov_eigvals, signal, noise, n, lam, trials, design)
    p = s.size
    if chunk is None:
        chunk = max(1, min(trials, int(2e7 // (n * p))))
    with x64():
        keys = jax.random.split(as_key(key), trials)
        args = (jnp.sqrt(jnp.asarray(s)), jnp.asarray(beta), jnp.sqrt(sigma2), jnp.asarray(lam))
        outs = []
        for i in range(0, trials, chunk):
            kk = keys[i : i + chunk]
            if kk.shape[0] < chunk:  # keep one compiled shape: pad, then drop
                kk = jnp.concatenate([kk, keys[: chunk - kk.shape[0]]])
                res = _batch(kk, *args, n, design)
                res = {k: v[: trials - i] for k, v in res.items()}
            else:
                res = _batch(kk, *args, n, design)
            outs.append({k: np.asarray(v) for k, v in res.items()})
    per = {k: np.concatenate([o[k] for o in outs], 0) for k in outs[0]}
    R, N, D = per["R"], per["N"], per["D"]
    per["C"] = R - N
    per["R_pd"] = R + D - 2 * N
    per["xi_star"] = N / D
    per["R_sd"] = R - N * N / D
    cols = {"lam": lam}
    for q in ("R", "C", "R_pd", "D", "N", "xi_star", "R_sd", "xi_hat", "R_sd_hat", "xi_hat_gcv",
              "R_sd_hat_gcv"):
        m, se, _ = mean_se(per[q])
        cols[q], cols[q + "_se"] = m, se
    # ratio of means with a delta-method SE
    mN, mD = N.mean(0), D.mean(0)
    ratio = mN / mD
    resid = (N - ratio * D) / mD
    cols["xi_ratio"] = ratio
    cols["xi_ratio_se"] = resid.std(0, ddof=1) / np.sqrt(trials)
    df = pd.DataFrame(cols)
    df["trials"], df["n"], df["p"] = trials, n, p
    return (df, per) if return_trials else df
