r"""Iterated kernel self-distillation from one factorization of the Gram matrix.

Step 0 is kernel ridge on the labels; step ``t = 1..k`` is kernel ridge on
``(1 − ξ_t)y + ξ_t ŷ_{t−1}``, ``ξ_t`` the weight on the teacher (the previous step).

See the theory page :doc:`/theory/iterated`.

References
----------
K. Borup and L. N. Andersen, "Even your Teacher Needs Guidance: Ground-Truth Targets Dampen
Regularization Imposed by Self-Distillation", NeurIPS 2021, arXiv:2102.13088.
H. Mobahi, M. Farajtabar and P. L. Bartlett, "Self-Distillation Amplifies Regularization in
Hilbert Space", NeurIPS 2020, arXiv:2002.05715.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import linalg

from .._validate import check_choice, check_finite, check_int, check_matrix, check_scalar
from ._common import ky_arg, lam_arg, xis_arg
from ._kernel import KernelEigen, kernel_eigen

__all__ = ["KernelSDFit", "kernel_self_distill"]


@dataclass(frozen=True, eq=False)
class KernelSDFit:
    """Result of :func:`kernel_self_distill`.

    See the theory page :doc:`/theory/iterated`.

    Attributes
    ----------
    coef : ndarray (steps + 1, N)
        Kernel coefficients of the teacher (row 0) and of distillation steps ``1..steps``;
        predictions at new points are ``K_new_train @ coef[t]``.
    fitted : ndarray (steps + 1, N)
        In-sample predictions ``K @ coef[t]``.
    filters : ndarray (steps + 1, N)
        Eigenbasis filters ``b^{(t)}`` (descending eigenvalues; 0 on the null space of K).
        This and the next three attributes need the eigendecomposition of ``K``; after a
        Cholesky fit (``method="cholesky"``) it is computed on first access, once.
    limit_coef : ndarray (N,) or None
        Coefficients of the limit of infinitely many steps with a constant ``ξ``:
        ``(K + (λ/(1 − ξ))I)⁻¹y`` (zeros for ``ξ = 1``); ``None`` when the weights vary per
        step or the iteration does not converge (``|ξ|·d_max/(d_max + λ) ≥ 1``).
    limit_filter : ndarray (N,) or None
    xis : ndarray (steps,)
        Weights on the teacher used at steps ``1..steps``.
    lam : float
    eigen : KernelEigen
    """

    coef: np.ndarray
    fitted: np.ndarray
    xis: np.ndarray
    lam: float
    _source: np.ndarray | KernelEigen = field(repr=False)
    _y: np.ndarray = field(repr=False)
    _xi: float | None = field(repr=False)
    _rtol: float | None = field(repr=False)

    @cached_property
    def eigen(self) -> KernelEigen:
        """The eigendecomposition of ``K`` (see the class docstring)."""
        if isinstance(self._source, KernelEigen):
            return self._source
        return kernel_eigen(self._source, rtol=self._rtol, check=False)

    @cached_property
    def _eig_path(self):
        return _eigen_path(self.eigen, self._y, self.lam, self.xis, self._xi)

    @property
    def filters(self) -> np.ndarray:
        """Eigenbasis filters ``b^{(t)}``, shape ``(steps + 1, N)``."""
        return self._eig_path[2]

    @property
    def limit_coef(self) -> np.ndarray | None:
        """Coefficients of the limit of infinitely many steps (see the class docstring)."""
        return self._eig_path[3]

    @property
    def limit_filter(self) -> np.ndarray | None:
        """Eigenbasis filter of the limit of infinitely many steps, or ``None``."""
        return self._eig_path[4]

    @property
    def steps(self) -> int:
        """Number of distillation steps after the teacher."""
        return int(self.coef.shape[0]) - 1

    def predict(self, K_new) -> np.ndarray:
        """Predictions ``K_new @ coef[t]`` at new points, shape ``(steps + 1, m)``.

        ``K_new`` is the cross-kernel matrix ``k(x_new_i, x_train_n)`` of shape ``(m, N)``.
        """
        Kn = _check_cross(K_new, self.coef.shape[1])
        return self.coef @ Kn.T

    def predict_limit(self, K_new) -> np.ndarray:
        """Predictions of the limit of infinitely many steps at new points, shape ``(m,)``."""
        if self.limit_coef is None:
            raise ValueError(
                "no limit of infinitely many steps: the weights xi vary per step "
                "or the iteration does not converge"
            )
        return _check_cross(K_new, self.coef.shape[1]) @ self.limit_coef


def _check_cross(K_new, n: int) -> np.ndarray:
    Kn = check_finite(K_new, "K_new")
    if Kn.ndim == 1:
        Kn = Kn[None, :]
    if Kn.ndim != 2 or Kn.shape[1] != n:
        raise ValueError(f"K_new must have shape (m, {n}) (new x train), got {Kn.shape}")
    return Kn


def _eigen_path(eig, y, lam, sched, xi0):
    """``(coef, fitted, filters, limit_coef, limit_filter)`` from the eigendecomposition."""
    V, d = eig.eigvecs, eig.eigvals
    k = sched.size
    z = V.T @ y
    inv = 1.0 / (d + lam)
    C = np.empty((k + 1, eig.n))
    C[0] = inv
    for t in range(k):
        C[t + 1] = ((1.0 - sched[t]) + sched[t] * d * C[t]) * inv
    B = d * C
    lim_c = lim_b = None
    if xi0 is not None and abs(xi0) * d[0] / (d[0] + lam) < 1.0:
        gam = (1.0 - xi0) / (d * (1.0 - xi0) + lam)
        lim_c, lim_b = V @ (gam * z), d * gam
    return (C * z) @ V.T, (B * z) @ V.T, B, lim_c, lim_b


def _gram_cholesky(K):
    """A validated symmetric ``K`` (errors as :func:`kernel_eigen`), PSD-checked by Cholesky."""
    K = check_matrix(K, "K")
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        return kernel_eigen(K)  # raises the shape error
    scale = max(1.0, float(np.abs(K).max()))
    if not np.allclose(K, K.T, rtol=0, atol=1e-10 * scale):
        return kernel_eigen(K)  # raises the symmetry error
    K = 0.5 * (K + K.T)
    # PSD up to kernel_eigen's tolerance: K + tol·I must be positive definite
    shifted = K + (1e-10 * scale * K.shape[0]) * np.eye(K.shape[0])
    try:
        linalg.cholesky(shifted, lower=True, check_finite=False)
    except linalg.LinAlgError:
        kernel_eigen(K)  # raises the PSD error with the smallest eigenvalue
        raise ValueError("K must be positive semi-definite") from None
    return K


def _cholesky_path(K, y, lam, sched):
    """``(coef, fitted)``: one Cholesky factor of ``K + λI`` for the teacher and every step."""
    n = K.shape[0]
    fac = linalg.cho_factor(K + lam * np.eye(n), lower=True, check_finite=False)
    C = np.empty((sched.size + 1, n))
    F = np.empty_like(C)
    C[0] = linalg.cho_solve(fac, y, check_finite=False)
    F[0] = K @ C[0]
    for t in range(sched.size):
        C[t + 1] = linalg.cho_solve(fac, (1.0 - sched[t]) * y + sched[t] * F[t], check_finite=False)
        F[t + 1] = K @ C[t + 1]
    return C, F


def kernel_self_distill(
    K, y, *, lam, xi=None, xis=None, steps=None, rtol=None, method: str = "auto"
) -> KernelSDFit:
    r"""Iterated kernel self-distillation via one factorization of ``K``.

    Parameters
    ----------
    K : array_like, shape (N, N), or KernelEigen
        Training Gram matrix (symmetric PSD; validated), or its precomputed
        :func:`~sdtheory.kernel_eigen` to reuse one decomposition across labels, ``λ`` and ``ξ``.
    y : array_like, shape (N,)
        Training labels.
    lam : float
        Ridge penalty ``λ > 0`` at every step (on the unscaled ``K``: the summed-loss scale).
    xi : float, optional
        One weight ``ξ ∈ ℝ`` on the teacher, used at every step; needs ``steps``.
    xis : array_like, shape (k,), optional
        One weight per distillation step (``ξ_1..ξ_k``, any reals); ``steps`` defaults to
        ``len(xis)``. Give exactly one of ``xi`` and ``xis``.
    steps : int, optional
        Number ``≥ 0`` of distillation steps after the teacher (step 0).
    rtol : float, optional
        Relative threshold below which eigenvalues of ``K`` count as zero.
    method : {"auto", "eigh", "cholesky"}
        ``"eigh"``: one eigendecomposition of ``K`` gives the coefficients, filters and limit.
        ``"cholesky"``: one Cholesky factor of ``K + λI`` is reused for the teacher and every
        step (several times faster for one path); the filters, limit and ``eigen`` of the
        result are then computed on first access. ``"auto"`` (default) is ``"cholesky"`` when
        ``K`` is a matrix and ``rtol`` is not given, and ``"eigh"`` otherwise (a
        :class:`~sdtheory.KernelEigen` is already decomposed; ``rtol`` acts on eigenvalues).

    Returns
    -------
    KernelSDFit
        Coefficients, in-sample fits and filters of the teacher and every step.

    Notes
    -----
    Step 0: ``c^{(0)} = (K + λI)⁻¹y``; step ``t``:
    ``c^{(t)} = (K + λI)⁻¹((1 − ξ_t)y + ξ_t Kc^{(t−1)})``. With ``K = VDVᵀ`` and ``z = Vᵀy``:
    ``c^{(t)} = V diag(c̃^{(t)}) z`` (``c̃^{(t)}``: the coefficients in the eigenbasis per unit
    of ``z``) where ``c̃^{(0)} = 1/(d + λ)``,
    ``c̃^{(t)} = (1 − ξ_t + ξ_t b^{(t−1)})/(d + λ)`` and ``b^{(t)} = dc̃^{(t)}`` is the
    in-sample filter (:func:`~sdtheory.multistep_filter`). No ``D⁻¹`` appears, so a singular
    ``K`` is fine. Cost: one ``O(N³)`` eigendecomposition plus ``O(N²)`` per step; the
    Cholesky route solves the recursion directly with one factor of ``K + λI``
    (``O(N³/3)``) plus ``O(N²)`` per step. For a
    constant ``ξ`` with ``|ξ|a_max < 1`` the fixed point is
    ``b^{(∞)} = d(1 − ξ)/(d(1 − ξ) + λ)``: kernel ridge with penalty ``λ/(1 − ξ)`` (Borup &
    Andersen's ``λ/α`` with ``α = 1 − ξ``). See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088); Mobahi et al., NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import rbf_kernel
    >>> x = np.linspace(0, 1, 11)
    >>> K = rbf_kernel(x, gamma=80.0)
    >>> fit = kernel_self_distill(K, np.sin(2 * np.pi * x), lam=0.2, xi=1.0, steps=5)
    >>> fit.coef.shape, float(np.abs(fit.limit_coef).max())
    ((6, 11), 0.0)
    >>> fe = kernel_self_distill(K, np.sin(2 * np.pi * x), lam=0.2, xi=1.0, steps=5, method="eigh")
    >>> bool(np.allclose(fit.coef, fe.coef, rtol=0, atol=1e-10))
    True
    """
    method = check_choice(method, "method", ("auto", "eigh", "cholesky"))
    if method == "auto":
        method = "eigh" if isinstance(K, KernelEigen) or rtol is not None else "cholesky"
    if method == "cholesky":
        if isinstance(K, KernelEigen):
            raise ValueError('method="cholesky" needs K as a Gram matrix, not a KernelEigen')
        if rtol is not None:
            rtol = check_scalar(rtol, "rtol", low=0.0)
        src = _gram_cholesky(K)
        y = check_finite(y, "y")
        if y.ndim != 1 or y.shape[0] != src.shape[0]:
            n = src.shape[0]
            raise ValueError(f"y must have shape ({n},) to match K ({n} x {n}), got {y.shape}")
    else:
        src, y = ky_arg(K, y, rtol=rtol)
    lam = lam_arg(lam, scalar=True)
    if (xi is None) == (xis is None):
        raise TypeError(
            "give exactly one of xi (one weight on the teacher for every step, with "
            "steps) and xis (one weight per step)"
        )
    if xi is not None:
        xi0 = check_scalar(xi, "xi")
        if steps is None:
            raise TypeError("steps (an integer >= 0) is required with a scalar xi")
        k = check_int(steps, "steps", minimum=0)
        sched = np.full(k, xi0)
    else:
        sched = xis_arg(xis)
        if sched.ndim != 1:
            raise ValueError(f"xis must be 1-D (xi_1, ..., xi_k), got shape {sched.shape}")
        k = sched.size
        if steps is not None and check_int(steps, "steps", minimum=0) != k:
            raise ValueError(f"steps must equal len(xis) = {k}, got {steps}")
    xi_const = xi0 if xi is not None else None
    if method == "cholesky":
        C, F = _cholesky_path(src, y, lam, sched)
        return KernelSDFit(C, F, sched, lam, _source=src, _y=y, _xi=xi_const, _rtol=rtol)
    path = _eigen_path(src, y, lam, sched, xi_const)
    fit = KernelSDFit(path[0], path[1], sched, lam, _source=src, _y=y, _xi=xi_const, _rtol=rtol)
    fit.__dict__["_eig_path"] = path  # already computed: no second pass on access
    return fit
