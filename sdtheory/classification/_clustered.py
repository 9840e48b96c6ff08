r"""Clustered-feature model: exact teacher/student accuracy under label corruption.

``K`` classes with ``n`` training points each; Gram matrix ``G_ii = 1``, ``G_ij = c`` within a
class and ``d`` across classes (``1 > c > d ≥ 0``; realized by ``x_i = √d u_0 + √(c − d) u_a +
√(1 − c) e_i`` with orthonormal ``u``'s and ``e``'s). A fraction ``p`` of each class is corrupted
(binary: flipped; ``K > 2``: spread evenly over the other classes).

**Symmetry reduction.** Points in the same group ``g = (a, b)`` (true class ``a``, given label
``b``) are exchangeable, so the representer coefficients ``β`` (hence the logits) are constant on
groups. With group sizes ``w_g`` (``n(1 − p)`` if ``b = a`` else ``n p/(K − 1)``) the logit of a
point of group ``g`` is

    z_g = (1 − c) β_g + (c − d) S_{a(g)} + d S,   S_a = Σ_{h: a(h)=a} w_h β_h,   S = Σ_h w_h β_h,

and the representer equations ``p(z_g) − q_g + λ β_g = 0`` form a system of ``K²`` groups × ``K``
logits (binary: 4 scalars) solved by damped Newton. ``p`` enters only through ``w_g``, so it is a
continuous parameter. A fresh point of class ``a`` has logits ``(c − d) S_a + d S`` (its Gram row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .._validate import check_choice, check_finite, check_int, check_positive
from ._logistic import sigmoid, softmax

__all__ = [
    "ClusteredAccuracy",
    "clustered_accuracy",
    "clustered_gram",
    "clustered_features",
    "clustered_labels",
    "corruption_range",
    "clustered_phase_diagram",
    "multi_round_sd",
    "linearized_sd_factors",
]

_TOL = 1e-11
# A point counts as correct when its margin exceeds _TIE: exact ties (e.g. every label class equally
# frequent at p = (K − 1)/K) then count as errors instead of depending on the sign of rounding noise.
TIE = 1e-10
_CHUNK = 2048


# ----------------------------------------------------------------------------- validation
def _check_model(n_per_class, c, d, n_classes):
    n = check_int(n_per_class, "n_per_class", minimum=1)
    K = check_int(n_classes, "n_classes", minimum=2)
    c = float(check_finite(c, "c"))
    d = float(check_finite(d, "d"))
    if not 0 <= d < c < 1:
        raise ValueError(f"need 0 <= d < c < 1 (Gram (1, c, d) realizable), got c={c}, d={d}")
    return n, c, d, K


def _scalar(x, name):
    if np.ndim(x) != 0:
        raise TypeError(f"{name} must be a scalar, got shape {np.shape(x)}")
    return x


def _check_p(p, K, name="p"):
    p = check_finite(p, name)
    if (p < 0).any() or (p > 1).any():
        raise ValueError(f"{name} must lie in [0, 1], got range [{p.min():.6g}, {p.max():.6g}]")
    return p


# ----------------------------------------------------------------------------- reduced solver
def _groups(K):
    a = np.repeat(np.arange(K), K)
    b = np.tile(np.arange(K), K)
    return a, b


def _weights(n, K, p):
    """Group sizes ``(B, K²)`` for corruption rates ``p`` ``(B,)``."""
    a, b = _groups(K)
    p = np.asarray(p, dtype=np.float64)[:, None]
    return np.where(a == b, n * (1 - p), n * p / (K - 1))


def _reduced_gram(n, c, d, K, w):
    """Operator ``A`` ``(B, G, G)`` with ``z = A β`` on group-constant coefficients."""
    a, _ = _groups(K)
    same = (a[:, None] == a[None, :]).astype(float)
    G = K * K
    return ((1 - c) * np.eye(G))[None] + ((c - d) * same[None] + d) * w[:, None, :]


def _link(z, binary):
    return sigmoid(z) if binary else softmax(z)


def _reduced_solve(A, Q, lam, binary, *, tol=_TOL, max_iter=100):
    """Solve ``p(Aβ) − Q + λβ = 0`` for a batch; returns ``(β, z)`` of shape ``(B, G, Kp)``."""
    B, G, Kp = Q.shape
    beta = np.zeros_like(Q)
    lamb = lam[:, None, None]
    eye = np.eye(G * Kp)[None]

    def resid(bt):
        z = np.einsum("bgh,bhk->bgk", A, bt)
        return z, _link(z, binary) - Q + lamb * bt

    z, r = resid(beta)
    rn = np.sqrt((r ** 2).sum(axis=(1, 2)))
    for _ in range(max_iter):
        act = rn > tol
        if not act.any():
            break
        p = _link(z, binary)
        if binary:
            J = (p * (1 - p))[:, :, :1] * A + lamb * eye
        else:
            S = np.einsum("bgk,kl->bgkl", p, np.eye(Kp)) - p[..., :, None] * p[..., None, :]
            J = np.einsum("bgkl,bgh->bgkhl", S, A).reshape(B, G * Kp, G * Kp) + lamb * eye
        step = -np.linalg.solve(J, r.reshape(B, G * Kp, 1)).reshape(B, G, Kp)
        step[~act] = 0.0
        t = np.ones(B)
        for _ls in range(40):
            zn, rnw = resid(beta + t[:, None, None] * step)
            rnn = np.sqrt((rnw ** 2).sum(axis=(1, 2)))
            ok = (rnn ** 2 <= (1 - 1e-4 * t) * rn ** 2) | (rnn < 1e-9) | ~act
            if ok.all():
                break
            t = np.where(ok, t, 0.5 * t)
        beta = beta + t[:, None, None] * step
        z, r = resid(beta)
        rn = np.sqrt((r ** 2).sum(axis=(1, 2)))
    if (rn > 1e-8).any():
        raise RuntimeError(f"clustered solver did not converge (residual {rn.max():.3g})")
    return beta, z


def _margins(z, K, binary):
    """Group margins ``(B, G)``: logit of the true class minus the best other class."""
    a, _ = _groups(K)
    if binary:
        return np.where(a == 1, 1.0, -1.0) * z[..., 0]
    za = np.take_along_axis(z, a[None, :, None].repeat(z.shape[0], 0), axis=2)[..., 0]
    other = np.where(np.eye(K, dtype=bool)[a][None], -np.inf, z)
    return za - other.max(axis=2)


def _fresh(beta, w, c, d, K):
    """Fresh-point logits ``(B, K, Kp)`` of one point per true class."""
    a, _ = _groups(K)
    wb = w[:, :, None] * beta
    S = wb.sum(axis=1)
    Sa = np.stack([wb[:, a == k].sum(axis=1) for k in range(K)], axis=1)
    return (c - d) * Sa + d * S[:, None, :]


def _fresh_margins(zf, K, binary):
    if binary:
        return np.array([-1.0, 1.0])[None] * zf[..., 0]
    idx = np.arange(K)
    za = zf[:, idx, idx]
    other = np.where(np.eye(K, dtype=bool)[None], -np.inf, zf)
    return za - other.max(axis=2)


def _teacher_targets(K, B, binary):
    _, b = _groups(K)
    if binary:
        return np.broadcast_to((b == 1).astype(float)[None, :, None], (B, K * K, 1)).copy()
    return np.broadcast_to(np.eye(K)[b][None], (B, K * K, K)).copy()


def _solve_rounds(n, c, d, K, p, lam, xis):
    """Teacher then one student per entry of ``xis`` (list of ``(B,)`` arrays), batched.

    Returns ``w`` and a list of ``(beta, z)`` (teacher first)."""
    binary = K == 2
    B = p.shape[0]
    w = _weights(n, K, p)
    A = _reduced_gram(n, c, d, K, w)
    Q0 = _teacher_targets(K, B, binary)
    out = [_reduced_solve(A, Q0, lam, binary)]
    for xi in xis:
        prob = _link(out[-1][1], binary)
        Q = xi[:, None, None] * prob + (1 - xi[:, None, None]) * Q0
        out.append(_reduced_solve(A, Q, lam, binary))
    return w, out


def _accuracies(n, c, d, K, w, beta, z):
    binary = K == 2
    a, b = _groups(K)
    mg = _margins(z, K, binary)
    train = (w * (mg > TIE)).sum(axis=1) / (n * K)
    mf = _fresh_margins(_fresh(beta, w, c, d, K), K, binary)
    fresh = (mf > TIE).mean(axis=1)
    return train, fresh, mg, mf


# ----------------------------------------------------------------------------- public API
@dataclass(frozen=True)
class ClusteredAccuracy:
    """Result of :func:`clustered_accuracy` (arrays of the broadcast shape of ``p, lam, xi``).

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


