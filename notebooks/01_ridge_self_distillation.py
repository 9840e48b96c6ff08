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
# # One-step self-distillation in ridge regression
#
# Das & Sanghavi (ICML 2023): a ridge teacher is fitted on noisy labels; the student refits ridge
# on `ξ·(teacher predictions) + (1−ξ)·labels`. Its filter is
# `f_j = a_j(1 − ξ(1 − a_j))`, `a_j = s_j²/(s_j² + λ)`, and the expected risk is a quadratic in ξ,
# so the optimal ξ* has a closed form. This notebook computes ξ*, shows where it exceeds 1, and
# checks the theory against a Monte Carlo simulation that really fits the estimators. Both sides
# take the same `LinearProblem`, so they report the same quantity: the fixed-design risk
# E‖θ̂ − θ*‖²_W over the label noise (X fixed, no +σ²). The derivation is on the theory page
# (docs/theory/ridge.md).
#
# Set `SDTHEORY_FAST=1` for the small version that CI runs.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import sdtheory as sdt

FAST = os.environ.get("SDTHEORY_FAST") == "1"

# %% [markdown]
# ## A fixed design with a decaying spectrum

# %%
rng = np.random.default_rng(0)
n, d = 60, 20
X = rng.standard_normal((n, d)) * np.linspace(1.5, 0.1, d)
theta_star = rng.standard_normal(d)
problem = sdt.LinearProblem(X, theta_star, noise=4.0)  # weights="parameter": W = I
sp = sdt.Spectrum.from_problem(problem)
sp

# %% [markdown]
# ## ξ* against λ, and the noise level above which ξ* > 1

# %%
lams = np.logspace(-2, 3, 200)
xi_star = sdt.optimal_xi(sp, lam=lams)
thr = sdt.xi_above_one_noise_threshold(sp, lam=lams)
fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
ax[0].semilogx(lams, xi_star)
ax[0].axhline(1, color="k", lw=0.5)
ax[0].set(xlabel="λ", ylabel="ξ*(λ)", title="optimal distillation weight")
ax[1].loglog(lams, np.maximum(thr, 1e-12))
ax[1].axhline(sp.noise, color="r", ls="--", label=f"noise σ² = {sp.noise}")
ax[1].set(xlabel="λ", ylabel="σ₁²(λ)", title="ξ* > 1 iff σ² > σ₁²(λ)")
ax[1].legend()
plt.show()

# %% [markdown]
# The sign rule: ξ* > 0 exactly where the teacher is under-regularized (R'(λ) < 0), and ξ* = 0
# at the ridge optimum.

# %%
ridge = sdt.optimal_ridge(sp)
print("optimal ridge λ* =", ridge.lam, " ξ*(λ*) =", float(sdt.optimal_xi(sp, lam=ridge.lam)))
opt = sdt.optimal_sd(sp)
print(
    "optimal SD:", opt.lam, opt.xi, opt.risk, "ridge:", ridge.risk, "oracle:", sdt.oracle_risk(sp)
)

# %% [markdown]
# ## Theory against simulation
#
# The Monte Carlo draws label noise, solves the teacher and student linear systems on X for every
# trial and averages the parameter error of the same problem object. Agreement is judged in units
# of the standard error.

# %%
from sdtheory.simulate import ridge_sd_monte_carlo

lam = 1.0
xis = np.array([-1.0, 0.0, float(sdt.optimal_xi(sp, lam=lam)), 1.0, 3.0])
n_trials = 400 if FAST else 4000
mc = ridge_sd_monte_carlo(problem, lam=lam, xi=xis, n_trials=n_trials, seed=1)
theory = sdt.sd_risk(problem, lam=lam, xi=xis)
z = (mc.mean - theory) / mc.se
for x, t, m, s, zz in zip(xis, theory, mc.mean, mc.se, z):
    print(f"ξ = {x:6.3f}  theory {t:8.4f}  MC {m:8.4f} ± {s:.4f}  z = {zz:+.2f}")
assert np.all(np.abs(z) < 4), "theory and simulation disagree"

# %% [markdown]
# ## Risk against ξ for several noise levels

# %%
xi_grid = np.linspace(-1, 4, 101)
fig, ax = plt.subplots(figsize=(6, 4))
for g2 in (0.5, 4.0, 16.0):
    spg = sp.with_noise(g2)
    ax.plot(xi_grid, sdt.sd_risk(spg, lam=lam, xi=xi_grid), label=f"σ² = {g2}")
    ax.plot(sdt.optimal_xi(spg, lam=lam), sdt.sd_min_risk(spg, lam=lam), "ko")
ax.set(xlabel="ξ", ylabel="fixed-design risk E‖θ̂ − θ*‖²", title=f"λ = {lam}")
ax.legend()
plt.show()
