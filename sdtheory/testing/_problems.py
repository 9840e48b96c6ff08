"""Hypothesis strategies for designs, Gram matrices and problem objects."""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_choice, check_scalar
from ..problem import KernelProblem, LinearProblem
from ._scalars import _check_range, _log_uniform, _orthonormal, _psd, _st

__all__ = ["designs", "linear_problems", "kernel_matrices", "kernel_problems"]


def _shape(st, draw, n_lo, n_hi, d_lo, d_hi):
    """Draw ``(n, d)`` with each of the regimes d < n, d = n, d > n that the ranges allow."""
    n = draw(st.integers(n_lo, n_hi))
    regimes = []
    if d_lo < n:
        regimes.append((d_lo, min(d_hi, n - 1)))  # tall: d < n
    if d_lo <= n <= d_hi:
        regimes.append((n, n))  # square
    if d_hi > n:
        regimes.append((max(d_lo, n + 1), d_hi))  # wide: d > n
    lo, hi = draw(st.sampled_from(regimes))
    return n, draw(st.integers(lo, hi))


def _design_parts(st, min_n, max_n, min_d, max_d, max_condition):
    n_lo, n_hi = _check_range(min_n, max_n, "min_n", "max_n", low=1, integer=True)
    d_lo, d_hi = _check_range(min_d, max_d, "min_d", "max_d", low=1, integer=True)
    cond = check_scalar(max_condition, "max_condition", low=1.0)
    if cond > 1e10:
        raise ValueError(f"max_condition must be a real number in [1, 1e10], got {cond:g}")

    def draw_design(draw):
        n, d = _shape(st, draw, n_lo, n_hi, d_lo, d_hi)
        r = min(n, d)
        top = draw(st.floats(-1.0, 1.0))  # log10 of the largest singular value
        spread = draw(st.floats(0.0, math.log10(cond)))  # log10 of the condition number
        # interior singular values in between; the largest is 10**top and, for r > 1, the
        # smallest 10**(top - spread), so the condition number is attained
        inner = draw(st.lists(st.floats(0.0, 1.0), min_size=max(r - 2, 0), max_size=max(r - 2, 0)))
        u = np.r_[0.0, np.sort(inner), 1.0][:r] if r > 1 else np.zeros(1)
        s = 10.0 ** (top - spread * u)
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        return (_orthonormal(rng, n, r) * s) @ _orthonormal(rng, d, r).T, rng

    return draw_design


def designs(*, min_n=1, max_n=8, min_d=1, max_d=8, max_condition=1e6):
    r"""Strategy for fixed designs ``X`` (n × d): n < d, n = d and n > d, up to ill-conditioned.

    Parameters
    ----------
    min_n, max_n, min_d, max_d : int, keyword-only
        Ranges of the numbers of samples ``n`` and features ``d`` (``≥ 1``; default 1..8 each).
        Each of the regimes ``d < n``, ``d = n``, ``d > n`` that the ranges allow is drawn
        often; fix a shape with ``min_n = max_n`` and ``min_d = max_d``.
    max_condition : float, keyword-only
        Largest condition number ``s_max/s_min`` of ``X`` (``[1, 1e10]``; default ``1e6``).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of ndarray, shape (n, d)
        ``X = U diag(s) Vᵀ`` with Haar-random ``U``, ``V`` and full rank ``min(n, d)``; the
        largest singular value lies in ``[0.1, 10]`` and the condition number in
        ``[1, max_condition]``.

    Notes
    -----
    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from sdtheory.testing import designs
    >>> @settings(max_examples=10, deadline=None, database=None)
    ... @given(designs(max_n=5, max_d=5))
    ... def test_full_rank(X):
    ...     assert np.linalg.matrix_rank(X, tol=1e-9) == min(X.shape)
    >>> test_full_rank()
    """
    st = _st()
    draw_design = _design_parts(st, min_n, max_n, min_d, max_d, max_condition)
    return st.composite(lambda draw: draw_design(draw)[0])()


_PROBLEM_WEIGHTS = ("any", "parameter", "prediction", "matrix")


def linear_problems(
    *, min_n=1, max_n=8, min_d=1, max_d=8, max_condition=1e6, weights="any", max_noise=10.0
):
    r"""Strategy for :class:`~sdtheory.problem.LinearProblem` with each kind of risk weights.

    Parameters
    ----------
    min_n, max_n, min_d, max_d, max_condition : keyword-only
        The design, as in :func:`designs`.
    weights : {"any", "parameter", "prediction", "matrix"}, keyword-only
        The risk weights: ``"parameter"`` (``W = I``), ``"prediction"`` (``W = XᵀX/n``), a
        random symmetric PSD ``d × d`` matrix (``"matrix"``, possibly rank-deficient), or any
        of the three (default).
    max_noise : float, keyword-only
        Label-noise variance ``σ²`` is drawn from ``[0, max_noise]`` (default 10).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of LinearProblem
        Problems with ``θ*`` entries in ``[−3, 3]`` (with a null-space part when ``d > n``).

    Notes
    -----
    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from sdtheory import Spectrum
    >>> from sdtheory.testing import linear_problems
    >>> @settings(max_examples=10, deadline=None, database=None)
    ... @given(linear_problems(max_n=6, max_d=6))
    ... def test_rank(prob):
    ...     assert Spectrum.from_problem(prob).rank == min(prob.n, prob.d)
    >>> test_rank()
    """
    st = _st()
    draw_design = _design_parts(st, min_n, max_n, min_d, max_d, max_condition)
    kind = check_choice(weights, "weights", set(_PROBLEM_WEIGHTS))
    max_noise = check_scalar(max_noise, "max_noise", low=0.0)
    kinds = list(_PROBLEM_WEIGHTS[1:]) if kind == "any" else [kind]

    def build(draw):
        X, rng = draw_design(draw)
        d = X.shape[1]
        theta = np.array(draw(st.lists(st.floats(-3.0, 3.0), min_size=d, max_size=d)))
        noise = draw(st.floats(0.0, max_noise))
        w = draw(st.sampled_from(kinds))
        W = _psd(rng, d, draw(st.integers(1, d + 2))) if w == "matrix" else w
        return LinearProblem(X, theta, noise, weights=W)

    return st.composite(build)()


