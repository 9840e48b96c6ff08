r"""sympy derivations of the results of the one-step theory, from the derived risk.

From the expected risk derived in :mod:`sdtheory.ridge._sym_risk`: ``ξ*`` from ``dE/dξ = 0``,
the coefficients ``R``, ``N``, ``D``, the noise threshold from ``ξ*(σ²) = 1``, the limits of
``ξ*`` as ``σ² → 0`` and ``σ² → ∞``, the boundary optima ``κ*`` (``λ → 0``, ``ξλ = κ``) and
``μ*`` (``λ → ∞``, ``(1 − ξ)/λ = μ``), and the gain identity ``R − min_ξ E = λ²R'(λ)²/(4D)``.

sympy is imported here only; ``import sdtheory`` does not import this module (use
``import sdtheory.ridge.symbolic``). Derivations are cached per ``(r, weights, teacher)``.
See the theory page :doc:`/theory/ridge`.
"""

from __future__ import annotations

import sympy

from ._sym_risk import (
    Derivation,
    _checked_cache,
    _derivation,
    _extra,
    _linear_root,
    _sub,
    derive_sd_risk,
    derive_student_filter,
)

__all__ = [
    "derive_optimal_xi",
    "derive_sd_quadratic",
    "derive_noise_threshold",
    "derive_noise_limits",
    "derive_boundary_optima",
    "derive_gain_identity",
]


# ---------------------------------------------------------------------------- ξ*
@_checked_cache
def derive_optimal_xi(
    r: int = 2, *, weights: str = "identity", teacher: bool = False
) -> Derivation:
    r"""``ξ*`` from ``dE/dξ = 0`` for the derived risk.

    Parameters
    ----------
    r : int
        Number of directions.
    weights : {"identity", "diagonal", "matrix"}
        See :func:`derive_sd_risk`.
    teacher : bool
        If True keep a separate teacher penalty ``λ_t`` (an extra trailing argument of the
        callable); otherwise ``λ_t = λ``.

    Returns
    -------
    Derivation
        ``expr = ξ*``; call as ``d(spectrum, lam=λ)`` (or ``d(spectrum, lam=λ, teacher_lam=λ_t)``).

    Notes
    -----
    ``E = c₀ + c₁ξ + c₂ξ²`` with ``c₂ ≥ 0``, so ``dE/dξ = c₁ + 2c₂ξ = 0`` is linear and its
    root is the minimizer. For ``W = I``, ``λ_t = λ`` it equals
    ``Σ_j s_j²(σ² − λθ_j²)/(s_j²+λ)³ / (λ Σ_j s_j²(s_j²θ_j² + σ²)/(s_j²+λ)⁴)``.

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import sympy
    >>> d = derive_optimal_xi(1)
    >>> p = d.problem
    >>> s2, th = p.s2[0], p.theta[0]
    >>> sympy.simplify(d.expr - (p.g2 - p.lam*th**2)*(s2 + p.lam)/(p.lam*(s2*th**2 + p.g2)))
    0
    """
    p = derive_sd_risk(r, weights=weights)
    c0, c1, c2 = p.quad_AC
    x = sympy.Dummy("x")
    root = _linear_root(sympy.expand(c1 + 2 * c2 * x), x)  # dE/dξ = 0
    return _derivation(_sub(p, root, not teacher), p, *_extra(p, teacher))


@_checked_cache
def derive_sd_quadratic(r: int = 2, *, weights: str = "identity", teacher: bool = False) -> dict:
    r"""``R``, ``N``, ``D`` of ``E = R − 2ξN + ξ²D`` read off the derived risk.

    Returns
    -------
    dict of Derivation
        Keys ``"R"``, ``"N"``, ``"D"`` (``R = c₀``, ``N = −c₁/2``, ``D = c₂``).

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> q = derive_sd_quadratic(1)
    >>> sorted(q)
    ['D', 'N', 'R']
    """
    p = derive_sd_risk(r, weights=weights)
    c0, c1, c2 = p.quad_AC
    ex, same = _extra(p, teacher), not teacher
    return {
        "R": _derivation(_sub(p, c0, same), p, *ex),
        "N": _derivation(_sub(p, -c1 / 2, same), p, *ex),
        "D": _derivation(_sub(p, c2, same), p, *ex),
    }


