"""Exact ℓ2-regularized logistic regression with soft targets (any ξ ∈ ℝ), and label noise.

The student of self-distillation trains on ``q = ξ·p_teacher + (1 − ξ)·onehot(label)``, which has
negative entries when ``ξ > 1``. Cross-entropy is linear in the target,
``ℓ(q, z) = LSE(z) − qᵀz`` (binary: ``log(1 + e^z) − q z``), hence convex in the logits ``z`` for
every real ``q``; with ``λ > 0`` the regularized problem is strongly convex and has one minimizer.
The loss is **summed** over the training points (not averaged), as everywhere in the package.

Penalty factor: the logistic models carry ``(λ/2)‖W‖²`` (ridge regression elsewhere in the package
carries ``λ‖θ‖²``). A two-column softmax with penalty ``λ`` equals the binary one-logit model with
penalty ``λ/2``. See the theory page :doc:`/theory/classification`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_finite, check_int, check_matrix, check_psd, check_scalar

__all__ = [
    "LogisticFit",
    "fit_soft_logistic",
    "sigmoid",
    "soft_targets",
    "softmax",
]


def sigmoid(z):
    """Numerically stable logistic function ``1/(1 + e^{−z})``.

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> float(sigmoid(0.0)), float(sigmoid(-800.0))
    (0.5, 0.0)
    """
    z = check_finite(z, "z")
    return np.exp(-np.logaddexp(0.0, -z))


def softmax(z, *, axis: int = -1):
    """Numerically stable softmax along ``axis``.

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> softmax([[0.0, 0.0], [1000.0, 0.0]])
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    z = check_finite(z, "z")
    nd = max(z.ndim, 1)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -nd <= axis < nd:
        raise ValueError(f"axis must be an int in [-{nd}, {nd}), got {axis!r}")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _lse(z):
    zmax = z.max(axis=-1, keepdims=True)
    return (zmax + np.log(np.exp(z - zmax).sum(axis=-1, keepdims=True)))[..., 0]


@dataclass(frozen=True)
class LogisticFit:
    """Result of :func:`fit_soft_logistic`.

    See the theory page :doc:`/theory/classification`.

    Attributes
    ----------
    coef : ndarray
        Features: the weights ``w`` (``(D,)`` binary, ``(D, K)`` multinomial). Gram: the
        representer coefficients ``β`` (``(N,)`` or ``(N, K)``), logits ``Gβ``.
    logits : ndarray
        Training logits, ``(N,)`` or ``(N, K)``.
    probs : ndarray
        ``σ(logits)`` (binary) or ``softmax(logits)``.
    objective : float
        Summed loss plus penalty at the solution.
    grad_norm : float
        Euclidean norm of the gradient at the solution (features: ``Xᵀ(p − q) + λw``; Gram: the
        representer residual ``p − q + λβ``, whose zero is the optimum).
    n_iter : int
        Newton iterations used.
    gram : bool
        Whether the fit was on a Gram matrix.
    """

    coef: np.ndarray
    logits: np.ndarray
    probs: np.ndarray
    objective: float
    grad_norm: float
    n_iter: int
    gram: bool

    def predict_logits(self, X_new):
        """Logits of new points: ``X_new @ w`` (features) or ``K_new @ β`` (Gram; ``K_new`` is
        the ``(M, N)`` kernel between new and training points)."""
        X_new = check_matrix(X_new, "X_new", shape=(None, self.coef.shape[0]))
        return X_new @ self.coef


def _check_targets(targets, n):
    q = check_finite(targets, "targets")
    if q.ndim not in (1, 2):
        raise ValueError(
            f"targets must be (N,) for binary or (N, K) soft targets, got shape {q.shape}"
        )
    if q.shape[0] != n:
        raise ValueError(f"targets must have {n} rows (one per training point), got {q.shape[0]}")
    if q.ndim == 2:
        if q.shape[1] < 2:
            raise ValueError(f"soft targets need K >= 2 columns, got {q.shape[1]}")
        dev = np.abs(q.sum(axis=1) - 1.0).max()
        if dev > 1e-8:
            raise ValueError(f"each row of targets must sum to 1 (max deviation {dev:.3g})")
    return q


