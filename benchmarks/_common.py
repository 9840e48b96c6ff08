"""Shared helpers for the benchmark scripts: timing, machine info, CSV rows.

Every benchmark module ``bench_*.py`` defines ``run(quick: bool = False) -> list[dict]``; each row
describes one comparison, run side by side in the same process:

    benchmark, case, method, baseline, seconds, baseline_seconds, speedup, max_abs_error,
    baseline_extrapolated, notes

``speedup = baseline_seconds / seconds``. ``max_abs_error`` compares the method with the baseline
(or a reference) on the same inputs. Rows for scaling studies use ``case`` for the size and may
leave the baseline columns empty.
"""

from __future__ import annotations

import os
import platform
import sys
import time

__all__ = ["timeit", "machine_info", "row"]


def timeit(fn, *, repeat: int = 3, warmup: int = 1) -> float:
    """Best wall-clock seconds of ``fn()`` over ``repeat`` runs after ``warmup`` calls.

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
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return best


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
) -> dict:
    """One CSV row (see module docstring)."""
    speedup = (baseline_seconds / seconds) if (baseline_seconds and seconds) else float("nan")
    return {
        "benchmark": benchmark,
        "case": case,
        "method": method,
        "baseline": baseline,
        "seconds": seconds,
        "baseline_seconds": baseline_seconds,
        "speedup": speedup,
        "max_abs_error": max_abs_error,
        "baseline_extrapolated": baseline_extrapolated,
        "notes": notes,
    }
