"""Cost growth of the three workhorses, with fitted scaling exponents.

Each study times a method (and a naive baseline, side by side, same inputs) at doubling sizes and
fits the slope of ``log(seconds)`` against ``log(size)`` by least squares. The slope is written
to the ``scaling_exponent`` column (``baseline_scaling_exponent`` for the baseline) of every row
of the study and repeated in ``notes``. Small sizes are dominated by fixed overheads (Python
dispatch, JAX launch), so slopes fitted over short ranges underestimate the asymptotic order.

* ``closed form vs d`` — :func:`sdtheory.sd_risk` on a 40 × 40 (λ, ξ) grid for a spectrum of
  ``d`` eigenvalues (d = 250 … 4000), expected O(L·d + L·Ξ). Baseline: the grid point by point,
  ``filter_risk(sp, f=sd_filter(eigvals, lam=λ, xi=ξ))`` (what one writes from the formula),
  O(L·Ξ·d).
  Accuracy: max relative difference between the two.
* ``Monte Carlo vs trials`` — :func:`sdtheory.simulate.ridge_sd_monte_carlo` (JAX, real solves,
  vmapped over trials, compiled once per shape and excluded from the timing by a warm-up) on a
  fixed 100 × 50 design with 5 values of ξ, trials = 250 … 4000. Baseline: a NumPy loop over
  trials (``np.linalg.solve`` for the teacher and each student). Accuracy: ``max_abs_error`` =
  max |MC mean − theory| over ξ (theory: :func:`sdtheory.sd_risk`), the largest |z| in
  ``notes``.
* ``kernel path vs N`` — :func:`sdtheory.kernel_self_distill` for one α (one factorization,
  then O(N²) per step), 20 steps, α = 0.3, on an RBF Gram matrix of N = 125 … 2000 points. Baseline:
  one Cholesky factor reused with ``cho_solve`` at every step. Accuracy: max |coef difference| /
  max |coef|.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import row, timeit


def scaling_exponent(sizes, seconds) -> float:
    """Least-squares slope of ``log(seconds)`` against ``log(sizes)``."""
    sizes, seconds = np.asarray(sizes, float), np.asarray(seconds, float)
    if sizes.size < 2:
        return float("nan")
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def _timed(fn):
    """``(result, seconds)`` of one call (for slow baselines timed once, without a warm-up)."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _finish(rows, sizes, t, t_base):
    """Attach the fitted exponents of one study to its rows."""
    e, eb = scaling_exponent(sizes, t), scaling_exponent(sizes, t_base)
    for r in rows:
        r["scaling_exponent"] = e
        r["baseline_scaling_exponent"] = eb
        r["notes"] = (
            f"fitted slope of log time vs log size: {e:.2f} (baseline {eb:.2f}) over "
            f"{min(sizes)}..{max(sizes)}; " + r["notes"]
        )
    return rows


def _closed_form(quick):
    from sdtheory import Spectrum, filter_risk, sd_filter, sd_risk

    ds = [250, 500, 1000] if quick else [250, 500, 1000, 2000, 4000]
    lam = np.geomspace(1e-2, 1e2, 40)
    xi = np.linspace(-1.0, 4.0, 40)
    rows, t, tb = [], [], []
    for d in ds:
        rng = np.random.default_rng(d)
        sp = Spectrum(eigvals=np.geomspace(10.0, 0.01, d), signal=rng.standard_normal(d), noise=2.0)
        fast = sd_risk(sp, lam=lam[:, None], xi=xi[None, :])

        def naive():
            return np.array(
                [[filter_risk(sp, f=sd_filter(sp.eigvals, lam=a, xi=b)) for b in xi] for a in lam]
            )

        ref, tn = _timed(naive)
        t.append(
            timeit(lambda: sd_risk(sp, lam=lam[:, None], xi=xi[None, :]), repeat=3 if quick else 5)
        )
        tb.append(tn)
        err = float(np.max(np.abs(fast - ref) / np.abs(ref)))
        rows.append(
            row(
                "scaling",
                f"d={d}",
                "sd_risk on a 40x40 (lam, xi) grid",
                "filter_risk(sd_filter) point by point",
                t[-1],
                tb[-1],
                err,
                notes="closed form vs d; max_abs_error = max relative difference",
            )
        )
    return _finish(rows, ds, t, tb)


