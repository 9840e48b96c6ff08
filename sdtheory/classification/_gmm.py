r"""High-dimensional Gaussian mixture with flipped labels: first-stage theory (squared loss).

Model (Takanami, Takahashi & Sakata 2025): ``x = y μ + √Δ z`` with ``y = ±1`` (``P(y = +1) = ρ``),
``‖μ‖ = 1``, ``z ~ N(0, I_N)``; each of the ``M = αN`` training labels is flipped with
probability ``θ``; linear classifier ``h = wᵀx/√N + B`` (bias not penalized) trained on
``Σ_μ ((h_μ + 1)/2 − t_μ)² + (λ/2)‖w‖²`` with ``t ∈ {0, 1}``. Overlaps ``m = wᵀμ/√N``,
``Q = ‖w‖²/N``, bias ``b = B``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .._validate import check_choice, check_finite, check_positive

__all__ = ["GMMFirstStage", "GMMSDStage", "gmm_first_stage", "gmm_sd_stage", "gmm_sd_flip_range",
           "gmm_test_error", "gmm_bayes_error"]


def _H(x):
    return 0.5 * special.erfc(np.asarray(x, dtype=np.float64) / np.sqrt(2.0))


@dataclass(frozen=True)
class GMMFirstStage:
    """Result of :func:`gmm_first_stage` (arrays of the broadcast parameter shape).

    Attributes
    ----------
    m, Q, b : ndarray or float
        Overlap ``wᵀμ/√N``, self-overlap ``‖w‖²/N`` and bias.
    chi : ndarray or float
        Susceptibility ``χ`` (``V = Δχ`` is the variance of the cavity field).
    m_hat, Q_hat, chi_hat : ndarray or float
        Conjugate parameters (``Q_hat`` is the variance term, ``chi_hat`` the curvature term;
        the note calls them ``χ̂`` and ``Q̂`` respectively).
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


def _check_gmm(alpha, delta, rho, flip, lam):
    alpha = check_positive(alpha, "alpha")
    delta = check_positive(delta, "delta")
    rho = check_finite(rho, "rho")
    if ((rho <= 0) | (rho >= 1)).any():
        raise ValueError("rho must lie in (0, 1)")
    flip = check_finite(flip, "flip")
    if ((flip < 0) | (flip > 1)).any():
        raise ValueError("flip must lie in [0, 1]")
    lam = check_positive(lam, "lam")
    return np.broadcast_arrays(alpha, delta, rho, flip, lam)


def gmm_test_error(m, Q, b, delta, rho):
    r"""Test error ``ρ H((m + b)/√(ΔQ)) + (1 − ρ) H((m − b)/√(ΔQ))`` of ``h = wᵀx/√N + b``.

    Exact for any fixed ``w`` (``wᵀz/√N ~ N(0, Q)``), ``H(x) = 1 − Φ(x)``.

    Examples
    --------
    >>> round(float(gmm_test_error(1.0, 1.0, 0.0, 1.0, 0.5)), 6)   # H(1)
    0.158655
    """
    m = check_finite(m, "m")
    Q = check_positive(Q, "Q")
    b = check_finite(b, "b")
    delta = check_positive(delta, "delta")
    rho = check_finite(rho, "rho")
    if ((rho < 0) | (rho > 1)).any():
        raise ValueError("rho must lie in [0, 1]")
    s = np.sqrt(delta * Q)
    out = rho * _H((m + b) / s) + (1 - rho) * _H((m - b) / s)
    return float(out) if np.ndim(out) == 0 else out


def gmm_bayes_error(alpha, delta, rho=0.5):
    r"""Clean-label reference error ``H(1/√(Δ(1 + Δ/α)))`` (Bayes-optimal for ``ρ = 1/2``).

    For ``ρ = 1/2`` this is the Bayes-optimal test error given ``M = αN`` clean samples: the
    posterior-mean direction ``(1/M) Σ y_μ x_μ`` has overlap 1 with ``μ`` and norm²
    ``1 + Δ/α``. For ``ρ ≠ 1/2`` the function returns the error of that direction with the best
    threshold, ``min_b ρ H((1 + b)/s) + (1 − ρ) H((1 − b)/s)``, ``s = √(Δ(1 + Δ/α))``
    (``b* = s² log(ρ/(1 − ρ))/2``), a clean-label reference rather than the exact Bayes error.

    Examples
    --------
    >>> round(float(gmm_bayes_error(1e12, 1.0)), 6)   # α → ∞: H(1/√Δ)
    0.158655
    """
    alpha = check_positive(alpha, "alpha")
    delta = check_positive(delta, "delta")
    rho = check_finite(rho, "rho")
    if ((rho <= 0) | (rho >= 1)).any():
        raise ValueError("rho must lie in (0, 1)")
    s = np.sqrt(delta * (1 + delta / alpha))
    b = 0.5 * s ** 2 * np.log(rho / (1 - rho))
    out = rho * _H((1 + b) / s) + (1 - rho) * _H((1 - b) / s)
    return float(out) if np.ndim(out) == 0 else out


