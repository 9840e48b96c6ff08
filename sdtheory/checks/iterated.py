"""Checks for iterated / multi-step self-distillation (theory page :doc:`/theory/iterated`).

Monte Carlo rows compare expected risks with JAX simulations that re-solve every fit; exact
rows (``mc_se = 0`` with a ``tol``) compare closed forms with literal iteration of the fits,
limits and direct constrained solves.
"""

from __future__ import annotations

import numpy as np

from ._registry import check


def _toy():
    from .. import rbf_kernel

    x = np.linspace(0.0, 1.0, 11)
    return rbf_kernel(x, gamma=80.0), np.sin(2 * np.pi * x)


@check(
    "iterated-kernel-mc",
    "toy RBF kernel: expected in-sample risk per SD step (α = 0, 0.3, per-step α) vs Monte Carlo",
)
def kernel_mc(quick: bool) -> list[dict]:
    from .. import filter_risk, kernel_spectrum, multistep_filter
    from ..problem import KernelProblem
    from ..simulate import simulate_kernel_sd

    K, ys = _toy()
    noise, lam, steps = 0.25, 0.2, 6
    n = 1000 if quick else 20000
    sp = kernel_spectrum(K, ys, noise=noise)
    rows = []
    for name, al in (
        ("alpha=0", np.zeros(steps - 1)),
        ("alpha=0.3", np.full(steps - 1, 0.3)),
        ("alpha per step", np.array([1.5, -0.3, 0.8, 0.0, 2.0])),
    ):
        mc = simulate_kernel_sd(
            KernelProblem(K, ys, noise), lam=lam, xis=1 - al, n_trials=n, seed=31
        )
        for t in range(steps):
            th = filter_risk(sp, f=multistep_filter(sp.eigvals, lam=lam, xis=1 - al[:t]))
            rows.append(
                {
                    "problem": f"toy RBF, {name}",
                    "quantity": f"risk step {t + 1}",
                    "theory": th,
                    "mc_mean": mc.mean[t],
                    "mc_se": mc.se[t],
                    "n": mc.n,
                }
            )
    return rows


@check(
    "iterated-linear-mc",
    "linear ridge: k-step SD risk with ξ outside [0, 1] and the optimal schedule vs Monte Carlo",
)
def linear_mc(quick: bool) -> list[dict]:
    from .. import Spectrum, multistep_risk, optimal_schedule
    from ..problem import LinearProblem
    from ..simulate import simulate_multistep

    rng = np.random.default_rng(42)
    n = 1000 if quick else 20000
    rows = []
    for shape in ((30, 8),) if quick else ((30, 8), (8, 16)):
        X = rng.standard_normal(shape)
        th = rng.standard_normal(shape[1])
        sp = Spectrum.from_design(X, th, 0.6)
        xis = np.array([1.8, -0.7, 3.0])
        mc = simulate_multistep(
            LinearProblem(X, th, 0.6), lam=2.0, xis=xis, n_trials=n, seed=7, noise_dist="rademacher"
        )
        for k in range(xis.size + 1):
            rows.append(
                {
                    "problem": f"linear {shape[0]}x{shape[1]}, xi={xis[:k].tolist()}",
                    "quantity": f"parameter risk, k={k}",
                    "theory": multistep_risk(sp, lam=2.0, xis=xis[:k]),
                    "mc_mean": mc.mean[k],
                    "mc_se": mc.se[k],
                    "n": mc.n,
                }
            )
        opt = optimal_schedule(
            sp, lam=2.0, steps=3, warn=False
        )  # same schedule length: one compile
        mc = simulate_multistep(
            LinearProblem(X, th, 0.6),
            lam=2.0,
            xis=opt.xis,
            n_trials=n,
            seed=8,
            noise_dist="rademacher",
        )
        rows.append(
            {
                "problem": f"linear {shape[0]}x{shape[1]}, optimal 3-step",
                "quantity": "parameter risk",
                "theory": opt.risk,
                "mc_mean": mc.mean[-1],
                "mc_se": mc.se[-1],
                "n": mc.n,
            }
        )
    return rows


