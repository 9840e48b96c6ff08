r"""Run a per-trial Monte Carlo function over many trials: batched, chunked, optionally sharded.

Every Monte Carlo module in :mod:`sdtheory.simulate` has the same shape: one function
``fn(key, *operands) -> array`` computes the result of a single trial from its own
``jax.random`` key and some problem data shared by all trials (a design matrix, Cholesky factors,
a grid of parameters). This module turns such a function into a batched, memory-bounded and,
on request, multi-device computation, without changing a single bit of the answer:

* **Keys.** :func:`trial_keys` derives one key per trial with ``jax.random.split(key, n_trials)``.
  Trial ``i`` always gets the same key, whatever the batch size or the number of devices.
* **Batches.** Trials run in blocks of ``batch_size`` trials (``jax.vmap`` over the block, one
  ``jax.jit`` compile per shape). The last block is padded (with copies of a valid key) so that
  every block has the same shape; padded trials are dropped.
* **Devices.** With ``devices="all"`` (or a list of devices) the trial axis is sharded over a
  1-D :class:`jax.sharding.Mesh` with :func:`jax.shard_map`: each device runs *the same
  program on a block of the same shape* (``batch_size`` trials) as the single-device path, and
  the blocks come back in trial order. Because XLA may round a batched matrix product
  differently for different batch shapes, the per-device block shape — not the global one — is
  what is kept equal; that is what makes sharded and unsharded results bitwise identical.
* **Reduction.** Means and standard errors are accumulated on the host, block by block in trial
  order (pairwise-exact merge of block means and sums of squared deviations, Chan et al.
  1979), so the reduction order never depends on the device count either.

Multi-host use
--------------
Start one process per host (or per accelerator group) and call ``jax.distributed.initialize``
in each *before any other JAX call* (on Cloud TPU and SLURM it needs no arguments; otherwise
pass the coordinator's ``host:port``, the number of processes and this process's id). Then
every process calls the same Monte Carlo function with the same arguments, seed and
``devices="all"``: ``jax.devices()`` lists the devices of all processes, the trial blocks are
sharded over all of them, and each step's results are all-gathered inside the sharded program,
so every process receives and reduces the full, identical result — bitwise the numbers of one
process on one device with the same ``batch_size``::

    # run as: python mc.py 0 & python mc.py 1     (process ids 0 and 1)
    import sys
    import jax
    jax.distributed.initialize(coordinator_address="host0:12355", num_processes=2,
                               process_id=int(sys.argv[1]))   # first JAX call
    import numpy as np
    from sdtheory import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo
    X = np.random.default_rng(0).standard_normal((300, 120))
    res = ridge_sd_monte_carlo(LinearProblem(X, np.ones(120), noise=1.0), lam=0.5, xi=2.0,
                               n_trials=100_000, seed=0, devices="all")

On CPU the cross-process all-gather uses gloo (``jax_cpu_collectives_implementation``, the
default in jax 0.10; set it to ``"gloo"`` with ``jax.config.update`` before ``initialize`` on
versions where it is not). ``tests/test_distributed.py`` runs exactly this with 2 CPU processes on
localhost and checks the mean, the standard error and every trial against one process. The
ridge simulator uses its own block programs (``_ridge_block``: keys ``fold_in(key, i)``, one
compile per problem structure) with the mesh helpers :func:`trial_mesh`, :func:`put_global` and
:func:`fetch_global` below; the other simulators use :class:`TrialRunner`.

*Virtual CPU devices.* With more forced host devices than CPU cores, XLA:CPU was seen (jax 0.10.2,
2 cores, 4 devices) to stall on large per-device blocks (~1,000 trials) that share its thread
pool. Keep ``batch_size`` modest there and add
``--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`` to ``XLA_FLAGS``; real
accelerators are not affected.

References
----------
T. F. Chan, G. H. Golub and R. J. LeVeque, "Updating formulae and a pairwise algorithm for
computing sample variances", Stanford CS report STAN-CS-79-773 (1979).
JAX documentation, "Distributed arrays and automatic parallelization" and "Manual parallelism
with shard_map".
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from .._validate import check_int
from ._common import MCResult, as_key

__all__ = ["trial_keys", "resolve_devices", "TrialRunner", "run_trials", "trial_mean_se"]

AXIS = "trials"

# compiled batched programs, keyed by (fn, device ids, number of operands, multi-process)
_COMPILED: dict = {}


def trial_keys(*, seed, n_trials: int):
    """One ``jax.random`` key per trial: ``jax.random.split(key(seed), n_trials)``.

    Parameters
    ----------
    seed : int or jax.random key
        An int ``>= 0`` or a key.
    n_trials : int
        Number of trials, an int ``>= 1``.

    Returns
    -------
    jax.Array
        Typed key array of shape ``(n_trials,)``. Key ``i`` depends on ``seed`` and
        ``n_trials`` only (never on batching or devices).

    Examples
    --------
    >>> trial_keys(seed=0, n_trials=5).shape
    (5,)
    """
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    return jax.random.split(as_key(seed), n_trials)


def resolve_devices(devices):
    """Normalize a ``devices`` argument: ``None`` (default device), ``"all"`` or a list.

    Returns
    -------
    list of jax.Device or None
        ``None`` means the single-device path.

    Examples
    --------
    >>> resolve_devices(None) is None
    True
    >>> len(resolve_devices("all")) == len(jax.devices())
    True
    """
    if devices is None:
        return None
    if isinstance(devices, str):
        if devices != "all":
            raise ValueError(
                f"devices must be None, 'all' or a list of jax devices, got {devices!r}"
            )
        return list(jax.devices())
    if isinstance(devices, Sequence) or isinstance(devices, np.ndarray):
        devs = list(np.ravel(np.asarray(devices, dtype=object)))
        if not devs:
            raise ValueError(
                "devices must be None, 'all' or a non-empty list of jax devices, got []"
            )
        for d in devs:
            if not isinstance(d, jax.Device):
                raise TypeError(
                    f"devices must be None, 'all' or a list of jax devices, got an element of type "
                    f"{type(d).__name__}"
                )
        if len({d.id for d in devs}) != len(devs):
            raise ValueError("devices must not contain the same device twice")
        return devs
    raise TypeError(
        f"devices must be None, 'all' or a list of jax devices, got {type(devices).__name__}"
    )


@functools.cache
def trial_mesh(ids: tuple) -> Mesh:
    """The 1-D mesh (axis ``"trials"``) over the devices with these ids, in this order.

    Examples
    --------
    >>> trial_mesh((jax.devices()[0].id,)).axis_names
    ('trials',)
    """
    by_id = {d.id: d for d in jax.devices()}
    return Mesh(np.array([by_id[i] for i in ids], dtype=object), (AXIS,))


def put_global(x, mesh: Mesh, *, sharded: bool = False):
    """A global array on ``mesh`` from the same value (NumPy, or a JAX array such as typed keys)
    in every process.

    Replicated (``sharded=False``) or split along its first axis over the trial axis. Works
    with one or several processes (each process supplies only its own devices' pieces).

    Examples
    --------
    >>> mesh = trial_mesh((jax.devices()[0].id,))
    >>> put_global(np.arange(3.0), mesh).shape
    (3,)
    """
    if not isinstance(x, jax.Array):
        x = np.asarray(x)
    sharding = NamedSharding(mesh, P(AXIS) if sharded else P())
    return jax.make_array_from_callback(x.shape, sharding, lambda idx: x[idx])


def fetch_global(a) -> np.ndarray:
    """A NumPy copy of ``a``: the whole array, or one replica when it spans several processes."""
    if getattr(a, "is_fully_addressable", True):
        return np.asarray(a)
    return np.asarray(a.addressable_data(0))


def _check_batch(batch_size, n_trials: int) -> int:
    if batch_size is None:
        return int(n_trials)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(
            f"batch_size must be an integer >= 1 or None, got {type(batch_size).__name__}"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return int(batch_size)


class TrialRunner:
    """A per-trial function made batched (and sharded), for one device set.

    Parameters
    ----------
    fn : callable
        ``fn(key, *operands) -> jax.Array`` for ONE trial (a pure JAX function; the output may
        have any fixed shape). Pass the same function object on every call so the compiled
        program is reused.
    devices : None, "all" or list of jax.Device
        ``None``: the default device, ``jax.jit(jax.vmap(fn))``. Otherwise a 1-D mesh over the
        devices, ``jax.jit(jax.shard_map(jax.vmap(fn)))`` with the trial axis sharded.
    batch_size : int
        Trials per device per step. Results are bitwise identical for every device count at
        the same ``batch_size``.

    Attributes
    ----------
    mesh : jax.sharding.Mesh or None
    n_devices : int
    last_output_devices : int
        Number of devices that held the last computed block (for tests and logs).

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> def one_trial(key, scale):
    ...     return scale * jax.random.normal(key, ())
    >>> runner = TrialRunner(one_trial, devices=None, batch_size=4)
    >>> keys = trial_keys(seed=0, n_trials=10)
    >>> out = np.concatenate([v for _, v in runner.blocks(keys, np.float32(2.0))])
    >>> out.shape
    (10,)
    """

    def __init__(self, fn, *, devices=None, batch_size: int):
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        self.fn = fn
        self.devices = resolve_devices(devices)
        self.batch_size = _check_batch(batch_size, 1)
        self.multi_process = jax.process_count() > 1
        if self.devices is None:
            self.mesh = None
            self.n_devices = 1
        else:
            self.mesh = Mesh(np.array(self.devices, dtype=object), (AXIS,))
            self.n_devices = len(self.devices)
        self.last_output_devices = 0

    # -------------------------------------------------------------------------------- compile
    def _program(self, n_ops: int):
        ids = None if self.devices is None else tuple(d.id for d in self.devices)
        cache_key = (self.fn, ids, n_ops, self.multi_process)
        prog = _COMPILED.get(cache_key)
        if prog is not None:
            return prog
        fn = self.fn

        def local(keys, *ops):
            return jax.vmap(lambda k: fn(k, *ops))(keys)

        if self.mesh is None:
            prog = jax.jit(local)
        elif not self.multi_process:
            prog = jax.jit(
                jax.shard_map(
                    local,
                    mesh=self.mesh,
                    in_specs=(P(AXIS),) + (P(),) * n_ops,
                    out_specs=P(AXIS),
                )
            )
        else:  # several processes (tests/test_distributed.py)

            def gathered(keys, *ops):
                out = local(keys, *ops)
                return jax.tree.map(lambda a: jax.lax.all_gather(a, AXIS, tiled=True), out)

            prog = jax.jit(
                jax.shard_map(
                    gathered,
                    mesh=self.mesh,
                    in_specs=(P(AXIS),) + (P(),) * n_ops,
                    out_specs=P(),
                    check_vma=False,
                )
            )
        _COMPILED[cache_key] = prog
        return prog

    def _to_host(self, out):
        def fetch(a):
            if getattr(a, "is_fully_addressable", True):
                return np.asarray(a)
            return np.asarray(a.addressable_data(0))  # replicated over several processes

        leaves = jax.tree.leaves(out)
        if leaves and hasattr(leaves[0], "sharding"):
            self.last_output_devices = len(leaves[0].sharding.device_set)
        return jax.tree.map(fetch, out)

    # -------------------------------------------------------------------------------- run
    def blocks(self, keys, *operands):
        """Yield ``(start, values)`` for consecutive blocks of ``batch_size`` trials, in order.

        ``values`` is the stacked output (NumPy) of trials ``start, start+1, …`` (the last block
        may be shorter). Padded trials are never returned.
        """
        n = int(keys.shape[0])
        if n < 1:
            raise ValueError("keys must hold at least one trial key")
        b, k = self.batch_size, self.n_devices
        step = b * k
        prog = self._program(len(operands))
        if self.mesh is not None:
            operands = tuple(put_global(op, self.mesh) for op in operands)
        for start in range(0, n, step):
            idx = np.minimum(np.arange(start, start + step), n - 1)  # pad with the last key
            chunk = keys[idx]
            if self.mesh is not None:
                chunk = put_global(chunk, self.mesh, sharded=True)
            out = self._to_host(prog(chunk, *operands))
            for j in range(k):
                s = start + j * b
                if s >= n:
                    break
                lo, hi = j * b, j * b + (min(s + b, n) - s)
                yield s, jax.tree.map(lambda a, lo=lo, hi=hi: a[lo:hi], out)


def run_trials(fn, keys, *operands, devices=None, batch_size=None):
    """Run ``fn(key, *operands)`` for every key; return the stacked outputs (NumPy).

    Parameters
    ----------
    fn : callable
        Per-trial JAX function (see :class:`TrialRunner`).
    keys : jax.Array
        Per-trial keys, e.g. from :func:`trial_keys`.
    *operands
        Arrays shared by all trials (replicated on every device).
    devices : None, "all" or list of jax.Device
    batch_size : int, optional
        Trials per device per step (default: all trials in one step).

    Returns
    -------
    numpy.ndarray (or pytree of them)
        Leading axis ``n_trials``, in trial order.

    Examples
    --------
    >>> def one_trial(key):
    ...     return jax.random.uniform(key, (2,))
    >>> run_trials(one_trial, trial_keys(seed=1, n_trials=6), batch_size=4).shape
    (6, 2)
    """
    runner = TrialRunner(fn, devices=devices, batch_size=_check_batch(batch_size, keys.shape[0]))
    parts = [v for _, v in runner.blocks(keys, *operands)]
    return jax.tree.map(lambda *a: np.concatenate(a, axis=0), *parts)


class _Moments:
    """Streaming count, mean and sum of squared deviations, merged block by block (Chan 1979)."""

    def __init__(self):
        self.n, self.mean, self.m2 = 0, None, None

    def add(self, values: np.ndarray):
        v = np.asarray(values, dtype=np.float64)
        nb = v.shape[0]
        mb = v.mean(axis=0)
        m2b = ((v - mb) ** 2).sum(axis=0)
        if self.n == 0:
            self.n, self.mean, self.m2 = nb, mb, m2b
            return
        n = self.n + nb
        delta = mb - self.mean
        self.mean = self.mean + delta * (nb / n)
        self.m2 = self.m2 + m2b + delta**2 * (self.n * nb / n)
        self.n = n

    def result(self) -> MCResult:
        if self.n < 2:
            raise ValueError(f"need at least 2 trials for a standard error, got {self.n}")
        se = np.sqrt(self.m2 / (self.n - 1) / self.n)
        m = np.asarray(self.mean)
        return MCResult(m if m.ndim else float(m), se if se.ndim else float(se), int(self.n))


def trial_mean_se(fn, keys, *operands, devices=None, batch_size=None, keep_trials=False):
    r"""Monte Carlo mean and standard error of ``fn(key, *operands)`` over the trials.

    Memory is bounded by one block (``batch_size`` trials per device) unless ``keep_trials``.

    Parameters
    ----------
    fn, keys, *operands, devices, batch_size
        As in :func:`run_trials`; ``fn`` returns one array (any shape) per trial.
    keep_trials : bool
        Also return the per-trial values, shape ``(n_trials,) + out_shape``.

    Returns
    -------
    MCResult or (MCResult, numpy.ndarray)
        ``mean``, ``se = sd/√n`` (``ddof = 1``) and ``n``, elementwise over the output shape.

    Notes
    -----
    Blocks are merged in trial order with ``δ = m_b − m_a``,
    ``m = m_a + δ n_b/n``, ``M₂ = M₂ₐ + M₂_b + δ² n_a n_b/n``; ``se = √(M₂/((n−1)n))``.

    Examples
    --------
    >>> def one_trial(key):
    ...     return jax.random.normal(key, ())
    >>> res = trial_mean_se(one_trial, trial_keys(seed=0, n_trials=1000), batch_size=256)
    >>> res.n, abs(res.mean) < 4 * res.se
    (1000, True)
    """
    runner = TrialRunner(fn, devices=devices, batch_size=_check_batch(batch_size, keys.shape[0]))
    acc = _Moments()
    kept = []
    for _, v in runner.blocks(keys, *operands):
        acc.add(v)
        if keep_trials:
            kept.append(np.asarray(v))
    res = acc.result()
    if keep_trials:
        return res, np.concatenate(kept, axis=0)
    return res
