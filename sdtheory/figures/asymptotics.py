"""Figures for the proportional asymptotics of self-distillation and one-shot ξ.

λ is on the mean-loss scale throughout (the summed-loss λ of the data functions divided by n).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._registry import FigureOutput, figure, grid_params

GAMMA = 0.5
SIGMA2 = 1.0


#: The two problems of :func:`_problems`, in words (for a figure's ``params``).
_PROBLEMS_DESC = {
    "isotropic": "Σ = I_p, β = 1/√p (all directions)",
    "two-level (signal on top 10%)": "Σ eigenvalues 10 on the top k = max(1, p // 10) "
    "directions and 1 on the rest, β = 1/√k on the top k, 0 elsewhere",
}


def _problems(p):
    """(name, cov eigenvalues, β in the eigenbasis) for an isotropic and an anisotropic case."""
    k = max(1, p // 10)
    return [
        ("isotropic", np.ones(p), np.ones(p) / np.sqrt(p)),
        (
            "two-level (signal on top 10%)",
            np.r_[np.full(k, 10.0), np.ones(p - k)],
            np.r_[np.ones(k) / np.sqrt(k), np.zeros(p - k)],
        ),
    ]


@figure(
    "asymptotic-risk-curves",
    "R, R_pd, optimal-SD risk and ξ* (twin axis) vs λ, isotropic and anisotropic, "
    "with random-design MC points",
)
def risk_curves(quick: bool) -> FigureOutput:
    import matplotlib.pyplot as plt

    from .. import asymptotic_risks
    from ..simulate import simulate_random_design

    p = 64 if quick else 400
    trials = 24 if quick else 60
    lam = np.geomspace(1e-2, 1e2, 121)
    lam_mc = np.geomspace(0.03, 30, 4 if quick else 9)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    rows, mc_rows = [], []
    for ax, (name, s, beta) in zip(axes, _problems(p)):
        th = asymptotic_risks(s, beta**2, noise=SIGMA2, aspect_ratio=GAMMA, lam=lam)
        mc = simulate_random_design(
            s, beta, noise=SIGMA2, n=int(p / GAMMA), lam=lam_mc, n_trials=trials, seed=7
        )
        ax.plot(lam, th.R, "C0", label="teacher R̄")
        ax.plot(lam, th.R_pd, "C1", label="pure-distilled R̄_pd")
        ax.plot(lam, th.R_sd, "C2", label="optimal SD R̄*_sd")
        for col, c in (("R", "C0"), ("R_pd", "C1"), ("R_sd", "C2")):
            ax.errorbar(
                lam_mc,
                mc[col],
                yerr=2 * mc[col + "_se"],
                fmt="o",
                color=c,
                ms=4,
                label="Monte Carlo ± 2 SE" if col == "R" else None,
            )
        # the whole teacher curve and every MC bar stay inside the axes
        top = max(
            float(th.R.max()),
            float(th.R_pd.max()),
            float(
                (
                    mc[["R", "R_pd", "R_sd"]].to_numpy()
                    + 2 * mc[["R_se", "R_pd_se", "R_sd_se"]].to_numpy()
                ).max()
            ),
        )
        if top > 3 * SIGMA2:  # risks span a decade (anisotropic case): log keeps the floor visible
            ax.set_yscale("log")
        ax.set_ylim(0.95 * SIGMA2, 1.08 * top)
        ax.set_xscale("log")
        ax.set_xlabel("λ (mean-loss scale)")
        ax.set_ylabel("fresh-point risk ‖θ̂ − θ*‖²_Σ + σ²")
        ax.set_title(
            f"{name}\nγ = {GAMMA}, σ² = {SIGMA2} (MC: p = {p}, {trials} trials)", fontsize=10
        )
        tw = ax.twinx()
        tw.plot(lam, th.xi_star, "k--", lw=1, label="ξ̄* (right axis)")
        tw.errorbar(lam_mc, mc.xi_ratio, yerr=2 * mc.xi_ratio_se, fmt="ks", ms=3)
        tw.axhline(0, color="0.7", lw=0.5)
        tw.axhline(1, color="0.7", lw=0.5, ls=":")
        tw.set_ylabel("ξ̄*")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = tw.get_legend_handles_labels()
        rows.append(th.assign(problem=name))
        mc_rows.append(mc.assign(problem=name))
    # one shared legend below the panels, so it never covers a curve
    fig.legend(h1 + h2, l1 + l2, loc="outside lower center", ncol=5, fontsize=8, frameon=False)
    data = pd.concat(rows, ignore_index=True)
    mc_df = pd.concat(mc_rows, ignore_index=True)
    params = {
        "problems": _PROBLEMS_DESC,
        "aspect_ratio": GAMMA,
        "noise": SIGMA2,
        "lam_grid": grid_params(1e-2, 1e2, lam.size, "geometric"),
        "lam_mc_grid": grid_params(0.03, 30, lam_mc.size, "geometric"),
        "mc": {
            "p": p,
            "n": int(p / GAMMA),
            "design": "Gaussian (simulate_random_design)",
            "n_trials": trials,
            "seed": 7,
        },
        "error_bars": "±2 standard errors",
        "quick": quick,
        "quick_effect": "MC p = 64 (full 400), 24 trials (full 60), 4 MC λ (full 9)",
    }
    return FigureOutput(fig, data, extra={"mc": mc_df}, params=params)


@figure(
    "asymptotic-normalized-gain",
    "normalized gain (R − R*_sd)/(R − σ²) of optimal SD over its teacher vs λ "
    "for several spectra and γ",
)
def normalized_gain(quick: bool) -> FigureOutput:
    import matplotlib.pyplot as plt

    from .. import asymptotic_risks, compare_sd_vs_ridge, power_law_spectrum, two_level_spectrum

    lam = np.geomspace(1e-3, 1e3, 81 if quick else 241)
    gammas = [0.2, 0.5, 2.0] if quick else [0.1, 0.2, 0.5, 1.0, 2.0, 5.0]
    spectra = {
        "isotropic": (np.array([1.0]), np.array([1.0]), np.array([1.0])),
        "two-level, signal on top": two_level_spectrum(
            high=10.0, low=1.0, frac_high=0.1, signal_high=1.0, signal_low=0.0
        ),
        "power law a=1, b=2": power_law_spectrum(
            200 if quick else 1000, decay=1.0, signal_decay=2.0
        ),
    }
    fig, axes = plt.subplots(
        1, len(spectra), figsize=(13, 3.8), constrained_layout=True, sharey=True
    )
    rows, best = [], []
    for ax, (name, (s, e, w)) in zip(axes, spectra.items()):
        for g in gammas:
            th = asymptotic_risks(s, e, noise=SIGMA2, aspect_ratio=g, lam=lam, weights=w)
            norm = th.gain / (th.R - SIGMA2)
            ax.plot(lam, norm, label=f"γ = {g}")
            rows.append(th.assign(spectrum=name, gamma=g, normalized_gain=norm))
            cmp = compare_sd_vs_ridge(
                s, e, noise=SIGMA2, aspect_ratio=g, weights=w, per_decade=12 if quick else 40
            )
            best.append(
                {
                    "spectrum": name,
                    "gamma": g,
                    "lam_ridge": cmp.lam_ridge,
                    "R_ridge": cmp.R_ridge,
                    "lam_sd": cmp.lam_sd,
                    "xi_sd": cmp.xi_sd,
                    "R_sd": cmp.R_sd,
                    "relative_gain_over_best_ridge": cmp.relative_gain,
                    "curvature_D": cmp.curvature.D,
                    "curvature_bound": cmp.curvature.curvature_bound,
                    "curvature_test": cmp.curvature.sd_beats_ridge,
                }
            )
        ax.set_xscale("log")
        ax.set_xlabel("λ (mean-loss scale)")
        ax.set_title(name)
    axes[0].set_ylabel("(R̄ − R̄*_sd)/(R̄ − σ²)")
    axes[0].legend(fontsize=8)
    params = {
        "spectra": {
            "isotropic": "Σ = I, signal energy 1",
            "two-level, signal on top": "two_level_spectrum(high=10, low=1, frac_high=0.1, "
            "signal_high=1, signal_low=0)",
            "power law a=1, b=2": f"power_law_spectrum({200 if quick else 1000}, decay=1, "
            "signal_decay=2)",
        },
        "noise": SIGMA2,
        "aspect_ratios": gammas,
        "lam_grid": grid_params(1e-3, 1e3, lam.size, "geometric"),
        "best_search_per_decade": 12 if quick else 40,
        "quick": quick,
        "quick_effect": "λ grid 81 points (full 241), γ ∈ {0.2, 0.5, 2} (full 0.1..5, 6 "
        "values), power law 200 directions (full 1000), 12 λ per decade (full 40)",
    }
    return FigureOutput(
        fig,
        pd.concat(rows, ignore_index=True),
        extra={"best": pd.DataFrame(best)},
        params=params,
    )


@figure(
    "one-shot-xi-convergence",
    "one-shot ξ̂ (corrected and plain GCV) vs the asymptotic ξ̄* as p grows at γ = 1/2",
)
def one_shot_convergence(quick: bool) -> FigureOutput:
    import matplotlib.pyplot as plt

    from .. import asymptotic_risks, one_shot_xi

    ps = [50, 200] if quick else [50, 100, 200, 400, 800]
    datasets = 5 if quick else 10
    lam = np.geomspace(0.05, 5, 9 if quick else 13)
    rng = np.random.default_rng(3)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    rows = []
    for j, (name, _, _) in enumerate(_problems(10)):
        ax = axes[j]
        for p in ps:
            s, beta = _problems(p)[j][1:]
            n = int(p / GAMMA)
            th = asymptotic_risks(s, beta**2, noise=SIGMA2, aspect_ratio=GAMMA, lam=lam)
            for rep in range(datasets):
                X = rng.standard_normal((n, p)) * np.sqrt(s)
                y = X @ beta + np.sqrt(SIGMA2) * rng.standard_normal(n)
                for method in ("corrected", "gcv"):
                    est = one_shot_xi(X, y, lam=n * lam, uncertainty="none", method=method)
                    rows.append(
                        pd.DataFrame(
                            {
                                "problem": name,
                                "p": p,
                                "rep": rep,
                                "method": method,
                                "lam": lam,
                                "xi_hat": est.xi_hat,
                                "xi_star": th.xi_star,
                            }
                        )
                    )
        df = pd.concat([r for r in rows if r.problem.iloc[0] == name])
        for i, p in enumerate(ps):
            for method, ls in (("corrected", "-o"), ("gcv", ":x")):
                d = df[(df.p == p) & (df.method == method)].groupby("lam").xi_hat
                ax.errorbar(
                    lam * (1 + 0.03 * i),
                    d.mean(),
                    yerr=d.std(),
                    fmt=ls,
                    color=f"C{i}",
                    ms=3,
                    lw=1,
                    alpha=0.9 if method == "corrected" else 0.5,
                    label=f"p = {p}" + (" (plain GCV)" if method == "gcv" else ""),
                )
        ax.plot(
            lam, df[df.p == ps[-1]].groupby("lam").xi_star.first(), "k", lw=2, label="ξ̄* (theory)"
        )
        ax.set_xscale("log")
        ax.set_xlabel("λ (mean-loss scale)")
        ax.set_ylabel("ξ")
        ax.set_title(f"{name}: mean ± sd over {datasets} datasets")
        ax.legend(fontsize=7, ncol=2)
    data = pd.concat(rows, ignore_index=True)
    summ = (
        data.assign(abs_err=(data.xi_hat - data.xi_star).abs())
        .groupby(["problem", "method", "p"])
        .abs_err.mean()
        .reset_index()
    )
    params = {
        "problems": _PROBLEMS_DESC,
        "aspect_ratio": GAMMA,
        "noise": SIGMA2,
        "ps": ps,
        "n": "p / γ",
        "design": "Gaussian X (rows N(0, Σ))",
        "datasets": datasets,
        "seed": 3,
        "lam_grid": grid_params(0.05, 5, lam.size, "geometric"),
        "lam_scale": "mean-loss scale; one_shot_xi gets n·λ",
        "methods": ["corrected", "gcv"],
        "error_bars": "± one standard deviation over datasets",
        "quick": quick,
        "quick_effect": "p ∈ {50, 200} (full 50..800), 5 datasets (full 10), 9 λ (full 13)",
    }
    return FigureOutput(fig, data, extra={"summary": summ}, params=params)
