r"""Partial-label (top-2) student in the clustered-feature model: exact accuracies and ranges.

The teacher is fitted on the corrupted one-hot labels (as in :func:`clustered_accuracy`). The
*partial-label student* is fitted once, with the same ``λ``, on the soft target that puts ``1/2``
on each of the teacher's two most probable classes for the point: the soft-target cross-entropy
``LSE(z) − qᵀz`` with ``q = ½·1{top-2}``. (The partial-label likelihood ``−log Σ_{k∈S} p_k`` is a
different, non-convex loss and is not implemented here.) It needs ``K ≥ 3``: for ``K = 2`` the
top-2 set is every class, the target is uniform, every logit is 0 and no point is classified.

**Tie rule.** Teacher logits closer than :data:`TOP2_TIE` count as tied, and the target is the
expectation of ``½·1{top-2}`` when ties are broken uniformly at random: if ``m ≥ 2`` classes tie
for the largest logit each gets ``1/m``; otherwise the largest gets ``1/2`` and the ``m₂`` classes
tied for second place get ``1/(2m₂)`` each. The rule commutes with permuting the classes, and it is
a function of the teacher logits, which are constant on a group ``(true class, given label)``; so
the targets are constant on groups and the symmetry reduction of the clustered model stays exact.
In the evenly spread model the ties are structural: a clean point's teacher logits on the ``K − 1``
other classes are equal.

See the theory page :doc:`/theory/partial-label`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import permutations, product

import numpy as np
import pandas as pd

from .._validate import check_choice, check_finite, check_int, check_positive, check_scalar
from ._clustered_solver import (
    _CHUNK,
    TIE,
    _accuracies,
    _check_corruption_frac,
    _check_model,
    _groups,
    _link,
    _reduced_gram,
    _reduced_solve,
    _teacher_targets,
    _weights,
)

__all__ = [
    "TOP2_TIE",
    "PartialLabelAccuracy",
    "partial_label_accuracy",
    "partial_label_corruption_range",
    "partial_label_expected_accuracy",
    "partial_label_targets",
]

#: Teacher logits closer than this (absolute) are tied when the top-2 set is formed.
TOP2_TIE = 1e-7
_MAX_CONFIGS = 200_000


def partial_label_targets(logits):
    r"""Partial-label targets ``½·1{top-2}`` of teacher logits, with the symmetric tie rule.

    Parameters
    ----------
    logits : array_like
        Teacher logits, shape ``(..., K)`` with ``K ≥ 3``.

    Returns
    -------
    numpy.ndarray
        Targets of the same shape; each row sums to 1.

    Notes
    -----
    Logits within :data:`TOP2_TIE` of each other are tied. With ``m`` classes tied for the largest
    logit, ``m ≥ 2``, each gets ``1/m``; otherwise the largest gets ``1/2`` and each of the ``m₂``
    classes tied for second place ``1/(2m₂)``: the mean of ``½·1{top-2}`` over uniformly random
    tie-breaking. See the theory page :doc:`/theory/partial-label`.

    References
    ----------
    H. Jeong and H. W. Chung, "Rethinking self-distillation: label averaging and enhanced soft
    label refinement with partial labels", ICLR 2025 (arXiv 2402.10482).

    Examples
    --------
    >>> partial_label_targets([[2.0, 1.0, 0.0], [2.0, 0.0, 0.0]]).tolist()
    [[0.5, 0.5, 0.0], [0.5, 0.25, 0.25]]
    """
    z = check_finite(logits, "logits")
    if z.ndim < 1 or z.shape[-1] < 3:
        raise ValueError(
            f"logits must have shape (..., K) with K >= 3 classes (for K = 2 the top-2 set is "
            f"every class), got shape {z.shape}"
        )
    return _top2(z)


def _top2(z):
    t1 = z >= z.max(-1, keepdims=True) - TOP2_TIE
    n1 = t1.sum(-1, keepdims=True)
    z2 = np.where(t1, -np.inf, z)
    t2 = ~t1 & (z2 >= z2.max(-1, keepdims=True) - TOP2_TIE)
    n2 = np.maximum(t2.sum(-1, keepdims=True), 1)
    return np.where(n1 >= 2, t1 / n1, 0.5 * t1 + 0.5 * t2 / n2)


def _check_k3(n_classes):
    K = check_int(n_classes, "n_classes", minimum=2)
    if K < 3:
        raise ValueError(
            f"n_classes must be >= 3 for the partial-label student (with K = 2 the top-2 set is "
            f"every class and the target is uniform), got {K}"
        )
    return K


def _fits(n, c, d, K, w, lam, xi):
    """Teacher, partial-label student and (``xi`` not None) ξ-student on group sizes ``w``.

    ``w`` ``(B, K²)`` (any non-negative sizes summing to ``nK``), ``lam`` and ``xi`` ``(B,)``.
    Returns a dict of ``(β, z)`` and the partial targets."""
    B = w.shape[0]
    A = _reduced_gram(n, c, d, K, w)
    Q0 = _teacher_targets(K, B, False)
    out = {"teacher": _reduced_solve(A, Q0, lam, False)}
    zT = out["teacher"][1]
    QP = _top2(zT)
    out["partial"] = _reduced_solve(A, QP, lam, False)
    out["targets"] = QP
    if xi is not None:
        x = xi[:, None, None]
        out["student"] = _reduced_solve(A, x * _link(zT, False) + (1 - x) * Q0, lam, False)
    return out


_ROLES = ("teacher", "partial", "student")


@dataclass(frozen=True)
class PartialLabelAccuracy:
    """Result of :func:`partial_label_accuracy` (arrays of the broadcast shape of ``corruption``,
    ``lam`` and ``xi``; the ``student_*`` fields are None when ``xi`` is None).

    See the theory page :doc:`/theory/partial-label`.

    Attributes
    ----------
    teacher_train, partial_train, student_train : ndarray or float
        Training accuracy against the clean labels (teacher, partial-label student, ξ-student).
    teacher_fresh, partial_fresh, student_fresh : ndarray or float
        Accuracy on fresh points (one per class, averaged over classes).
    teacher_logits, partial_logits : ndarray
        Group logits ``(..., K², K)``; group ``g = a·K + b`` has true class ``a`` and label ``b``.
    partial_targets : ndarray
        The partial-label targets ``(..., K², K)`` (the tie rule of :func:`partial_label_targets`).
    teacher_margins, partial_margins : ndarray
        Group margins ``(..., K²)``: true-class logit minus the best other.
    group_sizes : ndarray
        ``w_g`` ``(..., K²)``.
    """

    teacher_train: np.ndarray | float
    teacher_fresh: np.ndarray | float
    partial_train: np.ndarray | float
    partial_fresh: np.ndarray | float
    student_train: np.ndarray | float | None
    student_fresh: np.ndarray | float | None
    teacher_logits: np.ndarray
    partial_logits: np.ndarray
    partial_targets: np.ndarray
    teacher_margins: np.ndarray
    partial_margins: np.ndarray
    group_sizes: np.ndarray


def partial_label_accuracy(
    n_per_class, c, d, *, corruption, lam, xi=None, n_classes=3
) -> PartialLabelAccuracy:
    r"""Exact accuracy of the teacher, the partial-label student and the ξ-student.

    Parameters
    ----------
    n_per_class : int
        Training points per class ``n ≥ 1``.
    c, d : float
        Within- and across-class feature inner products, ``0 ≤ d < c < 1``.
    corruption : float or array_like
        Corrupted fraction(s) ``p ∈ [0, 1]`` of each class, spread evenly over the other classes
        (continuous: enters as group sizes).
    lam : float or array_like
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²`` (summed cross-entropy), the same for every fit.
    xi : float or array_like, optional
        Teacher weight(s) ``ξ`` of the ξ-student (target ``ξ p_T + (1 − ξ) onehot(label)``) to
        compare with; None (default) fits no ξ-student. ``corruption``, ``lam`` and ``xi``
        broadcast together.
    n_classes : int
        ``K ≥ 3`` (default 3).

    Returns
    -------
    PartialLabelAccuracy

    Notes
    -----
    Teacher: targets ``onehot(b)``; partial-label student: ``q_g = ½·1{top-2 of p_T(g)}`` (tie
    rule of :func:`partial_label_targets`). Every fit solves the group representer equations
    ``softmax(z_g) − q_g + λβ_g = 0``, ``z_g = (1 − c)β_g + (c − d)S_{a(g)} + dS``, of
    :func:`~sdtheory.classification.clustered_accuracy` to residual ``1e-11``. A margin of at most
    ``1e-10`` counts as an error. See the theory page :doc:`/theory/partial-label`.

    References
    ----------
    H. Jeong and H. W. Chung, ICLR 2025 (arXiv 2402.10482).

    Examples
    --------
    >>> r = partial_label_accuracy(30, 0.4, 0.1, corruption=0.4, lam=0.1, xi=2.0)
    >>> round(float(r.teacher_train), 3), float(r.partial_train)
    (0.6, 1.0)
    """
    n, c, d, _ = _check_model(n_per_class, c, d, 3)
    K = _check_k3(n_classes)
    p = _check_corruption_frac(corruption)
    lam = check_positive(lam, "lam")
    has_xi = xi is not None
    xi = check_finite(xi, "xi") if has_xi else np.zeros(())
    try:
        p, lam, xi = np.broadcast_arrays(p, lam, xi)
    except ValueError:
        raise ValueError(
            f"corruption, lam and xi must broadcast to one shape, got shapes "
            f"{np.shape(p)}, {np.shape(lam)}, {np.shape(xi)}"
        ) from None
    shape = p.shape
    pf, lf, xf = p.ravel(), lam.ravel(), xi.ravel()
    parts = []
    for s in range(0, pf.size, _CHUNK):
        sl = slice(s, s + _CHUNK)
        w = _weights(n, K, pf[sl])
        f = _fits(n, c, d, K, w, lf[sl], xf[sl] if has_xi else None)
        aT, aP = (_accuracies(n, c, d, K, w, *f[r]) for r in ("teacher", "partial"))
        aS = _accuracies(n, c, d, K, w, *f["student"]) if has_xi else (pf[sl], pf[sl])
        row = [aT[0], aT[1], aP[0], aP[1], aS[0], aS[1], f["teacher"][1], f["partial"][1]]
        parts.append([*row, f["targets"], aT[2], aP[2], w])
    cat = [np.concatenate(x, axis=0) for x in zip(*parts)]

    def shp(x):
        x = x.reshape(shape + x.shape[1:])
        return float(x) if x.ndim == 0 else x

    vals = [shp(x) for x in cat]
    vals[4:6] = vals[4:6] if has_xi else [None, None]
    return PartialLabelAccuracy(*vals)


def _pieces(breaks):
    br = np.unique(np.asarray(breaks, dtype=float))
    return [(lo, hi) for lo, hi in zip(br[:-1], br[1:]) if hi - lo > 1e-13]


def _positive_part(lo, hi, f):
    """Where the linear function ``f`` on ``[lo, hi]`` is > 0 (None if nowhere)."""
    eps = 1e-13
    f_lo, f_hi = f(lo), f(hi)
    if f_lo > eps and f_hi > eps:
        return lo, hi
    if f_lo > eps or f_hi > eps:
        root = lo + (hi - lo) * f_lo / (f_lo - f_hi)
        return (lo, root) if f_lo > eps else (root, hi)
    if max(f_lo, f_hi) > 0 and f(0.5 * (lo + hi)) > eps:
        return lo, hi
    return None


def partial_label_corruption_range(
    n_per_class,
    c,
    d,
    *,
    lam,
    xi,
    n_classes=3,
    on: str = "train",
    corruption_max: float | None = None,
    n_grid: int = 201,
) -> dict:
    r"""Corruption rates where the partial-label student beats the teacher and the ξ-student.

    Parameters
    ----------
    n_per_class, c, d, n_classes
        The clustered model (see :func:`partial_label_accuracy`; ``K ≥ 3``).
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²``.
    xi : float
        Teacher weight ``ξ`` of the ξ-student.
    on : {"train", "fresh"}
        Compare training accuracy against the clean labels, or fresh-point accuracy.
    corruption_max : float, optional
        Scan ``[0, corruption_max]`` (default ``(K − 1)/K``).
    n_grid : int
        Grid points (``≥ 3``) on which the correctness of every group (teacher, ξ-student,
        partial-label student) is evaluated; each change is then located by bisection to
        ``1e-13``. Two changes of one group closer than the grid spacing can be missed.

    Returns
    -------
    dict
        ``{"teacher": [...], "student": [...]}``: disjoint sorted intervals ``(p_lo, p_hi)``
        where the partial-label student is strictly more accurate than the teacher, and than
        the ξ-student. Intervals narrower than ``1e-9`` (found only next to ``p = (K − 1)/K``,
        where the teacher's logits tie to within the tie tolerances) are dropped.

    Notes
    -----
    Between consecutive changes of the correctness pattern the accuracy difference is
    ``[(1 − p) Σ_{clean g} δ_g + p/(K − 1) Σ_{corrupted g} δ_g]/K`` (``δ_g`` the difference of
    the correctness indicators), linear in ``p``, so its positive part is exact; fresh accuracy
    is constant there. The partial-label student's margins jump where the teacher's top-2 sets
    change; bisection on the correctness indicators handles the jumps. See the theory page
    :doc:`/theory/partial-label`.

    Examples
    --------
    >>> r = partial_label_corruption_range(30, 0.4, 0.1, lam=0.1, xi=2.0)
    >>> [(round(lo, 4), round(hi, 4)) for lo, hi in r["teacher"]]
    [(0.0, 0.6667)]
    """
    n, c, d, _ = _check_model(n_per_class, c, d, 3)
    K = _check_k3(n_classes)
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    xi = check_scalar(xi, "xi")
    check_choice(on, "on", {"train", "fresh"})
    p_max = (
        (K - 1) / K
        if corruption_max is None
        else check_scalar(corruption_max, "corruption_max", low=0.0, high=1.0, low_open=True)
    )
    n_grid = check_int(n_grid, "n_grid", minimum=3)
    G = K * K if on == "train" else K
    idx = 2 if on == "train" else 3

    def pattern(pv):
        pv = np.atleast_1d(np.asarray(pv, dtype=float))
        out = []
        for s in range(0, pv.size, _CHUNK):
            ps = pv[s : s + _CHUNK]
            B = ps.size
            w = _weights(n, K, ps)
            f = _fits(n, c, d, K, w, np.full(B, lam), np.full(B, xi))
            m = [_accuracies(n, c, d, K, w, *f[r])[idx] for r in _ROLES]
            out.append(np.concatenate(m, axis=1) > TIE)
        return np.concatenate(out, axis=0)

    grid = np.linspace(0.0, p_max, n_grid)
    P = pattern(grid)
    cells, cols = np.nonzero(P[:-1] != P[1:])
    breaks = [0.0, p_max]
    if cells.size:
        lo, hi = grid[cells].copy(), grid[cells + 1].copy()
        left = P[cells, cols]
        for _ in range(48):
            mid = 0.5 * (lo + hi)
            same = pattern(mid)[np.arange(mid.size), cols] == left
            lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
        breaks += list(hi)
    a, b = _groups(K)
    clean = a == b
    res: dict[str, list[tuple[float, float]]] = {"teacher": [], "student": []}
    for lo_, hi_ in _pieces(breaks):
        m = pattern(0.5 * (lo_ + hi_))[0].astype(float)
        mT, mP, mS = m[:G], m[G : 2 * G], m[2 * G :]
        for key, other in (("teacher", mT), ("student", mS)):
            delta = mP - other
            if on == "train":
                dc, dx = delta[clean].sum(), delta[~clean].sum()

                def diff(pv, dc=dc, dx=dx):
                    return ((1 - pv) * dc + pv / (K - 1) * dx) / K

                seg = _positive_part(lo_, hi_, diff)
            else:
                seg = (lo_, hi_) if delta.mean() > 0 else None
            if seg is None:
                continue
            ivs = res[key]
            if ivs and abs(ivs[-1][1] - seg[0]) < 1e-12:
                ivs[-1] = (ivs[-1][0], float(seg[1]))
            else:
                ivs.append((float(seg[0]), float(seg[1])))
    # slivers narrower than 1e-9 occur only next to p = (K − 1)/K, where the teacher's logits
    # tie to within the tie tolerances; they are not reported
    return {k: [iv for iv in v if iv[1] - iv[0] > 1e-9] for k, v in res.items()}


def _compositions(n, K):
    """All ``(n_0, …, n_{K−1}) ≥ 0`` summing to ``n`` ``(M, K)``."""
    rows = [(*r, n - sum(r)) for r in product(range(n + 1), repeat=K - 1) if sum(r) <= n]
    return np.array(rows, dtype=float)


def _orbits(W, prob, n, K):
    """Merge configurations that differ by a relabelling of the classes (same accuracies)."""
    Wm = W.reshape(-1, K, K).astype(np.int64)
    base = (n + 1) ** np.arange(K * K)[::-1]
    perms = map(list, permutations(range(K)))
    codes = np.stack([(Wm[:, q][:, :, q].reshape(-1, K * K) * base).sum(1) for q in perms])
    uniq, first, inv = np.unique(codes.min(axis=0), return_index=True, return_inverse=True)
    return W[first], np.bincount(inv, weights=prob, minlength=uniq.size)


def partial_label_expected_accuracy(
    n_per_class, c, d, *, corruption, lam, xi, n_classes=3, max_configurations=_MAX_CONFIGS
) -> pd.DataFrame:
    r"""Expected accuracies under independent (Bernoulli) corruption, by exact enumeration.

    Each label is corrupted independently with probability ``p`` and then moved to one of the
    other ``K − 1`` classes uniformly, so the label counts ``(n_{a,b})_b`` of class ``a`` are
    multinomial ``(n; 1 − p, p/(K − 1), …)``, independent across classes. Given the counts the
    fits depend on nothing else (points of one group are exchangeable), so the expectation is
    the probability-weighted sum of the reduced model over every count configuration.

    Parameters
    ----------
    n_per_class, c, d, n_classes
        The clustered model (``K ≥ 3``).
    corruption : float
        Corruption probability ``p ∈ [0, 1]`` of each label.
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²``.
    xi : float
        Teacher weight ``ξ`` of the ξ-student.
    max_configurations : int
        Refuse when the number of count configurations ``C(n + K − 1, K − 1)^K`` exceeds this.

    Returns
    -------
    pandas.DataFrame
        One row per fit, ``role`` in ``("teacher", "student", "partial")``, with ``xi`` (NaN
        except for the student), ``train_accuracy_clean`` and ``fresh_accuracy`` (expectations).

    Notes
    -----
    Configurations of probability 0 (at ``p = 0`` or ``p = 1``) are skipped. See the theory page
    :doc:`/theory/partial-label`.

    Examples
    --------
    >>> df = partial_label_expected_accuracy(3, 0.4, 0.1, corruption=0.2, lam=0.1, xi=2.0)
    >>> df.role.tolist()
    ['teacher', 'student', 'partial']
    """
    n, c, d, _ = _check_model(n_per_class, c, d, 3)
    K = _check_k3(n_classes)
    p = check_scalar(corruption, "corruption", low=0.0, high=1.0)
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    xi = check_scalar(xi, "xi")
    cap = check_int(max_configurations, "max_configurations", minimum=1)
    n_conf = math.comb(n + K - 1, K - 1) ** K
    if n_conf > cap:
        raise ValueError(
            f"n_per_class={n} and n_classes={K} give {n_conf} count configurations, more than "
            f"max_configurations={cap}; use a smaller model or raise max_configurations"
        )
    comp = _compositions(n, K)  # column 0: labels kept, columns 1..K-1: moved by 1..K-1
    logf = np.array([math.lgamma(n + 1) - sum(math.lgamma(x + 1) for x in r) for r in comp])
    probs = [1 - p] + [p / (K - 1)] * (K - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # 0·log 0 = 0: a count of 0 in a class of probability 0 is certain
        lp = logf + np.where(comp > 0, comp * np.log(np.array(probs)), 0.0).sum(axis=1)
    keep = np.flatnonzero(lp > -np.inf)
    comp, lp = comp[keep], lp[keep]
    # class a's composition r: w[a, (a + j) % K] = r[j]
    ws, lps = [], []
    for choice in product(range(len(comp)), repeat=K):
        w = np.zeros((K, K))
        for a, ci in enumerate(choice):
            w[a, (a + np.arange(K)) % K] = comp[ci]
        ws.append(w.ravel())
        lps.append(sum(lp[ci] for ci in choice))
    W, prob = _orbits(np.array(ws), np.exp(np.array(lps)), n, K)
    tot = np.zeros((3, 2))
    for s in range(0, W.shape[0], _CHUNK):
        w = W[s : s + _CHUNK]
        B = w.shape[0]
        f = _fits(n, c, d, K, w, np.full(B, lam), np.full(B, xi))
        for i, r in enumerate(("teacher", "student", "partial")):
            tr, fr, _, _ = _accuracies(n, c, d, K, w, *f[r])
            tot[i] += [prob[s : s + _CHUNK] @ tr, prob[s : s + _CHUNK] @ fr]
    tot /= prob.sum()
    return pd.DataFrame(
        {
            "role": ["teacher", "student", "partial"],
            "xi": [np.nan, xi, np.nan],
            "train_accuracy_clean": tot[:, 0],
            "fresh_accuracy": tot[:, 1],
        }
    )
