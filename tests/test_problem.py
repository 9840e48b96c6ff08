"""LinearProblem / KernelProblem: input validation, and Spectrum.from_problem against explicit
matrix formulas built from X (or K) directly, without the spectral decomposition."""

import numpy as np
import pytest

import sdtheory as sdt
from sdtheory import KernelProblem, LinearProblem, Spectrum

RNG = np.random.default_rng(11)
X = RNG.standard_normal((6, 4))
TH = RNG.standard_normal(4)
K = (lambda A: A @ A.T)(RNG.standard_normal((5, 3)))  # rank-3 PSD Gram matrix
YS = RNG.standard_normal(5)
NONPSD = np.diag([1.0, -1.0, 1.0, 1.0])
NONSYM = np.triu(np.ones((4, 4)))

# (overrides, exception, argument name in the message)
LINEAR_CASES = [
    (dict(X="X"), TypeError, "X"),
    (dict(X=None), TypeError, "X"),
    (dict(X=X + 1j), TypeError, "X"),
    (dict(X=np.where(np.eye(6, 4) > 0, np.nan, X)), ValueError, "X"),
    (dict(X=np.where(np.eye(6, 4) > 0, np.inf, X)), ValueError, "X"),
    (dict(X=np.ones(4)), ValueError, "X"),
    (dict(X=np.ones((0, 4))), ValueError, "X"),
    (dict(theta_star="t"), TypeError, "theta_star"),
    (dict(theta_star=None), TypeError, "theta_star"),
    (dict(theta_star=TH + 1j), TypeError, "theta_star"),
    (dict(theta_star=[1.0, np.nan, 0.0, 0.0]), ValueError, "theta_star"),
    (dict(theta_star=[1.0, np.inf, 0.0, 0.0]), ValueError, "theta_star"),
    (dict(theta_star=np.ones(5)), ValueError, "theta_star"),
    (dict(noise="high"), TypeError, "noise"),
    (dict(noise=None), TypeError, "noise"),
    (dict(noise=1 + 2j), TypeError, "noise"),
    (dict(noise=np.ones(2)), TypeError, "noise"),
    (dict(noise=np.nan), ValueError, "noise"),
    (dict(noise=np.inf), ValueError, "noise"),
    (dict(noise=-1.0), ValueError, "noise"),
    (dict(weights="population"), ValueError, "weights"),
    (dict(weights=None), (TypeError, ValueError), "weights"),
    (dict(weights=NONPSD), ValueError, "weights"),
    (dict(weights=NONSYM), ValueError, "weights"),
    (dict(weights=np.eye(3)), ValueError, "weights"),
    (dict(weights=np.eye(4) + 1j), TypeError, "weights"),
    (dict(weights=np.full((4, 4), np.nan)), ValueError, "weights"),
]


@pytest.mark.parametrize("kw, exc, name", LINEAR_CASES)
def test_linear_problem_rejects_bad_input_naming_the_argument(kw, exc, name):
    args = dict(X=X, theta_star=TH, noise=1.0, weights="parameter")
    args.update(kw)
    with pytest.raises(exc, match=name):
        LinearProblem(args.pop("X"), args.pop("theta_star"), **args)


KERNEL_CASES = [
    (dict(K="K"), TypeError, "K"),
    (dict(K=None), TypeError, "K"),
    (dict(K=K + 1j), TypeError, "K"),
    (dict(K=np.where(np.eye(5) > 0, np.nan, K)), ValueError, "K"),
    (dict(K=np.where(np.eye(5) > 0, np.inf, K)), ValueError, "K"),
    (dict(K=K + np.triu(np.ones((5, 5)), 1)), ValueError, "K"),  # not symmetric
    (dict(K=K - 10 * np.eye(5)), ValueError, "K"),  # not PSD
    (dict(K=np.ones((5, 4))), ValueError, "K"),
    (dict(y_star="y"), TypeError, "y_star"),
    (dict(y_star=None), TypeError, "y_star"),
    (dict(y_star=YS + 1j), TypeError, "y_star"),
    (dict(y_star=np.r_[np.nan, YS[1:]]), ValueError, "y_star"),
    (dict(y_star=np.r_[np.inf, YS[1:]]), ValueError, "y_star"),
    (dict(y_star=np.ones(4)), ValueError, "y_star"),
    (dict(noise="x"), TypeError, "noise"),
    (dict(noise=None), TypeError, "noise"),
    (dict(noise=1j), TypeError, "noise"),
    (dict(noise=[1.0]), TypeError, "noise"),
    (dict(noise=np.nan), ValueError, "noise"),
    (dict(noise=np.inf), ValueError, "noise"),
    (dict(noise=-0.5), ValueError, "noise"),
]


@pytest.mark.parametrize("kw, exc, name", KERNEL_CASES)
def test_kernel_problem_rejects_bad_input_naming_the_argument(kw, exc, name):
    args = dict(K=K, y_star=YS, noise=0.3)
    args.update(kw)
    with pytest.raises(exc, match=name):
        KernelProblem(args.pop("K"), args.pop("y_star"), **args)