def _check_lam(lam, q):
    lam = check_scalar(lam, "lam", low=0.0)
    if lam == 0:
        outside = (q < 0).any() or (q > 1).any()
        if outside:
            raise ValueError(
                "lam = 0 with targets outside [0, 1] (e.g. ξ > 1): the soft-target "
                "cross-entropy is unbounded below; use lam > 0"
            )
        raise ValueError(
            "lam must be > 0 (with lam = 0 a minimizer need not exist, e.g. on separable data)"
        )
    return lam


def _loss(z, q):
    """Summed cross-entropy with soft targets (binary if ``q`` is 1-D)."""
    if q.ndim == 1:
        return float(np.sum(np.logaddexp(0.0, z) - q * z))
    return float(np.sum(_lse(z) - np.sum(q * z, axis=1)))


def _link(z, binary):
    return sigmoid(z) if binary else softmax(z)


def _curv(p, binary):
    """Per-point Hessian of the loss in the logits: ``p(1−p)`` or ``diag(p) − ppᵀ``."""
    if binary:
        return p * (1 - p)
    return np.einsum("ik,kl->ikl", p, np.eye(p.shape[1])) - p[:, :, None] * p[:, None, :]


def fit_soft_logistic(
    X_or_gram, targets, *, lam, gram: bool = False, tol: float = 1e-10, max_iter: int = 200
) -> LogisticFit:
    r"""Exact ℓ2-regularized logistic regression with soft (possibly negative) targets.

    Parameters
    ----------
    X_or_gram : array_like
        Features ``X`` of shape ``(N, D)``, or (``gram=True``) a PSD Gram matrix ``G`` ``(N, N)``.
    targets : array_like
        ``(N,)`` real targets for binary logistic regression (one logit per point), or ``(N, K)``
        soft targets with rows summing to 1 for multinomial regression. Any real values are
        allowed (the SD student with ``ξ > 1`` has targets outside ``[0, 1]``).
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖W‖²`` (half the ridge factor; the loss is summed over the
        points). ``λ = 0`` is refused: with targets outside ``[0, 1]`` the loss
        is unbounded below, and with hard targets a minimizer need not exist.
    gram : bool
        Whether ``X_or_gram`` is a Gram matrix (kernel form).
    tol : float
        Converged when the gradient norm is at most ``tol`` (default ``1e-10``); one more
        (polishing) Newton step is then taken, which typically brings it to rounding level.
    max_iter : int
        Maximum Newton iterations; a ``RuntimeError`` is raised if ``tol`` is not reached.

    Returns
    -------
    LogisticFit

    Notes
    -----
    Features: minimize ``Σ_i ℓ(q_i, Wᵀx_i) + (λ/2)‖W‖²`` with
    ``ℓ(q, z) = LSE(z) − qᵀz`` (binary: ``log(1 + e^z) − qz``). Gram form: logits ``z = Gβ`` and
    penalty ``(λ/2) tr(βᵀGβ)``; the optimum satisfies the representer equation
    ``p(z) − q + λβ = 0`` (``w = Xᵀβ``), which is solved by Newton's method on ``β`` with
    the step ``(S G + λI)Δ = −(p − q + λβ)`` (``S`` the per-point Hessians of ``ℓ``) and an
    Armijo line search on the convex objective. Features use Newton on ``W`` with the exact
    Hessian ``Σ_i S_i ⊗ x_i x_iᵀ + λI``. Both converge quadratically; the objective is
    ``λ``-strongly convex, so the minimizer is unique. A two-column softmax with
    penalty ``λ`` equals the binary (one-logit) model with penalty ``λ/2``.

    See the theory page :doc:`/theory/classification`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding self-distillation in the presence of label noise",
    ICML 2023.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> fit = fit_soft_logistic(X, [1.2, -0.1, 0.5], lam=0.5)   # targets outside [0, 1]
    >>> fit.grad_norm < 1e-10
    True
    >>> fitg = fit_soft_logistic(X @ X.T, [1.2, -0.1, 0.5], lam=0.5, gram=True)
    >>> bool(np.allclose(fit.logits, fitg.logits, atol=1e-10))
    True
    """
    if not isinstance(gram, (bool, np.bool_)):
        raise TypeError(f"gram must be a bool, got {type(gram).__name__}")
    A = check_psd(X_or_gram, "X_or_gram") if gram else check_matrix(X_or_gram, "X_or_gram")
    n = A.shape[0]
    q = _check_targets(targets, n)
    lam = _check_lam(lam, q)
    tol = check_scalar(tol, "tol", low=0.0, low_open=True)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    binary = q.ndim == 1
    K = 1 if binary else q.shape[1]
    if gram:
        return _fit_gram(A, q, lam, binary, K, tol, max_iter)
    return _fit_features(A, q, lam, binary, K, tol, max_iter)


