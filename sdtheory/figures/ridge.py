"""Figures for one-step ridge self-distillation (see the theory page :doc:`/theory/ridge`).

* ``ridge-xi-star-vs-noise``: ξ*(λ) against the label-noise variance σ², with the crossing
  ξ* = 1 at σ₁²(λ) (:func:`sdtheory.xi_above_one_noise_threshold`) marked, for a few λ.
* ``ridge-risk-vs-xi``: the risk E(λ, ξ) against ξ for several noise levels: closed-form curves
  and JAX Monte Carlo points with ±2 SE error bars.
* ``ridge-sd-over-ridge-vs-alignment``: optimal-SD risk over optimal-ridge risk against the
  alignment ``a`` of the signal with the spectrum (θ_j² ∝ s_j^{2a}); boundary optima marked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._registry import FigureOutput, figure, grid_params, pyplot

# a power-law spectrum shared by the theory-only figures: s_j² = j^{-1}, j = 1..50
_EIGVALS = 1.0 / np.arange(1, 51, dtype=float)
_EIGVALS_DESC = "s_j² = 1/j, j = 1..50"


@figure("ridge-xi-star-vs-noise", "optimal ξ* vs label-noise variance, ξ*=1 crossing σ₁²(λ) marked")
def xi_star_vs_noise(quick: bool) -> FigureOutput:
    from .. import Spectrum, optimal_xi, optimal_xi_noise_limits, xi_above_one_noise_threshold

    plt = pyplot()
    energy = _EIGVALS / _EIGVALS.sum()  # θ_j² ∝ s_j² (aligned signal), Σθ_j² = 1
    base = Spectrum(eigvals=_EIGVALS, signal_energy=energy, noise=0.0)
    noises = np.logspace(-6, 1, 50 if quick else 200)
    lams = [0.003, 0.03, 0.3]
    rows, thr_rows = [], []
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for lam in lams:
        xs = np.array([float(optimal_xi(base.with_noise(g2), lam=lam)) for g2 in noises])
        rows += [{"lam": lam, "noise": g2, "xi_star": x} for g2, x in zip(noises, xs)]
        thr = float(xi_above_one_noise_threshold(base, lam=lam))
        lo, hi = optimal_xi_noise_limits(base, lam=lam)
        thr_rows.append(
            {
                "lam": lam,
                "noise_threshold": thr,
                "xi_star_noise_to_0": float(lo),
                "xi_star_noise_to_inf": float(hi),
            }
        )
        (line,) = ax.semilogx(noises, xs, label=f"λ = {lam:g}")
        ax.axhline(float(hi), color=line.get_color(), lw=0.8, ls=":")
        if thr > 0:
            ax.plot([thr], [1.0], "o", color=line.get_color(), mfc="white")
            ax.axvline(thr, color=line.get_color(), lw=0.8, ls="--")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xlabel("label-noise variance σ²")
    ax.set_ylabel("optimal distillation weight ξ*(λ)")
    ax.set_title("ξ* > 1 above σ₁²(λ) (circles); dotted: limit as σ² → ∞", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    params = {
        "eigvals": _EIGVALS_DESC,
        "signal_energy": "θ_j² ∝ s_j² (aligned), Σθ_j² = 1",
        "noise_grid": grid_params(1e-6, 10.0, noises.size, "geometric (np.logspace(-6, 1))"),
        "lams": lams,
        "quick": quick,
        "quick_effect": "noise grid 50 points (full 200)",
    }
    return FigureOutput(
        fig, pd.DataFrame(rows), extra={"thresholds": pd.DataFrame(thr_rows)}, params=params
    )


def _risk_vs_xi_problem():
    rng = np.random.default_rng(11)
    n, d = 50, 20
    U, _ = np.linalg.qr(rng.standard_normal((n, d)))
    V, _ = np.linalg.qr(rng.standard_normal((d, d)))
    s = np.geomspace(0.2, 5.0, d)
    X = (U * s) @ V.T
    theta = V @ (s / np.linalg.norm(s) * 2.0)  # aligned signal, ‖θ*‖ = 2
    return X, theta


@figure("ridge-risk-vs-xi", "risk vs ξ for several noise levels: theory curves, Monte Carlo ±2 SE")
def risk_vs_xi(quick: bool) -> FigureOutput:
    from .. import LinearProblem, optimal_xi, sd_risk
    from ..simulate import ridge_sd_monte_carlo

    plt = pyplot()
    X, theta = _risk_vs_xi_problem()
    lam = 0.5
    noises = [0.1, 1.0, 4.0]
    xi_curve = np.linspace(-1.5, 5.0, 131)
    xi_mc = np.linspace(-1.0, 4.5, 8)
    n_trials = 400 if quick else 5000
    rows, mc_rows = [], []
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for k, g2 in enumerate(noises):
        sp = LinearProblem(X, theta, g2)  # one problem for theory and Monte Carlo
        curve = np.asarray(sd_risk(sp, lam=lam, xi=xi_curve))
        xs = float(optimal_xi(sp, lam=lam))
        rows += [{"noise": g2, "xi": x, "theory_risk": r} for x, r in zip(xi_curve, curve)]
        res = ridge_sd_monte_carlo(sp, lam=lam, xi=xi_mc, n_trials=n_trials, seed=100 + k)
        th_mc = np.asarray(sd_risk(sp, lam=lam, xi=xi_mc))
        mc_rows += [
            {
                "noise": g2,
                "xi": x,
                "mc_mean": m,
                "mc_se": s,
                "n": res.n,
                "theory_risk": t,
                "z": (m - t) / s,
            }
            for x, m, s, t in zip(xi_mc, res.mean, res.se, th_mc)
        ]
        (line,) = ax.plot(xi_curve, curve, label=f"σ² = {g2:g} (ξ* = {xs:.2f})")
        ax.errorbar(
            xi_mc, res.mean, yerr=2 * res.se, fmt="o", ms=3.5, color=line.get_color(), capsize=2
        )
        ax.plot([xs], [float(sd_risk(sp, lam=lam, xi=xs))], "*", ms=10, color=line.get_color())
    ax.axvline(1.0, color="k", lw=0.6, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("distillation weight ξ")
    ax.set_ylabel("fixed-design risk E‖θ̂ − θ*‖²")
    ax.set_title(
        f"n=50, d=20, λ={lam:g}; lines: theory, points: MC ±2 SE ({n_trials} trials), stars: ξ*",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    params = {
        "design": "fixed X = U diag(s) Vᵀ, U (n×d) and V (d×d) from QR of Gaussians, seed 11",
        "n": X.shape[0],
        "d": X.shape[1],
        "singular_values": grid_params(0.2, 5.0, X.shape[1], "geometric"),
        "signal": "θ* = V s/‖s‖ · 2 (aligned, ‖θ*‖ = 2)",
        "problem_seed": 11,
        "lam": lam,
        "noises": noises,
        "xi_curve_grid": grid_params(-1.5, 5.0, xi_curve.size),
        "xi_mc_grid": grid_params(-1.0, 4.5, xi_mc.size),
        "n_trials": n_trials,
        "mc_seeds": [100 + k for k in range(len(noises))],
        "error_bars": "±2 standard errors",
        "quick": quick,
        "quick_effect": "400 Monte Carlo trials per point (full 5000)",
    }
    return FigureOutput(fig, pd.DataFrame(rows), extra={"mc": pd.DataFrame(mc_rows)}, params=params)


@figure(
    "ridge-sd-over-ridge-vs-alignment",
    "optimal-SD / optimal-ridge risk vs signal alignment a (θ_j² ∝ s_j^{2a}), "
    "boundary optima marked",
)
def sd_over_ridge_vs_alignment(quick: bool) -> FigureOutput:
    from .. import Spectrum, optimal_sd

    plt = pyplot()
    alignments = np.linspace(-1.0, 4.0, 21 if quick else 101)
    noises = [1e-4, 0.01, 1.0]
    rows = []
    for g2 in noises:
        for a in alignments:
            energy = _EIGVALS**a
            energy = energy / energy.sum()  # Σθ_j² = 1
            opt = optimal_sd(Spectrum(eigvals=_EIGVALS, signal_energy=energy, noise=g2))
            rows.append(
                {
                    "alignment": a,
                    "noise": g2,
                    "ratio": opt.ratio_to_ridge,
                    "sd_risk": opt.risk,
                    "ridge_risk": opt.ridge.risk,
                    "sd_lam": opt.lam,
                    "sd_xi": opt.xi,
                    "ridge_lam": opt.ridge.lam,
                    "boundary": opt.boundary or "",
                    "limit_parameter": opt.limit_parameter,
                }
            )
    df = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for g2 in noises:
        sub = df[df.noise == g2]
        (line,) = ax.plot(sub.alignment, sub.ratio, "-", label=f"σ² = {g2:g}")
        b = sub[sub.boundary != ""]
        if len(b):
            ax.plot(b.alignment, b.ratio, "s", mfc="white", color=line.get_color(), ms=5)
    ax.plot([], [], "s", mfc="white", color="gray", label="boundary optimum (λ→0 or λ→∞)")
    ax.axhline(1.0, color="k", lw=0.6)
    ax.axvline(0.0, color="k", lw=0.6, ls=":")
    ax.set_xlabel("alignment a  (θ_j² ∝ s_j^{2a}, s_j² = 1/j, 50 directions)")
    ax.set_ylabel("optimal SD risk / optimal ridge risk")
    ax.set_title("a = 0 (flat signal): ridge is the oracle, no gain", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    params = {
        "eigvals": _EIGVALS_DESC,
        "signal_energy": "θ_j² ∝ s_j^{2a} = j^{-a}, Σθ_j² = 1",
        "alignment_grid": grid_params(-1.0, 4.0, alignments.size),
        "noises": noises,
        "optimizer": "optimal_sd (joint λ, ξ) vs its optimal ridge",
        "quick": quick,
        "quick_effect": "alignment grid 21 points (full 101)",
    }
    return FigureOutput(fig, df, params=params)
