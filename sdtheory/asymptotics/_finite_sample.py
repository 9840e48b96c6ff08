r"""Exact finite-sample self-distillation quantities on given data (fresh-point risks).

Setting: data ``X`` (n × p), labels ``y``; the teacher minimizes ``‖y − Xθ‖² + λ‖θ‖²``
(summed-loss λ, scikit-learn's ``alpha``). Writing ``Σ̂ = XᵀX/n`` and ``λ_m = λ/n``:
``θ_λ = (Σ̂ + λ_mI)⁻¹Xᵀy/n``, ``θ_pd = (Σ̂ + λ_mI)⁻¹Σ̂θ_λ``, student
``θ_{λ,ξ} = (1 − ξ)θ_λ + ξθ_pd``.

One eigendecomposition (thin SVD of ``X``) serves a whole λ grid: with ``X = USVᵀ``,
``z = SUᵀy/n`` and ``e_j = S_j²/n``, ``θ_λ = V(z/(e + λ_m))`` and ``θ_pd = V(e∘z/(e + λ_m)²)``.
See the theory page :doc:`/theory/asymptotics`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import (
    check_choice,
    check_matrix,
    check_nonneg,
    check_psd,
    check_scalar,
    check_vector,
)
from ._spectra import check_lam

__all__ = ["finite_sample_sd"]

FS_COLUMNS = ["lam", "R", "C", "R_pd", "D", "xi_star", "R_sd", "gain"]


def check_test_cov(test_cov, p):
    """``test_cov`` as a PSD ``(p, p)`` matrix or a non-negative ``(p,)`` diagonal."""
    if test_cov is None or isinstance(test_cov, (str, bytes)):
        raise TypeError(
            f"test_cov must be the ({p}, {p}) PSD covariance of a fresh test point or its ({p},) "
            f"diagonal (entries >= 0), got {type(test_cov).__name__}"
        )
    if np.ndim(test_cov) == 1:
        W = check_nonneg(test_cov, "test_cov")
        if W.shape != (p,):
            raise ValueError(f"test_cov must have shape ({p},) or ({p}, {p}), got {W.shape}")
        return W
    W = check_psd(test_cov, "test_cov")
    if W.shape != (p, p):
        raise ValueError(f"test_cov must have shape ({p},) or ({p}, {p}), got {W.shape}")
    return W


def check_Xy(X, y, *, y_optional=False):
    """``X`` (finite, 2-D) and ``y`` (finite, length n), each error naming its argument."""
    X = check_matrix(X, "X")
    n = X.shape[0]
    if y is None:
        if not y_optional:
            raise TypeError(f"y must be an array of n = {n} finite labels, got None")
        return X, None
    y = check_vector(y, "y")
    if y.shape[0] != n:
        raise ValueError(f"y must have length n = X.shape[0] = {n}, got {y.shape[0]}")
    return X, y


def svd(X):
    """Thin SVD ``X = U diag(S) Vᵀ`` (non-zero part) and ``e = S²/n``.

    Via ``eigh`` of the smaller Gram matrix (several times faster than LAPACK gesdd here).
    Eigenvalues below ``max(n, p)·eps·e_max`` count as zero, so an eigenvalue ``e_j`` carries
    absolute error ~``eps·e_max``, harmless against ``λ`` in ``1/(e_j + λ)``.
    """
    n, p = X.shape
    if n >= p:
        e, V = np.linalg.eigh(X.T @ X / n)
    else:
        e, U = np.linalg.eigh(X @ X.T / n)
    e, order = e[::-1], slice(None, None, -1)
    tol = max(n, p) * np.finfo(float).eps * max(e[0], 0.0)
    keep = e > tol
    if not keep.any():
        raise ValueError("X has rank 0 (all singular values are zero); nothing can be fitted")
    e = e[keep]
    S = np.sqrt(n * e)
    if n >= p:
        V = V[:, order][:, keep]
        U = (X @ V) / S
    else:
        U = U[:, order][:, keep]
        V = (X.T @ U) / S
    return U, S, V, e


def safe_div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def _finish(lam, R, N, D):
    xi = safe_div(N, D)
    gain = safe_div(N * N, D)
    return pd.DataFrame(
        {
            "lam": lam,
            "R": R,
            "C": R - N,
            "R_pd": R + D - 2.0 * N,
            "D": D,
            "xi_star": xi,
            "R_sd": R - gain,
            "gain": gain,
        }
    )


def finite_sample_sd(
    X, y, theta_star, *, lam, noise, test_cov, test_signal=None, average="realized"
):
    r"""Exact finite-sample fresh-point risks ``R, C, R_pd``, ``D``, ``ξ*``, optimal SD risk, gain.

    Parameters
    ----------
    X : array_like, shape (n, p)
        Training design.
    y : array_like, shape (n,) or None
        Training labels (the realized ones). Ignored (may be ``None``) when
        ``average="noise"``.
    theta_star : array_like, shape (p,)
        True coefficients θ* generating the training labels (finite).
    lam : float or array_like, shape (L,)
        Penalties ``λ > 0`` on the **summed-loss scale**: the teacher minimizes
        ``‖y − Xθ‖² + λ‖θ‖²`` (scikit-learn's ``alpha``), the same λ as every other function
        that takes data.
    noise : float
        Label-noise variance ``σ²`` in ``[0, inf)``: the irreducible error of the fresh test
        label ``x̃ᵀθ_test + ε̃`` (``Var ε̃ = σ²``), added to every risk; with
        ``average="noise"`` it is also the training-noise variance averaged over.
    test_cov : array_like, shape (p, p) or (p,)
        Covariance Σ of the fresh test point ``x̃`` (a vector means a diagonal matrix; PSD).
        Required: the population Σ gives the in-distribution risk, another PSD matrix a
        covariate-shifted one.
    test_signal : array_like, shape (p,), optional
        Coefficients generating the test labels (default ``theta_star``; another vector gives a
        signal-shifted, out-of-distribution risk).
    average : {"realized", "noise"}
        ``"realized"``: exact risks **conditional on the realized (X, y)** — the risk of the
        fitted estimators on a fresh test point, no expectation over the training noise.
        ``"noise"``: exact expectations over the training label noise given ``X``
        (``E ε = 0``, ``Cov ε = σ²I``), computed in closed form; averaging the ``"realized"``
        values over noise draws converges to these (tested).

    Returns
    -------
    pandas.DataFrame
        One row per ``λ`` (summed-loss scale): ``lam, R, C, R_pd, D, xi_star, R_sd, gain``.
        ``R, C, R_pd, R_sd`` are **fresh-point risks**
        ``E(x̃ᵀθ̂ − ỹ)² = ‖θ̂ − θ_test‖²_Σ + σ²`` at a new point ``x̃ ~ (0, Σ = test_cov)``,
        given the training data (``"realized"``) or averaged over the training label noise
        (``"noise"``). ``D = ‖θ_λ − θ_pd‖²_Σ``. The fixed-design risk (no σ², ``X`` fixed) is
        :func:`sdtheory.sd_risk`; with ``average="noise"``, ``R − σ²`` equals it for
        ``weights=test_cov``.

    Notes
    -----
    With ``Σ̂ = XᵀX/n`` and ``λ_m = λ/n`` (mean-loss scale) the teacher is
    ``θ_λ = (Σ̂ + λ_mI)⁻¹Xᵀy/n`` and the pure-distilled fit ``θ_pd = (Σ̂ + λ_mI)⁻¹Σ̂θ_λ``.
    With ``d_λ = θ_λ − θ_test``, ``d_pd = θ_pd − θ_test`` and ``W`` = ``test_cov``:
    ``R = ‖d_λ‖²_W + σ²``, ``C = d_λᵀWd_pd + σ²``, ``R_pd = ‖d_pd‖²_W + σ²``,
    ``D = ‖θ_λ − θ_pd‖²_W``. The student's risk is exactly
    ``R(ξ) = R − 2ξ(R − C) + ξ²D``, so ``ξ* = (R − C)/D``, ``R*_sd = R − (R − C)²/D`` and the
    gain is ``(R − C)²/D``. Because ``θ_λ − θ_pd = λ_m(Σ̂ + λ_mI)⁻¹θ_λ = −λ∂_λθ_λ``,
    ``R − C = −λR'(λ)/2`` holds exactly (for either ``average``), so ``ξ* = −λR'(λ)/(2D)``:
    strict improvement wherever ``R'(λ) ≠ 0``. ``R − C`` and ``D`` are formed directly
    (no subtraction of nearly equal risks). Where ``D = 0``, ``ξ* = 0``.
    See the theory page :doc:`/theory/asymptotics`.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 20)); theta_star = rng.standard_normal(20) / 4
    >>> y = X @ theta_star + rng.standard_normal(50)
    >>> df = finite_sample_sd(X, y, theta_star, lam=[5.0, 50.0], noise=1.0, test_cov=np.ones(20))
    >>> bool(((df.R - df.C) / df.D - df.xi_star).abs().max() < 1e-12)
    True
    >>> bool((df.R_sd <= df.R).all())
    True
    """
    check_choice(average, "average", {"realized", "noise"})
    X, y = check_Xy(X, y, y_optional=(average == "noise"))
    n, p = X.shape
    theta = check_vector(theta_star, "theta_star", length=p)
    lam_sum = check_lam(lam)
    lam = lam_sum / n  # mean-loss scale inside
    sigma2 = check_scalar(noise, "noise", low=0.0)
    bt = theta if test_signal is None else check_vector(test_signal, "test_signal", length=p)
    W = check_test_cov(test_cov, p)

    def wmul(A):
        return W[:, None] * A if W.ndim == 1 else W @ A

    U, S, V, e = svd(X)
    Lc = lam[None, :]
    f_t = 1.0 / (e[:, None] + Lc)  # teacher: θ_λ = V (z ∘ f_t)
    f_pd = e[:, None] * f_t * f_t  # pure-distilled
    f_d = Lc * f_t * f_t  # θ_λ − θ_pd = V (z ∘ λ/(e+λ)²)
    if average == "realized":
        z = S * (U.T @ y) / n
        B_t = V @ (z[:, None] * f_t)  # p × L
        B_pd = V @ (z[:, None] * f_pd)
        dl = B_t - bt[:, None]
        dd = B_t - B_pd
        Wdl, Wdd = wmul(dl), wmul(dd)
        R = (dl * Wdl).sum(0) + sigma2
        N = (dd * Wdl).sum(0)  # R − C = (θ_λ − θ_t)ᵀW(θ_λ − θ_pd)
        D = (dd * Wdd).sum(0)
    else:
        # θ_λ = H_λ y with H_λ = V diag(S f_t / n) Uᵀ; E over ε: bias part with y → Xθ, plus
        # σ² tr(H_1ᵀ W H_2) = σ² Σ_j (S_j/n)² f1_j f2_j M_jj,  M = VᵀWV.
        z = S * (U.T @ (X @ theta)) / n
        B_t = V @ (z[:, None] * f_t)
        B_pd = V @ (z[:, None] * f_pd)
        dl = B_t - bt[:, None]
        dd = B_t - B_pd
        Wdl, Wdd = wmul(dl), wmul(dd)
        if W.ndim == 1:
            Mjj = (V * V * W[:, None]).sum(0)
        else:
            Mjj = (V * (W @ V)).sum(0)
        h = (S / n) ** 2 * Mjj  # = e_j M_jj / n
        R = (dl * Wdl).sum(0) + sigma2 + sigma2 * (h[:, None] * f_t * f_t).sum(0)
        N = (dd * Wdl).sum(0) + sigma2 * (h[:, None] * f_t * f_d).sum(0)
        D = (dd * Wdd).sum(0) + sigma2 * (h[:, None] * f_d * f_d).sum(0)
    return _finish(lam_sum, R, N, D)
