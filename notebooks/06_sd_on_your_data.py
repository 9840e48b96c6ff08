# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Self-distillation on your own data
#
# The estimators `SelfDistilledRidge`, `SelfDistilledKernelRidge` and
# `SelfDistilledLogisticRegression` take data and fit like any scikit-learn model, so they
# can be compared with the usual baselines by cross-validation. This notebook does that on two
# datasets that ship with scikit-learn (no download), with label noise added at several levels:
#
# 1. **Regression, diabetes** (442 patients, 10 features), Gaussian noise added to the targets.
#    Three ways to fit: (a) `SelfDistilledRidge(xi="auto")`, the package's one-shot estimate
#    ξ̂ of the best weight on the teacher; (b) `RidgeCV` over a log grid of α (no
#    self-distillation); (c) `GridSearchCV` over (α, ξ) of `SelfDistilledRidge`.
# 2. **Classification, breast_cancer** (569 tumours, 30 features), a fraction of the labels
#    flipped: `SelfDistilledLogisticRegression` over ξ, including ξ > 1, against plain
#    `LogisticRegression`.
#
# Everything is scored by repeated K-fold cross-validation (the *outer* loop); every choice of a
# hyperparameter is made inside the outer training fold, on noisy labels only, as a user would
# have to. This page reports what is measured; the conclusion cells are computed from the tables.
#
# Set `SDTHEORY_FAST=1` for the small version that CI runs (fewer folds, repeats and grid points;
# its numbers are too noisy to conclude anything from). The findings of a full run are on the
# docs page *SD on your data* (docs/sd-on-your-data.md).

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sdtheory import SelfDistilledLogisticRegression, SelfDistilledRidge, corrupt_labels

FAST = os.environ.get("SDTHEORY_FAST") == "1"
T0 = time.perf_counter()
pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 20)


def show_markdown(text):
    """Render ``text`` as markdown in a notebook; print it when run as a script."""
    try:
        get_ipython  # defined only inside IPython
    except NameError:
        print(text)
        return
    from IPython.display import Markdown, display

    display(Markdown(text))


def mean_se(values):
    """Mean and naive standard error over outer folds."""
    v = np.asarray(values, dtype=float)
    return v.mean(), v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else np.nan


def fmt(values, digits=0):
    m, s = mean_se(values)
    return f"{m:.{digits}f} ± {s:.{digits}f}"


# %% [markdown]
# ## Protocol
#
# * **Outer loop:** `n_repeats` repeats of `K`-fold CV. Repeat `r` draws its own label noise
#   (seed `r`) and its own shuffled folds (seed `r`); all methods see the same noise and folds,
#   so their differences are paired.
# * **Inner loop:** every hyperparameter (α, ξ, C) is chosen on the outer training fold by
#   `KFold`/`StratifiedKFold` CV (or `RidgeCV`'s efficient leave-one-out) against the *noisy*
#   training labels.
# * **Scores:** on the held-out fold, against the **clean** targets (the dataset's own, before the
#   added noise) and against the **noisy** ones. Added noise that is independent of everything else
#   only adds its variance in expectation: `E(y_noisy − ŷ)² = E(y − ŷ)² + σ²`, the same for every
#   method, so both columns rank methods alike in expectation, and the clean one does so with
#   less variance. For classification the clean labels are what one wants to predict.
# * **Standard errors** are the standard deviation over the `K·n_repeats` outer folds divided by
#   its square root. Folds share training points, so this SE is somewhat optimistic: read
#   differences of less than about 2–3 SE as no difference. Differences between methods are
#   paired by fold.
# * Features are standardized inside each pipeline (fitted on the training fold only).

# %%
K_OUTER, N_REPEATS, K_INNER = (3, 2, 3) if FAST else (5, 4, 5)
ALPHAS = np.logspace(-2, 4, 7 if FAST else 13)  # summed-loss α on standardized features
XIS_RIDGE = (
    np.array([-0.5, 0.0, 0.5, 1.0, 2.0])
    if FAST
    else np.array([-1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0])
)
NOISE_LEVELS = [0.0, 0.5, 1.0, 2.0]  # added noise SD, in units of std(y)
print(f"outer {K_OUTER}-fold × {N_REPEATS} repeats, inner {K_INNER}-fold")
print(f"{ALPHAS.size} alphas in [{ALPHAS[0]:g}, {ALPHAS[-1]:g}], ξ grid {XIS_RIDGE.tolist()}")

