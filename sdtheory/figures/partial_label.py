"""Figure for the partial-label (top-2) student (theory page :doc:`/theory/partial-label`).

Left: the evenly spread clustered model (``K = 3``, ``n = 30`` per class, ``c = 0.4``,
``d = 0.1``, ``λ = 1``, ``ξ = 2``), exact training accuracy of the teacher, the ξ-student and the
partial-label student against the corruption, the ranges where the partial-label student wins
shaded, and full N-dimensional solves at the corruptions an integer count allows. Right: the
same fits (``λ = 0.1``) under independent (Bernoulli) corruption of each label, exact
expectations over the count distribution (small ``n``: the enumeration grows like ``C(n + 2, 2)³``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._registry import FigureOutput, figure, grid_params, pyplot

K, N_PER_CLASS, C_IN, D_OUT, LAM, XI = 3, 30, 0.4, 0.1, 1.0, 2.0
LAM_B = 0.1  # the Bernoulli panel


@figure(
    "classification-partial-label",
    "clustered model (K = 3): teacher, ξ-student and partial-label (top-2) student accuracy "
    "against corruption, winning ranges shaded; Bernoulli corruption expectations",
)
def partial_label_figure(quick: bool) -> FigureOutput:
    from ..classification import (
        clustered_gram,
        clustered_labels,
        fit_soft_logistic,
        partial_label_accuracy,
        partial_label_corruption_range,
        partial_label_expected_accuracy,
        partial_label_targets,
    )

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.2))
    ax = axes[0]
    pmax = (K - 1) / K
    p = np.linspace(0.0, pmax, 241 if quick else 1201)
    r = partial_label_accuracy(N_PER_CLASS, C_IN, D_OUT, corruption=p, lam=LAM, xi=XI, n_classes=K)
    ivs = partial_label_corruption_range(N_PER_CLASS, C_IN, D_OUT, lam=LAM, xi=XI, n_classes=K)
    ivrows = []
    for key, col, y0, y1 in (("teacher", "tab:green", 0.0, 0.5), ("student", "tab:purple", 0.5, 1)):
        for i, (lo, hi) in enumerate(ivs[key]):
            ax.axvspan(
                lo,
                hi,
                ymin=y0,
                ymax=y1,
                color=col,
                alpha=0.18,
                lw=0,
                label=f"partial beats {'teacher' if key == 'teacher' else 'ξ-student'}"
                if i == 0
                else None,
            )
            ivrows.append({"versus": key, "corruption_lo": lo, "corruption_hi": hi})
    ax.plot(p, r.teacher_train, color="tab:blue", label="teacher")
    ax.plot(p, r.student_train, color="tab:orange", ls="--", label=f"ξ-student, ξ = {XI:g}")
    ax.plot(p, r.partial_train, color="tab:red", ls=":", lw=2, label="partial-label student")
    G = clustered_gram(N_PER_CLASS, C_IN, D_OUT, n_classes=K)
    y = np.repeat(np.arange(K), N_PER_CLASS)
    pts = []
    for m in range(0, N_PER_CLASS * (K - 1) // K + 1, 6 if quick else 2):
        _, noisy = clustered_labels(N_PER_CLASS, n_corrupted_per_class=m, n_classes=K)
        Y = np.eye(K)[noisy]
        fT = fit_soft_logistic(G, Y, lam=LAM, gram=True)
        fP = fit_soft_logistic(G, partial_label_targets(fT.logits), lam=LAM, gram=True)
        fS = fit_soft_logistic(G, XI * fT.probs + (1 - XI) * Y, lam=LAM, gram=True)
        acc = []
        for f in (fT, fS, fP):
            z = f.logits
            other = np.where(np.eye(K, dtype=bool)[y], -np.inf, z).max(1)
            acc.append(float(np.mean(z[np.arange(y.size), y] - other > 1e-10)))
        pts.append(
            {
                "corruption": m / N_PER_CLASS,
                "teacher_full": acc[0],
                "student_full": acc[1],
                "partial_full": acc[2],
            }
        )
    sub = pd.DataFrame(pts)
    ax.plot(sub.corruption, sub.teacher_full, "o", color="tab:blue", mfc="none", ms=4)
    ax.plot(sub.corruption, sub.student_full, "x", color="tab:orange", ms=5)
    ax.plot(sub.corruption, sub.partial_full, "+", color="tab:red", ms=7, label="full N-dim solves")
    ax.set_xlabel("corruption p (evenly spread over the other classes)")
    ax.set_ylabel("training accuracy vs clean labels")
    ax.set_title(f"evenly spread, n = {N_PER_CLASS}/class, λ = {LAM:g}")
    ax.legend(fontsize=7, loc="lower left")
    ax = axes[1]
    n_b = 4 if quick else 5
    pb = np.linspace(0.0, 0.6, 5 if quick else 13)
    brows = []
    for pv in pb:
        df = partial_label_expected_accuracy(
            n_b, C_IN, D_OUT, corruption=pv, lam=LAM_B, xi=XI, n_classes=K
        )
        df["corruption"] = pv
        brows.append(df)
    bdf = pd.concat(brows, ignore_index=True)
    for role, col, ls, lab in (
        ("teacher", "tab:blue", "-", "teacher"),
        ("student", "tab:orange", "--", f"ξ-student, ξ = {XI:g}"),
        ("partial", "tab:red", ":", "partial-label student"),
    ):
        s = bdf[bdf.role == role]
        ax.plot(s.corruption, s.train_accuracy_clean, "o" + ls, color=col, ms=3, label=lab)
    ax.set_xlabel("corruption probability p (each label independently)")
    ax.set_title(f"Bernoulli corruption, n = {n_b}/class, λ = {LAM_B:g} (exact expectation)")
    ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Partial-label student, clustered features (K = {K}, c = {C_IN}, d = {D_OUT})")
    fig.tight_layout()
    data = pd.DataFrame(
        {
            "corruption": p,
            "teacher_train": r.teacher_train,
            "student_train": r.student_train,
            "partial_train": r.partial_train,
            "teacher_fresh": r.teacher_fresh,
            "student_fresh": r.student_fresh,
            "partial_fresh": r.partial_fresh,
        }
    )
    return FigureOutput(
        fig,
        data,
        extra={
            "full-solves": sub,
            "intervals": pd.DataFrame(ivrows, columns=["versus", "corruption_lo", "corruption_hi"]),
            "bernoulli": bdf,
        },
        params={
            "model": "clustered, evenly spread corruption",
            "n_classes": K,
            "n_per_class": N_PER_CLASS,
            "c": C_IN,
            "d": D_OUT,
            "lam": LAM,
            "xi": XI,
            "corruption_grid": grid_params(0.0, pmax, p.size),
            "full_solve_corrupted_per_class_step": 6 if quick else 2,
            "bernoulli_n_per_class": n_b,
            "bernoulli_lam": LAM_B,
            "bernoulli_corruption_grid": grid_params(0.0, 0.6, pb.size),
            "quick": quick,
            "quick_effect": "corruption grid 241 points (full 1201), full solves every 6th count "
            "(full: every 2nd), Bernoulli panel n = 4 at 5 corruptions (full: n = 5 at 13)",
        },
    )
