r"""Monte Carlo of one-step ridge self-distillation in a fixed design (JAX, float64).

Labels ``y = Xθ* + η`` are drawn again in every trial; teacher and student are fitted by
actual Cholesky solves on ``X`` (never by a spectral filter formula), and the weighted error
``‖θ̂_S − θ*‖²_W`` is averaged over trials. This module does not import the theory it is used to
check (:mod:`sdtheory.ridge._risk`); tests and ``sdtheory check`` compare the two.
"""

from __future__ import annotations

import functools
import math
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import cho_solve
from tqdm.auto import tqdm

from .._validate import (
    check_choice,
    check_finite,
    check_int,
    check_matrix,
    check_nonneg,
    check_positive,
    check_psd,
    check_vector,
)
from ._common import MCResult, as_key, x64
from ._sharding import TrialRunner, _Moments, resolve_devices

__all__ = ["ridge_sd_monte_carlo", "ridge_sd_noise", "NOISE_DISTS"]

#: Label-noise laws, each with mean 0 and variance ``noise`` (the scale is set per law).
NOISE_DISTS = ("gaussian", "rademacher", "uniform", "laplace")

# elements of float64 working memory per block (≈ 128 MiB) used to pick the default batch size
_BLOCK_ELEMS = 1 << 24


def _standard_noise(dist: str, key, n: int):
    """``n`` i.i.d. draws with mean 0 and variance 1 from the named law."""
    if dist == "gaussian":
        return jax.random.normal(key, (n,))
    if dist == "rademacher":
        return jax.random.rademacher(key, (n,), dtype=jnp.float64)
    if dist == "uniform":  # U(−√3, √3): variance (2√3)²/12 = 1
        return jax.random.uniform(key, (n,), minval=-math.sqrt(3.0), maxval=math.sqrt(3.0))
    if dist == "laplace":  # Laplace(0, b) has variance 2b²; b = 1/√2
        return jax.random.laplace(key, (n,)) / math.sqrt(2.0)
    raise ValueError(f"noise_dist must be one of {list(NOISE_DISTS)}, got {dist!r}")


@functools.lru_cache(maxsize=None)
def _trial_fn(noise_dist: str, weight_kind: str):
    """The per-trial function for one noise law and risk weighting (cached: one object each)."""

    def one_trial(key, X, Xtheta, theta, chol, s_idx, t_idx, xi, W, scale):
        n = X.shape[0]
        y = Xtheta + scale * _standard_noise(noise_dist, key, n)
        # teacher: (XᵀX + λ_t I) θ_T = Xᵀy, for every distinct λ (Cholesky factors precomputed)
        Xty = X.T @ y
        theta_t_all = jax.vmap(lambda L: cho_solve((L, True), Xty))(chol)  # (U, d)
        theta_t = theta_t_all[t_idx]  # (P, d)
        # student: ridge on the mixed target ξ X θ_T + (1 − ξ) y, one target per grid point
        target = xi[:, None] * (theta_t @ X.T) + (1.0 - xi)[:, None] * y[None, :]  # (P, n)
        rhs = target @ X  # (P, d) = Xᵀ target
        theta_s = jax.vmap(lambda L, b: cho_solve((L, True), b))(chol[s_idx], rhs)
        err = theta_s - theta[None, :]
        if weight_kind == "parameter":
            return jnp.sum(err * err, axis=-1)
        if weight_kind == "prediction":
            pred = err @ X.T
            return jnp.sum(pred * pred, axis=-1) / n
        return jnp.einsum("pd,de,pe->p", err, W, err)

    one_trial.__qualname__ = f"ridge_sd_trial[{noise_dist},{weight_kind}]"
    return one_trial


@functools.lru_cache(maxsize=None)
def _noise_fn(noise_dist: str):
    def draw(key, scale, zeros_n):
        return scale * _standard_noise(noise_dist, key, zeros_n.shape[0])

    return draw


def _check_seed(seed):
    if isinstance(seed, bool):
        raise TypeError("seed must be an int or a jax.random key, got bool")
    return seed


