"""The sympy derivations (sdtheory.ridge.symbolic) against the closed forms and the numeric code.

The derivation starts from the teacher/student objectives and takes the expectation over the
noise monomial by monomial; the numeric code uses the closed forms R, N, D. Agreement is
checked symbolically (differences reduced to an expanded numerator that must be 0) and at
random points.
"""

import subprocess
import sys

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import sdtheory as sd
import sdtheory.ridge.symbolic as sym
from sdtheory import Spectrum
from tests._tol import RTOL_SYMPY


def is_zero(expr):
    num, _ = sympy.fraction(sympy.together(expr))
    return sympy.expand(num) == 0


def test_import_sdtheory_does_not_import_sympy():
    code = "import sys, sdtheory; assert 'sympy' not in sys.modules, 'sympy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------- the filter
def test_filter_derived_from_the_objectives():
    d = sym.derive_student_filter()
    s2, lam, lam_t, xi = d["symbols"]
    a = s2 / (s2 + lam)
    a_t = s2 / (s2 + lam_t)
    assert is_zero(d["teacher"] - a_t)
    assert is_zero(d["filter"] - a * (1 - xi + xi * a_t))
    # the closed form for a shared λ, and the special cases ξ = 0 (teacher), ξ = 1 (a²)
    f = d["filter"].subs(lam_t, lam)
    assert is_zero(f - s2 * (s2 + (1 - xi) * lam) / (s2 + lam) ** 2)
    assert is_zero(f.subs(xi, 0) - a)
    assert is_zero(f.subs(xi, 1) - a**2)
    # strictly convex for every real ξ: the curvature does not depend on ξ
    assert d["curvature"] == 2 * s2 + 2 * lam
    # the student is the teacher plus μ(XᵀX + λI)⁻¹θ_T, μ = (1 − ξ)λ_t − λ (the identity the
    # ridge Monte Carlo uses to get every ξ of a grid from one extra solve)
    mu = (1 - xi) * lam_t - lam
    assert is_zero(d["filter"] - a_t * (1 + mu / (s2 + lam)))


@given(st.floats(1e-3, 1e3), st.floats(1e-3, 1e3), st.floats(-20, 20), st.floats(1e-3, 1e3))
def test_derived_filter_matches_sd_filter(s2v, lamv, xiv, ltv):
    d = sym.derive_student_filter()
    f = sympy.lambdify(d["symbols"], d["filter"], "numpy")
    assert float(sd.sd_filter(s2v, lam=lamv, xi=xiv, teacher_lam=ltv)) == pytest.approx(
        f(s2v, lamv, ltv, xiv), rel=RTOL_SYMPY, abs=RTOL_SYMPY * (1 + abs(xiv))
    )


# ---------------------------------------------------------------------------- symbolic identities
def closed_xi_star(p):
    s2, th, g2, lam = p.s2, p.theta, p.g2, p.lam
    num = sum(s2[j] * (g2 - lam * th[j] ** 2) / (s2[j] + lam) ** 3 for j in range(p.r))
    den = lam * sum(s2[j] * (s2[j] * th[j] ** 2 + g2) / (s2[j] + lam) ** 4 for j in range(p.r))
    return num / den


def closed_threshold(p):
    s2, th, lam = p.s2, p.theta, p.lam
    num = lam * sum(s2[j] * (2 * s2[j] + lam) * th[j] ** 2 / (s2[j] + lam) ** 4 for j in range(p.r))
    return num / sum(s2[j] ** 2 / (s2[j] + lam) ** 4 for j in range(p.r))


@pytest.mark.parametrize("r", [1, 2, pytest.param(3, marks=pytest.mark.slow)])
def test_xi_star_and_threshold_equal_the_closed_identity_weight_formulas(r):
    xi = sym.derive_optimal_xi(r, weights="identity")
    assert is_zero(xi.expr - closed_xi_star(xi.problem))
    thr = sym.derive_noise_threshold(r, weights="identity")
    assert is_zero(thr.expr - closed_threshold(thr.problem))


