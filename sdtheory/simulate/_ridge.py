r"""Monte Carlo of one-step ridge self-distillation in a fixed design (JAX, float64).

Labels ``y = Xθ* + η`` are drawn again in every trial; teacher and student are fitted by
actual Cholesky solves on ``X`` (never by a spectral filter formula), and the weighted error
``‖θ̂_S − θ*‖²_W`` is averaged over trials. The problem comes as a
:class:`~sdtheory.LinearProblem`, the same object the theory takes, so both report the same
quantity. This module does not import the theory it is used to check; tests and
``sdtheory check`` compare the two.
"""

from __future__ import annotations

import functools
import math
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import cho_solve
from tqdm.std import tqdm

from .._validate import check_finite, check_int, check_positive, check_scalar
from ..problem import LinearProblem
from ._common import (
    NOISE_DISTS,
    MCResult,
    as_key,
    check_n_trials,
    check_noise_dist,
    check_seed,
    standard_noise,
    x64,
)
from ._sharding import TrialRunner, _Moments, resolve_devices

__all__ = ["ridge_sd_monte_carlo", "ridge_sd_noise", "NOISE_DISTS"]

# elements of float64 working memory per block (≈ 128 MiB) used to pick the default batch size
_BLOCK_ELEMS = 1 << 24


@functools.cache
def _trial_fn(noise_dist: str, weight_kind: str):
    """The per-trial function for one noise law and risk weighting (cached: one object each)."""

    def one_trial(key, X, Xtheta, theta, chol, s_idx, t_idx, xi, W, scale):
        n = X.shape[0]
        y = Xtheta + scale * standard_noise(noise_dist, key, (n,))
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


@functools.cache
def _noise_fn(noise_dist: str):
    def draw(key, scale, zeros_n):
        return scale * standard_noise(noise_dist, key, (zeros_n.shape[0],))

    return draw


def check_linear_problem(problem, name: str = "problem"):
    """``(X, θ*, σ², weight kind, W or None)`` of a :class:`~sdtheory.LinearProblem`.

    The kind is ``"parameter"``, ``"prediction"`` or ``"matrix"``; anything but a
    ``LinearProblem`` raises a ``TypeError`` naming ``name``.
    """
    if not isinstance(problem, LinearProblem):
        raise TypeError(
            f"{name} must be a sdtheory.LinearProblem (X, theta_star, noise, weights), got "
            f"{type(problem).__name__}"
        )
    if isinstance(problem.weights, str):
        kind, W = problem.weights, None
    else:
        kind, W = "matrix", np.asarray(problem.weights)
    return problem.X, problem.theta_star, float(problem.noise), kind, W


def _check_batch_size(batch_size):
    if batch_size is None:
        return None
    return check_int(batch_size, "batch_size", minimum=1)


def real_array(x, name: str, *, positive: bool = False, allow_empty: bool = False):
    """A float64 array of finite reals (``> 0`` with ``positive``); errors state the range."""
    rng = "(0, inf)" if positive else "(-inf, inf)"
    try:
        if positive:
            return check_positive(x, name)
        return check_finite(x, name, allow_empty=allow_empty)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (valid range: real numbers in {rng})") from None


def real_scalar(x, name: str, *, low: float = 0.0, low_open: bool = False) -> float:
    """A finite real scalar in ``[low, inf)`` (open at ``low`` with ``low_open``).

    Errors name ``name`` and state the range.
    """
    rng = f"{'(' if low_open else '['}{low:g}, inf)"
    try:
        return check_scalar(x, name, low=low, low_open=low_open)
    except (TypeError, ValueError) as exc:
        if rng in str(exc):
            raise
        raise type(exc)(f"{exc} (valid range: a real number in {rng})") from None


