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
# # Classification with label corruption: when does the student beat the teacher?
#
# The SD target for cross-entropy is `q = ξ·p_teacher + (1 − ξ)·onehot(noisy label)`. Its entries
# sum to one but can be negative when ξ > 1. Cross-entropy is *linear* in the target,
# `ℓ(q, z) = logsumexp(z) − qᵀz`, so it stays convex in the logits z for every ξ — but for ξ > 1 it
# is unbounded below without a penalty, so every fit here carries an ℓ2 penalty λ > 0 (summed loss
# over the training points plus `(λ/2)‖W‖²`).
#
# Two models, each exact in its own way:
#
# * **Clustered features** (finite n, exact): Gram matrix with 1 on the diagonal, `c` within a
#   class, `d` across classes. Points with the same (true class, given label) are exchangeable,
#   so the optimal logits take one value per group and the N-dimensional fit reduces to a few
#   unknowns. This gives exact accuracies and the exact set of corruption rates p where the
#   student wins.
# * **Noisy Gaussian mixture** in high dimension (squared loss): the teacher's test error from a
#   saddle-point system, checked against Monte Carlo, and the gain of SD stages with hard
#   pseudo-labels from simulation.
#
# Set `SDTHEORY_FAST=1` for the small version that CI runs.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from sdtheory import classification as cls

FAST = os.environ.get("SDTHEORY_FAST") == "1"

# %% [markdown]
# ## Soft targets with ξ > 1
#
# A teacher that is 80% sure of the (noisy) label 1: with ξ = 2 the student is asked for
# *more* confidence against it than the teacher had — the target for the given label goes below
# the teacher's probability, and below zero for large ξ.

# %%
p_teacher = np.array([[0.2, 0.8]])
for xi in (0.0, 0.5, 1.0, 2.0, 6.0):
    print(f"ξ = {xi}: q = {cls.soft_targets(p_teacher, np.array([1]), xi=xi, n_classes=2)[0]}")

# %% [markdown]
# ## Clustered model: the probe of the theory page
#
# Binary, n = 50 per class, c = 0.4, d = 0.1, 30% of each class flipped. At λ = 0.1 the teacher
# memorizes the flips (training accuracy against the clean labels 0.7); the student with ξ = 1
# copies it, while ξ ≥ 1.5 corrects every flip. At λ = 1 the teacher already corrects them and a
# large ξ overshoots.

# %%
n, c, d, p = 50, 0.4, 0.1, 0.3
xis = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
for lam in (0.1, 1.0):
    r = cls.clustered_accuracy(n, c, d, corruption=p, lam=lam, xi=xis)
    print(
        f"λ = {lam}: teacher train acc {float(np.atleast_1d(r.teacher_train)[0]):.2f}; student by ξ:",
        dict(zip(xis.tolist(), np.round(r.student_train, 2).tolist())),
    )

# %% [markdown]
# ### The symmetry reduction against a full N-dimensional solve
#
# The same fits done the long way: Newton's method on all 2n kernel coefficients
# (`fit_soft_logistic` on the Gram matrix with the actually corrupted labels). The logits must agree
# to solver precision.

# %%
G = cls.clustered_gram(n, c, d)
y_clean, noisy = cls.clustered_labels(n, n_corrupted_per_class=int(p * n))
worst = 0.0
for lam in (0.1, 1.0):
    fT = cls.fit_soft_logistic(G, noisy.astype(float), lam=lam, gram=True)
    for xi in xis[::2] if FAST else xis:
        fS = cls.fit_soft_logistic(G, cls.soft_targets(fT.probs, noisy, xi=xi), lam=lam, gram=True)
        red = cls.clustered_accuracy(n, c, d, corruption=p, lam=lam, xi=xi)
        g = y_clean * 2 + noisy  # group index (true class, given label)
        worst = max(
            worst,
            np.abs(fT.logits - red.teacher_logits[g][:, 0]).max(),
            np.abs(fS.logits - red.student_logits[g][:, 0]).max(),
        )
        acc_full = np.mean(np.where(y_clean == 1, fS.logits, -fS.logits) > 0)
        assert acc_full == float(red.student_train), (lam, xi)
