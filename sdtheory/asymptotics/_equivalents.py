r"""Deterministic equivalents of one-step self-distillation in random-design ridge regression.

Model: rows ``x_i ~ (0, Σ)`` (i = 1..n), ``y = Xθ* + ε``, ``Var ε = σ²``, ``Σ̂ = XᵀX/n``,
teacher ``θ_λ = (Σ̂ + λI)⁻¹Xᵀy/n``, pure-distilled ``θ_pd = (Σ̂ + λI)⁻¹Σ̂θ_λ``, student
``θ_{λ,ξ} = (1 − ξ)θ_λ + ξθ_pd`` (ξ ∈ ℝ, the weight on the teacher), and the fresh-point risk
``R(θ̂) = E(xᵀθ̂ − y)² = ‖θ̂ − θ*‖²_Σ + σ²``.

**λ scale.** Every ``lam`` in this module is on the *mean-loss* scale (the penalty added to
``‖y − Xθ‖²/n``): the summed-loss λ of the functions that take data, divided by ``n``.
Convert with :func:`lam_to_fixed_design` / :func:`lam_to_mse_scale`.

As ``n, p → ∞`` with ``p/n → γ`` the four coefficients of the student's risk
``R(ξ) = R − 2ξ(R − C) + ξ²D`` converge to deterministic limits ``R̄, C̄, R̄_pd, D̄`` that
depend on the spectrum of Σ only through one scalar ``κ(λ)``. They are the derivatives of the
two-penalty cross risk of ridge on the same data,

.. math::
    F(λ_1, λ_2) = ⟨θ_{λ_1} − θ*, θ_{λ_2} − θ*⟩_Σ + σ²
    ≍ \frac{κ_1κ_2\, θ*ᵀ(Σ+κ_1)⁻¹Σ(Σ+κ_2)⁻¹θ* + σ²}{1 − n⁻¹\operatorname{tr}[Σ²(Σ+κ_1)⁻¹(Σ+κ_2)⁻¹]},

with ``θ_λ − θ_pd = −λ∂_λθ_λ`` and ``dκ/dλ = b``: ``R − C = −λ∂_{λ_2}F|_{λ_1=λ_2=λ}`` and
``D = λ²∂²_{λ_1λ_2}F|_{λ_1=λ_2=λ}``. :mod:`sdtheory.asymptotics._symbolic` re-derives the
closed forms with sympy. See the theory page :doc:`/theory/asymptotics`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import check_positive
from ._spectra import _NO_SIGNAL, check_gamma, check_lam, check_noise, check_spectrum

__all__ = ["solve_kappa", "asymptotic_moments", "asymptotic_risks"]

COLUMNS = ["lam", "kappa", "R", "C", "R_pd", "D", "xi_star", "R_sd", "gain"]


def _kappa(s, w, gamma, lam, *, maxiter=200):
    """Vectorized bracketed Newton for ``λ = κ(1 − γΣ_j w_j s_j/(s_j + κ))``.

    The bracket is ``[λ, λ + γ tr̄Σ]``.
    """
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
    # one polishing Newton step in a cancellation-free form: with Σ_j w_j s_j g_j =
    # Σw − κΣ w g, h = κ(1 − γΣw + γκΣ w g) − λ, and h' = λ/κ + γκΣ w s g² at the root
    g = 1.0 / (s_ + k[:, None])
    h = k * (1.0 - gamma * w.sum() + gamma * k * (w * g).sum(-1)) - lam
    dh = lam / k + gamma * k * (w * s_ * g * g).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        k_pol = k - h / dh
    return np.where(np.isfinite(k_pol) & (k_pol > 0), k_pol, k)


def solve_kappa(cov_eigvals, *, aspect_ratio, lam, weights=None):
    r"""The deterministic-equivalent regularization ``κ(λ) > 0`` of ridge (proportional regime).

    Parameters
    ----------
    cov_eigvals : array_like, shape (m,)
        Eigenvalues ``s_j ≥ 0`` of Σ (at least one ``> 0``).
    aspect_ratio : float
        ``γ = p/n`` in ``(0, inf)``.
    lam : float or array_like, shape (L,)
        Ridge penalties ``λ > 0`` on the **mean-loss scale** (the penalty added to
        ``‖y − Xθ‖²/n``; summed-loss λ divided by ``n``, see :func:`lam_to_mse_scale`).
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

    See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565; Dobriban & Wager, Ann. Statist. 2018.

    Examples
    --------
    >>> # isotropic: κ = (λ+γ−1+√((1−λ−γ)²+4λ))/2
    >>> k = solve_kappa([1.0], aspect_ratio=0.5, lam=1.0)
    >>> round(k, 12) == round(0.5 * (0.5 + (0.25 + 4.0) ** 0.5), 12)
    True
    """
    s, _, w = check_spectrum(cov_eigvals, _NO_SIGNAL, weights)
    gamma = check_gamma(aspect_ratio)
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


def asymptotic_moments(cov_eigvals, signal_energy, *, aspect_ratio, lam, weights=None):
    r"""``κ``, ``t_k``, ``q_k`` (k = 2, 3, 4) and ``b = 1/(1 − t_2)`` for each ``λ``.

    Parameters
    ----------
    cov_eigvals, signal_energy : array_like, shape (m,)
        Eigenvalues ``s_j >= 0`` of Σ and signal energies (``θ*_j²`` in Σ's eigenbasis; with
        ``weights``, the total energy on that eigenspace).
    aspect_ratio : float
        ``γ = p/n`` in ``(0, inf)``.
    lam : float or array_like, shape (L,)
        Penalties ``λ > 0`` on the **mean-loss scale** (summed-loss λ divided by ``n``).
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
    See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> df = asymptotic_moments([1.0], [1.0], aspect_ratio=0.5, lam=[0.1, 1.0])
    >>> list(df.columns)
    ['lam', 'kappa', 'b', 't2', 't3', 't4', 'q2', 'q3', 'q4']
    """
    s, e, w = check_spectrum(cov_eigvals, signal_energy, weights)
    gamma = check_gamma(aspect_ratio)
    lam = check_lam(lam)
    k = _kappa(s, w, gamma, lam)
    t2, t3, t4, q2, q3, q4, g = _moments(s, e, w, gamma, k)
    b = 1.0 / _one_minus_t2(s, w, gamma, lam, k, g)
    return pd.DataFrame(
        {"lam": lam, "kappa": k, "b": b, "t2": t2, "t3": t3, "t4": t4, "q2": q2, "q3": q3, "q4": q4}
    )


def _one_minus_t2(s, w, gamma, lam, k, g):
    return lam / k + gamma * (w * s[None, :] * g * g).sum(-1) * k


def _cross_term(s, e, w, g):
    """``X = Σ_ij w_j e_i s_i s_j g_i³ g_j³ (s_j − s_i)`` per λ, without cancellation.

    Written as ``(Σ_j a_j (s_j − c))(Σ_i b_i) − (Σ_j a_j)(Σ_i b_i (s_i − c))`` with
    ``a_j = w_j s_j g_j³``, ``b_i = e_i s_i g_i³`` and the centre ``c = Σ b_i s_i/Σ b_i``, so the
    second product vanishes up to rounding and a single-level spectrum gives exactly 0.
    """
    a = w * s * g**3
    bb = e * s * g**3
    B = bb.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(B > 0, (bb * s).sum(-1) / np.where(B > 0, B, 1.0), 0.0)
    ds = s[None, :] - c[:, None]
    return (a * ds).sum(-1) * B - a.sum(-1) * (bb * ds).sum(-1)


def _optimal_sd_risk(s, e, w, gamma, sigma2, lam, k, g, b, A, p3, t3, t4, D):
    """``R̄*_sd = R̄ − (R̄ − C̄)²/D̄`` as a sum of non-negative terms (no cancellation).

    With ``F = K_N/K_D`` (the two-penalty cross risk as a ratio of two kernels in ``κ_1, κ_2``),
    ``R̄*_sd = F − (∂_2F)²/∂_{12}F = [K_D²G_N − K_N²G_D]/(K_D⁴ ∂_{12}F)``, where
    ``G_N = σ²P_3 + κ⁴(Σ a)(Σ a(s − s̄)²)`` (Lagrange identity; ``a = e s g⁴``, ``s̄`` its
    ``a``-weighted mean) and ``−G_D = K_D t_4 + t_3² ≥ 0``; ``K_D = 1/b`` and
    ``∂_{12}F = D̄/(λ²b²)``.
    """
    a = e * s * g**4
    sa = a.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sbar = np.where(sa > 0, (a * s).sum(-1) / np.where(sa > 0, sa, 1.0), 0.0)
        spread = (a * (s[None, :] - sbar[:, None]) ** 2).sum(-1)
        G_N = sigma2 * p3 + k**4 * sa * spread
        num = G_N / (b * b) + A * A * (t4 / b + t3 * t3)
        return np.where(D > 0, num * lam * lam * b**6 / np.where(D > 0, D, 1.0), 0.0)


def _risks(s, e, w, gamma, sigma2, lam):
    # every risk is homogeneous of degree 1 in (e, σ²): work with the largest scaled to 1, so
    # squares such as N² never under- or overflow, and scale the risks back at the end
    scale = max(float(sigma2), float(e.max()))
    scale = scale if scale > 0 else 1.0
    e, sigma2 = e / scale, sigma2 / scale
    k = _kappa(s, w, gamma, lam)
    t2, t3, t4, q2, q3, q4, g = _moments(s, e, w, gamma, k)
    b = 1.0 / _one_minus_t2(s, w, gamma, lam, k, g)
    es = (e * s)[None, :]
    p2 = (es * s[None, :] * g**3).sum(-1)  # Σ e s² g³ = q₂ − κq₃
    p3 = (es * (s * s)[None, :] * g**4).sum(-1)  # Σ e s³ g⁴ = q₂ − 2κq₃ + κ²q₄
    A = k * k * q2 + sigma2  # numerator of F at λ₁ = λ₂
    R = sigma2 + k * k * b * q2 + sigma2 * t2 * b
    N = lam * b**3 * (t3 * sigma2 + gamma * k**3 * _cross_term(s, e, w, g) - lam * p2)
    D = (
        lam
        * lam
        * b
        * b
        * (b * p3 - 2.0 * b * b * t3 * k * p2 + (b * b * t4 + 2.0 * b**3 * t3 * t3) * A)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = np.where(D > 0, N / np.where(D > 0, D, 1.0), 0.0)
        gain = np.where(D > 0, N * N / np.where(D > 0, D, 1.0), 0.0)
    R_sd = np.where(
        D > 0, _optimal_sd_risk(s, e, w, gamma, sigma2, lam, k, g, b, A, p3, t3, t4, D), R
    )
    R, N, D, gain, R_sd = R * scale, N * scale, D * scale, gain * scale, R_sd * scale
    C = R - N
    R_pd = R + D - 2.0 * N
    return pd.DataFrame(
        {
            "lam": lam,
            "kappa": k,
            "R": R,
            "C": C,
            "R_pd": R_pd,
            "D": D,
            "xi_star": xi,
            "R_sd": R_sd,
            "gain": gain,
        }
    )


def asymptotic_risks(cov_eigvals, signal_energy, *, noise, aspect_ratio, lam, weights=None):
    r"""Deterministic equivalents of the teacher, cross, pure-distilled and optimal-SD risks.

    Parameters
    ----------
    cov_eigvals : array_like, shape (m,)
        Eigenvalues ``s_j ≥ 0`` of the feature covariance Σ.
    signal_energy : array_like, shape (m,)
        ``θ*_j² >= 0``: squared coordinates of θ* in Σ's eigenbasis (with ``weights``: the
        total signal energy on that eigenspace).
    noise : float
        Label-noise variance ``σ²`` in ``[0, inf)``.
    aspect_ratio : float
        ``γ = p/n`` in ``(0, inf)``.
    lam : float or array_like, shape (L,)
        Ridge penalties ``λ > 0`` on the **mean-loss scale** (the penalty added to
        ``‖y − Xθ‖²/n``, ``Σ̂ = XᵀX/n``; the summed-loss λ of the data functions divided by
        ``n``, see :func:`lam_to_mse_scale`).
    weights : array_like, shape (m,), optional
        Fraction of the ``p`` directions with eigenvalue ``s_j`` (sum 1), e.g. from
        :func:`two_level_spectrum`; default ``1/m`` (each eigenvalue once, ``p = m``).

    Returns
    -------
    pandas.DataFrame
        One row per ``λ``; columns ``lam, kappa, R, C, R_pd, D, xi_star, R_sd, gain``.
        ``R, C, R_pd, R_sd`` are **fresh-point risks** ``E(xᵀθ̂ − y)² = ‖θ̂ − θ*‖²_Σ + σ²``
        at a new population point (deterministic equivalents); ``D = ‖θ̂_λ − θ̂_pd‖²_Σ``;
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
    ``R̄*_sd = R̄ − (R̄ − C̄)²/D̄``. These are algebraically identical to the stepwise recipe
    (``u_2 = t_2b``, ``u_3 = t_3b³``, ``u_4 = t_4b⁴ + 2t_3²b⁵``, ``E = κ − bλ + b²κλt_3``,
    ``a_2 = bE² + b⁴κ²λ²t_4 + b⁵κ²λ²t_3²`` …; verified symbolically in
    :mod:`sdtheory.asymptotics._symbolic`), but ``R̄ − C̄`` and ``D̄`` are formed directly
    rather than as differences of nearly equal risks, so ``ξ̄*`` keeps full precision near the
    ridge optimum and for large ``λ``. Both follow from differentiating the two-penalty cross
    risk ``F(λ_1, λ_2)`` (module docstring). ``R̄ − C̄`` is evaluated as
    ``λb³[t_3σ² + γκ³X − λP_2]`` with ``X = Σ_{ij} w_j e_i s_i s_j g_i³g_j³(s_j − s_i)``
    (the fixed point removes the O(1) part of ``b t_3κ²q_2 − κP_2``), so it keeps full
    relative precision as ``λ → 0`` and equals the isotropic closed form for one level.
    Where ``D̄ = 0`` (no signal, no noise) ``ξ̄* = 0``.
    See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression: Strict
    Improvements, Precise Asymptotics, and One-Shot Tuning", ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> df = asymptotic_risks([1.0], [1.0], noise=0.5, aspect_ratio=0.5, lam=[0.05, 0.25, 1.0])
    >>> df["xi_star"].round(6).tolist()[1]    # λ = γσ²/r² is ridge-optimal: ξ* = 0
    0.0
    >>> bool((df["R_sd"] <= df["R"]).all())
    True
    """
    s, e, w = check_spectrum(cov_eigvals, signal_energy, weights)
    sigma2 = check_noise(noise)
    gamma = check_gamma(aspect_ratio)
    lam = check_lam(lam)
    return _risks(s, e, w, gamma, sigma2, lam)[COLUMNS]
