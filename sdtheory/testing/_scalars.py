"""Hypothesis strategies for SD parameters (ξ, λ) and spectra, plus the shared drawing helpers."""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_choice, check_int, check_scalar
from ..ridge import Spectrum

__all__ = ["lams", "xis", "spectra"]


def _st():
    try:
        from hypothesis import strategies
    except ImportError as exc:  # pragma: no cover - hypothesis is in the testing extra
        raise ImportError(
            'the strategies of sdtheory.testing need hypothesis: pip install "sdtheory[testing]"'
        ) from exc
    return strategies


def _check_range(lo, hi, lo_name, hi_name, *, low=None, low_open=False, integer=False):
    if integer:
        lo = check_int(lo, lo_name, minimum=low)
        hi = check_int(hi, hi_name, minimum=low)
    else:
        lo = check_scalar(lo, lo_name, low=low, low_open=low_open)
        hi = check_scalar(hi, hi_name, low=low, low_open=low_open)
    if hi < lo:
        raise ValueError(f"{hi_name} must be >= {lo_name} ({lo!r}), got {hi!r}")
    return lo, hi


def _log_uniform(st, lo, hi):
    """Floats spread evenly over the decades of ``[lo, hi]`` (both > 0)."""
    a, b = math.log10(lo), math.log10(hi)
    if a == b:
        return st.just(float(lo))
    return st.floats(a, b).map(lambda e: float(min(max(10.0**e, lo), hi)))


