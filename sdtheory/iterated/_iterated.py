"""Iterated and multi-step self-distillation in ridge and kernel regression.

Three families of repeated fits, all spectral filters in the eigenbasis of ``XᵀX`` (or of the
kernel Gram matrix ``K = V D Vᵀ``), with ``a_j = s_j²/(s_j² + λ)`` the ridge filter:

* **k-step SD with per-step weights** (Pareek, Du & Oh 2024). Step 0 is ridge; step ``t``
  refits ridge (same ``λ``) on ``(1 − ξ_t)y + ξ_t ŷ_{t−1}``. Filter ``q = a·p_k(a)`` with a
  polynomial ``p_k(μ) = Σ_i ξ̄_i μ^i``, ``Σ_i ξ̄_i = 1``; the risk is a quadratic in ``ξ̄``.
* **Ground-truth weighting** (Borup & Andersen 2021). Step 1 fits ``y``; step ``τ ≥ 2`` fits
  ``αy + (1 − α)ŷ^{(τ−1)}`` — the case ``ξ_t = 1 − α``. As ``τ → ∞`` the fit is kernel ridge
  with amplified penalty ``λ/α``.
* **Constrained rounds** (Mobahi, Farajtabar & Bartlett 2020). Round ``t`` minimizes the RKHS
  norm subject to ``(1/N)‖f(X) − y_t‖² ≤ ε`` and passes ``y_{t+1} = f_t(X)`` on; the
  multipliers grow, the norms shrink, and the solution collapses to ``f ≡ 0`` in finitely many
  rounds.

References
----------
K. Pareek, S. S. Du and S. Oh, "Understanding the Gains from Repeated Self-Distillation",
NeurIPS 2024, arXiv:2407.04600.
K. Borup and L. N. Andersen, "Even your Teacher Needs Guidance: Ground-Truth Targets Dampen
Regularization Imposed by Self-Distillation", NeurIPS 2021, arXiv:2102.13088.
H. Mobahi, M. Farajtabar and P. L. Bartlett, "Self-Distillation Amplifies Regularization in
Hilbert Space", NeurIPS 2020, arXiv:2002.05715.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..ridge._filters import oracle_filter, ridge_filter
from ._kernel import KernelEigen, kernel_eigen
from ..ridge._risk import RidgeOptimum, filter_risk, optimal_ridge, oracle_risk
from ..ridge._spectrum import Spectrum
from .._validate import check_finite, check_int, check_positive

__all__ = [
    "ScheduleConditioningWarning",
    "multistep_filter",
    "multistep_risk",
    "xis_to_poly",
    "poly_to_xis",
    "schedule_quadratic",
    "OptimalSchedule",
    "optimal_schedule",
    "MultistepOptimum",
    "optimal_multistep",
    "ground_truth_weighted_filter",
    "ground_truth_convergence_rate",
    "optimal_alpha_expected",
    "AlphaPath",
    "expected_alpha_path",
    "oracle_alpha_path",
    "KernelSDFit",
    "kernel_self_distill",
    "ConstrainedRounds",
    "constrained_rounds",
    "collapse_round_bounds",
]

# |ξ_t| or the condition number of the weighted Vandermonde system above these: warn.
_XI_WARN = 1e4
_COND_WARN = 1e10
# ‖y_t‖² ≤ Nε(1 + this) counts as collapse: an exact tie ‖y_t‖² = Nε (e.g. κ = 1 with integer
# r_0) is otherwise decided by rounding.
_COLLAPSE_RTOL = 1e-12


class ScheduleConditioningWarning(RuntimeWarning):
    """The optimal k-step schedule is ill-conditioned (huge ``|ξ_t|`` or condition number)."""


# ============================================================================ validation helpers
def _check_sp(sp) -> Spectrum:
    if not isinstance(sp, Spectrum):
        raise TypeError(f"sp must be a Spectrum, got {type(sp).__name__}")
    return sp


def _check_xis(xis, name: str = "xis") -> np.ndarray:
    if xis is None:
        raise TypeError(f"{name} must be a sequence of per-step weights (xi_1, ..., xi_k), got None")
    x = np.asarray(xis, dtype=float) if not isinstance(xis, (str, bytes)) else None
    if x is None:
        raise TypeError(f"{name} must be a sequence of numbers, got {type(xis).__name__}")
    if x.ndim == 0:
        raise ValueError(f"{name} must be a 1-D sequence (xi_1, ..., xi_k) (or a batch (..., k)), "
                         "got a scalar; use [xi] for one step")
    if x.size and not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite")
    return x


def _check_alpha01(alpha, name: str = "alpha") -> np.ndarray:
    a = check_finite(alpha, name)
    if ((a < 0) | (a > 1)).any():
        raise ValueError(
            f"{name} (the weight on the labels) must lie in [0, 1], got "
            f"{float(a.min()) if (a < 0).any() else float(a.max()):.6g}"
        )
    return a


def _check_step(step):
    if isinstance(step, bool):
        raise TypeError("step must be an integer >= 1 or numpy.inf, got bool")
    if isinstance(step, numbers.Integral):
        if step < 1:
            raise ValueError(f"step must be >= 1 (step 1 is the first fit) or numpy.inf, got {step}")
        return int(step)
    if isinstance(step, numbers.Real) and math.isinf(step) and step > 0:
        return math.inf
    if isinstance(step, numbers.Real) and float(step).is_integer() and step >= 1:
        return int(step)
    raise ValueError(f"step must be an integer >= 1 or numpy.inf, got {step!r}")


# ============================================================================ k-step filters
def multistep_filter(eigvals, lam, xis) -> np.ndarray:
    r"""Filter of k-step self-distillation with per-step weights ``ξ_1..ξ_k``.

    Parameters
    ----------
    eigvals : array_like
        Eigenvalues ``s_j² > 0`` (scalar or 1-D).
    lam : array_like
        Ridge penalty ``λ > 0`` used at every step (broadcasts against the schedule batch).
    xis : array_like, shape (k,) or (..., k)
        Per-step weights ``ξ_t ∈ ℝ`` on the previous step's predictions. ``k = 0`` (an empty
        schedule) is the ridge teacher.

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
    student :func:`~sdtheory.sd_filter`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600), Sec. 3.

    Examples
    --------
    >>> multistep_filter([4.0, 1.0], 1.0, [])          # k = 0: ridge
    array([0.8, 0.5])
    >>> multistep_filter([4.0, 1.0], 1.0, [1.0, 1.0])  # ridge applied three times
    array([0.512, 0.125])
    """
    x = _check_xis(xis)
    lam = check_positive(lam, "lam")
    a = ridge_filter(eigvals, lam)  # lam.shape + ev.shape
    ev_scalar = np.ndim(eigvals) == 0
    k = x.shape[-1]
    batch = np.broadcast_shapes(lam.shape, x.shape[:-1])
    a = np.broadcast_to(a, batch + a.shape[lam.ndim:]) if not ev_scalar else np.broadcast_to(a, batch)
    q = np.array(a, copy=True)
    for t in range(k):
        xt = np.broadcast_to(x[..., t], batch)
        xt = xt if ev_scalar else xt[..., None]
        q = a * ((1.0 - xt) + xt * q)
    return q


def multistep_risk(sp: Spectrum, lam, xis, *, return_parts: bool = False):
    r"""Expected risk of k-step self-distillation with weights ``ξ_1..ξ_k``.

    Parameters
    ----------
    sp : Spectrum
    lam : array_like
        ``λ > 0``.
    xis : array_like, shape (k,) or (..., k)
        Per-step weights (``k = 0``: ridge).
    return_parts : bool
        Return :class:`~sdtheory.RiskParts`.

    Notes
    -----
    ``filter_risk(sp, multistep_filter(sp.eigvals, λ, ξ))``: for diagonal weights
    ``Σ_j w_j[(1 − q_j)²θ_j² + q_j²γ²/s_j²]``.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> from sdtheory import Spectrum, sd_risk
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.25], signal_energy=[4.0, 1.0, 0.25], noise=1.0)
    >>> bool(abs(multistep_risk(sp, 1.0, [2.0]) - sd_risk(sp, 1.0, 2.0)) < 1e-12)
    True
    """
    _check_sp(sp)
    return filter_risk(sp, multistep_filter(sp.eigvals, lam, xis), return_parts=return_parts)


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
    so the sum telescopes to ``P_0 = 1``.

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
    x = _check_xis(xis)
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
        Tolerance for the sum constraint and for a vanishing tail sum.

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
    ``ξ_{k−i} = T_{i+1}/T_i`` for ``i = 0..k−1``.

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
    xb = check_finite(xibar, "xibar", allow_empty=True)
    if xb.ndim != 1:
        raise ValueError(f"xibar must be 1-D (xibar_0, ..., xibar_k), got shape {xb.shape}")
    if xb.size == 0:
        raise ValueError("xibar must not be empty: it has k + 1 >= 1 coefficients (xibar_0 = 1 for k = 0)")
    k = xb.size - 1
    scale = max(1.0, float(np.abs(xb).sum()))
    total = float(xb.sum())
    if abs(total - 1.0) > atol * scale:
        raise ValueError(f"xibar must sum to 1 (p_k(1) = 1), got sum {total:.12g}")
    T = np.cumsum(xb[::-1])[::-1]  # T_i = Σ_{m≥i} ξ̄_m, T_0 = Σ = 1
    T[0] = 1.0
    out = np.empty(k)
    for i in range(k):  # ξ_{k−i} = T_{i+1}/T_i
        if abs(T[i]) <= atol * scale:
            prod = f"xi_{k - i + 1}*...*xi_{k}" if i > 1 else f"xi_{k}"
            why = (f"xi_{k - i} is undetermined (any value gives the same filter)"
                   if abs(T[i + 1]) <= atol * scale else
                   f"no xi_{k - i} reproduces the tail sum xibar[{i + 1}:] = {T[i + 1]:.6g}")
            raise ValueError(
                f"xibar is not invertible to per-step weights: the tail sum xibar[{i}:] = "
                f"{prod} is zero, so {why}"
            )
        out[k - i - 1] = T[i + 1] / T[i]
    return out


# ============================================================================ risk quadratic
def _hg(sp: Spectrum):
    """``H`` (matrix) and ``g`` with ``E(f) = fᵀHf − 2gᵀf + E(0)``; ``f*`` (oracle) solves ``Hf = g``."""
    ev, g2 = sp.eigvals, sp.noise
    md = sp.weight_diag / ev
    if sp.is_diagonal:
        H = np.diag(sp.weights * sp.signal_energy + g2 * md)
        g = sp.weights * sp.signal_energy
    else:
        th = sp.signal
        M = sp.weight_matrix  # r×r even when the weights are diagonal (then null_cross ≠ 0)
        H = th[:, None] * M * th[None, :] + g2 * np.diag(md)
        g = th * (M @ th) + th * sp.null_cross
    return H, g


def schedule_quadratic(sp: Spectrum, lam, k: int):
    r"""The k-step risk as a quadratic in ``ξ̄``: ``E(ξ̄) = ξ̄ᵀQξ̄ − 2qᵀξ̄ + c``.

    Parameters
    ----------
    sp : Spectrum
    lam : float
        ``λ > 0``.
    k : int
        Number of distillation steps ``≥ 0``.

    Returns
    -------
    (Q, q, c) : (ndarray (k+1, k+1), ndarray (k+1,), float)

    Notes
    -----
    The filter is ``f = Φξ̄`` with ``Φ_{ji} = a_j^{i+1}``. With ``E(f) = fᵀHf − 2gᵀf + E(0)``,
    ``H = ΘMΘ + γ² diag(M_jj/s_j²)``, ``g = ΘMθ + Θh`` (``Θ = diag θ``; for diagonal weights
    ``H_jj = w_j(θ_j² + γ²/s_j²)``, ``g_j = w_jθ_j²``): ``Q = ΦᵀHΦ``, ``q = Φᵀg``,
    ``c = E(0)``. It is a quadratic in ``ξ̄`` (not in ``ξ``), minimized subject to
    ``Σ_i ξ̄_i = 1`` by :func:`optimal_schedule`.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 1.0], noise=1.0)
    >>> Q, q, c = schedule_quadratic(sp, 1.0, 2)
    >>> xb = xis_to_poly([0.5, 2.0])
    >>> bool(abs(xb @ Q @ xb - 2 * q @ xb + c - multistep_risk(sp, 1.0, [0.5, 2.0])) < 1e-12)
    True
    """
    _check_sp(sp)
    lam = float(check_positive(lam, "lam"))
    k = check_int(k, "k", minimum=0)
    a = ridge_filter(sp.eigvals, lam)
    Phi = a[:, None] ** np.arange(1, k + 2)[None, :]
    H, g = _hg(sp)
    c = float(filter_risk(sp, np.zeros(sp.rank)))
    return Phi.T @ H @ Phi, Phi.T @ g, c


@dataclass(frozen=True)
class OptimalSchedule:
    """Result of :func:`optimal_schedule`.

    Attributes
    ----------
    lam : float
    k : int
    xis : ndarray (k,) or None
        Optimal per-step weights; ``None`` when ``ξ̄ → ξ`` is not invertible (see ``message``).
    xibar : ndarray (k + 1,)
        Optimal polynomial coefficients (``Σ = 1``).
    risk : float
        Expected risk of the optimal k-step filter.
    filter : ndarray (r,)
        The optimal filter ``Σ_i ξ̄_i a^{i+1}``.
    ridge_risk : float
        Risk of the ridge teacher at the same ``λ`` (``k = 0``).
    oracle_risk : float
        The lower bound over all filters (reached when ``k ≥`` #distinct eigenvalues).
    cond : float
        Condition number of the column-scaled weighted least-squares matrix (over its
        numerically non-zero singular values).
    rank : int
        Numerical rank of that matrix (``< k`` when ``k ≥`` #distinct eigenvalues: the
        optimum is then not unique and the minimum-norm one is returned).
    max_abs_xi : float
        ``max_t |ξ_t|`` (``inf`` if not invertible); large values mean close eigenvalues and
        a sensitive schedule.
    message : str
    """

    lam: float
    k: int
    xis: np.ndarray | None
    xibar: np.ndarray
    risk: float
    filter: np.ndarray
    ridge_risk: float
    oracle_risk: float
    cond: float
    rank: int
    max_abs_xi: float
    message: str = ""


def _sqrt_psd(H: np.ndarray) -> np.ndarray:
    if np.count_nonzero(H - np.diag(np.diag(H))) == 0:
        return np.diag(np.sqrt(np.maximum(np.diag(H), 0.0)))
    w, Q = np.linalg.eigh(0.5 * (H + H.T))
    return np.sqrt(np.maximum(w, 0.0))[:, None] * Q.T


def _solve_schedule(sp: Spectrum, lam: float, k: int, H, L, fstar):
    a = ridge_filter(sp.eigvals, lam)
    Psi = a[:, None] ** np.arange(2, k + 2)[None, :] - a[:, None]  # columns ξ̄_1..ξ̄_k
    A = L @ Psi
    rhs = L @ (fstar - a)
    norms = np.linalg.norm(A, axis=0)
    norms[norms == 0] = 1.0
    As = A / norms
    u_s, _, rank, sv = np.linalg.lstsq(As, rhs, rcond=None)
    u = u_s / norms
    xibar = np.concatenate([[1.0 - u.sum()], u])
    f = a + Psi @ u
    nz = sv[sv > sv[0] * max(As.shape) * np.finfo(float).eps] if sv.size and sv[0] > 0 else sv[:0]
    cond = float(nz[0] / nz[-1]) if nz.size else math.inf
    return xibar, f, int(rank), cond


def optimal_schedule(sp: Spectrum, lam, k: int, *, warn: bool = True) -> OptimalSchedule:
    r"""The k-step schedule ``ξ_1..ξ_k`` of minimal expected risk at fixed ``λ``.

    Parameters
    ----------
    sp : Spectrum
    lam : float
        Ridge penalty ``λ > 0`` (same at every step).
    k : int
        Number of distillation steps ``≥ 1``.
    warn : bool
        Emit :class:`ScheduleConditioningWarning` when ``max|ξ_t| > 1e4`` or the condition
        number exceeds ``1e10``.

    Returns
    -------
    OptimalSchedule

    Notes
    -----
    The filter ``f = Σ_i ξ̄_i a^{i+1}`` is linear in ``ξ̄`` and the risk is
    ``(f − f^{or})ᵀH(f − f^{or}) + E(f^{or})`` (:func:`schedule_quadratic`), so the optimum is
    a linearly constrained least squares. Eliminating ``ξ̄_0 = 1 − Σ_{i≥1}ξ̄_i`` gives
    ``f = a + Ψu``, ``Ψ_{ji} = a_j^{i+1} − a_j``, and ``u`` solves the unconstrained problem
    ``min ‖L(a + Ψu − f^{or})‖`` with ``LᵀL = H`` (columns scaled before ``lstsq``). The
    schedule is then ``ξ = poly_to_xis(ξ̄)``.

    Because ``p(1) = 1`` plus ``p(a_j) = f_j^{or}/a_j`` at the ``r'`` distinct ``a_j`` are
    ``r' + 1`` interpolation conditions on a degree-``k`` polynomial, ``k ≥ r'`` (the number of
    distinct non-zero eigenvalues) reaches the oracle risk for every ``λ > 0``.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600), Thm. 1 and Sec. 4.

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[4.0, 0.1], noise=1.0)
    >>> opt = optimal_schedule(sp, 1.0, 2)
    >>> bool(abs(opt.risk - opt.oracle_risk) < 1e-10)   # k = 2 distinct eigenvalues
    True
    """
    _check_sp(sp)
    lam = float(check_positive(lam, "lam"))
    k = check_int(k, "k", minimum=1)
    H, g = _hg(sp)
    L = _sqrt_psd(H)
    fstar = oracle_filter(sp)
    xibar, f, rank, cond = _solve_schedule(sp, lam, k, H, L, fstar)
    risk = float(filter_risk(sp, f))
    ridge = float(filter_risk(sp, ridge_filter(sp.eigvals, lam)))
    msg = ""
    try:
        xis = poly_to_xis(xibar, atol=1e-12)
        max_abs = float(np.abs(xis).max())
    except ValueError as exc:
        xis, max_abs, msg = None, math.inf, str(exc)
    if max_abs > _XI_WARN or cond > _COND_WARN:
        note = (f"ill-conditioned schedule: max|xi_t| = {max_abs:.3g}, condition number "
                f"{cond:.3g} (close eigenvalues make the schedule sensitive)")
        msg = f"{msg}; {note}" if msg else note
        if warn:
            warnings.warn(note, ScheduleConditioningWarning, stacklevel=2)
    return OptimalSchedule(
        lam=lam, k=k, xis=xis, xibar=xibar, risk=risk, filter=f, ridge_risk=ridge,
        oracle_risk=float(oracle_risk(sp)), cond=cond, rank=rank, max_abs_xi=max_abs, message=msg,
    )


@dataclass(frozen=True)
class MultistepOptimum:
    """Result of :func:`optimal_multistep`: the best ``(λ, ξ_1..ξ_k)``.

    Attributes
    ----------
    lam : float
    schedule : OptimalSchedule
        The optimal schedule at ``lam``.
    risk : float
    ridge : RidgeOptimum
        The best ridge on the same problem.
    boundary : str or None
        ``"lam-grid-low"``/``"lam-grid-high"`` when the best grid point is at an end of the
        searched ``λ`` range (the infimum may lie beyond it), else ``None``.
    """

    lam: float
    schedule: OptimalSchedule
    risk: float
    ridge: RidgeOptimum
    boundary: str | None = None

    @property
    def ratio_to_ridge(self) -> float:
        """``ridge.risk / risk`` (the multi-step gain; 1 means none)."""
        return self.ridge.risk / self.risk if self.risk > 0 else math.inf


def optimal_multistep(sp: Spectrum, k: int, *, per_decade: int = 8, decades: float = 4.0):
    r"""Jointly optimal ``(λ, ξ_1..ξ_k)`` for k-step self-distillation.

    Parameters
    ----------
    sp : Spectrum
    k : int
        Number of steps ``≥ 1``.
    per_decade : int
        Grid points per decade of ``λ``.
    decades : float
        The grid spans ``[10^{−decades} min s², 10^{decades} max s²]``.

    Returns
    -------
    MultistepOptimum

    Notes
    -----
    The profile ``P(λ) = min_ξ E(λ, ξ)`` (one constrained least squares per ``λ``) is
    evaluated on a log grid; the best grid point is refined by bounded Brent in ``log λ``
    between its neighbours. For ``k ≥`` #distinct eigenvalues ``P`` is flat at the oracle;
    on a flat profile the grid ``λ`` with the smallest ``max|ξ_t|`` (best-conditioned
    schedule) is returned.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> sp = Spectrum(eigvals=[9.0, 4.0, 1.0], signal_energy=[1.0, 0.0, 0.0], noise=1.0)
    >>> opt = optimal_multistep(sp, 1)
    >>> bool(opt.risk <= opt.ridge.risk + 1e-12)
    True
    """
    _check_sp(sp)
    k = check_int(k, "k", minimum=1)
    per_decade = check_int(per_decade, "per_decade", minimum=2)
    dec = float(check_positive(decades, "decades"))
    lo = math.log10(sp.eigvals.min()) - dec
    hi = math.log10(sp.eigvals.max()) + dec
    grid = np.logspace(lo, hi, int(math.ceil((hi - lo) * per_decade)) + 1)
    H, g = _hg(sp)
    L = _sqrt_psd(H)
    fstar = oracle_filter(sp)

    def prof(lam):
        _, f, _, _ = _solve_schedule(sp, lam, k, H, L, fstar)
        return float(filter_risk(sp, f))

    vals = np.array([prof(x) for x in grid])
    i = int(np.argmin(vals))
    near = vals <= vals[i] * (1 + 1e-9) + 1e-300
    lo_i, hi_i = i, i
    while lo_i > 0 and near[lo_i - 1]:
        lo_i -= 1
    while hi_i < grid.size - 1 and near[hi_i + 1]:
        hi_i += 1
    boundary = None
    if hi_i - lo_i >= 3:
        # flat profile (e.g. k ≥ #distinct eigenvalues: the oracle at every λ): pick the
        # best-conditioned schedule, smallest max|ξ_t|
        def size(lam):
            xb, _, _, _ = _solve_schedule(sp, lam, k, H, L, fstar)
            try:
                return float(np.abs(poly_to_xis(xb, atol=1e-12)).max())
            except ValueError:
                return math.inf

        lam = float(grid[min(range(lo_i, hi_i + 1), key=lambda j: size(grid[j]))])
    else:
        cands = []
        for j in range(1, grid.size - 1):  # refine every interior local minimum
            if vals[j] <= vals[j - 1] and vals[j] <= vals[j + 1]:
                res = optimize.minimize_scalar(
                    lambda t: prof(math.exp(t)),
                    bounds=(math.log(grid[j - 1]), math.log(grid[j + 1])),
                    method="bounded", options={"xatol": 1e-10},
                )
                cands.append((res.fun, math.exp(res.x)) if res.fun <= vals[j] else
                             (vals[j], float(grid[j])))
        best = min(cands) if cands else None
        if best is None or min(vals[0], vals[-1]) < best[0]:
            j = 0 if vals[0] <= vals[-1] else grid.size - 1
            boundary = "lam-grid-low" if j == 0 else "lam-grid-high"
            lam = float(grid[j])
        else:
            lam = best[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScheduleConditioningWarning)
        sched = optimal_schedule(sp, lam, k, warn=False)
    return MultistepOptimum(lam=lam, schedule=sched, risk=sched.risk, ridge=optimal_ridge(sp),
                            boundary=boundary)


# ============================================================================ ground-truth weighting
def ground_truth_weighted_filter(eigvals, lam, alpha, step) -> np.ndarray:
    r"""Filter of iterated self-distillation with weight ``α`` on the labels at every step ``≥ 2``.

    Parameters
    ----------
    eigvals : array_like
        Eigenvalues ``d_k > 0`` (scalar or 1-D).
    lam : array_like
        ``λ > 0``.
    alpha : array_like
        Weight on the ground-truth labels ``α ∈ [0, 1]`` (``α = 0``: pure self-distillation).
    step : int or numpy.inf
        ``τ ≥ 1`` (``τ = 1`` is the ridge teacher) or ``inf`` for the limit.

    Returns
    -------
    ndarray
        Shape ``broadcast(lam, alpha).shape + eigvals.shape``.

    Notes
    -----
    Step ``τ ≥ 2`` fits ``αy + (1 − α)ŷ^{(τ−1)}``: ``B^{(1)} = A``,
    ``B^{(τ)} = A((1 − α)B^{(τ−1)} + αI)`` (the k-step filter with ``ξ_t = 1 − α``,
    ``k = τ − 1``). With ``ρ_k = (1 − α)a_k``:

    .. math:: b_k^{(τ)} = αa_k\frac{1 − ρ_k^{τ−1}}{1 − ρ_k} + ρ_k^{τ−1}a_k,
              \qquad b_k^{(∞)} = \frac{d_k}{d_k + λ/α},

    kernel ridge with the amplified penalty ``λ/α`` (``α = 0``: the zero function). The gap is
    ``b^{(τ)} − b^{(∞)} = ρ^{τ−1}(a − b^{(∞)}) ≥ 0``: geometric convergence at rate
    ``(1 − α)a_k`` per step (:func:`ground_truth_convergence_rate`).

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088), Thm. 4.1 and Sec. 4.

    Examples
    --------
    >>> ground_truth_weighted_filter([1.0], 1.0, 0.0, 3)      # a³
    array([0.125])
    >>> ground_truth_weighted_filter([1.0], 1.0, 0.5, np.inf)  # d/(d + λ/α) = 1/3
    array([0.33333333])
    """
    lam = check_positive(lam, "lam")
    al = _check_alpha01(alpha)
    tau = _check_step(step)
    ev_scalar = np.ndim(eigvals) == 0
    lam_b, al_b = np.broadcast_arrays(lam, al)
    a = ridge_filter(eigvals, lam_b)
    alx = al_b if ev_scalar else al_b[..., None]
    if tau == math.inf:
        ev = np.asarray(eigvals, dtype=float)
        lamx = lam_b if ev_scalar else lam_b[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(alx > 0, alx * ev / (alx * ev + lamx), 0.0)
        return out
    rho = (1.0 - alx) * a
    rk = rho ** (tau - 1)
    # α a Σ_{i<τ−1} ρ^i, written to stay accurate as ρ → 1
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(np.abs(1.0 - rho) > 1e-8, (1.0 - rk) / (1.0 - rho), float(tau - 1))
    return alx * a * geo + rk * a


def ground_truth_convergence_rate(eigvals, lam, alpha) -> np.ndarray | float:
    r"""Geometric rate ``max_k (1 − α)a_k`` at which ground-truth-weighted SD converges.

    Notes
    -----
    ``b^{(τ)} − b^{(∞)} = ρ^{τ−1}(a − b^{(∞)})`` with ``ρ_k = (1 − α)a_k``, so
    ``max_k |b_k^{(τ)} − b_k^{(∞)}| ≤ ρ_max^{τ−1} max_k(a_k − b_k^{(∞)})``; the slowest direction
    is the top eigenvalue. ``α = 0`` still converges (to zero) at rate ``a_max < 1``.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088).

    Examples
    --------
    >>> ground_truth_convergence_rate([3.0, 1.0], 1.0, 0.5)
    0.375
    """
    al = _check_alpha01(alpha)
    a = ridge_filter(eigvals, lam)
    rate = (1.0 - (al if np.ndim(eigvals) == 0 else al[..., None])) * a
    out = rate if np.ndim(eigvals) == 0 else rate.max(-1)
    out = np.asarray(out, dtype=float)
    return float(out) if out.ndim == 0 else out


def optimal_alpha_expected(sp: Spectrum, lam, prev_filter) -> float:
    r"""Label weight ``α`` minimizing the expected risk of the next step, given the previous filter.

    Parameters
    ----------
    sp : Spectrum
    lam : float
        ``λ > 0``.
    prev_filter : array_like, shape (r,)
        Filter ``b^{(τ−1)}`` of the previous step (deterministic: earlier ``α``'s are fixed).

    Returns
    -------
    float
        ``α*`` (any real; it may fall outside ``[0, 1]``).

    Notes
    -----
    The next filter ``a(b + α(1 − b)) = f₀ + αg₁`` is affine in ``α``; with
    ``E(f) = fᵀHf − 2gᵀf + c`` the minimizer is ``α* = (gᵀg₁ − g₁ᵀHf₀)/(g₁ᵀHg₁)``
    (``0`` if ``g₁ᵀHg₁ = 0``).

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088).

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 1.0], noise=0.0)
    >>> b1 = ridge_filter(sp.eigvals, 1.0)
    >>> round(optimal_alpha_expected(sp, 1.0, b1), 6) > 1     # no noise: undo shrinkage
    True
    """
    _check_sp(sp)
    lam = float(check_positive(lam, "lam"))
    b = check_finite(prev_filter, "prev_filter")
    if b.shape != (sp.rank,):
        raise ValueError(f"prev_filter must have shape ({sp.rank},), got {b.shape}")
    a = ridge_filter(sp.eigvals, lam)
    H, g = _hg(sp)
    f0, g1 = a * b, a * (1.0 - b)
    den = float(g1 @ H @ g1)
    return float((g @ g1 - g1 @ H @ f0) / den) if den > 0 else 0.0


@dataclass(frozen=True)
class AlphaPath:
    """Per-step optimal label weights along an iterated-SD path.

    Attributes
    ----------
    alphas : ndarray (steps − 1,)
        ``α`` chosen for steps ``τ = 2..steps``.
    filters : ndarray (steps, r)
        Filters (eigenbasis) of steps ``1..steps`` (expected version), else ``None``.
    risks : ndarray (steps,)
        Expected risk (expected version) or realized in-sample loss ``(1/N)‖ŷ − y*‖²``
        (oracle version) of each step.
    coef : ndarray (steps, N) or None
        Kernel coefficients (oracle version).
    """

    alphas: np.ndarray
    filters: np.ndarray | None
    risks: np.ndarray
    coef: np.ndarray | None = None


def expected_alpha_path(sp: Spectrum, lam, steps: int) -> AlphaPath:
    r"""Greedy per-step ``α`` minimizing the *expected* risk of each step in turn.

    Notes
    -----
    Step 1 is ridge; at each step ``α_τ = `` :func:`optimal_alpha_expected` given the previous
    filter. Depends on the data only through ``(γ², θ)`` — the expected-risk version.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088).

    Examples
    --------
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.1], signal_energy=[1.0, 0.2, 0.01], noise=1.0)
    >>> p = expected_alpha_path(sp, 0.5, 4)
    >>> bool(np.all(p.risks[1:] <= p.risks[0] + 1e-15))   # α = 1 would repeat step 1
    True
    """
    _check_sp(sp)
    lam = float(check_positive(lam, "lam"))
    steps = check_int(steps, "steps", minimum=1)
    a = ridge_filter(sp.eigvals, lam)
    b = a.copy()
    filters, alphas = [b], []
    for _ in range(steps - 1):
        al = optimal_alpha_expected(sp, lam, b)
        b = a * (b + al * (1.0 - b))
        alphas.append(al)
        filters.append(b)
    F = np.array(filters)
    return AlphaPath(alphas=np.array(alphas), filters=F, risks=np.asarray(filter_risk(sp, F)))


def _check_ky(K, y, *, rtol=None):
    eig = K if isinstance(K, KernelEigen) else kernel_eigen(K, rtol=rtol)
    y = check_finite(y, "y")
    if y.ndim != 1 or y.shape[0] != eig.n:
        raise ValueError(f"y must have shape ({eig.n},) to match K ({eig.n} x {eig.n}), got {y.shape}")
    return eig, y


def oracle_alpha_path(K, y, y_star, lam, steps: int, *, rtol=None) -> AlphaPath:
    r"""Greedy per-step ``α`` minimizing the realized in-sample error ``‖ŷ_τ − y*‖`` (oracle).

    Parameters
    ----------
    K : array_like (N, N)
        Training Gram matrix.
    y, y_star : array_like (N,)
        Noisy labels and the noise-free targets (known only to an oracle).
    lam : float
    steps : int

    Notes
    -----
    With ``S = K(K + λI)⁻¹`` the step-``τ`` predictions ``S(αy + (1 − α)ŷ_{τ−1}) =
    Sŷ_{τ−1} + α S(y − ŷ_{τ−1})`` are affine in ``α``, so the oracle choice is the 1-D least
    squares ``α* = ⟨u, y* − Sŷ_{τ−1}⟩/‖u‖²``, ``u = S(y − ŷ_{τ−1})``. It may fall outside
    ``[0, 1]``.

    References
    ----------
    Borup & Andersen, NeurIPS 2021, Sec. 5 (optimal α per step).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 11); ys = np.sin(2 * np.pi * x)
    >>> y = ys + 0.5 * np.random.default_rng(0).standard_normal(11)
    >>> from sdtheory import rbf_kernel
    >>> p = oracle_alpha_path(rbf_kernel(x, gamma=80.0), y, ys, 0.2, 4)
    >>> p.alphas.shape, bool(np.all(p.risks[1:] <= p.risks[0] + 1e-15))  # α = 1 repeats step 1
    ((3,), True)
    """
    eig, y = _check_ky(K, y, rtol=rtol)
    ys = check_finite(y_star, "y_star")
    if ys.shape != y.shape:
        raise ValueError(f"y_star must have shape {y.shape}, got {ys.shape}")
    lam = float(check_positive(lam, "lam"))
    steps = check_int(steps, "steps", minimum=1)
    V, d = eig.eigvecs, eig.eigvals
    z, zs = V.T @ y, V.T @ ys
    s = d / (d + lam)
    c = 1.0 / (d + lam)
    n = eig.n
    zh = s * z
    coefs, losses, alphas = [V @ (c * z)], [float(((zh - zs) ** 2).sum() / n)], []
    for _ in range(steps - 1):
        u = s * (z - zh)
        base = s * zh
        den = float(u @ u)
        al = float(u @ (zs - base) / den) if den > 0 else 0.0
        tgt = al * z + (1.0 - al) * zh
        coefs.append(V @ (c * tgt))
        zh = s * tgt
        alphas.append(al)
        losses.append(float(((zh - zs) ** 2).sum() / n))
    return AlphaPath(alphas=np.array(alphas), filters=None, risks=np.array(losses),
                     coef=np.array(coefs))


# ============================================================================ kernel path
@dataclass(frozen=True, eq=False)
class KernelSDFit:
    """Result of :func:`kernel_self_distill`.

    Attributes
    ----------
    coef : ndarray (steps, N)
        Kernel coefficients of steps ``τ = 1..steps``; predictions at new points are
        ``K_new_train @ coef[t]``.
    fitted : ndarray (steps, N)
        In-sample predictions ``K @ coef[t]``.
    filters : ndarray (steps, N)
        Eigenbasis filters ``b^{(τ)}`` (descending eigenvalues; 0 on the null space of K).
    limit_coef : ndarray (N,) or None
        ``τ = ∞`` coefficients ``(K + (λ/α)I)⁻¹y`` (zeros for ``α = 0``); ``None`` when the
        label weights vary per step.
    limit_filter : ndarray (N,) or None
    alphas : ndarray (steps − 1,)
        Label weights used at steps ``2..steps``.
    lam : float
    eigen : KernelEigen
    """

    coef: np.ndarray
    fitted: np.ndarray
    filters: np.ndarray
    limit_coef: np.ndarray | None
    limit_filter: np.ndarray | None
    alphas: np.ndarray
    lam: float
    eigen: KernelEigen

    @property
    def steps(self) -> int:
        return int(self.coef.shape[0])

    def predict(self, K_new) -> np.ndarray:
        """Predictions ``K_new @ coef[t]`` at new points, shape ``(steps, m)``.

        ``K_new`` is the cross-kernel matrix ``k(x_new_i, x_train_n)`` of shape ``(m, N)``.
        """
        Kn = _check_cross(K_new, self.coef.shape[1])
        return self.coef @ Kn.T

    def predict_limit(self, K_new) -> np.ndarray:
        """Predictions of the ``τ = ∞`` limit at new points, shape ``(m,)``."""
        if self.limit_coef is None:
            raise ValueError("no tau = infinity limit: the label weights vary per step")
        return _check_cross(K_new, self.coef.shape[1]) @ self.limit_coef


def _check_cross(K_new, n: int) -> np.ndarray:
    Kn = check_finite(K_new, "K_new")
    if Kn.ndim == 1:
        Kn = Kn[None, :]
    if Kn.ndim != 2 or Kn.shape[1] != n:
        raise ValueError(f"K_new must have shape (m, {n}) (new x train), got {Kn.shape}")
    return Kn


def kernel_self_distill(K, y, lam, alpha=0.0, steps: int = 6, *, rtol=None) -> KernelSDFit:
    r"""Iterated kernel self-distillation via one eigendecomposition of ``K``.

    Parameters
    ----------
    K : array_like, shape (N, N), or KernelEigen
        Training Gram matrix (symmetric PSD; validated), or its precomputed
        :func:`~sdtheory.kernel_eigen` to reuse one decomposition across labels, ``λ`` and ``α``.
    y : array_like, shape (N,)
        Training labels.
    lam : float
        Ridge penalty ``λ > 0`` at every step (on the unscaled ``K``).
    alpha : float or array_like
        Weight on the labels at steps ``τ ≥ 2``: a scalar in ``[0, 1]`` (Borup & Andersen),
        or a 1-D array of length ``steps − 1`` with one real weight per step (e.g. per-step
        optima, which may lie outside ``[0, 1]``). A k-step schedule ``ξ_1..ξ_k`` is
        ``alpha = 1 − ξ``, ``steps = k + 1``.
    steps : int
        Number of fits ``≥ 1`` (step 1 is the ridge teacher).
    rtol : float, optional
        Relative threshold below which eigenvalues of ``K`` count as zero.

    Returns
    -------
    KernelSDFit

    Notes
    -----
    Step 1: ``α^{(1)} = (K + λI)⁻¹y``; step ``τ``: ``α^{(τ)} = (K + λI)⁻¹(α_τ y + (1 − α_τ)Kα^{(τ−1)})``.
    With ``K = VDVᵀ`` and ``z = Vᵀy``: ``α^{(τ)} = V diag(c^{(τ)}) z`` where
    ``c^{(1)} = 1/(d + λ)``, ``c^{(τ)} = (α_τ + (1 − α_τ)b^{(τ−1)})/(d + λ)`` and
    ``b^{(τ)} = d c^{(τ)}`` is the in-sample filter (:func:`ground_truth_weighted_filter`).
    No ``D⁻¹`` appears, so singular ``K`` is fine. Cost: one ``O(N³)`` eigendecomposition
    plus ``O(N²)`` per step, against ``O(N³)`` per step for re-solving. The ``τ = ∞`` limit
    is ``(K + (λ/α)I)⁻¹y`` since ``α + (1 − α)b^{(∞)} = (d + λ)/(d + λ/α)``.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088); Mobahi et al., NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import rbf_kernel
    >>> x = np.linspace(0, 1, 11)
    >>> K = rbf_kernel(x, gamma=80.0)
    >>> fit = kernel_self_distill(K, np.sin(2 * np.pi * x), 0.2, alpha=0.0, steps=6)
    >>> fit.coef.shape, float(np.abs(fit.limit_coef).max())
    ((6, 11), 0.0)
    """
    eig, y = _check_ky(K, y, rtol=rtol)
    lam = float(check_positive(lam, "lam"))
    steps = check_int(steps, "steps", minimum=1)
    al_arr = np.asarray(alpha, dtype=float) if not isinstance(alpha, (str, bytes)) else None
    if al_arr is None:
        raise TypeError("alpha must be a number or a 1-D array of numbers")
    if al_arr.ndim == 0:
        a0 = float(_check_alpha01(alpha))
        alphas = np.full(steps - 1, a0)
        scalar = True
    else:
        alphas = check_finite(alpha, "alpha", allow_empty=True)
        if alphas.ndim != 1 or alphas.shape[0] != steps - 1:
            raise ValueError(
                f"per-step alpha must be 1-D with length steps - 1 = {steps - 1}, got shape "
                f"{alphas.shape} (or give a scalar in [0, 1])"
            )
        scalar = False
    V, d = eig.eigvecs, eig.eigvals
    z = V.T @ y
    inv = 1.0 / (d + lam)
    C = np.empty((steps, eig.n))
    C[0] = inv
    for t in range(1, steps):
        C[t] = (alphas[t - 1] + (1.0 - alphas[t - 1]) * d * C[t - 1]) * inv
    B = d * C
    coef = (C * z) @ V.T
    fitted = (B * z) @ V.T
    lim_c = lim_b = None
    if scalar:
        a0 = float(alpha)
        if a0 > 0:
            lim_c = V @ (z / (d + lam / a0))
            lim_b = d / (d + lam / a0)
        else:
            lim_c, lim_b = np.zeros(eig.n), np.zeros(eig.n)
    return KernelSDFit(coef=coef, fitted=fitted, filters=B, limit_coef=lim_c, limit_filter=lim_b,
                       alphas=alphas, lam=lam, eigen=eig)


# ============================================================================ constrained rounds
@dataclass(frozen=True, eq=False)
class ConstrainedRounds:
    r"""Result of :func:`constrained_rounds` (rounds ``t = 0..T−1`` fit; round ``T`` collapses).

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