def test_diagonal_weight_closed_formulas_symbolically():
    r = 2
    p = sym.derive_sd_risk(r, weights="diagonal")
    w = p.weight_args
    s2, th, g2, lam = p.s2, p.theta, p.g2, p.lam
    a = [s2[j] / (s2[j] + lam) for j in range(r)]
    c = [a[j] * (1 - a[j]) for j in range(r)]
    N = sum(w[j] * c[j] * (a[j] * g2 / s2[j] - (1 - a[j]) * th[j] ** 2) for j in range(r))
    D = sum(w[j] * c[j] ** 2 * (th[j] ** 2 + g2 / s2[j]) for j in range(r))
    R = sum(w[j] * ((1 - a[j]) ** 2 * th[j] ** 2 + a[j] ** 2 * g2 / s2[j]) for j in range(r))
    q = sym.derive_sd_quadratic(r, weights="diagonal")
    assert is_zero(q["R"].expr - R)
    assert is_zero(q["N"].expr - N)
    assert is_zero(q["D"].expr - D)
    assert is_zero(sym.derive_optimal_xi(r, weights="diagonal").expr - N / D)
    # γ² → ∞ limit: Σ w c a/s² / Σ w c²/s² ; γ² → 0: N₀/D₀
    lo, hi = sym.derive_noise_limits(r, weights="diagonal")
    hi_closed = sum(w[j] * c[j] * a[j] / s2[j] for j in range(r)) / sum(
        w[j] * c[j] ** 2 / s2[j] for j in range(r)
    )
    assert is_zero(hi.expr - hi_closed)
    assert is_zero(lo.expr - N.subs(g2, 0) / D.subs(g2, 0))
    # boundary optima
    b = sym.derive_boundary_optima(r, weights="diagonal")
    kappa = (
        g2
        * sum(w[j] / s2[j] ** 2 for j in range(r))
        / (
            sum(w[j] * th[j] ** 2 / s2[j] ** 2 for j in range(r))
            + g2 * sum(w[j] / s2[j] ** 3 for j in range(r))
        )
    )
    mu = sum(w[j] * th[j] ** 2 * s2[j] for j in range(r)) / sum(
        w[j] * s2[j] * (s2[j] * th[j] ** 2 + g2) for j in range(r)
    )
    assert is_zero(b["kappa"].expr - kappa)
    assert is_zero(b["mu"].expr - mu)
    s2b = sympy.Symbol("s2", positive=True)
    kap, muu = sympy.symbols("kappa mu", real=True)
    assert is_zero(b["kappa_filter"] - (1 - kap / s2b))
    assert is_zero(b["mu_filter"] - muu * s2b)


@pytest.mark.parametrize("r", [1, 2, 3])
@pytest.mark.parametrize("weights", ["identity", "diagonal", "matrix"])
def test_sign_rule_and_gain_identity_hold_symbolically(r, weights):
    g = sym.derive_gain_identity(r, weights=weights)
    assert g["sign_residual"] == 0
    assert g["gain_residual"] == 0


def test_one_dimensional_noise_limits_symbolically():
    lo, hi = sym.derive_noise_limits(1, weights="identity")
    p = hi.problem
    assert is_zero(hi.expr - (1 + p.s2[0] / p.lam))
    assert is_zero(lo.expr + (1 + p.lam / p.s2[0]))
    # sympy.limit on ξ*(γ²) itself agrees with the affine-coefficient shortcut
    xs = sym.derive_optimal_xi(1, weights="identity").expr
    assert is_zero(sympy.limit(xs, p.g2, sympy.oo) - hi.expr)
    assert is_zero(sympy.limit(xs, p.g2, 0) - lo.expr)


# ---------------------------------------------------------------------------- numeric agreement
def random_problem(rng, r, weights):
    ev = np.exp(1.2 * rng.normal(size=r))
    noise = float(np.exp(1.2 * rng.normal()))
    if weights == "identity":
        return Spectrum(eigvals=ev, signal_energy=np.exp(rng.normal(size=r)), noise=noise)
    if weights == "diagonal":
        return Spectrum(
            eigvals=ev,
            signal_energy=np.exp(rng.normal(size=r)),
            noise=noise,
            weights=rng.uniform(0.1, 2.0, r),
        )
    # a consistent W on (range ⊕ one null direction) so that h and ν come from a real problem
    A = rng.normal(size=(r + 1, r + 1))
    W = A @ A.T + 0.1 * np.eye(r + 1)
    p = float(rng.normal())  # null-space coordinate of θ*
    return Spectrum(
        eigvals=ev,
        signal=rng.normal(size=r),
        noise=noise,
        weights=W[:r, :r],
        null_cross=W[:r, r] * p,
        null_risk=float(W[r, r] * p * p),
    )


def close(a, b, scale=1.0):
    a, b = float(a), float(b)
    return abs(a - b) <= RTOL_SYMPY * (abs(b) + scale)


