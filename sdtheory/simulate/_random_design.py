r"""Random-design Monte Carlo for self-distillation in ridge regression (JAX, float64).

Each trial draws a fresh design ``X = Z diag(√s)`` (so ``Cov x = Σ = diag(s)``; ``Z`` has i.i.d.
entries with mean 0 and variance 1, from ``design_dist``: standard normal, or Rademacher ±1 for a
non-Gaussian design with the same covariance) and labels ``y = Xθ* + σε`` with ``ε`` i.i.d. from
``noise_dist`` (mean 0, variance 1), fits the teacher ``θ_λ = (Σ̂ + λI)⁻¹Xᵀy/n`` and the
pure-distilled ``θ_pd = (Σ̂ + λI)⁻¹Σ̂θ_λ`` on a whole λ grid from one eigendecomposition of
``Σ̂ = XᵀX/n`` (λ on the mean-loss scale, as in the data-free asymptotic theory), and records
the exact conditional fresh-point risks ``R = ‖θ_λ − θ*‖²_Σ + σ²``, ``C``, ``R_pd``,
``D = ‖θ_λ − θ_pd‖²_Σ`` and two one-shot estimates (the derivative of the two-penalty GCV cross
estimator, and the plain-GCV version), written out here independently of the theory modules.
Trials are batched with ``vmap`` and jitted once per shape.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .._validate import (
    check_choice,
    check_int,
    check_nonneg,
    check_positive,
    check_scalar,
    check_vector,
)
from . import _common
from ._aot import f64, run_batched, trial_keys
from ._common import (
    as_key,
    check_n_trials,
    check_noise_dist,
    check_seed,
    mean_se,
    standard_noise,
    x64,
)

__all__ = ["simulate_random_design", "sample_random_design", "DESIGN_DISTS"]

#: Laws of the standardized design entries ``Z`` (mean 0, variance 1).
DESIGN_DISTS = ("gaussian", "rademacher")


def _draw(key, sqrt_s, theta, sigma, n, design_dist, noise_dist):
    kz, ke = jax.random.split(key)
    p = sqrt_s.shape[0]
    if design_dist == "gaussian":
        Z = jax.random.normal(kz, (n, p), dtype=jnp.float64)
    else:
        Z = jax.random.rademacher(kz, (n, p), dtype=jnp.float64)
    X = Z * sqrt_s[None, :]
    y = X @ theta + sigma * standard_noise(noise_dist, ke, (n,))
    return X, y


def _one_trial(key, sqrt_s, theta, sigma, lam, n, design_dist, noise_dist):
    X, y = _draw(key, sqrt_s, theta, sigma, n, design_dist, noise_dist)
    s = sqrt_s**2
    Sh = X.T @ X / n
    e, V = jnp.linalg.eigh(Sh)
    e = jnp.clip(e, 0.0, None)
    w = V.T @ (X.T @ y / n)
    ft = 1.0 / (e[:, None] + lam[None, :])
    Bt = V @ (w[:, None] * ft)  # p × L
    Bpd = V @ (w[:, None] * e[:, None] * ft * ft)
    dl = Bt - theta[:, None]
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
    # (b) plain GCV on each smoother
    A = Rh
    B = (r2 * r2).mean(0) / (1 - df2) ** 2
    C = (r1 * r2).mean(0) / ((1 - df1) * (1 - df2))
    Dg = A + B - 2 * C
    return {
        "R": R,
        "N": N,
        "D": D,
        "xi_hat": Nh / Dh,
        "R_sd_hat": Rh - Nh * Nh / Dh,
        "xi_hat_gcv": (A - C) / Dg,
        "R_sd_hat_gcv": (A * B - C * C) / Dg,
    }


def _batch(keys, sqrt_s, theta, sigma, lam, n, design_dist, noise_dist):
    return jax.vmap(_one_trial, in_axes=(0, None, None, None, None, None, None, None))(
        keys, sqrt_s, theta, sigma, lam, n, design_dist, noise_dist
    )


_draw_jit = jax.jit(_draw, static_argnums=(4, 5, 6))
_SOURCES = (__file__, _common.__file__)


def _check(cov_eigvals, theta_star, noise, n, lam, design_dist, noise_dist):
    s = check_nonneg(cov_eigvals, "cov_eigvals")
    if s.ndim != 1:
        raise ValueError(
            f"cov_eigvals must be a 1-D array of values in [0, inf), got shape {s.shape}"
        )
    theta = check_vector(theta_star, "theta_star", length=s.size)
    sigma2 = check_scalar(noise, "noise", low=0.0)
    n = check_int(n, "n", minimum=2)
    lam = check_positive(lam, "lam")
    if lam.ndim > 1:
        raise ValueError(
            f"lam must be a scalar or 1-D array of values in (0, inf), got shape {lam.shape}"
        )
    check_choice(design_dist, "design_dist", set(DESIGN_DISTS))
    check_noise_dist(noise_dist)
    return s, theta, sigma2, n, np.atleast_1d(lam)


def sample_random_design(
    cov_eigvals, theta_star, *, noise, n, seed=0, design_dist="gaussian", noise_dist="gaussian"
):
    r"""One random-design dataset ``(X, y)`` as NumPy float64 arrays.

    Parameters
    ----------
    cov_eigvals : array_like, shape (p,)
        Diagonal of Σ, entries in ``[0, inf)``.
    theta_star : array_like, shape (p,)
        True coefficients θ* in that basis (finite).
    noise : float
        Label-noise variance ``σ²`` in ``[0, inf)``.
    n : int
        Number of rows, ``>= 2``.
    seed : int or jax.random key
        An int in ``[0, 2**63)`` or a key.
    design_dist : {"gaussian", "rademacher"}
        Law of the standardized design entries ``Z`` (mean 0, variance 1).
    noise_dist : {"gaussian", "rademacher", "uniform", "laplace"}
        Law of the standardized label noise (mean 0, variance 1).

    Returns
    -------
    X : ndarray, shape (n, p)
        ``Z diag(√s)``.
    y : ndarray, shape (n,)
        ``Xθ* + σε``.

    See the theory page :doc:`/theory/asymptotics`.

    Examples
    --------
    >>> X, y = sample_random_design([1.0, 4.0], [1.0, 0.0], noise=0.5, n=10, seed=0)
    >>> X.shape, y.shape
    ((10, 2), (10,))
    """
    s, theta, sigma2, n, _ = _check(cov_eigvals, theta_star, noise, n, 1.0, design_dist, noise_dist)
    key = as_key(seed)
    with x64():
        X, y = _draw_jit(
            key,
            jnp.sqrt(jnp.asarray(s)),
            jnp.asarray(theta),
            jnp.sqrt(sigma2),
            n,
            design_dist,
            noise_dist,
        )
        return np.asarray(X), np.asarray(y)


def simulate_random_design(
    cov_eigvals,
    theta_star,
    *,
    noise,
    n,
    lam,
    n_trials=20,
    seed=0,
    design_dist="gaussian",
    noise_dist="gaussian",
    batch_size=None,
    return_trials=False,
):
    r"""Monte Carlo over fresh designs of the teacher, cross, pure-distilled and optimal-SD risks.

    Parameters
    ----------
    cov_eigvals : array_like, shape (p,)
        Diagonal of Σ, entries in ``[0, inf)`` (the simulation works in Σ's eigenbasis).
    theta_star : array_like, shape (p,)
        True coefficients θ* in that basis (finite).
    noise : float
        Label-noise variance ``σ²`` in ``[0, inf)``.
    n : int
        Samples per trial, ``>= 2`` (``γ = p/n``).
    lam : float or array_like, shape (L,)
        Penalties ``λ > 0`` on the **mean-loss scale** (the penalty added to
        ``‖y − Xθ‖²/n``, ``Σ̂ = XᵀX/n``), as in the data-free asymptotic theory.
    n_trials : int
        Independent datasets (fresh ``X`` and ``ε`` each), ``>= 2``.
    seed : int or jax.random key
        An int in ``[0, 2**63)`` or a key.
    design_dist : {"gaussian", "rademacher"}
        Law of the standardized design entries ``Z`` (mean 0, variance 1).
    noise_dist : {"gaussian", "rademacher", "uniform", "laplace"}
        Law of the standardized label noise (mean 0, variance 1).
    batch_size : int, optional
        Trials per vmapped batch, ``>= 1`` (default: about 2·10⁷ design entries per batch).
    return_trials : bool
        Also return the per-trial arrays (dict of ``n_trials × L`` arrays).

    Returns
    -------
    pandas.DataFrame
        A tidy table, one row per λ, with, for each quantity ``q`` in ``R, C, R_pd, D,
        N (= R − C), xi_star`` (per-trial ``(R − C)/D``), ``R_sd, xi_hat, R_sd_hat`` (one-shot,
        corrected) and ``xi_hat_gcv, R_sd_hat_gcv`` (one-shot, plain GCV), the columns ``q``
        (mean over trials) and ``q_se`` (standard error); also ``xi_ratio = mean(N)/mean(D)``
        with ``xi_ratio_se`` (delta method), and ``n_trials``, ``n``, ``p``. ``R, C, R_pd,
        R_sd`` are **fresh-point risks** ``‖θ̂ − θ*‖²_Σ + σ²`` given each trial's data. With
        ``return_trials``, a tuple ``(table, per_trial)``.

    See the theory page :doc:`/theory/asymptotics`.

    Examples
    --------
    >>> df = simulate_random_design([1.0] * 20, [0.2] * 20, noise=1.0, n=40, lam=[0.5, 1.0],
    ...                             n_trials=4, seed=1)
    >>> df.shape[0], bool((df["R_sd"] <= df["R"]).all())
    (2, True)
    """
    s, theta, sigma2, n, lam = _check(
        cov_eigvals, theta_star, noise, n, lam, design_dist, noise_dist
    )
    trials = check_n_trials(n_trials)
    seed = check_seed(seed)
    p = s.size
    chunk = None if batch_size is None else check_int(batch_size, "batch_size", minimum=1)
    if chunk is None:
        chunk = max(1, min(trials, int(2e7 // (n * p))))
    chunk = min(chunk, trials)
    with x64():
        raw, impl = trial_keys(seed, trials)
        args = f64(np.sqrt(s), theta, np.sqrt(sigma2), lam)
        per = run_batched(
            "random-design",
            _batch,
            raw,
            args,
            batch=chunk,
            static=(n, design_dist, noise_dist),
            impl=impl,
            sources=_SOURCES,
        )
    R, N, D = per["R"], per["N"], per["D"]
    per["C"] = R - N
    per["R_pd"] = R + D - 2 * N
    per["xi_star"] = N / D
    per["R_sd"] = R - N * N / D
    cols = {"lam": lam}
    for q in (
        "R",
        "C",
        "R_pd",
        "D",
        "N",
        "xi_star",
        "R_sd",
        "xi_hat",
        "R_sd_hat",
        "xi_hat_gcv",
        "R_sd_hat_gcv",
    ):
        m, se, _ = mean_se(per[q])
        cols[q], cols[q + "_se"] = m, se
    # ratio of means with a delta-method SE
    mN, mD = N.mean(0), D.mean(0)
    ratio = mN / mD
    resid = (N - ratio * D) / mD
    cols["xi_ratio"] = ratio
    cols["xi_ratio_se"] = resid.std(0, ddof=1) / np.sqrt(trials)
    df = pd.DataFrame(cols)
    df["n_trials"], df["n"], df["p"] = trials, n, p
    return (df, per) if return_trials else df
