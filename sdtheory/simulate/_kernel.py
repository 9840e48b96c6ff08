r"""Monte Carlo over label noise for multi-step self-distillation (linear and kernel ridge).

Every fit is a real Cholesky solve with ``XᵀX + λI`` (linear) or ``K + λI`` (kernel), iterated
literally: the teacher (step 0) fits the noisy labels ``y``; step ``k ≥ 1`` fits the mixed
target ``ξ_k ŷ_{k−1} + (1 − ξ_k) y``, with ``ξ_k`` the weight on the previous model. The problem
comes as a :class:`~sdtheory.LinearProblem` or :class:`~sdtheory.KernelProblem`, the same
object the theory takes. Nothing here uses spectral filters or imports the theory it is
compared with.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import cho_solve

from .._validate import check_int
from ..problem import KernelProblem
from ._common import (
    MCResult,
    as_key,
    check_n_trials,
    check_noise_dist,
    check_seed,
    standard_noise,
    x64,
)
from ._ridge import check_linear_problem, real_array, real_scalar
from ._sharding import TrialRunner, _Moments, resolve_devices

__all__ = ["simulate_multistep", "simulate_kernel_sd"]

# elements of float64 working memory per block (≈ 128 MiB) used to pick the default batch size
_BLOCK_ELEMS = 1 << 24


def _check_schedule(lam, xis, n_trials, seed, noise_dist, batch_size):
    lam = real_scalar(lam, "lam", low=0.0, low_open=True)
    xis = real_array(xis, "xis", allow_empty=True)
    if xis.ndim > 1:
        raise ValueError(f"xis must be a 1-D schedule (one ξ per step), got shape {xis.shape}")
    xis = np.atleast_1d(xis)
    n_trials = check_n_trials(n_trials)
    seed = check_seed(seed)
    noise_dist = check_noise_dist(noise_dist)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1)
    return lam, xis, n_trials, seed, noise_dist, batch_size


def _cholesky(A, what: str):
    """Lower Cholesky factor of ``A`` (NumPy: on the host, no JAX program to compile)."""
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        L = None
    if L is None or not np.isfinite(L).all():
        raise ValueError(f"lam: the Cholesky factor of {what} failed; use a larger lam > 0")
    return L


def _run(fn, operands, *, seed, n_trials, batch_size, devices) -> MCResult:
    runner = TrialRunner(fn, devices=devices, batch_size=batch_size)
    acc = _Moments()
    keys = jax.random.split(as_key(seed), n_trials)
    for _, v in runner.blocks(keys, *operands):
        acc.add(v)
    res = acc.result()
    return MCResult(np.atleast_1d(res.mean), np.atleast_1d(res.se), res.n)


@functools.cache
def _linear_trial(noise_dist: str, weight_kind: str):
    def one_trial(key, X, Xtheta, theta, chol, xis, W, scale):
        n = X.shape[0]
        y = Xtheta + scale * standard_noise(noise_dist, key, (n,))
        th0 = cho_solve((chol, True), X.T @ y)

        def step(th, xi):
            th = cho_solve((chol, True), X.T @ (xi * (X @ th) + (1.0 - xi) * y))
            return th, th

        _, ths = jax.lax.scan(step, th0, xis)
        err = jnp.concatenate([th0[None], ths], axis=0) - theta[None, :]  # (k + 1, d)
        if weight_kind == "parameter":
            return jnp.sum(err * err, axis=-1)
        if weight_kind == "prediction":
            pred = err @ X.T
            return jnp.sum(pred * pred, axis=-1) / n
        return jnp.einsum("kd,de,ke->k", err, W, err)

    one_trial.__qualname__ = f"multistep_trial[{noise_dist},{weight_kind}]"
    return one_trial


def simulate_multistep(
    problem,
    *,
    lam,
    xis,
    n_trials=2000,
    seed=0,
    noise_dist="gaussian",
    batch_size=None,
    devices=None,
) -> MCResult:
    r"""Monte Carlo fixed-design risk of multi-step linear-ridge self-distillation, per step.

    Parameters
    ----------
    problem : sdtheory.LinearProblem
        Design ``X``, true coefficients ``θ*``, label-noise variance ``σ²`` and risk weights
        ``W`` (``"parameter"``, ``"prediction"`` = ``XᵀX/n``, or a PSD matrix) — the same
        object :func:`sdtheory.multistep_risk` takes.
    lam : float
        Ridge penalty ``λ > 0`` on the summed loss ``‖y − Xθ‖² + λ‖θ‖²`` (every step).
    xis : array_like, shape (k,)
        The schedule: ``xis[k−1]`` is the weight ``ξ_k ∈ ℝ`` on the previous model at
        distillation step ``k`` (steps counted after the teacher). Empty: the teacher only.
    n_trials : int
        Number of independent label draws, an int ``>= 2``.
    seed : int or jax.random key
        An int ``>= 0`` or a key; trial ``i`` uses ``jax.random.split(key(seed), n_trials)[i]``.
    noise_dist : {"gaussian", "rademacher", "uniform", "laplace"}
        Law of the label noise, scaled to mean 0 and variance ``σ²``.
    batch_size : int, optional
        Trials per device per step (``>= 1``). Default: about 128 MiB of working memory per
        block, from the problem size and ``n_trials`` only.
    devices : None, "all" or list of jax.Device
        Shard the trials over these devices (bitwise the same numbers at a fixed ``batch_size``).

    Returns
    -------
    MCResult
        The **fixed-design risk** ``E‖θ̂_k − θ*‖²_W`` (``X`` fixed, no ``+σ²``): ``mean`` and
        ``se`` of shape ``(len(xis) + 1,)``; index 0 is the teacher, index ``k`` the student
        after ``k`` distillation steps.

    Notes
    -----
    With ``A = XᵀX + λI`` (one Cholesky factor for every step and trial)

    .. math::
        Aθ_0 = Xᵀy,\qquad Aθ_k = Xᵀ[ξ_k Xθ_{k−1} + (1 − ξ_k)y],\quad k = 1..K.

    See the theory page :doc:`/theory/iterated`.

    References
    ----------
    D. Pareek, S. S. Du and S. Oh, "Understanding the Gains from Repeated Self-Distillation",
    NeurIPS 2024, arXiv:2407.04600.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import LinearProblem
    >>> prob = LinearProblem(np.eye(4)[:, :3], [1.0, 0.0, 0.5], noise=0.5)
    >>> res = simulate_multistep(prob, lam=1.0, xis=[2.0], n_trials=64, seed=1)
    >>> res.mean.shape
    (2,)
    """
    X, theta, noise, kind, W = check_linear_problem(problem)
    lam, xis, n_trials, seed, noise_dist, batch_size = _check_schedule(
        lam, xis, n_trials, seed, noise_dist, batch_size
    )
    devs = resolve_devices(devices)
    n, d = X.shape
    if batch_size is None:
        per_trial = (xis.size + 1) * (d + n) + 3 * n + 2 * d
        batch_size = int(max(1, min(n_trials, _BLOCK_ELEMS // per_trial)))
    X = np.asarray(X, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    chol = _cholesky(X.T @ X + lam * np.eye(d), "XᵀX + λI")
    with x64():
        operands = tuple(
            jnp.asarray(a, dtype=jnp.float64)
            for a in (
                X,
                X @ theta,
                theta,
                chol,
                xis,
                W if W is not None else np.zeros((1, 1)),
                math.sqrt(noise),
            )
        )
        return _run(
            _linear_trial(noise_dist, kind),
            operands,
            seed=seed,
            n_trials=n_trials,
            batch_size=batch_size,
            devices=devs,
        )


@functools.cache
def _kernel_trial(noise_dist: str):
    def one_trial(key, K, y_star, chol, xis, scale):
        N = K.shape[0]
        y = y_star + scale * standard_noise(noise_dist, key, (N,))
        f0 = K @ cho_solve((chol, True), y)

        def step(f, xi):
            f = K @ cho_solve((chol, True), xi * f + (1.0 - xi) * y)
            return f, f

        _, fs = jax.lax.scan(step, f0, xis)
        err = jnp.concatenate([f0[None], fs], axis=0) - y_star[None, :]  # (k + 1, N)
        return jnp.mean(err * err, axis=-1)

    one_trial.__qualname__ = f"kernel_sd_trial[{noise_dist}]"
    return one_trial


def simulate_kernel_sd(
    problem,
    *,
    lam,
    xis,
    n_trials=2000,
    seed=0,
    noise_dist="gaussian",
    batch_size=None,
    devices=None,
) -> MCResult:
    r"""Monte Carlo in-sample risk of multi-step kernel self-distillation, per step.

    Parameters
    ----------
    problem : sdtheory.KernelProblem
        Gram matrix ``K``, clean targets ``y*`` and label-noise variance ``σ²``; labels are
        ``y = y* + η`` — the same object the theory takes.
    lam : float
        Ridge penalty ``λ > 0`` on the unscaled ``K`` (``ŷ = K(K + λI)⁻¹ target``).
    xis : array_like, shape (k,)
        The schedule: ``xis[k−1]`` is the weight ``ξ_k ∈ ℝ`` on the previous fit at
        distillation step ``k`` (steps counted after the teacher). Empty: the teacher only.
    n_trials : int
        Number of independent label draws, an int ``>= 2``.
    seed : int or jax.random key
        An int ``>= 0`` or a key; trial ``i`` uses ``jax.random.split(key(seed), n_trials)[i]``.
    noise_dist : {"gaussian", "rademacher", "uniform", "laplace"}
        Law of the label noise, scaled to mean 0 and variance ``σ²``.
    batch_size : int, optional
        Trials per device per step (``>= 1``). Default: about 128 MiB of working memory per
        block, from the problem size and ``n_trials`` only.
    devices : None, "all" or list of jax.Device
        Shard the trials over these devices (bitwise the same numbers at a fixed ``batch_size``).

    Returns
    -------
    MCResult
        The in-sample prediction risk ``(1/N) E‖ŷ_k − y*‖²`` (no ``+σ²``): ``mean`` and ``se``
        of shape ``(len(xis) + 1,)``; index 0 is the teacher, index ``k`` the student after
        ``k`` distillation steps.

    Notes
    -----
    With the Cholesky factor of ``K + λI`` (one for every step and trial)

    .. math::
        ŷ_0 = K(K + λI)^{-1}y,\qquad ŷ_k = K(K + λI)^{-1}[ξ_k ŷ_{k−1} + (1 − ξ_k)y].

    See the theory page :doc:`/theory/iterated`.

    References
    ----------
    H. Mobahi, M. Farajtabar and P. Bartlett, "Self-Distillation Amplifies Regularization in
    Hilbert Space", NeurIPS 2020, arXiv:2002.05715.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import KernelProblem
    >>> x = np.linspace(0, 1, 5)
    >>> K = np.exp(-80 * (x[:, None] - x[None, :]) ** 2)
    >>> prob = KernelProblem(K, np.sin(2 * np.pi * x), noise=0.25)
    >>> res = simulate_kernel_sd(prob, lam=0.2, xis=[1.0, 1.0], n_trials=64)
    >>> res.mean.shape, res.n
    ((3,), 64)
    """
    if not isinstance(problem, KernelProblem):
        raise TypeError(
            f"problem must be a sdtheory.KernelProblem (K, y_star, noise), got "
            f"{type(problem).__name__}"
        )
    lam, xis, n_trials, seed, noise_dist, batch_size = _check_schedule(
        lam, xis, n_trials, seed, noise_dist, batch_size
    )
    devs = resolve_devices(devices)
    N = problem.n
    if batch_size is None:
        per_trial = (xis.size + 4) * N
        batch_size = int(max(1, min(n_trials, _BLOCK_ELEMS // per_trial)))
    K = np.asarray(problem.K, dtype=np.float64)
    chol = _cholesky(K + lam * np.eye(N), "K + λI")
    with x64():
        operands = tuple(
            jnp.asarray(a, dtype=jnp.float64)
            for a in (K, problem.y_star, chol, xis, math.sqrt(float(problem.noise)))
        )
        return _run(
            _kernel_trial(noise_dist),
            operands,
            seed=seed,
            n_trials=n_trials,
            batch_size=batch_size,
            devices=devs,
        )
