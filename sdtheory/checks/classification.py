"""Checks for classification with label corruption (theory page :doc:`/theory/classification`).

Exact rows (``mc_se = 0`` with a ``tol``): the symmetry-reduced clustered-model solve against full
N-dimensional solves (NumPy Newton on explicit features) and against the JAX batched solver on
really corrupted labels. Monte Carlo rows: the Gaussian-mixture first-stage saddle point against
sampled data, refitted per trial.
"""

from __future__ import annotations

import numpy as np

from ._registry import check


@check(
    "classification-clustered",
    "clustered model: symmetry-reduced logits/accuracies vs full N-dim solves (features, NumPy) "
    "and JAX batched fits on corrupted labels",
)
def clustered(quick: bool) -> list[dict]:
    from ..classification import (
        clustered_accuracy,
        clustered_features,
        clustered_labels,
        fit_soft_logistic,
        soft_targets,
    )
    from ..simulate import simulate_clustered_sd

    c, d, lam = 0.4, 0.1, 0.2
    rows = []
    cases = (
        [(2, 10, 3, 3.0), (3, 6, 2, -1.0)]
        if quick
        else [(2, 10, 3, 3.0), (2, 20, 6, 6.0), (3, 6, 2, -1.0), (3, 8, 4, 2.0), (4, 6, 3, 1.5)]
    )
    for K, n, m, xi in cases:
        y, noisy = clustered_labels(n, n_corrupted_per_class=m, n_classes=K)
        X = clustered_features(n, c, d, n_classes=K)
        q0 = noisy.astype(float) if K == 2 else np.eye(K)[noisy]
        fT = fit_soft_logistic(X, q0, lam=lam)
        fS = fit_soft_logistic(
            X, soft_targets(fT.probs, noisy, xi=xi, n_classes=None if K == 2 else K), lam=lam
        )
        r = clustered_accuracy(n, c, d, corruption=m / n, lam=lam, xi=xi, n_classes=K)
        g = y * K + noisy
        zT, zS = r.teacher_logits[g], r.student_logits[g]
        if K == 2:
            zT, zS = zT[:, 0], zS[:, 0]
        for who, full, red in (("teacher", fT.logits, zT), ("student", fS.logits, zS)):
            rows.append(
                {
                    "problem": f"K={K}, n={n}, p={m}/{n}, lam={lam}, xi={xi}",
                    "quantity": f"max |logit full - reduced| ({who})",
                    "theory": 0.0,
                    "mc_mean": float(np.abs(full - red).max()),
                    "mc_se": 0.0,
                    "n": 1,
                    "tol": 1e-8,
                }
            )
    xis = np.array([-1.0, 1.0, 2.0, 6.0])
    K, n, m = 3, 12, 4
    sim = simulate_clustered_sd(
        n, c, d, n_corrupted_per_class=m, lam=0.1, xi=xis, n_classes=K, n_trials=2 if quick else 6
    )
    th = clustered_accuracy(n, c, d, corruption=m / n, lam=0.1, xi=xis, n_classes=K)
    for j, xi in enumerate(xis):
        acc = sim[(sim.role == "student") & (sim.xi == xi)].train_accuracy_clean
        rows.append(
            {
                "problem": f"JAX fits on corrupted labels, K={K}, n={n}, p={m}/{n}",
                "quantity": f"student train accuracy, xi={xi:g}",
                "theory": float(th.student_train[j]),
                "mc_mean": float(acc.to_numpy().mean()),
                "mc_se": 0.0,
                "n": int(acc.size),
                "tol": 1e-12,
            }
        )
    return rows


@check(
    "classification-gmm",
    "noisy Gaussian mixture, squared loss: teacher (m, Q, b, test and clean training error) and "
    "one hard/soft SD stage (m, Q, b, test error, gain) vs Monte Carlo",
)
def gmm(quick: bool) -> list[dict]:
    from ..classification import gmm_first_stage, gmm_sd_stage
    from ..simulate import gmm_sd_summary

    N = 300 if quick else 1000
    seeds = 16 if quick else 32
    rows = []
    for beta in (np.inf, 2.0):
        for *model, flip, lam in [(2.0, 1.0, 0.5, 0.2, 0.5), (2.0, 1.0, 0.3, 0.1, 0.2)]:
            th = gmm_first_stage(*model, corruption=flip, lam=lam)
            sd = gmm_sd_stage(*model, corruption=flip, lam=lam, inverse_temperature=beta)
            df = gmm_sd_summary(
                N,
                *model,
                corruption=flip,
                lam=lam,
                steps=1,
                inverse_temperature=beta,
                n_trials=seeds,
                seed=5,
                batch_size=8,
            )
            prob = "GMM sample_ratio={}, Delta={}, rho={}, corruption={}, lam={}, N={}".format(
                *model, flip, lam, N
            )
            pseudo = "hard" if np.isinf(beta) else f"soft inverse_temperature={beta:g}"
            qs = (
                [(0, q, getattr(th, q)) for q in ("m", "Q", "b", "test_error", "train_error_clean")]
                if beta == np.inf
                else []
            )
            qs += [(1, q, getattr(sd, q)) for q in ("m", "Q", "b", "test_error")]
            qs += [(1, "gain", sd.gain)]
            for st, q, t in qs:
                row = df[(df.step == st) & (df.quantity == q)].iloc[0]
                name = "teacher " + q if st == 0 else f"SD stage ({pseudo}) {q}"
                rows.append(
                    {
                        "problem": prob,
                        "quantity": name,
                        "theory": float(t),
                        "mc_mean": float(row["mean"]),
                        "mc_se": float(row.se),
                        "n": int(row.n),
                    }
                )
    return rows


@check(
    "classification-gmm-bce",
    "noisy Gaussian mixture, cross-entropy teacher: replica fixed point (m, Q, b, test and clean "
    "training error) vs Newton fits on sampled data",
)
def gmm_bce(quick: bool) -> list[dict]:
    from ..classification import gmm_first_stage
    from ..simulate import simulate_gmm_bce_teacher
    from ..simulate._common import mean_se

    N = 300 if quick else 1000
    seeds = 16
    rows = []
    for *model, flip, lam in [(2.0, 1.0, 0.5, 0.2, 0.5), (2.0, 1.0, 0.3, 0.1, 0.2)]:
        th = gmm_first_stage(*model, corruption=flip, lam=lam, loss="bce")
        out = simulate_gmm_bce_teacher(
            N, *model, corruption=flip, lam=lam, n_trials=seeds, seed=6, batch_size=8
        )
        prob = "GMM BCE sample_ratio={}, Delta={}, rho={}, corruption={}, lam={}, N={}".format(
            *model, flip, lam, N
        )
        for q in ("m", "Q", "b", "test_error", "train_error_clean"):
            ms = mean_se(out[q].to_numpy())
            rows.append(
                {
                    "problem": prob,
                    "quantity": q,
                    "theory": float(getattr(th, q)),
                    "mc_mean": ms.mean,
                    "mc_se": ms.se,
                    "n": ms.n,
                }
            )
    return rows
