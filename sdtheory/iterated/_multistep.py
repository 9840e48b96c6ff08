r"""Multi-step self-distillation with one weight per step: filters, risk and the ``ξ ↔ ξ̄`` maps.

Step 0 is ridge; step ``t = 1..k`` refits ridge (same ``λ``) on ``(1 − ξ_t)y + ξ_t ŷ_{t−1}``,
``ξ_t`` the weight on the teacher (the previous step). In the eigenbasis of ``XᵀX`` the
estimator after ``k`` steps is the filter ``q = a·p_k(a)``, ``a_j = s_j²/(s_j² + λ)``, with a
polynomial ``p_k(μ) = Σ_i ξ̄_i μ^i``, ``Σ_i ξ̄_i = 1``.

See the theory page :doc:`/theory/iterated`.

References
----------
K. Pareek, S. S. Du and S. Oh, "Understanding the Gains from Repeated Self-Distillation",
NeurIPS 2024, arXiv:2407.04600.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_finite, check_scalar
from ..ridge import RiskParts
from ..ridge._spectrum import as_spectrum
from ._common import eigvals_arg, lam_arg, out, ridge_parts, risk_terms, xis_arg

__all__ = ["multistep_filter", "multistep_risk", "xis_to_poly", "poly_to_xis"]


def _filter_pair(eigvals, lam, xis, *, per_step=False):
    """``(q, 1 − q)`` of the k-step filter; ``1 − q`` is propagated without cancellation.

    ``u_t = 1 − q_t`` obeys ``u_0 = 1 − a = λ/(s² + λ)`` and ``u_t = (1 − a) + aξ_t u_{t−1}``.
    With ``per_step`` every step ``t = 0..k`` is kept, stacked on a new axis after the batch
    axes (shape ``batch + (k + 1,) + eigvals.shape``).
    """
    ev = eigvals_arg(eigvals)
    lam = lam_arg(lam)
    x = xis_arg(xis)
    a, m = ridge_parts(ev, lam)  # lam.shape + ev.shape
    scalar_ev = ev.ndim == 0
    batch = np.broadcast_shapes(lam.shape, x.shape[:-1])
    tail = () if scalar_ev else ev.shape
    a = np.broadcast_to(a, batch + tail)
    m = np.broadcast_to(m, batch + tail)
    q, u = np.array(a, copy=True), np.array(m, copy=True)
    qs, us = [q], [u]
    for t in range(x.shape[-1]):
        xt = np.broadcast_to(x[..., t], batch)
        xt = xt if scalar_ev else xt[..., None]
        q = a * ((1.0 - xt) + xt * q)
        u = m + a * xt * u
        if per_step:
            qs.append(q)
            us.append(u)
    if per_step:
        return np.stack(qs, axis=len(batch)), np.stack(us, axis=len(batch))
    return q, u


def multistep_filter(eigvals, *, lam, xis) -> np.ndarray:
    r"""Filter of k-step self-distillation with per-step weights ``ξ_1..ξ_k`` on the teacher.

    Parameters
    ----------
    eigvals : array_like
        Eigenvalues ``s_j² > 0`` (scalar or 1-D).
    lam : array_like
        Ridge penalty ``λ > 0`` used at every step (summed-loss scale, broadcasts against the
        schedule batch).
    xis : array_like, shape (k,) or (..., k)
        Per-step weights ``ξ_t ∈ ℝ`` on the previous step's predictions; ``k = len(xis)`` counts
        the distillation steps after the teacher. ``k = 0`` (an empty schedule) is the ridge
        teacher.

    Returns
    -------
    ndarray
        Shape ``broadcast(lam.shape, xis.shape[:-1]) + eigvals.shape``.

    Notes
    -----
    Step 0 is ridge, ``q^{(0)} = a``; step ``t`` fits ridge to ``(1 − ξ_t)y + ξ_t ŷ_{t−1}``,
    so in the eigenbasis ``q^{(t)} = a[(1 − ξ_t) + ξ_t q^{(t−1)}]``. Equivalently
    ``q^{(k)} = a·p_k(a)`` with ``p_0 ≡ 1``, ``p_t(μ) = (1 − ξ_t) + ξ_t μ p_{t−1}(μ)`` and
    ``p_k(μ) = Σ_{i=0}^k ξ̄_i μ^i`` (see :func:`xis_to_poly`). ``k = 1`` is the one-step
    student :func:`~sdtheory.sd_filter`. See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600), Sec. 3.

    Examples
    --------
    >>> multistep_filter([4.0, 1.0], lam=1.0, xis=[])          # k = 0: ridge
    array([0.8, 0.5])
    >>> multistep_filter([4.0, 1.0], lam=1.0, xis=[1.0, 1.0])  # ridge applied three times
    array([0.512, 0.125])
    """
    return _filter_pair(eigvals, lam, xis)[0]


def multistep_risk(problem, *, lam, xis, return_parts: bool = False, per_step: bool = False):
    r"""Fixed-design risk of k-step self-distillation with weights ``ξ_1..ξ_k`` on the teacher.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
    lam : array_like
        ``λ > 0`` (summed-loss scale).
    xis : array_like, shape (k,) or (..., k)
        Per-step weights (``k = 0``: ridge).
    return_parts : bool
        Return :class:`~sdtheory.RiskParts` (bias, variance, total).
    per_step : bool
        Return the risk of every step ``t = 0..k`` instead of the last one only: index 0 is the
        teacher (the ridge risk at ``lam``, :func:`~sdtheory.ridge_risk`) and index ``t`` the
        risk after ``t`` distillation steps, the indexing of
        :func:`~sdtheory.simulate.simulate_multistep` and
        :func:`~sdtheory.simulate.simulate_kernel_sd`. All steps come from one pass of the
        recursion, without cancellation.

    Returns
    -------
    float, ndarray or RiskParts
        The fixed-design risk ``E‖θ̂_k − θ*‖²_W`` over label noise with ``X`` fixed (no ``+σ²``),
        shape ``broadcast(lam.shape, xis.shape[:-1])``; with ``per_step=True`` a trailing axis of
        length ``k + 1`` is added (shape ``(k + 1,)`` for one schedule). For a kernel problem it
        is the in-sample prediction risk ``(1/N)E‖ŷ_k − y*‖²``. With ``return_parts=True`` the
        same shapes in a :class:`~sdtheory.RiskParts`.

    Notes
    -----
    For diagonal weights ``Σ_j w_j[(1 − q_j)²θ_j² + q_j²σ²/s_j²]`` with ``q`` the
    :func:`multistep_filter`. The bias needs ``1 − q_j``, which for ``s_j² ≫ λ`` is tiny and
    would lose its digits if formed as ``1 − q_j``; it is propagated through the recursion
    instead, ``1 − q^{(0)} = λ/(s² + λ)`` and
    ``1 − q^{(t)} = (1 − a) + aξ_t(1 − q^{(t−1)})``, so that one step agrees with
    :func:`~sdtheory.sd_risk` to rounding. See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> from sdtheory import Spectrum, sd_risk
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[4.0, 1.0, 0.25], noise=1.0)
    >>> bool(abs(multistep_risk(sp, lam=1.0, xis=[2.0]) - sd_risk(sp, lam=1.0, xi=2.0)) < 1e-12)
    True

    The risk of every step, teacher first (the layout of the simulators' ``mean``):

    >>> from sdtheory import ridge_risk
    >>> r = multistep_risk(sp, lam=1.0, xis=[2.0, 0.5], per_step=True)
    >>> r.shape
    (3,)
    >>> bool(abs(r[0] - ridge_risk(sp, lam=1.0)) < 1e-12)
    True
    >>> bool(abs(r[2] - multistep_risk(sp, lam=1.0, xis=[2.0, 0.5])) < 1e-12)
    True
    """
    sp = as_spectrum(problem)
    if not isinstance(return_parts, (bool, np.bool_)):
        raise TypeError(f"return_parts must be True or False, got {type(return_parts).__name__}")
    if not isinstance(per_step, (bool, np.bool_)):
        raise TypeError(f"per_step must be True or False, got {type(per_step).__name__}")
    q, u = _filter_pair(sp.eigvals, lam, xis, per_step=bool(per_step))
    bias, var = risk_terms(sp, q, u)
    if return_parts:
        return RiskParts(bias=out(bias), variance=out(var), total=out(bias + var))
    return out(bias + var)


def xis_to_poly(xis) -> np.ndarray:
    r"""Map per-step weights ``ξ_1..ξ_k`` to the polynomial coefficients ``ξ̄_0..ξ̄_k``.

    Parameters
    ----------
    xis : array_like, shape (k,) or (..., k)

    Returns
    -------
    ndarray, shape (..., k + 1)
        ``ξ̄`` with ``Σ_i ξ̄_i = 1``; the k-step filter is ``Σ_i ξ̄_i a^{i+1}``.

    Notes
    -----
    With partial products ``P_i = Π_{j=k−i+1}^{k} ξ_j`` (``P_0 = 1``):
    ``ξ̄_k = P_k = Π_j ξ_j`` and ``ξ̄_i = (1 − ξ_{k−i})P_i = P_i − P_{i+1}`` for ``i < k``,
    so the sum telescopes to ``P_0 = 1``. See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> xis_to_poly([0.5, 2.0])
    array([-1.,  1.,  1.])
    >>> xis_to_poly([])
    array([1.])
    """
    x = xis_arg(xis)
    rev = x[..., ::-1]
    P = np.concatenate([np.ones(x.shape[:-1] + (1,)), np.cumprod(rev, axis=-1)], axis=-1)
    return np.concatenate([P[..., :-1] - P[..., 1:], P[..., -1:]], axis=-1)


def poly_to_xis(xibar, *, atol: float = 1e-9) -> np.ndarray:
    r"""Inverse of :func:`xis_to_poly`: per-step weights from polynomial coefficients.

    Parameters
    ----------
    xibar : array_like, shape (k + 1,)
        ``ξ̄_0..ξ̄_k`` with ``Σ_i ξ̄_i = 1`` (checked to ``atol · max(1, Σ|ξ̄_i|)``).
    atol : float
        Tolerance in ``[0, inf)`` for the sum constraint and, relative to
        ``max(1, Σ_{m≥i}|ξ̄_m|)``, for a vanishing tail sum ``T_i``.

    Returns
    -------
    ndarray, shape (k,)

    Raises
    ------
    ValueError
        If ``xibar`` is empty, does not sum to 1, or the map is not invertible: some tail sum
        ``T_i = ξ̄_i + … + ξ̄_k`` (``1 ≤ i ≤ k − 1``) vanishes, i.e. a product
        ``ξ_{k−i+1}⋯ξ_k`` is zero, after which the earlier ``ξ``'s are undetermined (if the
        later tails vanish too) or do not exist.

    Notes
    -----
    The tail sums are the partial products, ``T_i = P_i = Π_{j=k−i+1}^k ξ_j``, so
    ``ξ_{k−i} = T_{i+1}/T_i`` for ``i = 0..k−1``. See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> poly_to_xis([-1.0, 1.0, 1.0])
    array([0.5, 2. ])
    >>> poly_to_xis([0.5, 0.5, 0.0])   # ξ_1 = 0, ξ_2 = 1/2
    array([0. , 0.5])
    >>> poly_to_xis([1.0, 0.0, 0.0])   # ξ_2 = 0 wipes out ξ_1
    Traceback (most recent call last):
    ...
    ValueError: xibar is not invertible to per-step weights: ...
    """
    atol = check_scalar(atol, "atol", low=0.0)
    xb = check_finite(xibar, "xibar", allow_empty=True)
    if xb.ndim != 1:
        raise ValueError(f"xibar must be 1-D (xibar_0, ..., xibar_k), got shape {xb.shape}")
    if xb.size == 0:
        raise ValueError(
            "xibar must not be empty: it has k + 1 >= 1 coefficients (xibar_0 = 1 for k = 0)"
        )
    k = xb.size - 1
    scale = max(1.0, float(np.abs(xb).sum()))
    total = float(xb.sum())
    if abs(total - 1.0) > atol * scale:
        raise ValueError(f"xibar must sum to 1 (p_k(1) = 1), got sum {total:.12g}")
    T = np.cumsum(xb[::-1])[::-1]  # T_i = Σ_{m≥i} ξ̄_m, T_0 = Σ = 1
    T[0] = 1.0
    # rounding scale of each tail sum: Σ_{m≥i} |ξ̄_m| (at least 1)
    tails = np.maximum(1.0, np.cumsum(np.abs(xb[::-1]))[::-1])
    res = np.empty(k)
    for i in range(k):  # ξ_{k−i} = T_{i+1}/T_i; T_0 = 1 is the constraint itself
        if i > 0 and abs(T[i]) <= atol * tails[i]:
            prod = f"xi_{k - i + 1}*...*xi_{k}" if i > 1 else f"xi_{k}"
            why = (
                f"xi_{k - i} is undetermined (any value gives the same filter)"
                if abs(T[i + 1]) <= atol * tails[i + 1]
                else f"no xi_{k - i} reproduces the tail sum xibar[{i + 1}:] = {T[i + 1]:.6g}"
            )
            raise ValueError(
                f"xibar is not invertible to per-step weights: the tail sum xibar[{i}:] = "
                f"{prod} is zero, so {why}"
            )
        res[k - i - 1] = T[i + 1] / T[i]
    return res
