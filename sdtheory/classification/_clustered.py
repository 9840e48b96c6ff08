r"""Clustered-feature model: exact teacher/student accuracy under label corruption.

``K`` classes with ``n`` training points each; Gram matrix ``G_ii = 1``, ``G_ij = c`` within a
class and ``d`` across classes (``1 > c > d ≥ 0``; realized by ``x_i = √d u_0 + √(c − d) u_a +
√(1 − c) e_i`` with orthonormal ``u``'s and ``e``'s). A fraction ``p`` (the argument
``corruption``) of each class is corrupted (binary: flipped; ``K > 2``: spread evenly over the
other classes). Penalty ``(λ/2)‖W‖²`` on the summed cross-entropy, as in
:func:`~sdtheory.classification.fit_soft_logistic`.

**Symmetry reduction.** Points in the same group ``g = (a, b)`` (true class ``a``, given label
``b``) are exchangeable, so the representer coefficients ``β`` (hence the logits) are constant on
groups. With group sizes ``w_g`` (``n(1 − p)`` if ``b = a`` else ``n p/(K − 1)``) the logit of a
point of group ``g`` is

    z_g = (1 − c) β_g + (c − d) S_{a(g)} + d S,   S_a = Σ_{h: a(h)=a} w_h β_h,   S = Σ_h w_h β_h,

and the representer equations ``p(z_g) − q_g + λ β_g = 0`` form a system of ``K²`` groups × ``K``
logits (binary: 4 scalars) solved by damped Newton. ``p`` enters only through ``w_g``, so it is a
continuous parameter. A fresh point of class ``a`` has logits ``(c − d) S_a + d S`` (its Gram row).
See the theory page :doc:`/theory/classification`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .._validate import (
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_scalar,
)
from ._clustered_solver import (
    _CHUNK,
    TIE,
    _accuracies,
    _check_corruption_frac,
    _check_model,
    _groups,
    _solve_rounds,
)

__all__ = [
    "ClusteredAccuracy",
    "clustered_accuracy",
    "clustered_features",
    "clustered_gram",
    "clustered_labels",
    "clustered_phase_diagram",
    "corruption_range",
]


# ----------------------------------------------------------------------------- public API
@dataclass(frozen=True)
class ClusteredAccuracy:
    """Result of :func:`clustered_accuracy` (arrays of the broadcast shape of ``corruption``,
    ``lam`` and ``xi``).

    See the theory page :doc:`/theory/classification`.

    Attributes
    ----------
    teacher_train, student_train : ndarray or float
        Accuracy against the clean labels on the training points.
    teacher_fresh, student_fresh : ndarray or float
        Accuracy on fresh points (one per class, averaged over classes).
    teacher_logits, student_logits : ndarray
        Group logits, shape ``(..., K², Kp)``; group ``g = a·K + b`` has true class ``a`` and
        label ``b``; ``Kp = 1`` (binary, one logit) or ``K``.
    teacher_margins, student_margins : ndarray
        Group margins ``(..., K²)`` (true-class logit minus the best other; binary: ``±z``).
    group_sizes : ndarray
        ``w_g`` ``(..., K²)``.
    """

    teacher_train: np.ndarray | float
    student_train: np.ndarray | float
    teacher_fresh: np.ndarray | float
    student_fresh: np.ndarray | float
    teacher_logits: np.ndarray
    student_logits: np.ndarray
    teacher_margins: np.ndarray
    student_margins: np.ndarray
    group_sizes: np.ndarray


def clustered_accuracy(n_per_class, c, d, *, corruption, lam, xi, n_classes=2) -> ClusteredAccuracy:
    r"""Exact teacher and SD-student accuracy in the clustered-feature model.

    Parameters
    ----------
    n_per_class : int
        Training points per class ``n ≥ 1``.
    c, d : float
        Within- and across-class feature inner products, ``0 ≤ d < c < 1``.
    corruption : float or array_like
        Corrupted fraction(s) ``p ∈ [0, 1]`` of each class (continuous: enters as group sizes).
    lam : float or array_like
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²`` (summed cross-entropy; half the ridge factor).
    xi : float or array_like
        Weight(s) ``ξ ∈ ℝ`` on the teacher; ``corruption``, ``lam`` and ``xi`` broadcast together.
    n_classes : int
        ``K ≥ 2``. ``K = 2`` uses binary logistic regression (one logit); ``K > 2`` multinomial.

    Returns
    -------
    ClusteredAccuracy

    Notes
    -----
    Teacher: targets ``onehot(b)`` (binary: ``1[b = 1]``); student: ``q = ξ p_T + (1 − ξ)
    onehot(b)``, same ``λ``. Both solve the group representer equations (module docstring)
    to residual ``1e-11``. Training accuracy ``Σ_g w_g 1[margin_g > 0]/(nK)`` is piecewise
    *linear* in ``p`` (the group sizes are linear in ``p``); fresh accuracy is piecewise constant.
    A margin of at most ``TIE = 1e-10`` (a tie, up to rounding) counts as an error.
    See the theory page :doc:`/theory/classification`.

    References
    ----------
    R. Das and S. Sanghavi, ICML 2023; E. Jeong and Y. Chung, ICLR 2025 (arXiv 2402.10482).

    Examples
    --------
    >>> r = clustered_accuracy(50, 0.4, 0.1, corruption=0.3, lam=0.1, xi=2.0)
    >>> float(r.teacher_train), float(r.student_train)
    (0.7, 1.0)
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    p = _check_corruption_frac(corruption)
    lam = check_positive(lam, "lam")
    xi = check_finite(xi, "xi")
    p, lam, xi = _broadcast(p, lam, xi)
    shape = p.shape
    pf, lf, xf = p.ravel(), lam.ravel(), xi.ravel()
    parts = []
    for s in range(0, pf.size, _CHUNK):
        sl = slice(s, s + _CHUNK)
        w, ((bT, zT), (bS, zS)) = _solve_rounds(n, c, d, K, pf[sl], lf[sl], [xf[sl]])
        tT, fT, mT, _ = _accuracies(n, c, d, K, w, bT, zT)
        tS, fS, mS, _ = _accuracies(n, c, d, K, w, bS, zS)
        parts.append((tT, tS, fT, fS, zT, zS, mT, mS, w))
    cat = [np.concatenate(x, axis=0) for x in zip(*parts)]

    def shp(x):
        x = x.reshape(shape + x.shape[1:])
        return float(x) if x.ndim == 0 else x

    return ClusteredAccuracy(*(shp(x) for x in cat[:4]), *(shp(x) for x in cat[4:]))