def gmm_first_stage(alpha, delta, rho, flip, lam, loss: str = "mse") -> GMMFirstStage:
    r"""Saddle-point overlaps and test error of the first stage (teacher), squared loss.

    Parameters
    ----------
    alpha : float or array_like
        Sample ratio ``α = M/N > 0``.
    delta : float or array_like
        Noise variance ``Δ > 0``.
    rho : float or array_like
        Prior of class ``+1``, in ``(0, 1)``.
    flip : float or array_like
        Label-flip probability ``θ ∈ [0, 1]``.
    lam : float or array_like
        Ridge ``λ > 0`` on ``(λ/2)‖w‖²``.
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
    Squared loss: with ``s = 2t − 1`` the loss is ``(h − s)²/4``. The proximal map of the replica computation,
    ``h* = argmin_h (h − ω)²/(2V) + (h − s)²/4 = (2ω + Vs)/(2 + V)``, gives
    ``f = (s − ω)/(2 + V)`` with the cavity field ``ω = y m + b + √(ΔQ) ζ`` and ``V = Δχ``.
    The saddle-point equations are

    - ``χ̂_c = αΔ/(2 + V)`` (curvature; the note's ``Q̂``), ``χ = 1/(λ + χ̂_c)``,
    - ``E f = 0`` ⇒ ``b = (2ρ − 1)(1 − 2θ − m)``,
    - ``m̂ = α E[y f] = 4αρ(1 − ρ)(1 − 2θ − m)/(2 + V)``, ``m = m̂/(λ + χ̂_c)``,
    - ``Q̂_v = αΔ E f² = αΔ (E_0 + ΔQ)/(2 + V)²`` (variance; the note's ``χ̂``) with
      ``E_0 = 1 − 2(1 − 2θ)(m + (2ρ − 1) b) + m² + 2(2ρ − 1) m b + b²``,
    - ``Q = (m̂² + Q̂_v)/(λ + χ̂_c)²``.

    They are solved in closed form (no iteration): ``χ`` is the positive root of
    ``λΔχ² + (2λ + (α − 1)Δ)χ − 2 = 0``; ``m = τ(1 − 2θ)/(1 + τ)`` with
    ``τ = 4αρ(1 − ρ)/((2 + V)(λ + χ̂_c))``; ``Q`` solves a linear equation. These agree with the
    fixed point of the note's equations (checked in the tests for ``ρ = 1/2`` and ``ρ ≠ 1/2``)
    and with simulation.

    References
    ----------
    K. Takanami, T. Takahashi and A. Sakata, "The effect of optimal self-distillation in noisy
    Gaussian mixture model", NeurIPS 2025 (arXiv 2501.16226); F. Mignacco et al., "The role of
    regularization in classification of high-dimensional noisy Gaussian mixture", ICML 2020.

    Examples
    --------
    >>> r = gmm_first_stage(2.0, 1.0, 0.5, 0.2, 0.5)
    >>> 0 < float(r.test_error) < 0.5, float(r.b)
    (True, 0.0)
    """
    check_choice(loss, "loss", {"mse", "bce"})
    alpha, delta, rho, flip, lam = _check_gmm(alpha, delta, rho, flip, lam)
    if loss == "bce":
        cols = [np.empty(alpha.shape) for _ in range(10)]
        for idx in np.ndindex(alpha.shape):
            vals = _bce_first_stage(alpha[idx], delta[idx], rho[idx], flip[idx], lam[idx])
            for c, v in zip(cols, vals):
                c[idx] = v
        return GMMFirstStage(*(float(c) if c.ndim == 0 else c for c in cols))
    bq = 2 * lam + (alpha - 1) * delta
    disc = np.sqrt(bq ** 2 + 8 * lam * delta)
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
    E0 = 1 - 2 * g * (m + s2 * b) + m ** 2 + 2 * s2 * m * b + b ** 2
    den = L ** 2 - alpha * delta ** 2 * kap ** 2
    if (den <= 0).any():  # pragma: no cover  (does not happen for λ > 0)
        raise RuntimeError("gmm_first_stage: no stable solution (L² ≤ αΔ²/(2+V)²)")
    Q = (mhat ** 2 + alpha * delta * kap ** 2 * E0) / den
    Qhat = alpha * delta * kap ** 2 * (E0 + delta * Q)
    err = gmm_test_error(m, Q, b, delta, rho)
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

    return GMMFirstStage(sc(m), sc(Q), sc(b), sc(chi), sc(mhat), sc(Qhat), sc(chat), sc(err),
                         sc(tr_clean), sc(tr_noisy))


