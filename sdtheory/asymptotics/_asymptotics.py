r"""Proportional asymptotics of one-step self-distillation in random-design ridge regression.

Model: rows ``x_i ~ (0, Σ)`` (i = 1..n), ``y = Xβ + ε``, ``Var ε = σ²``, ``Σ̂ = XᵀX/n``,
teacher ``β_λ = (Σ̂ + λI)⁻¹Xᵀy/n``, pure-distilled ``β_pd = (Σ̂ + λI)⁻¹Σ̂β_λ``, student
``β_{λ,ξ} = (1 − ξ)β_λ + ξβ_pd`` (ξ ∈ ℝ), risk ``R(β̂) = ‖β̂ − β‖²_Σ + σ²``.

**λ scale.** Every ``lam`` in this module is on the *mean-squared-error* scale (the penalty on
``‖y − Xb‖²/n``, so ``Σ̂ = XᵀX/n``): it is the fixed-design ``λ`` of :mod:`sdtheory.ridge._risk`
divided by ``n``. Convert with :func:`lam_to_fixed_design` / :func:`lam_to_mse_scale`.

As ``n, p → ∞`` with ``p/n → γ`` the four quadratic-form coefficients of the student's risk
``R(ξ) = R − 2ξ(R − C) + ξ²D`` converge to deterministic limits ``R̄, C̄, R̄_pd, D̄`` that
depend on the spectrum of Σ only through one scalar ``κ(λ)``; this module computes them.

Derivation used to re-check the recipe of the theory note (Dang, Patil & Rinaldo 2026): the
two-penalty cross risk of ridge on the same data,

.. math::
    F(λ_1, λ_2) = ⟨β_{λ_1} − β, β_{λ_2} − β⟩_Σ + σ²
    ≍ \frac{κ_1κ_2\, βᵀ(Σ+κ_1)⁻¹Σ(Σ+κ_2)⁻¹β + σ²}{1 − n⁻¹\operatorname{tr}[Σ²(Σ+κ_1)⁻¹(Σ+κ_2)⁻¹]},

and the exact finite-sample facts ``β_λ − β_pd = −λ ∂_λβ_λ`` and ``dκ/dλ = b``, give
``R − C = −λ ∂_{λ_2}F|_{λ_1=λ_2=λ}`` and ``D = λ² ∂²_{λ_1λ_2}F|_{λ_1=λ_2=λ}``. The closed
forms below are these derivatives; :mod:`sdtheory.asymptotics._symbolic` re-derives them with
sympy and the tests hold them against random-design Monte Carlo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .._validate import check_finite, check_matrix, check_nonneg, check_positive, check_psd, check_vector

__all__ = [
    "lam_to_fixed_design",
    "lam_to_mse_scale",
    "spectrum_from_cov",
    "two_level_spectrum",
    "power_law_spectrum",
    "solve_kappa",
    "asymptotic_moments",
    "asymptotic_risks",
    "isotropic_kappa",
    "isotropic_asymptotics",
    "CurvatureTest",
    "curvature_test",
    "SDvsRidge",
    "compare_sd_vs_ridge",
]

# relative margin for the curvature test: R̄'' is a finite difference (relative error ~1e-7),
# and in the isotropic model D̄(λ*) equals λ*²R̄''/2 exactly (the marginal case)
_CURV_RTOL = 1e-5

_COLUMNS = ["lam", "kappa", "R", "C", "R_pd", "D", "xi_star", "R_sd", "gain"]


# ---------------------------------------------------------------------------- λ scale
def lam_to_fixed_design(lam, n):
    r"""Convert a mean-squared-error-scale ``λ`` (this module) to the fixed-design scale.

    Parameters
    ----------
    lam : array_like
        Penalty on ``‖y − Xb‖²/n`` (``Σ̂ = XᵀX/n``), ``λ > 0``.
    n : int
        Number of samples.

    Returns
    -------
    float or ndarray
        ``n·λ``: the penalty on ``‖y − Xb‖²`` used by :func:`sdtheory.sd_risk` and friends.

    Notes
    -----
    ``(XᵀX/n + λI)⁻¹Xᵀy/n = (XᵀX + nλI)⁻¹Xᵀy``.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> lam_to_fixed_design(0.5, 200)
    100.0
    """
    lam = check_positive(lam, "lam")
    n = _check_n(n)
    out = lam * n
    return float(out) if out.ndim == 0 else out


def lam_to_mse_scale(lam, n):
    r"""Convert a fixed-design ``λ`` (penalty on ``‖y − Xb‖²``) to the mean-squared-error scale.

    Returns ``λ/n``, the scale of :func:`asymptotic_risks`, :func:`sdtheory.one_shot_xi` and
    :func:`sdtheory.finite_sample_sd`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> lam_to_mse_scale(100.0, 200)
    0.5
    """
    lam = check_positive(lam, "lam")
    n = _check_n(n)
    out = lam / n
    return float(out) if out.ndim == 0 else out


def _check_n(n, name="n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{name} must be >= 1, got {n}")
    return int(n)


# ---------------------------------------------------------------------------- spectra
def spectrum_from_cov(cov, beta):
    r"""Eigenvalues and signal energies of a user's covariance ``Σ`` and signal ``β``.

    Parameters
    ----------
    cov : array_like, shape (p, p)
        Symmetric positive semi-definite covariance Σ.
    beta : array_like, shape (p,)
        True coefficient vector β.

    Returns
    -------
    eigvals, signal_energy, weights : ndarray, shape (p,)
        ``s_i``, ``(v_iᵀβ)²`` and equal weights ``1/p`` (arguments of :func:`asymptotic_risks`).

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> s, e, w = spectrum_from_cov([[2.0, 0.0], [0.0, 1.0]], [1.0, 3.0])
    >>> s.tolist(), e.tolist(), w.tolist()
    ([1.0, 2.0], [9.0, 1.0], [0.5, 0.5])
    """
    cov = check_psd(cov, "cov")
    p = cov.shape[0]
    beta = check_vector(beta, "beta", length=p)
    s, V = np.linalg.eigh(cov)
    s = np.clip(s, 0.0, None)
    return s, (V.T @ beta) ** 2, np.full(p, 1.0 / p)


def two_level_spectrum(high, low, frac_high, signal_high, signal_low):
    r"""A two-level covariance spectrum with signal split between the levels.

    Parameters
    ----------
    high, low : float
        The two eigenvalues (``> 0``).
    frac_high : float
        Fraction of the ``p`` directions with eigenvalue ``high``, in ``(0, 1)``.
    signal_high, signal_low : float
        Total signal energy ``Σ β_i²`` on each eigenspace (``≥ 0``).

    Returns
    -------
    eigvals, signal_energy, weights : ndarray, shape (2,)
        For :func:`asymptotic_risks` (``weights`` are the fractions of ``p``).

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> s, e, w = two_level_spectrum(10.0, 1.0, 0.2, 1.0, 0.0)
    >>> w.tolist()
    [0.2, 0.8]
    """
    hi = float(check_positive(high, "high"))
    lo = float(check_positive(low, "low"))
    f = float(check_positive(frac_high, "frac_high"))
    if not f < 1:
        raise ValueError(f"frac_high must be in (0, 1), got {f}")
    e = check_nonneg([signal_high, signal_low], "signal_high/signal_low")
    return np.array([hi, lo]), e, np.array([f, 1.0 - f])


def power_law_spectrum(p, decay, signal_decay, signal_norm_sq=1.0):
    r"""Power-law spectrum ``s_i = i^{−a}`` with signal ``β_i² ∝ i^{−b}`` (i = 1..p).

    Parameters
    ----------
    p : int
        Number of eigenvalues.
    decay : float
        ``a ≥ 0``.
    signal_decay : float
        ``b`` (any real); the signal energies are normalized to sum to ``signal_norm_sq``.
    signal_norm_sq : float
        ``‖β‖²`` (``≥ 0``).

    Returns
    -------
    eigvals, signal_energy, weights : ndarray, shape (p,)

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> s, e, w = power_law_spectrum(4, 1.0, 2.0)
    >>> round(float(e.sum()), 12), float(s[1])
    (1.0, 0.5)
    """
    p = _check_n(p, "p")
    a = float(check_nonneg(decay, "decay"))
    b = float(check_finite(signal_decay, "signal_decay"))
    r2 = float(check_nonneg(signal_norm_sq, "signal_norm_sq"))
    i = np.arange(1, p + 1, dtype=float)
    e = i**-b
    return i**-a, r2 * e / e.sum(), np.full(p, 1.0 / p)


def _check_spectrum(cov_eigvals, signal_energy, weights):
    s = check_nonneg(cov_eigvals, "cov_eigvals")
    if s.ndim != 1:
        raise ValueError(f"cov_eigvals must be 1-D, got shape {s.shape}")
    if not (s > 0).any():
        raise ValueError("cov_eigvals must have at least one eigenvalue > 0")
    e = check_nonneg(signal_energy, "signal_energy")
    if e.shape != s.shape:
        raise ValueError(
            f"signal_energy must have the shape of cov_eigvals {s.shape}, got {e.shape}"
        )
    if weights is None:
        w = np.full(s.shape, 1.0 / s.size)
    else:
        w = check_nonneg(weights, "weights")
        if w.shape != s.shape:
            raise ValueError(f"weights must have the shape of cov_eigvals {s.shape}, got {w.shape}")
        if not np.isclose(w.sum(), 1.0, rtol=1e-9, atol=0):
            raise ValueError(
                f"weights are fractions of p and must sum to 1, got sum {w.sum():.12g}"
            )
    return s, e, w


def _check_gamma(aspect_ratio) -> float:
    g = check_positive(aspect_ratio, "aspect_ratio")
    if g.ndim != 0:
        raise ValueError(f"aspect_ratio must be a scalar γ = p/n > 0, got shape {g.shape}")
    return float(g)


def _check_noise(noise) -> float:
    s2 = check_nonneg(noise, "noise")
    if s2.ndim != 0:
        raise ValueError(f"noise must be a scalar variance σ² >= 0, got shape {s2.shape}")
    return float(s2)


def _check_lam(lam):
    lam = check_positive(lam, "lam")
    if lam.ndim > 1:
        raise ValueError(f"lam must be a scalar or 1-D, got shape {lam.shape}")
    return np.atleast_1d(lam)


# ---------------------------------------------------------------------------- κ
def _kappa(s, w, gamma, lam, *, maxiter=200):
    """Vectorized bracketed Newton for ``λ = κ(1 − γΣ_j w_j s_j/(s_j + κ))`` on ``[λ, λ + γ tr̄Σ]``."""
    lam = np.asarray(lam, float)
    S = float((w * s).sum())
    lo = lam.copy()
    hi = lam + gamma * S
    k = np.sqrt(lo * hi)  # geometric midpoint is a good start across scales
    s_ = s[None, :]
    done = np.zeros(lam.shape, bool)
    for _ in range(maxiter):
        r = s_ / (s_ + k[:, None])
        m = (w * r).sum(-1)
        h = k * (1.0 - gamma * m) - lam
        # dh/dκ = 1 − t₂ written with positive terms: λ/κ + γΣ w s κ/(s+κ)² (exact at the root;
        # away from it use the plain derivative)
        dh = 1.0 - gamma * (w * r * r).sum(-1)
        pos = h > 0
        hi = np.where(pos, np.minimum(hi, k), hi)
        lo = np.where(~pos, np.maximum(lo, k), lo)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = k - h / dh
        ok = np.isfinite(newton) & (newton > lo) & (newton < hi) & (dh > 0)
        k_new = np.where(ok, newton, 0.5 * (lo + hi))
        step = np.abs(k_new - k)
        k = np.where(done, k, k_new)
        done |= (step <= 4 * np.finfo(float).eps * k) | (hi - lo <= 4 * np.finfo(float).eps * hi)
        if done.all():
            break
    if not done.all():  # pragma: no cover - the bracket halves at worst, 200 steps suffice
        bad = lam[~done]
        raise RuntimeError(f"κ fixed point did not converge for lam={bad[:3]} (γ={gamma})")
    return k


def solve_kappa(cov_eigvals, aspect_ratio, lam, *, weights=None):
    r"""The deterministic-equivalent regularization ``κ(λ) > 0`` of ridge in the proportional regime.

    Parameters
    ----------
    cov_eigvals : array_like, shape (m,)
        Eigenvalues ``s_j ≥ 0`` of Σ (at least one ``> 0``).
    aspect_ratio : float
        ``γ = p/n > 0``.
    lam : float or array_like, shape (L,)
        Ridge penalties ``λ > 0`` on the **mean-squared-error scale** (fixed-design λ / n).
    weights : array_like, shape (m,), optional
        Fraction of the ``p`` directions carrying each eigenvalue (sums to 1); default ``1/m``.

    Returns
    -------
    float or ndarray
        ``κ(λ)``, same shape as ``lam``.

    Notes
    -----
    ``κ`` is the unique positive root of

    .. math:: κ = λ + γκ\,\overline{\operatorname{tr}}[Σ(Σ + κI)⁻¹]
              = λ + γκ\sum_j w_j s_j/(s_j + κ).

    ``h(κ) = κ(1 − γ m(κ)) − λ`` is negative at ``κ = λ`` and positive at
    ``κ = λ + γ\,\overline{\operatorname{tr}}Σ``, and increasing wherever it is ≥ −λ, so the
    root is unique in that bracket; it is found by Newton steps safeguarded by bisection,
    vectorized over ``λ``. ``λ(Σ̂ + λI)⁻¹ ≍ κ(Σ + κI)⁻¹``, and ``dκ/dλ = 1/(1 − t_2)``.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565; Dobriban & Wager, Ann. Statist. 2018.

    Examples
    --------
    >>> k = solve_kappa([1.0], 0.5, 1.0)   # isotropic: κ = (λ+γ−1+√((1−λ−γ)²+4λ))/2
    >>> round(k, 12) == round(0.5 * (0.5 + (0.25 + 4.0) ** 0.5), 12)
    True
    """
    s, _, w = _check_spectrum(cov_eigvals, np.zeros(np.shape(cov_eigvals)), weights)
    gamma = _check_gamma(aspect_ratio)
    lam_arr = check_positive(lam, "lam")
    k = _kappa(s, w, gamma, lam_arr.ravel()).reshape(lam_arr.shape)
    return float(k) if k.ndim == 0 else k


def _moments(s, e, w, gamma, kappa):
    """t_k (k = 2, 3, 4), q_k (k = 2, 3, 4), b and the positive helpers, each of shape (L,)."""
    g = 1.0 / (s[None, :] + kappa[:, None])
    s2g2 = (s * s)[None, :] * g * g
    t2 = gamma * (w * s2g2).sum(-1)
    t3 = gamma * (w * s2g2 * g).sum(-1)
    t4 = gamma * (w * s2g2 * g * g).sum(-1)
    es = (e * s)[None, :]
    q2 = (es * g * g).sum(-1)
    q3 = (es * g**3).sum(-1)
    q4 = (es * g**4).sum(-1)
    # 1 − t₂ = λ/κ + γΣ w s κ g²  (all terms ≥ 0; avoids cancellation near γ = 1, λ → 0)
    return t2, t3, t4, q2, q3, q4, g


def asymptotic_moments(cov_eigvals, signal_energy, aspect_ratio, lam, *, weights=None):
    r"""``κ``, ``t_k``, ``q_k`` (k = 2, 3, 4) and ``b = 1/(1 − t_2)`` for each ``λ``.

    Parameters
    ----------
    cov_eigvals, signal_energy : array_like, shape (m,)
        Eigenvalues ``s_j`` of Σ and signal energies (``β_j²`` in Σ's eigenbasis; with
        ``weights``, the total energy on that eigenspace).
    aspect_ratio : float
        ``γ = p/n``.
    lam : float or array_like, shape (L,)
        Penalties on the mean-squared-error scale (fixed-design λ / n).
    weights : array_like, optional
        Fractions of ``p`` per eigenvalue (sum 1); default ``1/m``.

    Returns
    -------
    pandas.DataFrame
        Columns ``lam, kappa, b, t2, t3, t4, q2, q3, q4``.

    Notes
    -----
    With ``g_j = 1/(s_j + κ)``: ``t_k = γ Σ_j w_j s_j² g_j^k``, ``q_k = Σ_j e_j s_j g_j^k``.
    ``1 − t_2`` is evaluated as ``λ/κ + γΣ_j w_j s_jκ g_j²`` (a sum of positive terms, equal
    by the fixed point), so ``b`` stays accurate where ``t_2 → 1`` (γ = 1, λ → 0).

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> df = asymptotic_moments([1.0], [1.0], 0.5, [0.1, 1.0])
    >>> list(df.columns)
    ['lam', 'kappa', 'b', 't2', 't3', 't4', 'q2', 'q3', 'q4']
    """
    s, e, w = _check_spectrum(cov_eigvals, signal_energy, weights)
    gamma = _check_gamma(aspect_ratio)
    lam = _check_lam(lam)
    k = _kappa(s, w, gamma, lam)
    t2, t3, t4, q2, q3, q4, g = _moments(s, e, w, gamma, k)
    b = 1.0 / _one_minus_t2(s, w, gamma, lam, k, g)
    return pd.DataFrame(
        {"lam": lam, "kappa": k, "b": b, "t2": t2, "t3": t3, "t4": t4, "q2": q2, "q3": q3, "q4": q4}
    )


def _one_minus_t2(s, w, gamma, lam, k, g):
    return lam / k + gamma * (w * s[None, :] * g * g).sum(-1) * k


def _risks(s, e, w, gamma, sigma2, lam):
    k = _kappa(s, w, gamma, lam)
    t2, t3, t4, q2, q3, q4, g = _moments(s, e, w, gamma, k)
    b = 1.0 / _one_minus_t2(s, w, gamma, lam, k, g)
    es = (e * s)[None, :]
    p2 = (es * s[None, :] * g**3).sum(-1)  # Σ e s² g³ = q₂ − κq₃
    p3 = (es * (s * s)[None, :] * g**4).sum(-1)  # Σ e s³ g⁴ = q₂ − 2κq₃ + κ²q₄
    A = k * k * q2 + sigma2  # numerator of F at λ₁ = λ₂
    R = sigma2 + k * k * b * q2 + sigma2 * t2 * b
    N = lam * b * b * (b * t3 * A - k * p2)  # R − C = −λ ∂_{λ₂}F
    D = lam * lam * b * b * (b * p3 - 2.0 * b * b * t3 * k * p2 + (b * b * t4 + 2.0 * b**3 * t3 * t3) * A)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = np.where(D > 0, N / np.where(D > 0, D, 1.0), 0.0)
        gain = np.where(D > 0, N * N / np.where(D > 0, D, 1.0), 0.0)
    C = R - N
    R_pd = R + D - 2.0 * N
    return pd.DataFrame(
        {"lam": lam, "kappa": k, "R": R, "C": C, "R_pd": R_pd, "D": D, "xi_star": xi,
         "R_sd": R - gain, "gain": gain}
    )


def asymptotic_risks(cov_eigvals, signal_energy, noise, aspect_ratio, lam, *, weights=None):
    r"""Deterministic equivalents of teacher, cross, pure-distilled and optimal-SD risks.

    Parameters
    ----------
    cov_eigvals : array_like, shape (m,)
        Eigenvalues ``s_j ≥ 0`` of the feature covariance Σ.
    signal_energy : array_like, shape (m,)
        ``β_j²``: squared coordinates of β in Σ's eigenbasis (with ``weights``: the total
        signal energy on that eigenspace).
    noise : float
        Label-noise variance ``σ² ≥ 0``.
    aspect_ratio : float
        ``γ = p/n > 0``.
    lam : float or array_like, shape (L,)
        Ridge penalties ``λ > 0`` on the **mean-squared-error scale**
        (``Σ̂ = XᵀX/n``; fixed-design λ divided by n, see :func:`lam_to_mse_scale`).
    weights : array_like, shape (m,), optional
        Fraction of the ``p`` directions with eigenvalue ``s_j`` (sum 1), e.g. from
        :func:`two_level_spectrum`; default ``1/m`` (each eigenvalue once, ``p = m``).

    Returns
    -------
    pandas.DataFrame
        One row per ``λ``; columns ``lam, kappa, R, C, R_pd, D, xi_star, R_sd, gain``.
        Risks include ``σ²`` (prediction risk on a fresh point);
        ``gain = R − R_sd = (R − C)²/D``.

    Notes
    -----
    With ``κ`` from :func:`solve_kappa`, ``g_j = 1/(s_j + κ)``, ``t_k = γΣ_j w_j s_j² g_j^k``,
    ``q_k = Σ_j e_j s_j g_j^k``, ``b = 1/(1 − t_2)``, ``A = κ²q_2 + σ²``,
    ``P_2 = Σ_j e_j s_j² g_j³ = q_2 − κq_3`` and ``P_3 = Σ_j e_j s_j³ g_j⁴ = q_2 − 2κq_3 + κ²q_4``:

    .. math::
        R̄ &= σ² + κ²b\,q_2 + σ² t_2 b, \\
        R̄ − C̄ &= λb²(b\,t_3 A − κP_2), \\
        D̄ &= λ²b²\,[\,bP_3 − 2b²t_3κP_2 + (b²t_4 + 2b³t_3²)A\,],

    ``C̄ = R̄ − (R̄ − C̄)``, ``R̄_pd = R̄ + D̄ − 2(R̄ − C̄)``, ``ξ̄* = (R̄ − C̄)/D̄``,
    ``R̄*_sd = R̄ − (R̄ − C̄)²/D̄``. These are algebraically identical to the note's recipe
    (``u_2 = t_2b``, ``u_3 = t_3b³``, ``u_4 = t_4b⁴ + 2t_3²b⁵``, ``E = κ − bλ + b²κλt_3``,
    ``a_2 = bE² + b⁴κ²λ²t_4 + b⁵κ²λ²t_3²`` …; verified symbolically in
    :mod:`sdtheory.asymptotics._symbolic`), but ``R̄ − C̄`` and ``D̄`` are formed directly
    rather than as differences of nearly equal risks, so ``ξ̄*`` keeps full precision near the
    ridge optimum and for large ``λ``. Both follow from differentiating the two-penalty cross
    risk ``F(λ_1, λ_2)`` (module docstring). Where ``D̄ = 0`` (no signal, no noise)
    ``ξ̄* = 0``.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression: Strict
    Improvements, Precise Asymptotics, and One-Shot Tuning", ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> df = asymptotic_risks([1.0], [1.0], 0.5, 0.5, [0.05, 0.25, 1.0])
    >>> df["xi_star"].round(6).tolist()[1]    # λ = γσ²/r² is ridge-optimal: ξ* = 0
    0.0
    >>> bool((df["R_sd"] <= df["R"]).all())
    True
    """
    s, e, w = _check_spectrum(cov_eigvals, signal_energy, weights)
    sigma2 = _check_noise(noise)
    gamma = _check_gamma(aspect_ratio)
    lam = _check_lam(lam)
    return _risks(s, e, w, gamma, sigma2, lam)[_COLUMNS]


# ---------------------------------------------------------------------------- isotropic
def isotropic_kappa(aspect_ratio, lam):
    r"""Closed-form ``κ(λ)`` for ``Σ = I``: ``κ = ½[λ + γ − 1 + √((1 − λ − γ)² + 4λ)]``.

    ``lam`` is on the mean-squared-error scale. Evaluated in a cancellation-free form
    (``2λ/(√(…) − (λ + γ − 1))`` when ``λ + γ − 1 < 0``).

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> round(isotropic_kappa(2.0, 1e-12), 6)     # γ > 1, λ → 0: κ → γ − 1
    1.0
    """
    gamma = _check_gamma(aspect_ratio)
    lam_arr = check_positive(lam, "lam")
    a = lam_arr + gamma - 1.0
    root = np.sqrt((1.0 - lam_arr - gamma) ** 2 + 4.0 * lam_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(a >= 0, 0.5 * (a + root), 2.0 * lam_arr / (root - a))
    return float(k) if k.ndim == 0 else k


def isotropic_asymptotics(aspect_ratio, noise, signal_norm_sq, lam):
    r"""Explicit deterministic equivalents for isotropic features (``Σ = I``, ``‖β‖² = r²``).

    Parameters
    ----------
    aspect_ratio : float
        ``γ = p/n > 0``.
    noise : float
        ``σ² ≥ 0``.
    signal_norm_sq : float
        ``r² = ‖β‖² ≥ 0``.
    lam : float or array_like, shape (L,)
        Penalties on the mean-squared-error scale (fixed-design λ / n).

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`asymptotic_risks`.

    Notes
    -----
    With ``κ`` from :func:`isotropic_kappa`, ``u = 1 + κ``,
    ``P = r²[(u − γ)² + γκ²] + γσ²(u² + γ)``:

    .. math::
        R̄ &= σ² + (γσ² + κ²r²)/(u² − γ), \\
        R̄ − C̄ &= λu³(γσ² − λr²)/(u² − γ)³, \\
        D̄ &= λ²u⁴P/(u² − γ)⁵, \\
        ξ̄^* &= (u² − γ)²(γσ² − λr²)/(λuP), \\
        R̄ − R̄^*_{sd} &= u²(γσ² − λr²)²/((u² − γ)P).

    These are the theory note's formulas (``ξ̄*`` and the gain are verbatim; ``R̄ − C̄`` and
    ``D̄`` are implied by them); sympy re-derives all five from the general recipe with one atom
    ``s = 1`` (:func:`sdtheory.asymptotics._symbolic.isotropic_closed_form`, tested). The sign
    of ``ξ̄*`` changes exactly at the ridge optimum ``λ = γσ²/r²``, where the gain is 0; since
    that λ minimizes ``R̄`` and ``R̄*_sd ≥`` the best ridge there, isotropic SD never beats the
    best-tuned ridge. ``u² − γ > 0`` always (``b = u²/(u² − γ) > 0``).

    References
    ----------
    Dang, Patil & Rinaldo, ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> df = isotropic_asymptotics(0.5, 1.0, 1.0, 0.5)   # λ = γσ²/r²: no gain
    >>> float(df["gain"].iloc[0])
    0.0
    """
    gamma = _check_gamma(aspect_ratio)
    sigma2 = _check_noise(noise)
    r2 = check_nonneg(signal_norm_sq, "signal_norm_sq")
    if r2.ndim != 0:
        raise ValueError(f"signal_norm_sq must be a scalar ‖β‖² >= 0, got shape {r2.shape}")
    r2 = float(r2)
    lam = _check_lam(lam)
    k = np.asarray(isotropic_kappa(gamma, lam), float).reshape(lam.shape)
    u = 1.0 + k
    den = u * u - gamma
    P = r2 * ((u - gamma) ** 2 + gamma * k * k) + gamma * sigma2 * (u * u + gamma)
    lin = gamma * sigma2 - lam * r2
    R = sigma2 + (gamma * sigma2 + k * k * r2) / den
    N = lam * u**3 * lin / den**3
    D = lam**2 * u**4 * P / den**5
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = P > 0
        xi = np.where(pos, den**2 * lin / (lam * u * np.where(pos, P, 1.0)), 0.0)
        gain = np.where(pos, u * u * lin**2 / (den * np.where(pos, P, 1.0)), 0.0)
    C = R - N
    return pd.DataFrame(
        {"lam": lam, "kappa": k, "R": R, "C": C, "R_pd": R + D - 2.0 * N, "D": D,
         "xi_star": xi, "R_sd": R - gain, "gain": gain}
    )


# ---------------------------------------------------------------------------- beating ridge
@dataclass(frozen=True)
class CurvatureTest:
    """Result of :func:`curvature_test` (all λ on the mean-squared-error scale).

    Attributes
    ----------
    lam_ridge : float
        Ridge-optimal ``λ*`` (interior minimizer of ``R̄``).
    R_ridge : float
        ``R̄(λ*)``.
    D : float
        ``D̄(λ*)``.
    curvature_bound : float
        ``λ*² R̄''(λ*)/2``.
    sd_beats_ridge : bool
        ``D̄(λ*) < λ*² R̄''(λ*)/2`` (sufficient for ``min R̄*_sd < min R̄``).
    """

    lam_ridge: float
    R_ridge: float
    D: float
    curvature_bound: float
    sd_beats_ridge: bool


@dataclass(frozen=True)
class SDvsRidge:
    """Result of :func:`compare_sd_vs_ridge` (λ on the mean-squared-error scale).

    ``lam_ridge, R_ridge``: global minimizer and minimum of ``R̄``; ``lam_sd, xi_sd, R_sd``: of
    the optimal-SD profile ``R̄*_sd(λ)``; ``relative_gain = (R_ridge − R_sd)/(R_ridge − σ²)``;
    ``curvature``: the :class:`CurvatureTest` at ``lam_ridge``.
    """

    lam_ridge: float
    R_ridge: float
    lam_sd: float
    xi_sd: float
    R_sd: float
    relative_gain: float
    curvature: CurvatureTest
    profile: pd.DataFrame


def _grid(s, w, gamma, sigma2, e, lam_range, per_decade):
    lo, hi = lam_range
    num = int(np.ceil(np.log10(hi / lo) * per_decade)) + 1
    return np.geomspace(lo, hi, num)


def _min_on_grid(fun, grid, values):
    i = int(np.argmin(values))
    a = np.log(grid[max(i - 1, 0)])
    c = np.log(grid[min(i + 1, grid.size - 1)])
    if c <= a:
        return float(grid[i]), float(values[i])
    res = optimize.minimize_scalar(
        lambda t: fun(np.exp(t)), bounds=(a, c), method="bounded", options={"xatol": 1e-10}
    )
    if res.fun < values[i]:
        return float(np.exp(res.x)), float(res.fun)
    return float(grid[i]), float(values[i])


def _check_range(lam_range):
    rng = check_positive(lam_range, "lam_range")
    if rng.shape != (2,) or not rng[0] < rng[1]:
        raise ValueError(f"lam_range must be (low, high) with 0 < low < high, got {lam_range}")
    return float(rng[0]), float(rng[1])


def curvature_test(cov_eigvals, signal_energy, noise, aspect_ratio, *, weights=None,
                   lam_range=(1e-4, 1e4), per_decade=40):
    r"""Curvature test: does optimal SD beat the best-tuned ridge (asymptotically)?

    Parameters
    ----------
    cov_eigvals, signal_energy, noise, aspect_ratio, weights
        As in :func:`asymptotic_risks`.
    lam_range : (float, float)
        Search range for the ridge optimum, mean-squared-error scale.
    per_decade : int
        Grid density of the global search (then refined by a bounded scalar search).

    Returns
    -------
    CurvatureTest

    Raises
    ------
    ValueError
        If the ridge optimum sits at an end of ``lam_range`` (no stationary point to test).

    Notes
    -----
    Near the ridge optimum ``λ*`` (``R̄'(λ*) = 0``) the optimal-SD profile is
    ``R̄*_sd = R̄ − λ²R̄'²/(4D̄) ≈ R̄(λ*) + ½R̄''δ² − λ*²R̄''²δ²/(4D̄)``, so
    ``D̄(λ*) < λ*²R̄''(λ*)/2`` makes ``λ*`` a strict local maximum of the SD gain deficit and
    ``min_λ R̄*_sd < min_λ R̄``. In the isotropic model ``D̄(λ*) = λ*²R̄''(λ*)/2`` exactly (the
    marginal case: no gain), so the test asks for ``D̄ < (1 − 10⁻⁵)·λ*²R̄''/2`` to stay clear
    of finite-difference error. The condition is sufficient, not necessary: see
    :func:`compare_sd_vs_ridge` for the global comparison. ``R̄''`` is a central difference in
    ``log λ`` (step ``1e-4``; relative error ≈ 1e-8).

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> res = curvature_test([1.0], [1.0], 1.0, 0.5)   # isotropic: never beats ridge
    >>> res.sd_beats_ridge, round(res.lam_ridge, 6)
    (False, 0.5)
    """
    s, e, w = _check_spectrum(cov_eigvals, signal_energy, weights)
    sigma2 = _check_noise(noise)
    gamma = _check_gamma(aspect_ratio)
    lo, hi = _check_range(lam_range)
    grid = _grid(s, w, gamma, sigma2, e, (lo, hi), per_decade)
    R = _risks(s, e, w, gamma, sigma2, grid)["R"].to_numpy()
    i = int(np.argmin(R))
    if i == 0 or i == grid.size - 1:
        raise ValueError(
            f"the ridge optimum is at the edge of lam_range=({lo:g}, {hi:g}) (λ → "
            f"{'0' if i == 0 else '∞'}); widen lam_range — no stationary point to test"
        )
    return _curvature_at(s, e, w, gamma, sigma2, grid, R)


def _curvature_at(s, e, w, gamma, sigma2, grid, R):
    i = int(np.argmin(R))
    # the minimizer of R̄ is the root of R̄ − C̄ = −λR̄'/2 (sign change from + to −)
    def N(lam):
        return float(_risks(s, e, w, gamma, sigma2, np.array([lam]))["R"].iloc[0] -
                     _risks(s, e, w, gamma, sigma2, np.array([lam]))["C"].iloc[0])

    a, c = grid[i - 1], grid[i + 1]
    Na, Nc = N(a), N(c)
    if Na > 0 > Nc:
        lam_star = optimize.brentq(N, a, c, xtol=1e-14 * a, rtol=4 * np.finfo(float).eps)
    else:  # flat or numerically zero slope: bounded search on R̄
        fR = lambda lm: float(_risks(s, e, w, gamma, sigma2, np.array([lm]))["R"].iloc[0])  # noqa: E731
        lam_star, _ = _min_on_grid(fR, grid, R)
    h = 1e-4
    lams = lam_star * np.exp(np.array([-h, 0.0, h]))
    df = _risks(s, e, w, gamma, sigma2, lams)
    r = df["R"].to_numpy()
    # R'' in λ from derivatives in t = log λ: R_λλ = (R_tt − R_t)/λ², R_t ≈ 0 at λ*
    R_t = (r[2] - r[0]) / (2 * h)
    R_tt = (r[2] - 2 * r[1] + r[0]) / h**2
    bound = 0.5 * (R_tt - R_t)  # = λ*² R''(λ*)/2
    D = float(df["D"].iloc[1])
    return CurvatureTest(
        lam_ridge=float(lam_star), R_ridge=float(r[1]), D=D, curvature_bound=float(bound),
        sd_beats_ridge=bool(D < bound * (1.0 - _CURV_RTOL)),
    )


def compare_sd_vs_ridge(cov_eigvals, signal_energy, noise, aspect_ratio, *, weights=None,
                        lam_range=(1e-4, 1e4), per_decade=40):
    r"""Global comparison of ``min_λ R̄*_sd(λ)`` with ``min_λ R̄(λ)`` (asymptotic risks).

    Parameters
    ----------
    cov_eigvals, signal_energy, noise, aspect_ratio, weights
        As in :func:`asymptotic_risks`.
    lam_range : (float, float)
        Search range, mean-squared-error scale. ``E(λ, ξ)`` is not jointly convex, so both
        minima are found by a global log-grid search then a bounded refinement around the best
        grid point; a minimum at an end of the range is reported as is (check ``profile``).
    per_decade : int
        Grid points per decade.

    Returns
    -------
    SDvsRidge
        With the whole profile (:func:`asymptotic_risks` on the grid) in ``profile``.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> res = compare_sd_vs_ridge([1.0], [1.0], 1.0, 0.5)   # isotropic: no gain
    >>> abs(res.relative_gain) < 1e-8
    True
    """
    s, e, w = _check_spectrum(cov_eigvals, signal_energy, weights)
    sigma2 = _check_noise(noise)
    gamma = _check_gamma(aspect_ratio)
    lo, hi = _check_range(lam_range)
    per_decade = int(per_decade)
    if per_decade < 2:
        raise ValueError(f"per_decade must be >= 2, got {per_decade}")
    grid = _grid(s, w, gamma, sigma2, e, (lo, hi), per_decade)
    prof = _risks(s, e, w, gamma, sigma2, grid)

    def f(col):
        return lambda lm: float(_risks(s, e, w, gamma, sigma2, np.array([lm]))[col].iloc[0])

    lam_r, R_r = _min_on_grid(f("R"), grid, prof["R"].to_numpy())
    lam_s, R_s = _min_on_grid(f("R_sd"), grid, prof["R_sd"].to_numpy())
    xi_s = f("xi_star")(lam_s)
    i = int(np.argmin(prof["R"].to_numpy()))
    if 0 < i < grid.size - 1:
        curv = _curvature_at(s, e, w, gamma, sigma2, grid, prof["R"].to_numpy())
    else:
        curv = CurvatureTest(lam_r, R_r, float("nan"), float("nan"), False)
    excess = R_r - sigma2
    rel = (R_r - R_s) / excess if excess > 0 else 0.0
    return SDvsRidge(
        lam_ridge=lam_r, R_ridge=R_r, lam_sd=lam_s, xi_sd=float(xi_s), R_sd=R_s,
        relative_gain=float(rel), curvature=curv, profile=prof[_COLUMNS],
    )