# ---------------------------------------------------------------------------- threshold, limits
@_checked_cache
def derive_noise_threshold(
    r: int = 2, *, weights: str = "identity", teacher: bool = False
) -> Derivation:
    r"""The noise variance ``σ₁²(λ)`` at which ``ξ*(σ²) = 1``.

    Notes
    -----
    ``ξ* − 1 = −(c₁ + 2c₂)/(2c₂)`` with ``E = c₀ + c₁ξ + c₂ξ²``; ``c₁ + 2c₂`` is affine in
    ``σ²`` (checked), so the crossing is its (unique) root. For ``W = I``, ``λ_t = λ``:
    ``σ₁² = λ Σ_j s_j²(2s_j² + λ)θ_j²/(s_j²+λ)⁴ / Σ_j s_j⁴/(s_j²+λ)⁴``.

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import sympy
    >>> d = derive_noise_threshold(1)
    >>> p = d.problem
    >>> sympy.simplify(d.expr - p.lam*p.theta[0]**2*(2*p.s2[0] + p.lam)/p.s2[0])
    0
    """
    p = derive_sd_risk(r, weights=weights)
    c0, c1, c2 = p.quad_AC
    thr = _linear_root(sympy.expand(c1 + 2 * c2), p.g2)
    return _derivation(_sub(p, thr, not teacher), p, *_extra(p, teacher))


@_checked_cache
def derive_noise_limits(r: int = 2, *, weights: str = "identity") -> tuple[Derivation, Derivation]:
    r"""Limits of ``ξ*`` as ``σ² → 0`` and ``σ² → ∞`` (teacher and student share ``λ``).

    Notes
    -----
    ``ξ* = −c₁/(2c₂)`` with ``c₁``, ``c₂`` affine in ``σ²`` (checked), so the limits are the
    ratio of the constant terms and the ratio of the slopes.

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import sympy
    >>> lo, hi = derive_noise_limits(1)
    >>> p = hi.problem
    >>> sympy.simplify(hi.expr - (1 + p.s2[0]/p.lam))    # 1 + s²/λ
    0
    >>> sympy.simplify(lo.expr + (1 + p.lam/p.s2[0]))    # −(1 + λ/s²): back to least squares
    0
    """
    p = derive_sd_risk(r, weights=weights)
    c0, c1, c2 = p.quad_AC
    for c in (c1, c2):
        if sympy.diff(c, p.g2, 2) != 0:  # pragma: no cover
            raise ArithmeticError("ξ* coefficients are not affine in the noise")
    lo = -c1.subs(p.g2, 0) / (2 * c2.subs(p.g2, 0))
    hi = -sympy.diff(c1, p.g2) / (2 * sympy.diff(c2, p.g2))
    return _derivation(_sub(p, lo, True), p), _derivation(_sub(p, hi, True), p)


# ---------------------------------------------------------------------------- boundaries
@_checked_cache
def derive_boundary_optima(r: int = 2, *, weights: str = "identity") -> dict:
    r"""Best parameters of the two boundary families of the one-step student.

    Returns
    -------
    dict
        ``"kappa"``: Derivation of ``κ*`` (``λ → 0`` with ``ξλ = κ``; limiting filter
        ``1 − κ/s_j²``); ``"kappa_risk"``: its risk; ``"mu"``: ``μ*`` (``λ → ∞`` with
        ``(1 − ξ)/λ = μ``, so ``ξ → −∞``; filter ``μ s_j²``); ``"mu_risk"``: its risk;
        ``"kappa_filter"``, ``"mu_filter"``: the limiting filter of one direction (in ``s2``).
        The callables do not depend on ``λ`` (pass any value).

    Notes
    -----
    The limiting filters are obtained with ``sympy.limit`` of the derived student filter
    (teacher and student share ``λ``); their risk is the derived risk polynomial at the limit
    filter. For diagonal weights
    ``κ* = σ²Σ w_j s_j⁻⁴ / (Σ w_jθ_j² s_j⁻⁴ + σ²Σ w_j s_j⁻⁶)`` and
    ``μ* = Σ w_jθ_j² s_j² / Σ w_j s_j²(s_j²θ_j² + σ²)``.

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import sympy
    >>> b = derive_boundary_optima(1)
    >>> p = b["mu"].problem
    >>> kappa, s2 = sympy.symbols("kappa s2", real=True)
    >>> f = b["kappa_filter"].subs(sympy.Symbol("s2", positive=True), s2)
    >>> sympy.simplify(f - (1 - kappa/s2))
    0
    >>> sympy.simplify(b["mu"].expr - p.theta[0]**2/(p.s2[0]*p.theta[0]**2 + p.g2))
    0
    """
    p = derive_sd_risk(r, weights=weights)
    base = derive_student_filter()
    b_s2, lam, lam_t, xi = base["symbols"]
    f1 = base["filter"].subs(lam_t, lam)
    kappa, mu = sympy.symbols("kappa mu", real=True)
    out = {}
    for name, param, sub, point in (
        ("kappa", kappa, {xi: kappa / lam}, 0),
        ("mu", mu, {xi: 1 - mu * lam}, sympy.oo),
    ):
        lim1 = sympy.factor(sympy.limit(f1.subs(sub), lam, point))
        E = sympy.expand(p.risk_f.subs({p.fsyms[j]: lim1.subs(b_s2, p.s2[j]) for j in range(p.r)}))
        best = _linear_root(sympy.diff(E, param), param)
        out[name] = _derivation(best, p)
        out[name + "_risk"] = _derivation(E.subs(param, best), p)
        out[name + "_filter"] = lim1
    return out