def _note_fixed_point(alpha, delta, rho, theta, lam, *, damping=0.5, iters=20000, tol=1e-13):
    """The note's equations, verbatim, by damped fixed-point iteration (for cross-checking)."""
    m, Q, chi = 0.1, 1.0, 1.0
    for _ in range(iters):
        Qh = delta * alpha / (2 + delta * chi)
        b = 2 * (rho + theta - 2 * rho * theta) - (2 * rho - 1) * m - 1
        mh = (2 * alpha * rho / (2 + delta * chi)) * (2 * (1 - theta) - (m + b) - 1)
        rh = (delta * chi / (2 + delta * chi)) * ((rho + theta - 2 * rho * theta)
                                                  - rho * (1 - theta) * (m + b)
                                                  - (1 - rho) * theta * (b - m))
        chih = (alpha / ((2 + delta * chi) * chi)) * (2 * rh + (delta / alpha) * chi
                                                      * (Q * Qh - m * mh))
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


@dataclass(frozen=True)
class GMMSDStage:
    """Result of :func:`gmm_sd_stage` (one SD stage on the teacher's pseudo-labels).

    Attributes
    ----------
    m, Q, b : float
        Student overlap, self-overlap and bias.
    R : float
        Teacher–student overlap ``w_1ᵀw_2/N``.
    test_error : float
        Student test error; ``teacher`` holds the first stage.
    gain : float
        ``teacher.test_error − test_error`` (positive: the SD stage wins).
    kappa, eta : float
        Reaction coefficient of the student's cavity field to the teacher's (``κ``) and the
        teacher-direction term of the student's stationarity condition (``η``).
    teacher : GMMFirstStage
    """

    m: float
    Q: float
    b: float
    R: float
    test_error: float
    gain: float
    kappa: float
    eta: float
    teacher: GMMFirstStage


def _pseudo_moments(a, sig, V, s, beta, n_nodes=161):
    """Moments over ``ζ ~ N(0,1)`` of ``φ(h)``, ``h = (2(a + σζ) + V s)/(2 + V)``:
    ``E φ, E φ², E φ ζ, E φ'`` for ``φ = tanh(βh/2)`` or ``sign`` (``β = ∞``)."""
    mu = (2 * a + V * s) / (2 + V)
    sh = 2 * sig / (2 + V)
    if np.isinf(beta):
        r = mu / sh
        pdf = np.exp(-0.5 * r * r) / np.sqrt(2 * np.pi)
        e1 = 1 - 2 * _H(r)
        return e1, 1.0, 2 * pdf, 2 * pdf / sh
    x, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    w = w / w.sum()
    h = mu + sh * x
    ph = np.tanh(0.5 * beta * h)
    return (w @ ph, w @ ph ** 2, w @ (ph * x), w @ (0.5 * beta * (1 - ph ** 2)))


