r"""One self-distillation stage on the noisy Gaussian mixture (squared loss), and the corruption
range where it beats the teacher.

Derived on the theory page :doc:`/theory/classification` and validated by simulation only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_int, check_scalar
from ._gmm import _H, GMMFirstStage, gauss_hermite, gmm_first_stage, gmm_test_error

__all__ = ["GMMSDStage", "gmm_sd_corruption_range", "gmm_sd_stage"]


@dataclass(frozen=True)
class GMMSDStage:
    """Result of :func:`gmm_sd_stage` (one SD stage on the teacher's pseudo-labels).

    See the theory page :doc:`/theory/classification`.

    Attributes
    ----------
    m, Q, b : float
        Student overlap, self-overlap and bias.
    R : float
        Teacher–student overlap ``w_1ᵀw_2/N``.
    test_error : float
        Student test error; ``teacher`` holds the first stage.
    gain : float
        ``teacher.test_error − test_error`` (positive: the SD stage wins).
    kappa, eta : float
        Reaction coefficient of the student's cavity field to the teacher's (``κ``) and the
        teacher-direction term of the student's stationarity condition (``η``).
    teacher : GMMFirstStage
    """

    m: float
    Q: float
    b: float
    R: float
    test_error: float
    gain: float
    kappa: float
    eta: float
    teacher: GMMFirstStage


def _pseudo_moments(a, sig, V, s, beta, n_nodes=161):
    """Moments over ``ζ ~ N(0,1)`` of ``φ(h)``, ``h = (2(a + σζ) + V s)/(2 + V)``:
    ``E φ, E φ², E φ ζ, E φ'`` for ``φ = tanh(βh/2)`` or ``sign`` (``β = ∞``)."""
    mu = (2 * a + V * s) / (2 + V)
    sh = 2 * sig / (2 + V)
    if np.isinf(beta):
        r = mu / sh
        pdf = np.exp(-0.5 * r * r) / np.sqrt(2 * np.pi)
        e1 = 1 - 2 * _H(r)
        return e1, 1.0, 2 * pdf, 2 * pdf / sh
    x, w = gauss_hermite(n_nodes)
    h = mu + sh * x
    ph = np.tanh(0.5 * beta * h)
    return (w @ ph, w @ ph**2, w @ (ph * x), w @ (0.5 * beta * (1 - ph**2)))


def gmm_sd_stage(
    sample_ratio, delta, rho, *, corruption, lam, inverse_temperature=np.inf, xi=1.0
) -> GMMSDStage:
    r"""One self-distillation stage on the noisy Gaussian mixture, squared loss (replica/cavity).

    The student is refit on the same inputs with targets
    ``s₂ = ξ φ(h₁) + (1 − ξ) s`` where ``φ(h) = 2σ(βh) − 1 = tanh(βh/2)`` (``β``: the argument
    ``inverse_temperature``; ``β = ∞``: hard pseudo-labels ``sign h₁``) and ``s = 2t − 1`` the
    noisy labels; same ``λ``.

    Parameters
    ----------
    sample_ratio, delta, rho : float
        The mixture, as in :func:`~sdtheory.classification.gmm_first_stage` (scalars).
    corruption : float
        Label-flip probability ``θ ∈ [0, 1]``.
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖w‖²`` (both stages).
    inverse_temperature : float
        ``β > 0`` of the pseudo-labels (``inf``: hard).
    xi : float
        Weight ``ξ`` on the teacher's pseudo-labels (``1``: pure SD).

    Returns
    -------
    GMMSDStage

    Notes
    -----
    Derived on the theory page :doc:`/theory/classification` and validated by
    simulation only. Both stages are ridge fits with the same resolvent ``R = (XᵀX + 2λ)^{-1}``, so
    the student's curvature ``χ̂`` and ``V = Δχ`` equal the teacher's. For a training point the
    teacher's prediction is ``h₁ = (2ω₁ + Vs)/(2 + V)`` with cavity field ``ω₁``. The student's
    cavity field is ``ω₂ + κ f₁``: ``ω₂`` is jointly Gaussian with ``ω₁`` (means ``y m_k + b_k``,
    covariance ``Δ[[Q₁, R], [R, Q₂]]``) and ``κ f₁`` (``f₁ = (s − ω₁)/(2 + V)``) is the reaction
    through the other points' pseudo-labels, which move when the point enters the teacher: ``κ = 2ξ
    E[φ'(h₁)] (Δ/N) tr(R XᵀX R) = ξ E[φ'(h₁)] Δ (χ + λ χ'(λ))``. With ``T = s₂ − κ f₁`` and ``f₂ =
    (T − ω₂)/(2 + V)``, stationarity in ``b₂`` and Stein's lemma on ``λ w₂ = Σ x_μ f₂μ`` give ``L
    w₂ = m̂₂ μ + n₂ + η w₁`` with ``L = 1/χ``, ``η = αΔ E ∂_{ω₁} f₂ = αΔ (2ξ E φ'(h₁) + κ)/(2 +
    V)²``, ``m̂₂ = α E[y f₂]``, ``E[n₁n₂]/N = αΔ E[f₁f₂]``, ``‖n₂‖²/N = αΔ E f₂²``; hence ``b₂ = E
    T − (2ρ − 1) m₂``, ``m₂ = (m̂₂ + η m₁)χ``, ``R = χ[(m̂₁m̂₂ + αΔ E f₁f₂)χ + η Q₁]``, ``Q₂ =
    χ²[m̂₂² + αΔ E f₂² + 2ηχ(m̂₁m̂₂ + αΔ E f₁f₂) + η² Q₁]``, each linear in the unknown it
    determines (solved in closed form, in that order). All expectations are one-dimensional (over
    ``ω₁``; ``ω₂`` enters linearly): closed form for hard labels, Gauss–Hermite quadrature (161
    nodes) for soft ones. With ``ξ = 0`` the student repeats the teacher (``m₂ = m₁``, ``R = Q₂ =
    Q₁``; tested).

    References
    ----------
    K. Takanami, T. Takahashi and A. Sakata, NeurIPS 2025 (arXiv 2501.16226), who treat the
    multi-stage problem with the replica method; the equations here are derived independently for
    the squared loss.

    Examples
    --------
    >>> r = gmm_sd_stage(2.0, 1.0, 0.5, corruption=0.2, lam=1.0)
    >>> bool(r.gain > 0)
    True
    """
    alpha = check_scalar(sample_ratio, "sample_ratio", low=0.0, low_open=True)
    delta = check_scalar(delta, "delta", low=0.0, low_open=True)
    rho = check_scalar(rho, "rho", low=0.0, high=1.0, low_open=True, high_open=True)
    flip = check_scalar(corruption, "corruption", low=0.0, high=1.0)
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    beta = check_scalar(
        inverse_temperature, "inverse_temperature", low=0.0, low_open=True, allow_inf=True
    )
    xi = check_scalar(xi, "xi")
    t1 = gmm_first_stage(alpha, delta, rho, corruption=flip, lam=lam)
    m1, Q1, B1, chi = t1.m, t1.Q, t1.b, t1.chi
    V = delta * chi
    kap2 = 2 + V
    L = 1 / chi
    mh1 = m1 * L
    # χ'(λ) from λΔχ² + (2λ + (α − 1)Δ)χ − 2 = 0
    dchi = -(delta * chi**2 + 2 * chi) / (2 * lam * delta * chi + 2 * lam + (alpha - 1) * delta)
    sig = np.sqrt(delta * Q1)
    # per (y, s): probabilities and moments
    combos = []
    for y, py in ((1.0, rho), (-1.0, 1 - rho)):
        for s, ps in ((y, 1 - flip), (-y, flip)):
            a = y * m1 + B1
            Ephi, Ephi2, Ephiz, Edphi = _pseudo_moments(a, sig, V, s, beta)
            combos.append((py * ps, y, s, a, Ephi, Ephi2, Ephiz, Edphi))
    Edphi = sum(c[0] * c[7] for c in combos)
    kappa = xi * Edphi * delta * (chi + lam * dchi)
    eta = alpha * delta * (2 * xi * Edphi + kappa) / kap2**2
    # moments of T = ξφ + (1 − ξ)s − κ f₁, with f₁ = (s − a − σζ)/(2 + V)
    ET = EyT = ET2 = Ef1T = 0.0
    Ef1 = Ef1z = 0.0
    per = []
    for P, y, s, a, Ephi, Ephi2, Ephiz, _ in combos:
        f0 = (s - a) / kap2  # E f₁ | y, s
        fz = -sig / kap2  # E f₁ζ | y, s
        f2 = f0**2 + fz**2  # E f₁² | y, s
        base = (1 - xi) * s
        eT = xi * Ephi + base - kappa * f0
        # E[φ f₁] = (s − a)/(2+V) Eφ − σ/(2+V) E φζ
        Ephif1 = f0 * Ephi + fz * Ephiz
        eT2 = (
            xi**2 * Ephi2
            + base**2
            + kappa**2 * f2
            + 2 * xi * base * Ephi
            - 2 * xi * kappa * Ephif1
            - 2 * base * kappa * f0
        )
        eTz = xi * Ephiz - kappa * fz
        ef1T = xi * Ephif1 + base * f0 - kappa * f2
        ET += P * eT
        EyT += P * y * eT
        ET2 += P * eT2
        Ef1T += P * ef1T
        Ef1 += P * f0
        Ef1z += P * fz
        per.append((P, y, eT, eTz))
    s2 = 2 * rho - 1
    k = alpha * chi / kap2
    m2 = (k * (EyT - s2 * ET) + eta * m1 * chi) / (1 + 4 * rho * (1 - rho) * k)
    B2 = ET - s2 * m2
    mh2 = m2 * L - eta * m1
    # R: q̂₁₂ = αΔ/(2+V) (E f₁T − E[f₁ (y m₂ + b₂)] + ΔR/(2+V)),  E[f₁ y] = m̂₁/α
    c12 = alpha * delta / kap2
    const = Ef1T - m2 * mh1 / alpha - B2 * Ef1
    R = (chi**2 * (mh1 * mh2 + c12 * const) + chi * eta * Q1) / (1 - chi**2 * c12 * delta / kap2)
    qh12 = c12 * (const + delta * R / kap2)
    # Q₂: q̂₂₂ = αΔ/(2+V)² (E T² − 2 E[T ω₂] + E ω₂²), E ω₂² = E(y m₂ + b₂)² + ΔQ₂
    ETw = sum(
        P * (eT * (y * m2 + B2) + np.sqrt(delta) * (R / np.sqrt(Q1)) * eTz) for P, y, eT, eTz in per
    )
    Emean2 = sum(P * (y * m2 + B2) ** 2 for P, y, _, _ in per)
    c22 = alpha * delta / kap2**2
    rest = (
        mh2**2 + c22 * (ET2 - 2 * ETw + Emean2) + 2 * eta * chi * (mh1 * mh2 + qh12) + eta**2 * Q1
    )
    Q2 = chi**2 * rest / (1 - chi**2 * c22 * delta)
    err = gmm_test_error(m2, Q2, B2, delta=delta, rho=rho)
    return GMMSDStage(
        float(m2),
        float(Q2),
        float(B2),
        float(R),
        float(err),
        float(t1.test_error - err),
        float(kappa),
        float(eta),
        t1,
    )


def gmm_sd_corruption_range(
    sample_ratio,
    delta,
    rho,
    *,
    lam,
    inverse_temperature=np.inf,
    xi=1.0,
    n_grid=101,
    corruption_max=0.5,
):
    r"""Flip probabilities ``θ`` where one SD stage has lower test error than the teacher (theory).

    Scans ``θ ∈ [0, corruption_max]`` on ``n_grid`` points with :func:`gmm_sd_stage`, then
    refines every sign change of the gain by Brent's method.

    Parameters
    ----------
    sample_ratio, delta, rho, lam, inverse_temperature, xi
        As in :func:`gmm_sd_stage` (``lam`` on ``(λ/2)‖w‖²``).
    n_grid : int
        Grid points (``>= 3``).
    corruption_max : float
        Upper end of the scan, in ``(0, 1]``.

    Returns
    -------
    list of (float, float)
        Intervals ``(θ_lo, θ_hi)`` with positive gain.

    Notes
    -----
    The gain of one SD stage is the teacher's test error minus the student's,

    .. math:: G(θ) = ε(m_1, Q_1, b_1) − ε(m_2, Q_2, b_2),

    with ``ε`` of :func:`~sdtheory.classification.gmm_test_error` and the overlaps of
    :func:`~sdtheory.classification.gmm_first_stage` (teacher) and :func:`gmm_sd_stage` (one
    stage) at flip probability ``θ``. The function returns ``{θ ∈ [0, corruption_max] : G(θ) > 0}``
    as a union of intervals: ``G`` is evaluated on the grid (a point counts as positive when
    ``G > 10⁻¹²``), and each end of a positive run that lies between two grid points is the root
    of ``G`` there, found by Brent's method to ``10⁻¹⁰``; ends at the grid's edges are kept as
    they are. Runs narrower than the grid spacing can be missed. For ``Δ = 1``, ``ρ = 1/2``,
    ``λ = 1`` and hard pseudo-labels at ``α = 2`` the range is ``θ ∈ (0.038, 0.5)``. See the theory
    page :doc:`/theory/classification`.

    References
    ----------
    K. Takanami, T. Takahashi and A. Sakata, "The effect of optimal self-distillation in noisy
    Gaussian mixture model", NeurIPS 2025 (arXiv 2501.16226), who map where self-distillation
    beats the teacher over the flip probability; F. Mignacco, F. Krzakala, Y. M. Lu and
    L. Zdeborová, ICML 2020 (the teacher's saddle point).

    Examples
    --------
    >>> [(round(a, 3), round(b, 3))
    ...  for a, b in gmm_sd_corruption_range(2.0, 1.0, 0.5, lam=1.0, n_grid=26)]
    [(0.038, 0.5)]
    """
    from scipy import optimize

    n_grid = check_int(n_grid, "n_grid", minimum=3)
    flip_max = check_scalar(corruption_max, "corruption_max", low=0.0, high=1.0, low_open=True)
    kw = dict(lam=lam, inverse_temperature=inverse_temperature, xi=xi)
    gmm_sd_stage(sample_ratio, delta, rho, corruption=0.0, **kw)  # validates once, by name

    def gain(th):
        return gmm_sd_stage(sample_ratio, delta, rho, corruption=th, **kw).gain

    grid = np.linspace(0.0, flip_max, n_grid)
    g = np.array([gain(t) for t in grid])
    pos = g > 1e-12
    out, start = [], None
    for i in range(n_grid):
        if pos[i] and start is None:
            start = grid[0] if i == 0 else optimize.brentq(gain, grid[i - 1], grid[i], xtol=1e-10)
        if start is not None and (i == n_grid - 1 or not pos[i + 1]):
            end = (
                grid[i]
                if i == n_grid - 1
                else optimize.brentq(gain, grid[i], grid[i + 1], xtol=1e-10)
            )
            out.append((float(start), float(end)))
            start = None
    return out
