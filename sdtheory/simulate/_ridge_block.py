r"""The compiled engine of :func:`~sdtheory.simulate.ridge_sd_monte_carlo` (JAX, float64).

*Host work, once per call* (:func:`prepare`, NumPy): ``G = XᵀX``, ``Gθ*``, and for each distinct
penalty ``λ`` the inverse ``M_λ = (G + λI)⁻¹ = L⁻ᵀL⁻¹`` from its Cholesky factor ``L``, so that
every solve on the device is one matrix product (the same ``2d²`` flops per right-hand side as
two triangular solves; no LAPACK call is compiled into the programs, and none of their lowering
or loading imports :mod:`scipy.linalg`).

*Device work, per block of* ``T`` *trials*:

* draw: trial ``i`` draws its noise from ``fold_in(key(seed), i)`` (the trial index is traced,
  so nothing depends on ``n_trials``); the block's noise is one ``T × n`` matrix ``E`` and
  ``B = XᵀY = Gθ* + σXᵀEᵀ`` (one product, ``d × T``);
* fit, once per distinct pair ``(λ_s, λ_t)`` of student and teacher penalties:
  ``Θ_T = M_t B`` (the teacher), ``C = M_s Θ_T`` and, with ``e = Θ_T − θ*``, the three numbers
  per trial ``a = ‖e‖²_W``, ``b = ⟨e, C⟩_W``, ``c = ‖C‖²_W``.

The program ``draw_fit`` does the draw and the first pair's fit (one program, one dispatch per
block in the common case of one pair); the program ``fit`` does each further pair.

*Every* ``ξ`` *from three numbers.* The student's normal equations are
``(G + λ_s I)Θ_S = ξGΘ_T + (1 − ξ)B = (G + λ_s I)Θ_T + μΘ_T`` with
``μ = (1 − ξ)λ_t − λ_s`` (as ``B = (G + λ_t I)Θ_T``), so ``Θ_S = Θ_T + μC`` exactly and the
loss is ``‖e + μC‖²_W = a + 2μb + μ²c``. The host evaluates that for every ``ξ`` of the grid:
a ``ξ`` grid of any length costs the same device work as one ``ξ`` and compiles nothing.

A program is compiled once per *structure*: ``(n, d)``, the weight kind, the noise law, the
device set and the block size. ``λ``, ``ξ``, ``σ``, ``X``, ``θ*``, the seed, the trial indices,
``n_trials`` and the number of grid points or penalties are run-time values. On the default
device the compiled programs are also kept on disk (:mod:`._aot`), so a new process neither
compiles nor traces them.

*Blocks.* The trials ``0 … n_trials − 1`` are cut into a canonical, device-independent list:
``⌊n_trials/T⌋`` main blocks of ``T`` trials, then tail blocks of ``T_s = max(1, T // 8)``
trials; only the last tail block computes trials beyond ``n_trials`` (fewer than ``T_s``, which
are dropped). With ``k`` devices, ``k`` blocks run at once (one per device; a short last step
repeats its last block on the idle devices). Each block is computed by the same program on the
same shape whatever ``k`` is, so the results do not depend on the device count.
"""

from __future__ import annotations

import functools
from collections import deque

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import PartitionSpec as P

from . import _aot, _common
from ._common import standard_noise
from ._sharding import AXIS, fetch_global, put_global, trial_mesh

__all__ = ["block_sizes", "block_schedule", "prepare", "run_blocks", "block_noise"]

#: elements of float64 working memory per block (≈ 128 MiB) that bound the default block size
BLOCK_ELEMS = 1 << 24
#: default trials per block (a power of two: BLAS-3 efficient, small tail waste)
DEFAULT_BLOCK = 256
#: tail blocks hold ``T // TAIL_DIV`` trials
TAIL_DIV = 8
#: the source files that define the programs (part of their on-disk cache key)
_SOURCES = (__file__, _common.__file__)


def block_sizes(n: int, d: int, batch_size=None):
    """Main and tail block sizes ``(T, T_s)``; never dependent on ``n_trials``, the grid or devices.

    ``T = batch_size`` if given, else the largest power of two ``<= 256`` whose working set
    (at most ``2n + 7d`` float64 per trial) stays below 128 MiB.

    Examples
    --------
    >>> block_sizes(300, 120)
    (256, 32)
    >>> block_sizes(300, 120, batch_size=7)
    (7, 1)
    """
    if batch_size is None:
        per_trial = 2 * n + 7 * d
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