def gmm_sd_stage(alpha, delta, rho, flip, lam, *, beta=np.inf, xi=1.0) -> GMMSDStage:
    r"""One self-distillation stage on the noisy Gaussian mixture, squared loss (replica/cavity).

    The student is refit on the same inputs with targets
    ``s₂ = ξ φ(h₁) + (1 − ξ) s`` where ``φ(h) = 2σ(βh) − 1 = tanh(βh/2)`` (``β = ∞``: hard
    pseudo-labels ``sign h₁``) and ``s = 2t − 1`` the noisy labels; same ``λ``.

    Parameters
    ----------
    alpha, delta, rho, flip, lam : float
        As in :func:`gmm_first_stage` (scalars).
    beta : float
        Inverse temperature ``β > 0`` of the pseudo-labels (``inf``: hard).
    xi : float
        Weight ``ξ`` on the pseudo-labels (``1``: pure SD).

    Returns
    -------
    GMMSDStage

    Notes
    -----
    Derivation (ours; checked against Monte Carlo in the tests). Both stages are ridge fits with
    the same resolvent ``R = (XᵀX + 2λ)^{-1}``, so the student's curvature ``χ̂`` and ``V = Δχ``
    equal the teacher's. For a training point the teacher's prediction is
    ``h₁ = (2ω₁ + Vs)/(2 + V)`` with cavity field ``ω₁``. The student's cavity field is
    ``ω₂ + κ f₁``: ``ω₂`` is jointly Gaussian with ``ω₁`` (means ``y m_k + b_k``, covariance
    ``Δ[[Q₁, R], [R, Q₂]]``) and ``κ f₁`` (``f₁ = (s − ω₁)/(2 + V)``) is the reaction through the
    other points' pseudo-labels, which move when the point enters the teacher:
    ``κ = 2ξ E[φ'(h₁)] (Δ/N) tr(R XᵀX R) = ξ E[φ'(h₁)] Δ (χ + λ χ'(λ))``.
    With ``T = s₂ − κ f₁`` and ``f₂ = (T − ω₂)/(2 + V)``, stationarity in ``b₂`` and Stein's lemma
    on ``λ w₂ = Σ x_μ f₂μ`` give ``L w₂ = m̂₂ μ + n₂ + η w₁`` with ``L = 1/χ``,
    ``η = αΔ E ∂_{ω₁} f₂ = αΔ (2ξ E φ'(h₁) + κ)/(2 + V)²``, ``m̂₂ = α E[y f₂]``,
    ``E[n₁n₂]/N = αΔ E[f₁f₂]``, ``‖n₂‖²/N = αΔ E f₂²``; hence
    ``b₂ = E T − (2ρ − 1) m₂``, ``m₂ = (m̂₂ + η m₁)χ``,
    ``R = χ[(m̂₁m̂₂ + αΔ E f₁f₂)χ + η Q₁]``,
    ``Q₂ = χ²[m̂₂² + αΔ E f₂² + 2ηχ(m̂₁m̂₂ + αΔ E f₁f₂) + η² Q₁]``, each linear in the unknown it
    determines (solved in closed form, in that order). All expectations are one-dimensional
    (over ``ω₁``; ``ω₂`` enters linearly): closed form for hard labels, Gauss–Hermite
    quadrature (161 nodes) for soft ones. With ``ξ = 0`` the student repeats the teacher
    (``m₂ = m₁``, ``R = Q₂ = Q₁``; tested).

    References
    ----------
    K. Takanami, T. Takahashi and A. Sakata, NeurIPS 2025 (arXiv 2501.16226), who treat the
    multi-stage problem with the replica method; the equations here are derived independently for
    the squared loss.

    Examples
    --------
    >>> r = gmm_sd_stage(2.0, 1.0, 0.5, 0.2, 1.0)
    >>> bool(r.gain > 0)
    True
    """
    vals = [float(np.asarray(v)) if np.ndim(v) == 0 else None for v in (alpha, delta, rho, flip, lam)]
    if None in vals:
        raise TypeError("gmm_sd_stage takes scalar alpha, delta, rho, flip, lam")
    t1 = gmm_first_stage(*vals)
    alpha, delta, rho, flip, lam = (float(np.asarray(v)) for v in _check_gmm(*vals))
    beta = float(check_positive(beta, "beta", allow_inf=True))
    xi = float(check_finite(xi, "xi"))
    m1, Q1, B1, chi = t1.m, t1.Q, t1.b, t1.chi
    V = delta * chi
    kap2 = 2 + V
    L = 1 / chi
    mh1 = m1 * L
    # χ'(λ) from λΔχ² + (2λ + (α − 1)Δ)χ − 2 = 0
    dchi = -(delta * chi ** 2 + 2 * chi) / (2 * lam * delta * chi + 2 * lam + (alpha - 1) * delta)
    sig = np.sqrt(delta * Q1)
    # per (y, s): probabilities and moments
    combos = []
    for y, py in ((1.0, rho), (-1.0, 1 - rho)):
        for s, ps in ((y, 1 - flip), (-y, flip)):
            a = y * m1 + B1
            Ephi, Ephi2, Ephiz, Edphi = _pseudo_moments(a, sig, V, s, beta)
            combos.append((py * ps, y, s, a, Ephi, Ephi2, Ephiz, Edphi))
    Edphi = sum(c[0] * c[7] for c in combos)
    kappa = xi * Edphi * delta * (chi + lam * dchi)
    eta = alpha * delta * (2 * xi * Edphi + kappa) / kap2 ** 2
    # moments of T = ξφ + (1 − ξ)s − κ f₁, with f₁ = (s − a − σζ)/(2 + V)
    ET = EyT = ET2 = ETz = Ef1T = 0.0
    Ef1 = Ef1z = 0.0
    per = []
    for P, y, s, a, Ephi, Ephi2, Ephiz, _ in combos:
        f0 = (s - a) / kap2          # E f₁ | y, s
        fz = -sig / kap2             # E f₁ζ | y, s
        f2 = f0 ** 2 + fz ** 2       # E f₁² | y, s
        base = (1 - xi) * s
        eT = xi * Ephi + base - kappa * f0
        # E[φ f₁] = (s − a)/(2+V) Eφ − σ/(2+V) E φζ
        Ephif1 = f0 * Ephi + fz * Ephiz
        eT2 = (xi ** 2 * Ephi2 + base ** 2 + kappa ** 2 * f2 + 2 * xi * base * Ephi
               - 2 * xi * kappa * Ephif1 - 2 * base * kappa * f0)
        eTz = xi * Ephiz - kappa * fz
        ef1T = xi * Ephif1 + base * f0 - kappa * f2
        ET += P * eT
        EyT += P * y * eT
        ET2 += P * eT2
        Ef1T += P * ef1T
        Ef1 += P * f0
        Ef1z += P * fz
        per.append((P, y, eT, eTz))
    s2 = 2 * rho - 1
    k = alpha * chi / kap2
    m2 = (k * (EyT - s2 * ET) + eta * m1 * chi) / (1 + 4 * rho * (1 - rho) * k)
    B2 = ET - s2 * m2
    mh2 = m2 * L - eta * m1
    # R: q̂₁₂ = αΔ/(2+V) (E f₁T − E[f₁ (y m₂ + b₂)] + ΔR/(2+V)),  E[f₁ y] = m̂₁/α
    c12 = alpha * delta / kap2
    const = Ef1T - m2 * mh1 / alpha - B2 * Ef1
    R = (chi ** 2 * (mh1 * mh2 + c12 * const) + chi * eta * Q1) / (1 - chi ** 2 * c12 * delta / kap2)
    qh12 = c12 * (const + delta * R / kap2)
    # Q₂: q̂₂₂ = αΔ/(2+V)² (E T² − 2 E[T ω₂] + E ω₂²), E ω₂² = E(y m₂ + b₂)² + ΔQ₂
    ETw = sum(P * (eT * (y * m2 + B2) + np.sqrt(delta) * (R / np.sqrt(Q1)) * eTz)
              for P, y, eT, eTz in per)
    Emean2 = sum(P * (y * m2 + B2) ** 2 for P, y, _, _ in per)
    c22 = alpha * delta / kap2 ** 2
    rest = mh2 ** 2 + c22 * (ET2 - 2 * ETw + Emean2) + 2 * eta * chi * (mh1 * mh2 + qh12) \
        + eta ** 2 * Q1
    Q2 = chi ** 2 * rest / (1 - chi ** 2 * c22 * delta)
    err = gmm_test_error(m2, Q2, B2, delta, rho)
    return GMMSDStage(float(m2), float(Q2), float(B2), float(R), float(err),
                      float(t1.test_error - err), float(kappa), float(eta), t1)


