r"""Compiled programs kept across processes: an ahead-of-time executable cache.

JAX's persistent compilation cache (:func:`~sdtheory.simulate._common.enable_compilation_cache`)
skips the XLA compile in a new process, but JAX still *traces and lowers* every program to find
its cache entry, and lowering a linear-algebra op on CPU imports :mod:`scipy.linalg`: about
0.2–0.4 s before the first trial runs, more than a small Monte Carlo costs. This module keeps the
compiled executable itself (:mod:`jax.experimental.serialize_executable`) in
``<cache dir>/sdtheory-aot/``, under a key made of

* the program's name and structure (the static choices it was built with) and the shapes and
  dtypes of its arguments;
* a hash of the source files that define it (a code change never loads an old program);
* the Python, JAX and jaxlib versions, the backend and its version, the device kind, the JAX
  options that change a program's numbers (x64, PRNG implementation, threefry partitioning,
  matmul precision), ``XLA_FLAGS``, and the host name, machine and CPU flags (an executable
  compiled for one CPU may not run on another).

A new process then loads a program in a few milliseconds, with no tracing, lowering or
compiling. The cache is off when the persistent cache is off (``SDTHEORY_JAX_CACHE=0``); files
are read only from a directory owned by the current user and are written atomically; a file
that fails to load is removed and the program compiled again. At most :data:`MAX_FILES`
executables are kept (a few hundred kB each); the least recently used are removed first. Only
single-device programs are cached here; sharded programs go through ``jax.jit`` (and JAX's own
cache).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import platform
import socket
import sys
import tempfile

import jax
import numpy as np

from ._common import as_key, cache_dir

__all__ = [
    "aot_program",
    "aot_jit",
    "ensure_program",
    "clear_memory",
    "trial_keys",
    "raw_keys",
    "batches",
    "compiled",
    "run_batched",
    "f64",
]

#: at most this many executables are kept on disk; the least recently used go first
MAX_FILES = 256

_memory: dict = {}
_fingerprint: str | None = None


def clear_memory() -> None:
    """Forget the programs held in this process (the files stay; for tests)."""
    _memory.clear()


def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _environment() -> str:
    """Everything outside the program that its executable depends on (computed once)."""
    global _fingerprint
    if _fingerprint is None:
        import jaxlib

        dev = jax.devices()[0]
        parts = (
            sys.version,
            jax.__version__,
            jaxlib.__version__,
            dev.platform,
            str(getattr(getattr(dev, "client", None), "platform_version", "")),
            dev.device_kind,
            os.environ.get("XLA_FLAGS", ""),
            socket.gethostname(),
            platform.machine(),
            hashlib.sha256(_cpu_flags().encode()).hexdigest(),
        )
        _fingerprint = "\x1f".join(parts)
    cfg = jax.config  # options that may change between calls
    options = (
        cfg.jax_enable_x64,
        cfg.jax_default_prng_impl,
        cfg.jax_threefry_partitionable,
        cfg.jax_default_matmul_precision,
    )
    return _fingerprint + repr(options)


def _sources_hash(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def _signature(args) -> tuple:
    """The tree structure of ``args`` and the shape and dtype of every leaf."""
    leaves, treedef = jax.tree.flatten(tuple(args))
    return str(treedef), tuple(
        (tuple(np.shape(a)), str(getattr(a, "dtype", None) or np.result_type(a))) for a in leaves
    )


def _folder() -> str | None:
    base = cache_dir()
    if base is None:
        return None
    path = os.path.join(base, "sdtheory-aot")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path)
    except OSError:
        return None
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return None
    return path


def _load(path: str):
    from jax.experimental import serialize_executable

    with open(path, "rb") as f:
        payload, in_tree, out_tree = pickle.load(f)
    return serialize_executable.deserialize_and_load(payload, in_tree, out_tree)


def _store(path: str, compiled) -> None:
    from jax.experimental import serialize_executable

    data = pickle.dumps(serialize_executable.serialize(compiled))
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _evict(os.path.dirname(path))


def _evict(folder: str) -> None:
    """Remove the least recently used executables beyond :data:`MAX_FILES`."""
    entries = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".jaxexe"):
            try:
                entries.append((entry.stat().st_mtime, entry.path))
            except OSError:
                pass
    for _, p in sorted(entries)[: max(0, len(entries) - MAX_FILES)]:
        try:
            os.unlink(p)
        except OSError:
            pass


def _path(key, sources) -> str | None:
    folder = _folder()
    if folder is None:
        return None
    digest = hashlib.sha256(repr((key, _sources_hash(sources), _environment())).encode())
    return os.path.join(folder, f"{key[0]}-{digest.hexdigest()[:32]}.jaxexe")


def _no_compilation_cache():
    """A context that turns JAX's persistent compilation cache off, or None."""
    try:
        from jax._src import config as jax_config

        return jax_config.enable_compilation_cache(False)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover
        return None