def _validate(X, theta_star, noise, lam, xi, n_trials, noise_dist, weights, teacher_lam,
              batch_size):
    X = check_matrix(X, "X")
    n, d = X.shape
    theta = check_vector(theta_star, "theta_star")
    if theta.shape[0] != d:
        raise ValueError(
            f"theta_star must have length d = X.shape[1] = {d}, got {theta.shape[0]}"
        )
    noise = check_nonneg(noise, "noise")
    if noise.ndim != 0:
        raise ValueError(f"noise must be a scalar variance, got shape {noise.shape}")
    lam = check_positive(lam, "lam")
    xi = check_finite(xi, "xi")
    lam_t = lam if teacher_lam is None else check_positive(teacher_lam, "teacher_lam")
    try:
        shape = np.broadcast_shapes(lam.shape, xi.shape)
    except ValueError:
        raise ValueError(
            f"lam and xi must broadcast against each other, got shapes {lam.shape} and {xi.shape}"
        ) from None
    try:
        lam_t = np.broadcast_to(lam_t, shape)
    except ValueError:
        raise ValueError(
            f"teacher_lam must broadcast to the (lam, xi) grid shape {shape}, got {lam_t.shape}"
        ) from None
    n_trials = check_int(n_trials, "n_trials", minimum=2)
    check_choice(noise_dist, "noise_dist", set(NOISE_DISTS))
    W = None
    if isinstance(weights, str):
        check_choice(weights, "weights", {"parameter", "prediction"})
        kind = weights
    else:
        W = check_psd(weights, "weights")
        if W.shape != (d, d):
            raise ValueError(f"weights matrix must have shape ({d}, {d}), got {W.shape}")
        kind = "matrix"
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1)
    lam_b, xi_b = np.broadcast_arrays(lam, xi)
    return X, theta, float(noise), lam_b, xi_b, np.asarray(lam_t), shape, n_trials, kind, W, batch_size


