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
# # Iterated and multi-step self-distillation (kernel and linear ridge)
#
# Every fit in this notebook is a *spectral filter*: with the Gram matrix `K = V D Vᵀ`
# (eigenvalues `d_k`), the in-sample predictions are `ŷ = V diag(b) Vᵀ y`. Plain kernel ridge has
# `b_k = a_k = d_k/(d_k + λ)`. Step 0 is this teacher; distillation step t refits ridge on
# `(1 − ξ_t) y + ξ_t ŷ_{t−1}`, with ξ_t the weight on the **teacher** (the previous step). That maps
# the filter `b ↦ a ⊙ ((1 − ξ_t) + ξ_t b)`, so any number of steps is available in closed form from
# one eigendecomposition. `steps` counts the distillation steps after the teacher.
#
# Three views of the same mechanism (the derivations are on the theory page `docs/theory/iterated.md`):
#
# 1. **Ground-truth weighting** (Borup & Andersen 2021): the same weight α on the *labels* at
#    every step — their parameter, the constant schedule ξ_t = 1 − α. As t → ∞ the filter tends to
#    `d_k/(d_k + λ/α)` — ridge with the regularization *amplified* to λ/α (and to the zero
#    function when α = 0).
# 2. **Per-step weights** (Pareek, Du & Oh 2024): step t uses its own ξ_t. The k-step filter is
#    `a·p_k(a)` with a polynomial `p_k` whose coefficients `ξ̄` sum to one, and the risk is a
#    quadratic in `ξ̄`: the optimal schedule is a constrained least-squares problem. With as many
#    steps as distinct singular values it reaches the per-direction oracle.
# 3. **Constrained rounds** (Mobahi, Farajtabar & Bartlett 2020): each round fits its predecessor
#    to within a fixed training error ε; the implied ridge multipliers grow, and after finitely
#    many rounds the fit collapses to zero.
#
# Set `SDTHEORY_FAST=1` for the small version that CI runs.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import sdtheory as sdt

FAST = os.environ.get("SDTHEORY_FAST") == "1"

# %% [markdown]
# ## The toy problem of both papers
#
# 11 equispaced points on [0, 1], `y = sin(2πx) + N(0, 0.5²)`, RBF kernel `exp(−80(x − x')²)`,
# λ = 0.2. Test loss: mean squared error against `sin(2πx)` on a fine grid.

# %%
x = np.linspace(0.0, 1.0, 11)
y_star = np.sin(2 * np.pi * x)
noise_sd, lam = 0.5, 0.2
y = y_star + noise_sd * np.random.default_rng(2021).standard_normal(x.size)
K = sdt.rbf_kernel(x, gamma=80.0)
x_grid = np.linspace(0.0, 1.0, 201)
K_grid = sdt.rbf_kernel(x_grid, x, gamma=80.0)
f_grid = np.sin(2 * np.pi * x_grid)
eig = sdt.kernel_eigen(K)
print("eigenvalues of K:", np.round(eig.eigvals, 4))

# %% [markdown]
# ### Closed form against literally re-solving every fit
#
# `kernel_self_distill` uses one eigendecomposition; here each step is re-solved with
# `np.linalg.solve(K + λI, target)` and the coefficients are compared.

# %%
steps = 7  # distillation steps after the teacher
for alpha in (0.0, 0.25, 1.0):  # Borup & Andersen's weight on the labels: ξ = 1 − α
    fit = sdt.kernel_self_distill(K, y, lam=lam, xi=1 - alpha, steps=steps)
    A = K + lam * np.eye(x.size)
    c = np.linalg.solve(A, y)
    err = np.abs(fit.coef[0] - c).max()
    for t in range(1, steps + 1):
        c = np.linalg.solve(A, alpha * y + (1 - alpha) * (K @ c))
        err = max(err, np.abs(fit.coef[t] - c).max())
    print(f"α = {alpha:4.2f}: max |closed form − re-solve| over {steps} steps = {err:.2e}")
    assert err < 1e-9
    if alpha > 0:  # limit of infinitely many steps: KRR with λ/α
        lim = np.linalg.solve(K + lam / alpha * np.eye(x.size), y)
        assert np.abs(fit.limit_coef - lim).max() < 1e-9

# %% [markdown]
# ### Fitted curves and test loss per step
#
# With α = 0 (pure distillation) the fit is smoothed more at every step and heads to zero; with
# α > 0 it settles on the ridge fit with λ/α. The test loss against `sin(2πx)` dips for a few
# steps (the extra regularization helps) and then rises.

