"""Gaussian-mixture figures of the classification part: the first SD stage and the corruption
range in which the student beats the teacher, theory against Monte Carlo.

See the theory page :doc:`/theory/classification`. The clustered-model figures are in
:mod:`sdtheory.figures.classification`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._registry import FigureOutput, figure, grid_params, pyplot


@figure(
    "classification-gmm-alpha",
    "Gaussian mixture (Δ = 1, corruption 0.2, λ = 1): test error vs sample ratio M/N, teacher "
    "and SD-stage-1 theory, Bayes reference, Monte Carlo teacher and SD stages 1–2 (hard / soft)",
)
def gmm_alpha(quick: bool) -> FigureOutput:
    from ..classification import gmm_bayes_error, gmm_first_stage, gmm_sd_stage
    from ..simulate import simulate_gmm_sd

    plt = pyplot()
    delta, rho, flip, lam = 1.0, 0.5, 0.2, 1.0
    a_line = np.geomspace(0.1, 20, 80 if quick else 200)
    th = gmm_first_stage(a_line, delta, rho, corruption=flip, lam=lam)
    sd_th = {
        label: np.array(
            [
                gmm_sd_stage(
                    a, delta, rho, corruption=flip, lam=lam, inverse_temperature=beta
                ).test_error
                for a in a_line
            ]
        )
        for label, beta in (("hard", np.inf), ("soft β=2", 2.0))
    }
    N = 150 if quick else 800
    seeds = 8 if quick else 16
    # (small M/N with small N is avoided: there m is tiny and the trial-to-trial spread of the bias
    # inflates the *mean* test error over seeds, a finite-N effect that decays like 1/N)
    alphas = [1.0, 2.0, 8.0] if quick else [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
    Mmax = int(round(max(alphas) * N))
    rows = []
    for label, beta in (("hard", np.inf), ("soft β=2", 2.0)):
        for a in alphas:
            out = simulate_gmm_sd(
                N,
                a,
                delta,
                rho,
                corruption=flip,
                lam=lam,
                steps=2,
                inverse_temperature=beta,
                n_trials=seeds,
                seed=11,
                batch_size=seeds,
                max_samples=Mmax,
            )
            e = out.pivot(index="trial", columns="step", values="test_error").to_numpy()
            for st in range(3):
                rows.append(
                    {
                        "pseudo": label,
                        "sample_ratio": a,
                        "step": st,
                        "N": N,
                        "mean": e[:, st].mean(),
                        "se": e[:, st].std(ddof=1) / np.sqrt(seeds),
                        "gain": (e[:, 0] - e[:, st]).mean(),
                        "gain_se": (e[:, 0] - e[:, st]).std(ddof=1) / np.sqrt(seeds),
                    }
                )
    mc = pd.DataFrame(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    ax.plot(a_line, th.test_error, "k", label="teacher (theory)")
    ax.plot(a_line, gmm_bayes_error(a_line, delta), "k:", label="clean-label Bayes")
    ax.plot(a_line, sd_th["hard"], color="tab:red", lw=1, label="SD stage 1, hard (theory)")
    ax.plot(
        a_line, sd_th["soft β=2"], color="tab:blue", lw=1, label="SD stage 1, soft β=2 (theory)"
    )
    t0 = mc[(mc.step == 0) & (mc.pseudo == "hard")]
    ax.errorbar(
        t0.sample_ratio,
        t0["mean"],
        2 * t0.se,
        fmt="ko",
        ms=4,
        mfc="none",
        label=f"teacher MC (N={N})",
    )
    for label, col in (("hard", "tab:red"), ("soft β=2", "tab:blue")):
        for st, mk in ((1, "s"), (2, "^")):
            sub = mc[(mc.step == st) & (mc.pseudo == label)]
            ax.errorbar(
                sub.sample_ratio,
                sub["mean"],
                2 * sub.se,
                fmt=mk,
                color=col,
                ms=4,
                label=f"SD stage {st}, {label} (MC)",
            )
    ax.set_xscale("log")
    ax.set_xlabel("sample ratio M/N")
    ax.set_ylabel("test error")
    ax.legend(fontsize=7)
    ax = axes[1]
    for label, col in (("hard", "tab:red"), ("soft β=2", "tab:blue")):
        sub = mc[(mc.step == 1) & (mc.pseudo == label)]
        ax.plot(
            a_line,
            th.test_error - sd_th[label],
            color=col,
            lw=1,
            label=f"teacher − stage 1, {label} (theory)",
        )
        ax.errorbar(
            sub.sample_ratio,
            sub.gain,
            2 * sub.gain_se,
            fmt="o",
            color=col,
            ms=4,
            label=f"teacher − stage 1, {label} (MC)",
        )
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("sample ratio M/N")
    ax.set_ylabel("error reduction by one SD stage (paired, ±2 SE)")
    ax.legend(fontsize=7)
    fig.suptitle(
        f"Noisy Gaussian mixture, squared loss (Δ = {delta:g}, ρ = {rho:g}, corruption {flip:g}, "
        f"λ = {lam:g})"
    )
    fig.tight_layout()
    theory = pd.DataFrame(
        {
            "sample_ratio": a_line,
            "teacher_theory": th.test_error,
            "m": th.m,
            "Q": th.Q,
            "bayes": gmm_bayes_error(a_line, delta),
            "sd_hard_theory": sd_th["hard"],
            "sd_soft2_theory": sd_th["soft β=2"],
        }
    )
    params = {
        "model": "noisy Gaussian mixture, squared loss",
        "delta": delta,
        "rho": rho,
        "corruption": flip,
        "lam": lam,
        "sample_ratio_grid": grid_params(0.1, 20, a_line.size, "geometric"),
        "sd_theory_inverse_temperature": {"hard": "inf", "soft β=2": 2.0},
        "mc": {
            "N": N,
            "sample_ratios": alphas,
            "steps": 2,
            "n_trials": seeds,
            "seed": 11,
            "batch_size": seeds,
            "max_samples": Mmax,
            "inverse_temperature": {"hard": "inf", "soft β=2": 2.0},
        },
        "error_bars": "±2 standard errors over trials (std ddof=1 / sqrt(n_trials))",
        "quick": quick,
        "quick_effect": "sample-ratio grid 80 points (full 200), N = 150 (full 800), 8 trials "
        "(full 16), M/N ∈ {1, 2, 8} (full {0.5, 1, 2, 4, 8, 16})",
    }
    return FigureOutput(fig, theory, extra={"mc": mc}, params=params)


@figure(
    "classification-gmm-flip-range",
    "Gaussian mixture (sample ratio M/N = 2, Δ = 1, λ = 1): error reduction of one hard-label SD "
    "stage against the corruption, theory and paired Monte Carlo, winning range shaded",
)
def gmm_flip_range(quick: bool) -> FigureOutput:
    from ..classification import gmm_first_stage, gmm_sd_corruption_range, gmm_sd_stage
    from ..simulate import gmm_sd_corruption_scan

    plt = pyplot()
    alpha, delta, rho, lam = 2.0, 1.0, 0.5, 1.0
    N, seeds = (150, 8) if quick else (800, 32)
    flips = np.arange(0.0, 0.5, 0.05 if quick else 0.025)
    tab, wins = gmm_sd_corruption_scan(
        N,
        alpha,
        delta,
        rho,
        corruptions=flips,
        lam=lam,
        n_trials=seeds,
        seed=3,
        batch_size=seeds,
        inverse_temperature=np.inf,
    )
    tab["teacher_theory"] = gmm_first_stage(
        alpha, delta, rho, corruption=tab.corruption.to_numpy(), lam=lam
    ).test_error
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    th_line = np.linspace(0, 0.49, 200)
    teacher_line = gmm_first_stage(alpha, delta, rho, corruption=th_line, lam=lam).test_error
    ax.plot(th_line, teacher_line, "k", label="teacher (theory)")
    ax.errorbar(
        tab.corruption,
        tab.teacher_error,
        2 * tab.teacher_se,
        fmt="ko",
        ms=4,
        mfc="none",
        label=f"teacher (MC, N={N})",
    )
    sd_line = np.array(
        [gmm_sd_stage(alpha, delta, rho, corruption=t, lam=lam).test_error for t in th_line]
    )
    ax.plot(th_line, sd_line, color="tab:red", lw=1, label="one SD stage, hard labels (theory)")
    ax.errorbar(
        tab.corruption,
        tab.sd_error,
        2 * tab.sd_se,
        fmt="s",
        color="tab:red",
        ms=4,
        label="one SD stage, hard labels (MC)",
    )
    ax.set_xlabel("corruption")
    ax.set_ylabel("test error")
    ax.legend(fontsize=7)
    ax = axes[1]
    th_wins = gmm_sd_corruption_range(alpha, delta, rho, lam=lam, n_grid=51 if quick else 201)
    for lo, hi in th_wins:
        ax.axvspan(lo, hi, color="tab:green", alpha=0.15, lw=0)
    ax.plot(th_line, teacher_line - sd_line, color="tab:red", lw=1, label="theory")
    ax.errorbar(
        tab.corruption,
        tab.gain,
        2 * tab.gain_se,
        fmt="o",
        color="tab:red",
        ms=4,
        label="Monte Carlo (paired)",
    )
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("corruption")
    ax.set_ylabel("teacher − SD error (±2 SE)")
    ax.set_title("shaded: theory gain > 0")
    ax.legend(fontsize=7)
    fig.suptitle(
        f"Where one SD stage beats the teacher (sample ratio M/N = {alpha:g}, Δ = {delta:g}, "
        f"λ = {lam:g})"
    )
    fig.tight_layout()
    cols = ["corruption_lo", "corruption_hi"]
    win_df = pd.concat(
        [
            pd.DataFrame(wins, columns=cols).assign(source="MC, gain > 4 SE"),
            pd.DataFrame(th_wins, columns=cols).assign(source="theory"),
        ],
        ignore_index=True,
    )
    params = {
        "model": "noisy Gaussian mixture, squared loss",
        "sample_ratio": alpha,
        "delta": delta,
        "rho": rho,
        "lam": lam,
        "inverse_temperature": "inf",
        "corruptions": flips,
        "theory_corruption_grid": grid_params(0.0, 0.49, th_line.size),
        "theory_range_n_grid": 51 if quick else 201,
        "mc": {"N": N, "n_trials": seeds, "seed": 3, "batch_size": seeds},
        "mc_win_rule": "gain > 4 SE",
        "error_bars": "±2 standard errors over trials (std ddof=1 / sqrt(n_trials))",
        "quick": quick,
        "quick_effect": "N = 150 (full 800), 8 trials (full 32), corruption step 0.05 "
        "(full 0.025), theory range grid 51 (full 201)",
    }
    return FigureOutput(fig, tab, extra={"wins": win_df}, params=params)
