"""The spectral description of a linear regression problem under label noise.

Almost every linear estimator in this package is a *spectral filter*: in the eigenbasis of
``XᵀX`` (or of a kernel Gram matrix) it multiplies each least-squares coordinate by a number
``f_j``. A :class:`Spectrum` holds everything needed to evaluate the expected error of any
filter: the eigenvalues ``s_j²``, the signal coordinates ``θ_j``, the label-noise variance
``σ²`` and the risk weights.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field

import numpy as np

from .._validate import (
    as_float_array,
    check_choice,
    check_matrix,
    check_nonneg,
    check_psd,
    check_scalar,
    check_vector,
)
from ..problem import KernelProblem, LinearProblem

__all__ = ["Spectrum", "as_spectrum"]


@dataclass(frozen=True, eq=False)
class Spectrum:
    r"""Eigenvalues, signal, noise level and risk weights of a fixed-design problem.

    Parameters
    ----------
    eigvals : array_like, shape (r,)
        Non-zero eigenvalues ``s_j²`` of ``XᵀX`` (squared singular values), all ``> 0``.
    signal_energy : array_like, shape (r,), optional
        ``θ_j²``: squared coordinates of ``θ*`` on the right singular vectors. Give this *or*
        ``signal``.
    noise : float
        Label-noise variance ``σ² ≥ 0`` (``Cov η = σ² I``).
    weights : array_like, shape (r,) or (r, r), optional
        Risk weights in the eigenbasis: a vector ``w_j ≥ 0`` (diagonal case) or a PSD matrix
        ``M = VᵀWV``. Default: ones (parameter error ``W = I``).
    signal : array_like, shape (r,), optional
        Signed coordinates ``θ_j = v_jᵀθ*``. Needed only when ``weights`` is a non-diagonal
        matrix (the bias cross terms depend on the signs).
    null_risk : float, optional
        ``‖P_ker θ*‖²_W``: error from the part of ``θ*`` no estimator can recover; added to
        every risk. Default 0.
    null_cross : array_like, shape (r,), optional
        ``VᵀW P_ker θ*``: cross term between range and null-space error (zero for ``W = I`` and
        for prediction risk). Default zeros.
    basis : array_like, shape (d, r), optional
        The eigenvectors (as columns) the coordinates refer to, kept by the constructors from a
        design or problem (e.g. to map a filter back to coefficients); no risk uses it.

    Notes
    -----
    For a filter ``f`` the estimator's eigen-coordinates are ``f_j (θ_j + ε_j)`` with
    ``Var ε_j = σ²/s_j²``. With ``b = (f − 1)∘θ`` the expected weighted error is

    .. math:: E = bᵀ M b − 2 bᵀ h + σ² \sum_j f_j² M_{jj}/s_j² + ‖P_{ker}θ^*‖²_W,

    ``h = null_cross`` (Das & Sanghavi 2023, Sec. 3; general ``W`` here). For diagonal
    ``M = diag(w)`` and ``h = 0`` this is ``Σ_j w_j[(1 − f_j)²θ_j² + f_j² σ²/s_j²]``.
    This is the fixed-design risk ``E‖θ̂ − θ*‖²_W`` (label noise only, ``X`` fixed, no
    ``+σ²``). Every argument after ``eigvals`` is keyword-only.
    See the theory page :doc:`/theory/ridge`.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023, arXiv:2301.13304.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[1.0, 1.0, 1.0], noise=10.0)
    >>> sp.rank
    3
    >>> sp.is_diagonal
    True
    """

    eigvals: np.ndarray
    _: KW_ONLY
    # Given as optional, always a float64 array after validation (hence the ignores).
    signal_energy: np.ndarray = None  # type: ignore[assignment]
    noise: float  # required: a silent noiseless default hid mistakes
    weights: np.ndarray = None  # type: ignore[assignment]
    signal: np.ndarray | None = None
    null_risk: float = 0.0
    null_cross: np.ndarray = None  # type: ignore[assignment]
    basis: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        ev = check_vector(self.eigvals, "eigvals")
        if (ev <= 0).any():
            raise ValueError(
                f"eigvals must be > 0 (non-zero eigenvalues of XᵀX), got min {ev.min():.6g}"
            )
        r = ev.shape[0]
        if self.signal is not None:
            sig = check_vector(self.signal, "signal", length=r)
            energy = sig**2
            if self.signal_energy is not None:
                given = check_nonneg(self.signal_energy, "signal_energy")
                if given.shape != (r,) or not np.allclose(given, energy, rtol=1e-10, atol=0):
                    raise ValueError("signal_energy must equal signal**2 when both are given")
        elif self.signal_energy is not None:
            energy = check_nonneg(self.signal_energy, "signal_energy")
            if energy.ndim != 1 or energy.shape[0] != r:
                raise ValueError(
                    f"signal_energy must have shape ({r},) to match eigvals, got {energy.shape}"
                )
            sig = None
        else:
            raise TypeError("Spectrum needs signal_energy (θ_j²) or signal (θ_j)")
        if np.ndim(self.noise) != 0 and not isinstance(self.noise, str):
            raise ValueError(
                f"noise must be a scalar variance in [0, inf), got shape {np.shape(self.noise)}"
            )
        noise = check_scalar(self.noise, "noise", low=0.0)
        if self.weights is None:
            w = np.ones(r)
        else:
            if isinstance(self.weights, str):
                raise TypeError("weights must be an array; use Spectrum.from_design for names")
            w = as_float_array(self.weights, "weights")
            if w.ndim == 1:
                w = check_nonneg(w, "weights")
                if w.shape[0] != r:
                    raise ValueError(f"weights must have shape ({r},) or ({r}, {r}), got {w.shape}")
            elif w.ndim == 2:
                if w.shape != (r, r):
                    raise ValueError(f"weights must have shape ({r},) or ({r}, {r}), got {w.shape}")
                w = check_psd(w, "weights")
                if np.count_nonzero(w - np.diag(np.diag(w))) == 0:
                    w = np.diag(w).copy()
            else:
                raise ValueError(f"weights must be 1-D or 2-D, got shape {w.shape}")
        if w.ndim == 2 and sig is None:
            raise ValueError(
                "a non-diagonal weights matrix needs the signed signal coordinates (signal=...)"
            )
        null_risk = check_scalar(self.null_risk, "null_risk", low=0.0)
        if self.null_cross is None:
            h = np.zeros(r)
        else:
            h = check_vector(self.null_cross, "null_cross", length=r)
            if np.any(h != 0) and sig is None:
                raise ValueError("null_cross needs the signed signal coordinates (signal=...)")
        if self.basis is not None:
            basis = check_matrix(self.basis, "basis")
            if basis.shape[1] != r:
                raise ValueError(
                    f"basis must have {r} columns (one per eigenvalue), got {basis.shape}"
                )
            if not (isinstance(self.basis, np.ndarray) and self.basis.dtype == np.float64):
                object.__setattr__(self, "basis", basis)  # keep a valid float64 array as given
        for name, value in (
            ("eigvals", ev),
            ("signal_energy", energy),
            ("noise", float(noise)),
            ("weights", w),
            ("signal", sig),
            ("null_risk", float(null_risk)),
            ("null_cross", h),
        ):
            if isinstance(value, np.ndarray):
                value = value.copy()
                value.setflags(write=False)
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_design(cls, X, theta_star, noise, *, weights="parameter", rtol=None) -> Spectrum:
        r"""Build the spectrum of a design matrix ``X`` (n × d) with true parameter ``θ*``.

        Parameters
        ----------
        X : array_like, shape (n, d)
            Fixed design.
        theta_star : array_like, shape (d,)
            True parameter. Its component in the null space of ``X`` is kept and reported in
            ``null_risk`` (no estimator of the form ``g(XᵀX)Xᵀy`` recovers it).
        noise : float
            Label-noise variance ``σ²``.
        weights : {"parameter", "prediction"} or array_like (d, d)
            ``"parameter"``: ``W = I`` (``‖θ̂ − θ*‖²``); ``"prediction"``: ``W = XᵀX/n``
            (in-sample prediction error per point); or a PSD ``d × d`` matrix (e.g. a
            population covariance Σ).
        rtol : float, optional
            Singular values below ``rtol · s_max`` count as zero. Default
            ``max(n, d) · eps``.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
        >>> sp = Spectrum.from_design(X, [1.0, 1.0, 3.0], noise=1.0)
        >>> sp.eigvals
        array([4., 1.])
        >>> sp.null_risk  # the third coordinate lies in the null space of X
        9.0
        """
        X = check_matrix(X, "X")
        n, d = X.shape
        theta = check_vector(theta_star, "theta_star", length=d)
        if rtol is not None:
            rtol = check_scalar(rtol, "rtol", low=0.0)
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        tol = (max(n, d) * np.finfo(float).eps if rtol is None else rtol) * (
            s[0] if s.size else 0.0
        )
        keep = s > tol
        if not keep.any():
            raise ValueError("X has rank 0 (all singular values are zero); nothing can be fitted")
        s, V = s[keep], Vt[keep].T
        coords = V.T @ theta
        null_part = theta - V @ coords
        if isinstance(weights, str):
            check_choice(weights, "weights", {"parameter", "prediction"})
            if weights == "parameter":
                W_eig = np.ones(s.size)
                null_risk = float(null_part @ null_part)
            else:
                W_eig = s**2 / n
                null_risk = 0.0
            h = np.zeros(s.size)
        else:
            W = check_psd(weights, "weights")
            if W.shape != (d, d):
                raise ValueError(f"weights matrix must have shape ({d}, {d}), got {W.shape}")
            W_eig = V.T @ W @ V
            h = V.T @ W @ null_part
            null_risk = float(null_part @ W @ null_part)
        return cls(
            eigvals=s**2,
            signal=coords,
            noise=noise,
            weights=W_eig,
            null_risk=max(null_risk, 0.0),
            null_cross=h,
            basis=V,
        )

    @classmethod
    def from_problem(cls, problem, *, rtol=None) -> Spectrum:
        r"""The spectrum of a :class:`~sdtheory.LinearProblem` or :class:`~sdtheory.KernelProblem`.

        Parameters
        ----------
        problem : LinearProblem or KernelProblem
            A linear problem gives :meth:`from_design` of its ``X``, ``theta_star``, ``noise``
            and ``weights`` (risk ``E‖θ̂ − θ*‖²_W``). A kernel problem gives the spectrum of
            in-sample prediction risk ``(1/N)E‖ŷ − y*‖²``: eigenvalues ``d_k`` of ``K``,
            ``θ_k = z*_k/√d_k`` with ``z* = Vᵀy*``, weights ``d_k/N`` and the null-space part of
            ``y*`` in ``null_risk``.
        rtol : float, optional
            Relative cut below which singular values (eigenvalues of ``K``) count as zero.

        Examples
        --------
        >>> import numpy as np
        >>> from sdtheory import LinearProblem, Spectrum
        >>> X = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
        >>> Spectrum.from_problem(LinearProblem(X, [1.0, 1.0, 3.0], noise=1.0)).null_risk
        9.0
        """
        if isinstance(problem, LinearProblem):
            return cls.from_design(
                problem.X, problem.theta_star, problem.noise, weights=problem.weights, rtol=rtol
            )
        if isinstance(problem, KernelProblem):
            K = problem.K
            n = problem.n
            d, V = np.linalg.eigh(K)
            d, V = np.maximum(d[::-1], 0.0), V[:, ::-1]
            if rtol is not None:
                rtol = check_scalar(rtol, "rtol", low=0.0)
            tol = (n * np.finfo(float).eps if rtol is None else rtol) * max(float(d[0]), 0.0)
            r = int((d > tol).sum()) if d[0] > 0 else 0
            if r == 0:
                raise ValueError("K is zero (rank 0): kernel ridge fits nothing")
            z = V.T @ problem.y_star
            return cls(
                eigvals=d[:r],
                signal=z[:r] / np.sqrt(d[:r]),
                noise=problem.noise,
                weights=d[:r] / n,
                null_risk=float((z[r:] ** 2).sum() / n),
                basis=V[:, :r].copy(),
            )
        raise TypeError(
            f"problem must be a LinearProblem or KernelProblem, got {type(problem).__name__}"
        )

    # ------------------------------------------------------------------ properties
    @property
    def rank(self) -> int:
        """Number of non-zero eigenvalues ``r``."""
        return int(self.eigvals.shape[0])

    @property
    def is_diagonal(self) -> bool:
        """True when the risk weights are diagonal in the eigenbasis and there is no cross term."""
        return self.weights.ndim == 1 and not np.any(self.null_cross)

    @property
    def weight_matrix(self) -> np.ndarray:
        """Risk weights ``M = VᵀWV`` as an ``r × r`` matrix (also when stored as a vector).

        Non-diagonal code paths must use this, not ``weights``: a diagonal ``M`` is stored as
        a vector even when a null-space cross term makes the problem non-diagonal.
        """
        return self.weights if self.weights.ndim == 2 else np.diag(self.weights)

    @property
    def weight_diag(self) -> np.ndarray:
        """Diagonal ``M_jj`` of the risk weights (what the variance term uses)."""
        return self.weights if self.weights.ndim == 1 else np.diag(self.weights)

    def with_noise(self, noise) -> Spectrum:
        """The same problem with another label-noise variance."""
        return Spectrum(
            eigvals=self.eigvals,
            signal_energy=self.signal_energy,  # equals signal**2 when signal is given
            noise=noise,
            weights=self.weights,
            signal=self.signal,
            null_risk=self.null_risk,
            null_cross=self.null_cross,
            basis=self.basis,
        )

    def __repr__(self) -> str:
        kind = "diagonal" if self.weights.ndim == 1 else "matrix"
        return (
            f"Spectrum(rank={self.rank}, eigvals∈[{self.eigvals.min():.3g}, "
            f"{self.eigvals.max():.3g}], noise={self.noise:.4g}, weights={kind}, "
            f"null_risk={self.null_risk:.4g})"
        )


def as_spectrum(problem, name: str = "problem") -> Spectrum:
    """A :class:`Spectrum` from a spectrum, :class:`~sdtheory.LinearProblem` or
    :class:`~sdtheory.KernelProblem`.

    Every theory function that takes a spectrum calls this first, so a problem object can be
    passed wherever a spectrum is expected. Anything else raises a ``TypeError`` naming ``name``.
    """
    if isinstance(problem, Spectrum):
        return problem
    if isinstance(problem, (LinearProblem, KernelProblem)):
        return Spectrum.from_problem(problem)
    raise TypeError(
        f"{name} must be a Spectrum, LinearProblem or KernelProblem, got {type(problem).__name__}"
    )