# %% [markdown]
# ## 1. Diabetes: ridge, self-distilled ridge, and the ξ the theory picks
#
# Methods (each a pipeline `StandardScaler → estimator`, fitted on the noisy outer training fold):
#
# * **RidgeCV**: `RidgeCV(alphas)`, α by efficient leave-one-out. Plain ridge, no SD.
# * **SD auto (α of RidgeCV)**: `SelfDistilledRidge(alpha=α_RidgeCV, xi="auto")`: α *fixed* at
#   the value RidgeCV chose on the same training fold, ξ the theory's one-shot estimate ξ̂
#   (`xi_`). No extra search.
# * **SD auto (α by CV)**: `GridSearchCV(SelfDistilledRidge(xi="auto"), {"alpha": alphas})`:
#   α chosen by inner K-fold CV *with* ξ̂ re-estimated in every fit.
# * **SD grid (α, ξ)**: `GridSearchCV(SelfDistilledRidge(), {"alpha": alphas, "xi": ξ grid})`.
#   The grid contains ξ = 0, which is ridge, so this search includes plain ridge.
#
# For the grid search we also record ξ̂ at the α it chose, to put the theory's ξ̂ next to the
# CV-chosen ξ at the same α.

# %%
X_dia, y_dia = load_diabetes(return_X_y=True)
sd_y = float(y_dia.std())
print(f"diabetes: n = {X_dia.shape[0]}, d = {X_dia.shape[1]}, std(y) = {sd_y:.1f}")


def ridge_fold(X_tr, y_tr, X_te, inner):
    """Fit the four regression methods on one outer training fold; predictions and choices."""
    out = {}
    rcv = make_pipeline(StandardScaler(), RidgeCV(alphas=ALPHAS)).fit(X_tr, y_tr)
    a_rcv = float(rcv[-1].alpha_)
    out["RidgeCV"] = (rcv.predict(X_te), a_rcv, 0.0, np.nan)

    auto = make_pipeline(StandardScaler(), SelfDistilledRidge(alpha=a_rcv, xi="auto"))
    auto.fit(X_tr, y_tr)
    out["SD auto (α of RidgeCV)"] = (auto.predict(X_te), a_rcv, auto[-1].xi_, auto[-1].xi_)

    base = make_pipeline(StandardScaler(), SelfDistilledRidge(xi="auto"))
    gs = GridSearchCV(base, {"selfdistilledridge__alpha": ALPHAS}, cv=inner)
    gs.set_params(scoring="neg_mean_squared_error").fit(X_tr, y_tr)
    xi_b = gs.best_estimator_[-1].xi_
    a_b = gs.best_params_["selfdistilledridge__alpha"]
    out["SD auto (α by CV)"] = (gs.predict(X_te), a_b, xi_b, xi_b)

    grid = {"selfdistilledridge__alpha": ALPHAS, "selfdistilledridge__xi": XIS_RIDGE}
    gs = GridSearchCV(clone(base), grid, cv=inner, scoring="neg_mean_squared_error")
    gs.fit(X_tr, y_tr)
    a_g = gs.best_params_["selfdistilledridge__alpha"]
    xi_g = gs.best_params_["selfdistilledridge__xi"]
    theory = make_pipeline(StandardScaler(), SelfDistilledRidge(alpha=a_g, xi="auto"))
    xi_hat_g = theory.fit(X_tr, y_tr)[-1].xi_
    out["SD grid (α, ξ)"] = (gs.predict(X_te), a_g, float(xi_g), xi_hat_g)
    return out


