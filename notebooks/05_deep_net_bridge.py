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
# # The deep-net bridge: ξ > 1 with cross-entropy on real data
#
# Das & Sanghavi (ICML 2023) report that with cross-entropy and 30–50% of the training labels
# corrupted, a student trained with ξ > 1 beats every ξ ≤ 1. Their evidence used linear probes on
# frozen ImageNet features; those data and weights cannot be downloaded here, so this bridge uses
# data that ships inside scikit-learn: **the 1,797 real 8×8 digit images** (`load_digits`,
# 10 classes), plus the breast-cancer and wine tables, MNIST-1D (optional package) and a synthetic
# Gaussian mixture. The result is an
# experiment on small data, not a reproduction of the paper's numbers.
#
# Protocol (`run_bridge(BridgeConfig(...))`): per seed (which fixes the split, the corruption and
# the initializations) and corruption level, a teacher — a linear probe (softmax regression), a
# one-hidden-layer MLP or, on the digit images, a small conv net — is trained with cross-entropy on
# the corrupted labels, weight decay `teacher_lam` (λ of the summed loss Σ CE + (λ/2)‖W‖²) and a
# fixed budget of full-batch Adam steps. Then, for each ξ, a fresh student of the same
# architecture is trained on `q = ξ·softmax(z_teacher/T) + (1 − ξ)·onehot(noisy)` with the same
# budget and its own weight decay `student_lam` (by default the teacher's); `T` is the
# `temperature` (1 by default). All students of a model train at once (`vmap`, one `jit`). We report clean test accuracy, the
# accuracy on the corrupted training points against their clean labels, and the paired gap between
# the best ξ > 1 and the best ξ ≤ 1 with its standard error over seeds.
#
# There is no closed form for trained networks; the ridge and classification theory pages explain
# the mechanism, and the bridge theory page (`docs/theory/bridge.md`) states when the SD loss with
# ξ outside [0, 1] has a minimizer (the fixed step budget is part of the method for the MLP).
# Writing the target as `q = onehot + ξ(p_teacher − onehot)`, ξ > 1 extrapolates past the teacher:
# wherever the teacher's prediction departs from the given label, the student is pushed further
# the same way. A regularized teacher departs most on the corrupted points, so ξ > 1 can undo
# flips that ξ ≤ 1 keeps — or, with too large a ξ, overshoot on clean points. Here we measure.
#
# `SDTHEORY_FAST=1` (CI) runs a seconds-long version — a linear probe, 2 seeds, a short budget
# and a coarse ξ grid — whose numbers are noisy and not meant as evidence. Unset it for the real
# protocol (both models, the full ξ grid, 5 seeds; minutes on two CPU cores).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sdtheory.bridge import (
    DEFAULT_XI_GRID,
    QUICK_XI_GRID,
    BridgeConfig,
    corrupt_labels,
    load_dataset,
    plot_bridge,
    run_bridge,
    summarize_bridge,
)

FAST = os.environ.get("SDTHEORY_FAST") == "1"

# %% [markdown]
# ## The data and the corruption
#
# Corruption touches only the training labels; validation and test labels stay clean. Symmetric
# corruption moves an exact fraction of labels uniformly to the other classes (`per_class=False`:
# the count is taken over the whole set, as the bridge does).

# %%
X, y = load_dataset("digits")
print("digits:", X.shape, "classes:", np.bincount(y))
y_noisy, corrupted = corrupt_labels(y, corruption=0.3, n_classes=10, per_class=False, seed=0)
print("fraction changed:", np.mean(y_noisy != y))
assert np.array_equal(corrupted, y_noisy != y) and abs(corrupted.mean() - 0.3) < 1 / y.size
cm = pd.crosstab(pd.Series(y, name="clean"), pd.Series(y_noisy, name="noisy"))
cm.iloc[:4, :6]

# %% [markdown]
# ## Teacher and students over a ξ grid

# %%
if FAST:
    cfg = BridgeConfig(model="linear", corruption=(0.3, 0.5), xi=QUICK_XI_GRID, seeds=2, quick=True)