def _validate(lam, xi, teacher_lam):
    lam = real_array(lam, "lam", positive=True)
    xi = real_array(xi, "xi")
    lam_t = lam if teacher_lam is None else real_array(teacher_lam, "teacher_lam", positive=True)
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
    lam_b, xi_b = np.broadcast_arrays(lam, xi)
    return lam_b, xi_b, np.asarray(lam_t), shape


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


def ridge_sd_monte_carlo(
    problem,
    *,
    lam,
    xi,
    n_trials=2000,
    seed=0,
    noise_dist="gaussian",
    teacher_lam=None,
    batch_size=None,
    devices=None,
    return_trials=False,
    progress=False,
):
    r"""Monte Carlo fixed-design risk of the one-step self-distillation student (real solves).

    Parameters
    ----------
    problem : sdtheory.LinearProblem
        The fixed design ``X`` (``d > n`` allowed), true coefficients ``θ*``, label-noise
        variance ``σ²`` and the risk weights ``W`` (``problem.weights``: ``"parameter"`` is
        ``W = I``, ``"prediction"`` is ``W = XᵀX/n``, or a PSD matrix) — the same object the
        theory (:func:`sdtheory.sd_risk`) takes.
    lam : float or array_like
        Student ridge penalty ``λ > 0`` on the summed loss ``‖y − Xθ‖² + λ‖θ‖²`` (also the
        teacher's unless ``teacher_lam``).
    xi : float or array_like
        Weight ``ξ ∈ ℝ`` on the teacher. ``lam`` and ``xi`` broadcast to the grid shape
        ``np.broadcast(lam, xi).shape``.
    n_trials : int
        Number of independent label draws, an int ``>= 2``.
    seed : int or jax.random key
        An int ``>= 0`` or a key. Trial ``i`` uses key ``jax.random.split(key(seed), n_trials)[i]``:
        the same seed gives identical numbers, on any number of devices (see ``batch_size``).
    noise_dist : {"gaussian", "rademacher", "uniform", "laplace"}
        Law of the i.i.d. label noise, each scaled to mean 0 and variance ``σ²``.
    teacher_lam : float or array_like, optional
        Teacher penalty ``λ_t > 0`` (broadcasts to the grid); default ``λ``.
    batch_size : int, optional
        Trials per device per step (``>= 1``; bounds memory). Default: from the problem size,
        about 128 MiB of working memory per block. Results depend on it only in the last bits
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
        The **fixed-design risk** ``E‖θ̂_S − θ*‖²_W`` over the label noise (``X`` fixed, no
        ``+σ²``): ``mean`` and ``se`` (float, or arrays of the grid shape) and
        ``n = n_trials``. All grid points share the same noise draws in each trial (common
        random numbers), so differences between grid points are estimated precisely.

    Notes
    -----
    In each trial, with ``η`` i.i.d., ``E η = 0``, ``Var η = σ²``:

    .. math::
        y &= Xθ^* + η,\qquad (XᵀX + λ_t I)\,θ_T = Xᵀy, \\
        (XᵀX + λI)\,θ_S &= Xᵀ[ξXθ_T + (1 − ξ)y],\qquad
        L = (θ_S − θ^*)ᵀW(θ_S − θ^*),

    the student being the minimizer of ``ξ‖Xθ_T − Xθ‖² + (1−ξ)‖y − Xθ‖² + λ‖θ‖²`` (ridge on
    the mixed target, strictly convex for every real ``ξ``). ``XᵀX + λI`` is factored once per
    distinct ``λ`` (Cholesky, float64); every trial then does triangular solves, batched over
    trials with ``jax.vmap`` and compiled once per shape. ``mean ± se`` estimates
    ``E L``, the quantity :func:`sdtheory.sd_risk` predicts for the same problem.

    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import LinearProblem
    >>> prob = LinearProblem(np.diag([2.0, 1.0, 0.5]), np.ones(3), noise=1.0)
    >>> res = ridge_sd_monte_carlo(prob, lam=0.5, xi=[0.0, 2.0], n_trials=200, seed=0)
    >>> res.mean.shape, res.n
    ((2,), 200)
    >>> bool(np.all(res.se > 0))
    True
    """
    X, theta, noise, kind, W = check_linear_problem(problem)
    lam_b, xi_b, lam_t, shape = _validate(lam, xi, teacher_lam)
    n_trials = check_n_trials(n_trials)
    seed = check_seed(seed)
    noise_dist = check_noise_dist(noise_dist)
    batch_size = _check_batch_size(batch_size)
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
            raise ValueError("lam: the Cholesky factor of XᵀX + λI failed; use a larger lam > 0")
        theta_j = jnp.asarray(theta, dtype=jnp.float64)
        Wj = jnp.asarray(W if W is not None else np.zeros((1, 1)), dtype=jnp.float64)
        operands = (
            Xj,
            Xj @ theta_j,
            theta_j,
            chol,
            jnp.asarray(s_idx),
            jnp.asarray(t_idx),
            jnp.asarray(xi_flat, dtype=jnp.float64),
            Wj,
            jnp.asarray(math.sqrt(noise), jnp.float64),
        )
        runner = TrialRunner(fn, devices=devs, batch_size=batch_size)
        acc = _Moments()
        kept = []
        bar = tqdm(
            total=n_trials,
            desc="ridge SD Monte Carlo",
            unit="trial",
            disable=not progress,
            file=sys.stderr,
            leave=False,
        )
        for _, v in runner.blocks(keys, *operands):
            acc.add(v)
            bar.update(len(v))
            if return_trials:
                kept.append(v)
        bar.close()
    res = acc.result()
    mean = np.asarray(res.mean).reshape(shape)
    se = np.asarray(res.se).reshape(shape)
    out = MCResult(
        float(mean) if mean.ndim == 0 else mean, float(se) if se.ndim == 0 else se, res.n
    )
    if return_trials:
        return out, np.concatenate(kept, axis=0).reshape((n_trials,) + shape)
    return out


