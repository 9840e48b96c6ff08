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
    x64,
)
from ._ridge_block import block_noise, block_sizes, prepare, run_blocks
from ._sharding import _Moments, resolve_devices

__all__ = ["ridge_sd_monte_carlo", "ridge_sd_noise", "NOISE_DISTS"]

#: trial indices are folded into the key as uint32
MAX_TRIALS = 2**32


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
        Number of independent label draws, an int in ``[2, 2**32]``. Changing it compiles
        nothing new (nor does changing the grid).
    seed : int or jax.random key
        An int ``>= 0`` or a key. Trial ``i`` uses the key ``jax.random.fold_in(key(seed), i)``,
        whatever ``n_trials`` is (the first ``m`` trials of a longer run are those of a run with
        ``n_trials = m``): the same seed gives identical numbers, on any number of devices (see
        ``batch_size``).
    noise_dist : {"gaussian", "rademacher", "uniform", "laplace"}
        Law of the i.i.d. label noise, each scaled to mean 0 and variance ``σ²``.
    teacher_lam : float or array_like, optional
        Teacher penalty ``λ_t > 0`` (broadcasts to the grid); default ``λ``.
    batch_size : int, optional
        Trials per block ``T`` (``>= 1``; bounds memory): the trials run in blocks of ``T``,
        then of ``max(1, T // 8)`` for the remainder. Default: 256, or the largest power of two
        whose block stays below about 128 MiB. Results depend on it only in the last bits
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
    the mixed target, strictly convex for every real ``ξ``). ``mean ± se`` estimates ``E L``,
    the quantity :func:`sdtheory.sd_risk` predicts for the same problem.

    *Algorithm.* On the host, once per call and distinct ``λ``: ``M_λ = (XᵀX + λI)⁻¹`` from
    its Cholesky factor (float64; positive definite for ``λ > 0`` also when ``d > n``). A block
    of ``T`` trials draws its noise as one ``T × n`` matrix ``E`` of standardized draws (row
    ``i`` from the key of trial ``i``) and does only matrix products: ``B = XᵀY = XᵀXθ* +
    σXᵀEᵀ`` (one product), and per distinct pair ``(λ, λ_t)`` the teachers
    ``Θ_T = M_{λ_t}B`` and ``C = M_λΘ_T``. Because
    ``Xᵀ[ξXΘ_T + (1 − ξ)Y] = (XᵀX + λI)Θ_T + μΘ_T`` with ``μ = (1 − ξ)λ_t − λ``, the
    student is exactly ``Θ_S = Θ_T + μC`` and its loss is ``a + 2μb + μ²c`` with
    ``a = ‖Θ_T − θ*‖²_W``, ``b = ⟨Θ_T − θ*, C⟩_W``, ``c = ‖C‖²_W`` per trial: every ``ξ`` of
    the grid comes from these three numbers. That is ``2ndT`` flops per block and ``4d²T`` per
    distinct penalty pair (plus ``4d²T`` or ``4ndT`` for weights other than ``"parameter"``),
    whatever the number of ``ξ`` values. The programs are compiled once per problem structure
    (``n, d``, weight kind, noise law, devices, block size); ``λ``, ``ξ``, the grid's size and
    shape, ``σ²``, ``θ*``, ``X``, the seed and ``n_trials`` are run-time values, so changing
    them compiles nothing. On the default device the compiled programs are also stored next
    to the persistent compilation cache, so a new process loads them without tracing or
    compiling (see ``sdtheory.simulate._ridge_block`` and ``_aot``). Trials beyond
    ``n_trials`` in the last block (fewer than ``T // 8``) are computed and dropped.

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
    if n_trials > MAX_TRIALS:
        raise ValueError(f"n_trials must be an int in [2, 2**32], got {n_trials}")
    seed = check_seed(seed)
    noise_dist = check_noise_dist(noise_dist)
    batch_size = _check_batch_size(batch_size)
    devs = resolve_devices(devices)
    n, d = X.shape
    lam_flat, xi_flat, lam_t_flat = lam_b.ravel(), xi_b.ravel(), lam_t.ravel()
    uniq, inv = np.unique(np.concatenate([lam_flat, lam_t_flat]), return_inverse=True)
    P = lam_flat.size
    # distinct (student, teacher) penalty pairs; grid point p uses pair q_idx[p]
    pairs, q_idx = np.unique(np.stack([inv[:P], inv[P:]], axis=1), axis=0, return_inverse=True)
    q_idx = q_idx.ravel()
    mu = (1.0 - xi_flat) * lam_t_flat - lam_flat  # Θ_S = Θ_T + μC
    T, Ts = block_sizes(n, d, batch_size)
    with x64():
        Xj = np.asarray(X, dtype=np.float64)
        theta_j = np.asarray(theta, dtype=np.float64)
        gtheta, inverses, wkind, F = prepare(Xj, theta_j, uniq, kind, W)
        acc = _Moments()
        kept = []
        bar = None  # tqdm(disable=True) still creates a multiprocessing lock (~5 ms)
        if progress:
            bar = tqdm(
                total=n_trials,
                desc="ridge SD Monte Carlo",
                unit="trial",
                file=sys.stderr,
                leave=False,
            )
        blocks = run_blocks(
            seed,
            Xj,
            gtheta,
            math.sqrt(noise),
            inverses,
            [tuple(int(i) for i in q) for q in pairs],
            theta_j,
            F,
            n_trials=n_trials,
            noise_dist=noise_dist,
            wkind=wkind,
            T=T,
            Ts=Ts,
            devices=devs,
        )
        for _, stats in blocks:
            a, b, c = (stats[:, q_idx, j] for j in range(3))  # (trials, P) each
            v = a + mu * (2.0 * b + mu * c)  # ‖e + μC‖²_W
            acc.add(v)
            if bar is not None:
                bar.update(len(v))
            if return_trials:
                kept.append(v)
        if bar is not None:
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


@functools.cache
def _noise_program(noise_dist: str, n: int):
    def draw(key, idx, scale):
        keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(key, idx)
        return scale * block_noise(noise_dist, keys, n)

    return jax.jit(draw)


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
    Row ``i`` is ``σ · z(k_i)`` with ``k_i = fold_in(key(seed), i)`` and ``z`` the
    standardized law (mean 0, variance 1), so the first ``m`` rows do not depend on
    ``n_trials``.

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
        idx = jnp.arange(n_trials, dtype=jnp.uint32)
        out = _noise_program(noise_dist, n)(as_key(seed), idx, jnp.float64(math.sqrt(noise)))
        return np.asarray(out)