CASES = st.tuples(
    st.integers(0, 10**6),
    st.sampled_from([1, 2, 3]),
    st.sampled_from(["identity", "diagonal", "matrix"]),
    st.floats(-1.5, 1.5),
    st.floats(-1.5, 1.5),
)


@given(CASES)
def test_sympy_matches_numeric_code_at_random_points(case):
    seed, r, weights, ll, llt = case
    rng = np.random.default_rng(seed)
    sp = random_problem(rng, r, weights)
    lam, lam_t = 10.0**ll, 10.0**llt
    # ξ*, R, N, D (shared λ and separate teacher λ)
    for teacher, kw in ((False, {}), (True, {"teacher_lam": lam_t})):
        q_sym = sym.derive_sd_quadratic(r, weights=weights, teacher=teacher)
        q = sd.sd_quadratic(sp, lam=lam, **kw)
        R = q.R
        assert close(q_sym["R"](sp, lam=lam, **kw), q.R)
        assert close(q_sym["N"](sp, lam=lam, **kw), q.N, R)
        assert close(q_sym["D"](sp, lam=lam, **kw), q.D, R)
        xs = sym.derive_optimal_xi(r, weights=weights, teacher=teacher)(sp, lam=lam, **kw)
        assert close(xs, sd.optimal_xi(sp, lam=lam, **kw), 1.0)
        thr = sym.derive_noise_threshold(r, weights=weights, teacher=teacher)(sp, lam=lam, **kw)
        assert close(thr, sd.xi_above_one_noise_threshold(sp, lam=lam, **kw), sp.noise)
    # the derived risk itself at several ξ (incl. ξ > 1, ξ < 0) vs sd_risk
    p = sym.derive_sd_risk(r, weights=weights)
    risk = sympy.lambdify(p.args(p.xi, p.lam_t), p.risk, "numpy")
    for xi in (-3.0, 0.0, 0.6, 2.5):
        val = risk(*p.values(sp, lam=lam, extra=(xi, lam_t)))
        assert close(val, sd.sd_risk(sp, lam=lam, xi=xi, teacher_lam=lam_t), R)
    # noise limits
    lo_s, hi_s = sym.derive_noise_limits(r, weights=weights)
    lo, hi = sd.optimal_xi_noise_limits(sp, lam=lam)
    assert close(lo_s(sp, lam=lam), lo, 1.0) and close(hi_s(sp, lam=lam), hi, 1.0)
    # gain identity, numerically
    g = sym.derive_gain_identity(r, weights=weights)
    assert close(g["gain"](sp, lam=lam), sd.sd_gain(sp, lam=lam), R)
    assert close(g["gain_formula"](sp, lam=lam), sd.sd_gain(sp, lam=lam), R)


@given(
    st.integers(0, 10**6),
    st.sampled_from([1, 2, 3]),
    st.sampled_from(["identity", "diagonal", "matrix"]),
)
def test_boundary_optima_match_optimal_sd_table(seed, r, weights):
    rng = np.random.default_rng(seed)
    sp = random_problem(rng, r, weights)
    b = sym.derive_boundary_optima(r, weights=weights)
    table = sd.optimal_sd(sp, per_decade=4).local_minima.set_index("boundary")
    k_row, m_row = table.loc["lam->0"], table.loc["lam->inf"]
    scale = float(sd.ridge_risk(sp, lam=1.0))
    assert close(b["kappa"](sp, lam=1.0), k_row["limit_parameter"], 1e-3)
    assert close(b["mu"](sp, lam=1.0), m_row["limit_parameter"], 1e-3)
    assert close(b["kappa_risk"](sp, lam=1.0), k_row["risk"], scale)
    assert close(b["mu_risk"](sp, lam=1.0), m_row["risk"], scale)


def test_threshold_is_the_crossing_of_the_derived_xi_star():
    # ξ*(γ₁²) = 1 evaluated with the *derived* ξ*, at the *numeric* threshold
    sp = Spectrum(eigvals=[3.0, 1.0, 0.2], signal_energy=[0.5, 2.0, 1.0], noise=1.0)
    xs = sym.derive_optimal_xi(3, weights="identity")
    for lam in (0.1, 1.0, 10.0):
        thr = float(sd.xi_above_one_noise_threshold(sp, lam=lam))
        assert xs(sp.with_noise(thr), lam=lam) == pytest.approx(1.0, rel=1e-9)
        assert xs(sp.with_noise(thr * 1.01), lam=lam) > 1.0 > xs(sp.with_noise(thr * 0.99), lam=lam)
