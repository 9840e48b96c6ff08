"""sympy: the stepwise recipe vs the derivatives of the two-penalty cross risk (exact rational
arithmetic), and the isotropic closed form derived from the general recipe with Σ = I; the
NumPy implementation vs the sympy expressions at random points."""

import numpy as np
import pytest
import sympy as sp

import sdtheory as sdt
from sdtheory.asymptotics import _symbolic as sa

from ._tol import RTOL_SYMPY


def test_stepwise_recipe_equals_cross_risk_derivatives_exactly():
    worst = sa.check_recipe_against_derivation(m=2, points=4, seed=1)
    assert all(v == 0 for v in worst.values()), worst


def test_isotropic_closed_form_derived_from_general_recipe():
    cf = sa.isotropic_closed_form()
    sy = cf["symbols"]
    u, kappa, lam = sy["u"], sy["kappa"], sy["lam"]
    der = {k: v.subs(kappa, u - 1) for k, v in cf["derived"].items()}
    lam_u = sp.simplify(der["lam"])
    # the fixed point with one atom: λ = κ(u − γ)/u
    assert sp.simplify(lam_u - (u - 1) * (u - sy["gamma"]) / u) == 0
    for key in ("R", "N", "D"):
        assert sp.simplify(der[key] - cf[key].subs(lam, lam_u)) == 0, key
    assert sp.simplify(der["N"] / der["D"] - cf["xi_star"].subs(lam, lam_u)) == 0
    assert sp.simplify(der["N"] ** 2 / der["D"] - cf["gain"].subs(lam, lam_u)) == 0
    # κ(λ) is the positive root of κ² + κ(1 − λ − γ) − λ = 0
    k = cf["kappa_of_lam"]
    g = sy["gamma"]
    assert sp.simplify(sp.expand(k**2 + k * (1 - lam - g) - lam)) == 0


def test_numpy_matches_sympy_at_random_points():
    cf = sa.isotropic_closed_form()
    sy = cf["symbols"]
    args = (sy["u"], sy["gamma"], sy["lam"], sy["sigma2"], sy["r2"])
    fns = {k: sp.lambdify(args, cf[k], "numpy") for k in ("R", "N", "D", "xi_star", "gain")}
    kfn = sp.lambdify((sy["gamma"], sy["lam"]), cf["kappa_of_lam"], "numpy")
    rng = np.random.default_rng(0)
    for _ in range(20):
        g, lam, s2, r2 = (
            rng.uniform(0.05, 5),
            10 ** rng.uniform(-2, 2),
            rng.uniform(0.1, 3),
            rng.uniform(0.1, 3),
        )
        u = 1 + kfn(g, lam)
        df = sdt.asymptotic_risks([1.0], [r2], noise=s2, aspect_ratio=g, lam=lam).iloc[0]
        assert df.R == pytest.approx(fns["R"](u, g, lam, s2, r2), rel=RTOL_SYMPY)
        assert df.R - df.C == pytest.approx(fns["N"](u, g, lam, s2, r2), rel=1e-8, abs=1e-12)
        assert df.D == pytest.approx(fns["D"](u, g, lam, s2, r2), rel=RTOL_SYMPY)
        assert df.xi_star == pytest.approx(fns["xi_star"](u, g, lam, s2, r2), rel=1e-8, abs=1e-12)
        assert df.gain == pytest.approx(fns["gain"](u, g, lam, s2, r2), rel=1e-8, abs=1e-14)


def test_general_recipe_numpy_matches_sympy_two_atoms():
    der = sa.cross_risk_derivation(2)
    sy = der["symbols"]
    vals = {
        sy["kappa"]: 0.7,
        sy["gamma"]: 0.6,
        sy["sigma2"]: 1.3,
        sy["s"][0]: 4.0,
        sy["s"][1]: 0.5,
        sy["w"][0]: 0.3,
        sy["w"][1]: 0.7,
        sy["e"][0]: 1.1,
        sy["e"][1]: 0.2,
    }
    lam = float(der["lam"].subs(vals))
    df = sdt.asymptotic_risks(
        [4.0, 0.5], [1.1, 0.2], noise=1.3, aspect_ratio=0.6, lam=lam, weights=[0.3, 0.7]
    ).iloc[0]
    assert df.kappa == pytest.approx(0.7, rel=1e-12)
    for key, col in (("R", "R"), ("C", "C"), ("R_pd", "R_pd"), ("D", "D")):
        assert df[col] == pytest.approx(float(der[key].subs(vals)), rel=RTOL_SYMPY)