def collapse_round_bounds(r0, kappa, *, max_iter: int = 10**6) -> dict:
    r"""Bounds on the collapse round ``T`` of constrained self-distillation from ``r_0`` and ``κ``.

    Parameters
    ----------
    r0 : float
        ``r_0 = ‖y_0‖/√(Nε) ≥ 0`` (``y_0`` in the range of ``K``).
    kappa : float
        Condition number ``κ = d_max/d_min ≥ 1`` of ``K``.
    max_iter : int
        Cap on iterations of the worst-case map (``upper = inf`` beyond it).

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

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715), Sec. 4.

    Examples
    --------
    >>> collapse_round_bounds(3.5, 1.0)
    {'lower': 3, 'upper': 3, 'upper_simple': 3, 'upper_kappa': 3}
    """
    r0 = float(check_finite(r0, "r0"))
    if r0 < 0:
        raise ValueError(f"r0 must be >= 0, got {r0}")
    kappa = float(check_positive(kappa, "kappa", allow_inf=True))
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1 (a condition number), got {kappa}")
    tie = _COLLAPSE_RTOL  # the collapse test of constrained_rounds: r² ≤ 1 + tie

    def ceil(x):  # ceil that does not jump on rounding noise at exact integers
        return int(math.ceil(x - 1e-10 * max(1.0, abs(x))))

    if r0 * r0 <= 1.0 + tie:
        return {"lower": 0, "upper": 0, "upper_simple": 0, "upper_kappa": 0}
    lower = ceil(r0 - 1.0)
    if math.isinf(kappa):
        return {"lower": lower, "upper": math.inf, "upper_simple": math.inf, "upper_kappa": math.inf}
    g = r0 / ((r0 - 1.0) * kappa + 1.0)
    upper_kappa = ceil(kappa * (r0 - 1.0))
    upper_simple = min(ceil((r0 - 1.0) / g), upper_kappa)
    r, t = r0, 0
    while r * r > 1.0 + tie and t < max_iter:
        r = r * (r - 1.0) * kappa / ((r - 1.0) * kappa + 1.0)
        t += 1
    upper = min(t, upper_simple) if r * r <= 1.0 + tie else upper_simple
    return {"lower": lower, "upper": upper, "upper_simple": upper_simple, "upper_kappa": upper_kappa}