def _broadcast(p, lam, xi):
    try:
        return np.broadcast_arrays(p, lam, xi)
    except ValueError:
        raise ValueError(
            f"corruption, lam and xi must broadcast to one shape, got shapes "
            f"{p.shape}, {lam.shape}, {xi.shape}"
        ) from None


def clustered_gram(n_per_class, c, d, *, n_classes=2):
    """The ``(nK, nK)`` Gram matrix of the model, points ordered class by class.

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> clustered_gram(2, 0.5, 0.1)[0]
    array([1. , 0.5, 0.1, 0.1])
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    y = np.repeat(np.arange(K), n)
    G = np.where(y[:, None] == y[None, :], c, d)
    np.fill_diagonal(G, 1.0)
    return G


def clustered_features(n_per_class, c, d, *, n_classes=2):
    r"""Explicit features ``(nK, 1 + K + nK)`` realizing :func:`clustered_gram`.

    ``x_i = √d e_0 + √(c − d) e_{1+a(i)} + √(1 − c) e_{1+K+i}``.

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> import numpy as np
    >>> X = clustered_features(3, 0.4, 0.1, n_classes=3)
    >>> bool(np.allclose(X @ X.T, clustered_gram(3, 0.4, 0.1, n_classes=3)))
    True
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    N = n * K
    y = np.repeat(np.arange(K), n)
    X = np.zeros((N, 1 + K + N))
    X[:, 0] = np.sqrt(d)
    X[np.arange(N), 1 + y] = np.sqrt(c - d)
    X[np.arange(N), 1 + K + np.arange(N)] = np.sqrt(1 - c)
    return X