rows = []
t = time.perf_counter()
for lev, k in enumerate(NOISE_LEVELS):
    for r in range(N_REPEATS):
        rng = np.random.default_rng([lev, r])
        y_noisy = y_dia + k * sd_y * rng.standard_normal(y_dia.size)
        outer = KFold(K_OUTER, shuffle=True, random_state=r)
        inner = KFold(K_INNER, shuffle=True, random_state=r)
        for f, (tr, te) in enumerate(outer.split(X_dia)):
            fits = ridge_fold(X_dia[tr], y_noisy[tr], X_dia[te], inner)
            for method, (pred, alpha, xi, xi_hat) in fits.items():
                rows.append(
                    {
                        "noise": k,
                        "repeat": r,
                        "fold": f,
                        "method": method,
                        "mse_clean": float(np.mean((y_dia[te] - pred) ** 2)),
                        "mse_noisy": float(np.mean((y_noisy[te] - pred) ** 2)),
                        "alpha": alpha,
                        "xi": xi,
                        "xi_hat": xi_hat,
                    }
                )
reg = pd.DataFrame(rows)
print(f"{len(reg)} fits scored in {time.perf_counter() - t:.0f} s")

# %% [markdown]
# ### Test MSE by noise level
#
# `MSE clean`: against the diabetes targets as shipped (before the added noise). `MSE noisy`:
# against the noisy targets of the held-out fold. `Δ vs RidgeCV`: the paired difference in
# clean MSE (negative: better than RidgeCV). α and ξ: the median over outer folds of the value
# chosen (ξ = 0 for RidgeCV by construction).

# %%
METHODS_R = list(reg["method"].unique())
key = ["noise", "repeat", "fold"]
ref = reg[reg["method"] == "RidgeCV"].set_index(key)["mse_clean"]


def regression_table(df):
    out = []
    for (k, m), g in df.groupby(["noise", "method"], sort=False):
        diff = g.set_index(key)["mse_clean"] - ref.loc[g.set_index(key).index]
        out.append(
            {
                "noise × std(y)": k,
                "method": m,
                "MSE clean": fmt(g["mse_clean"]),
                "MSE noisy": fmt(g["mse_noisy"]),
                "Δ vs RidgeCV (clean)": "—" if m == "RidgeCV" else fmt(diff, 1),
                "median α": f"{g['alpha'].median():.3g}",
                "median ξ used": f"{g['xi'].median():.2f}",
            }
        )
    return pd.DataFrame(out)


reg_table = regression_table(reg)
print(reg_table.to_string(index=False))

# %% [markdown]
# ### The theory's ξ̂ next to the CV-chosen ξ
#
# Per outer fold: ξ̂ (`xi_` of `SelfDistilledRidge(xi="auto")`) at RidgeCV's α, and, for the
# (α, ξ) grid search, the CV-chosen ξ next to ξ̂ at the *same* α. Shown: median [quartiles] over
# folds, and the share of folds where the grid search chose ξ = 0 (plain ridge).

# %%


def q3(v):
    v = np.asarray(v, dtype=float)
    lo, med, hi = np.percentile(v, [25, 50, 75])
    return f"{med:.2f} [{lo:.2f}, {hi:.2f}]"


xi_rows = []
for k, g in reg.groupby("noise"):
    a = g[g["method"] == "SD auto (α of RidgeCV)"]
    s = g[g["method"] == "SD grid (α, ξ)"]
    xi_rows.append(
        {
            "noise × std(y)": k,
            "ξ̂ at α of RidgeCV": q3(a["xi_hat"]),
            "CV ξ (grid)": q3(s["xi"]),
            "ξ̂ at grid's α": q3(s["xi_hat"]),
            "median |CV ξ − ξ̂|": f"{np.median(np.abs(s['xi'] - s['xi_hat'])):.2f}",
            "share CV ξ = 0": f"{np.mean(s['xi'] == 0.0):.2f}",
        }
    )
xi_table = pd.DataFrame(xi_rows)
print(xi_table.to_string(index=False))

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.6))
for m in METHODS_R:
    g = reg[reg["method"] == m].groupby("noise")["mse_clean"]
    mu, se = g.mean(), g.std(ddof=1) / np.sqrt(g.count())
    ax.errorbar(mu.index, mu.values, yerr=2 * se.values, marker="o", capsize=3, label=m)