def test_problems_are_read_only_and_with_noise_revalidates():
    prob = LinearProblem(X, TH, 1.0)
    with pytest.raises(ValueError):
        prob.X[0, 0] = 3.0
    assert prob.with_noise(2.0).noise == 2.0
    with pytest.raises(ValueError, match="noise"):
        prob.with_noise(-1.0)
    with pytest.raises(TypeError, match="noise"):
        KernelProblem(K, YS, 0.1).with_noise("loud")


def test_from_problem_rejects_other_objects():
    with pytest.raises(TypeError, match="problem"):
        Spectrum.from_problem("X")
    with pytest.raises(TypeError, match="problem must be a Spectrum"):
        sdt.sd_risk(X, lam=1.0, xi=0.5)


# ---------------------------------------------------------------------------- independent route
def explicit_linear_risk(X, theta, noise, W, lam, xi):
    """E‖θ̂_S − θ*‖²_W from the matrices: θ̂_S = B y with
    A = (XᵀX + λI)⁻¹Xᵀ (teacher θ_T = Ay) and the student fitted to ξXθ_T + (1 − ξ)y:
    B = A(ξXA + (1 − ξ)I). Bias (BX − I)θ*, variance σ² tr(BᵀWB)."""
    n, d = X.shape
    A = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T)
    B = A @ (xi * X @ A + (1.0 - xi) * np.eye(n))
    b = B @ X @ theta - theta
    return float(b @ W @ b + noise * np.trace(B.T @ W @ B))


def random_psd(rng, d):
    G = rng.standard_normal((d, d + 2))
    return G @ G.T / d


@pytest.mark.parametrize("shape", [(12, 5), (5, 12)])
@pytest.mark.parametrize("wkind", ["parameter", "prediction", "matrix"])
def test_from_problem_matches_the_explicit_matrix_formula(shape, wkind):
    n, d = shape
    rng = np.random.default_rng([n, d, ["parameter", "prediction", "matrix"].index(wkind)])
    X = rng.standard_normal(shape) * np.linspace(0.3, 2.0, d)
    theta = rng.standard_normal(d)
    noise = 0.7
    if wkind == "parameter":
        weights, W = "parameter", np.eye(d)
    elif wkind == "prediction":
        weights, W = "prediction", X.T @ X / n  # in-sample prediction weights
    else:
        weights = W = random_psd(rng, d)
    prob = LinearProblem(X, theta, noise, weights=weights)
    sp = Spectrum.from_problem(prob)
    for lam in (0.05, 1.0, 30.0):
        for xi in (-2.0, 0.0, 0.5, 1.0, 3.5):
            want = explicit_linear_risk(X, theta, noise, W, lam, xi)
            got_problem = sdt.sd_risk(prob, lam=lam, xi=xi)
            got_spectrum = sdt.sd_risk(sp, lam=lam, xi=xi)
            assert got_problem == pytest.approx(want, rel=1e-9, abs=1e-12)
            assert got_spectrum == pytest.approx(want, rel=1e-9, abs=1e-12)
        # ξ* from the problem minimizes the explicit risk (checked against neighbours)
        xs = float(sdt.optimal_xi(prob, lam=lam))
        e0 = explicit_linear_risk(X, theta, noise, W, lam, xs)
        for dx in (-1e-3, 1e-3):
            assert e0 <= explicit_linear_risk(X, theta, noise, W, lam, xs + dx) + 1e-12


def test_prediction_weights_are_in_sample_gram_over_n():
    prob = LinearProblem(X, TH, 0.4, weights="prediction")
    np.testing.assert_allclose(prob.weight_matrix, X.T @ X / X.shape[0])
    as_matrix = LinearProblem(X, TH, 0.4, weights=X.T @ X / X.shape[0])
    for lam, xi in [(0.3, 0.0), (2.0, 1.7)]:
        assert sdt.sd_risk(prob, lam=lam, xi=xi) == pytest.approx(
            sdt.sd_risk(as_matrix, lam=lam, xi=xi), rel=1e-10
        )


def explicit_kernel_risk(K, y_star, noise, lam, xi):
    """(1/N) E‖ŷ_S − y*‖² with S = K(K + λI)⁻¹, ŷ_T = Sy, ŷ_S = S(ξŷ_T + (1 − ξ)y) = My."""
    N = K.shape[0]
    S = K @ np.linalg.inv(K + lam * np.eye(N))
    M = S @ (xi * S + (1.0 - xi) * np.eye(N))
    b = M @ y_star - y_star
    return float((b @ b + noise * np.trace(M @ M.T)) / N)


@pytest.mark.parametrize("full_rank", [True, False])
def test_kernel_problem_matches_the_explicit_prediction_risk(full_rank):
    rng = np.random.default_rng(5 + full_rank)
    N = 7
    G = rng.standard_normal((N, N if full_rank else 4))
    Kmat = G @ G.T
    y_star = rng.standard_normal(N)
    prob = KernelProblem(Kmat, y_star, 0.25)
    for lam in (0.1, 1.0, 10.0):
        for xi in (-1.0, 0.0, 0.8, 2.5):
            want = explicit_kernel_risk(Kmat, y_star, 0.25, lam, xi)
            assert sdt.sd_risk(prob, lam=lam, xi=xi) == pytest.approx(want, rel=1e-9, abs=1e-12)
