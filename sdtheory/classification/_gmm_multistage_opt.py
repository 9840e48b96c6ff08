r"""Greedy per-stage optimization of the multi-stage theory and the finite-``N`` test error.

See :mod:`sdtheory.classification._gmm_multistage` and the theory page :doc:`/theory/multistage`.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize

from .._validate import check_int, check_matrix, check_scalar
from ._gmm import gauss_hermite
from ._gmm_multistage import (
    _H,
    GMMMultistage,
    _advance,
    _check_args,
    _check_model,
    _lim,
    _result,
    _solve_stage,
    _State,
)

__all__ = ["gmm_finite_n_error", "optimize_gmm_multistage"]

# a chosen log-parameter this close to an end of its search range counts as at the bound
# (bounded Brent stops within its xatol = 1e-4 of an end it is pushed against)
_AT_BOUND = 1e-3


def optimize_gmm_multistage(
    sample_ratio,
    delta,
    rho,
    *,
    corruption,
    steps=None,
    xi=None,
    xis=None,
    lam_bounds=(1e-2, 1e1),
    inverse_temperature_bounds=(0.1, 100.0),
    n_grid=9,
    n_nodes=None,
) -> GMMMultistage:
    r"""Greedy choice of ``(λ_t, β_t)`` stage by stage minimizing each stage's test error.

    Stages ``t = 1..T`` with ``T = steps + 1`` as in :func:`gmm_multistage`: stage 1 is the
    teacher, stage ``t`` distillation step ``t − 1``.

    Parameters
    ----------
    sample_ratio, delta, rho, corruption, steps, xi, xis, n_nodes
        As in :func:`gmm_multistage` (``steps``: distillation steps after the teacher, default
        ``len(xis)`` or 1; ``xi`` or the per-step schedule ``xis``, at most one).
    lam_bounds : (float, float)
        Search range ``0 < lo < hi`` of every ``λ_t``. Keep ``hi`` moderate: ``m`` shrinks like
        ``1/λ`` while the unpenalized bias fluctuates by ``O(1/√N)`` whatever ``λ``, so a large
        ``λ`` that is optimal as ``N → ∞`` is useless at finite ``N`` (at ``λ = 10³`` and
        ``N = 1000`` the simulated classifier is a constant).
    inverse_temperature_bounds : (float, float)
        Search range ``0 < lo < hi`` of every finite ``β_t √(ΔQ_{t−1})``: the inverse
        temperature in units of the spread of the previous stage's field (the error does not
        change when ``λ`` rescales ``w`` and ``β`` rescales inversely); hard labels
        (``β = ∞``) are always tried as well.
    n_grid : int
        Grid points per parameter (``>= 3``, log-spaced) before the local refinement.

    Returns
    -------
    GMMMultistage
        The stages at the chosen parameters (``lam`` and ``inverse_temperature`` hold them).

    Warns
    -----
    UserWarning
        When a chosen ``λ_t`` or finite ``β_t √(ΔQ_{t−1})`` lies at a bound of its search range
        (the optimum may lie beyond it), naming the stage and the bound.

    Notes
    -----
    Greedy, not joint: stage 1's ``λ_1`` minimizes the teacher's error; with stages ``1..t−1``
    fixed, ``(λ_t, β_t)`` minimizes ``ε_t`` (log-grid, best of the grid and of ``β = ∞``, then
    Nelder–Mead in ``(log λ, log β)`` or bounded Brent in ``log λ`` for hard labels). A joint
    optimum could trade an earlier stage's error for a later one. For ``ρ = 1/2`` the teacher's
    error keeps falling as ``λ → ∞`` (the centroid classifier), so ``λ_1`` ends at the upper
    bound (with a warning); hard pseudo-labels are scale free, so later ``λ_t`` may too. See
    :doc:`/theory/multistage`.

    References
    ----------
    K. Takanami, T. Takahashi and A. Sakata, NeurIPS 2025 (arXiv 2501.16226), who optimize the
    hyperparameters of every stage.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():  # for rho = 1/2 lambda_1 sits at its upper bound
    ...     warnings.simplefilter("ignore")
    ...     r = optimize_gmm_multistage(2.0, 1.0, 0.5, corruption=0.2, steps=1, n_grid=3)
    >>> bool(r.test_error[1] <= r.test_error[0])
    True
    """
    alpha, delta, rho, flip = _check_model(sample_ratio, delta, rho, corruption)
    T, _, _, sched, n = _check_args(steps, 1.0, np.inf, xi, xis, n_nodes)
    lb = _bounds(lam_bounds, "lam_bounds")
    bb = _bounds(inverse_temperature_bounds, "inverse_temperature_bounds")
    n_grid = check_int(n_grid, "n_grid", minimum=3)
    st = _State(alpha, delta, rho, flip)
    lams, betas = [], []
    lgrid = np.linspace(np.log(lb[0]), np.log(lb[1]), n_grid)
    bgrid = np.linspace(np.log(bb[0]), np.log(bb[1]), n_grid)
    for t in range(T):
        x = sched[t - 1] if t else 1.0

        scale = np.sqrt(delta * st.Q[t - 1, t - 1]) if t else 1.0

        def err(ll, lbeta, x=x, st=st, scale=scale):
            beta = np.inf if lbeta is None else float(np.exp(lbeta) / scale)
            try:
                return _solve_stage(st, float(np.exp(ll)), beta, x)["err"]
            except (RuntimeError, np.linalg.LinAlgError, FloatingPointError):  # pragma: no cover
                return 1.0

        cands = [(err(ll, None), ll, None) for ll in lgrid]
        if t:
            cands += [(err(ll, lbt), ll, lbt) for ll in lgrid for lbt in bgrid]
        e0, l0, b0 = min(cands, key=lambda c: c[0])
        if b0 is None:
            res = optimize.minimize_scalar(
                lambda u: err(u, None),
                bounds=(max(lgrid[0], l0 - 1.5), min(lgrid[-1], l0 + 1.5)),
                method="bounded",
                options={"xatol": 1e-4},
            )
            lbest, bbest = (res.x, None) if res.fun < e0 else (l0, None)
        else:
            res = optimize.minimize(
                lambda v: err(
                    np.clip(v[0], lgrid[0], lgrid[-1]), np.clip(v[1], bgrid[0], bgrid[-1])
                ),
                np.array([l0, b0]),
                method="Nelder-Mead",
                options={"xatol": 1e-4, "fatol": 1e-10, "maxiter": 200},
            )
            v = np.clip(res.x, [lgrid[0], bgrid[0]], [lgrid[-1], bgrid[-1]])
            lbest, bbest = (v[0], v[1]) if res.fun < e0 else (l0, b0)
        _warn_at_bound(t, "lam", "lam_bounds", lbest, lgrid)
        if bbest is not None:
            what = "inverse_temperature·sqrt(delta·Q_prev)"
            _warn_at_bound(t, what, "inverse_temperature_bounds", bbest, bgrid)
        lam_t = float(np.exp(lbest))
        beta_t = np.inf if bbest is None else float(np.exp(bbest) / scale)
        lams.append(lam_t)
        if t:
            betas.append(beta_t)
        sol = _solve_stage(st, lam_t, beta_t, x)
        st = _advance(st, sol, n, extend=t < T - 1, lim=_lim(T - 1))
    return _result(st, lams, betas, sched)


def _warn_at_bound(t, what, bounds_name, value, grid):
    """Warn when the chosen log-parameter of stage ``t + 1`` sits at an end of its grid."""
    for end, side in ((grid[0], "lower"), (grid[-1], "upper")):
        if abs(value - end) <= _AT_BOUND:
            stage = f"stage {t + 1} ({'teacher' if t == 0 else f'step {t}'})"
            warnings.warn(
                f"optimize_gmm_multistage: {what} of {stage} is at the {side} bound "
                f"{float(np.exp(end)):g} of {bounds_name}; the optimum may lie beyond it",
                UserWarning,
                stacklevel=3,
            )


def _bounds(x, name):
    if isinstance(x, (str, bytes)) or x is None or np.ndim(x) != 1 or np.size(x) != 2:
        raise TypeError(f"{name} must be two numbers (lo, hi) with 0 < lo < hi, got {x!r}")
    lo = check_scalar(x[0], name, low=0.0, low_open=True)
    hi = check_scalar(x[1], name, low=0.0, low_open=True)
    if not lo < hi:
        raise ValueError(f"{name} must be two numbers (lo, hi) with 0 < lo < hi, got {x!r}")
    return lo, hi


def gmm_finite_n_error(m, Q, b, *, cov, delta, rho, n_nodes=20) -> float:
    r"""Test error averaged over Gaussian fluctuations of the overlaps ``(m, Q, b)``.

    ``E ε(m + δm, Q + δQ, b + δb)`` with ``(δm, δQ, δb) ~ N(0, cov)``: the mean test error of a
    finite-``N`` classifier whose overlaps fluctuate around their limit with covariance ``cov``
    (of order ``1/N``), to second order the limit plus ``½ tr(∇²ε · cov)``.

    Parameters
    ----------
    m, Q, b : float
        Limiting overlap, self-overlap (``> 0``) and bias.
    cov : array_like, shape (3, 3)
        Symmetric positive semi-definite covariance of ``(m, Q, b)`` at the ``N`` of interest.
    delta, rho : float
        ``Δ > 0`` and ``ρ ∈ [0, 1]``.
    n_nodes : int
        Gauss–Hermite nodes per direction (``>= 2``).

    Returns
    -------
    float

    Notes
    -----
    With ``cov = U diag(λ) Uᵀ`` the average is a tensor Gauss–Hermite sum over
    ``(m, Q, b) + U √λ x``; points with ``Q ≤ 0`` (far tails for large ``cov``) are clipped to
    ``Q = 10⁻¹²``. The test error ``ε`` is that of
    :func:`~sdtheory.classification.gmm_test_error`. The covariance is an input: the package
    estimates it from simulation at one ``N`` and scales it as ``1/N`` (the ``multistage`` check
    and :doc:`/theory/multistage`, which also lists the measured convergence in ``N``).

    References
    ----------
    K. Takanami, T. Takahashi and A. Sakata, NeurIPS 2025 (arXiv 2501.16226) (the limit);
    the fluctuation average is this package's finite-size treatment.

    Examples
    --------
    >>> e0 = gmm_finite_n_error(0.2, 0.1, 0.0, cov=np.zeros((3, 3)), delta=1.0, rho=0.5)
    >>> e1 = gmm_finite_n_error(0.2, 0.1, 0.0, cov=np.diag([0, 0, 1e-3]), delta=1.0, rho=0.5)
    >>> bool(e1 > e0)
    True
    """
    m = check_scalar(m, "m")
    Q = check_scalar(Q, "Q", low=0.0, low_open=True)
    b = check_scalar(b, "b")
    delta = check_scalar(delta, "delta", low=0.0, low_open=True)
    rho = check_scalar(rho, "rho", low=0.0, high=1.0)
    n_nodes = check_int(n_nodes, "n_nodes", minimum=2)
    C = check_matrix(cov, "cov", shape=(3, 3))
    if not np.allclose(C, C.T, rtol=1e-10, atol=1e-300):
        raise ValueError("cov must be a symmetric 3 x 3 matrix")
    lam_c, U = np.linalg.eigh(C)
    if lam_c.min() < -1e-10 * max(lam_c.max(), 1e-300):
        raise ValueError("cov must be positive semi-definite")
    x, w = gauss_hermite(n_nodes)
    X = np.stack(np.meshgrid(x, x, x, indexing="ij"), -1).reshape(-1, 3)
    Wt = np.prod(np.stack(np.meshgrid(w, w, w, indexing="ij"), -1).reshape(-1, 3), axis=1)
    pts = np.array([m, Q, b]) + (X * np.sqrt(np.clip(lam_c, 0, None))) @ U.T
    q = np.maximum(pts[:, 1], 1e-12)
    s = np.sqrt(delta * q)
    e = rho * _H((pts[:, 0] + pts[:, 2]) / s) + (1 - rho) * _H((pts[:, 0] - pts[:, 2]) / s)
    return float(Wt @ e)
