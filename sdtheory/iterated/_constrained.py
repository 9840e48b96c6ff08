r"""Constrained self-distillation rounds (Mobahi, Farajtabar & Bartlett).

Round ``t`` minimizes the RKHS norm subject to ``(1/N)‖f(X) − y_t‖² ≤ ε`` and passes
``y_{t+1} = f_t(X)`` on; the multipliers grow, the norms shrink, and the solution collapses to
``f ≡ 0`` in finitely many rounds.

See the theory page :doc:`/theory/iterated`.

References
----------
H. Mobahi, M. Farajtabar and P. L. Bartlett, "Self-Distillation Amplifies Regularization in
Hilbert Space", NeurIPS 2020, arXiv:2002.05715.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .._validate import check_int, check_scalar
from ._common import ky_arg

__all__ = ["ConstrainedRounds", "constrained_rounds", "collapse_round_bounds"]

# ‖y_t‖² ≤ Nε(1 + this) counts as collapse: an exact tie ‖y_t‖² = Nε (e.g. κ = 1 with integer
# r_0) is otherwise decided by rounding.
_COLLAPSE_RTOL = 1e-12


@dataclass(frozen=True, eq=False)
class ConstrainedRounds:
    r"""Result of :func:`constrained_rounds` (rounds ``t = 0..T−1`` fit; round ``T`` collapses).

    See the theory page :doc:`/theory/iterated`.

    Attributes
    ----------
    multipliers : ndarray (T,)
        ``c_t > 0``: round ``t`` is kernel ridge ``(K + c_tI)⁻¹y_t`` on the unscaled ``K``.
    norms : ndarray (T + 1,)
        ``‖y_t‖`` for ``t = 0..T`` (``‖y_T‖² ≤ Nε``: round ``T`` returns ``f ≡ 0``).
    ratios : ndarray (T + 1,)
        ``r_t = ‖y_t‖/√(Nε)``.
    filters : ndarray (T, N)
        In-sample filters of the fits, ``Π_{i≤t} d_k/(d_k + c_i)`` (``f_t(X) = V diag Vᵀy``).
    coef : ndarray (T, N)
        Kernel coefficients of ``f_t`` (predictions ``K_new @ coef[t]``).
    collapse_round : int
        ``T``: the first round whose solution is ``f ≡ 0``.
    eigvals : ndarray (N,)
        Eigenvalues of ``K`` (descending).
    kappa : float
        Condition number ``d_max/d_min`` of ``K`` on the directions the rounds act on
        (``inf`` for a singular ``K`` with labels in its null space; see ``bounds``).
    multiplier_bounds : ndarray (T, 2)
        ``[d_min/(r_t − 1), d_max/(r_t − 1)]`` around each ``c_t``.
    bounds : dict
        ``lower`` (``⌈r_0 − 1⌉``), ``upper`` (iterating the worst-case map) and
        ``upper_simple`` (``⌈(r_0 − 1)((r_0 − 1)κ + 1)/r_0⌉ ≤ ⌈κ(r_0 − 1)⌉``) on ``T``; see
        :func:`collapse_round_bounds`.
    eps : float
    """

    multipliers: np.ndarray
    norms: np.ndarray
    ratios: np.ndarray
    filters: np.ndarray
    coef: np.ndarray
    collapse_round: int
    eigvals: np.ndarray
    kappa: float
    multiplier_bounds: np.ndarray
    bounds: dict
    eps: float


def collapse_round_bounds(*, r0, kappa, max_iter: int = 10**6) -> dict:
    r"""Bounds on the collapse round ``T`` of constrained self-distillation from ``r_0`` and ``κ``.

    Parameters
    ----------
    r0 : float
        ``r_0 = ‖y_0‖/√(Nε) ≥ 0`` (``y_0`` in the range of ``K``).
    kappa : float
        Condition number ``κ = d_max/d_min`` of ``K``, in ``[1, inf]``.
    max_iter : int
        Cap ``≥ 1`` on iterations of the worst-case map (``upper = upper_simple`` beyond it).

    Returns
    -------
    dict
        ``lower``, ``upper``, ``upper_simple``, ``upper_kappa`` (ints or ``inf``):
        ``lower ≤ T ≤ upper ≤ upper_simple ≤ upper_kappa``.

    Notes
    -----
    Derivation (re-derived here; Mobahi et al. state ``(r_0 − 1)/κ`` and ``κ(r_0 − 1)``
    "roughly"). Round ``t`` has residual ``e_t = c_t(D + c_t)⁻¹z_t`` with ``‖e_t‖ = √(Nε)``
    and ``z_{t+1} = z_t − e_t``; collapse is the first ``t`` with ``r_t ≤ 1``.

    * ``c/(c + d_max) ≤ 1/r_t ≤ c/(c + d_min)`` gives
      ``d_min/(r_t − 1) ≤ c_t ≤ d_max/(r_t − 1)``.
    * Triangle inequality: ``r_{t+1} ≥ r_t − 1``, so ``T ≥ ⌈r_0 − 1⌉`` (``lower``; this
      does not need ``κ`` and is sharper than ``(r_0 − 1)/κ``).
    * ``‖z_{t+1}‖ ≤ d_max/(d_max + c_t)‖z_t‖`` and the lower bound on ``c_t`` give
      ``r_{t+1} ≤ h(r_t)``, ``h(r) = r(r − 1)κ/((r − 1)κ + 1)``; ``h`` is increasing on
      ``r > 1``, so ``r_t ≤ h^t(r_0)`` and ``T ≤ min{t: h^t(r_0) ≤ 1}`` (``upper``).
    * ``r − h(r) = r/((r − 1)κ + 1)`` is decreasing in ``r``, so every round lowers ``r`` by at
      least ``g = r_0/((r_0 − 1)κ + 1) ≥ 1/κ``: ``T ≤ ⌈(r_0 − 1)/g⌉`` (``upper_simple``)
      ``≤ ⌈κ(r_0 − 1)⌉`` (``upper_kappa``).
    * ``κ = 1``: ``h(r) = r − 1``, so ``r_t = r_0 − t`` and ``T = ⌈r_0 − 1⌉`` exactly.

    The collapse test of :func:`constrained_rounds` is ``r_t² ≤ 1 + 10⁻¹²``, so the threshold
    ``1`` above is ``s = √(1 + 10⁻¹²)``. The rounds are computed in floating point, so when
    ``r_0 − s`` lies within ``10⁻⁹ r_0`` of an integer the computed ``T`` may land on either
    side of it; the bounds are widened outward by that margin (the lower bound rounds
    ``r_0 − s − 10⁻⁹r_0`` up, the upper ones ``x + 10⁻⁹x`` up), so they stay valid and contain
    the computed ``T``, and are exact otherwise. See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715), Sec. 4.

    Examples
    --------
    >>> collapse_round_bounds(r0=3.5, kappa=1.0)
    {'lower': 3, 'upper': 3, 'upper_simple': 3, 'upper_kappa': 3}
    """
    r0 = check_scalar(r0, "r0", low=0.0)
    kappa = check_scalar(kappa, "kappa", low=1.0, allow_inf=True)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tie = _COLLAPSE_RTOL  # the collapse test of constrained_rounds: r² ≤ 1 + tie
    s = math.sqrt(1.0 + tie)
    slack = 1e-9

    def ceil_up(x):  # an upper bound, widened outward by the rounding margin
        return int(math.ceil(x + slack * max(1.0, abs(x))))

    if r0 * r0 <= 1.0 + tie:
        return {"lower": 0, "upper": 0, "upper_simple": 0, "upper_kappa": 0}
    lower = max(0, int(math.ceil(r0 - s - slack * max(1.0, r0))))
    if math.isinf(kappa):
        return {
            "lower": lower,
            "upper": math.inf,
            "upper_simple": math.inf,
            "upper_kappa": math.inf,
        }
    g = r0 / ((r0 - 1.0) * kappa + 1.0)
    upper_kappa = ceil_up(kappa * (r0 - s))
    upper_simple = min(ceil_up((r0 - s) / g), upper_kappa)
    # iterate the worst-case map h against a threshold lowered by the margin (conservative)
    stop = (1.0 + tie) * (1.0 - 4 * slack)
    r, t = r0 * (1.0 + slack), 0
    while r * r > stop and t < max_iter:
        r = r * (r - 1.0) * kappa / ((r - 1.0) * kappa + 1.0)
        t += 1
    upper = min(t, upper_simple) if r * r <= stop else upper_simple
    upper = max(upper, lower)
    return {
        "lower": lower,
        "upper": upper,
        "upper_simple": max(upper_simple, upper),
        "upper_kappa": max(upper_kappa, upper_simple, upper),
    }


def constrained_rounds(K, y, *, eps, max_rounds: int = 100_000, rtol=None) -> ConstrainedRounds:
    r"""Self-distillation rounds under a fixed error budget ``ε``, run to collapse.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    K : array_like, shape (N, N)
        Training Gram matrix (symmetric PSD), unscaled.
    y : array_like, shape (N,)
        Labels of round 0 (no labels are used afterwards).
    eps : float
        Per-point squared-error budget ``ε > 0``, the same in every round.
    max_rounds : int
        Give up (``RuntimeError``) if there is no collapse within this many rounds.

    Returns
    -------
    ConstrainedRounds

    Raises
    ------
    ValueError
        ``eps`` not in ``(0, inf)``; ``y`` of the wrong length; ``K`` not symmetric PSD; or the
        constraint is infeasible (the part of ``y`` in the null space of ``K`` alone has
        ``‖P_0 y‖² ≥ Nε``).

    Notes
    -----
    Round ``t`` solves ``min ‖f‖²_H`` s.t. ``(1/N)Σ_n(f(x_n) − y_{t,n})² ≤ ε`` and sets
    ``y_{t+1} = f_t(X)``. If ``‖y_t‖² ≤ Nε`` the solution is ``f ≡ 0`` (collapse). Otherwise
    the constraint is active and ``f_t = k(x)ᵀ(K + c_tI)⁻¹y_t`` (KKT with multiplier
    ``1/c_t``), where ``c_t > 0`` is the root of

    .. math:: \sum_k \Big(\frac{c\,z_{t,k}}{c + d_k}\Big)² = Nε, \qquad z_t = Vᵀy_t,

    (``‖y_t‖² ≤ Nε(1 + 10⁻¹²)`` counts as collapse, so exact ties are not decided by
    rounding), whose left side increases from ``‖P_0 y_t‖²`` to ``‖y_t‖²``; it is bracketed by
    ``[d_min/(r_t − 1), d_max/(r_t − 1)]`` and solved by Brent's method. Mobahi et al. write
    ``G = K/N`` and a multiplier ``c/N``; here ``c_t`` is on the scale of ``λ``. Norms strictly
    decrease, multipliers strictly increase, and the filter ratios ``b_j/b_k`` (``d_j > d_k``)
    strictly increase (sparsification). Freezing ``c_t = λ`` gives ground-truth-weighted SD
    with ``α = 0``. Bounds on ``T``: :func:`collapse_round_bounds`.

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> import numpy as np
    >>> res = constrained_rounds(np.diag([1.0, 1.0]), [3.0, 4.0], eps=1.0)  # κ = 1, r_0 = 5/√2
    >>> res.collapse_round, res.bounds["lower"]
    (3, 3)
    """
    eig, y = ky_arg(K, y, rtol=rtol)
    eps = check_scalar(eps, "eps", low=0.0, low_open=True)
    max_rounds = check_int(max_rounds, "max_rounds", minimum=1)
    n = eig.n
    V, d = eig.eigvecs, eig.eigvals
    budget = n * eps
    z = V.T @ y
    rng = eig.range_mask
    null0 = float((z[~rng] ** 2).sum())
    if null0 >= budget and float(z @ z) > budget:
        raise ValueError(
            f"constraint infeasible: the part of y in the null space of K has squared norm "
            f"{null0:.6g} >= N*eps = {budget:.6g}; no function in the RKHS meets the budget eps"
        )
    d_pos = d[rng]
    dmin, dmax = (float(d_pos.min()), float(d_pos.max())) if d_pos.size else (0.0, 0.0)
    kappa = dmax / dmin if d_pos.size else math.inf  # K = 0: y already meets the budget
    sq = math.sqrt(budget)
    mults, norms, coefs, filt, mb = [], [math.sqrt(float(z @ z))], [], [], []
    cum = np.ones(n)
    zt = z.copy()
    t = 0
    stop = budget * (1.0 + _COLLAPSE_RTOL)
    while float(zt @ zt) > stop:
        if t >= max_rounds:
            raise RuntimeError(f"no collapse within max_rounds = {max_rounds} rounds")
        zz = float(zt @ zt)
        rm1 = (zz - budget) / (sq * (math.sqrt(zz) + sq))  # r_t − 1 without cancellation

        def F(c, zt=zt):
            return float(((c * zt / (c + d)) ** 2).sum()) - budget

        lo_b = dmin / rm1 if (null0 == 0 or t > 0) else 0.0
        hi = dmax / rm1 * (1 + 1e-9)
        for _ in range(2000):  # rounding at κ ≈ 1 can put the root a hair above the bound
            if F(hi) >= 0:
                break
            hi *= 2.0
        lo = dmin / rm1 * (1 - 1e-9)
        for _ in range(2000):  # halving is needed only with a null-space part at round 0
            if F(lo) <= 0:
                break
            lo *= 0.5
        c = optimize.brentq(F, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
        mults.append(c)
        mb.append((lo_b, dmax / rm1))
        coefs.append(V @ (zt / (d + c)))
        shrink = d / (d + c)
        cum = cum * shrink
        filt.append(cum.copy())
        zt = shrink * zt
        norms.append(math.sqrt(float(zt @ zt)))
        t += 1
    norm_arr = np.array(norms)
    ratios = norm_arr / sq
    if null0 > 0 and ratios.size > 1:
        b1 = collapse_round_bounds(r0=ratios[1], kappa=kappa)
        bounds = {key: (v + 1 if v != math.inf else v) for key, v in b1.items()}
        bounds["lower"] = collapse_round_bounds(r0=ratios[0], kappa=1.0)["lower"]
        bounds["detail"] = "y has a null-space part: upper bounds from round 1 on (+1)"
    else:
        bounds = collapse_round_bounds(r0=ratios[0], kappa=kappa)
    return ConstrainedRounds(
        multipliers=np.array(mults),
        norms=norm_arr,
        ratios=ratios,
        filters=np.array(filt).reshape(len(filt), n),
        coef=np.array(coefs).reshape(len(coefs), n),
        collapse_round=t,
        eigvals=d,
        kappa=kappa,
        multiplier_bounds=np.array(mb).reshape(len(mb), 2),
        bounds=bounds,
        eps=eps,
    )
