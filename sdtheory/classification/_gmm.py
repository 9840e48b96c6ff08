r"""High-dimensional Gaussian mixture with flipped labels: first-stage theory (squared loss).

Model (Takanami, Takahashi & Sakata 2025): ``x = y μ + √Δ z`` with ``y = ±1`` (``P(y = +1) = ρ``),
``‖μ‖ = 1``, ``z ~ N(0, I_N)``; each of the ``M = αN`` training labels (``α``: the argument
``sample_ratio``) is flipped with probability ``θ`` (the argument ``corruption``); linear
classifier ``h = wᵀx/√N + B`` (bias not penalized) trained on ``Σ_μ ((h_μ + 1)/2 − t_μ)² +
(λ/2)‖w‖²`` with ``t ∈ {0, 1}``. Overlaps ``m = wᵀμ/√N``, ``Q = ‖w‖²/N``, bias ``b = B``. The
penalty is ``(λ/2)‖w‖²`` on the summed squared loss ``((h + 1)/2 − t)²``, as in the paper (half the
ridge factor of the regression parts). See the theory page :doc:`/theory/classification`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import special

from .._validate import check_choice, check_finite, check_positive

__all__ = ["GMMFirstStage", "gmm_bayes_error", "gmm_first_stage", "gmm_test_error"]


@functools.cache
def gauss_hermite(n_nodes: int):
    """Probabilists' Gauss–Hermite nodes and weights normalized to sum 1, for ``E f(Z)``,
    ``Z ~ N(0, 1)`` (read-only and cached: ``hermegauss`` costs ~2 ms per call and the
    saddle-point solvers call it at every evaluation)."""
    x, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    w = w / w.sum()
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def _H(x):
    return 0.5 * special.erfc(np.asarray(x, dtype=np.float64) / np.sqrt(2.0))


@dataclass(frozen=True)
class GMMFirstStage:
    """Result of :func:`gmm_first_stage` (arrays of the broadcast parameter shape).

    See the theory page :doc:`/theory/classification`.

    Attributes
    ----------
    m, Q, b : ndarray or float
        Overlap ``wᵀμ/√N``, self-overlap ``‖w‖²/N`` and bias.
    chi : ndarray or float
        Susceptibility ``χ`` (``V = Δχ`` is the variance of the cavity field).
    m_hat, Q_hat, chi_hat : ndarray or float
        Conjugate parameters (``Q_hat`` is the variance term, ``chi_hat`` the curvature term;
        the paper calls them ``χ̂`` and ``Q̂`` respectively).
    test_error : ndarray or float
        ``ε = ρ H((m + b)/√(ΔQ)) + (1 − ρ) H((m − b)/√(ΔQ))``.
    train_error_clean : ndarray or float
        Fraction of training points misclassified with respect to their *clean* labels.
    train_error_noisy : ndarray or float
        Fraction of training points whose prediction disagrees with their given (noisy) label.
    """

    m: np.ndarray | float
    Q: np.ndarray | float
    b: np.ndarray | float
    chi: np.ndarray | float
    m_hat: np.ndarray | float
    Q_hat: np.ndarray | float
    chi_hat: np.ndarray | float
    test_error: np.ndarray | float
    train_error_clean: np.ndarray | float
    train_error_noisy: np.ndarray | float


def _check_gmm(sample_ratio, delta, rho, corruption, lam):
    alpha = check_positive(sample_ratio, "sample_ratio")
    delta = check_positive(delta, "delta")
    rho = check_finite(rho, "rho")
    if ((rho <= 0) | (rho >= 1)).any():
        raise ValueError("rho must lie in (0, 1)")
    flip = check_finite(corruption, "corruption")
    if ((flip < 0) | (flip > 1)).any():
        raise ValueError("corruption must lie in [0, 1]")
    lam = check_positive(lam, "lam")
    try:
        return np.broadcast_arrays(alpha, delta, rho, flip, lam)
    except ValueError:
        raise ValueError(
            "sample_ratio, delta, rho, corruption and lam must broadcast to one shape"
        ) from None


def gmm_test_error(m, Q, b, *, delta, rho):
    r"""Test error ``ρ H((m + b)/√(ΔQ)) + (1 − ρ) H((m − b)/√(ΔQ))`` of ``h = wᵀx/√N + b``.

    Parameters
    ----------
    m, Q, b : float or array_like
        Overlap ``wᵀμ/√N``, self-overlap ``‖w‖²/N > 0`` and bias.
    delta : float or array_like
        Noise variance ``Δ > 0``.
    rho : float or array_like
        Prior of class ``+1``, in ``[0, 1]``.

    Returns
    -------
    float or ndarray
        The test error (a probability).

    Notes
    -----
    At a fresh point ``x = yμ + √Δ z`` the field is ``h = y m + b + √Δ wᵀz/√N`` and
    ``wᵀz/√N ~ N(0, Q)`` for any fixed ``w``. A point of class ``+1`` is misclassified when
    ``m + b + √(ΔQ) ζ < 0``, one of class ``−1`` when ``−m + b + √(ΔQ) ζ > 0`` (``ζ ~ N(0, 1)``),
    so with ``H(x) = 1 − Φ(x)``

    .. math:: ε = ρ H\Big(\frac{m + b}{\sqrt{ΔQ}}\Big) + (1 − ρ) H\Big(\frac{m − b}{\sqrt{ΔQ}}\Big),

    exact for every ``w`` (no high-dimensional limit is needed). The replica solutions
    :func:`gmm_first_stage` and :func:`~sdtheory.classification.gmm_sd_stage` insert their
    overlaps ``(m, Q, b)`` here. See the theory page :doc:`/theory/classification`.

    References
    ----------
    F. Mignacco, F. Krzakala, Y. M. Lu and L. Zdeborová, "The role of regularization in
    classification of high-dimensional noisy Gaussian mixture", ICML 2020 (the error formula
    in terms of the overlaps); K. Takanami, T. Takahashi and A. Sakata, "The effect of optimal
    self-distillation in noisy Gaussian mixture model", NeurIPS 2025 (arXiv 2501.16226).

    Examples
    --------
    >>> round(float(gmm_test_error(1.0, 1.0, 0.0, delta=1.0, rho=0.5)), 6)   # H(1)
    0.158655
    """
    m = check_finite(m, "m")
    Q = check_positive(Q, "Q")
    b = check_finite(b, "b")
    delta = check_positive(delta, "delta")
    rho = check_finite(rho, "rho")
    if ((rho < 0) | (rho > 1)).any():
        raise ValueError("rho must lie in [0, 1]")
    try:
        m, Q, b, delta, rho = np.broadcast_arrays(m, Q, b, delta, rho)
    except ValueError:
        raise ValueError("m, Q, b, delta and rho must broadcast to one shape") from None
    s = np.sqrt(delta * Q)
    out = rho * _H((m + b) / s) + (1 - rho) * _H((m - b) / s)
    return float(out) if np.ndim(out) == 0 else out


def gmm_bayes_error(sample_ratio, delta, rho=0.5):
    r"""Clean-label reference error ``H(1/√(Δ(1 + Δ/α)))`` (Bayes-optimal for ``ρ = 1/2``).

    For ``ρ = 1/2`` this is the Bayes-optimal test error given ``M = αN`` clean samples. For
    ``ρ ≠ 1/2`` it is the error of the clean mean direction with its best threshold, a
    clean-label reference rather than the exact Bayes error (see Notes).

    Parameters
    ----------
    sample_ratio : float or array_like
        ``α = M/N > 0``.
    delta : float or array_like
        Noise variance ``Δ > 0``.
    rho : float or array_like
        Prior of class ``+1``, in ``(0, 1)``.

    Returns
    -------
    float or ndarray
        The error, exact Bayes error only for ``ρ = 1/2``.

    Notes
    -----
    The mean direction of ``M = αN`` clean samples,
    ``ŵ = (1/M) Σ_μ y_μ x_μ = μ + (√Δ/M) Σ_μ y_μ z_μ``, has overlap ``m = 1`` with ``μ`` and
    squared norm ``Q = 1 + ΔN/M = 1 + Δ/α``. With ``s = √(ΔQ) = √(Δ(1 + Δ/α))`` its error at
    threshold ``b`` is :func:`gmm_test_error`, ``ρ H((1 + b)/s) + (1 − ρ) H((1 − b)/s)``,
    minimized at ``b* = s² log(ρ/(1 − ρ))/2``:

    .. math:: ε_{ref} = ρ H\Big(\frac{1 + b^*}{s}\Big) + (1 − ρ) H\Big(\frac{1 − b^*}{s}\Big),

    which for ``ρ = 1/2`` (``b* = 0``) is ``H(1/s)``, the Bayes-optimal error of the
    balanced mixture; the squared-loss teacher on clean labels reaches it at the optimal ``λ``
    (tested). See the theory page :doc:`/theory/classification`.

    References
    ----------
    F. Mignacco, F. Krzakala, Y. M. Lu and L. Zdeborová, "The role of regularization in
    classification of high-dimensional noisy Gaussian mixture", ICML 2020 (the Bayes-optimal
    error of the balanced mixture); K. Takanami, T. Takahashi and A. Sakata, NeurIPS 2025
    (arXiv 2501.16226), who use it as the reference for self-distillation.

    Examples
    --------
    >>> round(float(gmm_bayes_error(1e12, 1.0)), 6)   # α → ∞: H(1/√Δ)
    0.158655
    """
    alpha = check_positive(sample_ratio, "sample_ratio")
    delta = check_positive(delta, "delta")
    rho = check_finite(rho, "rho")
    if ((rho <= 0) | (rho >= 1)).any():
        raise ValueError("rho must lie in (0, 1)")
    s = np.sqrt(delta * (1 + delta / alpha))
    b = 0.5 * s**2 * np.log(rho / (1 - rho))
    out = rho * _H((1 + b) / s) + (1 - rho) * _H((1 - b) / s)
    return float(out) if np.ndim(out) == 0 else out


def gmm_first_stage(
    sample_ratio, delta, rho, *, corruption, lam, loss: str = "mse"
) -> GMMFirstStage:
    r"""Saddle-point overlaps and test error of the first stage (teacher), squared loss.

    Parameters
    ----------
    sample_ratio : float or array_like
        ``α = M/N > 0``, training samples per dimension.
    delta : float or array_like
        Noise variance ``Δ > 0``.
    rho : float or array_like
        Prior of class ``+1``, in ``(0, 1)``.
    corruption : float or array_like
        Label-flip probability ``θ ∈ [0, 1]``.
    lam : float or array_like
        Penalty ``λ > 0`` on ``(λ/2)‖w‖²`` (half the ridge factor; summed loss).
    loss : {"mse", "bce"}
        ``"mse"``: squared loss ``((h + 1)/2 − t)²`` (closed-form solution below). ``"bce"``:
        binary cross-entropy ``−t log σ(h) − (1 − t) log(1 − σ(h))``, solved by damped
        fixed-point iteration of the same replica equations with the logistic proximal map
        (Gauss–Hermite quadrature, 121 nodes).

    Returns
    -------
    GMMFirstStage

    Notes
    -----
    Squared loss: with ``s = 2t − 1`` the loss is ``(h − s)²/4``. The proximal map of
    the replica computation, ``h* = argmin_h (h − ω)²/(2V) + (h − s)²/4 = (2ω + Vs)/(2 + V)``,
    gives ``f = (s − ω)/(2 + V)`` with the cavity field ``ω = y m + b + √(ΔQ) ζ`` and ``V = Δχ``.
    The saddle-point equations are

    - ``χ̂_c = αΔ/(2 + V)`` (curvature; the paper's ``Q̂``), ``χ = 1/(λ + χ̂_c)``,
    - ``E f = 0`` ⇒ ``b = (2ρ − 1)(1 − 2θ − m)``,
    - ``m̂ = α E[y f] = 4αρ(1 − ρ)(1 − 2θ − m)/(2 + V)``, ``m = m̂/(λ + χ̂_c)``,
    - ``Q̂_v = αΔ E f² = αΔ (E_0 + ΔQ)/(2 + V)²`` (variance; the paper's ``χ̂``) with
      ``E_0 = 1 − 2(1 − 2θ)(m + (2ρ − 1) b) + m² + 2(2ρ − 1) m b + b²``,
    - ``Q = (m̂² + Q̂_v)/(λ + χ̂_c)²``.

    They are solved in closed form (no iteration): ``χ`` is the positive root of
    ``λΔχ² + (2λ + (α − 1)Δ)χ − 2 = 0``; ``m = τ(1 − 2θ)/(1 + τ)`` with
    ``τ = 4αρ(1 − ρ)/((2 + V)(λ + χ̂_c))``; ``Q`` solves a linear equation. These agree with the
    fixed point of the published equations (checked in the tests for ``ρ = 1/2`` and
    ``ρ ≠ 1/2``) and with simulation. See the theory page :doc:`/theory/classification`.

    References
    ----------
    K. Takanami, T. Takahashi and A. Sakata, "The effect of optimal self-distillation in noisy
    Gaussian mixture model", NeurIPS 2025 (arXiv 2501.16226); F. Mignacco et al., "The role of
    regularization in classification of high-dimensional noisy Gaussian mixture", ICML 2020.

    Examples
    --------
    >>> r = gmm_first_stage(2.0, 1.0, 0.5, corruption=0.2, lam=0.5)
    >>> 0 < float(r.test_error) < 0.5, float(r.b)
    (True, 0.0)
    """
    check_choice(loss, "loss", {"mse", "bce"})
    alpha, delta, rho, flip, lam = _check_gmm(sample_ratio, delta, rho, corruption, lam)
    if loss == "bce":
        cols = [np.empty(alpha.shape) for _ in range(10)]
        for idx in np.ndindex(alpha.shape):
            vals = _bce_first_stage(alpha[idx], delta[idx], rho[idx], flip[idx], lam[idx])
            for c, v in zip(cols, vals):
                c[idx] = v
        return GMMFirstStage(*(float(c) if c.ndim == 0 else c for c in cols))
    bq = 2 * lam + (alpha - 1) * delta
    disc = np.sqrt(bq**2 + 8 * lam * delta)
    # positive root of λΔχ² + bχ − 2 = 0, cancellation-free in both signs of b
    chi = np.where(bq >= 0, 4.0 / (bq + disc), (disc - bq) / (2 * lam * delta))
    V = delta * chi
    kap = 1.0 / (2 + V)
    chat = alpha * delta * kap
    L = lam + chat
    g = 1 - 2 * flip
    s2 = 2 * rho - 1
    tau = 4 * alpha * rho * (1 - rho) * kap / L
    m = tau * g / (1 + tau)
    b = s2 * (g - m)
    mhat = m * L
    E0 = 1 - 2 * g * (m + s2 * b) + m**2 + 2 * s2 * m * b + b**2
    den = L**2 - alpha * delta**2 * kap**2
    if (den <= 0).any():  # pragma: no cover  (does not happen for λ > 0)
        raise RuntimeError("gmm_first_stage: no stable solution (L² ≤ αΔ²/(2+V)²)")
    Q = (mhat**2 + alpha * delta * kap**2 * E0) / den
    Qhat = alpha * delta * kap**2 * (E0 + delta * Q)
    err = gmm_test_error(m, Q, b, delta=delta, rho=rho)
    # training predictions h* = (2ω + V s)/(2 + V): sign(h*) = sign(ω + V s/2)
    sq = np.sqrt(delta * Q)
    tr_clean = np.zeros_like(m)
    tr_noisy = np.zeros_like(m)
    for y, py in ((1.0, rho), (-1.0, 1 - rho)):
        for s, ps in ((y, 1 - flip), (-y, flip)):
            # P(sign(ω + V s/2) != y) and != s,  ω = y m + b + √(ΔQ) ζ
            mean = y * m + b + V * s / 2
            p_pos = _H(-mean / sq)
            wrong_y = p_pos if y < 0 else 1 - p_pos
            wrong_s = p_pos if s < 0 else 1 - p_pos
            tr_clean = tr_clean + py * ps * wrong_y
            tr_noisy = tr_noisy + py * ps * wrong_s

    def sc(x):
        x = np.asarray(x, dtype=np.float64)
        return float(x) if x.ndim == 0 else x

    return GMMFirstStage(
        sc(m),
        sc(Q),
        sc(b),
        sc(chi),
        sc(mhat),
        sc(Qhat),
        sc(chat),
        sc(err),
        sc(tr_clean),
        sc(tr_noisy),
    )


def _published_fixed_point(alpha, delta, rho, theta, lam, *, damping=0.5, iters=20000, tol=1e-13):
    """The paper's saddle-point equations, verbatim, by damped fixed-point iteration (an
    independent route for the tests)."""
    m, Q, chi = 0.1, 1.0, 1.0
    for _ in range(iters):
        Qh = delta * alpha / (2 + delta * chi)
        b = 2 * (rho + theta - 2 * rho * theta) - (2 * rho - 1) * m - 1
        mh = (2 * alpha * rho / (2 + delta * chi)) * (2 * (1 - theta) - (m + b) - 1)
        rh = (delta * chi / (2 + delta * chi)) * (
            (rho + theta - 2 * rho * theta)
            - rho * (1 - theta) * (m + b)
            - (1 - rho) * theta * (b - m)
        )
        chih = (alpha / ((2 + delta * chi) * chi)) * (
            2 * rh + (delta / alpha) * chi * (Q * Qh - m * mh)
        )
        chi_n = 1 / (Qh + lam)
        m_n = mh / (Qh + lam)
        Q_n = (mh * m + chih / (Qh + lam)) / (Qh + lam)
        dm = abs(m_n - m) + abs(Q_n - Q) + abs(chi_n - chi)
        m = damping * m + (1 - damping) * m_n
        Q = damping * Q + (1 - damping) * Q_n
        chi = damping * chi + (1 - damping) * chi_n
        if dm < tol:
            break
    b = 2 * (rho + theta - 2 * rho * theta) - (2 * rho - 1) * m - 1
    return m, Q, b, chi


def _bce_first_stage(alpha, delta, rho, flip, lam, *, n_nodes=121, tol=1e-12, max_iter=5000):
    """Replica fixed point for the BCE teacher: returns the fields of :class:`GMMFirstStage`.

    Same equations as the squared loss with ``f = (h* − ω)/V``, ``h*`` the logistic proximal
    point ``(h − ω)/V + σ(h) − t = 0``, ``∂_ω f = −σ'(h*)/(1 + Vσ'(h*))``; ``χ̂ = −αΔ E ∂_ω f``,
    ``Q̂ = αΔ E f²``, ``m̂ = α E[y f]``, bias from ``E f = 0`` (one Newton step per sweep),
    damping ½ on ``(m, Q, χ)``; started from the squared-loss solution.
    """
    x, wq = gauss_hermite(n_nodes)
    combos = [
        (y, s, py * ps)
        for y, py in ((1.0, rho), (-1.0, 1 - rho))
        for s, ps in ((y, 1 - flip), (-y, flip))
    ]
    ys = np.array([c[0] for c in combos])[:, None]
    ss = np.array([c[1] for c in combos])[:, None]
    ps = np.array([c[2] for c in combos])[:, None]
    W = ps * wq[None, :]
    t = (ss + 1) / 2
    init = gmm_first_stage(alpha, delta, rho, corruption=flip, lam=lam)
    m, Q, B, chi = init.m, init.Q, init.b, init.chi

    def sweep(m, Q, B, chi):
        V = delta * chi
        om = ys * m + B + np.sqrt(delta * Q) * x[None, :]
        h = om.copy()
        for _ in range(100):
            sg = 1 / (1 + np.exp(-h))
            g = (h - om) / V + sg - t
            step = g / (1 / V + sg * (1 - sg))
            h = h - step
            if np.abs(step).max() < 1e-14:
                break
        sg = 1 / (1 + np.exp(-h))
        sp = sg * (1 - sg)
        f = (h - om) / V
        df = -sp / (1 + V * sp)
        return h, f, df

    for _ in range(max_iter):
        h, f, df = sweep(m, Q, B, chi)
        Ef, Edf = float((W * f).sum()), float((W * df).sum())
        B_new = B - Ef / Edf
        chat = -alpha * delta * Edf
        Qhat = alpha * delta * float((W * f * f).sum())
        mhat = alpha * float((W * ys * f).sum())
        chi_n = 1 / (lam + chat)
        m_n = mhat * chi_n
        Q_n = (mhat**2 + Qhat) * chi_n**2
        diff = abs(m_n - m) + abs(Q_n - Q) + abs(chi_n - chi) + abs(B_new - B)
        m, Q, chi = 0.5 * (m + m_n), 0.5 * (Q + Q_n), 0.5 * (chi + chi_n)
        B = B_new
        if diff < tol:
            break
    else:  # pragma: no cover
        raise RuntimeError("gmm_first_stage(loss='bce'): fixed point did not converge")
    err = gmm_test_error(m, Q, B, delta=delta, rho=rho)
    # h*(ω) increases with ω and h* = 0 at ω₀ = V(1/2 − t): P(h* > 0) = H((ω₀ − y m − b)/√(ΔQ))
    # (closed form; quadrature of the indicator would be inaccurate)
    V = delta * chi
    p_pos = _H((V * (0.5 - t) - ys * m - B) / np.sqrt(delta * Q))[:, 0]
    ys1, ss1, ps1 = ys[:, 0], ss[:, 0], ps[:, 0]
    tr_clean = float((ps1 * np.where(ys1 > 0, 1 - p_pos, p_pos)).sum())
    tr_noisy = float((ps1 * np.where(ss1 > 0, 1 - p_pos, p_pos)).sum())
    return m, Q, B, chi, mhat, Qhat, chat, err, tr_clean, tr_noisy
