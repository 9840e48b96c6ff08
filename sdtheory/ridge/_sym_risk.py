r"""sympy derivation of the one-step student: its filter and its expected risk.

Everything here is derived from scratch, independently of the numeric code of
:mod:`sdtheory.ridge`, so that the tests can hold the numeric code against it:

1. the teacher and the student filters from their *objectives* (the student minimizes
   ``ξ(s θ_T − s θ)² + (1 − ξ)(y − s θ)² + λθ²`` per eigen-direction), for a teacher penalty
   ``λ_t`` that may differ from the student's ``λ``;
2. the expected risk ``E(ξ)`` as an expectation over the noise coordinates ``ε_j``
   (``E ε_j = 0``, ``E ε_j ε_k = δ_jk σ²/s_j²``) of the weighted squared error, for ``r``
   symbolic directions and identity, diagonal (``w_j``) or full symmetric (``M``, with signed
   ``θ_j``, a null-space cross term ``h`` and null-space risk ``ν``) weights.

The results derived from this risk are in :mod:`sdtheory.ridge._sym_optima`; the public face is
:mod:`sdtheory.ridge.symbolic`. See the theory page :doc:`/theory/ridge`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy

from .._validate import check_choice, check_int, check_scalar
from ._spectrum import as_spectrum

__all__ = ["SymbolicProblem", "Derivation", "derive_student_filter", "derive_sd_risk"]

_WEIGHTS = {"identity", "diagonal", "matrix"}


# ---------------------------------------------------------------------------- containers
@dataclass(frozen=True, eq=False)
class SymbolicProblem:
    """Symbols, derived filters and the derived expected risk of an ``r``-direction problem.

    Attributes
    ----------
    r : int
        Number of directions.
    weights : {"identity", "diagonal", "matrix"}
        Risk-weight structure.
    s2 : tuple of Symbol
        Eigenvalues ``s_j²`` (positive).
    theta : tuple of Symbol
        Signal coordinates ``θ_j`` (real; only ``θ_j²`` enters unless ``weights="matrix"``).
    g2, lam, lam_t, xi : Symbol
        Noise variance ``σ²``, student penalty ``λ``, teacher penalty ``λ_t``, weight ``ξ``.
    M : sympy.Matrix
        Risk weights in the eigenbasis (identity, ``diag(w)`` or a symmetric symbol matrix).
    h : tuple of Symbol or zeros
        Null-space cross term ``VᵀW P_ker θ*`` (only for ``weights="matrix"``).
    nu : Symbol or 0
        Null-space risk ``‖P_ker θ*‖²_W`` (only for ``weights="matrix"``).
    filters : tuple of Expr
        Student filters ``f_j(λ, λ_t, ξ)`` derived from the objective.
    risk : Expr
        ``E(λ, λ_t, ξ)``, the derived expected risk.
    weight_args : tuple of Symbol
        The free symbols of ``M`` in the order the lambdified callables take them.
    fsyms, risk_f : tuple of Symbol, Expr
        Generic filter symbols ``f_j`` and the expected risk of that filter (a polynomial).
    A, C, quad_AC : tuple of Symbol, tuple of Symbol, tuple of Expr
        ``f_j = A_j − ξC_j`` and the coefficients ``(c₀, c₁, c₂)`` of ``E = c₀ + c₁ξ + c₂ξ²``
        as polynomials in ``A, C``.
    A_expr, C_expr : tuple of Expr
        The derived ``A_j = a_j(λ)`` and ``C_j = a_j(λ)(1 − a_j(λ_t))``.
    """

    r: int
    weights: str
    s2: tuple
    theta: tuple
    g2: sympy.Symbol
    lam: sympy.Symbol
    lam_t: sympy.Symbol
    xi: sympy.Symbol
    M: sympy.Matrix
    h: tuple
    nu: object
    filters: tuple
    risk: sympy.Expr
    weight_args: tuple = field(default=())
    fsyms: tuple = field(default=(), repr=False)
    risk_f: object = field(default=None, repr=False)
    A: tuple = field(default=(), repr=False)
    C: tuple = field(default=(), repr=False)
    quad_AC: tuple = field(default=(), repr=False)
    A_expr: tuple = field(default=(), repr=False)
    C_expr: tuple = field(default=(), repr=False)

    def args(self, *extra) -> tuple:
        """Argument order of the callables: ``s2, theta, g2, lam, weights, h, nu, extra``."""
        out = [*self.s2, *self.theta, self.g2, self.lam, *self.weight_args]
        if self.weights == "matrix":
            out += [*self.h, self.nu]
        return tuple(out) + tuple(extra)

    def values(self, spectrum, *, lam, extra=()) -> tuple:
        """Numeric arguments (in :meth:`args` order) taken from a spectrum or problem.

        ``spectrum`` is a :class:`~sdtheory.Spectrum`, :class:`~sdtheory.LinearProblem` or
        :class:`~sdtheory.KernelProblem`; ``lam`` the penalty ``λ > 0``; ``extra`` the values of
        the trailing symbols of :meth:`args` (e.g. ``(ξ, λ_t)``).
        """
        spectrum = as_spectrum(spectrum, "spectrum")
        lam = check_scalar(lam, "lam", low=0.0, low_open=True)
        extra = tuple(check_scalar(v, "extra") for v in extra)
        if spectrum.rank != self.r:
            raise ValueError(
                f"spectrum must have rank {self.r} for this derivation, got {spectrum.rank}"
            )
        theta = spectrum.signal if spectrum.signal is not None else np.sqrt(spectrum.signal_energy)
        W = spectrum.weights
        if self.weights == "identity":
            if W.ndim != 1 or not np.all(W == 1.0):
                raise ValueError("weights must be all ones for an identity-weights derivation")
            wv = []
        elif self.weights == "diagonal":
            if W.ndim != 1 or np.any(spectrum.null_cross):
                raise ValueError("weights must be diagonal for a diagonal-weights derivation")
            wv = list(W)
        else:
            Wm = W if W.ndim == 2 else np.diag(W)
            wv = [Wm[i, j] for i in range(self.r) for j in range(i, self.r)]
        vals = [*spectrum.eigvals, *theta, spectrum.noise, lam, *wv]
        if self.weights == "matrix":
            vals += [*spectrum.null_cross, spectrum.null_risk]
        elif spectrum.null_risk:
            raise ValueError("null_risk is only modelled by the matrix-weights derivation")
        return tuple(vals) + tuple(extra)


@dataclass(frozen=True, eq=False)
class Derivation:
    """A derived expression with its lambdified form.

    Attributes
    ----------
    expr : sympy.Expr
        The derived closed form.
    problem : SymbolicProblem
        Symbols and derived risk it was derived from.
    func : callable
        ``sympy.lambdify(problem.args(...), expr, "numpy")``.
    extra : tuple of Symbol
        Extra trailing arguments of ``func`` (e.g. ``λ_t``).

    Calling a :class:`Derivation` as ``d(spectrum, lam=λ)`` (``d(spectrum, lam=λ,
    teacher_lam=λ_t)`` for a derivation with a separate teacher penalty) evaluates ``func`` at
    the values of a :class:`~sdtheory.Spectrum` (or problem) of matching rank and weight
    structure.
    """

    expr: sympy.Expr
    problem: SymbolicProblem
    func: Callable
    extra: tuple = ()

    def __call__(self, spectrum, *, lam, teacher_lam=None):
        if self.extra:
            if teacher_lam is None:
                raise TypeError("teacher_lam is required: this derivation keeps a teacher penalty")
            extra = (check_scalar(teacher_lam, "teacher_lam", low=0.0, low_open=True),)
        elif teacher_lam is not None:
            raise TypeError("teacher_lam must be None: this derivation shares λ (teacher=False)")
        else:
            extra = ()
        return self.func(*self.problem.values(spectrum, lam=lam, extra=extra))


def _derivation(expr, problem: SymbolicProblem, *extra) -> Derivation:
    func = sympy.lambdify(problem.args(*extra), expr, "numpy")
    return Derivation(expr=expr, problem=problem, func=func, extra=tuple(extra))


def _checked_cache(fn):
    """``functools.lru_cache`` behind the argument checks.

    Caching first would let ``r=2.0`` (equal and hash-equal to ``2``) hit the cache and skip
    the type check; so validate, then call the cached function with clean arguments.
    """
    cached = functools.lru_cache(maxsize=None)(fn)

    @functools.wraps(fn)
    def wrapper(r=2, *, weights="identity", **kwargs):
        r = _check_r(r, weights)
        for a in kwargs.values():
            if not isinstance(a, bool):
                raise TypeError(f"teacher must be a bool, got {type(a).__name__}")
        return cached(r, weights=weights, **kwargs)

    wrapper.cache_clear = cached.cache_clear
    return wrapper


def _check_r(r, weights):
    r = check_int(r, "r", minimum=1)
    if r > 4:
        raise ValueError(f"r must be <= 4 (symbolic cost grows quickly), got {r}")
    check_choice(weights, "weights", _WEIGHTS)
    return r


def _linear_root(expr, x):
    """Root of a polynomial that is affine in ``x`` (checked exactly), ``−expr(0)/expr'``."""
    expr = sympy.expand(expr)
    slope = sympy.diff(expr, x)
    if sympy.diff(slope, x) != 0:  # pragma: no cover
        raise ArithmeticError(f"expression is not affine in {x}")
    return -expr.subs(x, 0) / slope