def clustered_labels(n_per_class, *, n_corrupted_per_class, n_classes=2):
    r"""Clean and noisy labels of the model with exactly ``n_corrupted_per_class`` corrupted points
    per class.

    The corrupted points of class ``a`` are its last ``n_corrupted_per_class`` points, labelled
    ``a+1, a+2, …`` (mod ``K``) in turn, so the count must be a multiple of ``K − 1`` for the
    even spread of the model (``corruption = n_corrupted_per_class/n_per_class``).

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> clustered_labels(3, n_corrupted_per_class=1)
    (array([0, 0, 0, 1, 1, 1]), array([0, 0, 1, 1, 1, 0]))
    """
    n = check_int(n_per_class, "n_per_class", minimum=1)
    K = check_int(n_classes, "n_classes", minimum=2)
    m = check_int(n_corrupted_per_class, "n_corrupted_per_class", minimum=0)
    if m > n or m % (K - 1):
        raise ValueError(
            f"n_corrupted_per_class must be a multiple of K-1={K - 1} in [0, {n}], got {m}"
        )
    y = np.repeat(np.arange(K), n)
    noisy = y.copy()
    for a in range(K):
        idx = np.flatnonzero(y == a)[n - m :]
        noisy[idx] = (a + 1 + np.arange(m) % (K - 1)) % K
    return y, noisy


def _interval_pieces(breaks):
    br = np.unique(np.asarray(breaks))
    return [(lo, hi) for lo, hi in zip(br[:-1], br[1:]) if hi - lo > 1e-13]