# %%
fig, ax = plt.subplots(1, 3, figsize=(15, 3.8))
for a, alpha in zip(ax[:2], (0.0, 0.25)):
    fit = sdt.kernel_self_distill(K, y, lam=lam, xi=1 - alpha, steps=5)
    pred = fit.predict(K_grid)
    a.plot(x_grid, f_grid, "k--", lw=1, label="sin(2πx)")
    a.plot(x, y, "ko", ms=4)
    for t in range(6):
        a.plot(
            x_grid,
            pred[t],
            color=plt.get_cmap("viridis")(t / 5),
            label="teacher" if t == 0 else f"step {t}",
        )
    a.plot(x_grid, fit.predict_limit(K_grid), "r:", lw=2, label="t = ∞")
    a.set(title=f"α = {alpha} (weight on labels)", xlabel="x")
ax[0].legend(fontsize=7)
n_steps = 10 if FAST else 15
for alpha in (0.0, 0.1, 0.25, 0.5, 1.0):
    fit = sdt.kernel_self_distill(K, y, lam=lam, xi=1 - alpha, steps=n_steps)
    loss = ((fit.predict(K_grid) - f_grid) ** 2).mean(axis=1)
    ax[2].plot(np.arange(n_steps + 1), loss, "o-", ms=3, label=f"α = {alpha}")
ax[2].set(xlabel="step t (0 = teacher)", ylabel="test MSE vs sin(2πx)", title="test loss per step")
ax[2].legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Expected risk per step against Monte Carlo
#
# Over the label noise, the in-sample risk of any filter b is
# `(1/N) Σ_k [(1 − b_k)² z*_k² + b_k² σ²]`, with `z* = Vᵀy*` (`kernel_spectrum` + `filter_risk`).
# The simulation draws fresh labels per trial and re-solves every step in JAX. We also run the
# greedy per-step α that minimizes the expected risk (`expected_alpha_path`).

# %%
from sdtheory.simulate import simulate_kernel_sd

sp_k = sdt.kernel_spectrum(K, y_star, noise=noise_sd**2)
steps = 5
greedy = sdt.expected_alpha_path(sp_k, lam=lam, steps=steps)
schedules = {"α = 0": np.zeros(steps), "α = 0.3": np.full(steps, 0.3), "greedy α_t": greedy.alphas}
n_trials = 1000 if FAST else 20000
zs = []
for name, alphas in schedules.items():
    mc = simulate_kernel_sd(
        sdt.KernelProblem(K, y_star, noise_sd**2),
        lam=lam,
        xis=1 - alphas,
        n_trials=n_trials,
        seed=3,
    )
    theory = np.array(
        [sdt.multistep_risk(sp_k, lam=lam, xis=1 - alphas[:t]) for t in range(steps + 1)]
    )
    z = (mc.mean - theory) / mc.se
    zs.append(z)
    print(name, " ".join(f"{t:.4f}/{m:.4f}±{s:.4f}" for t, m, s in zip(theory, mc.mean, mc.se)))
    print("   z =", np.round(z, 2))
assert np.all(np.abs(np.concatenate(zs)) < 4), "theory and simulation disagree"
print(
    "greedy α per step:", np.round(greedy.alphas, 3), " expected risks:", np.round(greedy.risks, 4)
)

# %% [markdown]
# ## Optimal k-step schedules (linear ridge)
#
# Pareek et al.'s example: singular values `1, 2, …, r` and θ* on the top direction. The best
# one-step ridge cannot shrink each direction separately; an optimal `r`-step schedule can, and
# reaches the per-direction oracle `s_j²θ_j²/(s_j²θ_j² + σ²)`. The gain over the best ridge grows
# roughly linearly in r. Optimal |ξ_t| can be large (ill-conditioned), which the result reports.

# %%
noise = 1.0
rs = [2, 3, 4, 5] if FAST else [2, 3, 4, 5, 6, 8]
rows = []
for r in rs:
    X = np.diag(np.arange(r, 0, -1, dtype=float))
    theta = np.zeros(r)
    theta[0] = 1.0
    sp = sdt.Spectrum.from_design(X, theta, noise)
    ridge = sdt.optimal_ridge(sp)
    opt = sdt.optimal_schedule(sp, lam=ridge.lam, steps=r, warn=False)
    rows.append((r, ridge.risk, opt.risk, sdt.oracle_risk(sp), opt.max_abs_xi))
    assert abs(opt.risk - sdt.oracle_risk(sp)) <= 1e-8 * sdt.oracle_risk(sp)
