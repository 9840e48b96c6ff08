r"""The compiled engine of :func:`~sdtheory.simulate.ridge_sd_monte_carlo` (JAX, float64).

Two jitted programs do all the work:

* ``prepare(X, θ*, λ_u)``: ``G = XᵀX``, one Cholesky factor of ``G + λI`` per distinct ``λ``,
  ``Gθ*`` and a finiteness flag (once per call);
* ``block(seed, start, …)``: ``T`` consecutive trials ``start, …, start + T − 1``. Trial ``i``
  draws its noise from ``fold_in(key(seed), i)`` (the trial index is traced, so nothing depends
  on ``n_trials``); the block's noise is one ``T × n`` matrix ``E``, and every step is BLAS-3:
  ``B = Xᵀ Y = Gθ* + σ XᵀEᵀ`` (one matmul), ``Θ_T = cho_solve(L_t, B)`` per distinct teacher
  ``λ_t``, the student right-hand side ``Xᵀ[ξXΘ_T + (1 − ξ)Y] = ξ GΘ_T + (1 − ξ) B`` (no
  ``n``-sized work) and ``Θ_S = cho_solve(L, ·)`` per grid point, each with ``d × T`` right-hand
  sides.

A program is compiled once per *problem structure*: ``(n, d)``, the weighting, the noise law,
the device set, the block size and the bucketed grid sizes. ``λ``, ``ξ``, ``σ``, the seed, the
trial indices and ``n_trials`` are traced arguments, so new values never recompile.

*Blocks.* The trials ``0 … n_trials − 1`` are cut into a canonical, device-independent list:
``⌊n_trials/T⌋`` main blocks of ``T`` trials, then tail blocks of ``T_s = max(1, T // 8)``
trials; only the last tail block computes trials beyond ``n_trials`` (fewer than ``T_s``, which
are dropped). With ``k`` devices, ``k`` blocks run at once (one per device; a short last step
repeats its last block on the idle devices). Each block is computed by the same program on the
same shape whatever ``k`` is, so the results do not depend on the device count.

*Grid buckets.* The number of grid points ``P`` and of distinct penalties are rounded up to the
next size in ``1, 2, 3, 4, 6, 8, 12, 16, 24, …`` (:func:`bucket`); padded points repeat a valid
one and are dropped, at most a third of the per-point work.
"""

from __future__ import annotations

import functools
from collections import deque

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.scipy.linalg import cho_solve
from jax.sharding import PartitionSpec as P

from ._common import standard_noise
from ._sharding import AXIS, fetch_global, put_global, trial_mesh

__all__ = ["bucket", "block_sizes", "block_schedule", "prepare", "run_blocks"]

#: elements of float64 working memory per block (≈ 128 MiB) that bound the default block size
BLOCK_ELEMS = 1 << 24
#: default trials per block (a power of two: BLAS-3 efficient, small tail waste)
DEFAULT_BLOCK = 256
#: tail blocks hold ``T // TAIL_DIV`` trials
TAIL_DIV = 8


def bucket(m: int) -> int:
    """The smallest size in ``1, 2, 3, 4, 6, 8, 12, 16, 24, …`` (``2^k``, ``3·2^k``) ``>= m``.

    Examples
    --------
    >>> [bucket(m) for m in (1, 2, 3, 4, 5, 7, 9, 13, 17, 25)]
    [1, 2, 3, 4, 6, 8, 12, 16, 24, 32]
    """
    m = max(int(m), 1)
    if m <= 4:
        return m
    p = 1 << (m - 1).bit_length()
    return 3 * p // 4 if 3 * p // 4 >= m else p


