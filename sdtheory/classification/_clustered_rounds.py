"""Multi-round SD in the clustered-feature model: exact rounds and the linearized closed form.

See the theory page :doc:`/theory/classification`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import check_int, check_scalar
from ._clustered_solver import (
    TIE,
    _accuracies,
    _check_model,
    _link,
    _reduced_gram,
    _solve_rounds,
    _teacher_targets,
)

__all__ = ["linearized_sd_factors", "multi_round_sd"]


def linearized_sd_factors(n_per_class, c, d, *, lam, xi, steps, n_classes=2) -> pd.DataFrame:
    r"""Closed-form per-round factors of linearized multi-round SD on the three Gram eigenspaces.

    Linearizing ``softmax(z) ≈ (1 + z)/K`` (binary: ``σ(z) ≈ 1/2 + z/4``) in the representer
    equation gives centered probabilities ``u = F(q − 1/K)`` with ``F = G(G + κλ)^{-1}``
    (``κ = K``; binary one-logit ``κ = 4``), i.e. a factor ``f = ν/(ν + κλ)`` on a
    ``G``-eigenvector of eigenvalue ``ν``. With ``q_t = ξ p_{t−1} + (1 − ξ) y`` the label
    component after round ``t`` (``t = 0``: teacher) is ``c_t = c* + (ξf)^t (f − c*)``,
    ``c* = (1 − ξ) f/(1 − ξ f)``; for ``ξ = 1``, ``c_t = f^{t+1}``.
    Eigenvalues: within-class ``ν = 1 − c`` (noise directions, multiplicity ``K(n − 1)``),
    class means ``ν = 1 − c + n(c − d)`` (``K − 1``), global mean ``ν + nKd`` (1, irrelevant for
    centered labels).

    Parameters
    ----------
    n_per_class, c, d, n_classes
        The clustered model (see :func:`~sdtheory.classification.clustered_accuracy`).
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²``.
    xi : float
        Weight ``ξ`` on the teacher, the same at every step.
    steps : int
        Distillation steps after the teacher (``>= 0``).

    Returns
    -------
    pandas.DataFrame
        Columns ``round, nu_noise, nu_class, f_noise, f_class, c_noise, c_class``; ``round``
        runs over ``0..steps`` (0 is the teacher).

    Notes
    -----
    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> df = linearized_sd_factors(10, 0.5, 0.1, lam=1.0, xi=1.0, steps=2)
    >>> bool(df.c_noise.iloc[-1] < df.c_class.iloc[-1])
    True
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    xi = check_scalar(xi, "xi")
    rounds = check_int(steps, "steps", minimum=0)
    kappa = 4.0 if K == 2 else float(K)
    nus = {"noise": 1 - c, "class": 1 - c + n * (c - d)}
    out = {"round": np.arange(rounds + 1)}
    for k, nu in nus.items():
        f = nu / (nu + kappa * lam)
        ct = [f]
        for _ in range(rounds):
            ct.append(xi * f * ct[-1] + (1 - xi) * f)
        out[f"nu_{k}"] = np.full(rounds + 1, nu)
        out[f"f_{k}"] = np.full(rounds + 1, f)
        out[f"c_{k}"] = np.array(ct)
    return pd.DataFrame(out)[
        ["round", "nu_noise", "nu_class", "f_noise", "f_class", "c_noise", "c_class"]
    ]


def multi_round_sd(n_per_class, c, d, *, corruption, lam, xi, steps=5, n_classes=2) -> pd.DataFrame:
    r"""Multi-round SD (each student teaches the next), exact and linearized.

    Round 0 is the teacher (targets ``onehot(label)``); round ``t = 1..steps`` trains on
    ``q_t = ξ p_{t−1} + (1 − ξ) onehot(label)`` with the same ``λ``.

    Parameters
    ----------
    n_per_class, c, d, n_classes
        The clustered model (see :func:`~sdtheory.classification.clustered_accuracy`).
    corruption : float
        Corrupted fraction of each class, in ``[0, 1]``.
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²``.
    xi : float
        Weight ``ξ`` on the teacher, the same at every step.
    steps : int
        Distillation steps after the teacher (``>= 0``).

    Returns
    -------
    pandas.DataFrame
        One row per round: ``round, train_acc, fresh_acc`` (exact), ``lin_train_acc,
        lin_fresh_acc`` (linearized model, :func:`linearized_sd_factors`), ``max_prob_err``
        (largest ``|exact − linearized|`` probability over groups: where it is not small, e.g. small
        ``λ`` where logits are large, the linearization breaks down) and ``lin_agrees``
        (whether both give the same correct/incorrect pattern on every group).

    Notes
    -----
    The linearized rounds are computed in group space with ``F = A(A + κλ)^{-1}`` where ``A`` is
    the reduced Gram operator; this equals the eigen-closed form because ``A`` is the exact
    action of ``G`` on group-constant vectors. See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> df = multi_round_sd(20, 0.4, 0.1, corruption=0.2, lam=5.0, xi=1.0, steps=2)
    >>> bool(df.max_prob_err.max() < 0.05)
    True
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    p = check_scalar(corruption, "corruption", low=0.0, high=1.0)
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    xi = check_scalar(xi, "xi")
    rounds = check_int(steps, "steps", minimum=0)
    binary = K == 2
    w, sols = _solve_rounds(n, c, d, K, np.array([p]), np.array([lam]), [np.array([xi])] * rounds)
    A = _reduced_gram(n, c, d, K, w)[0]
    kappa = 4.0 if binary else float(K)
    F = A @ np.linalg.inv(A + kappa * lam * np.eye(A.shape[0]))
    Q0 = _teacher_targets(K, 1, binary)[0]
    base = 0.5 if binary else 1.0 / K
    rows = []
    u = F @ (Q0 - base)
    for t, (beta, z) in enumerate(sols):
        if t > 0:
            u = F @ (xi * (base + u) + (1 - xi) * Q0 - base)
        tr, fr, mg, _ = _accuracies(n, c, d, K, w, beta, z)
        zl = kappa * u  # linearized logits (centered)
        betal = np.linalg.solve(A, zl) if np.linalg.cond(A) < 1e12 else np.linalg.lstsq(A, zl)[0]
        trl, frl, mgl, _ = _accuracies(n, c, d, K, w, betal[None], zl[None])
        err = np.abs(_link(z[0], binary) - (base + u)).max()
        rows.append(
            {
                "round": t,
                "train_acc": float(tr[0]),
                "fresh_acc": float(fr[0]),
                "lin_train_acc": float(trl[0]),
                "lin_fresh_acc": float(frl[0]),
                "max_prob_err": float(err),
                "lin_agrees": bool(((mg > TIE) == (mgl > TIE)).all()),
            }
        )
    return pd.DataFrame(rows)