for r, rr, ro, orc, mx in rows:
    print(
        f"r = {r}: best ridge {rr:.4f}  optimal r-step {ro:.5f}  oracle {orc:.5f}  "
        f"ratio {rr / ro:6.2f}  max|ξ_t| = {mx:.3g}"
    )
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot([r[0] for r in rows], [r[1] / r[2] for r in rows], "o-")
ax.set(
    xlabel="r (number of directions)",
    ylabel="best ridge risk / best r-step risk",
    title="gain of repeated SD grows with r",
)
plt.show()

# %% [markdown]
# ### The optimal schedule against simulation
#
# A random 30 × 8 design, λ = 2, the optimal 3-step schedule (ξ's outside [0, 1]) and the risk
# after each step, against `simulate_multistep` (which re-solves every step in JAX).

# %%
from sdtheory.simulate import simulate_multistep

rng = np.random.default_rng(42)
X = rng.standard_normal((30, 8))
theta = rng.standard_normal(8)
sp = sdt.Spectrum.from_design(X, theta, 0.6)
opt = sdt.optimal_schedule(sp, lam=2.0, steps=3, warn=False)
print(
    "optimal ξ schedule:",
    np.round(opt.xis, 3),
    " risk",
    opt.risk,
    " ridge",
    opt.ridge_risk,
    " oracle",
    opt.oracle_risk,
)
mc = simulate_multistep(
    sdt.LinearProblem(X, theta, 0.6), lam=2.0, xis=opt.xis, n_trials=n_trials, seed=8
)
theory = np.array([sdt.multistep_risk(sp, lam=2.0, xis=opt.xis[:k]) for k in range(4)])
z = (mc.mean - theory) / mc.se
for k in range(4):
    print(
        f"after {k} SD steps: theory {theory[k]:.4f}  MC {mc.mean[k]:.4f} ± {mc.se[k]:.4f}  z = {z[k]:+.2f}"
    )
assert np.all(np.abs(z) < 4)
assert abs(theory[-1] - opt.risk) < 1e-10 * opt.risk

# %% [markdown]
# ## Constrained rounds and collapse (Mobahi et al.)
#
# Round t fits `y_t` under `(1/N)‖f(X) − y_t‖² ≤ ε` and hands `y_{t+1} = f_t(X)` on. Each round is
# kernel ridge with a multiplier `c_t` solving `Σ_k (c z_k/(c + d_k))² = Nε`; the norms fall, the
# multipliers rise, and once `‖y_t‖² ≤ Nε` the solution is `f ≡ 0`. The number of rounds before
# collapse is bracketed by bounds in `r_0 = ‖y_0‖/√(Nε)` and the condition number κ.

# %%
Kc = K + 1e-2 * np.eye(x.size)  # keep the Gram matrix well-conditioned
eps = 0.04
res = sdt.constrained_rounds(Kc, y, eps=eps)
print("collapse round T =", res.collapse_round, " bounds:", res.bounds)
print("multipliers c_t:", np.round(res.multipliers, 4))
assert np.all(np.diff(res.multipliers) > 0) and np.all(np.diff(res.norms) < 0)
assert res.bounds["lower"] <= res.collapse_round <= res.bounds["upper"]

# a direct check of the collapse round: dense solves on K and a 1-D root in c per round
from scipy import optimize

yt, T = y.copy(), 0
while yt @ yt > x.size * eps:

    def g(logc, yt=yt):
        return (
            np.mean((Kc @ np.linalg.solve(Kc + np.exp(logc) * np.eye(x.size), yt) - yt) ** 2) - eps
        )

    c = np.exp(optimize.brentq(g, -40, 40, xtol=1e-14))
    assert abs(c / res.multipliers[T] - 1) < 1e-8
    yt, T = Kc @ np.linalg.solve(Kc + c * np.eye(x.size), yt), T + 1
assert T == res.collapse_round
fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
ax[0].semilogy(res.multipliers, "o-")
ax[0].set(xlabel="round t", ylabel="c_t", title="regularization is amplified")
ax[1].plot(res.ratios, "o-")
ax[1].axhline(1, color="k", lw=0.5)
ax[1].set(
    xlabel="round t", ylabel="r_t = ‖y_t‖/√(Nε)", title=f"collapse at round {res.collapse_round}"
)
plt.tight_layout()
plt.show()