def _naive_mc(X, theta, noise, lam, xis, n_trials, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    A = X.T @ X + lam * np.eye(d)
    out = np.empty((n_trials, xis.size))
    for i in range(n_trials):
        y = X @ theta + np.sqrt(noise) * rng.standard_normal(n)
        th_t = np.linalg.solve(A, X.T @ y)
        for j, xi in enumerate(xis):
            th_s = np.linalg.solve(A, X.T @ (xi * (X @ th_t) + (1 - xi) * y))
            out[i, j] = np.sum((th_s - theta) ** 2)
    return out.mean(0), out.std(0, ddof=1) / np.sqrt(n_trials)


def _monte_carlo(quick):
    from sdtheory import LinearProblem, Spectrum, sd_risk
    from sdtheory.simulate import ridge_sd_monte_carlo

    trials = [250, 500] if quick else [250, 500, 1000, 2000, 4000]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 50)) * np.linspace(1.5, 0.2, 50)
    theta = rng.standard_normal(50)
    noise, lam = 4.0, 5.0
    xis = np.array([-1.0, 0.0, 0.5, 1.0, 3.0])
    theory = sd_risk(Spectrum.from_design(X, theta, noise), lam=lam, xi=xis)
    rows, t, tb = [], [], []
    for m in trials:
        run = lambda: ridge_sd_monte_carlo(  # noqa: E731
            LinearProblem(X, theta, noise), lam=lam, xi=xis, n_trials=m, seed=1
        )
        res = run()  # also the warm-up (compilation for this shape)
        t.append(timeit(lambda: run().mean, repeat=1 if quick else 3, warmup=0))
        z = np.max(np.abs((np.asarray(res.mean) - theory) / np.asarray(res.se)))
        tb.append(_timed(lambda: _naive_mc(X, theta, noise, lam, xis, m, 1))[1])
        rows.append(
            row(
                "scaling",
                f"trials={m}",
                "ridge_sd_monte_carlo (JAX, vmapped)",
                "NumPy loop over trials",
                t[-1],
                tb[-1],
                float(np.max(np.abs(np.asarray(res.mean) - theory))),
                rounds=1 if quick else 3,
                notes=f"MC vs trials, X 100x50, 5 xi values; max |z| vs theory = {z:.2f}; "
                "max_abs_error = max |MC mean - theory|",
            )
        )
    return _finish(rows, trials, t, tb)


def _kernel_path(quick):
    from scipy.linalg import cho_factor, cho_solve

    from sdtheory import kernel_self_distill, rbf_kernel

    Ns = [125, 250] if quick else [125, 250, 500, 1000, 2000]
    steps, lam, alpha = 20, 0.2, 0.3
    rows, t, tb = [], [], []
    for N in Ns:
        rng = np.random.default_rng(N)
        x = np.sort(rng.uniform(0, 1, N))
        K = rbf_kernel(x, gamma=80.0)
        y = np.sin(2 * np.pi * x) + 0.5 * rng.standard_normal(N)

        def chol_path():
            f = cho_factor(K + lam * np.eye(N))
            c = cho_solve(f, y)
            out = [c]
            for _ in range(steps - 1):
                c = cho_solve(f, alpha * y + (1 - alpha) * (K @ c))
                out.append(c)
            return np.array(out)

        fast = kernel_self_distill(K, y, lam=lam, xi=1 - alpha, steps=steps - 1).coef
        ref = chol_path()
        rep = 3
        t.append(
            timeit(
                lambda: kernel_self_distill(K, y, lam=lam, xi=1 - alpha, steps=steps - 1),
                repeat=rep,
            )
        )
        tb.append(timeit(chol_path, repeat=rep))
        err = float(np.abs(fast - ref).max() / np.abs(ref).max())
        rows.append(
            row(
                "scaling",
                f"N={N}, steps={steps}",
                "kernel_self_distill (single alpha)",
                "one Cholesky factor, cho_solve every step",
                t[-1],
                tb[-1],
                err,
                best_baseline="one Cholesky factor, cho_solve every step",
                best_baseline_seconds=tb[-1],
                best_baseline_error=err,
                notes="kernel path vs N; RBF gamma=80, lam=0.2, alpha=0.3; "
                "max_abs_error relative to max|coef|",
            )
        )
    return _finish(rows, Ns, t, tb)


def run(quick: bool = False) -> list[dict]:
    return _closed_form(quick) + _monte_carlo(quick) + _kernel_path(quick)


if __name__ == "__main__":
    import run_all

    raise SystemExit(run_all.main(["scaling"] + sys.argv[1:]))