print(f"max |logit (full solve) − logit (symmetry-reduced)| = {worst:.2e}")
assert worst < 1e-8

# %% [markdown]
# ### The exact corruption range where the student wins
#
# `corruption_range` finds the intervals of p (treated as continuous) where the student's
# training accuracy beats the teacher's, by root-finding on the group margins. We confirm each end
# point with full solves just inside and just outside (at the nearest realizable corruption
# counts), and draw the accuracies against p.

# %%
lam, xi = 0.1, 2.0
ivs = cls.corruption_range(n, c, d, lam=lam, xi=xi)
print("student wins for p in", [(round(a, 4), round(b, 4)) for a, b in ivs])


def full_gain(k):
    """Student − teacher training accuracy with exactly k flips per class, by full solves."""
    y0, nz = cls.clustered_labels(n, n_corrupted_per_class=k)
    fT = cls.fit_soft_logistic(G, nz.astype(float), lam=lam, gram=True)
    fS = cls.fit_soft_logistic(G, cls.soft_targets(fT.probs, nz, xi=xi), lam=lam, gram=True)
    acc = [np.mean(np.where(y0 == 1, f.logits, -f.logits) > 0) for f in (fT, fS)]
    return acc[1] - acc[0]


for lo, hi in ivs:
    k_in = [int(np.ceil(lo * n + 1e-9)), int(np.floor(hi * n - 1e-9))]
    k_out = [int(np.floor(lo * n - 1e-9)), int(np.ceil(hi * n + 1e-9))]
    for k in k_in:
        assert full_gain(k) > 0, k
    for k in k_out:
        if 0 <= k <= n // 2:
            assert full_gain(k) <= 0, k
    print(
        f"interval ({lo:.4f}, {hi:.4f}): full solves confirm inside at k = {k_in}, outside at k = {k_out}"
    )

pg = np.linspace(0, 0.5, 201)
r = cls.clustered_accuracy(n, c, d, corruption=pg, lam=lam, xi=xi)
fig, ax = plt.subplots(figsize=(6, 3.8))
for lo, hi in ivs:
    ax.axvspan(lo, hi, color="tab:green", alpha=0.15)
ax.plot(pg, r.teacher_train, label="teacher")
ax.plot(pg, r.student_train, "--", label=f"student ξ = {xi}")
ax.set(
    xlabel="corruption rate p",
    ylabel="training accuracy (clean labels)",
    title=f"λ = {lam}; shaded: student wins",
)
ax.legend()
plt.show()

# %% [markdown]
# ### Phase diagram on the (p, ξ) plane
#
# Student minus teacher training accuracy. The band above ξ = 1 is where SD corrects the
# memorized flips; very large ξ overshoots and flips clean points instead.

# %%
pp = np.linspace(0.0, 0.5, 26 if FAST else 101)
xg = np.linspace(-1.0, 6.0, 15 if FAST else 71)
ph = cls.clustered_phase_diagram(n, c, d, corruption=pp, xi=xg, lam=0.1)
Z = ph.gain_train.to_numpy().reshape(pp.size, xg.size).T
fig, ax = plt.subplots(figsize=(6, 4))
im = ax.pcolormesh(pp, xg, Z, cmap="RdBu", vmin=-0.6, vmax=0.6, shading="nearest")
ax.axhline(1, color="k", ls=":", lw=0.7)
ax.set(xlabel="corruption rate p", ylabel="ξ", title="student − teacher accuracy (λ = 0.1)")
fig.colorbar(im)
plt.show()

