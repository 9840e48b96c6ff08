"""sympy derivations of iterated SD against the numeric code."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from sdtheory import (
    Spectrum,
    ground_truth_weighted_filter,
    multistep_filter,
    optimal_alpha_expected,
    ridge_filter,
    schedule_quadratic,
    xis_to_poly,
)
from sdtheory.iterated.symbolic import (
    collapse_multiplier_symbolic,
    ground_truth_recursion_symbolic,
    multistep_poly_symbolic,
    multistep_risk_quadratic_symbolic,
    optimal_alpha_symbolic,
)
from tests._tol import RTOL_SYMPY


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4])
def test_xibar_closed_form_and_numeric_map(k):
    d = multistep_poly_symbolic(k)
    for got, formula in zip(d["xibar"], d["xibar_formula"]):
        assert sp.expand(got - formula) == 0
    assert sp.expand(sum(d["xibar"]) - 1) == 0  # p_k(1) = 1
    rng = np.random.default_rng(k)
    vals = [sp.Rational(int(v), 7) for v in rng.integers(-20, 30, k)]
    subs = dict(zip(d["xis"], vals))
    sym = np.array([float(x.subs(subs)) for x in d["xibar"]])
    np.testing.assert_allclose(
        xis_to_poly(np.array(vals, dtype=float)), sym, rtol=RTOL_SYMPY, atol=1e-14
    )
    mu = sp.Rational(3, 5)  # a = 3/5 ⇔ s² = 3, λ = 2
    q = float(d["filter"].subs(subs).subs(d["mu"], mu))
    assert multistep_filter(3.0, lam=2.0, xis=np.array(vals, dtype=float)) == pytest.approx(
        q, rel=RTOL_SYMPY
    )


@pytest.mark.parametrize("r,k", [(2, 1), (3, 2), (2, 3)])
def test_risk_is_quadratic_in_xibar_and_matches_schedule_quadratic(r, k):
    d = multistep_risk_quadratic_symbolic(r, k)
    assert d["degree_in_xibar"] == 2
    if k >= 2:
        assert d["degree_in_xis"] == 2 * k  # not a quadratic in the per-step weights
    rng = np.random.default_rng(r * 10 + k)
    ev = rng.integers(1, 9, r).astype(float) / 2 + np.arange(r)  # distinct rationals
    th2 = rng.integers(0, 5, r).astype(float) / 4
    w = rng.integers(1, 4, r).astype(float)
    g2, lam = 0.75, 1.5
    a = ev / (ev + lam)
    subs = {d["g2"]: sp.Rational(3, 4)}
    for j in range(r):
        subs[d["a"][j]] = sp.nsimplify(ev[j]) / (sp.nsimplify(ev[j]) + sp.Rational(3, 2))
        subs[d["s2"][j]] = sp.nsimplify(ev[j])
        subs[d["theta2"][j]] = sp.nsimplify(th2[j])
        subs[d["w"][j]] = sp.nsimplify(w[j])
    Qs = np.array(d["Q"].subs(subs), dtype=float)
    qs = np.array(d["q"].subs(subs), dtype=float).ravel()
    cs = float(d["c"].subs(subs))
    spec = Spectrum(eigvals=ev, signal_energy=th2, noise=g2, weights=w)
    Q, q, c = schedule_quadratic(spec, lam=lam, steps=k)
    np.testing.assert_allclose(Q, Qs, rtol=RTOL_SYMPY)
    np.testing.assert_allclose(q, qs, rtol=RTOL_SYMPY, atol=1e-14)
    assert c == pytest.approx(cs, rel=RTOL_SYMPY)
    assert np.allclose(a, ridge_filter(ev, lam=lam))


def test_ground_truth_closed_form_equals_rsolve_and_numeric():
    g = ground_truth_recursion_symbolic()
    for t in range(8):
        diff = (g["closed"] - g["closed_form"]).subs(g["t"], t)
        assert sp.simplify(diff) == 0
    assert sp.simplify(g["limit"] - g["ridge_lam_over_alpha"]) == 0
    for a_val, al_val, t in (
        (sp.Rational(2, 3), sp.Rational(1, 4), 4),
        (sp.Rational(1, 5), sp.Rational(9, 10), 2),
    ):
        # a = d/(d + λ) with λ = 1 ⇒ d = a/(1 − a)
        d_val = a_val / (1 - a_val)
        sym = float(g["closed"].subs({g["a"]: a_val, g["alpha"]: al_val, g["t"]: t}))
        num = ground_truth_weighted_filter(float(d_val), lam=1.0, alpha=float(al_val), steps=t)
        assert float(num) == pytest.approx(sym, rel=RTOL_SYMPY)


def test_optimal_alpha_symbolic_matches_numeric():
    d = optimal_alpha_symbolic(2)
    ev, th2, w, g2, lam = (
        np.array([3.0, 0.5]),
        np.array([1.0, 0.25]),
        np.array([1.0, 2.0]),
        0.8,
        0.7,
    )
    b = np.array([0.4, -0.3])
    a = ev / (ev + lam)
    subs = {d["g2"]: sp.nsimplify(g2)}
    for j in range(2):
        subs.update(
            {
                d["a"][j]: sp.nsimplify(ev[j]) / (sp.nsimplify(ev[j]) + sp.nsimplify(lam)),
                d["b"][j]: sp.nsimplify(b[j]),
                d["w"][j]: sp.nsimplify(w[j]),
                d["theta2"][j]: sp.nsimplify(th2[j]),
                d["s2"][j]: sp.nsimplify(ev[j]),
            }
        )
    sym = float(d["alpha_star"].subs(subs))
    spec = Spectrum(eigvals=ev, signal_energy=th2, noise=g2, weights=w)
    assert optimal_alpha_expected(spec, lam=lam, prev_filter=b) == pytest.approx(
        sym, rel=RTOL_SYMPY
    )
    assert np.allclose(a, ridge_filter(ev, lam=lam))


def test_collapse_multiplier_one_direction():
    g = collapse_multiplier_symbolic()
    assert sp.simplify(g["c"] - g["ratio_form"]) == 0
    assert sp.simplify(g["r_next"] - (g["r"] - 1)) == 0