def prepare(X, theta, lams, kind: str, W):
    """Host precomputation: ``(Gθ*, [M_λ for λ in lams], weight kind, F)`` (NumPy, float64).

    ``M_λ = (G + λI)⁻¹ = L⁻ᵀL⁻¹`` from the Cholesky factor ``L`` (symmetric by construction;
    about as accurate as two triangular solves: an explicit ``inv(G + λI)`` was ~50× less
    accurate at condition numbers near 1e9). The weight enters the device as ``(kind, F)``:
    ``"identity"`` (``W = I``; ``F`` unused), ``"matrix"`` (``F = W``, ``‖v‖²_W = vᵀFv``) or
    ``"design"`` (``F = X/√n``, ``‖v‖²_W = ‖Fv‖²``, used for prediction weights when ``d > n``;
    when ``d <= n`` they are the matrix ``XᵀX/n``). Raises ``ValueError`` naming ``lam`` when
    ``G + λI`` is not numerically positive definite.
    """
    n, d = X.shape
    G = X.T @ X
    eye = np.eye(d)
    inverses = []
    for lam in lams:
        A = G + lam * eye
        try:  # M = L⁻ᵀL⁻¹ from the Cholesky factor: symmetric, and near cho_solve's accuracy
            L_inv = np.linalg.inv(np.linalg.cholesky(A))
        except np.linalg.LinAlgError:
            L_inv = None
        if L_inv is None or not np.all(np.isfinite(L_inv)):
            raise ValueError(
                f"lam: XᵀX + λI is not numerically positive definite at λ = {lam:g}; use a "
                "larger lam > 0"
            )
        inverses.append(L_inv.T @ L_inv)
    if kind == "parameter":
        wkind, F = "identity", np.zeros((1, 1))
    elif kind == "prediction" and d > n:
        wkind, F = "design", X / np.sqrt(n)
    elif kind == "prediction":
        wkind, F = "matrix", G / n
    else:
        wkind, F = "matrix", np.asarray(W, dtype=np.float64)
    return G @ theta, inverses, wkind, F


def block_noise(noise_dist: str, keys, n: int):
    """Row ``i`` is ``standard_noise(noise_dist, keys[i], (n,))`` (inside a program)."""
    return jax.vmap(lambda k: standard_noise(noise_dist, k, (n,)))(keys)


def _key(seed):
    """The root key inside the program: from an int64 seed, or a (typed or raw uint32) key."""
    if jnp.issubdtype(seed.dtype, jax.dtypes.prng_key) or seed.dtype == jnp.uint32:
        return seed
    return jax.random.key(seed)


def _draw_fn(noise_dist: str, T: int):
    def draw(seed, starts, X, gtheta, scale):
        n = X.shape[0]
        idx = starts[0] + jnp.arange(T, dtype=jnp.uint32)
        keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(_key(seed), idx)
        E = block_noise(noise_dist, keys, n)  # (T, n)
        B = gtheta[:, None] + scale * lax.dot_general(X, E, (((0,), (1,)), ((), ())))
        return B[None]  # (1, d, T)

    return draw


def _fit_fn(wkind: str):
    def fit(B, Mt, Ms, theta, F):
        theta_t = Mt @ B[0]  # (d, T): the teachers
        C = Ms @ theta_t  # Θ_S = Θ_T + μC
        e = theta_t - theta[:, None]
        if wkind == "identity":
            We, WC = e, C
        elif wkind == "matrix":
            We, WC = F @ e, F @ C
        else:  # design: ‖v‖²_W = ‖Fv‖²
            e, C = F @ e, F @ C
            We, WC = e, C
        return jnp.stack([jnp.sum(e * We, 0), jnp.sum(e * WC, 0), jnp.sum(C * WC, 0)], axis=1)

    return fit


def _draw_fit_fn(noise_dist: str, wkind: str, T: int):
    """``draw`` then ``fit`` of the first penalty pair in one program: ``(B, stats)``."""
    draw, fit = _draw_fn(noise_dist, T), _fit_fn(wkind)

    def draw_fit(seed, starts, X, gtheta, scale, Mt, Ms, theta, F):
        B = draw(seed, starts, X, gtheta, scale)
        return B, fit(B, Mt, Ms, theta, F)

    return draw_fit


def _local_programs(noise_dist, wkind, T, first_args, more: bool):
    """The block programs on the default device (compiled ahead of time, cached on disk):
    ``draw_fit`` and, when there is more than one penalty pair, ``fit``. ``fit`` is compiled
    with ``draw_fit`` even when not needed yet, so that a later grid of several penalties
    compiles nothing; a new process loads it from disk only when it needs it."""
    structure = (noise_dist, wkind, T)
    draw_fit = _aot.aot_program(
        "ridge-draw-fit",
        _draw_fit_fn(noise_dist, wkind, T),
        first_args,
        structure=structure,
        sources=_SOURCES,
    )
    d = first_args[3].shape[0]
    fit_args = (jax.ShapeDtypeStruct((1, d, T), np.float64),) + first_args[5:]
    get = _aot.aot_program if more else _aot.ensure_program
    fit = get("ridge-fit", _fit_fn(wkind), fit_args, structure=structure, sources=_SOURCES)
    return draw_fit, fit