def corruption_range(
    n_per_class,
    c,
    d,
    *,
    lam,
    xi,
    n_classes=2,
    on: str = "train",
    corruption_max: float | None = None,
    n_grid: int = 201,
):
    r"""Corruption rates where the SD student is strictly more accurate than the teacher.

    Parameters
    ----------
    n_per_class, c, d, n_classes
        The clustered model (see :func:`clustered_accuracy`).
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²``.
    xi : float
        Weight ``ξ ∈ ℝ`` on the teacher.
    on : {"train", "fresh"}
        Compare accuracy on the training points (against clean labels) or on fresh points.
    corruption_max : float, optional
        Scan corruptions in ``[0, corruption_max]`` (default ``(K − 1)/K``, where the true class
        stops being the plurality label).
    n_grid : int
        Grid points for locating sign changes of the group margins (each change is then refined
        by Brent's method to ``1e-12``); two sign changes of one margin closer than the grid
        spacing can be missed.

    Returns
    -------
    list of (float, float)
        Disjoint intervals ``(p_lo, p_hi)``, sorted.

    Notes
    -----
    Accuracies change only where a group margin (teacher or student, training groups or fresh
    points) changes sign. Between consecutive sign changes the correctness pattern is fixed, so
    the training-accuracy difference is the *linear* function
    ``[(1 − p) Σ_{clean g} δ_g + p/(K − 1) Σ_{corrupted g} δ_g]/K`` of ``p``
    (``δ_g = 1[student right] − 1[teacher right]``) and its positive part is found exactly;
    the fresh-accuracy difference is constant there. See the theory page
    :doc:`/theory/classification`.

    Examples
    --------
    >>> [(round(lo, 4), round(hi, 4)) for lo, hi in corruption_range(50, 0.4, 0.1, lam=0.1, xi=2.0)]
    [(0.0336, 0.4507)]
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    xi = check_scalar(xi, "xi")
    check_choice(on, "on", {"train", "fresh"})
    p_max = (
        (K - 1) / K
        if corruption_max is None
        else check_scalar(corruption_max, "corruption_max", low=0.0, high=1.0, low_open=True)
    )
    n_grid = check_int(n_grid, "n_grid", minimum=3)

    def all_margins(pv):
        pv = np.atleast_1d(np.asarray(pv, dtype=float))
        B = pv.size
        w, ((bT, zT), (bS, zS)) = _solve_rounds(n, c, d, K, pv, np.full(B, lam), [np.full(B, xi)])
        _, _, mT, fT = _accuracies(n, c, d, K, w, bT, zT)
        _, _, mS, fS = _accuracies(n, c, d, K, w, bS, zS)
        m = np.concatenate([mT, mS], axis=1) if on == "train" else np.concatenate([fT, fS], 1)
        return m - TIE  # correct ⟺ margin > TIE

    grid = np.linspace(0.0, p_max, n_grid)
    M = all_margins(grid)
    breaks = [0.0, p_max]
    sg = np.sign(M)
    for j in range(M.shape[1]):
        for i in np.flatnonzero(sg[:-1, j] != sg[1:, j]):
            if sg[i, j] == 0:
                breaks.append(grid[i])
            elif sg[i + 1, j] == 0:
                breaks.append(grid[i + 1])
            else:
                breaks.append(
                    optimize.brentq(
                        lambda pv, j=j: all_margins(pv)[0, j],
                        grid[i],
                        grid[i + 1],
                        xtol=1e-13,
                        rtol=1e-13,
                    )
                )
    a, b = _groups(K)
    clean = a == b
    intervals: list[tuple[float, float]] = []
    for lo, hi in _interval_pieces(breaks):
        mid = 0.5 * (lo + hi)
        m = all_margins(mid)[0]
        if on == "train":
            G = K * K
            delta = (m[G:] > 0).astype(float) - (m[:G] > 0)  # m is margin − TIE
            dc, dx = delta[clean].sum(), delta[~clean].sum()

            def diff(pv, dc=dc, dx=dx):
                return ((1 - pv) * dc + pv / (K - 1) * dx) / K

            f_lo, f_hi = diff(lo), diff(hi)
            eps = 1e-13
            if f_lo > eps and f_hi > eps:
                seg = (lo, hi)
            elif f_lo > eps or f_hi > eps:
                root = lo + (hi - lo) * f_lo / (f_lo - f_hi)
                seg = (lo, root) if f_lo > eps else (root, hi)
            elif max(f_lo, f_hi) > 0 and diff(mid) > eps:
                seg = (lo, hi)
            else:
                seg = None
        else:
            delta = (m[K:] > 0).astype(float) - (m[:K] > 0)
            seg = (lo, hi) if delta.mean() > 0 else None
        if seg is not None:
            if intervals and abs(intervals[-1][1] - seg[0]) < 1e-12:
                intervals[-1] = (intervals[-1][0], seg[1])
            else:
                intervals.append((float(seg[0]), float(seg[1])))
    return intervals


def clustered_phase_diagram(n_per_class, c, d, *, corruption, lam, xi, n_classes=2) -> pd.DataFrame:
    r"""Teacher and student accuracy on the outer-product grid of corruption, ``λ`` and ``ξ``.

    Parameters
    ----------
    n_per_class, c, d, n_classes
        The clustered model.
    corruption, lam, xi : float or array_like
        Grids (1-D) of corrupted fractions in ``[0, 1]``, penalties ``λ > 0`` (on
        ``(λ/2)‖W‖²``) and teacher weights ``ξ``.

    Returns
    -------
    pandas.DataFrame
        Columns ``corruption, xi, lam, teacher_train, student_train, teacher_fresh, student_fresh,
        gain_train, gain_fresh`` (gain = student − teacher), one row per grid point.

    Notes
    -----
    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> df = clustered_phase_diagram(50, 0.4, 0.1, corruption=[0.1, 0.3], lam=0.1, xi=[1.0, 2.0])
    >>> df.shape
    (4, 9)
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    p = np.atleast_1d(_check_corruption_frac(corruption)).ravel()
    xi = np.atleast_1d(check_finite(xi, "xi")).ravel()
    lam = np.atleast_1d(check_positive(lam, "lam")).ravel()
    P, XI, LAM = np.meshgrid(p, xi, lam, indexing="ij")
    r = clustered_accuracy(
        n, c, d, corruption=P.ravel(), lam=LAM.ravel(), xi=XI.ravel(), n_classes=K
    )
    df = pd.DataFrame(
        {
            "corruption": P.ravel(),
            "xi": XI.ravel(),
            "lam": LAM.ravel(),
            "teacher_train": r.teacher_train,
            "student_train": r.student_train,
            "teacher_fresh": r.teacher_fresh,
            "student_fresh": r.student_fresh,
        }
    )
    df["gain_train"] = df.student_train - df.teacher_train
    df["gain_fresh"] = df.student_fresh - df.teacher_fresh
    return df
