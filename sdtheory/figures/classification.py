"""Figures for classification with label corruption (theory page :doc:`/theory/classification`).

Clustered model defaults: binary, ``n = 50`` per class, ``c = 0.4``, ``d = 0.1`` (the probe of the
theory page). Gaussian mixture: ``Δ = 1``, ``ρ = 1/2``, flip probability (corruption)
``θ = 0.2``, ``λ = 1``; theory lines for the
teacher (:func:`gmm_first_stage`) and one SD stage (:func:`gmm_sd_stage`); Monte Carlo points
re-fit every stage on sampled data (JAX, imported lazily). Monte Carlo means of the test error
are biased upward at finite N where m is small (small α, soft labels): the bias spread over
trials enters the error nonlinearly; this decays like 1/N.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._registry import FigureOutput, figure

N_PER_CLASS, C_IN, D_OUT = 50, 0.4, 0.1


def _plt():
    import matplotlib.pyplot as plt

    return plt


@figure(
    "classification-accuracy-vs-p",
    "clustered model: teacher vs SD-student training accuracy against corruption p, winning "
    "range shaded, full-solve points",
)
def accuracy_vs_p(quick: bool) -> FigureOutput:
    from ..classification import (
        clustered_accuracy,
        clustered_gram,
        clustered_labels,
        corruption_range,
        fit_soft_logistic,
        soft_targets,
    )

    plt = _plt()
    settings = [(0.1, 2.0), (0.3, 4.0)]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    rows, pts, ivrows = [], [], []
    p = np.linspace(0, 0.5, 201 if quick else 1001)
    G = clustered_gram(N_PER_CLASS, C_IN, D_OUT)
    for ax, (lam, xi) in zip(axes, settings):
        r = clustered_accuracy(N_PER_CLASS, C_IN, D_OUT, corruption=p, lam=lam, xi=xi)
        ivs = corruption_range(N_PER_CLASS, C_IN, D_OUT, lam=lam, xi=xi)
        for i, (lo, hi) in enumerate(ivs):
            ax.axvspan(
                lo,
                hi,
                color="tab:green",
                alpha=0.15,
                lw=0,
                label="student wins (theory)" if i == 0 else None,
            )
            ivrows.append({"lam": lam, "xi": xi, "corruption_lo": lo, "corruption_hi": hi})
        ax.plot(p, r.teacher_train, color="tab:blue", label="teacher (theory)")
        ax.plot(
            p, r.student_train, color="tab:orange", ls="--", label=f"student ξ = {xi:g} (theory)"
        )
        rows += [
            {
                "lam": lam,
                "xi": xi,
                "corruption": a,
                "teacher_train": b,
                "student_train": s,
                "teacher_fresh": tf,
                "student_fresh": sf,
            }
            for a, b, s, tf, sf in zip(
                p, r.teacher_train, r.student_train, r.teacher_fresh, r.student_fresh
            )
        ]
        y = np.repeat([0, 1], N_PER_CLASS)
        for k in range(0, N_PER_CLASS // 2 + 1, 5 if quick else 1):
            _, noisy = clustered_labels(N_PER_CLASS, n_corrupted_per_class=k)
            fT = fit_soft_logistic(G, noisy.astype(float), lam=lam, gram=True)
            fS = fit_soft_logistic(G, soft_targets(fT.probs, noisy, xi=xi), lam=lam, gram=True)
            acc = [float(np.mean(np.where(y == 1, f.logits, -f.logits) > 1e-10)) for f in (fT, fS)]
            pts.append(
                {
                    "lam": lam,
                    "xi": xi,
                    "corruption": k / N_PER_CLASS,
                    "teacher_full": acc[0],
                    "student_full": acc[1],
                }
            )
        sub = pd.DataFrame([q for q in pts if q["lam"] == lam])
        ax.plot(
            sub.corruption,
            sub.teacher_full,
            "o",
            color="tab:blue",
            ms=4,
            mfc="none",
            label="teacher (full N-dim solve)",
        )
        ax.plot(
            sub.corruption,
            sub.student_full,
            "x",
            color="tab:orange",
            ms=5,
            label=f"student ξ = {xi:g} (full N-dim solve)",
        )
        ax.set_title(f"λ = {lam:g}, ξ = {xi:g}")
        ax.set_xlabel("corruption p (fraction of each class)")
        ax.legend(fontsize=7, loc="lower left")  # each panel names its own ξ
    axes[0].set_ylabel("training accuracy vs clean labels")
    fig.suptitle(f"Clustered features (binary, n = {N_PER_CLASS}/class, c = {C_IN}, d = {D_OUT})")
    fig.tight_layout()
    return FigureOutput(
        fig,
        pd.DataFrame(rows),
        extra={"full-solves": pd.DataFrame(pts), "intervals": pd.DataFrame(ivrows)},
    )


@figure(
    "classification-phase-diagram",
    "clustered model: student − teacher training accuracy on the (p, ξ) plane (λ = 0.1) and the "
    "(p, λ) plane (ξ = 2)",
)
def phase_diagram(quick: bool) -> FigureOutput:
    from ..classification import clustered_phase_diagram

    plt = _plt()
    npg = 60 if quick else 200
    p = np.linspace(0.0, 0.5, npg)
    xi = np.linspace(-1.0, 6.0, 36 if quick else 141)
    lam = np.geomspace(0.01, 10.0, 30 if quick else 121)
    d1 = clustered_phase_diagram(N_PER_CLASS, C_IN, D_OUT, corruption=p, lam=0.1, xi=xi)
    d2 = clustered_phase_diagram(N_PER_CLASS, C_IN, D_OUT, corruption=p, lam=lam, xi=2.0)
    # constrained layout keeps room for the right panel's λ label next to the colorbar
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
    kw = dict(cmap="RdBu", vmin=-0.6, vmax=0.6, shading="nearest")
    Z1 = d1.gain_train.to_numpy().reshape(p.size, xi.size).T
    im = axes[0].pcolormesh(p, xi, Z1, **kw)
    axes[0].axhline(1.0, color="k", lw=0.6, ls=":")
    axes[0].set_xlabel("corruption p")
    axes[0].set_ylabel("ξ (weight on the teacher)")
    axes[0].set_title("λ = 0.1")
    Z2 = d2.gain_train.to_numpy().reshape(p.size, lam.size).T
    axes[1].pcolormesh(p, lam, Z2, **kw)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("corruption p")
    axes[1].set_ylabel("λ (penalty (λ/2)‖W‖²)")
    axes[1].set_title("ξ = 2")
    fig.colorbar(im, ax=axes, label="student − teacher training accuracy")
    fig.suptitle(f"Where SD beats the teacher (binary, n = {N_PER_CLASS}, c = {C_IN}, d = {D_OUT})")
    d1["plane"] = "p-xi"
    d2["plane"] = "p-lam"
    return FigureOutput(fig, pd.concat([d1, d2], ignore_index=True))


@figure(
    "classification-gmm-alpha",
    "Gaussian mixture (Δ = 1, θ = 0.2, λ = 1): test error vs α, teacher and SD-stage-1 theory, "
    "Bayes reference, Monte Carlo teacher and SD stages 1–2 (hard / soft)",
)
def gmm_alpha(quick: bool) -> FigureOutput:
    from ..classification import gmm_bayes_error, gmm_first_stage, gmm_sd_stage
    from ..simulate import simulate_gmm_sd

    plt = _plt()
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
    # (small α with small N is avoided: there m is tiny and the trial-to-trial spread of the bias
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
            e = out[:, :, 3]
            for st in range(3):
                rows.append(
                    {
                        "pseudo": label,
                        "sample_ratio": a,
                        "stage": st,
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
    t0 = mc[(mc.stage == 0) & (mc.pseudo == "hard")]
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
            sub = mc[(mc.stage == st) & (mc.pseudo == label)]
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
    ax.set_xlabel("α = M/N")
    ax.set_ylabel("test error")
    ax.legend(fontsize=7)
    ax = axes[1]
    for label, col in (("hard", "tab:red"), ("soft β=2", "tab:blue")):
        sub = mc[(mc.stage == 1) & (mc.pseudo == label)]
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
    ax.set_xlabel("α = M/N")
    ax.set_ylabel("error reduction by one SD stage (paired, ±2 SE)")
    ax.legend(fontsize=7)
    fig.suptitle(
        f"Noisy Gaussian mixture, squared loss (Δ = {delta:g}, ρ = {rho:g}, θ = {flip:g}, λ = "
        f"{lam:g})"
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
    return FigureOutput(fig, theory, extra={"mc": mc})


@figure(
    "classification-gmm-flip-range",
    "Gaussian mixture (α = 2, Δ = 1, λ = 1): error reduction of one hard-label SD stage against "
    "the flip rate θ, theory and paired Monte Carlo, winning range shaded",
)
def gmm_flip_range(quick: bool) -> FigureOutput:
    from ..classification import gmm_first_stage, gmm_sd_corruption_range, gmm_sd_stage
    from ..simulate import gmm_sd_corruption_scan

    plt = _plt()
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
    ax.set_xlabel("flip probability θ (corruption)")
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
    ax.set_xlabel("flip probability θ (corruption)")
    ax.set_ylabel("teacher − SD error (±2 SE)")
    ax.set_title("shaded: theory gain > 0")
    ax.legend(fontsize=7)
    fig.suptitle(
        f"Where one SD stage beats the teacher (α = {alpha:g}, Δ = {delta:g}, λ = {lam:g})"
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
    return FigureOutput(fig, tab, extra={"wins": win_df})


@figure(
    "classification-multi-round",
    "clustered model: multi-round SD, exact vs linearized training accuracy per round, and the "
    "linearization error against λ",
)
def multi_round(quick: bool) -> FigureOutput:
    from ..classification import multi_round_sd

    plt = _plt()
    p, rounds = 0.3, 6
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    rows = []
    ax = axes[0]
    for (lam, xi), col in zip(
        [(0.05, 1.0), (0.3, 1.5), (3.0, 1.5)], ["tab:blue", "tab:orange", "tab:green"]
    ):
        df = multi_round_sd(N_PER_CLASS, C_IN, D_OUT, corruption=p, lam=lam, xi=xi, steps=rounds)
        ax.plot(df["round"], df.train_acc, "o-", color=col, label=f"exact, λ={lam:g}, ξ={xi:g}")
        ax.plot(df["round"], df.lin_train_acc, "x--", color=col, label="linearized")
        df["lam"], df["xi"] = lam, xi
        rows.append(df)
    ax.set_xlabel("round (0 = teacher)")
    ax.set_ylabel("training accuracy vs clean labels")
    ax.legend(fontsize=7)
    ax = axes[1]
    lams = np.geomspace(0.02, 20, 15 if quick else 60)
    for xi, col in ((1.0, "tab:blue"), (1.5, "tab:orange")):
        err, agree = [], []
        for lam in lams:
            df = multi_round_sd(
                N_PER_CLASS, C_IN, D_OUT, corruption=p, lam=lam, xi=xi, steps=rounds
            )
            err.append(df.max_prob_err.max())
            agree.append(bool(df.lin_agrees.all()))
        err, agree = np.array(err), np.array(agree)
        ax.loglog(lams, err, "-", color=col, label=f"ξ = {xi:g}")
        ax.loglog(
            lams[~agree],
            err[~agree],
            "o",
            color=col,
            mfc="none",
            label="correctness pattern differs" if xi == 1.0 else None,
        )
        rows.append(
            pd.DataFrame(
                {"lam": lams, "xi": xi, "max_prob_err": err, "lin_agrees": agree, "round": -1}
            )
        )
    ax.set_xlabel("λ")
    ax.set_ylabel(f"max |p_exact − p_lin| (groups, rounds 0–{rounds})")
    ax.legend(fontsize=7)
    fig.suptitle(
        f"Multi-round SD, binary clustered model (n = {N_PER_CLASS}, c = {C_IN}, d = {D_OUT}, p "
        f"= {p})"
    )
    fig.tight_layout()
    return FigureOutput(fig, pd.concat(rows, ignore_index=True))