@functools.cache
def _sharded_programs(noise_dist: str, wkind: str, T: int, ids: tuple, multi: bool):
    """The block programs ``(draw_fit, fit)`` sharded over the devices ``ids`` (one block per
    device); with several processes every process receives every block's numbers."""
    mesh = trial_mesh(ids)
    rep, sh = P(), P(AXIS)
    draw_fit_local, fit_local = _draw_fit_fn(noise_dist, wkind, T), _fit_fn(wkind)
    first_in = (rep, sh, rep, rep, rep, rep, rep, rep, rep)
    fit_in = (sh, rep, rep, rep, rep)
    if not multi:
        draw_fit = jax.shard_map(draw_fit_local, mesh=mesh, in_specs=first_in, out_specs=(sh, sh))
        fit = jax.shard_map(fit_local, mesh=mesh, in_specs=fit_in, out_specs=sh)
        return jax.jit(draw_fit), jax.jit(fit)

    def draw_fit_gathered(*args):
        B, stats = draw_fit_local(*args)
        return B, lax.all_gather(stats, AXIS, tiled=True)

    def fit_gathered(*args):
        return lax.all_gather(fit_local(*args), AXIS, tiled=True)

    draw_fit = jax.shard_map(
        draw_fit_gathered, mesh=mesh, in_specs=first_in, out_specs=(sh, rep), check_vma=False
    )
    fit = jax.shard_map(fit_gathered, mesh=mesh, in_specs=fit_in, out_specs=rep, check_vma=False)
    return jax.jit(draw_fit), jax.jit(fit)


def run_blocks(
    seed,
    X,
    gtheta,
    scale,
    inverses,
    pairs,
    theta,
    F,
    *,
    n_trials,
    noise_dist,
    wkind,
    T,
    Ts,
    devices,
    lookahead=2,
):
    """Yield ``(start, stats)`` block by block in trial order.

    ``stats[i, q]`` is ``(a, b, c)`` of trial ``start + i`` for the penalty pair
    ``pairs[q] = (student index, teacher index)`` into ``inverses``; shape ``(trials, Q, 3)``.
    ``seed`` is an int, a raw uint32 key or a typed key. Up to ``lookahead`` steps are
    dispatched before the oldest is fetched.
    """
    if isinstance(seed, int):
        seed = np.int64(seed)
    multi = jax.process_count() > 1
    ids = None if devices is None else tuple(dev.id for dev in devices)
    k = 1 if devices is None else len(devices)
    scale = np.float64(scale)
    if ids is None:
        X, gtheta, theta, F = (jax.device_put(a) for a in (X, gtheta, theta, F))
        inverses = [jax.device_put(M) for M in inverses]
    else:
        mesh = trial_mesh(ids)
        seed, X, gtheta, scale, theta, F = (
            put_global(a, mesh) for a in (seed, X, gtheta, scale, theta, F)
        )
        inverses = [put_global(M, mesh) for M in inverses]
    pending: deque = deque()

    def finish():
        size, group, outs = pending.popleft()
        stats = np.stack([fetch_global(o) for o in outs], axis=1)  # (k·size, Q, 3)
        for j, s in enumerate(group):
            yield s, stats[j * size : j * size + min(size, n_trials - s)]

    (s0, t0), rest = pairs[0], pairs[1:]
    for size, starts in block_schedule(n_trials, T, Ts):
        if ids is None:
            first_args = (seed, np.zeros(1, np.uint32), X, gtheta, scale)
            first_args += (inverses[t0], inverses[s0], theta, F)
            draw_fit, fit = _local_programs(noise_dist, wkind, size, first_args, bool(rest))
        else:
            draw_fit, fit = _sharded_programs(noise_dist, wkind, size, ids, multi)
        for i in range(0, len(starts), k):
            group = starts[i : i + k]
            st = np.asarray(group + group[-1:] * (k - len(group)), dtype=np.uint32)
            if ids is not None:
                st = put_global(st, mesh, sharded=True)
            B, first = draw_fit(seed, st, X, gtheta, scale, inverses[t0], inverses[s0], theta, F)
            outs = [first] + [fit(B, inverses[t], inverses[s], theta, F) for s, t in rest]
            pending.append((size, group, outs))
            if len(pending) > lookahead:
                yield from finish()
    while pending:
        yield from finish()
