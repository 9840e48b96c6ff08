"""Kernel ridge regression as a spectral problem: named kernels, Gram checks, kernel spectra.

A kernel fit on training inputs ``x_1..x_N`` with Gram matrix ``K = V D Vᵀ`` (eigenvalues
``d_k ≥ 0``) and labels ``y`` is, in the eigenbasis, a diagonal *filter* ``b_k`` on the label
coordinates ``z = Vᵀy``: in-sample predictions are ``ŷ = V diag(b) Vᵀy`` and the fitted
function is ``f(x) = k(x)ᵀα`` with coefficients ``α = V diag(c) Vᵀy``. Plain kernel ridge
regression (KRR) has ``b_k = d_k/(d_k + λ)``, ``c_k = 1/(d_k + λ)``. Linear ridge is the case
``K = XXᵀ``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_choice, check_finite, check_int, check_matrix, check_scalar
from ..ridge._spectrum import Spectrum

__all__ = [
    "linear_kernel",
    "rbf_kernel",
    "polynomial_kernel",
    "kernel_matrix",
    "check_gram",
    "KernelEigen",
    "kernel_eigen",
    "kernel_spectrum",
]


def _inputs(X, name: str) -> np.ndarray:
    X = check_finite(X, name)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(
            f"{name} must be 1-D (n,) or 2-D (n, p) and non-empty, got shape {X.shape}"
        )
    return X


def _pair(X, Z):
    X = _inputs(X, "X")
    Z = X if Z is None else _inputs(Z, "Z")
    if Z.shape[1] != X.shape[1]:
        raise ValueError(
            f"X and Z must have the same number of features, got {X.shape[1]} and {Z.shape[1]}"
        )
    return X, Z


def linear_kernel(X, Z=None) -> np.ndarray:
    r"""Linear kernel ``k(x, x') = xᵀx'``: the Gram matrix ``XZᵀ``.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    X : array_like, shape (n,) or (n, p)
    Z : array_like, shape (m,) or (m, p), optional
        Second set of inputs (default ``X``: the training Gram matrix).

    Returns
    -------
    ndarray, shape (n, m)

    Notes
    -----
    Kernel ridge with the linear kernel is linear ridge regression: with ``K = XXᵀ``,
    ``(K + λI)⁻¹y`` are the dual coefficients of ``θ̂ = (XᵀX + λI)⁻¹Xᵀy = Xᵀ(K + λI)⁻¹y``.

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> linear_kernel([[1.0, 2.0], [0.0, 1.0]])
    array([[5., 2.],
           [2., 1.]])
    """
    X, Z = _pair(X, Z)
    return X @ Z.T


def rbf_kernel(X, Z=None, *, gamma: float = 1.0) -> np.ndarray:
    r"""Gaussian (RBF) kernel ``k(x, x') = exp(−gamma·‖x − x'‖²)``.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    X : array_like, shape (n,) or (n, p)
    Z : array_like, shape (m,) or (m, p), optional
    gamma : float
        Inverse squared width ``gamma > 0`` (the toy problem of Mobahi et al. and Borup & Andersen
        uses ``gamma = 80`` on ``[0, 1]``).

    Returns
    -------
    ndarray, shape (n, m)

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> K = rbf_kernel([0.0, 0.5], gamma=80.0)
    >>> K.shape, float(K[0, 0])
    ((2, 2), 1.0)
    """
    X, Z = _pair(X, Z)
    g = check_scalar(gamma, "gamma", low=0.0, low_open=True)
    sq = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2.0 * X @ Z.T
    return np.exp(-g * np.maximum(sq, 0.0))


def polynomial_kernel(X, Z=None, *, degree: int = 2, gamma: float = 1.0, coef0: float = 1.0):
    r"""Polynomial kernel ``k(x, x') = (gamma·xᵀx' + c₀)^p``.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    X, Z : array_like
    degree : int
        ``p ≥ 1``.
    gamma : float
        ``gamma > 0``.
    coef0 : float
        ``c₀ ≥ 0`` (keeps the kernel positive semi-definite).

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> polynomial_kernel([[1.0], [2.0]], degree=2)
    array([[ 4.,  9.],
           [ 9., 25.]])
    """
    X, Z = _pair(X, Z)
    p = check_int(degree, "degree", minimum=1)
    g = check_scalar(gamma, "gamma", low=0.0, low_open=True)
    c0 = check_scalar(coef0, "coef0", low=0.0)
    return (g * (X @ Z.T) + c0) ** p


_KERNELS = {"linear": linear_kernel, "rbf": rbf_kernel, "polynomial": polynomial_kernel}


def kernel_matrix(kernel, X, Z=None, **params) -> np.ndarray:
    r"""Gram matrix of a named kernel (``"linear"``, ``"rbf"``, ``"polynomial"``) or a callable.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    kernel : str or callable
        A name, or ``kernel(X, Z) -> (n, m) array``.
    X, Z : array_like
        Inputs (``Z`` default ``X``).
    **params
        Kernel parameters (``gamma``, ``degree``, ``coef0``).

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> K = kernel_matrix("rbf", [0.0, 0.1, 0.2], gamma=80.0)
    >>> K.shape
    (3, 3)
    """
    if callable(kernel):
        X, Z = _pair(X, Z)
        out = check_finite(kernel(X, Z, **params), "kernel(X, Z)")
        if out.shape != (X.shape[0], Z.shape[0]):
            raise ValueError(
                f"kernel(X, Z) must return shape {(X.shape[0], Z.shape[0])}, got {out.shape}"
            )
        return out
    check_choice(kernel, "kernel", set(_KERNELS))
    return _KERNELS[kernel](X, Z, **params)


def check_gram(K, name: str = "K", *, rtol: float = 1e-10) -> np.ndarray:
    r"""Validate a training Gram matrix: finite, square, symmetric and positive semi-definite.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    K : array_like, shape (N, N)
    name : str
        Argument name used in error messages.
    rtol : float
        Eigenvalues above ``−rtol · N · max|K|`` count as ``≥ 0`` (round-off).

    Returns
    -------
    ndarray
        The symmetrized matrix ``(K + Kᵀ)/2``.

    Raises
    ------
    ValueError
        If ``K`` is not square, not symmetric (``|K − Kᵀ| > 1e-10 max(1, max|K|)``) or has a
        clearly negative eigenvalue.

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> check_gram([[2.0, 1.0], [1.0, 2.0]]).shape
    (2, 2)
    >>> check_gram([[1.0, 2.0], [2.0, 1.0]])
    Traceback (most recent call last):
    ...
    ValueError: K must be positive semi-definite (smallest eigenvalue -1)
    """
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a string (the argument name for messages), got {type(name).__name__}"
        )
    rtol = check_scalar(rtol, "rtol", low=0.0)
    K = check_matrix(K, name)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"{name} must be a square Gram matrix, got shape {K.shape}")
    scale = max(1.0, float(np.abs(K).max()))
    if not np.allclose(K, K.T, rtol=0, atol=1e-10 * scale):
        raise ValueError(f"{name} must be symmetric (max |K − Kᵀ| = {np.abs(K - K.T).max():.3g})")
    sym = 0.5 * (K + K.T)
    lo = float(np.linalg.eigvalsh(sym).min())
    if lo < -rtol * scale * K.shape[0]:
        raise ValueError(f"{name} must be positive semi-definite (smallest eigenvalue {lo:.3g})")
    return sym


@dataclass(frozen=True, eq=False)
class KernelEigen:
    """Eigendecomposition ``K = V diag(d) Vᵀ`` of a training Gram matrix (descending ``d``).

    See the theory page :doc:`/theory/iterated`.

    Attributes
    ----------
    eigvals : ndarray, shape (N,)
        All eigenvalues, descending, clipped at 0.
    eigvecs : ndarray, shape (N, N)
        Orthonormal eigenvectors (columns).
    rank : int
        Number of eigenvalues above ``rtol · d_max`` (the rest count as exactly zero).
    """

    eigvals: np.ndarray
    eigvecs: np.ndarray
    rank: int

    @property
    def n(self) -> int:
        return int(self.eigvals.shape[0])

    @property
    def range_mask(self) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        m[: self.rank] = True
        return m


def kernel_eigen(K, *, rtol: float | None = None, check: bool = True) -> KernelEigen:
    r"""Eigendecomposition of a training Gram matrix, eigenvalues descending.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    K : array_like, shape (N, N)
        Symmetric PSD Gram matrix (validated as in :func:`check_gram`, from the same
        eigendecomposition, unless ``check=False``).
    rtol : float, optional
        Eigenvalues below ``rtol · d_max`` are treated as zero. Default ``N · eps``.

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> e = kernel_eigen([[2.0, 0.0], [0.0, 1.0]])
    >>> e.eigvals, e.rank
    (array([2., 1.]), 2)
    """
    if not isinstance(check, (bool, np.bool_)):
        raise TypeError(f"check must be True or False, got {type(check).__name__}")
    if rtol is not None:
        rtol = check_scalar(rtol, "rtol", low=0.0)
    if check:
        K = check_matrix(K, "K")
        if K.shape[0] != K.shape[1]:
            raise ValueError(f"K must be a square Gram matrix, got shape {K.shape}")
        scale = max(1.0, float(np.abs(K).max()))
        if not np.allclose(K, K.T, rtol=0, atol=1e-10 * scale):
            raise ValueError(f"K must be symmetric (max |K − Kᵀ| = {np.abs(K - K.T).max():.3g})")
        K = 0.5 * (K + K.T)
    else:
        K = np.asarray(K, dtype=float)
    d, V = np.linalg.eigh(K)  # one decomposition serves the PSD check and the fit
    if check and d[0] < -1e-10 * max(1.0, float(np.abs(K).max())) * K.shape[0]:
        raise ValueError(f"K must be positive semi-definite (smallest eigenvalue {d[0]:.3g})")
    d, V = d[::-1].copy(), V[:, ::-1].copy()
    d = np.maximum(d, 0.0)
    n = d.shape[0]
    tol = (n * np.finfo(float).eps if rtol is None else rtol) * max(d[0], 0.0)
    rank = int((d > tol).sum()) if d[0] > 0 else 0
    d[rank:] = 0.0
    for a in (d, V):
        a.setflags(write=False)
    return KernelEigen(eigvals=d, eigvecs=V, rank=rank)


def kernel_spectrum(K, y_star, noise, *, rtol: float | None = None) -> Spectrum:
    r"""The :class:`Spectrum` of in-sample prediction risk for kernel ridge regression.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    K : array_like, shape (N, N)
        Training Gram matrix (symmetric PSD).
    y_star : array_like, shape (N,)
        Noise-free targets ``y* = f*(x_n)`` (labels are ``y = y* + η``, ``Cov η = σ²I``).
    noise : float
        Label-noise variance ``σ² ≥ 0``.
    rtol : float, optional
        Eigenvalues below ``rtol · d_max`` count as zero (default ``N · eps``).

    Returns
    -------
    Spectrum
        ``eigvals = d_k`` (the non-zero eigenvalues of ``K``), ``signal = z*_k/√d_k`` with
        ``z* = Vᵀy*``, ``noise = σ²``, ``weights = d_k/N``, ``null_risk = Σ_{d_k=0} z*_k²/N``,
        ``basis = V`` (the kept eigenvectors). Any spectral filter ``b`` then has
        ``filter_risk(sp, f=b) = E(1/N)‖V diag(b) Vᵀy − y*‖²``; directions with ``d_k = 0`` are
        never fitted and their signal is the ``null_risk``.

    Notes
    -----
    In the eigenbasis ``ŷ_k = b_k(z*_k + η_k)`` with ``Var η_k = σ²``, so

    .. math:: \frac1N E‖ŷ − y^*‖² = \frac1N\sum_k [(1 − b_k)² z^{*2}_k + b_k²σ²].

    With ``w_k = d_k/N`` and ``θ_k = z*_k/√d_k`` this is the :class:`Spectrum` risk
    ``Σ w_k[(1 − b_k)²θ_k² + b_k²σ²/d_k]`` — exactly linear ridge with ``X = V D^{1/2}`` and
    ``W = XᵀX/N``, and the ridge filter ``d_k/(d_k + λ)`` is the KRR filter.

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> import numpy as np
    >>> K = np.diag([2.0, 1.0, 0.0])
    >>> sp = kernel_spectrum(K, [1.0, 1.0, 1.0], noise=0.5)
    >>> sp.rank, round(sp.null_risk, 6)    # the third point is in the null space of K
    (2, 0.333333)
    """
    from ..problem import KernelProblem

    if rtol is not None:
        rtol = check_scalar(rtol, "rtol", low=0.0)
    return Spectrum.from_problem(KernelProblem(K, y_star, noise), rtol=rtol)