def _armijo(f, f0, slope, x, d, maxhalf=60):
    t = 1.0
    for _ in range(maxhalf):
        fn = f(x + t * d)
        if fn <= f0 + 1e-4 * t * slope:
            return t, fn
        t *= 0.5
    return 0.0, f0


def _hess_features(X, S):
    """``Σ_i S_i ⊗ x_i x_iᵀ`` as a ``(D·K, D·K)`` matrix (index ``a·K + k``), by one GEMM."""
    n, D = X.shape
    K = S.shape[1]
    XS = (X[:, :, None] * S.reshape(n, 1, K * K)).reshape(n, D * K * K)
    H = (X.T @ XS).reshape(D, D, K, K)  # H[b, a, k, l] = Σ_i x_ib x_ia S_ikl
    return H.transpose(1, 2, 0, 3).reshape(D * K, D * K)


def _fit_features(X, q, lam, binary, K, tol, max_iter):
    n, D = X.shape
    shape = (D,) if binary else (D, K)
    w = np.zeros(shape)
    best = None

    def obj(wv):
        return _loss(X @ wv, q) + 0.5 * lam * float(np.sum(wv * wv))

    f = obj(w)
    for it in range(max_iter + 1):
        z = X @ w
        p = _link(z, binary)
        g = X.T @ (p - q) + lam * w
        gn = float(np.linalg.norm(g))
        if gn <= tol:  # one polishing Newton step (quadratic convergence), keep the better
            if best is not None:
                return best if best.grad_norm <= gn else LogisticFit(w, z, p, f, gn, it, False)
            best = LogisticFit(w, z, p, f, gn, it, False)
        if it == max_iter:
            if best is not None:
                return best
            break
        S = _curv(p, binary)
        if binary:
            H = (X.T * S) @ X + lam * np.eye(D)
            d = -np.linalg.solve(H, g)
        else:
            H = _hess_features(X, S) + lam * np.eye(D * K)
            d = -np.linalg.solve(H, g.ravel()).reshape(D, K)
        slope = float(np.sum(g * d))
        # Armijo on f, unless the predicted decrease is below the rounding level of f (then the
        # full Newton step is taken: locally quadratic convergence)
        small = -slope < 1e-13 * (1.0 + abs(f))
        t, fn = (0.0, f) if small else _armijo(obj, f, slope, w, d)
        if t == 0.0:  # at rounding level of f: take the Newton step if it lowers the gradient
            t, fn = 1.0, obj(w + d)
        w = w + t * d
        f = fn
    raise RuntimeError(
        f"fit_soft_logistic: Newton did not reach tol={tol:g} in {max_iter} "
        f"iterations (gradient norm {gn:.3g})"
    )


