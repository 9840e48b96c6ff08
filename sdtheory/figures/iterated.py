"""Figures for iterated / multi-step self-distillation (theory page :doc:`/theory/iterated`).

The toy problem of Mobahi et al. (2020) and Borup & Andersen (2021): 11 equispaced points on
``[0, 1]``, ``y = sin(2πx) + N(0, 0.5²)`` (fixed seed), RBF kernel ``exp(−80(x − x')²)``,
``λ = 0.2``; test loss is the mean squared error against ``sin(2πx)`` on a fine grid. Steps are
counted after the teacher (step 0); ``α`` is Borup & Andersen's weight on the labels, i.e. the
weight ``ξ = 1 − α`` on the teacher.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._registry import FigureOutput, figure, pyplot

TOY_SEED = 2021
TOY_LAM = 0.2
TOY_GAMMA = 80.0
TOY_NOISE_SD = 0.5


def _toy_params(**kw) -> dict:
    """The toy problem's definition plus ``kw``, for a figure's ``params``."""
    return {
        "problem": "toy RBF (Mobahi et al. 2020; Borup & Andersen 2021)",
        "n": 11,
        "x": "11 equispaced points on [0, 1]",
        "target": "sin(2πx)",
        "noise_sd": TOY_NOISE_SD,
        "seed": TOY_SEED,
        "kernel": "rbf exp(−γ(x − x')²)",
        "kernel_gamma": TOY_GAMMA,
        "lam": TOY_LAM,
        "test_grid": {"start": 0.0, "stop": 1.0, "num": 201, "spacing": "linear"},
        **kw,
    }


def toy_problem(seed: int = TOY_SEED, n: int = 11, n_grid: int = 201):
    """The toy data: ``(x, y, y_star, K, x_grid, K_grid_train, f_grid)``."""
    from .. import rbf_kernel

    x = np.linspace(0.0, 1.0, n)
    ys = np.sin(2 * np.pi * x)
    y = ys + TOY_NOISE_SD * np.random.default_rng(seed).standard_normal(n)
    xg = np.linspace(0.0, 1.0, n_grid)
    K = rbf_kernel(x, gamma=TOY_GAMMA)
    Kg = rbf_kernel(xg, x, gamma=TOY_GAMMA)
    return x, y, ys, K, xg, Kg, np.sin(2 * np.pi * xg)


@figure(
    "iterated-toy-fits",
    "toy RBF problem: fitted curves per SD step for α = 0 and α > 0, with the limit of "
    "infinitely many steps",
)
def toy_fits(quick: bool) -> FigureOutput:
    from .. import kernel_self_distill

    plt = pyplot()
    x, y, ys, K, xg, Kg, fg = toy_problem()
    steps = 6
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    rows = []
    for ax, alpha in zip(axes, (0.0, 0.25)):
        fit = kernel_self_distill(K, y, lam=TOY_LAM, xi=1 - alpha, steps=steps - 1)
        pred = fit.predict(Kg)
        lim = fit.predict_limit(Kg)
        ax.plot(xg, fg, "k--", lw=1, label="sin(2πx)")
        ax.plot(x, y, "ko", ms=4, label="data")
        cmap = plt.get_cmap("viridis")
        for t in range(steps):
            ax.plot(
                xg,
                pred[t],
                color=cmap(t / (steps - 1)),
                lw=1.4,
                label="teacher (step 0)" if t == 0 else f"step {t}",
            )
            rows += [{"alpha": alpha, "step": t, "x": a, "f": b} for a, b in zip(xg, pred[t])]
        ax.plot(
            xg,
            lim,
            color="crimson",
            lw=2,
            ls=":",
            label="t = ∞" + (" (f ≡ 0)" if alpha == 0 else f" (KRR, λ/α = {TOY_LAM / alpha:g})"),
        )
        rows += [{"alpha": alpha, "step": np.inf, "x": a, "f": b} for a, b in zip(xg, lim)]
        ax.set_title(f"α = {alpha:g} (weight on labels)")
        ax.set_xlabel("x")
    axes[0].set_ylabel("f(x)")
    axes[1].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Iterated kernel self-distillation, RBF γ = {TOY_GAMMA:g}, λ = {TOY_LAM:g}")
    fig.tight_layout()
    params = _toy_params(
        alphas=[0.0, 0.25],
        steps=steps,
        step_count="steps 0..5 (0 = teacher) and the t = ∞ limit",
        quick=quick,
        quick_effect="none",
    )
    return FigureOutput(fig, pd.DataFrame(rows), params=params)


@figure(
    "iterated-toy-filters",
    "toy RBF problem: eigenbasis filter b_k per SD step (bars), α = 0 and α > 0",
)
def toy_filters(quick: bool) -> FigureOutput:
    from .. import ground_truth_weighted_filter, kernel_eigen

    plt = pyplot()
    _, _, _, K, *_ = toy_problem()
    d = kernel_eigen(K).eigvals
    steps, nshow = 6, 8
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    rows = []
    width = 0.8 / (steps + 1)
    for ax, alpha in zip(axes, (0.0, 0.25)):
        for t in list(range(steps)) + [np.inf]:
            b = ground_truth_weighted_filter(d[:nshow], lam=TOY_LAM, alpha=alpha, steps=t)
            pos = t if t != np.inf else steps
            ax.bar(
                np.arange(nshow) + pos * width,
                b,
                width,
                label=(f"step {t}" if t else "teacher") if t != np.inf else "t = ∞",
                color=plt.get_cmap("viridis")(pos / steps) if t != np.inf else "crimson",
            )
            rows += [
                {"alpha": alpha, "step": t, "k": k + 1, "eigval": d[k], "b": b[k]}
                for k in range(nshow)
            ]
        ax.set_xticks(np.arange(nshow) + 0.4 - width / 2)
        ax.set_xticklabels([f"{k + 1}" for k in range(nshow)])
        ax.set_xlabel("eigen-direction k (descending d_k)")
        ax.set_title(f"α = {alpha:g}")
    axes[0].set_ylabel("filter b_k")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=steps + 1, fontsize=7)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    params = _toy_params(
        alphas=[0.0, 0.25],
        steps=steps,
        step_count="steps 0..5 (0 = teacher) and t = ∞",
        n_directions_shown=nshow,
        filter="ground_truth_weighted_filter on the kernel eigenvalues",
        quick=quick,
        quick_effect="none",
    )
    return FigureOutput(fig, pd.DataFrame(rows), params=params)


@figure(
    "iterated-toy-ratios",
    "toy RBF problem: ratios b_k/b_{k+1} per SD step (sparsification), α = 0 and α > 0",
)
def toy_ratios(quick: bool) -> FigureOutput:
    from .. import ground_truth_weighted_filter, kernel_eigen

    plt = pyplot()
    _, _, _, K, *_ = toy_problem()
    d = kernel_eigen(K).eigvals
    steps = 10 if quick else 20
    nshow = 6
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=False)
    rows = []
    for ax, alpha in zip(axes, (0.0, 0.25)):
        B = np.array(
            [
                ground_truth_weighted_filter(d[: nshow + 1], lam=TOY_LAM, alpha=alpha, steps=t)
                for t in range(steps)
            ]
        )
        R = B[:, :-1] / B[:, 1:]
        for k in range(nshow):
            ax.plot(np.arange(steps), R[:, k], "o-", ms=3, label=f"b_{k + 1}/b_{k + 2}")
            rows += [
                {"alpha": alpha, "step": t, "k": k + 1, "ratio": R[t, k]} for t in range(steps)
            ]
        ax.set_yscale("log")
        ax.set_xlabel("step t (0 = teacher)")
        ax.set_title(
            f"α = {alpha:g}" + (" (monotone)" if alpha == 0 else " (may overshoot, then settle)")
        )
    axes[0].set_ylabel("b_k / b_{k+1}")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    params = _toy_params(
        alphas=[0.0, 0.25],
        steps=steps,
        n_ratios_shown=nshow,
        filter="ground_truth_weighted_filter on the kernel eigenvalues",
        quick=quick,
        quick_effect="10 steps (full 20)",
    )
    return FigureOutput(fig, pd.DataFrame(rows), params=params)


@figure(
    "iterated-toy-test-loss",
    "toy RBF problem: test MSE vs sin(2πx) per SD step for several α (and the oracle per-step α)",
)
def toy_test_loss(quick: bool) -> FigureOutput:
    from .. import kernel_self_distill, oracle_alpha_path

    plt = pyplot()
    x, y, ys, K, xg, Kg, fg = toy_problem()
    steps = 8 if quick else 15
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    rows = []
    for alpha in (0.0, 0.1, 0.25, 0.5, 1.0):
        fit = kernel_self_distill(K, y, lam=TOY_LAM, xi=1 - alpha, steps=steps - 1)
        loss = ((fit.predict(Kg) - fg[None, :]) ** 2).mean(1)
        ax.plot(np.arange(steps), loss, "o-", ms=3, label=f"α = {alpha:g}")
        rows += [{"alpha": alpha, "step": t, "test_mse": v} for t, v in enumerate(loss)]
    path = oracle_alpha_path(K, y, ys, lam=TOY_LAM, steps=steps - 1)
    fit = kernel_self_distill(K, y, lam=TOY_LAM, xis=1 - path.alphas)
    loss = ((fit.predict(Kg) - fg[None, :]) ** 2).mean(1)
    ax.plot(np.arange(steps), loss, "k^--", ms=4, label="oracle α per step (in-sample)")
    rows += [
        {
            "alpha": "oracle",
            "step": t,
            "test_mse": v,
            "alpha_used": (path.alphas[t - 1] if t else np.nan),
        }
        for t, v in enumerate(loss)
    ]
    ax.set_xlabel("step t (0 = teacher)")
    ax.set_ylabel("test MSE against sin(2πx)")
    ax.set_title(f"Toy problem, λ = {TOY_LAM:g}: α = 0 dips, then rises")
    ax.legend(fontsize=7)
    fig.tight_layout()
    params = _toy_params(
        alphas=[0.0, 0.1, 0.25, 0.5, 1.0],
        steps=steps,
        oracle="oracle_alpha_path (in-sample, against sin(2πx) at the training points)",
        test_loss="mean squared error against sin(2πx) on the 201-point test grid",
        quick=quick,
        quick_effect="8 steps (full 15)",
    )
    return FigureOutput(fig, pd.DataFrame(rows), params=params)


@figure(
    "iterated-collapse",
    "constrained SD rounds (fixed ε, no labels): multipliers c_t and norms ‖y_t‖ to collapse, "
    "with bounds",
)
def collapse(quick: bool) -> FigureOutput:
    from .. import constrained_rounds

    plt = pyplot()
    x, y, ys, K, *_ = toy_problem()
    eps = 0.04
    res = constrained_rounds(K, y, eps=eps)
    T = res.collapse_round
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    t = np.arange(T)
    lo, hi = res.multiplier_bounds.T
    axes[0].semilogy(t, res.multipliers, "o-", label="c_t (root of Σ(c z/(c+d))² = Nε)")
    axes[0].fill_between(t, lo, hi, alpha=0.2, label="[d_min, d_max]/(r_t − 1)")
    axes[0].set_xlabel("round t")
    axes[0].set_ylabel("multiplier c_t (scale of λ)")
    axes[0].legend(fontsize=7)
    axes[1].plot(np.arange(T + 1), res.norms, "o-", label="‖y_t‖")
    axes[1].axhline(np.sqrt(len(y) * eps), color="crimson", ls="--", label="√(Nε): collapse below")
    b = res.bounds
    axes[1].set_title(
        f"collapse at round {T}; bounds {b['lower']} ≤ T ≤ {b['upper']} (κ = {res.kappa:.3g})",
        fontsize=9,
    )
    axes[1].set_xlabel("round t")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    df = pd.DataFrame(
        {
            "round": np.arange(T + 1),
            "norm": res.norms,
            "ratio": res.ratios,
            "multiplier": np.append(res.multipliers, np.nan),
            "c_lower": np.append(lo, np.nan),
            "c_upper": np.append(hi, np.nan),
        }
    )
    extra = {"bounds": pd.DataFrame([{**b, "collapse_round": T, "kappa": res.kappa, "eps": eps}])}
    params = _toy_params(
        eps=eps,
        labels="none after the first round (constrained rounds, fixed ε)",
        collapse_round=T,
        quick=quick,
        quick_effect="none",
    )
    return FigureOutput(fig, df, extra, params=params)


@figure(
    "iterated-multistep-gain",
    "best ridge / best multi-step SD risk vs number of directions r (singular values 1..r, "
    "θ* on the top one)",
)
def multistep_gain(quick: bool) -> FigureOutput:
    from .. import (
        ScheduleConditioningWarning,
        Spectrum,
        optimal_multistep,
        optimal_ridge,
        optimal_sd,
        oracle_risk,
    )

    plt = pyplot()
    rmax = 6 if quick else 10
    rows = []
    for r in range(1, rmax + 1):
        ev = np.arange(r, 0, -1, dtype=float) ** 2
        th = np.zeros(r)
        th[0] = 1.0
        sp = Spectrum(eigvals=ev, signal=th, noise=1.0)
        ridge = optimal_ridge(sp).risk
        one = optimal_sd(sp).risk
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScheduleConditioningWarning)
            best = optimal_multistep(sp, steps=r, per_decade=4 if quick else 8)
        rows.append(
            {
                "r": r,
                "ridge": ridge,
                "one_step": one,
                "r_step": best.risk,
                "oracle": oracle_risk(sp),
                "lam": best.lam,
                "max_abs_xi": best.schedule.max_abs_xi,
                "cond": best.schedule.cond,
                "gain_r_step": ridge / best.risk,
                "gain_one_step": ridge / one,
            }
        )
    df = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(6.2, 4))
    ax.plot(df.r, df.gain_r_step, "o-", label="k = r steps (reaches the oracle)")
    ax.plot(df.r, df.gain_one_step, "s-", label="one step, optimal (λ, ξ)")
    ax.plot(df.r, df.ridge / df.oracle, "k:", label="ridge / oracle")
    ax.set_xlabel("number of directions r")
    ax.set_ylabel("best ridge risk / SD risk")
    ax.set_title("Multi-step gain over ridge (Pareek et al. 2024)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    params = {
        "problem": "Spectrum with eigvals (r, r−1, ..., 1)², θ* = e_1 (top direction)",
        "noise": 1.0,
        "r": {"start": 1, "stop": rmax},
        "steps": "k = r",
        "per_decade": 4 if quick else 8,
        "one_step": "optimal_sd (joint λ, ξ)",
        "quick": quick,
        "quick_effect": "r up to 6 (full 10), λ search 4 points per decade (full 8)",
    }
    return FigureOutput(fig, df, params=params)