def clustered_accuracy(n_per_class, c, d, p, lam, xi, n_classes=2) -> ClusteredAccuracy:
    r"""Exact teacher and SD-student accuracy in the clustered-feature model.

    Parameters
    ----------
    n_per_class : int
        Training points per class ``n ≥ 1``.
    c, d : float
        Within- and across-class feature inner products, ``0 ≤ d < c < 1``.
    p : float or array_like
        Corruption rate(s) in ``[0, 1]`` (continuous: enters as group sizes).
    lam : float or array_like
        Ridge strength(s) ``λ > 0`` (summed loss ``+ (λ/2)‖W‖²``).
    xi : float or array_like
        Distillation weight(s) ``ξ ∈ ℝ``; ``p``, ``lam`` and ``xi`` broadcast together.
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

    References
    ----------
    R. Das and S. Sanghavi, ICML 2023; E. Jeong and Y. Chung, ICLR 2025 (arXiv 2402.10482).

    Examples
    --------
    >>> r = clustered_accuracy(50, 0.4, 0.1, 0.3, lam=0.1, xi=2.0)
    >>> float(r.teacher_train), float(r.student_train)
    (0.7, 1.0)
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    p = _check_p(p, K)
    lam = check_positive(lam, "lam")
    xi = check_finite(xi, "xi")
    p, lam, xi = np.broadcast_arrays(p, lam, xi)
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


def clustered_gram(n_per_class, c, d, n_classes=2):
    """The ``(nK, nK)`` Gram matrix of the model, points ordered class by class.

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


