"""Theory vs Monte Carlo for one-step ridge self-distillation (``sdtheory check ridge-sd``).

For a default set of fixed-design problems (d < n and d > n; Gaussian, Rademacher and Laplace
label noise; parameter and in-sample prediction risk) the closed-form risk
:func:`sdtheory.sd_risk` at ``ξ ∈ {−1, 0, ξ*, 1, 3}`` is compared with the JAX Monte Carlo
:func:`sdtheory.simulate.ridge_sd_monte_carlo` (real solves on X). One more row per problem
compares the closed-form ``ξ*`` with the Monte Carlo minimizer over ξ (each trial's loss is an
exact quadratic in ξ; the MC minimizer is ``B̄/C̄`` with a delta-method standard error).
"""

from __future__ import annotations

import numpy as np

from ._registry import check

__all__ = ["ridge_problems", "ridge_sd_rows"]

XI_NAMED = (-1.0, 0.0, None, 1.0, 3.0)  # None = ξ*


def _design(rng, n, d, smin, smax):
    r = min(n, d)
    U, _ = np.linalg.qr(rng.standard_normal((n, r)))
    V, _ = np.linalg.qr(rng.standard_normal((d, r)))
    s = np.geomspace(smin, smax, r)
    return (U * s) @ V.T, V, s


def ridge_problems(quick: bool = False):
    """The default problems: list of dicts with ``name, X, theta, noise, lam, noise_dist, weights``.

    ``quick`` keeps four of the six (each noise law and each weighting still appears).

    Signals are aligned with the spectrum (``θ_j² ∝ s_j²`` on the right singular vectors), the
    case where self-distillation helps; λ is below the ridge optimum so ``ξ* > 0``.
    """
    out = []
    rng = np.random.default_rng(2023)
    for (n, d), noise, lam in (((40, 10), 2.0, 0.5), ((15, 30), 1.0, 0.3)):
        X, V, s = _design(rng, n, d, 0.3, 4.0)
        coords = s / np.linalg.norm(s) * 2.0
        # for d > n, θ* also has a null-space part: it adds the same constant to both sides
        theta = V @ coords + (0.3 * rng.standard_normal(d) if d > n else 0.0)
        tag = "d<n" if d < n else "d>n"
        combos = [("gaussian", "parameter"), ("rademacher", "parameter"), ("laplace", "prediction")]
        if quick:
            combos = combos[:2] if d < n else combos[2:] + [("gaussian", "prediction")]
        for dist, weights in combos:
            out.append(
                dict(
                    name=f"{tag} n={n} d={d} σ²={noise:g} λ={lam:g} {dist} {weights}",
                    X=X,
                    theta=theta,
                    noise=noise,
                    lam=lam,
                    noise_dist=dist,
                    weights=weights,
                )
            )
    return out


def ridge_sd_rows(quick: bool = True, *, seed: int = 0):
    """Rows ``problem, quantity, theory, mc_mean, mc_se, n`` for :func:`ridge_problems`."""
    from .. import LinearProblem, optimal_xi, sd_risk
    from ..simulate import ridge_sd_monte_carlo

    n_trials = 2000 if quick else 20000
    rows = []
    for k, p in enumerate(ridge_problems(quick)):
        sp = LinearProblem(p["X"], p["theta"], p["noise"], weights=p["weights"])  # theory and MC
        xi_star = float(optimal_xi(sp, lam=p["lam"]))
        xi = np.array([xi_star if v is None else v for v in XI_NAMED])
        theory = np.asarray(sd_risk(sp, lam=p["lam"], xi=xi))
        res, L = ridge_sd_monte_carlo(
            sp,
            lam=p["lam"],
            xi=xi,
            n_trials=n_trials,
            seed=seed + k,
            noise_dist=p["noise_dist"],
            return_trials=True,
        )
        for j, v in enumerate(XI_NAMED):
            label = "ξ*" if v is None else f"{v:g}"
            rows.append(
                dict(
                    problem=p["name"],
                    quantity=f"risk at ξ={label}",
                    theory=float(theory[j]),
                    mc_mean=float(res.mean[j]),
                    mc_se=float(res.se[j]),
                    n=res.n,
                )
            )
        # MC minimizer over ξ: L_i(ξ) = A_i − 2ξB_i + ξ²C_i exactly (least squares on 5 points)
        V = np.stack([np.ones_like(xi), -2.0 * xi, xi**2], axis=1)
        coef = np.linalg.lstsq(V, L.T, rcond=None)[0]
        B, C = coef[1], coef[2]
        xi_hat = B.mean() / C.mean()
        se = np.std(B - xi_hat * C, ddof=1) / (C.mean() * np.sqrt(n_trials))
        rows.append(
            dict(
                problem=p["name"],
                quantity="argmin_ξ risk (ξ*)",
                theory=xi_star,
                mc_mean=float(xi_hat),
                mc_se=float(se),
                n=res.n,
            )
        )
    return rows


@check(
    "ridge-sd", "one-step ridge SD: closed-form risk at ξ∈{−1,0,ξ*,1,3} and ξ* vs JAX Monte Carlo"
)
def _ridge_sd(quick: bool):
    return ridge_sd_rows(quick)
