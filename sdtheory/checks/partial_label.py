"""Checks for the partial-label (top-2) student (theory page :doc:`/theory/partial-label`).

Exact rows (``mc_se = 0`` with a ``tol``): the symmetry-reduced logits of the teacher, the
ξ-student and the partial-label student against full N-dimensional NumPy solves on explicit
features, for evenly spread and for uneven corruption counts. Monte Carlo rows: accuracies of JAX
fits on independently (Bernoulli) corrupted labels against the exact expectation over the count
distribution.
"""

from __future__ import annotations

import numpy as np

from ._registry import check


def _full_vs_reduced(K, n, counts, c, d, lam, xi):
    from ..classification import (
        clustered_features,
        fit_soft_logistic,
        partial_label_targets,
    )
    from ..classification._partial_label import _fits

    y = np.repeat(np.arange(K), n)
    noisy = np.concatenate([np.repeat(np.arange(K), counts[a]) for a in range(K)])
    X = clustered_features(n, c, d, n_classes=K)
    Y = np.eye(K)[noisy]
    fT = fit_soft_logistic(X, Y, lam=lam)
    fP = fit_soft_logistic(X, partial_label_targets(fT.logits), lam=lam)
    fS = fit_soft_logistic(X, xi * fT.probs + (1 - xi) * Y, lam=lam)
    w = np.asarray(counts, dtype=float).reshape(1, -1)
    red = _fits(n, c, d, K, w, np.array([lam]), np.array([xi]))
    g = y * K + noisy
    return {
        "teacher": np.abs(fT.logits - red["teacher"][1][0][g]).max(),
        "student": np.abs(fS.logits - red["student"][1][0][g]).max(),
        "partial": np.abs(fP.logits - red["partial"][1][0][g]).max(),
    }


@check(
    "classification-partial-label",
    "partial-label (top-2) student in the clustered model: reduced logits vs full N-dim solves; "
    "accuracies of JAX fits on Bernoulli-corrupted labels vs the exact expectation",
)
def partial_label(quick: bool) -> list[dict]:
    from ..classification import partial_label_expected_accuracy
    from ..simulate import simulate_partial_label
    from ..simulate._common import mean_se

    c, d = 0.4, 0.1
    rows = []
    even3 = [[4, 1, 1], [1, 4, 1], [1, 1, 4]]
    even4 = [[3, 1, 1, 1], [1, 3, 1, 1], [1, 1, 3, 1], [1, 1, 1, 3]]
    uneven = [[4, 2, 0], [1, 5, 0], [1, 1, 4]]
    cases = [(3, 6, even3, 0.1, 2.0), (3, 6, uneven, 0.3, -1.0)]
    if not quick:
        cases += [(4, 6, even4, 0.5, 2.0), (3, 6, uneven, 1.0, 1.5)]
    for K, n, counts, lam, xi in cases:
        err = _full_vs_reduced(K, n, counts, c, d, lam, xi)
        for who, e in err.items():
            rows.append(
                {
                    "problem": f"K={K}, n={n}, counts={counts}, lam={lam}, xi={xi}",
                    "quantity": f"max |logit full - reduced| ({who})",
                    "theory": 0.0,
                    "mc_mean": float(e),
                    "mc_se": 0.0,
                    "n": 1,
                    "tol": 1e-8,
                }
            )
    settings = [(4, 0.3, 0.1, 2.0)] if quick else [(4, 0.3, 0.1, 2.0), (5, 0.2, 1.0, 2.0)]
    for n, p, lam, xi in settings:
        sim = simulate_partial_label(
            n, c, d, corruption=p, lam=lam, xi=xi, n_trials=200 if quick else 1000, seed=11
        )
        th = partial_label_expected_accuracy(n, c, d, corruption=p, lam=lam, xi=xi)
        for role in ("teacher", "student", "partial"):
            for q in ("train_accuracy_clean", "fresh_accuracy"):
                ms = mean_se(sim[sim.role == role][q].to_numpy())
                rows.append(
                    {
                        "problem": f"Bernoulli corruption K=3, n={n}, p={p}, lam={lam}, xi={xi}",
                        "quantity": f"{role} {q}",
                        "theory": float(th[th.role == role][q].iloc[0]),
                        "mc_mean": ms.mean,
                        "mc_se": ms.se,
                        "n": ms.n,
                    }
                )
    return rows