def _fit_gram(G, q, lam, binary, K, tol, max_iter):
    n = G.shape[0]
    shape = (n,) if binary else (n, K)
    beta = np.zeros(shape)
    best = None

    def obj(b):
        z = G @ b
        return _loss(z, q) + 0.5 * lam * float(np.sum(b * z))

    f = obj(beta)
    for it in range(max_iter + 1):
        z = G @ beta
        p = _link(z, binary)
        r = p - q + lam * beta
        rn = float(np.linalg.norm(r))
        if rn <= tol:  # one polishing Newton step (quadratic convergence), keep the better
            if best is not None:
                return best if best.grad_norm <= rn else LogisticFit(beta, z, p, f, rn, it, True)
            best = LogisticFit(beta, z, p, f, rn, it, True)
        if it == max_iter:
            if best is not None:
                return best
            break
        S = _curv(p, binary)
        if binary:
            J = S[:, None] * G + lam * np.eye(n)
            d = -np.linalg.solve(J, r)
        else:
            J = np.einsum("ikl,ij->ikjl", S, G).reshape(n * K, n * K) + lam * np.eye(n * K)
            d = -np.linalg.solve(J, r.ravel()).reshape(n, K)
        slope = float(np.sum((G @ r) * d))  # ∇f = G r
        small = -slope < 1e-13 * (1.0 + abs(f))
        t, fn = (0.0, f) if small else _armijo(obj, f, slope, beta, d)
        if t == 0.0:
            t, fn = 1.0, obj(beta + d)
        beta = beta + t * d
        f = fn
    raise RuntimeError(
        f"fit_soft_logistic: Newton did not reach tol={tol:g} in {max_iter} "
        f"iterations (residual norm {rn:.3g})"
    )


def soft_targets(teacher_probs, labels, *, xi, n_classes: int | None = None):
    r"""Self-distillation targets ``q = ξ·p_teacher + (1 − ξ)·onehot(label)``.

    Parameters
    ----------
    teacher_probs : array_like
        ``(N,)`` binary probabilities ``P(class 1)`` or ``(N, K)`` class probabilities, in
        ``[0, 1]`` (rows summing to 1).
    labels : array_like of int
        Given (noisy) labels, ``(N,)``, in ``{0, …, K−1}`` (binary: ``{0, 1}``).
    xi : float
        Distillation weight ``ξ ∈ ℝ``.
    n_classes : int, optional
        ``K`` (inferred from ``teacher_probs`` when 2-D).

    Returns
    -------
    ndarray
        ``(N,)`` (binary) or ``(N, K)``; rows sum to 1 in the multinomial case.

    Notes
    -----
    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> soft_targets([0.8, 0.3], [1, 0], xi=2.0)
    array([0.6, 0.6])
    """
    p = check_finite(teacher_probs, "teacher_probs")
    if p.ndim not in (1, 2):
        raise ValueError(f"teacher_probs must be (N,) or (N, K), got shape {p.shape}")
    if (p < 0).any() or (p > 1).any():
        raise ValueError(
            f"teacher_probs must lie in [0, 1], got range [{p.min():.6g}, {p.max():.6g}]"
        )
    if p.ndim == 2 and np.abs(p.sum(axis=1) - 1.0).max() > 1e-8:
        raise ValueError("each row of teacher_probs must sum to 1")
    xi = check_scalar(xi, "xi")
    if isinstance(labels, (str, bytes)) or labels is None:
        raise TypeError(f"labels must be an array of integers, got {type(labels).__name__}")
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.shape[0] != p.shape[0]:
        raise ValueError(f"labels must be 1-D with {p.shape[0]} entries, got shape {lab.shape}")
    if not np.issubdtype(lab.dtype, np.integer):
        raise TypeError("labels must be integers")
    if n_classes is not None:
        n_classes = check_int(n_classes, "n_classes", minimum=2)
    if p.ndim == 1:
        if n_classes not in (None, 2):
            raise ValueError(
                f"n_classes must be 2 (or None) for binary teacher_probs of shape "
                f"{p.shape}, got {n_classes}"
            )
        if ((lab < 0) | (lab > 1)).any():
            raise ValueError("binary labels must be 0 or 1")
        return xi * p + (1 - xi) * lab
    K = p.shape[1] if n_classes is None else n_classes
    if p.ndim != 2 or p.shape[1] != K:
        raise ValueError(f"teacher_probs must have shape (N, {K}), got {p.shape}")
    if ((lab < 0) | (lab >= K)).any():
        raise ValueError(f"labels must lie in 0..{K - 1}")
    return xi * p + (1 - xi) * np.eye(K)[lab]
