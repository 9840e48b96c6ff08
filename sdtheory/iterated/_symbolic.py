"""sympy derivations for iterated self-distillation, held against the numeric code in the tests.

* the k-step recursion ``q_t = a((1 − ξ_t) + ξ_t q_{t−1})`` expanded into the polynomial
  ``a·Σ_i ξ̄_i a^i`` (and the closed form of the ``ξ̄_i``);
* the k-step expected risk as an explicit quadratic in ``ξ̄`` (``Q``, ``q``, ``c``), and its
  degree in the original ``ξ``'s (``2k``: not a quadratic);
* the closed-form filter of the ground-truth-weighted recursion (solved with ``rsolve``) and
  its ``τ → ∞`` limit ``d/(d + λ/α)``;
* the optimal label weight of one step (a 1-D least squares) and the one-direction
  constrained-round multiplier ``c = d/(r − 1)``.

Importing this module imports sympy (not done by ``import sdtheory``); the public face is
:mod:`sdtheory.iterated.symbolic`. See the theory page :doc:`/theory/iterated`.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .._validate import check_int

__all__ = [
    "multistep_poly_symbolic",
    "multistep_risk_quadratic_symbolic",
    "ground_truth_recursion_symbolic",
    "optimal_alpha_symbolic",
    "collapse_multiplier_symbolic",
]


def multistep_poly_symbolic(steps: int) -> dict:
    r"""Expand the k-step filter recursion into a polynomial in the ridge filter ``μ = a``.

    See the theory page :doc:`/theory/iterated`.

    Parameters
    ----------
    steps : int
        Number ``k ≥ 0`` of distillation steps after the teacher.

    Returns
    -------
    dict
        ``xis`` (symbols ``ξ_1..ξ_k``), ``mu``, ``filter`` (``q_k`` from the recursion,
        expanded), ``xibar`` (coefficients of ``q_k/μ`` in ``μ⁰..μ^k`` read off the
        expansion) and ``xibar_formula`` (the closed form ``ξ̄_k = Πξ_j``,
        ``ξ̄_i = (1 − ξ_{k−i})Π_{j>k−i}ξ_j``).

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> d = multistep_poly_symbolic(2)
    >>> [sp.expand(a - b) for a, b in zip(d["xibar"], d["xibar_formula"])]
    [0, 0, 0]
    """
    return _multistep_poly(check_int(steps, "steps", minimum=0))


@cache
def _multistep_poly(k: int) -> dict:
    mu = sp.Symbol("mu", positive=True)
    xis = sp.symbols(f"xi1:{k + 1}", real=True) if k else ()
    q = mu
    for x in xis:
        q = sp.expand(mu * ((1 - x) + x * q))
    poly = sp.Poly(sp.expand(q / mu), mu)
    xibar = [poly.coeff_monomial(mu**i) for i in range(k + 1)]
    formula = []
    for i in range(k + 1):
        tail = sp.Mul(*xis[k - i :]) if i else sp.Integer(1)
        formula.append(tail if i == k else (1 - xis[k - i - 1]) * tail)
    return {"xis": xis, "mu": mu, "filter": q, "xibar": xibar, "xibar_formula": formula}


def multistep_risk_quadratic_symbolic(r: int, steps: int) -> dict:
    r"""The k-step risk with diagonal weights as a quadratic in ``ξ̄``, derived symbolically.

    See the theory page :doc:`/theory/iterated`.

    ``r`` is the number of directions and ``steps = k`` the number of distillation steps.

    ``E = Σ_j w_j[(1 − f_j)²θ_j² + f_j²σ²/s_j²]``, ``f_j = Σ_i ξ̄_i a_j^{i+1}``.

    Returns
    -------
    dict
        ``xibar``, ``a``, ``w``, ``theta2``, ``s2``, ``g2`` (symbols), ``risk`` (expression),
        ``Q`` (``½∂²E/∂ξ̄²``), ``q`` (``−½∂E/∂ξ̄`` at 0), ``c`` (``E(0)``), ``degree_in_xibar``
        (2), ``risk_in_xis`` (``E`` after substituting ``ξ̄(ξ)``), ``degree_in_xis``.

    References
    ----------
    Pareek, Du & Oh, NeurIPS 2024 (arXiv:2407.04600).

    Examples
    --------
    >>> d = multistep_risk_quadratic_symbolic(2, 2)
    >>> d["degree_in_xibar"], d["degree_in_xis"]
    (2, 4)
    """
    return _risk_quadratic(check_int(r, "r", minimum=1), check_int(steps, "steps", minimum=0))


@cache
def _risk_quadratic(r: int, k: int) -> dict:
    xb = sp.symbols(f"xibar0:{k + 1}", real=True)
    a = sp.symbols(f"a1:{r + 1}", positive=True)
    w = sp.symbols(f"w1:{r + 1}", nonnegative=True)
    th2 = sp.symbols(f"theta2_1:{r + 1}", nonnegative=True)
    s2 = sp.symbols(f"s2_1:{r + 1}", positive=True)
    g2 = sp.Symbol("sigma2", nonnegative=True)
    E = 0
    for j in range(r):
        f = sum(xb[i] * a[j] ** (i + 1) for i in range(k + 1))
        E += w[j] * ((1 - f) ** 2 * th2[j] + f**2 * g2 / s2[j])
    E = sp.expand(E)
    H = sp.hessian(E, xb)
    grad0 = [sp.diff(E, x).subs(dict.fromkeys(xb, 0)) for x in xb]
    c = E.subs(dict.fromkeys(xb, 0))
    deg = sp.Poly(E, *xb).total_degree()
    poly = _multistep_poly(k)
    E_xi = sp.expand(E.subs(dict(zip(xb, poly["xibar_formula"]))))
    deg_xi = sp.Poly(E_xi, *poly["xis"]).total_degree() if k else 0
    return {
        "xibar": xb,
        "a": a,
        "w": w,
        "theta2": th2,
        "s2": s2,
        "g2": g2,
        "risk": E,
        "Q": H / 2,
        "q": sp.Matrix([-g / 2 for g in grad0]),
        "c": c,
        "degree_in_xibar": deg,
        "risk_in_xis": E_xi,
        "degree_in_xis": deg_xi,
        "xis": poly["xis"],
    }


@cache
def ground_truth_recursion_symbolic() -> dict:
    r"""Solve ``b_t = a((1 − α)b_{t−1} + α)``, ``b_0 = a`` with ``rsolve``; limit ``t → ∞``.

    See the theory page :doc:`/theory/iterated`.

    ``t`` counts distillation steps after the teacher (step 0).

    Returns
    -------
    dict
        ``t``, ``a``, ``alpha``, ``d``, ``lam`` (symbols), ``closed`` (the ``rsolve``
        solution), ``closed_form`` (the closed form derived on the theory page),
        ``limit`` (``closed`` with ``((1 − α)a)^t → 0``, in terms of ``d, λ``: valid for
        ``|(1 − α)a| < 1``) and ``ridge_lam_over_alpha`` (``d/(d + λ/α)``).

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088).

    Examples
    --------
    >>> g = ground_truth_recursion_symbolic()
    >>> sp.simplify(g["limit"] - g["ridge_lam_over_alpha"])
    0
    """
    tau = sp.Symbol("t", integer=True, nonnegative=True)
    a = sp.Symbol("a", positive=True)
    al = sp.Symbol("alpha", positive=True)
    d, lam = sp.symbols("d lam", positive=True)
    b = sp.Function("b")
    sol = sp.rsolve(b(tau) - a * ((1 - al) * b(tau - 1) + al), b(tau), {b(0): a})
    rho = (1 - al) * a
    closed_form = al * a * (1 - rho**tau) / (1 - rho) + rho**tau * a
    lim = sol.replace(lambda e: e.is_Pow and e.exp.has(tau), lambda e: sp.Integer(0))
    lim = sp.simplify(lim.subs(a, d / (d + lam)))
    return {
        "t": tau,
        "a": a,
        "alpha": al,
        "d": d,
        "lam": lam,
        "closed": sol,
        "closed_form": closed_form,
        "limit": lim,
        "ridge_lam_over_alpha": d / (d + lam / al),
    }


def optimal_alpha_symbolic(r: int = 2) -> dict:
    r"""Optimal label weight of one ground-truth-weighted step from ``dE/dα = 0``.

    See the theory page :doc:`/theory/iterated`.

    The next filter is ``f_j = a_j(b_j + α(1 − b_j))`` given the previous filter ``b``; the
    expected risk (diagonal weights) is a quadratic in ``α`` and its stationary point is
    ``alpha_star``.

    References
    ----------
    Borup & Andersen, NeurIPS 2021 (arXiv:2102.13088).

    Examples
    --------
    >>> d = optimal_alpha_symbolic(1)
    >>> sp.Poly(d["risk"], d["alpha"]).degree()
    2
    """
    return _optimal_alpha(check_int(r, "r", minimum=1))


@cache
def _optimal_alpha(r: int) -> dict:
    al = sp.Symbol("alpha", real=True)
    a = sp.symbols(f"a1:{r + 1}", positive=True)
    b = sp.symbols(f"b1:{r + 1}", real=True)
    w = sp.symbols(f"w1:{r + 1}", positive=True)
    th2 = sp.symbols(f"theta2_1:{r + 1}", positive=True)
    s2 = sp.symbols(f"s2_1:{r + 1}", positive=True)
    g2 = sp.Symbol("sigma2", positive=True)
    E = 0
    for j in range(r):
        f = a[j] * (b[j] + al * (1 - b[j]))
        E += w[j] * ((1 - f) ** 2 * th2[j] + f**2 * g2 / s2[j])
    E = sp.expand(E)
    (sol,) = sp.solve(sp.diff(E, al), al)
    return {
        "alpha": al,
        "a": a,
        "b": b,
        "w": w,
        "theta2": th2,
        "s2": s2,
        "g2": g2,
        "risk": E,
        "alpha_star": sp.simplify(sol),
    }


@cache
def collapse_multiplier_symbolic() -> dict:
    r"""One direction (``κ = 1``): solve ``(c z/(c + d))² = Nε`` for ``c > 0``.

    See the theory page :doc:`/theory/iterated`.

    Returns
    -------
    dict
        ``c`` (the root), ``ratio_form`` (``d/(r − 1)`` with ``r = z/√(Nε)``) and the next
        ratio ``r_next = r − 1``.

    References
    ----------
    Mobahi, Farajtabar & Bartlett, NeurIPS 2020 (arXiv:2002.05715).

    Examples
    --------
    >>> g = collapse_multiplier_symbolic()
    >>> sp.simplify(g["c"] - g["ratio_form"]), sp.simplify(g["r_next"] - (g["r"] - 1))
    (0, 0)
    """
    c, d, z, b = sp.symbols("c d z b", positive=True)  # b = √(Nε), z > b
    r = z / b
    roots = list(sp.solve(sp.Eq(c * z / (c + d), b), c))
    (root,) = roots
    z_next = d / (d + root) * z
    return {
        "c": sp.simplify(root),
        "ratio_form": d / (r - 1),
        "r": r,
        "r_next": sp.simplify(z_next / b),
        "symbols": (c, d, z, b),
    }
