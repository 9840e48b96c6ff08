"""Several self-distillation stages on the noisy Gaussian mixture: test error against the stage
with fixed and with greedily optimized per-stage (λ, β), theory against Monte Carlo, and the
gain of each stage across sample ratios.

See the theory page :doc:`/theory/multistage`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._registry import FigureOutput, figure, grid_params, pyplot


@figure(
    "classification-gmm-multistage",
    "Gaussian mixture (M/N = 2, Δ = 1, corruption 0.2): test error against the SD stage, fixed "
    "(λ = 1, hard or soft β = 2) and greedily optimized (λ_t ≤ 3, β_t), theory and Monte Carlo, "
    "Bayes reference; gain of stages 2–4 over the teacher against M/N",
)
def gmm_multistage_figure(quick: bool) -> FigureOutput:
    from ..classification import gmm_bayes_error, gmm_multistage, optimize_gmm_multistage

    plt = pyplot()
    alpha, delta, rho, flip = 2.0, 1.0, 0.5, 0.2
    steps = 2 if quick else 3
    T = steps + 1  # fits, teacher included: stages 1..T
    configs = {
        "λ = 1, hard": dict(lam=1.0, inverse_temperature=np.inf),
        "λ = 1, soft β = 2": dict(lam=1.0, inverse_temperature=2.0),
    }
    th = {
        k: gmm_multistage(alpha, delta, rho, corruption=flip, steps=steps, **v)
        for k, v in configs.items()
    }
    n_grid = 5 if quick else 9
    # λ ≤ 3: larger λ keeps improving the N → ∞ error (ρ = 1/2) but shrinks m like 1/λ below
    # the O(1/√N) fluctuation of the unpenalized bias, so the simulation would not follow
    lam_bounds = (0.05, 3.0)
    with warnings.catch_warnings(record=True) as caught:
        # λ_t at its upper bound is expected here (ρ = 1/2): recorded in params, not raised
        warnings.simplefilter("always", UserWarning)
        opt = optimize_gmm_multistage(
            alpha, delta, rho, corruption=flip, steps=steps, n_grid=n_grid, lam_bounds=lam_bounds
        )
    at_bound = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    th["greedy optimum (λ_t ≤ 3, β_t)"] = opt
    configs["greedy optimum (λ_t ≤ 3, β_t)"] = dict(
        lam=[float(v) for v in opt.lam],
        inverse_temperature=[float(v) for v in opt.inverse_temperature],
    )
    step_axis = np.arange(T)
    rows = []
    for k, r in th.items():
        for t in range(T):
            rows.append(
                {
                    "config": k,
                    "step": t,
                    "test_error": r.test_error[t],
                    "m": r.m[t],
                    "Q": r.Q[t],
                    "b": r.b[t],
                    "lam": r.lam[t],
                    "inverse_temperature": r.inverse_temperature[t - 1] if t else np.nan,
                }
            )
    theory = pd.DataFrame(rows)
    bayes = float(gmm_bayes_error(alpha, delta, rho))
    mc = pd.DataFrame()
    N, seeds = 1000, 16
    if not quick:
        from ..simulate import simulate_gmm_multistage

        recs = []
        for k, v in configs.items():
            out = simulate_gmm_multistage(
                N, alpha, delta, rho, corruption=flip, steps=steps, **v,
                n_trials=seeds, seed=31, batch_size=8,
            )  # fmt: skip
            for t, g in out.groupby("step"):
                e = g.test_error.to_numpy()
                recs.append(
                    {
                        "config": k,
                        "step": t,
                        "N": N,
                        "mean": e.mean(),
                        "se": e.std(ddof=1) / np.sqrt(e.size),
                    }
                )
        mc = pd.DataFrame(recs)
    a_line = np.geomspace(0.2, 30, 12 if quick else 30)
    gains = np.array(
        [
            gmm_multistage(a, delta, rho, corruption=flip, lam=1.0, steps=steps).test_error
            for a in a_line
        ]
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    colors = {"λ = 1, hard": "tab:red", "λ = 1, soft β = 2": "tab:blue"}
    colors["greedy optimum (λ_t ≤ 3, β_t)"] = "tab:green"
    for k, r in th.items():
        ax.plot(step_axis, r.test_error, "-o", color=colors[k], ms=3, lw=1, label=f"{k} (theory)")
        if len(mc):
            sub = mc[mc.config == k]
            ax.errorbar(
                sub.step + 0.05,
                sub["mean"],
                2 * sub.se,
                fmt="s",
                mfc="none",
                color=colors[k],
                ms=5,
                label=f"{k} (MC, N = {N}, ±2 SE)",
            )
    ax.axhline(bayes, color="k", ls=":", label="clean-label Bayes")
    ax.set_xticks(step_axis)
    ax.set_xlabel("SD step (0 = teacher)")
    ax.set_ylabel("test error")
    ax.legend(fontsize=7)
    ax = axes[1]
    for t in range(1, T):
        ax.plot(a_line, gains[:, 0] - gains[:, t], label=f"teacher − step {t}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("sample ratio M/N")
    ax.set_ylabel("error reduction (theory, λ = 1, hard labels)")
    ax.legend(fontsize=7)
    fig.suptitle(
        f"Several SD stages, noisy Gaussian mixture (Δ = {delta:g}, ρ = {rho:g}, corruption "
        f"{flip:g}; left: M/N = {alpha:g})"
    )
    fig.tight_layout()
    alpha_tab = pd.DataFrame({"sample_ratio": a_line})
    for t in range(T):
        alpha_tab[f"test_error_stage{t + 1}"] = gains[:, t]
    params = {
        "model": "noisy Gaussian mixture, squared loss, coupled multi-stage theory",
        "sample_ratio": alpha,
        "delta": delta,
        "rho": rho,
        "corruption": flip,
        "steps": steps,
        "stage_numbering": "stage 1 = teacher, stage t = SD step t - 1 (T = steps + 1 fits)",
        "fixed": {"lam": 1.0, "inverse_temperature": {"hard": "inf", "soft": 2.0}, "xi": 1.0},
        "optimizer": {
            "kind": "greedy stage by stage",
            "n_grid": n_grid,
            "lam_bounds": list(lam_bounds),
            "inverse_temperature_bounds": [0.1, 100.0],
            "lam": [float(v) for v in opt.lam],
            "inverse_temperature": [float(v) for v in opt.inverse_temperature],
            "at_bound_warnings": at_bound,
        },
        "sample_ratio_grid": grid_params(0.2, 30, a_line.size, "geometric"),
        "bayes_error": bayes,
        "mc": None if quick else {"N": N, "n_trials": seeds, "seed": 31, "batch_size": 8},
        "error_bars": "±2 standard errors over trials (std ddof=1 / sqrt(n_trials))",
        "quick": quick,
        "quick_effect": "2 SD steps (full 3), optimizer grid 5 (full 9), 12 sample ratios "
        "(full 30), no Monte Carlo (full: N = 1000, 16 trials)",
    }
    return FigureOutput(fig, theory, extra={"mc": mc, "alpha": alpha_tab}, params=params)
