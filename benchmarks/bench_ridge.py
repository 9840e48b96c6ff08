"""Benchmarks for one-step ridge self-distillation.

(a) ``ridge-risk-surface``: the expected risk on a 512 × 512 (λ, ξ) grid for 2,000 eigenvalues by
    the vectorized closed form :func:`sdtheory.sd_risk`, against re-solving the estimator at each
    grid point: on a dense design ``X = U diag(s) Vᵀ`` (n = d = 2,000) with those eigenvalues,
    form the teacher and student matrices by linear solves,
    ``A_T = (XᵀX + λI)⁻¹Xᵀ``, ``A_S = (XᵀX + λI)⁻¹Xᵀ[ξXA_T + (1 − ξ)I]``, and the exact expected
    risk ``‖(A_S X − I)θ*‖² + γ² tr(A_S A_Sᵀ)``. The baseline runs on a sub-grid and is
    extrapolated to the full grid (``baseline_extrapolated=True``); ``max_abs_error`` is the
    largest difference between the two on the sub-grid (its relative value is in ``notes``).
(b) ``ridge-mc``: the batched JAX Monte Carlo (n = 500, d = 200, 2,000 trials) against per-trial
    NumPy loops on the SAME noise draws: the loop runs on the first trials only and its time is
    extrapolated to 2,000 trials; ``max_abs_error`` is the largest per-trial loss difference on
    those trials, and ``notes`` give the difference of their means.

Run: ``python benchmarks/bench_ridge.py [--quick]`` (or ``python benchmarks/run_all.py ridge``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import row, timeit


def _orthogonal(rng, m):
    q, r = np.linalg.qr(rng.standard_normal((m, m)))
    return q * np.sign(np.diag(r))


def _naive_risk(X, G, theta, noise, lam, xi):
    """Exact expected risk of the student at one (λ, ξ), re-solving everything (LU solves)."""
    n, d = X.shape
    A = G + lam * np.eye(d)
    A_T = np.linalg.solve(A, X.T)  # teacher: θ_T = A_T y
    A_S = np.linalg.solve(A, X.T @ (xi * (X @ A_T) + (1.0 - xi) * np.eye(n)))  # student: A_S y
    bias = A_S @ (X @ theta) - theta
    return float(bias @ bias + noise * np.sum(A_S * A_S))


def bench_surface(quick: bool):
    from sdtheory import Spectrum, sd_risk

    rng = np.random.default_rng(0)
    r, m = (200, 64) if quick else (2000, 512)
    sub = (2, 2)
    eig = np.geomspace(1e-2, 1e2, r)
    coords = rng.standard_normal(r) * eig**0.25
    noise = 1.0
    sp = Spectrum(eigvals=eig, signal=coords, noise=noise)
    lam = np.geomspace(1e-3, 1e3, m)
    xi = np.linspace(-2.0, 5.0, m)
    t_closed = timeit(lambda: sd_risk(sp, lam=lam[:, None], xi=xi[None, :]), repeat=3)
    surface = np.asarray(sd_risk(sp, lam=lam[:, None], xi=xi[None, :]))

    t0 = time.perf_counter()
    U, V = _orthogonal(rng, r), _orthogonal(rng, r)
    X = (U * np.sqrt(eig)) @ V.T
    theta = V @ coords
    G = X.T @ X
    t_setup = time.perf_counter() - t0
    li = np.linspace(0, m - 1, sub[0]).round().astype(int)
    xj = np.linspace(0, m - 1, sub[1]).round().astype(int)
    errs, rels = [], []
    t0 = time.perf_counter()
    for i in li:
        for j in xj:
            v = _naive_risk(X, G, theta, noise, lam[i], xi[j])
            errs.append(abs(v - surface[i, j]))
            rels.append(abs(v - surface[i, j]) / abs(surface[i, j]))
    per_point = (time.perf_counter() - t0) / (sub[0] * sub[1])
    t_naive = per_point * m * m
    return [
        row(
            "ridge-risk-surface",
            f"{m}x{m} (lam, xi) grid, {r} eigenvalues",
            "sd_risk closed form (vectorized)",
            "re-solve teacher+student per grid point (dense X)",
            t_closed,
            t_naive,
            float(max(errs)),
            baseline_extrapolated=True,
            notes=(
                f"baseline timed on a {sub[0]}x{sub[1]} sub-grid ({per_point:.3g}s/point) and "
                f"extrapolated to {m * m} points; max relative error {max(rels):.2e}; "
                f"design setup (SVD basis, XᵀX) {t_setup:.2f}s not counted"
            ),
        )
    ]


def bench_mc(quick: bool):
    import jax
    from scipy.linalg import cho_factor, cho_solve

    from sdtheory import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo, ridge_sd_noise

    rng = np.random.default_rng(1)
    n, d, n_trials = (500, 200, 2000) if not quick else (100, 40, 200)
    n_loop = 200 if not quick else 50
    X = rng.standard_normal((n, d))
    theta = rng.standard_normal(d) / np.sqrt(d)
    noise, lam, xi, seed = 1.0, 5.0, 2.0, 0

    prob = LinearProblem(X, theta, noise)
    mc_kw = dict(lam=lam, xi=xi, n_trials=n_trials, seed=seed)
    t0 = time.perf_counter()
    ridge_sd_monte_carlo(prob, **mc_kw)
    t_first = time.perf_counter() - t0
    t_jax = timeit(lambda: ridge_sd_monte_carlo(prob, **mc_kw), repeat=3)
    res, trials = ridge_sd_monte_carlo(prob, return_trials=True, **mc_kw)

    eta = ridge_sd_noise(n, noise=noise, n_trials=n_trials, seed=seed)[:n_loop]
    G = X.T @ X
    A = G + lam * np.eye(d)
    Xtheta = X @ theta

    def loop_solve():
        out = np.empty(n_loop)
        for t in range(n_loop):  # what one writes first: np.linalg.solve in every trial
            y = Xtheta + eta[t]
            th_t = np.linalg.solve(A, X.T @ y)
            th_s = np.linalg.solve(A, X.T @ (xi * (X @ th_t) + (1 - xi) * y))
            e = th_s - theta
            out[t] = e @ e
        return out

    def loop_cho():
        out = np.empty(n_loop)
        c = cho_factor(A)
        for t in range(n_loop):  # the careful loop: one Cholesky, reused
            y = Xtheta + eta[t]
            th_t = cho_solve(c, X.T @ y)
            th_s = cho_solve(c, X.T @ (xi * (X @ th_t) + (1 - xi) * y))
            e = th_s - theta
            out[t] = e @ e
        return out

    rows = []
    scale = n_trials / n_loop
    for name, fn in (
        ("per-trial NumPy loop, np.linalg.solve", loop_solve),
        ("per-trial NumPy loop, cached Cholesky", loop_cho),
    ):
        t_loop = timeit(fn, repeat=1, warmup=0)
        ref = fn()
        err = float(np.max(np.abs(ref - trials[:n_loop])))
        dmean = abs(ref.mean() - trials[:n_loop].mean())
        rows.append(
            row(
                "ridge-mc",
                f"n={n} d={d} trials={n_trials}",
                "batched JAX MC (jit+vmap, Cholesky)",
                name,
                t_jax,
                t_loop * scale,
                err,
                baseline_extrapolated=n_loop < n_trials,
                notes=(
                    f"same noise draws; loop timed on {n_loop} trials x{scale:g}; "
                    f"|Δmean| over those trials {dmean:.2e} (MC mean {res.mean:.4g} ± "
                    f"{res.se:.2g}); JAX first call incl. compile {t_first:.2f}s; "
                    f"backend {jax.default_backend()}"
                ),
            )
        )
    return rows


def run(quick: bool = False) -> list[dict]:
    return bench_surface(quick) + bench_mc(quick)


if __name__ == "__main__":
    import run_all

    raise SystemExit(run_all.main(["ridge"] + sys.argv[1:]))