else:
    cfg = BridgeConfig(model=("linear", "mlp"), corruption=(0.3, 0.5), xi=DEFAULT_XI_GRID, seeds=5)
df = run_bridge(cfg, progress=False)
print(
    df.shape[0],
    "runs; settings recorded per row, e.g.:",
    {k: df[k].iloc[0] for k in ("train_steps", "teacher_lam", "student_lam", "temperature", "lr")},
)
df.groupby(["model", "corruption", "xi"])[["test_acc", "corrupted_train_acc"]].mean().unstack(
    "xi"
).round(3)

# %% [markdown]
# ## Summary: best ξ per corruption level and the gap ξ > 1 vs ξ ≤ 1
#
# `gap` is paired over seeds: the accuracy at the best ξ > 1 minus at the best ξ ≤ 1 (both chosen
# on the test set, so this is the optimistic comparison); `acc_val` / `xi_val_median` use a
# clean validation split to choose ξ per seed, without peeking at the test set. The z-score
# `gap / gap_se` says how many standard errors the gap is from zero (with 2 seeds in fast mode
# this is not meaningful). The table is reported as it comes out: nothing here is tuned to make
# ξ > 1 win, and with the short fast-mode budget it may well lose.

# %%
summary = summarize_bridge(df)
cols = [
    "dataset",
    "model",
    "corruption",
    "teacher_acc",
    "xi_best",
    "acc_best",
    "acc_best_se",
    "xi_le1",
    "acc_le1",
    "xi_gt1",
    "acc_gt1",
    "gap",
    "gap_se",
    "acc_val",
    "xi_val_median",
]
summary = summary.assign(gap_z=summary.gap / summary.gap_se)
summary[[c for c in cols if c in summary] + ["gap_z"]].round(4)

# %% [markdown]
# ## Accuracy against ξ
#
# Top row: clean test accuracy (dashed: the teacher). Bottom row: accuracy on the corrupted
# training points against their clean labels — how many of the teacher's memorized mistakes the
# student undoes. Markers are means over seeds with ±1 standard-error bars; no lines join them,
# because ξ was measured only at the grid points.

# %%
fig = plot_bridge(
    df, title="Self-distillation with corrupted labels (digits)" + (" [fast]" if FAST else "")
)
plt.show()

# %% [markdown]
# Sanity checks that hold in any mode: ξ = 1 copies the teacher's soft predictions, so its test
# accuracy should be close to the teacher's; accuracies are valid fractions.

# %%
assert df.test_acc.between(0, 1).all() and df.corrupted_train_acc.between(0, 1).all()
xi1 = df[df.xi == 1.0].groupby(["model", "corruption"])[["test_acc", "teacher_test_acc"]].mean()
print(xi1.round(3))

# %% [markdown]
# ## Separating the effects: teacher λ, student λ, temperature and ξ
#
# With one λ for both networks, "ξ > 1 helps" cannot be told apart from "ξ > 1 makes up for an
# under-regularized student". `teacher_lam` and `student_lam` cross, and `temperature` flattens the
# teacher. At ξ = 0 the teacher drops out, so those rows are the same for every teacher λ and
# temperature: a check that holds in any mode. The measured crossed grid (both models, 3 seeds)
# is on the results page, `docs/bridge-results.md`.

# %%
crossed = run_bridge(
    cfg,
    progress=False,
    model="linear",
    corruption=0.3,
    xi=(0.0, 1.0, 2.0) if FAST else (0.0, 0.5, 1.0, 1.5, 2.0, 4.0),
    seeds=2 if FAST else 3,
    teacher_lam=(1.0, 100.0),
    student_lam=(1.0, 100.0),
    temperature=(1.0, 3.0),
)
x0 = crossed[crossed.xi == 0].groupby(["student_lam", "seed"]).test_acc.nunique()
assert (x0 == 1).all()  # ξ = 0 ignores the teacher
crossed.groupby(["teacher_lam", "student_lam", "temperature", "xi"]).test_acc.mean().unstack(
    "xi"
).round(3)
