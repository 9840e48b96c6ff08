"""Shared JAX helpers for the Monte Carlo modules (imports JAX; never imported by ``sdtheory``)."""

from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["x64", "as_key", "mean_se", "MCResult"]


@contextlib.contextmanager
def x64():
    """Enable float64 in JAX inside the block only (works on jax 0.10 and 0.11)."""
    ctx = getattr(jax, "enable_x64", None)
    if ctx is not None and hasattr(ctx, "__call__"):
        with ctx(True):
            yield
        return
    from jax.experimental import enable_x64  # older JAX  # pragma: no cover

    with enable_x64():  # pragma: no cover
        yield


def as_key(seed_or_key):
    """A ``jax.random`` key from an int seed (or pass a key through)."""
    if isinstance(seed_or_key, (int, np.integer)) and not isinstance(seed_or_key, bool):
        if seed_or_key < 0:
            raise ValueError(f"seed must be >= 0, got {seed_or_key}")
        return jax.random.key(int(seed_or_key))
    if isinstance(seed_or_key, jax.Array):
        return seed_or_key
    raise TypeError(f"seed must be an int or a jax.random key, got {type(seed_or_key).__name__}")


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