def _orthonormal(rng, n, k):
    """An ``n × k`` matrix with orthonormal columns (Haar-distributed), ``k ≤ n``."""
    Q, R = np.linalg.qr(rng.standard_normal((n, k)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def _psd(rng, d, rank):
    """A random symmetric PSD ``d × d`` matrix of the given rank, entries of order one."""
    A = rng.standard_normal((d, rank)) / math.sqrt(rank)
    M = A @ A.T
    return 0.5 * (M + M.T)


def lams(*, min_value=1e-6, max_value=1e6):
    r"""Strategy for ridge penalties ``λ > 0``, spread evenly over the decades of a range.

    Parameters
    ----------
    min_value, max_value : float, keyword-only
        The range ``0 < min_value ≤ max_value < inf`` (default 12 decades, ``[1e-6, 1e6]``).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float
        ``λ = 10^u`` with ``u`` uniform in ``[log10 min_value, log10 max_value]``.

    Notes
    -----
    Whether a λ is on the summed-loss scale (functions that take data) or the mean-loss scale
    (the data-free asymptotic functions) is up to the test. See the theory page
    :doc:`/theory/ridge`.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from sdtheory.testing import lams
    >>> @settings(max_examples=20, deadline=None, database=None)
    ... @given(lams(min_value=1e-3, max_value=1e3))
    ... def test_lam_in_range(lam):
    ...     assert 1e-3 <= lam <= 1e3
    >>> test_lam_in_range()
    """
    lo, hi = _check_range(min_value, max_value, "min_value", "max_value", low=0.0, low_open=True)
    return _log_uniform(_st(), lo, hi)


def xis(*, min_value=-3.0, max_value=4.0):
    r"""Strategy for SD teacher weights ``ξ ∈ ℝ``: negative, in ``[0, 1]`` and above 1.

    Parameters
    ----------
    min_value, max_value : float, keyword-only
        The range of ``ξ`` (default ``[-3, 4]``; finite, ``min_value ≤ max_value``).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float
        ``ξ`` (the weight on the teacher), with the special values 0 (the teacher/ridge),
        1 (pure distillation) and 1/2 drawn often when they are in range.

    Notes
    -----
    The optimal ξ* of ridge SD can be negative or exceed 1, so a theory of SD should hold on
    the whole real line. See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from sdtheory.testing import xis
    >>> @settings(max_examples=20, deadline=None, database=None)
    ... @given(xis())
    ... def test_xi_in_range(xi):
    ...     assert -3.0 <= xi <= 4.0
    >>> test_xi_in_range()
    """
    lo, hi = _check_range(min_value, max_value, "min_value", "max_value")
    st = _st()
    special = [v for v in (0.0, 1.0, 0.5) if lo <= v <= hi]
    floats = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.one_of(st.sampled_from(special), floats) if special else floats


_WEIGHT_KINDS = ("any", "diagonal", "matrix")


def spectra(
    *,
    min_rank=1,
    max_rank=6,
    min_eigval=1e-4,
    max_eigval=1e4,
    weights="any",
    null_space=True,
    max_noise=10.0,
):
    r"""Strategy for :class:`~sdtheory.ridge.Spectrum` objects: eigenvalues over many decades.

    Parameters
    ----------
    min_rank, max_rank : int, keyword-only
        Range of the number of eigenvalues ``r`` (``1 ≤ min_rank ≤ max_rank``; default 1..6).
    min_eigval, max_eigval : float, keyword-only
        Eigenvalues ``s_j²`` are log-uniform in this range (``0 < min ≤ max``; default 8
        decades).
    weights : {"any", "diagonal", "matrix"}, keyword-only
        ``"diagonal"``: risk weights ``w_j ≥ 0`` as a vector; ``"matrix"``: a random PSD
        ``r × r`` matrix ``M`` (possibly rank-deficient); ``"any"`` (default) draws either.
    null_space : bool, keyword-only
        If True (default), some spectra carry null-space terms (``null_risk`` and, with matrix
        weights, ``null_cross``) from a part of ``θ*`` outside the range of ``X``.
    max_noise : float, keyword-only
        Label-noise variance ``σ²`` is drawn from ``[0, max_noise]`` (default 10).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Spectrum
        Valid spectra with signed signal coordinates ``θ_j ∈ [−3, 3]``.

    Notes
    -----
    Null-space terms are drawn consistently: a PSD weight matrix ``W`` over the range and
    ``k ≤ 2`` null directions is drawn with a null-space signal ``u``, and
    ``M = W_rr``, ``null_cross = W_rn u``, ``null_risk = uᵀW_nn u``, so every risk stays a
    weighted squared norm (never negative). See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from sdtheory import sd_risk
    >>> from sdtheory.testing import lams, spectra
    >>> @settings(max_examples=10, deadline=None, database=None)
    ... @given(spectra(max_rank=4), lams(min_value=1e-2, max_value=1e2))
    ... def test_risk_is_nonnegative(sp, lam):
    ...     assert sd_risk(sp, lam=lam, xi=0.5) >= 0
    >>> test_risk_is_nonnegative()
    """
    st = _st()
    r_lo, r_hi = _check_range(min_rank, max_rank, "min_rank", "max_rank", low=1, integer=True)
    e_lo, e_hi = _check_range(
        min_eigval, max_eigval, "min_eigval", "max_eigval", low=0.0, low_open=True
    )
    kind = check_choice(weights, "weights", set(_WEIGHT_KINDS))
    if not isinstance(null_space, (bool, np.bool_)):
        raise TypeError(f"null_space must be True or False, got {type(null_space).__name__}")
    max_noise = check_scalar(max_noise, "max_noise", low=0.0)
    kinds = ["diagonal", "matrix"] if kind == "any" else [kind]

    def build(draw):
        r = draw(st.integers(r_lo, r_hi))
        ev = np.array(draw(st.lists(_log_uniform(st, e_lo, e_hi), min_size=r, max_size=r)))
        signal = np.array(draw(st.lists(st.floats(-3.0, 3.0), min_size=r, max_size=r)))
        noise = draw(st.floats(0.0, max_noise))
        k = draw(st.integers(0, 2)) if null_space else 0
        u = np.array(draw(st.lists(st.floats(-3.0, 3.0), min_size=k, max_size=k)))
        w_kind = draw(st.sampled_from(kinds))
        if w_kind == "diagonal":
            w = np.array(draw(st.lists(st.floats(0.0, 2.0), min_size=r + k, max_size=r + k)))
            return Spectrum(
                eigvals=ev,
                signal=signal,
                noise=noise,
                weights=w[:r],
                null_risk=float(np.sum(w[r:] * u**2)),
            )
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        W = _psd(rng, r + k, draw(st.integers(1, r + k)))
        return Spectrum(
            eigvals=ev,
            signal=signal,
            noise=noise,
            weights=W[:r, :r],
            null_cross=W[:r, r:] @ u,
            null_risk=max(float(u @ W[r:, r:] @ u), 0.0),
        )

    return st.composite(build)()
