"""Shared JAX helpers for the Monte Carlo modules (imports JAX; never imported by ``sdtheory``).

One vocabulary for every simulator: ``seed`` (an int ``>= 0`` or a ``jax.random`` key),
``n_trials`` (an int ``>= 2``), ``noise_dist`` (one of :data:`NOISE_DISTS`), ``batch_size`` and
``devices``. One estimate comes back as an :class:`MCResult`.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os

import jax
import jax.numpy as jnp
import numpy as np

from .._validate import check_choice, check_int

__all__ = [
    "enable_compilation_cache",
    "cache_dir",
    "x64",
    "as_key",
    "check_seed",
    "check_n_trials",
    "check_noise_dist",
    "standard_noise",
    "mean_se",
    "MCResult",
    "NOISE_DISTS",
]

#: Label-noise laws, each with mean 0 and variance 1 before scaling by the noise s.d.
NOISE_DISTS = ("gaussian", "rademacher", "uniform", "laplace")

_SEED_RANGE = "an int in [0, 2**63) or a jax.random key"

#: Environment variable naming the compilation-cache directory; ``0``/``off`` turns the cache off.
CACHE_ENV = "SDTHEORY_JAX_CACHE"
_CACHE_OFF = ("0", "off", "false", "no", "none")
#: Programs that compile faster than this are not written to the cache (JAX's default is 1 s).
_MIN_COMPILE_TIME_SECS = 0.1
_cache_done = False


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "sdtheory", "jax")


def enable_compilation_cache() -> str | None:
    """Turn on JAX's persistent compilation cache in a per-user directory (once per process).

    A second process then loads the compiled Monte Carlo and bridge programs from disk instead of
    compiling them again. The directory is ``$SDTHEORY_JAX_CACHE`` if set, else
    ``$XDG_CACHE_HOME/sdtheory/jax`` or ``~/.cache/sdtheory/jax``. ``SDTHEORY_JAX_CACHE=0`` (or
    ``off``) turns it off. A cache directory already set in ``jax.config``
    (``jax_compilation_cache_dir`` or ``JAX_COMPILATION_CACHE_DIR``) is left alone, and so is a
    ``JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS`` from the environment. If the directory cannot
    be created or written, the cache stays off and nothing fails. Called when
    :mod:`sdtheory.simulate` or the bridge trainer is imported; it applies to programs compiled
    after the first call.

    Returns
    -------
    str or None
        The cache directory in use (possibly the user's own), or None when the cache is off.
    """
    global _cache_done
    current = cache_dir()
    if _cache_done or current:
        return current or None
    _cache_done = True
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() in _CACHE_OFF:
        return None
    path = os.path.abspath(os.path.expanduser(env)) if env else _default_cache_dir()
    try:
        os.makedirs(path, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            return None
        jax.config.update("jax_compilation_cache_dir", path)
        if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
            jax.config.update("jax_persistent_cache_min_compile_time_secs", _MIN_COMPILE_TIME_SECS)
    except Exception:  # never fail a simulation because of the cache
        return None
    return path


def cache_dir() -> str | None:
    """The persistent compilation cache directory in use (``jax_compilation_cache_dir``) or None."""
    return jax.config.values.get("jax_compilation_cache_dir") or None


enable_compilation_cache()


@contextlib.contextmanager
def x64():
    """Enable float64 in JAX inside the block only (works on jax 0.10 and 0.11)."""
    ctx = getattr(jax, "enable_x64", None)
    if ctx is not None and callable(ctx):
        with ctx(True):
            yield
        return
    from jax.experimental import enable_x64  # older JAX  # pragma: no cover

    with enable_x64():  # pragma: no cover
        yield


def check_seed(seed):
    """Validate a ``seed``: an int in ``[0, 2**63)`` or one ``jax.random`` key.

    Every error names ``seed`` and its valid range, whatever the caller calls the argument.

    Examples
    --------
    >>> check_seed(3)
    3
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an int in [0, 2**63) or a jax.random key, got -1
    """
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed must be {_SEED_RANGE}, got bool")
    if isinstance(seed, numbers.Integral):
        if not 0 <= int(seed) < 2**63:
            raise ValueError(f"seed must be {_SEED_RANGE}, got {int(seed)}")
        return int(seed)
    if isinstance(seed, jax.Array):
        if jnp.issubdtype(seed.dtype, jax.dtypes.prng_key):
            if seed.shape != ():
                raise ValueError(
                    f"seed must be {_SEED_RANGE} (one key, shape ()), got a key array of shape "
                    f"{seed.shape}"
                )
            return seed
        if seed.dtype == jnp.uint32 and seed.shape == (2,):  # a raw (legacy) PRNGKey
            return seed
        raise TypeError(
            f"seed must be {_SEED_RANGE}, got a jax array of dtype {seed.dtype} and shape "
            f"{seed.shape}"
        )
    raise TypeError(f"seed must be {_SEED_RANGE}, got {type(seed).__name__}")


def as_key(seed_or_key):
    """A ``jax.random`` key from an int seed (or pass a key through); errors name ``seed``."""
    seed = check_seed(seed_or_key)
    if isinstance(seed, int):
        return jax.random.key(seed)
    return seed


def check_n_trials(n_trials, name: str = "n_trials") -> int:
    """An int ``>= 2`` (a standard error needs two trials)."""
    return check_int(n_trials, name, minimum=2)


def check_noise_dist(noise_dist) -> str:
    """One of :data:`NOISE_DISTS`."""
    return check_choice(noise_dist, "noise_dist", set(NOISE_DISTS))


def standard_noise(noise_dist: str, key, shape):
    """I.i.d. draws of the named law with mean 0 and variance 1 (inside a JAX program)."""
    if noise_dist == "gaussian":
        return jax.random.normal(key, shape)
    if noise_dist == "rademacher":
        return jax.random.rademacher(key, shape, dtype=jnp.float64)
    if noise_dist == "uniform":  # U(−√3, √3): variance (2√3)²/12 = 1
        return jax.random.uniform(key, shape, minval=-math.sqrt(3.0), maxval=math.sqrt(3.0))
    if noise_dist == "laplace":  # Laplace(0, b) has variance 2b²; b = 1/√2
        return jax.random.laplace(key, shape) / math.sqrt(2.0)
    raise ValueError(f"noise_dist must be one of {list(NOISE_DISTS)}, got {noise_dist!r}")


class MCResult(tuple):
    """``(mean, se, n)``: Monte Carlo mean, standard error of the mean, number of trials.

    A tuple (so ``mean, se, n = result`` works) with named attributes.
    """

    __slots__ = ()

    def __new__(cls, mean, se, n):
        return super().__new__(cls, (mean, se, n))

    mean = property(lambda self: self[0])
    se = property(lambda self: self[1])
    n = property(lambda self: self[2])

    def __repr__(self):
        return f"MCResult(mean={self[0]!r}, se={self[1]!r}, n={self[2]!r})"


def mean_se(values, axis: int = 0) -> MCResult:
    """Mean and standard error (``std(ddof=1)/√n``) along ``axis``, as NumPy float64."""
    v = np.asarray(values, dtype=np.float64)
    n = v.shape[axis]
    if n < 2:
        raise ValueError(f"need at least 2 trials for a standard error, got {n}")
    m = v.mean(axis=axis)
    se = v.std(axis=axis, ddof=1) / np.sqrt(n)
    return MCResult(m if m.ndim else float(m), se if se.ndim else float(se), int(n))
