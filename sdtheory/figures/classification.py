"""Figures for classification with label corruption (theory page :doc:`/theory/classification`).

Clustered model defaults: binary, ``n = 50`` per class, ``c = 0.4``, ``d = 0.1`` (the probe of the
theory page). Gaussian mixture: ``Δ = 1``, ``ρ = 1/2``, corruption ``0.2``, ``λ = 1``; theory
lines for the teacher (:func:`gmm_first_stage`) and one SD stage (:func:`gmm_sd_stage`); Monte
Carlo points re-fit every stage on sampled data (JAX, imported lazily). Monte Carlo means of the
test error are biased upward at finite N where m is small (small sample ratio M/N, soft labels):
the bias spread over trials enters the error nonlinearly; this decays like 1/N.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._registry import FigureOutput, figure, grid_params, pyplot

N_PER_CLASS, C_IN, D_OUT = 50, 0.4, 0.1
#: The clustered problem every clustered-model figure uses (recorded in the figure's ``params``).
CLUSTERED = {
    "model": "clustered (binary)",
    "n_per_class": N_PER_CLASS,
    "c": C_IN,
    "d": D_OUT,
}


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

    plt = pyplot()
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
        params={
            **CLUSTERED,
            "panels": [{"lam": lam, "xi": xi} for lam, xi in settings],
            "corruption_grid": grid_params(0.0, 0.5, p.size),
            "full_solve_corrupted_per_class": {
                "start": 0,
                "stop": N_PER_CLASS // 2,
                "step": 5 if quick else 1,
            },
            "full_solve": "fit_soft_logistic on the Gram matrix, teacher then student",
            "quick": quick,
            "quick_effect": "corruption grid 201 points (full 1001), full solves every 5th k "
            "(full: every k)",
        },
    )


@figure(
    "classification-phase-diagram",
    "clustered model: student − teacher training accuracy on the (p, ξ) plane (λ = 0.1) and the "
    "(p, λ) plane (ξ = 2)",
)
def phase_diagram(quick: bool) -> FigureOutput:
    from ..classification import clustered_phase_diagram

    plt = pyplot()
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
    params = {
        **CLUSTERED,
        "corruption_grid": grid_params(0.0, 0.5, npg),
        "p_xi_plane": {"lam": 0.1, "xi_grid": grid_params(-1.0, 6.0, xi.size)},
        "p_lam_plane": {"xi": 2.0, "lam_grid": grid_params(0.01, 10.0, lam.size, "geometric")},
        "color_range": [-0.6, 0.6],
        "quick": quick,
        "quick_effect": "grids p 60, ξ 36, λ 30 points (full: 200, 141, 121)",
    }
    return FigureOutput(fig, pd.concat([d1, d2], ignore_index=True), params=params)


@figure(
    "classification-multi-round",
    "clustered model: multi-round SD, exact vs linearized training accuracy per round, and the "
    "linearization error against λ",
)
def multi_round(quick: bool) -> FigureOutput:
    from ..classification import multi_round_sd

    plt = pyplot()
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
    params = {
        **CLUSTERED,
        "corruption": p,
        "rounds": rounds,
        "rounds_panel": [
            {"lam": lam, "xi": xi} for lam, xi in [(0.05, 1.0), (0.3, 1.5), (3.0, 1.5)]
        ],
        "lam_grid": grid_params(0.02, 20, lams.size, "geometric"),
        "lam_panel_xis": [1.0, 1.5],
        "quick": quick,
        "quick_effect": "λ grid 15 points (full 60)",
    }
    return FigureOutput(fig, pd.concat(rows, ignore_index=True), params=params)