def block_sizes(n: int, d: int, n_points: int, n_teacher: int, batch_size=None):
    """Main and tail block sizes ``(T, T_s)``; never dependent on ``n_trials`` or devices.

    ``T = batch_size`` if given, else the largest power of two ``<= 256`` whose working set
    (at most ``n(1 + P) + d(2 + U_t + 4P)`` float64 per trial) stays below 128 MiB.

    Examples
    --------
    >>> block_sizes(300, 120, 1, 1)
    (256, 32)
    >>> block_sizes(300, 120, 1, 1, batch_size=7)
    (7, 1)
    """
    if batch_size is None:
        per_trial = n * (1 + n_points) + d * (2 + n_teacher + 4 * n_points)
        t = max(1, min(DEFAULT_BLOCK, BLOCK_ELEMS // per_trial))
        t = 1 << (t.bit_length() - 1)
    else:
        t = int(batch_size)
    return t, max(1, t // TAIL_DIV)


def block_schedule(n_trials: int, T: int, Ts: int):
    """``[(size, starts), …]``: ``⌊n_trials/T⌋`` main blocks, then tail blocks of ``Ts``.

    Examples
    --------
    >>> block_schedule(21, 8, 2)
    [(8, [0, 8]), (2, [16, 18, 20])]
    """
    m = n_trials // T
    out = []
    if m:
        out.append((T, [i * T for i in range(m)]))
    if m * T < n_trials:
        out.append((Ts, list(range(m * T, n_trials, Ts))))
    return out


@jax.jit
def _prepare(X, theta, lam_u):
    G = X.T @ X
    eye = jnp.eye(G.shape[0], dtype=G.dtype)
    chol = jax.vmap(lambda lam: jnp.linalg.cholesky(G + lam * eye))(lam_u)
    return chol, G @ theta, jnp.all(jnp.isfinite(chol))


def prepare(X, theta, lam_u):
    """``(chol, Gθ*, ok)``: Cholesky factors of ``G + λ_u I`` (``G = XᵀX``), ``Gθ*`` and
    whether every factor is finite. One compiled program per ``(n, d, len(lam_u))``."""
    return _prepare(X, theta, lam_u)


def block_noise(noise_dist: str, keys, n: int):
    """Row ``i`` is ``standard_noise(noise_dist, keys[i], (n,))`` (inside a program)."""
    return jax.vmap(lambda k: standard_noise(noise_dist, k, (n,)))(keys)


def _key(seed):
    """The root key inside the program: from an int64 seed, or a (typed or raw uint32) key."""
    if jnp.issubdtype(seed.dtype, jax.dtypes.prng_key) or seed.dtype == jnp.uint32:
        return seed
    return jax.random.key(seed)


@functools.cache
def _block_program(noise_dist: str, kind: str, T: int, ids, multi: bool):
    """The jitted block program for one structure (jit adds the array shapes to the key)."""

    def local(seed, starts, X, chol, gtheta, theta, W, tu_idx, s_idx, t_idx, xi, lam_t, scale):
        n = X.shape[0]
        key = _key(seed)
        idx = starts[0] + jnp.arange(T, dtype=jnp.uint32)
        keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(key, idx)
        E = block_noise(noise_dist, keys, n)  # (T, n)
        B = gtheta[:, None] + scale * lax.dot_general(X, E, (((0,), (1,)), ((), ())))  # (d, T)
        theta_t = jax.vmap(lambda L: cho_solve((L, True), B))(chol[tu_idx])  # (U_t, d, T)
        # Xᵀ[ξXΘ_T + (1 − ξ)Y] = ξ GΘ_T + (1 − ξ)B = B − ξλ_t Θ_T, as (G + λ_t I)Θ_T = B
        rhs = B[None] - (xi * lam_t)[:, None, None] * theta_t[t_idx]
        theta_s = jax.vmap(lambda L, b: cho_solve((L, True), b))(chol[s_idx], rhs)  # (P, d, T)
        err = theta_s - theta[None, :, None]
        if kind == "parameter":
            loss = jnp.sum(err * err, axis=1)
        elif kind == "prediction":
            pred = jnp.einsum("nd,pdt->pnt", X, err)
            loss = jnp.sum(pred * pred, axis=1) / n
        else:
            loss = jnp.sum(err * jnp.einsum("de,pet->pdt", W, err), axis=1)
        return loss.T  # (T, P)

    if ids is None:
        return jax.jit(local)
    mesh = trial_mesh(ids)
    rep = P()
    specs = (rep, P(AXIS)) + (rep,) * 11
    if not multi:
        return jax.jit(jax.shard_map(local, mesh=mesh, in_specs=specs, out_specs=P(AXIS)))

    def gathered(*args):  # every process receives every block
        return lax.all_gather(local(*args), AXIS, tiled=True)

    return jax.jit(
        jax.shard_map(gathered, mesh=mesh, in_specs=specs, out_specs=rep, check_vma=False)
    )


def run_blocks(
    seed, operands, *, n_trials, n_points, noise_dist, kind, T, Ts, devices, lookahead=2
):
    """Yield ``(start, losses)`` block by block in trial order (``losses``: (trials, P)).

    ``seed`` is an int, a raw uint32 key or a typed key; ``operands`` the tuple
    ``(X, chol, Gθ*, θ*, W, tu_idx, s_idx, t_idx, ξ, λ_t, σ)`` (NumPy or JAX arrays).
    Up to ``lookahead`` steps are dispatched before the oldest is fetched.
    """
    if isinstance(seed, int):
        seed = np.int64(seed)
    multi = jax.process_count() > 1
    ids = None if devices is None else tuple(d.id for d in devices)
    k = 1 if devices is None else len(devices)
    if ids is not None:
        mesh = trial_mesh(ids)
        seed, operands = (
            put_global(seed, mesh),
            [put_global(op, mesh) for op in operands],
        )
    pending: deque = deque()

    def finish():
        size, group, out = pending.popleft()
        out = fetch_global(out)
        for j, s in enumerate(group):
            yield s, out[j * size : j * size + min(size, n_trials - s), :n_points]

    for size, starts in block_schedule(n_trials, T, Ts):
        prog = _block_program(noise_dist, kind, size, ids, multi)
        for i in range(0, len(starts), k):
            group = starts[i : i + k]
            st = np.asarray(group + group[-1:] * (k - len(group)), dtype=np.uint32)
            if ids is not None:
                st = put_global(st, mesh, sharded=True)
            pending.append((size, group, prog(seed, st, *operands)))
            if len(pending) > lookahead:
                yield from finish()
    while pending:
        yield from finish()