# ---------------------------------------------------------------------------- gain identity
@_checked_cache
def derive_gain_identity(r: int = 2, *, weights: str = "identity") -> dict:
    r"""The gain ``R − min_ξ E`` and the identities ``N = −(λ/2)R'`` and ``gain = λ²R'²/(4D)``.

    Returns
    -------
    dict
        ``"gain"``: Derivation of ``E(0) − E(ξ*)``; ``"gain_formula"``: Derivation of
        ``λ²R'(λ)²/(4D)`` with ``R'`` the λ-derivative of the derived ``R``;
        ``"sign_residual"``: ``N + (λ/2)R'`` and ``"gain_residual"``:
        ``4D·gain − λ²R'²``, both exactly expanded (0 when the identities hold).

    Notes
    -----
    With ``λ_t = λ``, ``A_j = a_j`` and ``C_j = a_j(1 − a_j)`` (checked on the derived
    filter), and ``da_j/dλ = −a_j(1 − a_j)/λ`` (checked). The coefficients ``c₀, c₁, c₂`` are
    polynomials in ``a``, so ``R' = Σ_j ∂c₀/∂a_j · da_j/dλ`` and both residuals are
    polynomials that expand to 0 exactly. ``gain = c₁²/(4c₂)`` is the vertex identity of a
    quadratic (checked on generic coefficients).

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> g = derive_gain_identity(1)
    >>> g["sign_residual"], g["gain_residual"]
    (0, 0)
    """
    p = derive_sd_risk(r, weights=weights)
    base = derive_student_filter()
    b_s2, lam, lam_t, xi = base["symbols"]
    A1 = base["filter"].subs(xi, 0)
    C1 = (-sympy.diff(base["filter"], xi)).subs(lam_t, lam)
    if sympy.simplify(C1 - A1 * (1 - A1)) != 0:  # pragma: no cover
        raise ArithmeticError("C ≠ a(1 − a) for a shared λ")
    if sympy.simplify(sympy.diff(A1, lam) + A1 * (1 - A1) / lam) != 0:  # pragma: no cover
        raise ArithmeticError("da/dλ ≠ −a(1 − a)/λ")
    a = sympy.symbols(f"a_1:{p.r + 1}", real=True)
    rep = {}
    for j in range(p.r):
        rep[p.A[j]], rep[p.C[j]] = a[j], a[j] * (1 - a[j])
    c0, c1, c2 = (sympy.expand(c.subs(rep)) for c in p.quad_AC)
    Rp = sum((sympy.diff(c0, a[j]) * (-a[j] * (1 - a[j]) / lam) for j in range(p.r)), sympy.S.Zero)
    sign_res = sympy.expand(-c1 / 2 + lam / 2 * Rp)
    C0, Cl, Cq, X = sympy.symbols("C0 C1 C2 X", real=True)
    Eg = C0 + Cl * X + Cq * X**2
    vertex = sympy.simplify(C0 - Eg.subs(X, _linear_root(sympy.diff(Eg, X), X)) - Cl**2 / (4 * Cq))
    if vertex != 0:  # pragma: no cover
        raise ArithmeticError("quadratic vertex identity failed")
    gain_res = sympy.expand(c1**2 - lam**2 * Rp**2)  # = 4c₂·gain − λ²R'²
    cs0, cs1, cs2 = (_sub(p, c, True) for c in p.quad_AC)
    x_star = -cs1 / (2 * cs2)
    gain = cs0 - (cs0 + cs1 * x_star + cs2 * x_star**2)
    formula = lam**2 * sympy.diff(cs0, lam) ** 2 / (4 * cs2)
    return {
        "gain": _derivation(gain, p),
        "gain_formula": _derivation(formula, p),
        "sign_residual": sign_res,
        "gain_residual": gain_res,
    }
