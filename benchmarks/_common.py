"""Shared helpers for the benchmark scripts: timing, machine info, CSV rows.

Every benchmark module ``bench_*.py`` defines ``run(quick: bool = False) -> list[dict]``; each row
describes one comparison, run side by side in the same process:

    benchmark, case, method, best_baseline, best_baseline_seconds, speedup_vs_best,
    best_baseline_error, baseline, seconds, baseline_seconds, speedup, max_abs_error,
    baseline_extrapolated, rounds, notes

``best_baseline`` is the best short route a careful user would write (a few dozen lines of
NumPy/SciPy, or a standard library); ``baseline`` is the naive route. ``speedup_vs_best =
best_baseline_seconds / seconds`` and ``speedup = baseline_seconds / seconds`` (> 1: the package
is faster). ``max_abs_error`` / ``best_baseline_error`` compare the method with the naive / best
baseline (or a reference) on the same inputs. ``seconds`` is the median over ``rounds`` timed
calls after one warm-up call unless the method says otherwise (first-call rows include JAX
compilation). Rows for scaling studies use ``case`` for the size.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

__all__ = ["timeit", "machine_info", "row"]


def timeit(fn, *, repeat: int = 3, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeat`` runs after ``warmup`` calls.

    If ``fn`` returns JAX arrays, they are blocked on, so asynchronous dispatch is timed honestly.
    """

    def call():
        out = fn()
        try:
            import jax

            jax.block_until_ready(out)
        except Exception:
            pass
        return out

    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return float(statistics.median(times))


def machine_info() -> dict:
    """Machine and library versions, recorded in every CSV row."""
    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }
    for mod in ("numpy", "scipy", "jax", "optax"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = ""
    try:
        import jax

        info["jax_backend"] = jax.default_backend()
        info["devices"] = ",".join(str(d.device_kind) for d in jax.devices())
    except ImportError:
        pass
    return info


def row(
    benchmark,
    case,
    method,
    baseline,
    seconds,
    baseline_seconds,
    max_abs_error,
    *,
    baseline_extrapolated=False,
    notes="",
    best_baseline="",
    best_baseline_seconds=None,
    best_baseline_error=None,
    rounds=3,
    **extra,
) -> dict:
    """One CSV row (see module docstring); ``extra`` adds benchmark-specific columns."""

    def ratio(b):
        return (b / seconds) if (b and seconds) else float("nan")

    out = {
        "benchmark": benchmark,
        "case": case,
        "method": method,
        "best_baseline": best_baseline,
        "best_baseline_seconds": (
            float("nan") if best_baseline_seconds is None else best_baseline_seconds
        ),
        "speedup_vs_best": ratio(best_baseline_seconds),
        "best_baseline_error": float("nan") if best_baseline_error is None else best_baseline_error,
        "baseline": baseline,
        "seconds": seconds,
        "baseline_seconds": baseline_seconds,
        "speedup": ratio(baseline_seconds),
        "max_abs_error": max_abs_error,
        "baseline_extrapolated": baseline_extrapolated,
        "rounds": rounds,
        "notes": notes,
    }
    out.update(extra)
    return out
