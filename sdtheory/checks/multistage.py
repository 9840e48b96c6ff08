"""Check of the coupled multi-stage self-distillation theory on the noisy Gaussian mixture
(theory page :doc:`/theory/multistage`).

Monte Carlo rows: per stage, the overlaps ``m, Q, b``, ``w_tᵀw_{t−1}/N`` and the test error
against their ``N → ∞`` limit. The parameters have a moderate margin (teacher
``m/√(ΔQ) ≈ 0.5``), where the limit applies to the test error already at the quick ``N = 400``.
In full mode each test-error row also carries ``finite_n``: the limit averaged over the
overlaps' finite-``N`` fluctuations (:func:`~sdtheory.classification.gmm_finite_n_error`) with
their covariance taken from a separate calibration run (other seed, same ``N``), for
information only: with 16 calibration datasets the variance of ``b`` is too noisy for a
pass/fail row (the theory page measures the correction with 48 calibration datasets, where the
margin is small and it matters).
"""

from __future__ import annotations

import numpy as np

from ._registry import check

# (sample_ratio, delta, rho, corruption, lam (one per fit), inverse_temperature, xi or xis
# (one per step)); a case with sequences runs at most 3 steps
_CASES = {
    "hard": (2.0, 1.0, 0.5, 0.2, 1.0, np.inf, 1.0),
    "soft": (2.0, 1.0, 0.3, 0.2, [0.5, 1.0, 2.0, 1.0], [4.0, 2.0, 8.0], [1.0, 0.8, 1.2]),
}


def multistage_rows(
    N, steps, trials, cases, *, seed=21, calib_seed=99, calib_trials=16, calibrate=True
) -> list[dict]:
    """Rows ``problem, quantity, theory, mc_mean, mc_se, n`` (plus ``finite_n`` for the errors)
    for the teacher and ``steps`` SD steps; quantity ``stage t …`` is step ``t − 1``."""
    from ..classification import gmm_finite_n_error, gmm_multistage
    from ..simulate import simulate_gmm_multistage
    from ..simulate._common import mean_se

    rows = []
    for name in cases:
        a, dl, rho, flip, lam, beta, xi = _CASES[name]
        if np.ndim(lam):
            lam, beta, xi = lam[: steps + 1], beta[:steps], xi[:steps]
        xarg = dict(xis=xi) if np.ndim(xi) else dict(xi=xi)
        kw = dict(corruption=flip, lam=lam, steps=steps, inverse_temperature=beta, **xarg)
        th = gmm_multistage(a, dl, rho, **kw)
        out = simulate_gmm_multistage(N, a, dl, rho, **kw, n_trials=trials, seed=seed, batch_size=8)
        cal = (
            simulate_gmm_multistage(
                N, a, dl, rho, **kw, n_trials=calib_trials, seed=calib_seed, batch_size=8
            )
            if calibrate
            else None
        )
        prob = (
            f"GMM sample_ratio={a}, Delta={dl}, rho={rho}, corruption={flip}, lam={lam}, "
            f"inverse_temperature={beta}, xi={xi}, N={N}"
        )
        for t in range(1, steps + 2):
            g = out[out.step == t - 1]
            if cal is not None:
                gc = cal[cal.step == t - 1]
                cov = np.cov(gc[["m", "Q", "b"]].to_numpy(), rowvar=False)
            qs = [("m", th.m[t - 1]), ("Q", th.Q[t - 1]), ("b", th.b[t - 1])]
            if t > 1:
                qs.append(("R_prev", th.overlaps[t - 1, t - 2]))
            for q, val in qs:
                ms = mean_se(g[q].to_numpy())
                rows.append(
                    {
                        "problem": prob,
                        "quantity": f"stage {t} {q}",
                        "theory": float(val),
                        "mc_mean": ms.mean,
                        "mc_se": ms.se,
                        "n": ms.n,
                    }
                )
            e_fin = (
                gmm_finite_n_error(
                    th.m[t - 1], th.Q[t - 1], th.b[t - 1], cov=cov, delta=dl, rho=rho
                )
                if cal is not None
                else np.nan
            )
            ms = mean_se(g.test_error.to_numpy())
            rows.append(
                {
                    "problem": prob,
                    "quantity": f"stage {t} test_error",
                    "theory": float(th.test_error[t - 1]),
                    "mc_mean": ms.mean,
                    "mc_se": ms.se,
                    "n": ms.n,
                    "finite_n": e_fin,
                }
            )
    return rows


@check(
    "classification-gmm-multistage",
    "noisy Gaussian mixture, squared loss: coupled theory of several SD stages (per-stage λ, β, ξ)"
    ": overlaps m, Q, b, w_t·w_(t-1)/N and finite-N test error vs Monte Carlo",
)
def multistage(quick: bool) -> list[dict]:
    if quick:
        return multistage_rows(400, 2, 16, ("hard",), calibrate=False)
    return multistage_rows(1000, 3, 32, ("hard", "soft"))