@check(
    "iterated-exact",
    "closed forms vs literal re-solves, τ = ∞ limit, oracle at k ≥ r, "
    "collapse round vs direct solves",
)
def exact(quick: bool) -> list[dict]:
    from .. import (
        Spectrum,
        constrained_rounds,
        kernel_self_distill,
        optimal_schedule,
        oracle_risk,
    )

    rows = []
    rng = np.random.default_rng(3)
    K, ys = _toy()
    y = ys + 0.5 * rng.standard_normal(11)
    n = K.shape[0]
    for alpha in (0.0, 0.3, 1.0):
        fit = kernel_self_distill(K, y, lam=0.2, xi=1 - alpha, steps=7)  # ξ = 1 − α on the teacher
        A = K + 0.2 * np.eye(n)
        c = np.linalg.solve(A, y)
        err = np.abs(fit.coef[0] - c).max()
        for t in range(1, 8):
            c = np.linalg.solve(A, alpha * y + (1 - alpha) * (K @ c))
            err = max(err, np.abs(fit.coef[t] - c).max())
        rows.append(
            {
                "problem": f"toy RBF, alpha={alpha}",
                "quantity": "max|coef closed - re-solve|",
                "theory": 0.0,
                "mc_mean": err,
                "mc_se": 0.0,
                "n": 8,
                "tol": 1e-10,
            }
        )
        if alpha > 0:
            lim = np.linalg.solve(K + 0.2 / alpha * np.eye(n), y)
            rows.append(
                {
                    "problem": f"toy RBF, alpha={alpha}",
                    "quantity": "max|limit - KRR(lam/alpha)|",
                    "theory": 0.0,
                    "mc_mean": np.abs(fit.limit_coef - lim).max(),
                    "mc_se": 0.0,
                    "n": 1,
                    "tol": 1e-10,
                }
            )
    for r in (2, 3, 4):
        ev = np.arange(r, 0, -1, dtype=float) ** 2
        sp = Spectrum(eigvals=ev, signal=rng.standard_normal(r), noise=0.5)
        opt = optimal_schedule(sp, lam=1.0, steps=r, warn=False)
        orc = oracle_risk(sp)
        rows.append(
            {
                "problem": f"singular values 1..{r}",
                "quantity": "optimal r-step risk vs oracle",
                "theory": orc,
                "mc_mean": opt.risk,
                "mc_se": 0.0,
                "n": 1,
                "tol": 1e-8 * orc,
            }
        )
    res = constrained_rounds(K, y, eps=0.04)
    from scipy import optimize

    def direct_multiplier(yt):
        """Root of mean((K(K + cI)⁻¹y_t − y_t)²) = ε in log c, by dense solves on K."""

        def g(logc):
            f = K @ np.linalg.solve(K + np.exp(logc) * np.eye(n), yt)
            return np.mean((f - yt) ** 2) - 0.04

        return np.exp(optimize.brentq(g, -40.0, 40.0, xtol=1e-14))

    yt, T_direct, cerr = y.copy(), 0, 0.0
    while (
        yt @ yt > n * 0.04 and T_direct < 1000
    ):  # f ≡ 0 is feasible (hence optimal) once ‖y_t‖² ≤ Nε
        c = direct_multiplier(yt)
        if T_direct < res.multipliers.size:
            cerr = max(cerr, abs(c / res.multipliers[T_direct] - 1))
        yt, T_direct = K @ np.linalg.solve(K + c * np.eye(n), yt), T_direct + 1
    rows.append(
        {
            "problem": "toy RBF, eps=0.04",
            "quantity": "collapse round (direct solves on K)",
            "theory": res.collapse_round,
            "mc_mean": T_direct,
            "mc_se": 0.0,
            "n": 1,
            "tol": 0,
        }
    )
    rows.append(
        {
            "problem": "toy RBF, eps=0.04",
            "quantity": "max rel. error of multipliers c_t",
            "theory": 0.0,
            "mc_mean": cerr,
            "mc_se": 0.0,
            "n": T_direct,
            "tol": 1e-8,
        }
    )
    b = res.bounds
    rows.append(
        {
            "problem": "toy RBF, eps=0.04",
            "quantity": "bounds lower <= T <= upper (1 = holds)",
            "theory": 1.0,
            "mc_mean": float(b["lower"] <= res.collapse_round <= b["upper"]),
            "mc_se": 0.0,
            "n": 1,
            "tol": 0,
        }
    )
    return rows