def _expectation(expr, eps, second_moments):
    """``E expr`` for a polynomial in the noise coordinates ``eps`` with ``E ε = 0`` and
    ``E ε_j ε_k = δ_jk second_moments[j]`` (only moments up to order 2 are needed)."""
    poly = sympy.Poly(sympy.expand(expr), *eps)
    out = sympy.S.Zero
    for monom, coeff in poly.terms():
        order = sum(monom)
        if order == 0:
            out += coeff
        elif order == 1:
            continue
        elif order == 2:
            if max(monom) == 2:  # ε_j²
                out += coeff * second_moments[monom.index(2)]
            # ε_j ε_k, j ≠ k: uncorrelated, mean 0
        else:  # pragma: no cover - the loss is quadratic
            raise ArithmeticError("loss is not quadratic in the noise")
    return out


# ---------------------------------------------------------------------------- the filter
@functools.cache
def derive_student_filter():
    r"""Derive the teacher and student filters of one eigen-direction from their objectives.

    Returns
    -------
    dict
        ``"filter"``: ``f(s², λ, λ_t, ξ)`` with ``θ_S = f·y/s``; ``"teacher"``: ``a(s², λ_t)``;
        ``"curvature"``: second derivative of the student objective in ``θ`` (``2(s² + λ)``,
        positive for every real ``ξ``); ``"symbols"``: ``(s2, lam, lam_t, xi)``.

    Notes
    -----
    In the eigen-coordinates of ``X = USVᵀ`` the problems decouple; with ``y_j = u_jᵀy``:
    teacher ``θ_T = argmin (y − sθ)² + λ_tθ²``, student
    ``θ_S = argmin ξ(sθ_T − sθ)² + (1 − ξ)(y − sθ)² + λθ²``. Solving the stationarity
    equations gives

    .. math:: f = a(λ)\,[1 − ξ + ξ a(λ_t)], \qquad a(λ) = s²/(s² + λ).

    References
    ----------
    Das & Sanghavi, ICML 2023 (arXiv:2301.13304), Sec. 3.

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> import sympy
    >>> d = derive_student_filter()
    >>> s2, lam, lam_t, xi = d["symbols"]
    >>> sympy.simplify(d["filter"].subs(lam_t, lam) - s2*(s2 + (1 - xi)*lam)/(s2 + lam)**2)
    0
    >>> d["curvature"]
    2*lam + 2*s2
    """
    s = sympy.Symbol("s", positive=True)
    s2 = sympy.Symbol("s2", positive=True)
    lam, lam_t = sympy.symbols("lam lam_t", positive=True)
    xi = sympy.Symbol("xi", real=True)
    y, th = sympy.symbols("y theta", real=True)
    teacher_obj = (y - s * th) ** 2 + lam_t * th**2
    th_T = sympy.solve(sympy.diff(teacher_obj, th), th)[0]
    student_obj = xi * (s * th_T - s * th) ** 2 + (1 - xi) * (y - s * th) ** 2 + lam * th**2
    th_S = sympy.solve(sympy.diff(student_obj, th), th)[0]
    curvature = sympy.expand(sympy.diff(student_obj, th, 2).subs(s, sympy.sqrt(s2)))
    f = sympy.factor(sympy.cancel(th_S * s / y).subs(s, sympy.sqrt(s2)))
    a_t = sympy.factor(sympy.cancel(th_T * s / y).subs(s, sympy.sqrt(s2)))
    return {"filter": f, "teacher": a_t, "curvature": curvature, "symbols": (s2, lam, lam_t, xi)}