def gmm_sd_flip_range(alpha, delta, rho, lam, *, beta=np.inf, xi=1.0, n_grid=101,
                      flip_max=0.5):
    r"""Flip rates ``θ`` where one SD stage has lower test error than the teacher (theory).

    Scans ``θ ∈ [0, flip_max]`` on ``n_grid`` points with :func:`gmm_sd_stage`, then refines every
    sign change of the gain by Brent's method.

    Returns
    -------
    list of (float, float)
        Intervals ``(θ_lo, θ_hi)`` with positive gain.

    Examples
    --------
    >>> [(round(a, 3), round(b, 3)) for a, b in gmm_sd_flip_range(2.0, 1.0, 0.5, 1.0, n_grid=26)]
    [(0.038, 0.5)]
    """
    from scipy import optimize

    if not isinstance(n_grid, (int, np.integer)) or isinstance(n_grid, bool) or n_grid < 3:
        raise ValueError(f"n_grid must be an int >= 3, got {n_grid!r}")
    flip_max = float(check_finite(flip_max, "flip_max"))
    if not 0 < flip_max <= 1:
        raise ValueError(f"flip_max must lie in (0, 1], got {flip_max}")

    def gain(th):
        return gmm_sd_stage(alpha, delta, rho, th, lam, beta=beta, xi=xi).gain

    grid = np.linspace(0.0, flip_max, n_grid)
    g = np.array([gain(t) for t in grid])
    pos = g > 1e-12
    out, start = [], None
    for i in range(n_grid):
        if pos[i] and start is None:
            start = grid[0] if i == 0 else optimize.brentq(gain, grid[i - 1], grid[i], xtol=1e-10)
        if start is not None and (i == n_grid - 1 or not pos[i + 1]):
            end = grid[i] if i == n_grid - 1 else optimize.brentq(gain, grid[i], grid[i + 1],
                                                                    xtol=1e-10)
            out.append((float(start), float(end)))
            start = None
    return out


