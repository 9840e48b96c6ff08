"""Predicted vs measured best ξ of the deep-net bridge, drawn from the committed CSVs.

The tables come from ``sdtheory bridge-predict --out docs`` (minutes of training); the figure only
reads ``docs/bridge-prediction-summary.csv`` and ``docs/bridge-prediction-curve.csv``, so it
renders in seconds in both modes.
"""

from pathlib import Path

from ._registry import FigureOutput, figure

DOCS = Path(__file__).resolve().parents[2] / "docs"
FILES = ("bridge-prediction-summary.csv", "bridge-prediction-curve.csv")


def _read(docs=DOCS):
    import pandas as pd

    paths = [Path(docs) / f for f in FILES]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} not found: regenerate with `sdtheory bridge-predict --out docs`"
        )
    return [pd.read_csv(p) for p in paths]


@figure(
    "bridge-predicted-vs-measured-xi",
    "deep-net SD: measured best xi (argmax of mean test accuracy over the xi grid, ±1 bootstrap "
    "SE over seeds) vs the ridge-theory prediction xi_hat(lambda) on the same training data, "
    "per dataset and model (from the committed CSVs)",
)
def bridge_predicted_vs_measured_xi(quick: bool) -> FigureOutput:
    """Measured best ξ (markers, ±1 bootstrap SE over seeds) and the predicted ``ξ̂(λ)`` (line,
    seed mean, band ±1 SE over seeds) against λ (summed-loss scale), one panel per dataset and
    model, one colour per corruption level; dotted verticals: the estimated risk-optimal
    ``λ̂*`` (where the predicted sign flips); open markers: measured best at ξ = 0 (no sign).
    The shaded bands lie outside the measured ξ grid.
    Both modes read the committed CSVs (see docs/bridge-prediction.md)."""
    import matplotlib.pyplot as plt
    import numpy as np

    summary, curve = _read()
    panels = list(summary.groupby(["dataset", "model"], sort=False).groups)
    datasets = list(dict.fromkeys(d for d, _ in panels))
    ncol = max(sum(d == ds for d, _ in panels) for ds in datasets)
    fig, axes = plt.subplots(
        len(datasets), ncol, figsize=(4.2 * ncol, 3.3 * len(datasets)), squeeze=False
    )
    colors = {c: plt.cm.viridis(i / 2) for i, c in enumerate(sorted(summary.corruption.unique()))}
    lo, hi = summary.xi_min.min(), summary.xi_max.max()
    ylim = (lo - 1.0, hi + 1.0)
    for r, ds in enumerate(datasets):
        models = [m for d, m in panels if d == ds]
        for c in range(ncol):
            ax = axes[r, c]
            if c >= len(models):
                ax.axis("off")
                continue
            s = summary[(summary.dataset == ds) & (summary.model == models[c])]
            for corr, g in s.groupby("corruption"):
                col = colors[corr]
                cv = curve[(curve.dataset == ds) & (curve.corruption == corr)]
                ax.plot(cv.lam, cv.xi_hat.clip(*ylim), color=col, lw=1.5)
                ax.fill_between(
                    cv.lam,
                    (cv.xi_hat - cv.xi_hat_se).clip(*ylim),
                    (cv.xi_hat + cv.xi_hat_se).clip(*ylim),
                    color=col,
                    alpha=0.2,
                )
                ax.errorbar(
                    g.lam,
                    g.xi_best,
                    yerr=g.xi_best_se,
                    fmt="o",
                    color=col,
                    ms=5,
                    capsize=2,
                    label=f"corruption {corr:g}",
                )
                z = g[g.xi_best == 0]  # measured best at ξ = 0: no sign (open markers)
                ax.plot(z.lam, z.xi_best, "o", mfc="white", mec=col, ms=5, zorder=5)
                ax.axvline(g.lam_star.iloc[0], color=col, ls=":", lw=1)
            ax.axhline(0.0, color="k", lw=0.6)
            ax.axhspan(ylim[0], lo, color="0.9", zorder=0)
            ax.axhspan(hi, ylim[1], color="0.9", zorder=0)
            ax.set_xscale("log")
            ax.set_ylim(*ylim)
            ax.set_title(f"{ds}, {models[c]}", fontsize=10)
            ax.set_xlabel("λ (teacher = student, summed loss)")
            if c == 0:
                ax.set_ylabel("best ξ: measured (o), predicted (line)")
            ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(
        "Best ξ per λ: bridge measurement vs ridge prediction" + (" [quick]" if quick else ""),
        fontsize=11,
    )
    fig.tight_layout()
    params = {
        "quick": bool(quick),
        "quick_effect": "none: both modes read the committed CSVs (only the title differs)",
        "source": [f"docs/{f}" for f in FILES],
        "regenerate": "sdtheory bridge-predict --out docs",
        "error_bars": "measured: bootstrap SD of the argmax over resampled seeds; predicted: "
        "±1 SE of the seed mean",
        "n_points": int(len(summary)),
        "xi_grid_range": [float(lo), float(hi)],
        "lam": sorted(float(v) for v in np.unique(summary.lam)),
    }
    return FigureOutput(fig, summary, extra={"curve": curve}, params=params)