# %% [markdown]
# ## Several rounds, and the linearized picture
#
# Repeating SD (each student becomes the next teacher). Linearizing the softmax,
# `softmax(z) ≈ (1 + z)/K`, each round multiplies the label component along a Gram eigenvector of
# eigenvalue ν by `aν/(1 + aν)`: within-class (noise) components decay faster than the class means.
# We compare the exact rounds with the linearized prediction.

# %%
df = cls.multi_round_sd(n, c, d, corruption=0.3, lam=0.3, xi=1.5, steps=6)
print(
    df[["round", "train_acc", "lin_train_acc", "max_prob_err", "lin_agrees"]].to_string(index=False)
)

# %% [markdown]
# ## Noisy Gaussian mixture: theory against simulation
#
# `x = ±μ + √Δ z` in N dimensions, M = αN samples (`sample_ratio` α), a fraction θ of labels
# flipped (`corruption`), squared loss with penalty (λ/2)‖w‖². The first stage (the teacher) has
# overlaps m, Q, bias b and test error from a closed saddle-point system. The Monte Carlo samples
# data at finite N, fits by real solves, and also runs SD stages with hard pseudo-labels (the
# theory of one stage is `gmm_sd_stage`; later stages are simulation only).

# %%
from sdtheory.simulate import gmm_sd_summary

sample_ratio, delta, rho, corruption, lam = 2.0, 1.0, 0.5, 0.2, 1.0
N = 300 if FAST else 1000
seeds = 8 if FAST else 32
th = cls.gmm_first_stage(sample_ratio, delta, rho, corruption=corruption, lam=lam)
mc = gmm_sd_summary(
    N,
    sample_ratio,
    delta,
    rho,
    corruption=corruption,
    lam=lam,
    steps=1 if FAST else 2,
    n_trials=seeds,
    seed=5,
    batch_size=8,
)
zs = []
for q in ("m", "Q", "b", "test_error", "train_error_clean"):
    row = mc[(mc.step == 0) & (mc.quantity == q)].iloc[0]
    z = (row["mean"] - float(getattr(th, q))) / row.se
    zs.append(z)
    print(
        f"teacher {q:18s} theory {float(getattr(th, q)):8.4f}  MC {row['mean']:8.4f} ± {row.se:.4f}  z = {z:+.2f}"
    )
assert np.all(np.abs(zs) < 4), "saddle point and simulation disagree"
print("clean-label Bayes error:", float(cls.gmm_bayes_error(sample_ratio, delta)))
for st in range(1, mc.step.max() + 1):
    row = mc[(mc.step == st) & (mc.quantity == "gain")].iloc[0]
    err = mc[(mc.step == st) & (mc.quantity == "test_error")].iloc[0]
    print(
        f"SD stage {st} (hard pseudo-labels): test error {err['mean']:.4f} ± {err.se:.4f}, "
        f"paired gain over the teacher {row['mean']:.4f} ± {row.se:.4f}"
    )

a_line = np.geomspace(0.1, 20, 100)
fig, ax = plt.subplots(figsize=(6, 3.8))
ax.plot(
    a_line,
    cls.gmm_first_stage(a_line, delta, rho, corruption=corruption, lam=lam).test_error,
    "k",
    label="teacher (theory)",
)
ax.plot(a_line, cls.gmm_bayes_error(a_line, delta), "k:", label="clean-label Bayes")
for st, mk in list(zip((0, 1, 2), ("ko", "rs", "b^")))[: mc.step.max() + 1]:
    e = mc[(mc.step == st) & (mc.quantity == "test_error")].iloc[0]
    ax.errorbar(
        [sample_ratio],
        [e["mean"]],
        [2 * e.se],
        fmt=mk,
        ms=5,
        label="teacher (MC)" if st == 0 else f"SD stage {st} (MC)",
    )
ax.set(
    xscale="log",
    xlabel="α = M/N",
    ylabel="test error",
    title=f"Δ = {delta}, θ = {corruption}, λ = {lam}",
)
ax.legend(fontsize=8)
plt.show()