# ---------------------------------------------------------------------------- the risk
@_checked_cache
def derive_sd_risk(r: int = 2, *, weights: str = "identity") -> SymbolicProblem:
    r"""Derive the expected risk ``E(λ, λ_t, ξ)`` of the one-step student for ``r`` directions.

    Parameters
    ----------
    r : int
        Number of eigen-directions (1 to 4).
    weights : {"identity", "diagonal", "matrix"}
        ``W = I``; diagonal weights ``w_j``; or a symmetric weight matrix ``M`` with signed
        ``θ_j``, null-space cross term ``h_j`` and null-space risk ``ν``.

    Returns
    -------
    SymbolicProblem

    Notes
    -----
    For a generic filter ``f`` the estimator's eigen-coordinates are ``f_j(θ_j + ε_j)``; the
    error is ``e_j = (f_j − 1)θ_j + f_j ε_j`` and the loss ``eᵀMe − 2eᵀh + ν``. Its expectation
    is taken monomial by monomial in ``ε`` with ``E ε_j = 0``, ``E ε_jε_k = δ_jk σ²/s_j²``
    (``risk_f``, a polynomial in ``f``). The student filter derived by
    :func:`derive_student_filter` is affine in ``ξ`` (checked), ``f_j = A_j − ξ C_j`` with
    ``A_j = a_j(λ)`` and ``C_j = a_j(λ)(1 − a_j(λ_t))``, so ``E = c₀ + c₁ξ + c₂ξ²`` with
    polynomial coefficients in ``A, C`` (``quad_AC``); ``risk`` is ``risk_f`` at the derived
    filters.

    See the theory page :doc:`/theory/ridge`.

    Examples
    --------
    >>> p = derive_sd_risk(1, weights="identity")
    >>> E = p.risk.subs(p.lam_t, p.lam).subs({p.xi: 0, p.s2[0]: 1, p.theta[0]: 1, p.g2: 1})
    >>> E.subs(p.lam, 1)    # ridge with s² = θ² = σ² = λ = 1
    1/2
    """
    r = _check_r(r, weights)
    base = derive_student_filter()
    b_s2, lam, lam_t, xi = base["symbols"]
    f1 = base["filter"]
    if sympy.simplify(sympy.diff(f1, xi, 2)) != 0:  # pragma: no cover
        raise ArithmeticError("the student filter is not affine in xi")
    A1 = sympy.factor(f1.subs(xi, 0))
    C1 = sympy.factor(-sympy.diff(f1, xi))
    s2 = sympy.symbols(f"s2_1:{r + 1}", positive=True)
    theta = sympy.symbols(f"theta_1:{r + 1}", real=True)
    fsyms = sympy.symbols(f"f_1:{r + 1}", real=True)
    A = sympy.symbols(f"A_1:{r + 1}", real=True)
    C = sympy.symbols(f"C_1:{r + 1}", real=True)
    g2 = sympy.Symbol("g2", nonnegative=True)
    if weights == "identity":
        M, wargs = sympy.eye(r), ()
    elif weights == "diagonal":
        w = sympy.symbols(f"w_1:{r + 1}", nonnegative=True)
        M, wargs = sympy.diag(*w), tuple(w)
    else:
        entries = []
        M = sympy.zeros(r, r)
        for i in range(r):
            for j in range(i, r):
                m = sympy.Symbol(f"M_{i + 1}{j + 1}", real=True)
                M[i, j] = M[j, i] = m
                entries.append(m)
        wargs = tuple(entries)
    if weights == "matrix":
        h = sympy.symbols(f"h_1:{r + 1}", real=True)
        nu = sympy.Symbol("nu", nonnegative=True)
    else:
        h, nu = (sympy.S.Zero,) * r, sympy.S.Zero
    partial = SymbolicProblem(
        r=r,
        weights=weights,
        s2=tuple(s2),
        theta=tuple(theta),
        g2=g2,
        lam=lam,
        lam_t=lam_t,
        xi=xi,
        M=M,
        h=tuple(h),
        nu=nu,
        filters=(),
        risk=sympy.S.Zero,
        weight_args=wargs,
    )
    risk_f = _risk_of_filters(partial, fsyms)
    E_AC = sympy.expand(risk_f.subs({fsyms[j]: A[j] - xi * C[j] for j in range(r)}))
    poly = sympy.Poly(E_AC, xi)
    if poly.degree() != 2:  # pragma: no cover
        raise ArithmeticError("E is not quadratic in xi")
    quad_AC = tuple(poly.coeff_monomial(xi**k) for k in range(3))
    A_expr = tuple(A1.subs(b_s2, s2[j]) for j in range(r))
    C_expr = tuple(C1.subs(b_s2, s2[j]) for j in range(r))
    filters = tuple(f1.subs(b_s2, s2[j]) for j in range(r))
    risk = risk_f.subs(dict(zip(fsyms, filters)))
    return SymbolicProblem(
        r=r,
        weights=weights,
        s2=tuple(s2),
        theta=tuple(theta),
        g2=g2,
        lam=lam,
        lam_t=lam_t,
        xi=xi,
        M=M,
        h=tuple(h),
        nu=nu,
        filters=filters,
        risk=risk,
        weight_args=wargs,
        fsyms=tuple(fsyms),
        risk_f=risk_f,
        A=tuple(A),
        C=tuple(C),
        quad_AC=quad_AC,
        A_expr=A_expr,
        C_expr=C_expr,
    )


