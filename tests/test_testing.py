"""sdtheory.testing: the Monte Carlo assertion and the hypothesis strategies."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import stats

from sdtheory import KernelProblem, LinearProblem, Spectrum
from sdtheory.testing import (
    assert_matches_monte_carlo,
    bonferroni_z,
    designs,
    kernel_matrices,
    kernel_problems,
    lams,
    linear_problems,
    spectra,
    xis,
)

FEW = settings(max_examples=25, deadline=None)


class _Result:  # any object with .mean and .se (no JAX needed)
    def __init__(self, mean, se, n=100):
        self.mean, self.se, self.n = mean, se, n


# ------------------------------------------------------------------ the assertion
def test_passes_on_a_true_match():
    rng = np.random.default_rng(0)
    draws = rng.normal(loc=[[0.5, -1.0, 3.0]], scale=[[1.0, 2.0, 0.1]], size=(4000, 3))
    mean, se = draws.mean(0), draws.std(0, ddof=1) / np.sqrt(4000)
    for res in [(mean, se, 4000), (mean, se), _Result(mean, se)]:
        assert_matches_monte_carlo([0.5, -1.0, 3.0], res)
        assert_matches_monte_carlo([0.5, -1.0, 3.0], res, correction="none")


def test_mcresult_is_accepted():
    from sdtheory.simulate import MCResult

    assert_matches_monte_carlo(1.0, MCResult(1.1, 0.05, 10))
    with pytest.raises(AssertionError):
        assert_matches_monte_carlo(1.0, MCResult(1.5, 0.05, 10))


def test_fails_on_a_five_se_miss():
    with pytest.raises(AssertionError, match="disagree at 1 of 1") as err:
        assert_matches_monte_carlo(1.0, (1.0 + 5 * 0.1, 0.1, 50))
    assert "z +5" in str(err.value) and "n = 50 trials" in str(err.value)
    # one 5-SE miss among 100 entries still fails the Bonferroni-corrected family (z_eff ≈ 4.98)
    mean = np.zeros(100)
    mean[37] = 5.0
    with pytest.raises(AssertionError, match=r"index \(37,\)"):
        assert_matches_monte_carlo(np.zeros(100), (mean, np.ones(100), 10))


def test_broadcasting_and_worst_entries_listed():
    theory = np.zeros((2, 3))
    mean = np.array([[0.0, 9.0, 0.0], [-6.0, 0.0, 0.0]])
    with pytest.raises(AssertionError) as err:
        assert_matches_monte_carlo(theory, (mean, 1.0, 10))  # scalar se broadcasts
    msg = str(err.value)
    assert "2 of 6" in msg and msg.index("(0, 1)") < msg.index("(1, 0)")  # worst first


def test_bonferroni_widens_the_bound_only_with_the_correction():
    theory, res = np.zeros(100), (np.full(100, 4.5), np.ones(100), 10)
    assert_matches_monte_carlo(theory, res)  # 4.5 < z_eff ≈ 4.98
    with pytest.raises(AssertionError):
        assert_matches_monte_carlo(theory, res, correction="none")


def test_rtol_atol_allowance():
    assert_matches_monte_carlo(10.0, (10.5, 0.1, 5), rtol=0.02)  # 0.4 + 0.2 ≥ 0.5
    assert_matches_monte_carlo(10.0, (10.5, 0.1, 5), atol=0.1)
    with pytest.raises(AssertionError):
        assert_matches_monte_carlo(10.0, (10.5, 0.1, 5), rtol=0.001)


def test_zero_se():
    assert_matches_monte_carlo([1.0, 2.0], ([1.0, 2.0], [0.0, 0.0], 10))
    with pytest.raises(AssertionError, match="z \\+inf"):
        assert_matches_monte_carlo([1.0, 2.0], ([1.0, 2.0 + 1e-9], [0.0, 0.0], 10))


@pytest.mark.parametrize("where", ["theory", "mean", "se"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_fails_clearly(where, bad):
    args = {"theory": np.ones(3), "mean": np.ones(3), "se": np.ones(3)}
    args[where][1] = bad
    with pytest.raises(AssertionError, match=rf"{where} is not finite .*index \(1,\)"):
        assert_matches_monte_carlo(args["theory"], (args["mean"], args["se"], 10))


def test_bonferroni_z_formula():
    assert bonferroni_z(4.0, m=1) == 4.0
    # direct: the two-sided per-comparison level is α/m with α = 2(1 − Φ(z))
    for z, m in [(4.0, 100), (2.0, 100), (3.0, 7)]:
        alpha = 2 * stats.norm.sf(z)
        direct = stats.norm.isf(alpha / m / 2)
        assert bonferroni_z(z, m=m) == pytest.approx(direct, rel=1e-12)
        assert bonferroni_z(z, m=m) > z
    # the family-wise rate of m independent normal comparisons is then ≤ α (and close to it)
    z_eff = bonferroni_z(4.0, m=100)
    fwer = 1 - (1 - 2 * stats.norm.sf(z_eff)) ** 100
    assert 0.99 * 2 * stats.norm.sf(4.0) <= fwer <= 2 * stats.norm.sf(4.0)


def test_import_sdtheory_does_not_import_testing_or_hypothesis():
    code = (
        "import sys, sdtheory; "
        "print('sdtheory.testing' in sys.modules, 'hypothesis' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_testing_does_not_import_jax():
    code = "import sys, sdtheory.testing; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ the strategies
def _is_psd(M):
    M = np.asarray(M)
    scale = max(float(np.abs(M).max()), 1e-300)
    return np.array_equal(M, M.T) and np.linalg.eigvalsh(M).min() >= -1e-9 * scale


@FEW
@given(spectra())
def test_spectra_are_valid(sp):
    assert isinstance(sp, Spectrum)
    assert 1 <= sp.rank <= 6 and np.all(np.isfinite(sp.eigvals))
    assert np.all((sp.eigvals >= 1e-4 * (1 - 1e-12)) & (sp.eigvals <= 1e4 * (1 + 1e-12)))
    assert 0 <= sp.noise <= 10 and sp.null_risk >= 0
    assert sp.signal is not None and np.all(np.isfinite(sp.signal))
    assert _is_psd(sp.weight_matrix)
    assert np.all(np.isfinite(sp.null_cross))


@FEW
@given(spectra(min_rank=3, max_rank=3, weights="diagonal", null_space=False, max_noise=0.0))
def test_spectra_options(sp):
    assert sp.rank == 3 and sp.weights.ndim == 1 and sp.null_risk == 0 and sp.noise == 0


@FEW
@given(designs(max_condition=1e6))
def test_designs_are_valid(X):
    n, d = X.shape
    assert 1 <= n <= 8 and 1 <= d <= 8 and np.all(np.isfinite(X))
    s = np.linalg.svd(X, compute_uv=False)
    assert s.size == min(n, d) and 0.1 * (1 - 1e-9) <= s[0] <= 10 * (1 + 1e-9)
    assert s[0] / s[-1] <= 1e6 * (1 + 1e-6)


def test_designs_cover_each_regime():
    seen = set()

    @settings(max_examples=60, deadline=None, database=None)
    @given(designs(min_n=3, max_n=4, min_d=2, max_d=5))
    def collect(X):
        n, d = X.shape
        assert 3 <= n <= 4 and 2 <= d <= 5
        seen.add(int(np.sign(d - n)))

    collect()
    assert seen == {-1, 0, 1}


@FEW
@given(designs(min_n=6, max_n=6, min_d=3, max_d=3, max_condition=1e8))
def test_designs_fixed_shape(X):
    assert X.shape == (6, 3)


@FEW
@given(linear_problems())
def test_linear_problems_are_valid(prob):
    assert isinstance(prob, LinearProblem)
    assert np.all(np.isfinite(prob.X)) and np.all(np.abs(prob.theta_star) <= 3)
    assert 0 <= prob.noise <= 10
    assert _is_psd(prob.weight_matrix) or not isinstance(prob.weights, np.ndarray)
    sp = Spectrum.from_problem(prob)
    assert sp.rank == min(prob.n, prob.d)


@pytest.mark.parametrize("kind", ["parameter", "prediction", "matrix"])
def test_linear_problems_weight_kinds(kind):
    @settings(max_examples=5, deadline=None, database=None)
    @given(linear_problems(weights=kind, max_n=4, max_d=4))
    def check(prob):
        if kind == "matrix":
            assert isinstance(prob.weights, np.ndarray) and _is_psd(prob.weights)
        else:
            assert prob.weights == kind

    check()


@FEW
@given(kernel_matrices())
def test_kernel_matrices_are_psd(K):
    N = K.shape[0]
    assert K.shape == (N, N) and 1 <= N <= 8 and np.all(np.isfinite(K))
    assert _is_psd(K)
    KernelProblem(K, np.zeros(N), 0.0)  # the package accepts it


def test_kernel_matrices_include_rank_deficient():
    ranks = []

    @settings(max_examples=40, deadline=None, database=None)
    @given(kernel_matrices(min_size=4, max_size=4, min_eigval=1.0, max_eigval=10.0))
    def collect(K):
        ranks.append(int(np.linalg.matrix_rank(K, tol=1e-8)))

    collect()
    assert min(ranks) < 4 and max(ranks) == 4


@FEW
@given(kernel_matrices(rank_deficient=False, min_eigval=1.0, max_eigval=10.0))
def test_kernel_matrices_full_rank(K):
    assert np.linalg.eigvalsh(K).min() > 0.5


@FEW
@given(kernel_problems())
def test_kernel_problems_are_valid(prob):
    assert isinstance(prob, KernelProblem)
    assert _is_psd(prob.K) and np.all(np.abs(prob.y_star) <= 3) and 0 <= prob.noise <= 10
    assert Spectrum.from_problem(prob).rank >= 1


@FEW
@given(xis(), lams())
def test_scalar_strategies(xi, lam):
    assert -3 <= xi <= 4 and np.isfinite(xi)
    assert 1e-6 <= lam <= 1e6


def test_xis_and_lams_cover_their_ranges():
    seen_xi, seen_lam = [], []

    @settings(max_examples=80, deadline=None, database=None)
    @given(xis(), lams())
    def collect(xi, lam):
        seen_xi.append(xi)
        seen_lam.append(lam)

    collect()
    assert min(seen_xi) < 0 and max(seen_xi) > 1 and 0.0 in seen_xi
    assert min(seen_lam) < 1e-2 and max(seen_lam) > 1e2  # many decades


# ------------------------------------------------------------------ the docs page runs as written
def _doc_blocks():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "testing.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_docs_page_examples_run():
    example, wrong, prop = _doc_blocks()
    ns: dict = {}
    exec(compile(example, "docs-testing-example", "exec"), ns)
    with pytest.raises(AssertionError, match="disagree at 3 of 3 entries"):
        exec(compile(wrong, "docs-testing-wrong", "exec"), ns)
    exec(compile(prop, "docs-testing-property", "exec"), ns)
    ns["test_my_prediction"]()