def clustered_features(n_per_class, c, d, n_classes=2):
    r"""Explicit features ``(nK, 1 + K + nK)`` realizing :func:`clustered_gram`.

    ``x_i = √d e_0 + √(c − d) e_{1+a(i)} + √(1 − c) e_{1+K+i}``.

    Examples
    --------
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


def clustered_labels(n_per_class, n_corrupt, n_classes=2):
    r"""Clean and noisy labels of the model with exactly ``n_corrupt`` corrupted points per class.

    The corrupted points of class ``a`` are its last ``n_corrupt`` points, labelled
    ``a+1, a+2, …`` (mod ``K``) in turn, so ``n_corrupt`` must be a multiple of ``K − 1`` for the
    even spread of the model (``p = n_corrupt/n``).

    Examples
    --------
    >>> clustered_labels(3, 1)
    (array([0, 0, 0, 1, 1, 1]), array([0, 0, 1, 1, 1, 0]))
    """
    n = check_int(n_per_class, "n_per_class", minimum=1)
    K = check_int(n_classes, "n_classes", minimum=2)
    m = check_int(n_corrupt, "n_corrupt", minimum=0)
    if m > n or m % (K - 1):
        raise ValueError(f"n_corrupt must be a multiple of K-1={K - 1} in [0, {n}], got {m}")
    y = np.repeat(np.arange(K), n)
    noisy = y.copy()
    for a in range(K):
        idx = np.flatnonzero(y == a)[n - m:]
        noisy[idx] = (a + 1 + np.arange(m) % (K - 1)) % K
    return y, noisy


def _interval_pieces(breaks):
    br = np.unique(np.asarray(breaks))
    return [(lo, hi) for lo, hi in zip(br[:-1], br[1:]) if hi - lo > 1e-13]


def corruption_range(n_per_class, c, d, lam, xi, n_classes=2, *, on: str = "train",
                     p_max: float | None = None, n_grid: int = 201):
    r"""Corruption rates where the SD student is strictly more accurate than the teacher.

    Parameters
    ----------
    n_per_class, c, d, n_classes
        The clustered model (see :func:`clustered_accuracy`).
    lam : float
        ``λ > 0``.
    xi : float
        ``ξ ∈ ℝ``.
    on : {"train", "fresh"}
        Compare accuracy on the training points (against clean labels) or on fresh points.
    p_max : float, optional
        Scan ``p ∈ [0, p_max]`` (default ``(K − 1)/K``, where the true class stops being the
        plurality label).
    n_grid : int
        Grid points for locating sign changes of the group margins (each change is then refined by
        Brent's method to ``1e-12``); two sign changes of one margin closer than the grid spacing
        can be missed.

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
    the fresh-accuracy difference is constant there.

    Examples
    --------
    >>> [(round(lo, 4), round(hi, 4)) for lo, hi in corruption_range(50, 0.4, 0.1, 0.1, 2.0)]
    [(0.0336, 0.4507)]
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    lam = float(check_positive(_scalar(lam, "lam"), "lam"))
    xi = float(check_finite(_scalar(xi, "xi"), "xi"))
    check_choice(on, "on", {"train", "fresh"})
    p_max = (K - 1) / K if p_max is None else float(_check_p(_scalar(p_max, "p_max"), K, "p_max"))
    if p_max <= 0:
        raise ValueError(f"p_max must be > 0, got {p_max}")
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
                breaks.append(optimize.brentq(lambda pv, j=j: all_margins(pv)[0, j],
                                              grid[i], grid[i + 1], xtol=1e-13, rtol=1e-13))
    a, b = _groups(K)
    clean = a == b
    intervals = []
    for lo, hi in _interval_pieces(breaks):
        mid = 0.5 * (lo + hi)
        m = all_margins(mid)[0]
        if on == "train":
            G = K * K
            delta = (m[G:] > 0).astype(float) - (m[:G] > 0)  # m is margin − TIE
            dc, dx = delta[clean].sum(), delta[~clean].sum()

            def diff(pv):
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


def clustered_phase_diagram(n_per_class, c, d, p, xi, lam, n_classes=2) -> pd.DataFrame:
    r"""Teacher and student accuracy on the outer-product grid of ``p``, ``ξ`` and ``λ``.

    Parameters
    ----------
    n_per_class, c, d, n_classes
        The clustered model.
    p, xi, lam : float or array_like
        Grids (1-D) of corruption rates, distillation weights and ridge strengths.

    Returns
    -------
    pandas.DataFrame
        Columns ``p, xi, lam, teacher_train, student_train, teacher_fresh, student_fresh,
        gain_train, gain_fresh`` (gain = student − teacher), one row per grid point.

    Examples
    --------
    >>> df = clustered_phase_diagram(50, 0.4, 0.1, [0.1, 0.3], [1.0, 2.0], 0.1)
    >>> df.shape
    (4, 9)
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    p = np.atleast_1d(_check_p(p, K)).ravel()
    xi = np.atleast_1d(check_finite(xi, "xi")).ravel()
    lam = np.atleast_1d(check_positive(lam, "lam")).ravel()
    P, XI, LAM = np.meshgrid(p, xi, lam, indexing="ij")
    r = clustered_accuracy(n, c, d, P.ravel(), LAM.ravel(), XI.ravel(), n_classes=K)
    df = pd.DataFrame({"p": P.ravel(), "xi": XI.ravel(), "lam": LAM.ravel(),
                       "teacher_train": r.teacher_train, "student_train": r.student_train,
                       "teacher_fresh": r.teacher_fresh, "student_fresh": r.student_fresh})
    df["gain_train"] = df.student_train - df.teacher_train
    df["gain_fresh"] = df.student_fresh - df.teacher_fresh
    return df


def linearized_sd_factors(n_per_class, c, d, lam, xi, rounds, n_classes=2) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        Columns ``round, nu_noise, nu_class, f_noise, f_class, c_noise, c_class``.

    Examples
    --------
    >>> df = linearized_sd_factors(10, 0.5, 0.1, 1.0, 1.0, 2)
    >>> bool(df.c_noise.iloc[-1] < df.c_class.iloc[-1])
    True
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    lam = float(check_positive(_scalar(lam, "lam"), "lam"))
    xi = float(check_finite(_scalar(xi, "xi"), "xi"))
    rounds = check_int(rounds, "rounds", minimum=0)
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
    return pd.DataFrame(out)[["round", "nu_noise", "nu_class", "f_noise", "f_class", "c_noise",
                              "c_class"]]


def multi_round_sd(n_per_class, c, d, p, lam, xi, rounds=5, n_classes=2) -> pd.DataFrame:
    r"""Multi-round SD (each student teaches the next), exact and linearized.

    Round 0 is the teacher (targets ``onehot(label)``); round ``t`` trains on
    ``q_t = ξ p_{t−1} + (1 − ξ) onehot(label)`` with the same ``λ``.

    Returns
    -------
    pandas.DataFrame
        One row per round: ``round, train_acc, fresh_acc`` (exact), ``lin_train_acc,
        lin_fresh_acc`` (linearized model, :func:`linearized_sd_factors`), ``max_prob_err``
        (largest |exact − linearized| probability over groups: where it is not small, e.g. small
        ``λ`` where logits are large, the linearization breaks down) and ``lin_agrees``
        (whether both give the same correct/incorrect pattern on every group).

    Notes
    -----
    The linearized rounds are computed in group space with ``F = A(A + κλ)^{-1}`` where ``A`` is
    the reduced Gram operator; this equals the eigen-closed form because ``A`` is the exact
    action of ``G`` on group-constant vectors.

    Examples
    --------
    >>> df = multi_round_sd(20, 0.4, 0.1, 0.2, 5.0, 1.0, rounds=2)
    >>> bool(df.max_prob_err.max() < 0.05)
    True
    """
    n, c, d, K = _check_model(n_per_class, c, d, n_classes)
    p = float(_check_p(_scalar(p, "p"), K))
    lam = float(check_positive(_scalar(lam, "lam"), "lam"))
    xi = float(check_finite(_scalar(xi, "xi"), "xi"))
    rounds = check_int(rounds, "rounds", minimum=0)
    binary = K == 2
    w, sols = _solve_rounds(n, c, d, K, np.array([p]), np.array([lam]),
                            [np.array([xi])] * rounds)
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
        rows.append({"round": t, "train_acc": float(tr[0]), "fresh_acc": float(fr[0]),
                     "lin_train_acc": float(trl[0]), "lin_fresh_acc": float(frl[0]),
                     "max_prob_err": float(err),
                     "lin_agrees": bool(((mg > TIE) == (mgl > TIE)).all())})
    return pd.DataFrame(rows)
