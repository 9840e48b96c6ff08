r"""Problem objects: the data of a self-distillation problem, shared by theory and simulation.

A problem object holds *data only* (NumPy arrays and numbers, validated once) and no theory, so
the JAX simulators in :mod:`sdtheory.simulate` can sample from it without importing the theory
they check, and the theory (:meth:`sdtheory.Spectrum.from_problem`) computes exact risks of the
very same problem. Handing one object to both sides is how the package makes sure that theory and
Monte Carlo compare the same quantity.

Two risks appear in the package and each function states which one it returns:

* **fixed-design risk** (this module, :mod:`sdtheory.ridge`, :mod:`sdtheory.iterated`):
  ``E‖θ̂ − θ*‖²_W`` over the label noise only, with ``X`` fixed and *no* ``+σ²`` term;
* **fresh-point risk** (:mod:`sdtheory.asymptotics`): ``E(xᵀθ̂ − y)²`` at a new point ``x`` drawn
  from the population, i.e. ``‖θ̂ − θ*‖²_Σ + σ²``.

See the theory pages :doc:`/theory/ridge` and :doc:`/theory/iterated`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import check_choice, check_matrix, check_psd, check_scalar, check_vector

__all__ = ["LinearProblem", "KernelProblem", "WEIGHTS"]

#: Named risk weights of a :class:`LinearProblem`.
WEIGHTS = ("parameter", "prediction")


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr, dtype=np.float64, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class LinearProblem:
    r"""A fixed-design linear regression problem under label noise.

    Labels are ``y = Xθ* + η`` with ``E η = 0``, ``Cov η = σ² I``; ``X`` is fixed.

    Parameters
    ----------
    X : array_like, shape (n, d)
        The fixed design (finite).
    theta_star : array_like, shape (d,)
        The true coefficients ``θ*`` (finite).
    noise : float
        Label-noise variance ``σ² ≥ 0``.
    weights : {"parameter", "prediction"} or array_like, shape (d, d), keyword-only
        The risk the problem is scored by, ``E‖θ̂ − θ*‖²_W``: ``"parameter"`` is ``W = I``
        (parameter error), ``"prediction"`` is ``W = XᵀX/n`` (in-sample prediction error per
        point, without ``+σ²``), or any symmetric PSD ``d × d`` matrix (e.g. a population
        covariance Σ, which gives the fresh-point excess risk).

    Attributes
    ----------
    n, d : int
        Number of samples and of features.
    weight_matrix : ndarray, shape (d, d)
        ``W`` as a matrix, whatever form ``weights`` was given in.

    Notes
    -----
    The object holds data only. The theory turns it into a
    :class:`~sdtheory.Spectrum` (``Spectrum.from_problem(problem)``, or pass the problem to any
    theory function that takes a spectrum); the simulators in :mod:`sdtheory.simulate` draw
    ``η`` and fit the estimators on ``X``. Both then report the same ``E‖θ̂ − θ*‖²_W``.

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((20, 5))
    >>> prob = LinearProblem(X, np.ones(5), noise=1.0, weights="prediction")
    >>> prob.n, prob.d
    (20, 5)
    >>> np.allclose(prob.weight_matrix, X.T @ X / 20)
    True
    """

    X: np.ndarray
    theta_star: np.ndarray
    noise: float
    weights: str | np.ndarray = field(default="parameter", kw_only=True)

    def __post_init__(self):
        X = check_matrix(self.X, "X")
        n, d = X.shape
        theta = check_vector(self.theta_star, "theta_star", length=d)
        noise = check_scalar(self.noise, "noise", low=0.0)
        if isinstance(self.weights, str):
            weights = check_choice(self.weights, "weights", set(WEIGHTS))
        else:
            if np.ndim(self.weights) != 2:
                raise ValueError(
                    f"weights must be 'parameter', 'prediction' or a symmetric PSD ({d}, {d}) "
                    f"matrix, got shape {np.shape(self.weights)}"
                )
            W = check_psd(self.weights, "weights")
            if W.shape != (d, d):
                raise ValueError(f"weights matrix must have shape ({d}, {d}), got {W.shape}")
            weights = _frozen(W)
        object.__setattr__(self, "X", _frozen(X))
        object.__setattr__(self, "theta_star", _frozen(theta))
        object.__setattr__(self, "noise", noise)
        object.__setattr__(self, "weights", weights)

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        """Number of features."""
        return int(self.X.shape[1])

    @property
    def weight_matrix(self) -> np.ndarray:
        """The risk weights ``W`` as a ``d × d`` matrix."""
        if isinstance(self.weights, str):
            if self.weights == "parameter":
                return np.eye(self.d)
            return self.X.T @ self.X / self.n
        return np.array(self.weights)

    def with_noise(self, noise) -> LinearProblem:
        """The same problem with another label-noise variance."""
        return LinearProblem(self.X, self.theta_star, noise, weights=self.weights)

    def __repr__(self) -> str:
        w = self.weights if isinstance(self.weights, str) else "matrix"
        return f"LinearProblem(n={self.n}, d={self.d}, noise={self.noise:.4g}, weights={w!r})"


@dataclass(frozen=True, eq=False)
class KernelProblem:
    r"""A kernel regression problem under label noise, scored by in-sample prediction error.

    Labels are ``y = y* + η`` with ``Cov η = σ² I``; the risk of an estimate ``ŷ`` of the clean
    targets at the training points is ``(1/N) E‖ŷ − y*‖²`` (no ``+σ²``).

    Parameters
    ----------
    K : array_like, shape (N, N)
        Training Gram matrix, symmetric positive semi-definite.
    y_star : array_like, shape (N,)
        Clean targets ``y*_i = f*(x_i)``.
    noise : float
        Label-noise variance ``σ² ≥ 0``.

    See the theory page :doc:`/theory/iterated`.

    Examples
    --------
    >>> import numpy as np
    >>> prob = KernelProblem(np.diag([2.0, 1.0, 0.5]), [1.0, -1.0, 0.5], noise=0.1)
    >>> prob.n
    3
    """

    K: np.ndarray
    y_star: np.ndarray
    noise: float

    def __post_init__(self):
        K = check_psd(self.K, "K")
        if K.shape[0] != K.shape[1]:  # pragma: no cover - check_psd already refuses this
            raise ValueError(f"K must be square, got shape {K.shape}")
        y = check_vector(self.y_star, "y_star", length=K.shape[0])
        noise = check_scalar(self.noise, "noise", low=0.0)
        object.__setattr__(self, "K", _frozen(K))
        object.__setattr__(self, "y_star", _frozen(y))
        object.__setattr__(self, "noise", noise)

    @property
    def n(self) -> int:
        """Number of training points ``N``."""
        return int(self.K.shape[0])

    def with_noise(self, noise) -> KernelProblem:
        """The same problem with another label-noise variance."""
        return KernelProblem(self.K, self.y_star, noise)

    def __repr__(self) -> str:
        return f"KernelProblem(N={self.n}, noise={self.noise:.4g})"
