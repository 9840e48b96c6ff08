"""Self-distilled kernel ridge regression as a scikit-learn estimator."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .._validate import check_choice
from ..iterated import kernel_matrix, kernel_self_distill
from ._common import alpha_arg, schedule_arg, validate

__all__ = ["SelfDistilledKernelRidge"]

_NAMES = {"linear": "linear", "rbf": "rbf", "polynomial": "polynomial", "poly": "polynomial"}


class SelfDistilledKernelRidge(RegressorMixin, BaseEstimator):
    r"""Kernel ridge regression followed by self-distillation, with scikit-learn's interface.

    Step 0 (the teacher) is kernel ridge on the labels; step ``t`` is kernel ridge on
    ``ξ_t ŷ_{t−1} + (1 − ξ_t)y``, all from one eigendecomposition of the training Gram matrix
    (:func:`~sdtheory.kernel_self_distill`).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty ``α > 0`` on ``‖y − Kc‖² + α cᵀKc`` (summed loss, unscaled ``K``): the
        ``alpha`` of scikit-learn's ``KernelRidge`` and the package's ``λ``.
    xi : float, default=0.5
        Weight ``ξ ∈ ℝ`` on the teacher at every step (any real).
    steps : int or sequence of float, default=1
        An int ``k ≥ 0``: distillation steps after the teacher, each with weight ``xi``
        (``0``: kernel ridge). A sequence ``(ξ_1, ..., ξ_k)``: one weight per step; ``xi`` is
        then not used.
    kernel : {"rbf", "linear", "polynomial", "poly"} or callable, default="rbf"
        The kernel: ``exp(−γ‖x − x'‖²)``, ``xᵀx'``, ``(γxᵀx' + c₀)^degree``
        (:func:`~sdtheory.rbf_kernel`, :func:`~sdtheory.linear_kernel`,
        :func:`~sdtheory.polynomial_kernel`), or ``kernel(X, Z, **kernel_params)`` returning the
        ``(n, m)`` matrix (symmetric positive semi-definite on the training points).
    gamma : float, optional
        ``γ > 0`` of the RBF and polynomial kernels; default ``1/n_features``.
    degree : int, default=3
        Degree ``≥ 1`` of the polynomial kernel.
    coef0 : float, default=1
        ``c₀ ≥ 0`` of the polynomial kernel.
    kernel_params : dict, optional
        Keyword arguments of a callable ``kernel``.

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_samples,)
        Coefficients ``c`` of the last step; predictions are ``k(x, X_fit_) @ dual_coef_``.
    teacher_dual_coef_ : ndarray of shape (n_samples,)
        Coefficients of the kernel ridge teacher, ``(K + αI)⁻¹y``.
    X_fit_ : ndarray of shape (n_samples, n_features)
        The training inputs.
    xi_ : float or None
        The ``ξ`` used at every step; ``None`` when ``steps`` is a sequence.
    xis_ : ndarray of shape (k,)
    n_features_in_ : int

    See Also
    --------
    sdtheory.kernel_self_distill, SelfDistilledRidge

    Notes
    -----
    Teacher ``c^{(0)} = (K + αI)⁻¹y``; step ``t``:
    ``c^{(t)} = (K + αI)⁻¹(ξ_t Kc^{(t−1)} + (1 − ξ_t)y)``. There is no intercept (as in
    ``KernelRidge``): center ``y`` or add a constant to the kernel. With
    ``kernel="linear"`` this is :class:`SelfDistilledRidge` without intercept, and
    ``coef = X_fit_ᵀ dual_coef_``. See the theory page :doc:`/theory/iterated`.

    References
    ----------
    H. Mobahi, M. Farajtabar and P. L. Bartlett, "Self-Distillation Amplifies Regularization in
    Hilbert Space", NeurIPS 2020, arXiv:2002.05715.
    K. Borup and L. N. Andersen, "Even your Teacher Needs Guidance", NeurIPS 2021,
    arXiv:2102.13088.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import SelfDistilledKernelRidge
    >>> x = np.linspace(0, 1, 30)[:, None]
    >>> y = np.sin(2 * np.pi * x[:, 0]) + 0.3 * np.random.default_rng(0).standard_normal(30)
    >>> est = SelfDistilledKernelRidge(alpha=0.1, xi=0.5, steps=2, gamma=20.0).fit(x, y)
    >>> est.dual_coef_.shape, est.predict(x[:3]).shape
    ((30,), (3,))
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        xi=0.5,
        steps=1,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
    ):
        self.alpha = alpha
        self.xi = xi
        self.steps = steps
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params

    def _gram(self, X, Z):
        if callable(self.kernel):
            params = {} if self.kernel_params is None else self.kernel_params
            if not isinstance(params, dict):
                raise TypeError(f"kernel_params must be a dict or None, got {params!r}")
            return kernel_matrix(self.kernel, X, Z, **params)
        name = _NAMES[check_choice(self.kernel, "kernel", set(_NAMES))]
        if name == "linear":
            return kernel_matrix(name, X, Z)
        gamma = 1.0 / X.shape[1] if self.gamma is None else self.gamma
        if name == "rbf":
            return kernel_matrix(name, X, Z, gamma=gamma)
        return kernel_matrix(name, X, Z, gamma=gamma, degree=self.degree, coef0=self.coef0)

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
        xis, xi, _ = schedule_arg(self.xi, self.steps, allow_auto=False)
        X, y = validate(self, X, y, y_numeric=True)
        K = self._gram(X, X)
        fit = kernel_self_distill(K, y, lam=lam, xis=xis)
        self.X_fit_ = X
        self.dual_coef_ = fit.coef[-1]
        self.teacher_dual_coef_ = fit.coef[0]
        self.xis_ = np.asarray(xis, dtype=float)
        self.xi_ = None if xi is None else float(xi)
        return self

    def predict(self, X):
        """Predictions ``k(X, X_fit_) @ dual_coef_`` of the last step.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate(self, X, reset=False)
        return self._gram(X, self.X_fit_) @ self.dual_coef_
