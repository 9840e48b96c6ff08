r"""Closed-form deterministic equivalents for isotropic features (``Σ = I``).

With one eigenvalue the κ fixed point is a quadratic and every quantity of
:func:`sdtheory.asymptotics.asymptotic_risks` is an explicit rational function of
``u = 1 + κ``. λ is on the mean-loss scale. See the theory page :doc:`/theory/asymptotics`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import check_positive, check_scalar
from ._spectra import check_gamma, check_lam, check_noise

__all__ = ["isotropic_kappa", "isotropic_asymptotics"]


def isotropic_kappa(*, aspect_ratio, lam):
    r"""Closed-form ``κ(λ)`` for ``Σ = I``: ``κ = ½[λ + γ − 1 + √((1 − λ − γ)² + 4λ)]``.

    Parameters
    ----------
    aspect_ratio : float
        ``γ = p/n`` in ``(0, inf)``.
    lam : float or array_like
        Penalties ``λ > 0`` on the **mean-loss scale** (summed-loss λ divided by ``n``).

    Returns
    -------
    float or ndarray
        ``κ(λ)``, the shape of ``lam``.

    Notes
    -----
    The positive root of ``κ² + κ(1 − λ − γ) − λ = 0``, evaluated in a cancellation-free form
    (``2λ/(√(…) − (λ + γ − 1))`` when ``λ + γ − 1 < 0``). See the theory page
    :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> round(isotropic_kappa(aspect_ratio=2.0, lam=1e-12), 6)     # γ > 1, λ → 0: κ → γ − 1
    1.0
    """
    gamma = check_gamma(aspect_ratio)
    lam_arr = check_positive(lam, "lam")
    a = lam_arr + gamma - 1.0
    root = np.sqrt((1.0 - lam_arr - gamma) ** 2 + 4.0 * lam_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(a >= 0, 0.5 * (a + root), 2.0 * lam_arr / (root - a))
    return float(k) if k.ndim == 0 else k


def isotropic_asymptotics(*, aspect_ratio, noise, signal_norm_sq, lam):
    r"""Explicit deterministic equivalents for isotropic features (``Σ = I``, ``‖θ*‖² = r²``).

    Parameters
    ----------
    aspect_ratio : float
        ``γ = p/n`` in ``(0, inf)``.
    noise : float
        Label-noise variance ``σ²`` in ``[0, inf)``.
    signal_norm_sq : float
        ``r² = ‖θ*‖²`` in ``[0, inf)``.
    lam : float or array_like, shape (L,)
        Penalties ``λ > 0`` on the **mean-loss scale** (summed-loss λ divided by ``n``).

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`asymptotic_risks`; ``R, C, R_pd, R_sd`` are fresh-point risks
        ``‖θ̂ − θ*‖²_Σ + σ²`` (deterministic equivalents).

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

    sympy re-derives all five from the general recipe with one atom
    ``s = 1`` (:func:`sdtheory.asymptotics._symbolic.isotropic_closed_form`, tested). The sign
    of ``ξ̄*`` changes exactly at the ridge optimum ``λ = γσ²/r²``, where the gain is 0; since
    that λ minimizes ``R̄`` and ``R̄*_sd ≥`` the best ridge there, isotropic SD never beats the
    best-tuned ridge. ``u² − γ > 0`` always (``b = u²/(u² − γ) > 0``).
    See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> df = isotropic_asymptotics(aspect_ratio=0.5, noise=1.0, signal_norm_sq=1.0, lam=0.5)
    >>> # λ = γσ²/r² is the ridge optimum: no gain
    >>> float(df["gain"].iloc[0])
    0.0
    """
    gamma = check_gamma(aspect_ratio)
    sigma2 = check_noise(noise)
    r2 = check_scalar(signal_norm_sq, "signal_norm_sq", low=0.0)
    lam = check_lam(lam)
    k = np.asarray(isotropic_kappa(aspect_ratio=gamma, lam=lam), float).reshape(lam.shape)
    u = 1.0 + k
    den = u * u - gamma
    # the risks are homogeneous of degree 1 in (r², σ²): scale the larger to 1 (no underflow of
    # the squares below) and scale the risks back at the end
    scale = max(r2, sigma2)
    scale = scale if scale > 0 else 1.0
    r2, sigma2 = r2 / scale, sigma2 / scale
    P = r2 * ((u - gamma) ** 2 + gamma * k * k) + gamma * sigma2 * (u * u + gamma)
    lin = gamma * sigma2 - lam * r2
    R = sigma2 + (gamma * sigma2 + k * k * r2) / den
    N = lam * u**3 * lin / den**3
    D = lam**2 * u**4 * P / den**5
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = P > 0
        xi = np.where(pos, den**2 * lin / (lam * u * np.where(pos, P, 1.0)), 0.0)
        gain = np.where(pos, u * u * lin**2 / (den * np.where(pos, P, 1.0)), 0.0)
        # R − gain over the common denominator (u² − γ)P, expanded and factored in sympy: no
        # cancellation between R and the gain where the optimal SD risk is far below R
        excess = gamma * (
            r2 * r2 * k**4
            + gamma * gamma * sigma2 * (r2 + sigma2)
            + r2 * sigma2 * (u**4 - 4.0 * gamma * u + 2.0 * gamma)
        )
        R_sd = np.where(pos, sigma2 + excess / (den * np.where(pos, P, 1.0)), R)
    R, N, D, gain, R_sd = (x * scale for x in (R, N, D, gain, R_sd))
    C = R - N
    return pd.DataFrame(
        {
            "lam": lam,
            "kappa": k,
            "R": R,
            "C": C,
            "R_pd": R + D - 2.0 * N,
            "D": D,
            "xi_star": xi,
            "R_sd": R_sd,
            "gain": gain,
        }
    )
