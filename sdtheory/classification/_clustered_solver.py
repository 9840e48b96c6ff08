"""Reduced solver of the clustered-feature model: group representer equations, margins.

Private to :mod:`sdtheory.classification`. The symmetry reduction is derived on the theory page
:doc:`/theory/classification`.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_finite, check_int, check_scalar
from ._logistic import sigmoid, softmax

_TOL = 1e-11
# A point counts as correct when its margin exceeds TIE: exact ties (e.g. every label class equally
# frequent at corruption (K − 1)/K) then count as errors instead of depending on the sign of
# rounding noise.
TIE = 1e-10
_CHUNK = 2048


# ----------------------------------------------------------------------------- validation
def _check_model(n_per_class, c, d, n_classes):
    n = check_int(n_per_class, "n_per_class", minimum=1)
    K = check_int(n_classes, "n_classes", minimum=2)
    c = check_scalar(c, "c")
    d = check_scalar(d, "d")
    if not 0 <= d < c < 1:
        raise ValueError(
            f"c and d must satisfy 0 <= d < c < 1 (Gram (1, c, d) realizable), got c={c}, d={d}"
        )
    return n, c, d, K


def _scalar(x, name):
    if np.ndim(x) != 0:
        raise TypeError(f"{name} must be a scalar, got shape {np.shape(x)}")
    return x


def _check_corruption_frac(p, name="corruption"):
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
    rn = np.sqrt((r**2).sum(axis=(1, 2)))
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
            rnn = np.sqrt((rnw**2).sum(axis=(1, 2)))
            ok = (rnn**2 <= (1 - 1e-4 * t) * rn**2) | (rnn < 1e-9) | ~act
            if ok.all():
                break
            t = np.where(ok, t, 0.5 * t)
        beta = beta + t[:, None, None] * step
        z, r = resid(beta)
        rn = np.sqrt((r**2).sum(axis=(1, 2)))
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