def default_batch_size(n: int, d: int, n_points: int, n_lams: int, n_trials: int) -> int:
    """Trials per block so that one block's working set stays near 128 MiB (float64).

    Depends on the problem size and ``n_trials`` only — never on the number of devices — so the
    default gives bitwise identical results sharded and unsharded.

    Examples
    --------
    >>> default_batch_size(500, 200, 1, 1, 2000)
    2000
    """
    per_trial = n_points * (2 * n + 4 * d) + n_lams * d + 3 * n + 2 * d
    return int(max(1, min(n_trials, _BLOCK_ELEMS // max(per_trial, 1))))


def ridge_sd_monte_carlo(X, theta_star, noise, lam, xi, n_trials, seed, *, noise_dist="gaussian",
                         weights="parameter", teacher_lam=None, batch_size=None, devices=None,
                         return_trials=False, progress=False):
    r"""Monte Carlo risk of the one-step self-distillation student, fitted by real solves.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Fixed design (``d > n`` allowed).
    theta_star : array_like, shape (d,)
        True parameter.
    noise : float
        Label-noise variance ``γ² ≥ 0``.
    lam : array_like
        Student ridge penalty ``λ > 0`` (also the teacher's unless ``teacher_lam``).
    xi : array_like
        Distillation weight ``ξ ∈ ℝ``. ``lam`` and ``xi`` broadcast to the grid shape
        ``np.broadcast(lam, xi).shape``.
    n_trials : int
        Number of independent label draws (``>= 2``).
    seed : int or jax.random key
        Trial ``i`` uses key ``jax.random.split(key(seed), n_trials)[i]``: the same seed gives
        identical numbers, on any number of devices (see ``batch_size``).
    noise_dist : {"gaussian", "rademacher", "uniform", "laplace"}
        Law of the i.i.d. label noise, each scaled to mean 0 and variance ``noise``.
    weights : {"parameter", "prediction"} or array_like (d, d)
        Risk ``‖θ̂ − θ*‖²_W``: ``W = I``, ``W = XᵀX/n`` or a PSD matrix.
    teacher_lam : array_like, optional
        Teacher penalty ``λ_t > 0`` (broadcasts to the grid); default ``λ``.
    batch_size : int, optional
        Trials per device per step (bounds memory). Default: from the problem size, about
        128 MiB of working memory per block. Results depend on it only in the last bits
        (XLA rounds batched products by shape); for a fixed ``batch_size`` they are identical
        for every device count.
    devices : None, "all" or list of jax.Device
        ``None``: the default device. Otherwise the trials are sharded over these devices
        (see :mod:`sdtheory.simulate._sharding`, also for multi-host use).
    return_trials : bool
        Also return the per-trial losses, shape ``(n_trials,) + grid shape``.
    progress : bool
        Show a progress bar over the trials on stderr (tqdm). Does not change the numbers.

    Returns
    -------
    MCResult or (MCResult, numpy.ndarray)
        ``mean`` and ``se`` (float, or arrays of the grid shape) and ``n = n_trials``. All
        grid points share the same noise draws in each trial (common random numbers), so
        differences between grid points are estimated precisely.

    Notes
    -----
    In each trial, with ``η`` i.i.d., ``E η = 0``, ``Var η = γ²``:

    .. math::
        y &= Xθ^* + η,\qquad (XᵀX + λ_t I)\,θ_T = Xᵀy, \\
        (XᵀX + λI)\,θ_S &= Xᵀ[ξXθ_T + (1 − ξ)y],\qquad
        L = (θ_S − θ^*)ᵀW(θ_S − θ^*),

    the student being the minimizer of ``ξ‖Xθ_T − Xθ‖² + (1−ξ)‖y − Xθ‖² + λ‖θ‖²`` (ridge on
    the mixed target, strictly convex for every real ``ξ``). ``XᵀX + λI`` is factored once per
    distinct ``λ`` (Cholesky, float64); every trial then does triangular solves, batched over
    trials with ``jax.vmap`` and compiled once per shape. ``mean ± se`` estimates
    ``E L``, the quantity :func:`sdtheory.sd_risk` predicts.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.eye(3) * np.array([2.0, 1.0, 0.5])
    >>> res = ridge_sd_monte_carlo(X, np.ones(3), 1.0, 0.5, [0.0, 2.0], 200, seed=0)
    >>> res.mean.shape, res.n
    ((2,), 200)
    >>> bool(np.all(res.se > 0))
    True
    """
    X, theta, noise, lam_b, xi_b, lam_t, shape, n_trials, kind, W, batch_size = _validate(
        X, theta_star, noise, lam, xi, n_trials, noise_dist, weights, teacher_lam, batch_size
    )
    seed = _check_seed(seed)
    devs = resolve_devices(devices)
    n, d = X.shape
    lam_flat, xi_flat, lam_t_flat = lam_b.ravel(), xi_b.ravel(), lam_t.ravel()
    uniq, inv = np.unique(np.concatenate([lam_flat, lam_t_flat]), return_inverse=True)
    P = lam_flat.size
    s_idx, t_idx = inv[:P].astype(np.int32), inv[P:].astype(np.int32)
    if batch_size is None:
        batch_size = default_batch_size(n, d, P, uniq.size, n_trials)
    fn = _trial_fn(noise_dist, kind)
    with x64():
        key = as_key(seed)
        keys = jax.random.split(key, n_trials)
        Xj = jnp.asarray(X, dtype=jnp.float64)
        G = Xj.T @ Xj
        eye = jnp.eye(d, dtype=jnp.float64)
        chol = jnp.stack([jnp.linalg.cholesky(G + float(l) * eye) for l in uniq])
        if not bool(jnp.all(jnp.isfinite(chol))):
            raise ValueError("Cholesky of XᵀX + λI failed (λ too small for this design?)")
        theta_j = jnp.asarray(theta, dtype=jnp.float64)
        Wj = jnp.asarray(W if W is not None else np.zeros((1, 1)), dtype=jnp.float64)
        operands = (
            Xj, Xj @ theta_j, theta_j, chol, jnp.asarray(s_idx), jnp.asarray(t_idx),
            jnp.asarray(xi_flat, dtype=jnp.float64), Wj, jnp.asarray(math.sqrt(noise), jnp.float64),
        )
        runner = TrialRunner(fn, devices=devs, batch_size=batch_size)
        acc = _Moments()
        kept = []
        bar = tqdm(total=n_trials, desc="ridge SD Monte Carlo", unit="trial", disable=not progress,
                   file=sys.stderr, leave=False)
        for _, v in runner.blocks(keys, *operands):
            acc.add(v)
            bar.update(len(v))
            if return_trials:
                kept.append(v)
        bar.close()
    res = acc.result()
    mean = np.asarray(res.mean).reshape(shape)
    se = np.asarray(res.se).reshape(shape)
    out = MCResult(float(mean) if mean.ndim == 0 else mean, float(se) if se.ndim == 0 else se,
                   res.n)
    if return_trials:
        return out, np.concatenate(kept, axis=0).reshape((n_trials,) + shape)
    return out


def ridge_sd_noise(n, noise, n_trials, seed, *, noise_dist="gaussian"):
    r"""The label-noise draws ``η`` that :func:`ridge_sd_monte_carlo` uses, shape ``(n_trials, n)``.

    For a reference implementation (e.g. a NumPy loop in a benchmark or a test) to reuse
    exactly the same noise.

    Parameters
    ----------
    n : int
        Number of samples (rows of ``X``).
    noise : float
        Variance ``γ²``.
    n_trials : int
    seed : int or jax.random key
    noise_dist : str
        One of :data:`NOISE_DISTS`.

    Returns
    -------
    numpy.ndarray, float64, shape (n_trials, n)

    Notes
    -----
    Row ``i`` is ``γ · z(k_i)`` with ``k_i = split(key(seed), n_trials)[i]`` and ``z`` the
    standardized law (mean 0, variance 1).

    Examples
    --------
    >>> eta = ridge_sd_noise(4, 2.0, 3, seed=0, noise_dist="rademacher")
    >>> bool(np.allclose(np.abs(eta), np.sqrt(2.0)))  # ±√2
    True
    """
    n = check_int(n, "n", minimum=1)
    noise = check_nonneg(noise, "noise")
    if noise.ndim != 0:
        raise ValueError(f"noise must be a scalar variance, got shape {noise.shape}")
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    check_choice(noise_dist, "noise_dist", set(NOISE_DISTS))
    seed = _check_seed(seed)
    with x64():
        keys = jax.random.split(as_key(seed), n_trials)
        draw = jax.jit(jax.vmap(_noise_fn(noise_dist), in_axes=(0, None, None)))
        out = draw(keys, jnp.asarray(math.sqrt(float(noise)), jnp.float64),
                   jnp.zeros(n, jnp.float64))
        return np.asarray(out)
