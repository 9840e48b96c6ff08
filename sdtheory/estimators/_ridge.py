"""Self-distilled ridge regression as a scikit-learn estimator."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ..asymptotics import one_shot_xi
from ..iterated import multistep_filter
from ..ridge import ridge_filter, sd_filter
from ._common import alpha_arg, bool_arg, schedule_arg, validate

__all__ = ["SelfDistilledRidge"]


def _auto_xi(X, y, lam: float) -> float:
    n = X.shape[0]
    if n < 3 or not np.any(X):
        raise ValueError(
            "xi='auto' needs a design of rank >= 1 after centering and at least 3 samples to "
            f"estimate xi, got n_samples={n}"
        )
    xi = float(one_shot_xi(X, y, lam=lam, uncertainty="none")["xi_hat"].iloc[0])
    if not np.isfinite(xi):
        raise ValueError("xi='auto': the one-shot estimate of xi is undefined for these data")
    return xi


def _filtered(X, y, lam: float, xis: np.ndarray):
    """Teacher and student coefficients ``V diag(f/s) Uᵀy`` from one thin SVD of ``X``."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    p = X.shape[1]
    if s.size == 0 or s[0] == 0.0:
        return np.zeros(p), np.zeros(p)
    keep = s > s[0] * max(X.shape) * np.finfo(float).eps
    s, U, Vt = s[keep], U[:, keep], Vt[keep]
    ev = s * s
    z = (U.T @ y) / s
    f_t = ridge_filter(ev, lam=lam)
    if xis.size == 1:
        f_s = sd_filter(ev, lam=lam, xi=float(xis[0]))
    else:
        f_s = multistep_filter(ev, lam=lam, xis=xis)
    return Vt.T @ (f_t * z), Vt.T @ (f_s * z)


class SelfDistilledRidge(RegressorMixin, BaseEstimator):
    r"""Ridge regression followed by self-distillation, with scikit-learn's interface.

    The teacher is ridge regression on the labels; each distillation step refits ridge on a mix
    of the previous step's fitted values (weight ``ξ``) and the labels (weight ``1 − ξ``).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty ``α > 0`` on ``‖y − Xθ‖² + α‖θ‖²`` (summed loss): scikit-learn's ``Ridge``
        ``alpha`` and the package's ``λ``. Used by the teacher and by every step.
    xi : float or "auto", default="auto"
        Weight ``ξ ∈ ℝ`` on the teacher (``ξ > 1`` and ``ξ < 0`` are allowed). ``"auto"``
        estimates the best one-step ``ξ`` from the training data with
        :func:`~sdtheory.one_shot_xi` (no refit) and stores it in ``xi_``; with ``steps > 1``
        that one-step estimate is used at every step.
    steps : int or sequence of float, default=1
        An int ``k ≥ 0``: number of distillation steps after the teacher, each with weight
        ``xi`` (``0``: plain ridge). A sequence ``(ξ_1, ..., ξ_k)``: one weight per step; ``xi``
        is then not used.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept by centering ``X`` and ``y`` (as ``Ridge`` does); the
        teacher, the ``ξ`` estimate and every step then work on the centered data.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients of the last distillation step.
    intercept_ : float
        ``ȳ − x̄ᵀcoef_`` (0.0 without ``fit_intercept``).
    teacher_coef_ : ndarray of shape (n_features,)
        Coefficients of the ridge teacher (step 0).
    teacher_intercept_ : float
    xi_ : float or None
        The ``ξ`` used at every step (the estimate for ``xi="auto"``); ``None`` when ``steps``
        is a sequence.
    xis_ : ndarray of shape (k,)
        The weights used at steps ``1..k``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    See Also
    --------
    sdtheory.sd_filter, sdtheory.multistep_filter, sdtheory.one_shot_xi
    SelfDistilledKernelRidge, SelfDistilledLogisticRegression

    Notes
    -----
    With ``X = USVᵀ`` (thin SVD of the centered design, zero singular values dropped) and
    ``z = S⁻¹Uᵀy``, the fit is ``θ = V diag(f) z`` with ``f`` the closed-form filter:
    the teacher ``a_j = s_j²/(s_j² + α)`` (:func:`~sdtheory.ridge_filter`), one step
    ``a_j(1 − ξ + ξa_j)`` (:func:`~sdtheory.sd_filter`), i.e.
    ``θ_S = (XᵀX + αI)⁻¹Xᵀ(ξXθ_T + (1 − ξ)y)``, and ``k`` steps the recursion of
    :func:`~sdtheory.multistep_filter`. The one-shot ``ξ̂`` is a consistent estimate of the
    ``ξ`` that minimizes the fresh-point risk; on tiny or degenerate data it can be far off, so
    compare it with a cross-validated ``ξ`` (Examples). See the theory page
    :doc:`/theory/ridge` (one step), :doc:`/theory/iterated` (several) and
    :doc:`/theory/asymptotics` (the estimate of ``ξ``).

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.
    D. Pareek, S. S. Du and S. Oh, "Understanding the Gains from Repeated Self-Distillation",
    NeurIPS 2024, arXiv:2407.04600.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV, KFold
    >>> from sdtheory import SelfDistilledRidge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8))
    >>> y = X @ rng.standard_normal(8) + 2.0 * rng.standard_normal(60)
    >>> est = SelfDistilledRidge(alpha=5.0).fit(X, y)   # xi="auto": the one-shot estimate
    >>> est.coef_.shape, isinstance(est.xi_, float)
    ((8,), True)
    >>> grid = {"alpha": [1.0, 10.0], "xi": [0.0, 0.5, "auto"]}
    >>> search = GridSearchCV(SelfDistilledRidge(), grid, cv=KFold(3, shuffle=True, random_state=0))
    >>> search = search.fit(X, y)
    >>> sorted(search.best_params_)
    ['alpha', 'xi']
    """

    def __init__(self, alpha=1.0, *, xi="auto", steps=1, fit_intercept=True):
        self.alpha = alpha
        self.xi = xi
        self.steps = steps
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        """Fit the teacher and the distillation steps.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
        """
        lam = alpha_arg(self.alpha)
        xis, xi, k = schedule_arg(self.xi, self.steps, allow_auto=True)
        fit_intercept = bool_arg(self.fit_intercept, "fit_intercept")
        X, y = validate(self, X, y, y_numeric=True)
        if fit_intercept:
            x_mean, y_mean = X.mean(axis=0), float(y.mean())
            Xc, yc = X - x_mean, y - y_mean
        else:
            x_mean, y_mean = np.zeros(X.shape[1]), 0.0
            Xc, yc = X, y
        if xis is None:  # xi="auto" with an integer number of steps
            xi = _auto_xi(Xc, yc, lam)
            xis = np.full(k, xi)
        teacher, student = _filtered(Xc, yc, lam, xis)
        self.teacher_coef_ = teacher
        self.teacher_intercept_ = y_mean - float(x_mean @ teacher)
        self.coef_ = student
        self.intercept_ = y_mean - float(x_mean @ student)
        self.xis_ = xis
        self.xi_ = None if xi is None else float(xi)
        return self

    def predict(self, X):
        """Predictions ``X @ coef_ + intercept_`` of the last step.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate(self, X, reset=False)
        return X @ self.coef_ + self.intercept_
