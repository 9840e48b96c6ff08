r"""Ground-truth-weighted iterated self-distillation (Borup & Andersen).

Step 0 fits the labels ``y``; every later step fits ``αy + (1 − α)ŷ_{t−1}``, ``α`` the weight on
the ground-truth labels (Borup & Andersen's own parameter; in the package's ξ convention this is
the constant schedule ``ξ_t = 1 − α``). As the number of steps grows the fit tends to kernel
ridge with the amplified penalty ``λ/α``.

See the theory page :doc:`/theory/iterated`.

References
----------
K. Borup and L. N. Andersen, "Even your Teacher Needs Guidance: Ground-Truth Targets Dampen
Regularization Imposed by Self-Distillation", NeurIPS 2021, arXiv:2102.13088.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import check_finite, check_int
from ..ridge._spectrum import as_spectrum
from ._common import (
    alpha01_arg,
    eigvals_arg,
    hg,
    ky_arg,
    lam_arg,
    ridge_parts,
    risk_terms,
    steps_or_inf_arg,
)

__all__ = [
    "ground_truth_weighted_filter",
    "ground_truth_convergence_rate",
    "optimal_alpha_expected",
    "AlphaPath",
    "expected_alpha_path",
    "oracle_alpha_path",
]


def ground_truth_weighted_filter(eigvals, *, lam, alpha, steps) -> np.ndarray:
    r"""Filter of iterated self-distillation with weight ``α`` on the labels at every step.

    Parameters
    ----------
    eigvals : array_like
        Eigenvalues ``d_k > 0`` (scalar or 1-D).
    lam : array_like
        ``λ > 0`` (summed-loss scale).
    alpha : array_like
        Weight on the ground-truth labels ``α ∈ [0, 1]`` (``α = 0``: pure self-distillation).
    steps : int or numpy.inf
        Number ``t ≥ 0`` of distillation steps after the teacher (``0`` is the ridge teacher),
        or ``inf`` for the limit.

    Returns
    -------
    ndarray
        Shape ``broadcast(lam, alpha).shape + eigvals.shape``.

    Notes
    -----
    Step ``t ≥ 1`` fits ``αy + (1 − α)ŷ^{(t−1)}``: ``B^{(0)} = A``,
    ``B^{(t)} = A((1 − α)B^{(t−1)} + αI)`` (the k-step filter with ``ξ_t = 1 − α``, ``k = t``).
    With ``ρ_k = (1 − α)a_k``:

    .. math:: b_k^{(t)} = αa_k\frac{1 − ρ_k^{t}}{1 − ρ_k} + ρ_k^{t}a_k,
              \qquad b_k^{(∞)} = \frac{d_k}{d_k + λ/α},

    kernel ridge with the amplified penalty ``λ/α`` (``α = 0``: the zero function). The gap is
    ``b^{(t)} − b^{(∞)} = ρ^{t}(a − b^{(∞)}) ≥ 0``: geometric convergence at rate
    ``(1 − α)a_k`` per step (:func:`ground_truth_convergence_rate`). See the theory page
    :doc:`/theory/iterated`.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088), Thm. 4.1 and Sec. 4.

    Examples
    --------
    >>> import numpy as np
    >>> ground_truth_weighted_filter([1.0], lam=1.0, alpha=0.0, steps=2)      # a³
    array([0.125])
    >>> ground_truth_weighted_filter([1.0], lam=1.0, alpha=0.5, steps=np.inf)  # d/(d + λ/α)
    array([0.33333333])
    """
    ev = eigvals_arg(eigvals)
    lam = lam_arg(lam)
    al = alpha01_arg(alpha)
    t = steps_or_inf_arg(steps)
    lam_b, al_b = np.broadcast_arrays(lam, al)
    a, _ = ridge_parts(ev, lam_b)
    alx = al_b if ev.ndim == 0 else al_b[..., None]
    if t == math.inf:
        lamx = lam_b if ev.ndim == 0 else lam_b[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(alx > 0, alx * ev / (alx * ev + lamx), 0.0)
    rho = (1.0 - alx) * a
    rk = rho**t
    # α a Σ_{i<t} ρ^i, written to stay accurate as ρ → 1
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(np.abs(1.0 - rho) > 1e-8, (1.0 - rk) / (1.0 - rho), float(t))
    return alx * a * geo + rk * a


def ground_truth_convergence_rate(eigvals, *, lam, alpha) -> np.ndarray | float:
    r"""Geometric rate ``max_k (1 − α)a_k`` at which ground-truth-weighted SD converges.

    Parameters
    ----------
    eigvals : array_like
        Eigenvalues ``d_k > 0`` (scalar or 1-D).
    lam : array_like
        ``λ > 0``.
    alpha : array_like
        Weight on the labels ``α ∈ [0, 1]``.

    Returns
    -------
    float or ndarray
        Shape ``broadcast(lam, alpha).shape``.

    Notes
    -----
    ``b^{(t)} − b^{(∞)} = ρ^{t}(a − b^{(∞)})`` with ``ρ_k = (1 − α)a_k``, so
    ``max_k |b_k^{(t)} − b_k^{(∞)}| ≤ ρ_max^{t} max_k(a_k − b_k^{(∞)})``; the slowest direction
    is the top eigenvalue. ``α = 0`` still converges (to zero) at rate ``a_max < 1``. See the
    theory page :doc:`/theory/iterated`.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088).

    Examples
    --------
    >>> ground_truth_convergence_rate([3.0, 1.0], lam=1.0, alpha=0.5)
    0.375
    """
    ev = eigvals_arg(eigvals)
    lam = lam_arg(lam)
    al = alpha01_arg(alpha)
    lam_b, al_b = np.broadcast_arrays(lam, al)
    a, _ = ridge_parts(ev, lam_b)
    rate = (1.0 - (al_b if ev.ndim == 0 else al_b[..., None])) * a
    res = np.asarray(rate if ev.ndim == 0 else rate.max(-1), dtype=float)
    return float(res) if res.ndim == 0 else res


def optimal_alpha_expected(problem, *, lam, prev_filter) -> float:
    r"""Label weight ``α`` minimizing the expected risk of the next step, given the previous filter.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
    lam : float
        ``λ > 0``.
    prev_filter : array_like, shape (r,)
        Filter ``b^{(t−1)}`` of the previous step (deterministic: earlier ``α``'s are fixed).

    Returns
    -------
    float
        ``α*`` (any real; it may fall outside ``[0, 1]``), minimizing the fixed-design risk
        ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``) of the next step.

    Notes
    -----
    The next filter ``a(b + α(1 − b)) = f₀ + αg₁`` is affine in ``α``; with
    ``E(f) = fᵀHf − 2gᵀf + c`` the minimizer is ``α* = (gᵀg₁ − g₁ᵀHf₀)/(g₁ᵀHg₁)``
    (``0`` if ``g₁ᵀHg₁ = 0``). See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088).

    Examples
    --------
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[4.0, 1.0], signal_energy=[1.0, 1.0], noise=0.0)
    >>> b1 = sp.eigvals / (sp.eigvals + 1.0)                   # the ridge teacher
    >>> optimal_alpha_expected(sp, lam=1.0, prev_filter=b1) > 1  # no noise: undo shrinkage
    True
    """
    sp = as_spectrum(problem)
    lam = lam_arg(lam, scalar=True)
    b = check_finite(prev_filter, "prev_filter")
    if b.shape != (sp.rank,):
        raise ValueError(f"prev_filter must have shape ({sp.rank},), got {b.shape}")
    a = sp.eigvals / (sp.eigvals + lam)
    H, g = hg(sp)
    f0, g1 = a * b, a * (1.0 - b)
    den = float(g1 @ H @ g1)
    return float((g @ g1 - g1 @ H @ f0) / den) if den > 0 else 0.0


@dataclass(frozen=True)
class AlphaPath:
    """Per-step optimal label weights along a ground-truth-weighted SD path.

    See the theory page :doc:`/theory/iterated`.

    Attributes
    ----------
    alphas : ndarray (steps,)
        ``α`` chosen for distillation steps ``1..steps``.
    filters : ndarray (steps + 1, r) or None
        Filters (eigenbasis) of the teacher and each step (expected version), else ``None``.
    risks : ndarray (steps + 1,)
        Fixed-design risk (expected version) or realized in-sample loss ``(1/N)‖ŷ − y*‖²``
        (oracle version) of the teacher and each step.
    coef : ndarray (steps + 1, N) or None
        Kernel coefficients (oracle version).
    """

    alphas: np.ndarray
    filters: np.ndarray | None
    risks: np.ndarray
    coef: np.ndarray | None = None


def expected_alpha_path(problem, *, lam, steps: int) -> AlphaPath:
    r"""Greedy per-step ``α`` minimizing the *expected* risk of each step in turn.

    Parameters
    ----------
    problem : Spectrum, LinearProblem or KernelProblem
    lam : float
        ``λ > 0``.
    steps : int
        Number ``≥ 0`` of distillation steps after the teacher.

    Returns
    -------
    AlphaPath
        ``risks`` are fixed-design risks ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``).

    Notes
    -----
    Step 0 is ridge; at each step ``α_t = `` :func:`optimal_alpha_expected` given the previous
    filter. Depends on the data only through ``(σ², θ)`` — the expected-risk version. See the
    theory page :doc:`/theory/iterated`.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088).

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import Spectrum
    >>> sp = Spectrum(eigvals=[4.0, 1.0, 0.1], signal_energy=[1.0, 0.2, 0.01], noise=1.0)
    >>> p = expected_alpha_path(sp, lam=0.5, steps=3)
    >>> bool(np.all(p.risks[1:] <= p.risks[0] + 1e-15))   # α = 1 would repeat the teacher
    True
    """
    sp = as_spectrum(problem)
    lam = lam_arg(lam, scalar=True)
    steps = check_int(steps, "steps", minimum=0)
    a = sp.eigvals / (sp.eigvals + lam)
    b = a.copy()
    filters, alphas = [b], []
    for _ in range(steps):
        al = optimal_alpha_expected(sp, lam=lam, prev_filter=b)
        b = a * (b + al * (1.0 - b))
        alphas.append(al)
        filters.append(b)
    F = np.array(filters)
    bias, var = risk_terms(sp, F, 1.0 - F)
    return AlphaPath(alphas=np.array(alphas), filters=F, risks=np.asarray(bias + var))


def oracle_alpha_path(K, y, y_star, *, lam, steps: int, rtol=None) -> AlphaPath:
    r"""Greedy per-step ``α`` minimizing the realized in-sample error ``‖ŷ_t − y*‖`` (oracle).

    Parameters
    ----------
    K : array_like (N, N) or KernelEigen
        Training Gram matrix (symmetric PSD).
    y, y_star : array_like (N,)
        Noisy labels and the noise-free targets (known only to an oracle).
    lam : float
        ``λ > 0`` (on the unscaled ``K``).
    steps : int
        Number ``≥ 0`` of distillation steps after the teacher.
    rtol : float, optional
        Relative threshold below which eigenvalues of ``K`` count as zero.

    Returns
    -------
    AlphaPath
        ``risks`` are the realized in-sample losses ``(1/N)‖ŷ_t − y*‖²``.

    Notes
    -----
    With ``S = K(K + λI)⁻¹`` the step-``t`` predictions ``S(αy + (1 − α)ŷ_{t−1}) =
    Sŷ_{t−1} + α S(y − ŷ_{t−1})`` are affine in ``α``, so the oracle choice is the 1-D least
    squares ``α* = ⟨u, y* − Sŷ_{t−1}⟩/‖u‖²``, ``u = S(y − ŷ_{t−1})``. It may fall outside
    ``[0, 1]``. See the theory page :doc:`/theory/iterated`.

    References
    ----------
    Borup & Andersen, NeurIPS 2021, Sec. 5 (optimal α per step).

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory import rbf_kernel
    >>> x = np.linspace(0, 1, 11); ys = np.sin(2 * np.pi * x)
    >>> y = ys + 0.5 * np.random.default_rng(0).standard_normal(11)
    >>> p = oracle_alpha_path(rbf_kernel(x, gamma=80.0), y, ys, lam=0.2, steps=3)
    >>> p.alphas.shape, bool(np.all(p.risks[1:] <= p.risks[0] + 1e-15))  # α = 1 repeats step 0
    ((3,), True)
    """
    eig, y = ky_arg(K, y, rtol=rtol)
    ys = check_finite(y_star, "y_star")
    if ys.shape != y.shape:
        raise ValueError(f"y_star must have shape {y.shape}, got {ys.shape}")
    lam = lam_arg(lam, scalar=True)
    steps = check_int(steps, "steps", minimum=0)
    V, d = eig.eigvecs, eig.eigvals
    z, zs = V.T @ y, V.T @ ys
    s = d / (d + lam)
    c = 1.0 / (d + lam)
    n = eig.n
    zh = s * z
    coefs, losses, alphas = [V @ (c * z)], [float(((zh - zs) ** 2).sum() / n)], []
    for _ in range(steps):
        u = s * (z - zh)
        base = s * zh
        den = float(u @ u)
        al = float(u @ (zs - base) / den) if den > 0 else 0.0
        tgt = al * z + (1.0 - al) * zh
        coefs.append(V @ (c * tgt))
        zh = s * tgt
        alphas.append(al)
        losses.append(float(((zh - zs) ** 2).sum() / n))
    return AlphaPath(
        alphas=np.array(alphas), filters=None, risks=np.array(losses), coef=np.array(coefs)
    )