def _risk_of_filters(p: SymbolicProblem, fsyms) -> sympy.Expr:
    """Expected loss of an arbitrary filter ``fsyms`` (a polynomial in the filter values)."""
    eps = sympy.symbols(f"eps_1:{p.r + 1}", real=True)
    moments = [p.g2 / p.s2[j] for j in range(p.r)]
    err = [(fsyms[j] - 1) * p.theta[j] + fsyms[j] * eps[j] for j in range(p.r)]
    loss = sum((p.M[j, k] * err[j] * err[k] for j in range(p.r) for k in range(p.r)), sympy.S.Zero)
    loss += sum((-2 * p.h[j] * err[j] for j in range(p.r)), sympy.S.Zero) + p.nu
    return sympy.expand(_expectation(loss, eps, moments))


def _sub(p: SymbolicProblem, expr, same_lam: bool):
    """Replace the symbols ``A_j``, ``C_j`` by the derived ``a_j(λ)``, ``a_j(λ)(1 − a_j(λ_t))``."""
    rep = {}
    for j in range(p.r):
        a, c = p.A_expr[j], p.C_expr[j]
        if same_lam:
            a, c = a.subs(p.lam_t, p.lam), c.subs(p.lam_t, p.lam)
        rep[p.A[j]], rep[p.C[j]] = a, c
    return expr.subs(rep)


def _extra(p, teacher):
    return (p.lam_t,) if teacher else ()
