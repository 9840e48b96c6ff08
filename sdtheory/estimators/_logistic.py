"""Self-distilled (soft-target) logistic regression as a scikit-learn estimator."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._validate import check_int, check_scalar
from ..classification import fit_soft_logistic, sigmoid, soft_targets, softmax
from ._common import alpha_arg, bool_arg, schedule_arg, validate

__all__ = ["SelfDistilledLogisticRegression"]


class SelfDistilledLogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression with an ℓ2 penalty, followed by self-distillation on soft targets.

    The teacher is logistic regression on the labels; step ``t`` refits on the soft targets
    ``q = ξ_t p_{t−1} + (1 − ξ_t) onehot(y)`` (:func:`~sdtheory.soft_targets`), ``p_{t−1}`` the
    previous step's predicted probabilities on the training points. Binary problems use one
    logit, more classes the multinomial (softmax) model. Every fit is the package's exact
    Newton solver :func:`~sdtheory.fit_soft_logistic`.

    Parameters
    ----------
    C : float, default=1.0
        Inverse penalty ``C > 0``, as in scikit-learn's ``LogisticRegression``: the objective
        is ``Σ_i ℓ(q_i, z_i) + ‖W‖²/(2C)``, i.e. the package's ``(λ/2)‖W‖²`` on the summed loss
        with ``λ = 1/C``. With ``xi=0`` or ``steps=0`` the fit is ``LogisticRegression(C=C)``
        up to the intercept penalty below.
    xi : float, default=0.5
        Weight ``ξ ∈ ℝ`` on the teacher at every step; ``ξ > 1`` gives targets outside
        ``[0, 1]``, which the strictly convex objective still handles.
    steps : int or sequence of float, default=1
        An int ``k ≥ 0``: distillation steps after the teacher, each with weight ``xi``. A
        sequence ``(ξ_1, ..., ξ_k)``: one weight per step; ``xi`` is then not used.
    fit_intercept : bool, default=True
        Append a constant column of value ``intercept_scaling`` (``s``) to ``X``. Its weight
        ``b/s`` is penalized like the others, so the intercept ``b`` carries the light penalty
        ``b²/(2Cs²)`` (liblinear's convention).
    intercept_scaling : float, default=10.0
        ``s > 0``; larger values make the intercept penalty lighter.
    max_iter : int, default=100
        Newton iterations allowed per fit (teacher and each step); a ``RuntimeError`` is raised
        if ``tol`` is not reached.
    tol : float, default=1e-8
        Stop when the gradient norm of the summed objective is at most ``tol > 0``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights of the last step (one row for a binary problem, the weights of ``classes_[1]``).
    intercept_ : ndarray of shape (1,) or (n_classes,)
    teacher_coef_, teacher_intercept_ : ndarray
        The same for the teacher (step 0).
    xi_ : float or None
        The ``ξ`` used at every step; ``None`` when ``steps`` is a sequence.
    xis_ : ndarray of shape (k,)
    n_iter_ : ndarray of shape (k + 1,)
        Newton iterations of the teacher and of each step.
    n_features_in_ : int

    See Also
    --------
    sdtheory.fit_soft_logistic, sdtheory.soft_targets, SelfDistilledRidge

    Notes
    -----
    With ``ℓ(q, z) = LSE(z) − qᵀz`` (binary: ``log(1 + e^z) − qz``), each fit minimizes
    ``Σ_i ℓ(q_i, Wᵀx̃_i) + (1/(2C))‖W‖²`` over ``W`` (``x̃ = (x, s)`` with an intercept). The
    loss is linear in ``q``, hence convex for every real ``ξ``; the penalty makes the minimizer
    unique. See the theory page :doc:`/theory/classification`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import SelfDistilledLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 3)); y = (X[:, 0] > 0).astype(int)
    >>> y[:10] = 1 - y[:10]                         # corrupted labels
    >>> clf = SelfDistilledLogisticRegression(C=1.0, xi=0.8).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape, clf.coef_.shape
    ((2, 2), (1, 3))
    """

    def __init__(
        self,
        C=1.0,
        *,
        xi=0.5,
        steps=1,
        fit_intercept=True,
        intercept_scaling=10.0,
        max_iter=100,
        tol=1e-8,
    ):
        self.C = C
        self.xi = xi
        self.steps = steps
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        """Fit the teacher and the distillation steps.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels (any hashable, sortable values).

        Returns
        -------
        self
        """
        lam = 1.0 / alpha_arg(self.C, "C")
        xis, xi, _ = schedule_arg(self.xi, self.steps, allow_auto=False)
        fit_intercept = bool_arg(self.fit_intercept, "fit_intercept")
        s = check_scalar(self.intercept_scaling, "intercept_scaling", low=0.0, low_open=True)
        max_iter = check_int(self.max_iter, "max_iter", minimum=1)
        tol = check_scalar(self.tol, "tol", low=0.0, low_open=True)
        X, y = validate(self, X, y)
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        K = self.classes_.size
        if K < 2:
            raise ValueError(
                "SelfDistilledLogisticRegression needs samples of at least 2 classes; the data "
                f"contain only one class: {self.classes_[0]!r}"
            )
        A = np.hstack([X, np.full((X.shape[0], 1), s)]) if fit_intercept else X
        binary = K == 2
        targets = y_enc.astype(float) if binary else np.eye(K)[y_enc]
        fits = [fit_soft_logistic(A, targets, lam=lam, tol=tol, max_iter=max_iter)]
        for x in xis:
            q = soft_targets(fits[-1].probs, y_enc, xi=float(x), n_classes=None if binary else K)
            fits.append(fit_soft_logistic(A, q, lam=lam, tol=tol, max_iter=max_iter))
        p = X.shape[1]
        self.teacher_coef_, self.teacher_intercept_ = self._split(fits[0].coef, p, s)
        self.coef_, self.intercept_ = self._split(fits[-1].coef, p, s)
        self.n_iter_ = np.array([f.n_iter for f in fits], dtype=np.int32)
        self.xis_ = np.asarray(xis, dtype=float)
        self.xi_ = None if xi is None else float(xi)
        return self

    def _split(self, W, p, s):
        W = W[:, None] if W.ndim == 1 else W
        if W.shape[0] == p:  # no intercept column
            return W.T.copy(), np.zeros(W.shape[1])
        return W[:p].T.copy(), W[p] * s

    def decision_function(self, X):
        """Logits ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) (binary: the logit of ``classes_[1]``) or
        (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate(self, X, reset=False)
        z = X @ self.coef_.T + self.intercept_
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, X):
        """Class probabilities of the last step, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        z = self.decision_function(X)
        if z.ndim == 1:
            p1 = sigmoid(z)
            return np.column_stack([1.0 - p1, p1])
        return softmax(z, axis=1)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without underflow."""
        z = self.decision_function(X)
        if z.ndim == 1:
            return -np.logaddexp(0.0, -np.column_stack([-z, z]))
        return z - logsumexp(z, axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class of the last step.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        z = self.decision_function(X)
        idx = (z > 0).astype(int) if z.ndim == 1 else z.argmax(axis=1)
        return self.classes_[idx]
