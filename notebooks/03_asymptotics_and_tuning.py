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
# # Proportional asymptotics and one-shot tuning of ξ
#
# Random design (Dang, Patil & Rinaldo 2026): rows `x_i ~ N(0, Σ)`, `y = Xθ* + ε`, `Var ε = σ²`.
# With `Σ̂ = XᵀX/n` the teacher is `θ_λ = (Σ̂ + λI)⁻¹Xᵀy/n`, the pure-distilled fit is
# `θ_pd = (Σ̂ + λI)⁻¹Σ̂θ_λ` and the student is `(1 − ξ)θ_λ + ξθ_pd`. **Scale:** the data-free
# asymptotic functions take λ on the mean-loss scale (the penalty on `‖y − Xθ‖²/n`); every
# function that takes data `(X, y)` takes the summed-loss λ of `‖y − Xθ‖² + λ‖θ‖²`
# (scikit-learn's `alpha`), which is `n` times larger (`sdt.lam_to_fixed_design` /
# `sdt.lam_to_mse_scale` convert). All risks here are fresh-point risks `‖θ̂ − θ*‖²_Σ + σ²`.
# The derivations are on the theory page `docs/theory/asymptotics.md`.
#
# The student is linear in ξ, so its risk is a quadratic `R − 2ξ(R − C) + ξ²D`: `C` is the
# teacher/pure-distilled cross risk and `D = ‖θ_λ − θ_pd‖²_Σ`. Then `ξ* = (R − C)/D` and the gain
# is `(R − C)²/D`. As `n, p → ∞` with `p/n → γ`, `R, C, R_pd, D` converge to deterministic
# equivalents built from the fixed point `κ = λ + γκ tr̄[Σ(Σ + κI)⁻¹]`.
#
# This notebook: (1) the isotropic closed form and its sign rule; (2) the deterministic
# equivalents against random-design Monte Carlo; (3) when SD beats the *best* ridge (the curvature
# test); (4) the one-shot estimate ξ̂ from a single dataset, against cross-validation.
#
# Set `SDTHEORY_FAST=1` for the small version that CI runs.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import sdtheory as sdt

FAST = os.environ.get("SDTHEORY_FAST") == "1"
gamma, sigma2 = 0.5, 1.0

# %% [markdown]
# ## Isotropic Σ: everything explicit
#
# With Σ = I and `‖θ*‖² = r²`, `ξ̄*` changes sign exactly at `λ = γσ²/r²`, which is the ridge
# optimum — so in the isotropic model SD helps any mistuned teacher but never beats optimally
# tuned ridge. The explicit formulas agree with the general recipe evaluated at Σ = I.

# %%
r2 = 1.5
lam = np.geomspace(1e-2, 1e2, 161)
iso = sdt.isotropic_asymptotics(aspect_ratio=gamma, noise=sigma2, signal_norm_sq=r2, lam=lam)
gen = sdt.asymptotic_risks([1.0], [r2], noise=sigma2, aspect_ratio=gamma, lam=lam)
for q in ("R", "D", "xi_star", "R_sd"):
    err = float(np.max(np.abs(iso[q] - gen[q]) / np.maximum(1.0, np.abs(gen[q]))))
    print(f"{q:8s} max relative difference isotropic vs general: {err:.1e}")
    assert err < 1e-9
lam_sign = gamma * sigma2 / r2
print(
    f"ξ̄* at λ = γσ²/r² (= {lam_sign:.3f}):",
    float(
        sdt.isotropic_asymptotics(
            aspect_ratio=gamma, noise=sigma2, signal_norm_sq=r2, lam=lam_sign
        )["xi_star"].iloc[0]
    ),
)
fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
ax[0].semilogx(lam, iso.R, label="teacher R̄")
ax[0].semilogx(lam, iso.R_sd, label="optimal SD R̄*_sd")
ax[0].axvline(lam_sign, color="k", lw=0.5)
ax[0].set(xlabel="λ (mean-loss scale)", ylabel="fresh-point risk", title="isotropic, γ = 0.5")
ax[0].legend()
ax[1].semilogx(lam, iso.xi_star)
ax[1].axhline(0, color="k", lw=0.5)
ax[1].axvline(lam_sign, color="k", lw=0.5, ls=":")
ax[1].set(xlabel="λ (mean-loss scale)", ylabel="ξ̄*", title="sign change at λ = γσ²/r²")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Deterministic equivalents against random-design Monte Carlo
#
# Two problems at `γ = 0.5`: isotropic, and a two-level Σ (10% of directions with eigenvalue 10
# carrying all the signal). Each Monte Carlo trial draws a fresh design and noise and computes the
# exact conditional risks; the asymptotic values are exact only as p → ∞, so at small p they carry
# an O(1/p) bias on top of the Monte Carlo error. `xi_ratio` is `mean(R − C)/mean(D)`.