def _kernel_parts(st, min_size, max_size, min_eigval, max_eigval, rank_deficient):
    lo, hi = _check_range(min_size, max_size, "min_size", "max_size", low=1, integer=True)
    e_lo, e_hi = _check_range(
        min_eigval, max_eigval, "min_eigval", "max_eigval", low=0.0, low_open=True
    )
    if not isinstance(rank_deficient, (bool, np.bool_)):
        raise TypeError(
            f"rank_deficient must be True or False, got {type(rank_deficient).__name__}"
        )

    def draw_kernel(draw):
        N = draw(st.integers(lo, hi))
        rank = draw(st.integers(1, N)) if rank_deficient else N
        ev = np.array(draw(st.lists(_log_uniform(st, e_lo, e_hi), min_size=rank, max_size=rank)))
        V = _orthonormal(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), N, rank)
        K = (V * ev) @ V.T
        return 0.5 * (K + K.T)

    return draw_kernel


def kernel_matrices(
    *, min_size=1, max_size=8, min_eigval=1e-4, max_eigval=1e4, rank_deficient=True
):
    r"""Strategy for symmetric PSD Gram matrices ``K`` (N × N), including rank-deficient ones.

    Parameters
    ----------
    min_size, max_size : int, keyword-only
        Range of ``N`` (``≥ 1``; default 1..8).
    min_eigval, max_eigval : float, keyword-only
        The non-zero eigenvalues are log-uniform in this range (``0 < min ≤ max``; default 8
        decades).
    rank_deficient : bool, keyword-only
        If True (default), the rank is drawn from ``1..N`` (the other eigenvalues are zero up
        to rounding); if False, ``K`` has full rank.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of ndarray, shape (N, N)
        ``K = V diag(d) Vᵀ`` with Haar-random orthonormal ``V``, exactly symmetric.

    Notes
    -----
    See the theory page :doc:`/theory/iterated`.

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from sdtheory.testing import kernel_matrices
    >>> @settings(max_examples=10, deadline=None, database=None)
    ... @given(kernel_matrices(max_size=5))
    ... def test_psd(K):
    ...     assert (K == K.T).all() and np.linalg.eigvalsh(K).min() >= -1e-9 * np.abs(K).max()
    >>> test_psd()
    """
    st = _st()
    draw_kernel = _kernel_parts(st, min_size, max_size, min_eigval, max_eigval, rank_deficient)
    return st.composite(draw_kernel)()


def kernel_problems(
    *, min_size=1, max_size=8, min_eigval=1e-4, max_eigval=1e4, rank_deficient=True, max_noise=10.0
):
    r"""Strategy for :class:`~sdtheory.problem.KernelProblem` objects on :func:`kernel_matrices`.

    Parameters
    ----------
    min_size, max_size, min_eigval, max_eigval, rank_deficient : keyword-only
        The Gram matrix, as in :func:`kernel_matrices`.
    max_noise : float, keyword-only
        Label-noise variance ``σ²`` is drawn from ``[0, max_noise]`` (default 10).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of KernelProblem
        Problems with clean targets ``y*`` in ``[−3, 3]`` (with a component outside the range
        of a rank-deficient ``K``).

    Notes
    -----
    See the theory page :doc:`/theory/iterated`.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from sdtheory import multistep_risk
    >>> from sdtheory.testing import kernel_problems, xis
    >>> @settings(max_examples=10, deadline=None, database=None)
    ... @given(kernel_problems(max_size=5), xis())
    ... def test_risk_is_nonnegative(prob, xi):
    ...     assert multistep_risk(prob, lam=0.5, xis=[xi]) >= 0
    >>> test_risk_is_nonnegative()
    """
    st = _st()
    draw_kernel = _kernel_parts(st, min_size, max_size, min_eigval, max_eigval, rank_deficient)
    max_noise = check_scalar(max_noise, "max_noise", low=0.0)

    def build(draw):
        K = draw_kernel(draw)
        N = K.shape[0]
        y = np.array(draw(st.lists(st.floats(-3.0, 3.0), min_size=N, max_size=N)))
        return KernelProblem(K, y, draw(st.floats(0.0, max_noise)))

    return st.composite(build)()
