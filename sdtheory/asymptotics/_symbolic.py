r"""sympy derivations behind :mod:`sdtheory.asymptotics._equivalents` (imported lazily; sympy only).

Route. The only analytic input is the two-penalty cross risk of ridge on the same data,

.. math:: F(κ_1, κ_2) = \frac{κ_1κ_2\sum_j e_j s_j g_{1j}g_{2j} + σ²}
                           {1 − γ\sum_j w_j s_j² g_{1j}g_{2j}},\qquad g_{ij} = 1/(s_j + κ_i),

with ``λ(κ) = κ(1 − γΣ_j w_j s_j/(s_j + κ))`` the inverse of the κ fixed point. Since
``θ_λ − θ_pd = −λ∂_λθ_λ`` exactly, ``R − C = −λ∂_{λ_2}F`` and ``D = λ²∂²_{λ_1λ_2}F`` on the
diagonal, with ``∂_λ = (dκ/dλ)∂_κ = b∂_κ``. Everything is then an explicit rational function of
``κ`` (and the spectrum), so identities can be checked by exact simplification or exact rational
evaluation. See the theory page :doc:`/theory/asymptotics`.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "cross_risk_derivation",
    "stepwise_recipe",
    "isotropic_closed_form",
    "check_recipe_against_derivation",
]


def _symbols(m):
    s = sp.symbols(f"s1:{m + 1}", positive=True)
    w = sp.symbols(f"w1:{m + 1}", positive=True)
    e = sp.symbols(f"e1:{m + 1}", nonnegative=True)
    return s, w, e


def cross_risk_derivation(m: int = 1):
    r"""``R, C, R_pd, D`` on an ``m``-atom spectrum, by differentiating ``F(κ_1, κ_2)``.

    Returns
    -------
    dict
        sympy expressions in ``kappa, gamma, sigma2`` and the atoms ``s_j, w_j, e_j``
        (keys ``R, N (= R − C), D, C, R_pd, lam, b`` and ``symbols``).

    Examples
    --------
    >>> d = cross_risk_derivation(1)
    >>> sorted(k for k in d if k != "symbols")
    ['C', 'D', 'N', 'R', 'R_pd', 'b', 'lam']
    """
    k1, k2, kappa = sp.symbols("kappa1 kappa2 kappa", positive=True)
    gamma, sigma2 = sp.symbols("gamma sigma2", positive=True)
    s, w, e = _symbols(m)
    Q = sum(e[j] * s[j] / ((s[j] + k1) * (s[j] + k2)) for j in range(m))
    T = gamma * sum(w[j] * s[j] ** 2 / ((s[j] + k1) * (s[j] + k2)) for j in range(m))
    F = (k1 * k2 * Q + sigma2) / (1 - T)
    lam = kappa * (1 - gamma * sum(w[j] * s[j] / (s[j] + kappa) for j in range(m)))
    b = 1 / sp.diff(lam, kappa)
    diag = {k1: kappa, k2: kappa}
    R = F.subs(diag)
    N = -lam * b * sp.diff(F, k2).subs(diag)
    D = lam**2 * b**2 * sp.diff(F, k1, k2).subs(diag)
    C = R - N
    R_pd = R + D - 2 * N
    return {
        "R": R,
        "N": N,
        "D": D,
        "C": C,
        "R_pd": R_pd,
        "lam": lam,
        "b": b,
        "symbols": {"kappa": kappa, "gamma": gamma, "sigma2": sigma2, "s": s, "w": w, "e": e},
    }


def stepwise_recipe(m: int = 1, *, syms=None):
    r"""The six-step recipe of the deterministic equivalents, transcribed literally.

    On an ``m``-atom spectrum.

    ``λ`` is eliminated through ``λ(κ)`` so the result is explicit in ``κ``.

    Examples
    --------
    >>> sorted(stepwise_recipe(1))
    ['C', 'D', 'R', 'R_pd']
    """
    if syms is None:
        syms = cross_risk_derivation(m)["symbols"]
    kappa, gamma, sigma2 = syms["kappa"], syms["gamma"], syms["sigma2"]
    s, w, e = syms["s"], syms["w"], syms["e"]
    g = [1 / (s[j] + kappa) for j in range(m)]
    lam = kappa * (1 - gamma * sum(w[j] * s[j] * g[j] for j in range(m)))

    def t(k):
        return gamma * sum(w[j] * s[j] ** 2 * g[j] ** k for j in range(m))

    def q(k):
        return sum(e[j] * s[j] * g[j] ** k for j in range(m))

    t2, t3, t4, q2, q3, q4 = t(2), t(3), t(4), q(2), q(3), q(4)
    b = 1 / (1 - t2)
    u2, u3, u4 = t2 * b, t3 * b**3, t4 * b**4 + 2 * t3**2 * b**5
    E = kappa - b * lam + b**2 * kappa * lam * t3
    a4 = b**3 * kappa**2 * lam**2
    a3 = 2 * b**2 * kappa * lam * E
    a2 = b * E**2 + b**4 * kappa**2 * lam**2 * t4 + b**5 * kappa**2 * lam**2 * t3**2
    Q2 = kappa**2 * b * q2
    Q3 = 2 * kappa * b * E * q2 + 2 * kappa**2 * b**2 * lam * q3
    Q4 = a2 * q2 + a3 * q3 + a4 * q4
    R = sigma2 + Q2 + sigma2 * u2
    C = sigma2 + 2 * Q2 - Q3 / 2 + sigma2 * (u2 - lam * u3)
    R_pd = sigma2 + 4 * Q2 - 2 * Q3 + Q4 + sigma2 * (u2 - 2 * lam * u3 + lam**2 * u4)
    return {"R": R, "C": C, "R_pd": R_pd, "D": R + R_pd - 2 * C}


def check_recipe_against_derivation(m: int = 2, *, points: int = 3, seed: int = 0):
    r"""Exact rational comparison of the stepwise recipe with the derivation, at random points.

    Returns
    -------
    dict
        ``{"R": max |diff|, "C": …, "R_pd": …, "D": …}`` over the points (exact zeros when the
        recipe is right: the arithmetic is rational). Points are drawn with ``γ`` small enough
        that ``1 − t_2 > 0`` (the branch of the fixed point).

    Examples
    --------
    >>> out = check_recipe_against_derivation(1, points=1)
    >>> all(v == 0 for v in out.values())
    True
    """
    import random

    rnd = random.Random(seed)
    der = cross_risk_derivation(m)
    syms = der["symbols"]
    recipe = stepwise_recipe(m, syms=syms)
    worst = {k: sp.Integer(0) for k in ("R", "C", "R_pd", "D")}
    for _ in range(points):
        sub = {
            syms["kappa"]: sp.Rational(rnd.randint(1, 40), 10),
            syms["gamma"]: sp.Rational(rnd.randint(1, 30), 40),
            syms["sigma2"]: sp.Rational(rnd.randint(1, 30), 10),
        }
        ws = [rnd.randint(1, 9) for _ in range(m)]
        for j in range(m):
            sub[syms["s"][j]] = sp.Rational(rnd.randint(1, 50), 10)
            sub[syms["w"][j]] = sp.Rational(ws[j], sum(ws))
            sub[syms["e"][j]] = sp.Rational(rnd.randint(0, 30), 10)
        if not (1 / der["b"]).subs(sub) > 0 or not der["lam"].subs(sub) > 0:
            continue
        for k in worst:
            diff = abs(sp.nsimplify(der[k].subs(sub) - recipe[k].subs(sub)))
            worst[k] = max(worst[k], diff)
    return worst


def isotropic_closed_form():
    r"""Explicit isotropic formulas derived from the general recipe with ``Σ = I``.

    Returns
    -------
    dict
        sympy expressions in ``u = 1 + κ``, ``gamma``, ``lam``, ``sigma2``, ``r2`` for
        ``R, N (= R − C), D, xi_star, gain`` plus ``kappa_of_lam`` (the positive root) and
        ``P``, each simplified; and ``derived``: the same quantities straight from
        :func:`cross_risk_derivation` with one atom ``s = 1, w = 1, e = r²`` (in ``κ``).

    Notes
    -----
    With one atom the fixed point gives ``λ = κ(u − γ)/u``, ``b = u²/(u² − γ)``. Writing
    ``P = r²[(u − γ)² + γκ²] + γσ²(u² + γ)`` the derivation yields

    .. math::
        R̄ − C̄ = \frac{λu³(γσ² − λr²)}{(u² − γ)³},\quad
        D̄ = \frac{λ²u⁴P}{(u² − γ)⁵},\quad
        ξ̄^* = \frac{(u² − γ)²(γσ² − λr²)}{λuP},\quad
        R̄ − R̄^*_{sd} = \frac{u²(γσ² − λr²)²}{(u² − γ)P}.

    Examples
    --------
    >>> cf = isotropic_closed_form()
    >>> sorted(k for k in cf if k not in ("derived", "symbols"))
    ['D', 'N', 'P', 'R', 'gain', 'kappa_of_lam', 'xi_star']
    """
    u, gamma, lam, sigma2, r2 = sp.symbols("u gamma lam sigma2 r2", positive=True)
    kappa = u - 1
    P = r2 * ((u - gamma) ** 2 + gamma * kappa**2) + gamma * sigma2 * (u**2 + gamma)
    R = sigma2 + (gamma * sigma2 + kappa**2 * r2) / (u**2 - gamma)
    N = lam * u**3 * (gamma * sigma2 - lam * r2) / (u**2 - gamma) ** 3
    D = lam**2 * u**4 * P / (u**2 - gamma) ** 5
    xi = (u**2 - gamma) ** 2 * (gamma * sigma2 - lam * r2) / (lam * u * P)
    gain = u**2 * (gamma * sigma2 - lam * r2) ** 2 / ((u**2 - gamma) * P)
    k_of_lam = (lam + gamma - 1 + sp.sqrt((1 - lam - gamma) ** 2 + 4 * lam)) / 2
    der = cross_risk_derivation(1)
    sy = der["symbols"]
    one = {sy["s"][0]: 1, sy["w"][0]: 1, sy["e"][0]: r2, sy["gamma"]: gamma, sy["sigma2"]: sigma2}
    derived = {k: der[k].subs(one) for k in ("R", "N", "D", "lam")}
    return {
        "R": R,
        "N": N,
        "D": D,
        "xi_star": xi,
        "gain": gain,
        "P": P,
        "kappa_of_lam": k_of_lam,
        "derived": derived,
        "symbols": {
            "u": u,
            "gamma": gamma,
            "lam": lam,
            "sigma2": sigma2,
            "r2": r2,
            "kappa": sy["kappa"],
        },
    }
