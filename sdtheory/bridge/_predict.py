r"""Ridge-theory prediction of the best ξ for a linear probe on fixed features (NumPy only).

The probe is read as a fixed-design ridge problem with squared loss on one-hot targets, one
response per class; the class risks are summed. The one-shot estimators of
:func:`sdtheory.asymptotics.one_shot_xi` then give ``ξ̂(λ)``, the GCV risk ``R̂(λ)``, the sign
rule (``ξ*`` has the sign of ``−R′(λ)``) and the curvature test at the risk-optimal ``λ̂*``.
See the theory page :doc:`/theory/bridge`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from .._validate import check_choice, check_int, check_matrix
from ..asymptotics._finite_sample import safe_div, svd
from ..asymptotics._spectra import check_lam

__all__ = ["predict_xi", "predict_bridge_xi"]

# λ̂* search: mean-loss λ from 1e-6 to 1e4 times the largest eigenvalue of Σ̂, 30 per decade
_SEARCH = (1e-6, 1e4, 30)
_FD_STEP = 1e-3  # step in log λ of the central difference for R̂''
_MIN_D = 1e-6  # smallest 1 − df1 accepted (the estimates divide by up to (1 − df1)⁴)


def _targets(labels, n, n_classes):
    """The ``n × K`` response matrix: one-hot of integer labels, or a given 2-D target."""
    if labels is None or isinstance(labels, (str, bytes)):
        raise TypeError(
            f"labels must be a 1-D array of n = {n} integer class labels or an (n, K) target "
            f"matrix, got {type(labels).__name__}"
        )
    y = np.asarray(labels)
    if y.ndim == 2:
        Y = check_matrix(y, "labels")
        if Y.shape[0] != n:
            raise ValueError(f"labels must have n = {n} rows (one per row of X), got {Y.shape}")
        if n_classes is not None and check_int(n_classes, "n_classes", minimum=1) != Y.shape[1]:
            raise ValueError(
                f"n_classes must equal the number of columns of labels ({Y.shape[1]}), "
                f"got {n_classes}"
            )
        return Y
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(
            f"labels must be 1-D with one label per row of X (n = {n}) or an (n, K) matrix, "
            f"got shape {y.shape}"
        )
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"labels must be integer class labels, got dtype {y.dtype}")
    if (y < 0).any():
        raise ValueError("labels must be class labels >= 0")
    classes = np.unique(y)
    if classes.size < 2:
        raise ValueError(
            "labels must contain at least 2 distinct classes (a one-class label vector has no "
            f"signal to predict), got only class {int(classes[0])}"
        )
    k_min = int(y.max()) + 1
    if n_classes is None:
        k = max(k_min, 2)
    else:
        k = check_int(n_classes, "n_classes", minimum=2)
        if k < k_min:
            raise ValueError(
                f"n_classes must be an integer >= max(labels) + 1 = {k_min} (and >= 2), got {k}"
            )
    return np.eye(k)[y]


def _check_bool(x, name):
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(x).__name__}")
    return bool(x)


def _spectral(e, s, yp2, lam_m, n, offset):
    """Class-summed ``R̂, N̂ = R̂ − Ĉ, D̂`` of the corrected estimator from the spectrum alone.

    ``e``: eigenvalues of Σ̂ (r), ``s_j = Σ_k (UᵀY)_jk²`` (r), ``yp2 = ‖P_⊥Y‖²_F``, ``lam_m``
    mean-loss λ (L); ``offset`` = 1 with an intercept (it adds 1 to both traces).
    """
    a = e[:, None] / (e[:, None] + lam_m[None, :])
    d = 1.0 - (offset + a.sum(0)) / n
    delta = (a - a * a).sum(0) / n
    s = s[:, None]
    r11 = yp2 + ((1.0 - a) ** 2 * s).sum(0)  # ‖r_1‖²
    r1g = ((1.0 - a) * (a - a * a) * s).sum(0)  # r_1ᵀg
    gg = ((a - a * a) ** 2 * s).sum(0)  # ‖g‖²
    # g = r_2 − r_1 = U((a − a²)u), r_1 = P_⊥Y + U((1 − a)u), Δ̂ = g/d − δ r_1/d²
    R = r11 / (n * d * d)
    N = -(r1g / d - delta * r11 / d**2) / (n * d)
    D = (gg / d**2 - 2.0 * delta * r1g / d**3 + delta**2 * r11 / d**4) / n
    return R, N, D


def _rows(U, a, u, Yp, d, d2, delta, method):
    """Per-row terms (3 × n × L), summed over classes, whose means are the three estimates."""
    fit1 = np.einsum("nr,rkl->nkl", U, (1.0 - a)[:, None, :] * u[:, :, None])
    fit2 = np.einsum("nr,rkl->nkl", U, (1.0 - a * a)[:, None, :] * u[:, :, None])
    r1 = Yp[:, :, None] + fit1
    r2 = Yp[:, :, None] + fit2
    if method == "corrected":
        Dl = (r2 - r1) / d - r1 * (delta / d**2)
        t = (r1 * r1 / d**2, -r1 * Dl / d, Dl * Dl)
    else:
        t = (r1 * r1 / d**2, r2 * r2 / d2**2, r1 * r2 / (d * d2))
    return np.stack([x.sum(1) for x in t])


def _delta_se(comps, grad):
    """Delta-method SE with the ``n`` per-row terms treated as exchangeable."""
    n = comps.shape[1]
    cen = comps - comps.mean(1, keepdims=True)
    cov = np.einsum("inl,jnl->lij", cen, cen) / (n - 1) / n
    grad = np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)
    return np.sqrt(np.clip(np.einsum("li,lij,lj->l", grad, cov, grad), 0.0, None))


def _optimum(e, s, yp2, n, offset):
    """Global interior minimizer of the class-summed GCV risk (a root of N̂) and the curvature
    test there; ``None`` when R̂ has no interior minimum in the search range."""
    lo, hi, per = _SEARCH
    grid = np.geomspace(lo * e.max(), hi * e.max(), int(np.log10(hi / lo) * per) + 1)
    grid = grid[(1.0 - (offset + (e[:, None] / (e[:, None] + grid)).sum(0)) / n) > _MIN_D]
    if grid.size < 3:
        return None
    R, N, _ = _spectral(e, s, yp2, grid, n, offset)
    idx = np.flatnonzero((N[:-1] > 0) & (N[1:] <= 0))  # R̂ decreasing then increasing
    if idx.size == 0:
        return None

    def n_of(t):
        return float(_spectral(e, s, yp2, np.array([np.exp(t)]), n, offset)[1][0])

    best = None
    for i in idx:
        t_lo, t_hi = np.log(grid[i]), np.log(grid[i + 1])
        t = t_hi if n_of(t_hi) == 0 else optimize.brentq(n_of, t_lo, t_hi, xtol=1e-12)
        lam_m = np.exp(np.array([t - _FD_STEP, t, t + _FD_STEP]))
        Rs, Ns, Ds = _spectral(e, s, yp2, lam_m, n, offset)
        if best is None or Rs[1] < best[1]:
            # λ²R'' = d²R̂/d(log λ)² at a stationary point, and dR̂/d(log λ) = −2N̂
            curv = -2.0 * (Ns[2] - Ns[0]) / (2.0 * _FD_STEP)
            best = (float(lam_m[1] * n), float(Rs[1]), float(Ds[1]), float(curv / 2.0))
    lam_star, R_star, D_star, bound = best
    return {
        "lam_star": lam_star,
        "R_star": R_star,
        "D_star": D_star,
        "curvature_bound": bound,
        "sd_beats_ridge": bool(D_star < bound),
    }


def predict_xi(
    X, labels, *, lam, n_classes=None, method="corrected", uncertainty="delta", fit_intercept=True
):
    r"""Ridge-theory prediction of the best SD weight ``ξ`` for a linear probe on fixed features.

    The probe is read as ridge regression of the one-hot (noisy) labels on ``X``, one response
    per class, with the class risks summed; the one-shot estimators of
    :func:`sdtheory.asymptotics.one_shot_xi` (no split, no refit) then estimate, over a λ grid,
    the best ``ξ``, the fresh-point risk ``R(λ)``, which side of the risk-optimal λ each λ lies
    on (the sign rule), and the curvature test at the optimum.

    Parameters
    ----------
    X : array_like, shape (n, p)
        Training features (finite), e.g. the standardized inputs of the bridge's linear probe.
    labels : array_like of int, shape (n,), or array_like, shape (n, K)
        Training class labels ``0..K−1`` as used for training (the corrupted ones), turned
        into one-hot targets, with at least 2 distinct classes; or a real ``n × K`` target
        matrix (one response per column, not constant).
    lam : float or array_like, shape (L,)
        Penalties ``λ > 0`` on the **summed-loss scale**: the teacher minimizes
        ``‖Y − XW‖²_F + λ‖W‖²_F`` (scikit-learn's ``alpha``). The bridge's weight decay ``λ_b``
        (objective ``mean CE + (λ_b/2)‖W‖²``) corresponds to ``λ = n·λ_b`` (see Notes).
    n_classes : int, optional
        Number of classes ``K >= max(labels) + 1`` (default ``max(labels) + 1``, at least 2);
        with a target matrix it must equal its number of columns.
    method : {"corrected", "gcv"}
        Estimator of ``ξ̂`` as in :func:`~sdtheory.asymptotics.one_shot_xi`: the consistent
        ``"corrected"`` one (default) or plain GCV. ``R̂``, the sign rule and ``λ̂*`` always
        use the GCV risk and its exact λ-derivative.
    uncertainty : {"delta", "none"}
        ``"delta"`` adds ``xi_se`` and ``R_se``: delta-method standard errors with the ``n``
        per-row terms (summed over classes) treated as exchangeable.
    fit_intercept : bool
        Unpenalized intercept per class (default True, as in the bridge): ``X`` and the one-hot
        targets are centred and the intercept counts one degree of freedom.

    Returns
    -------
    pandas.DataFrame
        One row per ``λ`` (summed-loss scale): ``lam, xi_hat, R_hat, N_hat, D_hat, dR_dlam,
        regime, df1, df2`` (and ``xi_se, R_se`` with ``uncertainty="delta"``). ``R_hat`` is the
        class-summed GCV estimate of the fresh-point risk ``E‖ỹ − Ŵᵀx̃‖²`` against fresh noisy
        one-hot labels, ``N_hat`` of ``R − C = −λR′(λ)/2``, ``D_hat`` of
        ``D = ‖W_λ − W_pd‖²_Σ``; ``dR_dlam = −2 N_hat/λ``; ``regime`` is
        ``"under-regularized"`` where ``−R̂′ > 0`` (predicted ``ξ* > 0``), else
        ``"over-regularized"``. ``attrs["optimum"]`` holds the interior minimizer of ``R̂``
        (a root of ``N̂``) with the curvature test: ``lam_star, R_star, D_star,
        curvature_bound`` (``λ*²R̂″(λ*)/2``) and ``sd_beats_ridge`` (``D̂ < bound``); it is
        ``None`` when ``R̂`` has no interior minimum.

    Notes
    -----
    With ``Y`` the ``n × K`` one-hot matrix (centred with an intercept), ``λ_m = λ/n``,
    ``M = (Σ̂ + λ_mI)⁻¹Σ̂``, ``df_1 = (tr M + c)/n``, ``df_2 = (tr M² + c)/n`` (``c = 1`` with
    an intercept, else 0), ``d = 1 − df_1``, ``δ = df_1 − df_2`` and per-class residuals
    ``r_1 = y_k − Xβ_λ``, ``r_2 = y_k − Xβ_pd`` (``β_pd = (Σ̂ + λ_mI)⁻¹Σ̂β_λ``, the ξ = 1
    student), ``Δ̂ = (r_2 − r_1)/d − δ r_1/d²``:

    .. math::
        R̂ = \sum_k \frac{‖r_1‖²}{n d²},\quad N̂ = −\sum_k \frac{r_1ᵀΔ̂}{n d},\quad
        D̂ = \sum_k \frac{‖Δ̂‖²}{n},\quad ξ̂ = N̂/D̂.

    The student risk summed over classes is ``Σ_k (R_k − 2ξ(R_k − C_k) + ξ²D_k)``, one
    quadratic in the shared ``ξ``, so the sums are formed before the ratio. Since
    ``λ∂_λ(r_1/d) = Δ̂``, ``N̂ = −λR̂′(λ)/2`` exactly: ``ξ̂`` has the sign of ``−R̂′`` (sign
    rule: ``ξ* > 0`` under-regularized, ``ξ* = 0`` at ``λ*``, ``ξ* < 0`` over-regularized).
    ``"gcv"`` uses ``ξ̂ = (Â − Ĉ)/(Â + B̂ − 2Ĉ)`` with class sums of ``Â = ‖r_1‖²/(nd²)``,
    ``B̂ = ‖r_2‖²/(n(1 − df_2)²)``, ``Ĉ = r_1ᵀr_2/(nd(1 − df_2))``. Curvature test: at the
    interior minimizer ``λ*`` of ``R̂`` (a root of ``N̂``, by Brent's method),
    ``D̂(λ*) < λ*²R̂″(λ*)/2`` implies optimal SD beats the best ridge; ``λ²R″ = d²R̂/d(log λ)²``
    at a stationary point, taken as a central difference of ``−2N̂`` in ``log λ``.

    Scale: the bridge minimizes ``(1/n)Σ_i CE_i + (λ_b/2)‖W‖²``; with the squared loss
    ``½‖z_i − y_i‖²`` in place of CE this is ``(1/2n)(‖Y − XW‖²_F + nλ_b‖W‖²_F)``, i.e.
    ``λ = nλ_b``. Cross-entropy has logit curvature ``diag(p) − ppᵀ`` (at most ½), not 1, so the
    CE probe is regularized like a ridge with a larger λ; the map is a convention, not an
    identity. Against fresh noisy labels the risk targets ``E[ỹ|x]``; for symmetric corruption
    ``E[ỹ|x] = (1 − cK/(K−1))P(y|x) + c/(K−1)``, whose argmax is the clean Bayes class.

    References
    ----------
    Dang, Patil & Rinaldo, "Optimal Unconstrained Self-Distillation in Ridge Regression",
    ICML 2026, arXiv:2602.17565. R. Das and S. Sanghavi, "Understanding Self-Distillation in
    the Presence of Label Noise", ICML 2023.

    See the theory page :doc:`/theory/bridge` (and :doc:`/theory/asymptotics`).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 20)); labels = (X[:, :3] @ [1.0, -1.0, 0.5] > 0) * 1
    >>> flip = rng.random(300) < 0.3; labels[flip] = 1 - labels[flip]
    >>> df = predict_xi(X, labels, lam=[1.0, 1e3, 1e5])
    >>> df.regime.tolist()
    ['under-regularized', 'over-regularized', 'over-regularized']
    >>> opt = df.attrs["optimum"]; bool(1.0 < opt["lam_star"] < 1e3)
    True
    >>> bool((np.sign(df.xi_hat) == np.sign(-df.dR_dlam)).all())
    True
    """
    X = check_matrix(X, "X")
    n, p = X.shape
    if n < 3:
        raise ValueError(f"X must have at least 3 rows (n >= 3), got {n}")
    Y = _targets(labels, n, n_classes)
    lam_sum = check_lam(lam)
    check_choice(method, "method", {"corrected", "gcv"})
    check_choice(uncertainty, "uncertainty", {"delta", "none"})
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    offset = 1 if fit_intercept else 0
    if not np.any(np.ptp(Y, axis=0) if fit_intercept else Y):
        raise ValueError(
            "labels carry no signal: the target matrix is "
            + ("constant in every column (with the intercept)" if fit_intercept else "all 0")
            + "; at least 2 distinct classes are needed"
        )
    if fit_intercept:
        X = X - X.mean(0)
        Y = Y - Y.mean(0)
    lam_m = lam_sum / n
    U, S, V, e = svd(X)
    u = U.T @ Y  # r × K
    Yp = Y - U @ u
    yp2 = max(float((Y * Y).sum() - (u * u).sum()), 0.0)
    s = (u * u).sum(1)
    a = e[:, None] / (e[:, None] + lam_m[None, :])
    df1 = (offset + a.sum(0)) / n
    df2 = (offset + (a * a).sum(0)) / n
    d, d2, delta = 1.0 - df1, 1.0 - df2, df1 - df2
    if np.any(d <= _MIN_D):
        bad = lam_sum[d <= _MIN_D]
        raise ValueError(
            f"lam too small: the fit (nearly) interpolates the labels (1 - df1 <= {_MIN_D:g}) at "
            f"lam = {bad.tolist()}; use larger values of lam"
        )
    R, N, D = _spectral(e, s, yp2, lam_m, n, offset)
    need_rows = uncertainty == "delta" or method == "gcv"
    comps = _rows(U, a, u, Yp, d, d2, delta, method) if need_rows else None
    if method == "corrected":
        xi = safe_div(N, D)
        with np.errstate(divide="ignore", invalid="ignore"):
            g_xi = np.stack([np.zeros_like(D), 1.0 / D, -N / D**2], -1)
    else:
        A, B, C = comps.mean(1)
        Dn = A + B - 2.0 * C
        xi = safe_div(A - C, Dn)
        with np.errstate(divide="ignore", invalid="ignore"):
            D2 = Dn * Dn
            g_xi = np.stack([(Dn - (A - C)) / D2, -(A - C) / D2, (2.0 * (A - C) - Dn) / D2], -1)
    out = pd.DataFrame(
        {
            "lam": lam_sum,
            "xi_hat": xi,
            "R_hat": R,
            "N_hat": N,
            "D_hat": D,
            "dR_dlam": -2.0 * N / lam_sum,
            "regime": np.where(N > 0, "under-regularized", "over-regularized"),
            "df1": df1,
            "df2": df2,
        }
    )
    if uncertainty == "delta":
        out["xi_se"] = _delta_se(comps, g_xi)
        out["R_se"] = _delta_se(comps[:1], np.ones((lam_sum.size, 1)))
    out.attrs["optimum"] = _optimum(e, s, yp2, n, offset)
    out.attrs["n_classes"] = Y.shape[1]
    out.attrs["method"] = method
    return out


def predict_bridge_xi(config=None, /, *, lam=None, **overrides):
    r"""``ξ̂(λ)`` of :func:`predict_xi` on exactly the training data of a bridge experiment.

    For every seed and corruption level of ``config`` the training split, its standardization
    and the corrupted training labels are rebuilt as :func:`run_bridge` builds them (same
    seeds and streams), and :func:`predict_xi` is applied to the standardized training
    features and the corrupted labels. NumPy only: no training.

    Parameters
    ----------
    config : BridgeConfig, optional
        The experiment (default ``BridgeConfig()``); ``overrides`` replace its fields. The
        prediction is for the tied-λ, ``T = 1`` experiment: ``student_lam`` must be None
        (each student uses its teacher's λ) and ``temperature`` 1, else ``ValueError``.
    lam : float or array_like, optional
        λ grid (summed-loss scale, > 0). Default: the config's ``teacher_lam`` (else the linear
        probe's default). The bridge's λ is the same summed-loss λ (see Notes).
    **overrides
        :class:`BridgeConfig` fields.

    Returns
    -------
    pandas.DataFrame
        One row per (corruption, seed, λ): ``dataset, corruption, seed, lam`` and the columns of
        :func:`predict_xi`, plus its ``attrs["optimum"]`` per (corruption, seed) as columns
        ``lam_star, R_star, D_star, curvature_bound, sd_beats_ridge`` (NaN/False if ``R̂`` has
        no interior minimum) and ``n_train``.

    Notes
    -----
    The bridge's probe minimizes ``Σ_i CE(q_i, softmax(Wᵀx_i + b)) + (λ/2)‖W‖²``; with the
    squared loss ``½‖Wᵀx_i + b − y_i‖²`` in place of CE this is half of
    ``‖Y − XW − 1bᵀ‖²_F + λ‖W‖²_F``, the ridge problem of :func:`predict_xi` with the same λ.
    See the theory page :doc:`/theory/bridge`.

    References
    ----------
    Dang, Patil & Rinaldo, ICML 2026, arXiv:2602.17565; Das & Sanghavi, ICML 2023.

    Examples
    --------
    >>> df = predict_bridge_xi(dataset="wine", corruption=0.3, seeds=2, lam=[10.0, 1000.0])
    >>> df.groupby("lam").regime.unique().map(list).to_dict()
    {10.0: ['under-regularized'], 1000.0: ['over-regularized']}
    """
    import dataclasses

    from .._labels import _check_corruption, corrupt_labels
    from ._config import LAM_DEFAULTS, BridgeConfig
    from ._data import load_dataset, split_dataset

    if config is None:
        config = BridgeConfig()
    if not isinstance(config, BridgeConfig):
        raise TypeError(f"config must be a BridgeConfig or None, got {type(config).__name__}")
    unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(BridgeConfig)})
    if unknown:
        raise TypeError(
            f"predict_bridge_xi got unknown settings {unknown}; valid names are lam and the "
            f"BridgeConfig fields {[f.name for f in dataclasses.fields(BridgeConfig)]}"
        )
    if overrides:
        config = dataclasses.replace(config, **overrides)
    if config.student_lam is not None or config.temperature != (1.0,):
        raise ValueError(
            "predict_bridge_xi predicts the tied-λ, T = 1 experiment (the ridge theory has one λ "
            "for teacher and student and the plain teacher): it needs student_lam=None and "
            f"temperature=1, got student_lam={config.student_lam} and temperature="
            f"{list(config.temperature)}"
        )
    if lam is None:
        lam = config.teacher_lam if config.teacher_lam is not None else LAM_DEFAULTS["linear"]
    lam = check_lam(lam)
    X, y = load_dataset(
        config.dataset,
        n_samples=config.n_samples,
        n_features=config.n_features,
        n_classes=config.n_classes,
    )
    k = int(y.max()) + 1
    levels = [_check_corruption(r, k, config.corruption_kind) for r in config.corruption]
    frames = []
    for s in config.seed_list:
        sp = split_dataset(
            X, y, seed=s, val_fraction=config.val_fraction, test_fraction=config.test_fraction
        )
        for r in levels:
            noisy = corrupt_labels(
                sp.y_train,
                corruption=r,
                n_classes=k,
                corruption_kind=config.corruption_kind,
                per_class=False,
                seed=s,
                stream=0,
            )[0]
            df = predict_xi(sp.X_train, noisy, lam=lam, n_classes=k)
            opt = df.attrs["optimum"] or {
                "lam_star": np.nan,
                "R_star": np.nan,
                "D_star": np.nan,
                "curvature_bound": np.nan,
                "sd_beats_ridge": False,
            }
            df.insert(0, "seed", s)
            df.insert(0, "corruption", r)
            df.insert(
                0,
                "dataset",
                "gaussian_mixture" if config.dataset == "synthetic" else config.dataset,
            )
            for key, v in opt.items():
                df[key] = v
            df["n_train"] = len(noisy)
            df["n_corrupted"] = int((noisy != sp.y_train).sum())
            df.attrs = {}
            frames.append(df)
    return pd.concat(frames, ignore_index=True)