# %%
from sdtheory.simulate import simulate_random_design


def problems(p):
    k = max(1, p // 10)
    return [
        ("isotropic", np.ones(p), np.ones(p) / np.sqrt(p)),
        (
            "two-level",
            np.r_[np.full(k, 10.0), np.ones(p - k)],
            np.r_[np.ones(k) / np.sqrt(k), np.zeros(p - k)],
        ),
    ]


p = 60 if FAST else 400
trials = 30 if FAST else 60
lam_mc = np.array([0.1, 1.0]) if FAST else np.geomspace(0.03, 30, 7)
lam = np.geomspace(1e-2, 1e2, 121)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
zs = []
for ax, (name, s, beta) in zip(axes, problems(p)):
    th = sdt.asymptotic_risks(s, beta**2, noise=sigma2, aspect_ratio=gamma, lam=lam)
    th_mc = sdt.asymptotic_risks(s, beta**2, noise=sigma2, aspect_ratio=gamma, lam=lam_mc)
    mc = simulate_random_design(
        s, beta, noise=sigma2, n=int(p / gamma), lam=lam_mc, n_trials=trials, seed=11
    )
    for q, mq in (("R", "R"), ("C", "C"), ("R_pd", "R_pd"), ("D", "D"), ("xi_star", "xi_ratio")):
        z = (mc[mq].to_numpy() - th_mc[q].to_numpy()) / mc[mq + "_se"].to_numpy()
        zs.append(z)
        print(
            f"{name:9s} {q:7s} theory {np.round(th_mc[q].to_numpy(), 4)}  "
            f"MC {np.round(mc[mq].to_numpy(), 4)} ± {np.round(mc[mq + '_se'].to_numpy(), 4)}  z {np.round(z, 2)}"
        )
    for col, c in (("R", "C0"), ("R_pd", "C1"), ("R_sd", "C2")):
        ax.plot(lam, th[col], c, label=col)
        ax.errorbar(lam_mc, mc[col], yerr=2 * mc[col + "_se"], fmt="o", color=c, ms=4)
    ax.set(
        xscale="log",
        xlabel="λ (mean-loss scale)",
        ylabel="risk",
        ylim=(0.95, 2.5),
        title=f"{name}: lines = theory, points = MC (p = {p})",
    )
    ax.legend()
plt.tight_layout()
plt.show()
assert np.all(np.abs(np.concatenate(zs)) < 4), "deterministic equivalents and simulation disagree"

# %% [markdown]
# ## Can SD beat the best ridge? The curvature test
#
# At the ridge optimum λ* the first-order gain vanishes (ξ* = 0), but jointly retuning (λ, ξ) can
# still win: `D(λ*) < (λ*²/2) R''(λ*)` implies `min_λ R*_sd < min_λ R`. Isotropic: never.
# Anisotropic with the signal on the top eigenvalues: yes, and the global search confirms it.

# %%
spectra = {
    "isotropic": ([1.0], [1.0], None),
    "two-level, signal on top": sdt.two_level_spectrum(
        high=10.0, low=1.0, frac_high=0.1, signal_high=1.0, signal_low=0.0
    ),
    "two-level, signal on bottom": sdt.two_level_spectrum(
        high=10.0, low=1.0, frac_high=0.1, signal_high=0.0, signal_low=1.0
    ),
}
per_decade = 12 if FAST else 40
for name, (s, e, w) in spectra.items():
    cmp = sdt.compare_sd_vs_ridge(
        s, e, noise=sigma2, aspect_ratio=gamma, weights=w, per_decade=per_decade
    )
    cur = cmp.curvature
    print(
        f"{name:28s} best ridge {cmp.R_ridge:.5f} (λ = {cmp.lam_ridge:.3g})   best SD {cmp.R_sd:.5f} "
        f"(λ = {cmp.lam_sd:.3g}, ξ = {cmp.xi_sd:.3g})   relative gain {cmp.relative_gain:.2e}   "
        f"curvature test: D = {cur.D:.4g} < {cur.curvature_bound:.4g}? {cur.sd_beats_ridge}"
    )
    if cur.sd_beats_ridge:
        assert cmp.R_sd < cmp.R_ridge
    assert cmp.R_sd <= cmp.R_ridge * (1 + 1e-9)

# %% [markdown]
# ## One-shot ξ̂ from a single dataset
#
# From one dataset, residuals of the teacher and the pure-distilled fit give estimates of `R`,
# `R − C` and `D` (a generalized-cross-validation argument), hence `ξ̂ = (R̂ − Ĉ)/D̂` for every λ
# from one SVD — no split, no refit. The plain-GCV version (`method="gcv"`) is *not* consistent
# (its `R̂_pd` and `Ĉ` carry an O(1) bias); `sdtheory` defaults to a corrected estimator and keeps
# the plain one for comparison. We compare with the realized, data-conditional `ξ*` (uses the true
# θ*, `finite_sample_sd`), with the asymptotic `ξ̄*`, and with 5-fold cross-validation of ξ. The
# grid `lam` is on the mean-loss scale; the data functions get `n * lam`.

# %%
rng = np.random.default_rng(3)
p = 120 if FAST else 800
name, s, beta = problems(p)[1]
n = int(p / gamma)
X = rng.standard_normal((n, p)) * np.sqrt(s)
y = X @ beta + np.sqrt(sigma2) * rng.standard_normal(n)
lam = np.geomspace(0.05, 5, 9)
est = sdt.one_shot_xi(X, y, lam=n * lam)
est_gcv = sdt.one_shot_xi(X, y, lam=n * lam, uncertainty="none", method="gcv")
real = sdt.finite_sample_sd(X, y, beta, lam=n * lam, noise=sigma2, test_cov=s)
asym = sdt.asymptotic_risks(s, beta**2, noise=sigma2, aspect_ratio=gamma, lam=lam)
cv = sdt.cv_xi(X, y, lam=n * lam, folds=5)
print(" λ      ξ̂ (± se)        ξ̂ gcv   realized ξ*  asymptotic ξ̄*  5-fold CV ξ")
for i, lm in enumerate(lam):
    print(
        f"{lm:6.3f}  {est.xi_hat[i]:7.3f} ± {est.xi_se[i]:.3f}  {est_gcv.xi_hat[i]:7.3f}  "
        f"{real.xi_star[i]:10.3f}  {asym.xi_star[i]:12.3f}  {cv.xi_cv[i]:10.3f}"
    )
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.errorbar(lam, est.xi_hat, yerr=2 * est.xi_se, fmt="o-", label="one-shot ξ̂ (± 2 se)")
ax.plot(lam, est_gcv.xi_hat, "x:", label="plain-GCV ξ̂")
ax.plot(lam, real.xi_star, "s", mfc="none", label="realized ξ* (true θ*)")
ax.plot(lam, asym.xi_star, "k", label="asymptotic ξ̄*")
ax.plot(lam, cv.xi_cv, "^", label="5-fold CV ξ")
ax.set(xscale="log", xlabel="λ (mean-loss scale)", ylabel="ξ", title=f"{name}, n = {n}, p = {p}")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ### Consistency: the error of ξ̂ shrinks as p grows
#
# Mean |ξ̂ − ξ̄*| over λ and a few datasets, at fixed γ. (A simulation, so the numbers wobble; the
# trend is the point. The benchmark `benchmarks/bench_tuning.py` compares cost and accuracy with CV.)

# %%
ps = [50, 200] if FAST else [50, 100, 200, 400, 800]
reps = 4 if FAST else 20
errs = {}
for pp in ps:
    _, s, beta = problems(pp)[1]
    nn = int(pp / gamma)
    th = sdt.asymptotic_risks(
        s, beta**2, noise=sigma2, aspect_ratio=gamma, lam=lam
    ).xi_star.to_numpy()
    e = []
    for _ in range(reps):
        Xr = rng.standard_normal((nn, pp)) * np.sqrt(s)
        yr = Xr @ beta + np.sqrt(sigma2) * rng.standard_normal(nn)
        e.append(
            np.abs(
                sdt.one_shot_xi(Xr, yr, lam=nn * lam, uncertainty="none").xi_hat.to_numpy() - th
            ).mean()
        )
    errs[pp] = (np.mean(e), np.std(e) / np.sqrt(reps))
    print(f"p = {pp:4d}: mean |ξ̂ − ξ̄*| = {errs[pp][0]:.3f} ± {errs[pp][1]:.3f}")
