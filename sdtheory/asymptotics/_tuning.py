r"""Finite-sample self-distillation quantities on data, and one-shot data-driven ``ξ``.

Setting: data ``X`` (n × p), labels ``y``; ``Σ̂ = XᵀX/n``; teacher
``β_λ = (Σ̂ + λI)⁻¹Xᵀy/n``; pure-distilled ``β_pd = (Σ̂ + λI)⁻¹Σ̂β_λ``; student
``β_{λ,ξ} = (1 − ξ)β_λ + ξβ_pd``.

**λ scale.** Every ``lam`` here is on the *mean-squared-error* scale (penalty on
``‖y − Xb‖²/n``), i.e. the fixed-design λ of :mod:`sdtheory.ridge._risk` divided by ``n``; convert with
:func:`sdtheory.lam_to_fixed_design` / :func:`sdtheory.lam_to_mse_scale`.

One eigendecomposition (thin SVD of ``X``) serves a whole λ grid: with ``X = USVᵀ``,
``z = SUᵀy/n`` and ``e_j = S_j²/n``, ``β_λ = V(z/(e + λ))`` and ``β_pd = V(e∘z/(e + λ)²)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import check_choice, check_int, check_matrix, check_nonneg, check_positive, check_psd, check_vector

__all__ = ["finite_sample_sd", "one_shot_xi", "cv_xi"]

_FS_COLUMNS = ["lam", "R", "C", "R_pd", "D", "xi_star", "R_sd", "gain"]


def _check_lam(lam):
    lam = check_positive(lam, "lam")
    if lam.ndim > 1:
        raise ValueError(f"lam must be a scalar or 1-D, got shape {lam.shape}")
    return np.atleast_1d(lam)


def _check_Xy(X, y, *, y_optional=False):
    X = check_matrix(X, "X")
    n = X.shape[0]
    if y is None:
        if not y_optional:
            raise TypeError("y must be an array of n labels, got None")
        return X, None
    y = check_vector(y, "y")
    if y.shape[0] != n:
        raise ValueError(f"y must have length n = X.shape[0] = {n}, got {y.shape[0]}")
    return X, y


def _svd(X):
    """Thin SVD ``X = U diag(S) Vᵀ`` (non-zero part) and ``e = S²/n``, via ``eigh`` of the smaller Gram
    matrix (several times faster than LAPACK gesdd here; eigenvalues below ``max(n, p)·eps·e_max``
    count as zero, so an eigenvalue ``e_j`` carries absolute error ~``eps·e_max``, harmless
    against ``λ`` in ``1/(e_j + λ)``)."""
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


def _safe_div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def _finish(lam, R, N, D):
    xi = _safe_div(N, D)
    gain = _safe_div(N * N, D)
    return pd.DataFrame(
        {"lam": lam, "R": R, "C": R - N, "R_pd": R + D - 2.0 * N, "D": D, "xi_star": xi,
         "R_sd": R - gain, "gain": gain}
    )


def finite_sample_sd(X, y, beta, lam, noise, test_cov=None, *, test_signal=None,
                     average="realized"):
    r"""Exact finite-sample ``R, C, R_pd, D``, ``ξ*``, optimal SD risk and gain on given data.

    Parameters
    ----------
    X : array_like, shape (n, p)
        Training design.
    y : array_like, shape (n,) or None
        Training labels (the realized ones). Ignored (may be ``None``) when
        ``average="noise"``.
    beta : array_like, shape (p,)
        True coefficients generating the training labels.
    lam : float or array_like, shape (L,)
        Penalties ``λ > 0`` on the **mean-squared-error scale** (fixed-design λ / n).
    noise : float
        Label-noise variance ``σ² ≥ 0``: added to every risk as the irreducible test error (the
        test label is ``x̃ᵀβ_test + ε̃``, ``Var ε̃ = σ²``); with ``average="noise"`` it is also
        the training-noise variance averaged over.
    test_cov : array_like, shape (p, p) or (p,), optional
        Covariance of the test features (a vector means a diagonal matrix). Pass the population
        Σ for the in-distribution risk, another PSD matrix for a covariate-shifted risk.
        Default: the identity (``‖β̂ − β_test‖² + σ²``).
    test_signal : array_like, shape (p,), optional
        Coefficients generating the test labels (default ``beta``; another vector gives a
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
        One row per ``λ``: ``lam, R, C, R_pd, D, xi_star, R_sd, gain``.

    Notes
    -----
    With ``d_λ = β_λ − β_test``, ``d_pd = β_pd − β_test`` and ``W`` = ``test_cov``:
    ``R = ‖d_λ‖²_W + σ²``, ``C = d_λᵀWd_pd + σ²``, ``R_pd = ‖d_pd‖²_W + σ²``,
    ``D = ‖β_λ − β_pd‖²_W``. The student's risk is exactly
    ``R(ξ) = R − 2ξ(R − C) + ξ²D``, so ``ξ* = (R − C)/D``, ``R*_sd = R − (R − C)²/D`` and the
    gain is ``(R − C)²/D``. Because ``β_λ − β_pd = λ(Σ̂ + λI)⁻¹β_λ = −λ∂_λβ_λ``,
    ``R − C = −λR'(λ)/2`` holds exactly (for either ``average``), so ``ξ* = −λR'(λ)/(2D)``:
    strict improvement wherever ``R'(λ) ≠ 0``. ``R − C`` and ``D`` are formed directly
    (no subtraction of nearly equal risks). Where ``D = 0``, ``ξ* = 0``.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 20)); beta = rng.standard_normal(20) / 4
    >>> y = X @ beta + rng.standard_normal(50)
    >>> df = finite_sample_sd(X, y, beta, [0.1, 1.0], noise=1.0)
    >>> bool(((df.R - df.C) / df.D - df.xi_star).abs().max() < 1e-12)
    True
    >>> bool((df.R_sd <= df.R).all())
    True
    """
    check_choice(average, "average", {"realized", "noise"})
    X, y = _check_Xy(X, y, y_optional=(average == "noise"))
    n, p = X.shape
    beta = check_vector(beta, "beta", length=p)
    lam = _check_lam(lam)
    sigma2 = check_nonneg(noise, "noise")
    if sigma2.ndim != 0:
        raise ValueError(f"noise must be a scalar variance σ² >= 0, got shape {sigma2.shape}")
    sigma2 = float(sigma2)
    bt = beta if test_signal is None else check_vector(test_signal, "test_signal", length=p)
    if test_cov is None:
        W = None
    else:
        tc = np.asarray(test_cov, dtype=float) if not isinstance(test_cov, str) else test_cov
        if np.ndim(tc) == 1:
            W = check_nonneg(tc, "test_cov")
            if W.shape != (p,):
                raise ValueError(f"test_cov must have shape ({p},) or ({p}, {p}), got {W.shape}")
        else:
            W = check_psd(test_cov, "test_cov")
            if W.shape != (p, p):
                raise ValueError(f"test_cov must have shape ({p},) or ({p}, {p}), got {W.shape}")

    def wmul(A):
        if W is None:
            return A
        return W[:, None] * A if W.ndim == 1 else W @ A

    U, S, V, e = _svd(X)
    Lc = lam[None, :]
    f_t = 1.0 / (e[:, None] + Lc)  # teacher: β_λ = V (z ∘ f_t)
    f_pd = e[:, None] * f_t * f_t  # pure-distilled
    f_d = Lc * f_t * f_t  # β_λ − β_pd = V (z ∘ λ/(e+λ)²)
    if average == "realized":
        z = S * (U.T @ y) / n
        B_t = V @ (z[:, None] * f_t)  # p × L
        B_pd = V @ (z[:, None] * f_pd)
        dl = B_t - bt[:, None]
        dd = B_t - B_pd
        Wdl, Wdd = wmul(dl), wmul(dd)
        R = (dl * Wdl).sum(0) + sigma2
        N = (dd * Wdl).sum(0)  # R − C = (β_λ − β_t)ᵀW(β_λ − β_pd)
        D = (dd * Wdd).sum(0)
    else:
        # β_λ = H_λ y with H_λ = V diag(S f_t / n) Uᵀ; E over ε: bias part with y → Xβ, plus
        # σ² tr(H_1ᵀ W H_2) = σ² Σ_j (S_j/n)² f1_j f2_j M_jj,  M = VᵀWV.
        z = S * (U.T @ (X @ beta)) / n
        B_t = V @ (z[:, None] * f_t)
        B_pd = V @ (z[:, None] * f_pd)
        dl = B_t - bt[:, None]
        dd = B_t - B_pd
        Wdl, Wdd = wmul(dl), wmul(dd)
        if W is None:
            Mjj = np.ones(e.size)
        elif W.ndim == 1:
            Mjj = (V * V * W[:, None]).sum(0)
        else:
            Mjj = (V * (W @ V)).sum(0)
        h = (S / n) ** 2 * Mjj  # = e_j M_jj / n
        R = (dl * Wdl).sum(0) + sigma2 + sigma2 * (h[:, None] * f_t * f_t).sum(0)
        N = (dd * Wdl).sum(0) + sigma2 * (h[:, None] * f_t * f_d).sum(0)
        D = (dd * Wdd).sum(0) + sigma2 * (h[:, None] * f_d * f_d).sum(0)
    return _finish(lam, R, N, D)


def _gcv_parts(X, y, lam, svd=None):
    n = X.shape[0]
    U, S, V, e = _svd(X) if svd is None else svd
    Lc = lam[None, :]
    a = e[:, None] / (e[:, None] + Lc)  # eigenvalues of M = (Σ̂ + λ)⁻¹Σ̂
    df1 = a.sum(0) / n
    df2 = (a * a).sum(0) / n
    uy = U.T @ y
    # fitted values: Xβ_λ = U (a ∘ Uᵀy), Xβ_pd = U (a² ∘ Uᵀy); residuals y − fit
    y_perp = y - U @ uy
    r1 = y_perp[:, None] + U @ ((1.0 - a) * uy[:, None])
    r2 = y_perp[:, None] + U @ ((1.0 - a * a) * uy[:, None])
    return r1, r2, df1, df2


def one_shot_xi(X, y, lam, *, uncertainty="delta", method="corrected"):
    r"""One-shot estimate of ``ξ*(λ)`` and of the optimal SD risk from one dataset (no split, no refit).

    Parameters
    ----------
    X : array_like, shape (n, p)
        Design.
    y : array_like, shape (n,)
        Labels.
    lam : float or array_like, shape (L,)
        Penalties ``λ > 0`` on the **mean-squared-error scale** (fixed-design λ / n). One thin
        SVD of ``X`` serves the whole grid.
    uncertainty : {"delta", "none"}
        ``"delta"`` adds standard errors ``xi_se`` and ``R_sd_se`` (see Notes).
    method : {"corrected", "gcv"}
        ``"corrected"`` (default): the consistent estimator derived below. ``"gcv"``: the
        theory note's plain-GCV version, kept for comparison; it is **not consistent** (its
        ``R̂_pd`` and ``Ĉ`` carry an O(1) bias, see Notes).

    Returns
    -------
    pandas.DataFrame
        One row per ``λ``: ``lam, xi_hat, R_sd_hat, R_hat, C_hat, R_pd_hat, D_hat, df1, df2``
        and, with ``uncertainty="delta"``, ``xi_se, R_sd_se``. ``R_hat``, ``C_hat``,
        ``R_pd_hat``, ``D_hat`` estimate the prediction risks ``R, C, R_pd`` (including ``σ²``)
        and ``D`` of :func:`finite_sample_sd` with ``test_cov = Σ``.

    Notes
    -----
    Let ``M = (Σ̂ + λI)⁻¹Σ̂``, ``df_1 = tr(M)/n``, ``df_2 = tr(M²)/n``, ``d = 1 − df_1``,
    ``δ = df_1 − df_2`` and residuals ``r_1 = y − Xβ_λ``, ``r_2 = y − Xβ_pd``.

    *Corrected estimator.* The two-penalty GCV cross estimator
    ``F̂(λ_1, λ_2) = r_{λ_1}ᵀr_{λ_2}/(n\,d(λ_1)d(λ_2))`` estimates the cross risk
    ``⟨β_{λ_1} − β, β_{λ_2} − β⟩_Σ + σ²`` consistently, and since ``β_pd = β_λ + λ∂_λβ_λ``
    exactly, ``R − C = −λ∂_{λ_2}F`` and ``D = λ²∂²_{λ_1λ_2}F``. Differentiating ``F̂``
    (``λ∂_λ r_λ = r_2 − r_1``, ``λ∂_λ d = δ``) gives, with the corrected difference
    ``Δ̂ = (r_2 − r_1)/d − δ r_1/d²``:

    .. math::
        R̂ = \frac{‖r_1‖²}{n d²},\quad R̂ − Ĉ = −\frac{r_1ᵀΔ̂}{n d},\quad
        D̂ = \frac{‖Δ̂‖²}{n},\quad R̂_{pd} = \frac{‖r_2 − (δ/d) r_1‖²}{n d²},

    ``ξ̂ = (R̂ − Ĉ)/D̂`` and ``R̂*_sd = R̂ − (R̂ − Ĉ)²/D̂`` (``D̂ ≥ 0`` by construction).

    *Theory note's version* (``method="gcv"``): ``Â = R̂``,
    ``B̂ = (‖r_2‖²/n)/(1 − df_2)²``, ``Ĉ = (r_1ᵀr_2/n)/((1 − df_1)(1 − df_2))``,
    ``ξ̂ = (Â − Ĉ)/(Â + B̂ − 2Ĉ)``, ``R̂*_sd = (ÂB̂ − Ĉ²)/(Â + B̂ − 2Ĉ)``. Plain GCV with
    ``df = tr(S)/n`` is exact in the limit for ridge smoothers but not for
    ``S_pd = XΣ̂(Σ̂ + λI)⁻²Xᵀ/n``: in random-design simulation (γ = 1/2, p = 200 and 800) its
    ``D̂`` is 2–3 % low and ``ξ̂`` off by 0.1–0.4, with no decrease from p = 200 to 800,
    while the corrected ``D̂`` and ``ξ̂`` agree with the deterministic equivalents within Monte
    Carlo error (tests in ``tests/test_asymptotics_mc.py``).

    *Uncertainty* (``"delta"``): ``R̂, R̂ − Ĉ, D̂`` (resp. ``Â, B̂, Ĉ``) are means over rows
    of per-row terms; their covariance is the sample covariance of those terms divided by ``n``
    (rows treated as exchangeable, degrees of freedom fixed), pushed through the gradients of
    ``ξ̂`` and ``R̂*_sd`` (delta method). It captures the label-noise part of the spread and
    ignores design fluctuation; the tests find it within a factor ~1.5 of the spread of ``ξ̂``
    over independent datasets. Where ``λ`` is so small that ``df_1 → 1`` (``p ≥ n``), the
    estimates are unstable.

    References
    ----------
    Dang, Patil & Rinaldo, ICML 2026, arXiv:2602.17565 (one-shot tuning); Golub, Heath & Wahba,
    Technometrics 1979 (GCV); Patil, Wei, Rinaldo & Tibshirani, AISTATS 2021 (GCV consistency
    for ridge in the proportional regime).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = rng.standard_normal((400, 200)); beta = rng.standard_normal(200) / 200**0.5
    >>> y = X @ beta + 2.0 * rng.standard_normal(400)
    >>> df = one_shot_xi(X, y, [0.1, 1.0, 10.0])
    >>> list(df.columns[:3])
    ['lam', 'xi_hat', 'R_sd_hat']
    >>> bool((df.R_sd_hat <= df.R_hat).all())
    True
    """
    check_choice(uncertainty, "uncertainty", {"delta", "none"})
    check_choice(method, "method", {"corrected", "gcv"})
    X, y = _check_Xy(X, y)
    lam = _check_lam(lam)
    n = X.shape[0]
    r1, r2, df1, df2 = _gcv_parts(X, y, lam)
    d = 1.0 - df1
    if method == "corrected":
        delta = df1 - df2
        Dl = (r2 - r1) / d - r1 * (delta / d**2)
        t_R = r1 * r1 / d**2
        t_N = -r1 * Dl / d
        t_D = Dl * Dl
        R, N, D = t_R.mean(0), t_N.mean(0), t_D.mean(0)
        xi = _safe_div(N, D)
        R_sd = R - _safe_div(N * N, D)
        comps = (t_R, t_N, t_D)
        with np.errstate(divide="ignore", invalid="ignore"):
            g_xi = np.stack([np.zeros_like(D), 1.0 / D, -N / D**2], -1)
            g_r = np.stack([np.ones_like(D), -2.0 * N / D, (N / D) ** 2], -1)
    else:
        d2 = 1.0 - df2
        a_i = r1 * r1 / (d * d)
        b_i = r2 * r2 / (d2 * d2)
        c_i = r1 * r2 / (d * d2)
        A, B, C = a_i.mean(0), b_i.mean(0), c_i.mean(0)
        Dn = A + B - 2.0 * C
        num = A * B - C * C
        R, N, D = A, A - C, Dn
        xi = _safe_div(A - C, Dn)
        R_sd = np.where(Dn > 0, _safe_div(num, Dn), A)
        comps = (a_i, b_i, c_i)
        with np.errstate(divide="ignore", invalid="ignore"):
            D2 = Dn * Dn
            g_xi = np.stack([(Dn - (A - C)) / D2, -(A - C) / D2, (2.0 * (A - C) - Dn) / D2], -1)
            g_r = np.stack([(B * Dn - num) / D2, (A * Dn - num) / D2, (-2.0 * C * Dn + 2.0 * num) / D2], -1)
    out = pd.DataFrame(
        {"lam": lam, "xi_hat": xi, "R_sd_hat": R_sd, "R_hat": R, "C_hat": R - N,
         "R_pd_hat": R + D - 2.0 * N, "D_hat": D, "df1": df1, "df2": df2}
    )
    if uncertainty == "delta":
        cs = np.stack(comps, axis=0)  # 3 × n × L
        cen = cs - cs.mean(1, keepdims=True)
        cov = np.einsum("inl,jnl->lij", cen, cen) / (n - 1) / n  # L × 3 × 3
        g_xi = np.nan_to_num(g_xi, nan=0.0, posinf=0.0, neginf=0.0)
        g_r = np.nan_to_num(g_r, nan=0.0, posinf=0.0, neginf=0.0)
        out["xi_se"] = np.sqrt(np.clip(np.einsum("li,lij,lj->l", g_xi, cov, g_xi), 0, None))
        out["R_sd_se"] = np.sqrt(np.clip(np.einsum("li,lij,lj->l", g_r, cov, g_r), 0, None))
    return out


def cv_xi(X, y, lam, *, folds=5, xi=None, seed=0):
    r"""K-fold cross-validation of ``(λ, ξ)`` for the one-step student (the usual baseline).

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,)
    lam : float or array_like, shape (L,)
        Penalties on the **mean-squared-error scale** (each training fold uses
        ``Σ̂ = X_trᵀX_tr/n_tr``).
    folds : int
        Number of folds ``K ≥ 2`` (at most ``n``).
    xi : array_like, shape (Ξ,), optional
        A grid of ``ξ`` values; if given, the CV error on the whole ``(λ, ξ)`` grid is returned
        in the ``attrs["grid"]`` of the result (array ``L × Ξ``) and the best grid point in
        ``attrs["best"]``.
    seed : int
        Seed of the random fold assignment.

    Returns
    -------
    pandas.DataFrame
        One row per ``λ``: ``lam, cv_R`` (teacher), ``cv_C``, ``cv_R_pd``, ``xi_cv`` (the exact
        minimizer of the CV error in ``ξ``), ``cv_R_sd`` (its CV error). ``attrs["best"]``
        holds the best ``(lam, xi, cv_error)`` over λ (and over the ``xi`` grid if given).

    Notes
    -----
    The student's held-out predictions are ``(1 − ξ)ŷ_T + ξŷ_pd``, so the pooled held-out
    squared error is exactly ``cv_R − 2ξ(cv_R − cv_C) + ξ²(cv_R + cv_R_pd − 2cv_C)`` and a
    whole ``ξ`` grid costs nothing beyond the teacher and pure-distilled fits (one thin SVD
    per fold serves every λ).

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> X = rng.standard_normal((100, 30)); y = X @ np.ones(30) / 6 + rng.standard_normal(100)
    >>> df = cv_xi(X, y, [0.1, 1.0], folds=5, xi=np.linspace(-1, 3, 9))
    >>> df.attrs["grid"].shape
    (2, 9)
    """
    X, y = _check_Xy(X, y)
    lam = _check_lam(lam)
    n = X.shape[0]
    folds = check_int(folds, "folds", minimum=2)
    if folds > n:
        raise ValueError(f"folds must be <= n = {n}, got {folds}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    xi_grid = None if xi is None else check_vector(xi, "xi")
    perm = np.random.default_rng(int(seed)).permutation(n)
    parts = np.array_split(perm, folds)
    sA = np.zeros(lam.size)
    sB = np.zeros(lam.size)
    sC = np.zeros(lam.size)
    for te in parts:
        tr = np.setdiff1d(perm, te, assume_unique=True)
        U, S, V, e = _svd(X[tr])
        z = S * (U.T @ y[tr]) / tr.size
        ft = 1.0 / (e[:, None] + lam[None, :])
        XV = X[te] @ V
        yt = XV @ (z[:, None] * ft)
        ypd = XV @ (z[:, None] * e[:, None] * ft * ft)
        r1 = y[te][:, None] - yt
        r2 = y[te][:, None] - ypd
        sA += (r1 * r1).sum(0)
        sB += (r2 * r2).sum(0)
        sC += (r1 * r2).sum(0)
    A, B, C = sA / n, sB / n, sC / n
    Dn = A + B - 2.0 * C
    xi_cv = _safe_div(A - C, Dn)
    R_sd = A - _safe_div((A - C) ** 2, Dn)
    out = pd.DataFrame({"lam": lam, "cv_R": A, "cv_C": C, "cv_R_pd": B, "xi_cv": xi_cv, "cv_R_sd": R_sd})
    if xi_grid is None:
        i = int(np.argmin(R_sd))
        out.attrs["best"] = {"lam": float(lam[i]), "xi": float(xi_cv[i]), "cv_error": float(R_sd[i])}
    else:
        grid = A[:, None] - 2.0 * xi_grid[None, :] * (A - C)[:, None] + xi_grid[None, :] ** 2 * Dn[:, None]
        i, j = np.unravel_index(int(np.argmin(grid)), grid.shape)
        out.attrs["grid"] = grid
        out.attrs["best"] = {"lam": float(lam[i]), "xi": float(xi_grid[j]), "cv_error": float(grid[i, j])}
    return out
