"""Checks for the proportional asymptotics and one-shot ξ.

* ``asymptotics-random-design``: deterministic equivalents vs random-design Monte Carlo (JAX,
  fresh X per trial). The deterministic equivalents are exact only as p → ∞; the quick mode runs
  p = 48 and the full mode p = 400, so expect |z| slightly larger at small p (O(1/p) bias).
* ``asymptotics-identities``: finite-sample identities on random data (exact, tolerance rows).
* ``asymptotics-isotropic``: explicit isotropic formulas vs the general recipe with Σ = I.
"""

from __future__ import annotations

import numpy as np

from ._registry import check

_GAMMA = 0.5
_SIGMA2 = 1.0


def _problems(p):
    k = max(1, p // 10)
    return [
        ("isotropic", np.ones(p), np.ones(p) / np.sqrt(p)),
        (
            "two-level",
            np.r_[np.full(k, 10.0), np.ones(p - k)],
            np.r_[np.ones(k) / np.sqrt(k), np.zeros(p - k)],
        ),
    ]


@check(
    "asymptotics-random-design",
    "deterministic equivalents R, C, R_pd, D, ξ* vs random-design Monte Carlo "
    "(Gaussian and Rademacher X)",
)
def random_design(quick: bool) -> list[dict]:
    from .. import asymptotic_risks
    from ..simulate import simulate_random_design

    p = 48 if quick else 400
    trials = 40 if quick else 60
    lam = np.array([0.1, 1.0]) if quick else np.array([0.05, 0.2, 0.7, 2.0, 8.0])
    designs = ["gaussian"] if quick else ["gaussian", "rademacher"]
    rows = []
    for name, s, beta in _problems(p):
        th = asymptotic_risks(s, beta**2, noise=_SIGMA2, aspect_ratio=_GAMMA, lam=lam)
        for design in designs:
            mc = simulate_random_design(
                s,
                beta,
                noise=_SIGMA2,
                n=int(p / _GAMMA),
                lam=lam,
                n_trials=trials,
                design_dist=design,
                seed=11,
            )
            for i, lm in enumerate(lam):
                prob = f"{name}, {design}, p={p}, γ={_GAMMA}, λ={lm:g}"
                for q, mq in (
                    ("R", "R"),
                    ("C", "C"),
                    ("R_pd", "R_pd"),
                    ("D", "D"),
                    ("xi_star", "xi_ratio"),
                ):
                    rows.append(
                        {
                            "problem": prob,
                            "quantity": q,
                            "theory": float(th[q].iloc[i]),
                            "mc_mean": float(mc[mq].iloc[i]),
                            "mc_se": float(mc[mq + "_se"].iloc[i]),
                            "n": trials,
                        }
                    )
    return rows


@check(
    "asymptotics-identities",
    "finite-sample ξ* = (R − C)/D = −λR'(λ)/(2D) and R(ξ) = R − 2ξ(R − C) + ξ²D "
    "on random data (exact)",
)
def identities(quick: bool) -> list[dict]:
    from .. import finite_sample_sd

    rng = np.random.default_rng(0)
    rows = []
    for n, p in ((30, 12), (20, 40)) if quick else ((30, 12), (20, 40), (200, 100), (100, 300)):
        X = rng.standard_normal((n, p))
        beta = rng.standard_normal(p) / np.sqrt(p)
        y = X @ beta + rng.standard_normal(n)
        G = rng.standard_normal((p, p))
        W = G @ G.T / p
        for lam in (0.05, 0.5, 5.0):
            df = finite_sample_sd(X, y, beta, lam=n * lam, noise=1.0, test_cov=W).iloc[0]
            Sh = X.T @ X / n
            A = Sh + lam * np.eye(p)
            bt = np.linalg.solve(A, X.T @ y / n)
            dR = 2 * (bt - beta) @ W @ (-np.linalg.solve(A, bt))
            xi = 1.7
            bs = np.linalg.solve(A, X.T @ (xi * X @ bt + (1 - xi) * y) / n)
            risk = (bs - beta) @ W @ (bs - beta) + 1.0
            prob = f"n={n}, p={p}, λ={lam:g}"
            scale = max(1.0, df.R)
            rows.append(
                {
                    "problem": prob,
                    "quantity": "xi_star vs -λR'/(2D)",
                    "theory": -lam * dR / (2 * df.D),
                    "mc_mean": df.xi_star,
                    "mc_se": 0.0,
                    "n": 1,
                    "tol": 1e-8 * max(1.0, abs(df.xi_star)),
                }
            )
            rows.append(
                {
                    "problem": prob,
                    "quantity": "student risk at ξ=1.7 vs quadratic",
                    "theory": df.R - 2 * xi * (df.R - df.C) + xi**2 * df.D,
                    "mc_mean": risk,
                    "mc_se": 0.0,
                    "n": 1,
                    "tol": 1e-10 * scale,
                }
            )
    return rows


@check(
    "asymptotics-isotropic", "explicit isotropic formulas vs the general recipe with Σ = I (exact)"
)
def isotropic(quick: bool) -> list[dict]:
    from .. import asymptotic_risks, isotropic_asymptotics

    rows = []
    lam = np.geomspace(1e-3, 1e3, 7 if quick else 25)
    for g in (0.2, 1.0, 5.0):
        a = isotropic_asymptotics(aspect_ratio=g, noise=_SIGMA2, signal_norm_sq=1.5, lam=lam)
        b = asymptotic_risks([1.0], [1.5], noise=_SIGMA2, aspect_ratio=g, lam=lam)
        for q in ("R", "D", "xi_star", "R_sd"):
            err = np.abs(a[q] - b[q]) / np.maximum(1.0, np.abs(b[q]))
            i = int(np.argmax(err))
            rows.append(
                {
                    "problem": f"γ={g}, worst λ={lam[i]:.3g}",
                    "quantity": q,
                    "theory": float(b[q].iloc[i]),
                    "mc_mean": float(a[q].iloc[i]),
                    "mc_se": 0.0,
                    "n": 1,
                    "tol": 1e-9 * max(1.0, abs(float(b[q].iloc[i]))),
                }
            )
    return rows