@functools.cache
def _lapack_ready() -> bool:
    """Point JAX's CPU LAPACK kernels at their routines, as lowering a program does: a program
    loaded from disk is not lowered, and a Cholesky or eigendecomposition in it would call an
    unset routine (a crash). False when this JAX has no such hook."""
    try:
        from jax._src.lax import linalg

        linalg.initialize_lapack()
    except (ImportError, AttributeError):  # pragma: no cover
        return False
    return True


def _compile(fn, args, path):
    # Compiled afresh, never taken from JAX's persistent cache: on the CPU an executable that
    # came from that cache serializes without its kernels, and a process that loads the file
    # then fails when it runs the program ("Function ... not found").
    no_cache = _no_compilation_cache()
    if no_cache is None:  # pragma: no cover - then nothing is written to disk
        path = None
        prog = jax.jit(fn).lower(*args).compile()
    else:
        with no_cache:
            prog = jax.jit(fn).lower(*args).compile()
    if path is not None:
        try:
            _store(path, prog)
        except Exception:  # a read-only or full disk never fails a simulation
            pass
    return prog


def aot_program(name: str, fn, args, *, structure: tuple, sources: tuple, lapack: bool = False):
    """The compiled program ``jax.jit(fn)`` for these argument shapes, from memory, disk or XLA.

    Parameters
    ----------
    name : str
        Names the program (with ``structure``, it must determine ``fn``).
    fn : callable
        The function to compile; built from ``structure`` alone (no other captured values).
    args : sequence of arrays
        Example arguments: only their shapes and dtypes matter.
    structure : tuple
        The static choices ``fn`` was built with (hashable, with a stable ``repr``).
    sources : tuple of str
        Paths of the source files that define ``fn``; their bytes are part of the key.
    lapack : bool
        Whether the program may contain LAPACK calls (Cholesky, eigendecomposition): JAX's CPU
        LAPACK routines are then set up before a file is loaded (this imports
        :mod:`scipy.linalg`, 0.1–0.2 s once per process).

    Returns
    -------
    jax.stages.Compiled
        Call it with arrays of the same shapes and dtypes as ``args``.
    """
    key = (name, structure, _signature(args))
    prog = _memory.get(key)
    if prog is not None:
        return prog
    path = _path(key, sources)
    if lapack and not _lapack_ready():  # pragma: no cover - never load such a program
        path = None
    if path is not None and os.path.exists(path):
        try:
            prog = _load(path)
            os.utime(path)  # recently used: evicted last
        except Exception:  # a stale or broken file: compile again
            try:
                os.unlink(path)
            except OSError:
                pass
    if prog is None:
        prog = _compile(fn, args, path)
    _memory[key] = prog
    return prog


class aot_jit:
    """``jax.jit(fn)`` whose compiled programs come from :func:`aot_program` (memory or disk).

    Call it like the jitted function (positional arguments, pytrees allowed); each new tree
    structure, shape or dtype of the arguments gets its own program. Static choices are not
    arguments: build ``fn`` from them and pass them as ``structure``.

    Examples
    --------
    >>> import numpy as np
    >>> double = aot_jit("doc-double", lambda x: 2 * x, structure=(), sources=(__file__,))
    >>> np.asarray(double(np.arange(3.0))).tolist()
    [0.0, 2.0, 4.0]
    """

    def __init__(self, name: str, fn, *, structure: tuple, sources: tuple, lapack: bool = False):
        self.name, self.fn, self.structure = name, fn, structure
        self.sources, self.lapack = sources, lapack

    def __call__(self, *args):
        prog = aot_program(
            self.name,
            self.fn,
            args,
            structure=self.structure,
            sources=self.sources,
            lapack=self.lapack,
        )
        return prog(*args)