def constrained_rounds(K, y, eps, *, max_rounds: int = 100_000, rtol=None) -> ConstrainedRounds:
    r"""Self-distillation rounds under a fixed error budget ``ε``, run to collapse.

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
    eig, y = _check_ky(K, y, rtol=rtol)
    eps_a = check_finite(eps, "eps")
    if eps_a.ndim != 0 or not eps_a > 0:
        raise ValueError(f"eps must be a scalar in (0, inf) (per-point squared-error budget), got {eps}")
    eps = float(eps_a)
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
    dmin, dmax = float(d_pos.min()), float(d_pos.max())
    kappa = dmax / dmin
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
    norms = np.array(norms)
    ratios = norms / sq
    if null0 > 0 and ratios.size > 1:
        b1 = collapse_round_bounds(ratios[1], kappa)
        bounds = {key: (v + 1 if v != math.inf else v) for key, v in b1.items()}
        bounds["lower"] = collapse_round_bounds(ratios[0], 1.0)["lower"]
        bounds["note"] = "y has a null-space part: upper bounds from round 1 on (+1)"
    else:
        bounds = collapse_round_bounds(ratios[0], kappa)
    return ConstrainedRounds(
        multipliers=np.array(mults), norms=norms, ratios=ratios,
        filters=np.array(filt).reshape(len(filt), n), coef=np.array(coefs).reshape(len(coefs), n),
        collapse_round=t, eigvals=d, kappa=kappa,
        multiplier_bounds=np.array(mb).reshape(len(mb), 2), bounds=bounds, eps=eps,
    )