def ridge_sd_noise(n, *, noise, n_trials, seed=0, noise_dist="gaussian"):
    r"""The label-noise draws ``η`` that the fixed-design simulators use, shape ``(n_trials, n)``.

    For a reference implementation (e.g. a NumPy loop in a benchmark or a test) to reuse
    exactly the same noise as :func:`ridge_sd_monte_carlo` with the same ``seed``.

    Parameters
    ----------
    n : int
        Number of samples (rows of ``X``), an int ``>= 1``.
    noise : float
        Label-noise variance ``σ² >= 0``.
    n_trials : int
        Number of trials, an int ``>= 1``.
    seed : int or jax.random key
        An int ``>= 0`` or a key, as in :func:`ridge_sd_monte_carlo`.
    noise_dist : str
        One of :data:`NOISE_DISTS`.

    Returns
    -------
    numpy.ndarray, float64, shape (n_trials, n)

    Notes
    -----
    Row ``i`` is ``σ · z(k_i)`` with ``k_i = split(key(seed), n_trials)[i]`` and ``z`` the
    standardized law (mean 0, variance 1).

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import numpy as np
    >>> eta = ridge_sd_noise(4, noise=2.0, n_trials=3, seed=0, noise_dist="rademacher")
    >>> bool(np.allclose(np.abs(eta), np.sqrt(2.0)))  # ±√2
    True
    """
    n = check_int(n, "n", minimum=1)
    noise = real_scalar(noise, "noise", low=0.0)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    noise_dist = check_noise_dist(noise_dist)
    seed = check_seed(seed)
    with x64():
        keys = jax.random.split(as_key(seed), n_trials)
        draw = jax.jit(jax.vmap(_noise_fn(noise_dist), in_axes=(0, None, None)))
        out = draw(
            keys, jnp.asarray(math.sqrt(float(noise)), jnp.float64), jnp.zeros(n, jnp.float64)
        )
        return np.asarray(out)