def _bce_first_stage(alpha, delta, rho, flip, lam, *, n_nodes=121, tol=1e-12, max_iter=5000):
    """Replica fixed point for the BCE teacher: returns the fields of :class:`GMMFirstStage`.

    Same equations as the squared loss with ``f = (h* − ω)/V``, ``h*`` the logistic proximal
    point ``(h − ω)/V + σ(h) − t = 0``, ``∂_ω f = −σ'(h*)/(1 + Vσ'(h*))``; ``χ̂ = −αΔ E ∂_ω f``,
    ``Q̂ = αΔ E f²``, ``m̂ = α E[y f]``, bias from ``E f = 0`` (one Newton step per sweep),
    damping ½ on ``(m, Q, χ)``; started from the squared-loss solution.
    """
    x, wq = np.polynomial.hermite_e.hermegauss(n_nodes)
    wq = wq / wq.sum()
    combos = [(y, s, py * ps) for y, py in ((1.0, rho), (-1.0, 1 - rho))
              for s, ps in ((y, 1 - flip), (-y, flip))]
    ys = np.array([c[0] for c in combos])[:, None]
    ss = np.array([c[1] for c in combos])[:, None]
    ps = np.array([c[2] for c in combos])[:, None]
    W = ps * wq[None, :]
    t = (ss + 1) / 2
    init = gmm_first_stage(alpha, delta, rho, flip, lam)
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

    for it in range(max_iter):
        h, f, df = sweep(m, Q, B, chi)
        Ef, Edf = float((W * f).sum()), float((W * df).sum())
        B_new = B - Ef / Edf
        chat = -alpha * delta * Edf
        Qhat = alpha * delta * float((W * f * f).sum())
        mhat = alpha * float((W * ys * f).sum())
        chi_n = 1 / (lam + chat)
        m_n = mhat * chi_n
        Q_n = (mhat ** 2 + Qhat) * chi_n ** 2
        diff = abs(m_n - m) + abs(Q_n - Q) + abs(chi_n - chi) + abs(B_new - B)
        m, Q, chi = 0.5 * (m + m_n), 0.5 * (Q + Q_n), 0.5 * (chi + chi_n)
        B = B_new
        if diff < tol:
            break
    else:  # pragma: no cover
        raise RuntimeError("gmm_first_stage(loss='bce'): fixed point did not converge")
    err = gmm_test_error(m, Q, B, delta, rho)
    # h*(ω) increases with ω and h* = 0 at ω₀ = V(1/2 − t): P(h* > 0) = H((ω₀ − y m − b)/√(ΔQ))
    # (closed form; quadrature of the indicator would be inaccurate)
    V = delta * chi
    p_pos = _H((V * (0.5 - t) - ys * m - B) / np.sqrt(delta * Q))[:, 0]
    ys1, ss1, ps1 = ys[:, 0], ss[:, 0], ps[:, 0]
    tr_clean = float((ps1 * np.where(ys1 > 0, 1 - p_pos, p_pos)).sum())
    tr_noisy = float((ps1 * np.where(ss1 > 0, 1 - p_pos, p_pos)).sum())
    return m, Q, B, chi, mhat, Qhat, chat, err, tr_clean, tr_noisy