def ensure_program(name: str, fn, args, *, structure: tuple, sources: tuple) -> None:
    """Make :func:`aot_program` with these arguments cheap later, without loading it now.

    Compiles the program (keeping it in memory and on disk) unless it is already in memory or
    on disk: a program that a later call may need is compiled during the first call (warm-up),
    and a new process loads it only when it is used.
    """
    key = (name, structure, _signature(args))
    if key in _memory:
        return
    path = _path(key, sources)
    if path is None or not os.path.exists(path):
        _memory[key] = _compile(fn, args, path)


# ------------------------------------------------------------ programs over trial keys
def raw_keys(keys):
    """A key array as host ``uint32`` key data and its PRNG implementation's name (the compiled
    programs take plain arrays and wrap the data again: the random bits are the keys' own)."""
    if jax.dtypes.issubdtype(keys.dtype, jax.dtypes.prng_key):
        return np.asarray(jax.random.key_data(keys)), str(jax.random.key_impl(keys))
    return np.asarray(keys), str(jax.config.jax_default_prng_impl)


def trial_keys(seed, n: int):
    """``jax.random.split(as_key(seed), n)`` as host key data and its implementation's name
    (see :func:`raw_keys`). From an int seed the split runs as one compiled program kept on disk,
    so a new process neither traces nor compiles it (eager key operations compile each time)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        impl = str(jax.config.jax_default_prng_impl)
        prog = aot_program(
            "trial-keys",
            _split_fn(n, impl),
            (np.asarray(seed, dtype=np.int64),),
            structure=(n, impl),
            sources=(__file__,),
        )
        return np.asarray(prog(np.asarray(seed, dtype=np.int64))), impl
    return raw_keys(jax.random.split(as_key(seed), n))


@functools.cache
def _split_fn(n, impl):
    def fn(seed):
        return jax.random.key_data(jax.random.split(jax.random.key(seed, impl=impl), n))

    return fn


def batches(raw, batch):
    """Blocks of ``batch`` key rows; the last one padded with the first rows (one shape)."""
    for s in range(0, raw.shape[0], batch):
        kb = raw[s : s + batch]
        if kb.shape[0] < batch:
            kb = np.concatenate([kb, raw[: batch - kb.shape[0]]])
        yield s, kb


def run_batched(name, body, raw, args, *, batch: int, static: tuple, impl: str, sources: tuple):
    """``body(keys, *args, *static)`` over the key rows ``raw`` in blocks of ``batch`` trials.

    One program (:func:`compiled`) serves every block: the last block is padded with the first
    rows (:func:`batches`) and its padded rows are dropped. Returns the outputs (an array or a
    pytree of arrays, trials on axis 0) of all blocks concatenated, as NumPy arrays.
    """
    n, outs, prog = raw.shape[0], [], None
    for s, kb in batches(raw, batch):
        if prog is None:
            prog = compiled(name, body, (kb, *args), static=static, impl=impl, sources=sources)
        outs.append(jax.tree.map(lambda v, s=s: np.asarray(v)[: n - s], prog(kb, *args)))
    return jax.tree.map(lambda *vs: np.concatenate(vs, axis=0), *outs)


def compiled(name, body, args, *, static: tuple, impl: str, sources: tuple):
    """``jax.jit`` of ``body(keys, *args[1:], *static)`` with ``keys`` wrapped from the raw key
    data ``args[0]``, compiled for these shapes once and kept in memory and on disk
    (:mod:`._aot`): a new process loads it without tracing, lowering or compiling."""
    fn = _wrapped(body, static, impl)
    sources = tuple(sources) + (__file__,)  # the key wrapping is defined here
    return aot_program(name, fn, args, structure=(static, impl), sources=sources, lapack=True)


@functools.cache
def _wrapped(body, static, impl):
    def fn(key_data, *rest):
        return body(jax.random.wrap_key_data(key_data, impl=impl), *rest, *static)

    return fn


def f64(*vals):
    """Float64 NumPy arrays (the argument types of a compiled program)."""
    return tuple(np.asarray(v, dtype=np.float64) for v in vals)