ax.set_xlabel("added noise SD / std(y)")
ax.set_ylabel("test MSE vs clean targets")
ax.set_title("diabetes: outer-CV MSE (± 2 SE)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### What the regression numbers say
#
# Computed from the table above: for each noise level, each SD method's paired clean-MSE
# difference from RidgeCV is called *lower* or *higher* only when it is more than 2 SE from 0.

# %%


def verdict(diff):
    m, s = mean_se(diff)
    if not np.isfinite(s) or s == 0.0:
        return m, s, "no spread to judge"
    z = m / s
    if z < -2:
        return m, s, f"lower than RidgeCV (z = {z:.1f})"
    if z > 2:
        return m, s, f"higher than RidgeCV (z = {z:.1f})"
    return m, s, f"within 2 SE of RidgeCV (z = {z:.1f})"


lines = []
for k in NOISE_LEVELS:
    parts = []
    for m in METHODS_R[1:]:
        g = reg[(reg["noise"] == k) & (reg["method"] == m)].set_index(key)["mse_clean"]
        d, s, v = verdict(g - ref.loc[g.index])
        parts.append(f"{m}: {d:+.1f} ± {s:.1f}, {v}")
    lines.append(f"* noise {k} × std(y) — " + "; ".join(parts) + ".")
best = reg.groupby(["noise", "method"])["mse_clean"].mean().unstack()
wins = (best.idxmin(axis=1) == "RidgeCV").sum()
s_grid = reg[reg["method"] == "SD grid (α, ξ)"]
auto = reg[reg["method"] == "SD auto (α of RidgeCV)"]
lines.append(
    f"* RidgeCV has the lowest mean clean MSE at {wins} of {len(NOISE_LEVELS)} noise levels."
)
lines.append(
    f"* The grid search chose ξ = 0 (plain ridge) in {np.mean(s_grid['xi'] == 0):.0%} of the "
    f"outer folds; ξ̂ at RidgeCV's α had median {auto['xi_hat'].median():.2f} and lay in "
    f"[{auto['xi_hat'].min():.2f}, {auto['xi_hat'].max():.2f}] over all folds and levels."
)
at_edge = np.isin(s_grid["xi"], [XIS_RIDGE[0], XIS_RIDGE[-1]]).mean()
lines.append(
    f"* The grid search's ξ sat at an end of its grid ({XIS_RIDGE[0]:g} or {XIS_RIDGE[-1]:g}) in "
    f"{at_edge:.0%} of the outer folds; where that share is large, inner CV does not pin ξ down "
    "within the grid (α and ξ can partly stand in for each other)."
)
if FAST:
    lines.append("* Fast mode: too few folds and repeats to conclude anything.")
show_markdown("\n".join(lines))

# %% [markdown]
# ## 2. Breast cancer: self-distilled logistic regression with corrupted labels
#
# In repeat `r`, a fraction `p` of each class's labels is flipped with
# `corrupt_labels(y, corruption=p, seed=r)`. Models are trained on the flipped labels of the outer
# training fold and scored by accuracy against the **clean** labels of the held-out fold (the
# accuracy against the corrupted held-out labels is also recorded).
#
# * **ξ curve at fixed C**: `SelfDistilledLogisticRegression(C, xi=ξ)` (one distillation step)
#   for every ξ of the grid, at scikit-learn's default C = 1 and at a weak penalty C = 100. ξ = 0
#   is logistic regression (up to a light intercept penalty); plain
#   `LogisticRegression(C)` is shown next to it.
# * **Tuned**: `GridSearchCV(LogisticRegression(), {"C": Cs})` against
#   `GridSearchCV(SelfDistilledLogisticRegression(), {"C": Cs, "xi": ξ grid})`, both by inner
#   stratified K-fold accuracy on the corrupted labels.

# %%
X_bc, y_bc = load_breast_cancer(return_X_y=True)
CORRUPTIONS = [0.0, 0.1, 0.2, 0.3, 0.4]
XIS_LOG = (
    np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    if FAST
    else np.array([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])
)
C_CURVE = [1.0] if FAST else [1.0, 100.0]
CS = np.array([0.1, 1.0]) if FAST else np.logspace(-2, 2, 5)
print(f"breast_cancer: n = {X_bc.shape[0]}, d = {X_bc.shape[1]}, class counts {np.bincount(y_bc)}")


def pipe(est):
    return make_pipeline(StandardScaler(), est)


def logistic_fold(X_tr, y_tr, X_te, inner):
    """Predictions of every classification method on one outer fold, with its choices."""
    out = {}
    for C in C_CURVE:
        out[("LogisticRegression", C, np.nan)] = pipe(LogisticRegression(C=C, max_iter=5000))
        for xi in XIS_LOG:
            out[("SD logistic", C, xi)] = pipe(SelfDistilledLogisticRegression(C=C, xi=xi))
    res = {key: (m.fit(X_tr, y_tr).predict(X_te), key[1], key[2]) for key, m in out.items()}
    lr = GridSearchCV(
        pipe(LogisticRegression(max_iter=5000)), {"logisticregression__C": CS}, cv=inner
    )
    lr.fit(X_tr, y_tr)
    res[("LogisticRegression, C by CV", "cv", np.nan)] = (
        lr.predict(X_te),
        lr.best_params_["logisticregression__C"],
        0.0,
    )
    grid = {
        "selfdistilledlogisticregression__C": CS,
        "selfdistilledlogisticregression__xi": XIS_LOG,
    }
    sd = GridSearchCV(pipe(SelfDistilledLogisticRegression()), grid, cv=inner).fit(X_tr, y_tr)
    res[("SD logistic, (C, ξ) by CV", "cv", np.nan)] = (
        sd.predict(X_te),
        sd.best_params_["selfdistilledlogisticregression__C"],
        sd.best_params_["selfdistilledlogisticregression__xi"],
    )
    return res


rows = []
t = time.perf_counter()
for p in CORRUPTIONS:
    for r in range(N_REPEATS):
        y_bad, _ = corrupt_labels(y_bc, corruption=p, seed=r)
        outer = StratifiedKFold(K_OUTER, shuffle=True, random_state=r)
        inner = StratifiedKFold(K_INNER, shuffle=True, random_state=r)
        for f, (tr, te) in enumerate(outer.split(X_bc, y_bc)):
            fits = logistic_fold(X_bc[tr], y_bad[tr], X_bc[te], inner)
            for (method, C_key, xi_key), (pred, C_used, xi_used) in fits.items():
                rows.append(
                    {
                        "corruption": p,
                        "repeat": r,
                        "fold": f,
                        "method": method,
                        "C": C_key,
                        "xi": xi_key,
                        "C_used": C_used,
                        "xi_used": xi_used,
                        "acc_clean": float(np.mean(pred == y_bc[te])),
                        "acc_noisy": float(np.mean(pred == y_bad[te])),
                    }
                )
clf = pd.DataFrame(rows)
print(f"{len(clf)} fits scored in {time.perf_counter() - t:.0f} s")

# %% [markdown]
# ### Accuracy against the clean labels versus ξ (fixed C)
#
# Mean over outer folds, in percent; `LR` is scikit-learn's `LogisticRegression` at the same C.
# The SE of a cell is printed below the table (it is about the same for every cell of a row).

# %%
for C in C_CURVE:
    sub = clf[(clf["C"] == C)]
    curve = sub.assign(col=sub["xi"].map(lambda v: "LR" if np.isnan(v) else f"ξ={v:g}"))
    tab = 100 * curve.pivot_table(index="corruption", columns="col", values="acc_clean")
    tab = tab[["LR"] + [f"ξ={v:g}" for v in XIS_LOG]]
    se = 100 * curve.pivot_table(
        index="corruption", columns="col", values="acc_clean", aggfunc=lambda v: mean_se(v)[1]
    )
    print(f"C = {C:g}: clean-label test accuracy (%)")
    print(tab.round(1).to_string())
    print(
        f"  SE (percentage points): median {np.nanmedian(se.values):.1f}, max {np.nanmax(se.values):.1f}\n"
    )

# %%
fig, axes = plt.subplots(1, len(C_CURVE), figsize=(6.5 * len(C_CURVE) / 1.3, 3.6), squeeze=False)
for ax, C in zip(axes[0], C_CURVE):
    for p in CORRUPTIONS:
        g = clf[(clf["C"] == C) & (clf["corruption"] == p) & (clf["method"] == "SD logistic")]
        m = g.groupby("xi")["acc_clean"]
        mu, se = m.mean(), m.std(ddof=1) / np.sqrt(m.count())
        ax.errorbar(
            mu.index,
            100 * mu.values,
            yerr=200 * se.values,
            marker="o",
            capsize=2,
            label=f"p = {p:g}",
        )
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("ξ (weight on the teacher)")
    ax.set_ylabel("clean test accuracy (%)")
    ax.set_title(f"breast_cancer, C = {C:g} (± 2 SE)")
axes[0, -1].legend(fontsize=8, title="corruption")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Tuned by inner CV: logistic regression vs self-distilled logistic regression

# %%
key_c = ["corruption", "repeat", "fold"]
ref_c = clf[clf["method"] == "LogisticRegression, C by CV"].set_index(key_c)["acc_clean"]
tuned_rows = []
for p in CORRUPTIONS:
    lr = clf[(clf["corruption"] == p) & (clf["method"] == "LogisticRegression, C by CV")]
    sd = clf[(clf["corruption"] == p) & (clf["method"] == "SD logistic, (C, ξ) by CV")]
    diff = sd.set_index(key_c)["acc_clean"] - lr.set_index(key_c)["acc_clean"]
    tuned_rows.append(
        {
            "corruption": p,
            "LR (C by CV) clean %": fmt(100 * lr["acc_clean"], 1),
            "SD (C, ξ by CV) clean %": fmt(100 * sd["acc_clean"], 1),
            "Δ SD − LR (points)": fmt(100 * diff, 2),
            "LR noisy %": fmt(100 * lr["acc_noisy"], 1),
            "SD noisy %": fmt(100 * sd["acc_noisy"], 1),
            "CV ξ median [IQR]": q3(sd["xi_used"]),
            "share CV ξ > 1": f"{np.mean(sd['xi_used'] > 1):.2f}",
        }
    )
tuned_table = pd.DataFrame(tuned_rows)
print(tuned_table.to_string(index=False))

# %% [markdown]
# ### What the classification numbers say
#
# Computed from the tables above; a difference is called a gain or a loss only when it is more
# than 2 SE from 0 (paired by fold).

# %%
lines = []
for p in CORRUPTIONS:
    parts = []
    for C in C_CURVE:
        g = clf[(clf["corruption"] == p) & (clf["C"] == C) & (clf["method"] == "SD logistic")]
        acc = g.groupby("xi")["acc_clean"].mean()
        xi_best = float(acc.idxmax())
        base = g[g["xi"] == 0.0].set_index(key_c)["acc_clean"]
        top = g[g["xi"] == xi_best].set_index(key_c)["acc_clean"]
        d, s = mean_se(100 * (top - base))
        z = d / s if s > 0 else np.nan
        tag = "a gain" if z > 2 else "within 2 SE of ξ = 0" if np.isfinite(z) else "no spread"
        parts.append(
            f"C = {C:g}: best ξ = {xi_best:g}, {d:+.2f} ± {s:.2f} points over ξ = 0 ({tag})"
        )
    sd = clf[(clf["corruption"] == p) & (clf["method"] == "SD logistic, (C, ξ) by CV")]
    d, s = mean_se(100 * (sd.set_index(key_c)["acc_clean"] - ref_c.loc[sd.set_index(key_c).index]))
    z = d / s if s > 0 else np.nan
    tag = "gain" if z > 2 else "loss" if z < -2 else "within 2 SE"
    parts.append(f"tuned SD − tuned LR {d:+.2f} ± {s:.2f} points ({tag})")
    lines.append(f"* corruption {p:g} — " + "; ".join(parts) + ".")
lines.append(
    "* The *best ξ* of a curve is picked on the test folds (an optimistic upper bound for SD); the "
    "tuned comparison picks ξ on the corrupted training labels only."
)
if FAST:
    lines.append("* Fast mode: too few folds and repeats to conclude anything.")
show_markdown("\n".join(lines))

# %%
print(f"total time {time.perf_counter() - T0:.0f} s (fast mode: {FAST})")
