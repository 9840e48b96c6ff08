"""Bad input to sdtheory.testing: every error names the argument and its valid range."""

from __future__ import annotations

import numpy as np
import pytest

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

OK = (np.ones(3), np.full(3, 0.1), 10)


@pytest.mark.parametrize("z", [0.0, -1.0])
def test_assert_z_must_be_positive(z):
    with pytest.raises(ValueError, match=r"z must be a real number in \(0, inf\)"):
        assert_matches_monte_carlo(np.ones(3), OK, z=z)


@pytest.mark.parametrize("z", ["4", None, np.ones(2), 1j])
def test_assert_z_must_be_a_real_scalar(z):
    with pytest.raises(TypeError, match="z must be a real number"):
        assert_matches_monte_carlo(np.ones(3), OK, z=z)


def test_assert_z_nan():
    with pytest.raises(ValueError, match="z must not contain NaN"):
        assert_matches_monte_carlo(np.ones(3), OK, z=float("nan"))


@pytest.mark.parametrize("correction", ["holm", "Bonferroni", None, 1])
def test_assert_unknown_correction(correction):
    with pytest.raises(ValueError, match=r"correction must be one of \['bonferroni', 'none'\]"):
        assert_matches_monte_carlo(np.ones(3), OK, correction=correction)


@pytest.mark.parametrize("name", ["rtol", "atol"])
def test_assert_negative_allowance(name):
    with pytest.raises(ValueError, match=rf"{name} must be a real number in \[0, inf\)"):
        assert_matches_monte_carlo(np.ones(3), OK, **{name: -0.1})


def test_assert_mismatched_shapes():
    with pytest.raises(ValueError, match=r"theory and mean and se must broadcast.*\(4,\)"):
        assert_matches_monte_carlo(np.ones(4), OK)
    with pytest.raises(ValueError, match="must broadcast"):
        assert_matches_monte_carlo(np.ones(3), (np.ones(3), np.ones(2), 10))


def test_assert_bad_mc_result():
    for bad in [1.0, "mc", (np.ones(3),), (1, 2, 3, 4), {"mean": 1.0, "se": 0.1}]:
        with pytest.raises(TypeError, match=r"mc_result must be an MCResult"):
            assert_matches_monte_carlo(1.0, bad)


@pytest.mark.parametrize("where", ["theory", "mean", "se"])
@pytest.mark.parametrize("bad", ["a", None, [1j, 2j]])
def test_assert_non_numeric(where, bad):
    args = {"theory": 1.0, "mean": 1.0, "se": 0.1}
    args[where] = bad
    with pytest.raises(TypeError, match=rf"{where} must be a real number or an array"):
        assert_matches_monte_carlo(args["theory"], (args["mean"], args["se"], 10))


def test_assert_negative_se_and_empty():
    with pytest.raises(ValueError, match="se must be >= 0"):
        assert_matches_monte_carlo(1.0, (1.0, -0.1, 10))
    with pytest.raises(ValueError, match="must not be empty"):
        assert_matches_monte_carlo([], ([], [], 10))


def test_bonferroni_z_bad_input():
    with pytest.raises(ValueError, match=r"z must be a real number in \(0, inf\)"):
        bonferroni_z(0.0, m=3)
    with pytest.raises(TypeError, match="z must be a real number"):
        bonferroni_z("4", m=3)
    with pytest.raises(ValueError, match="m must be >= 1"):
        bonferroni_z(4.0, m=0)
    with pytest.raises(TypeError, match="m must be an integer"):
        bonferroni_z(4.0, m=2.5)


def test_lams_and_xis_bad_ranges():
    with pytest.raises(ValueError, match=r"min_value must be a real number in \(0, inf\)"):
        lams(min_value=0.0)
    with pytest.raises(ValueError, match="max_value must be >= min_value"):
        lams(min_value=1.0, max_value=0.5)
    with pytest.raises(TypeError, match="max_value must be a real number"):
        lams(max_value="big")
    with pytest.raises(ValueError, match="max_value must be >= min_value"):
        xis(min_value=2.0, max_value=1.0)
    with pytest.raises(ValueError, match="min_value must be a finite real number"):
        xis(min_value=-np.inf)


def test_spectra_bad_arguments():
    with pytest.raises(ValueError, match="min_rank must be >= 1"):
        spectra(min_rank=0)
    with pytest.raises(ValueError, match="max_rank must be >= min_rank"):
        spectra(min_rank=4, max_rank=2)
    with pytest.raises(TypeError, match="max_rank must be an integer"):
        spectra(max_rank=3.5)
    with pytest.raises(ValueError, match=r"min_eigval must be a real number in \(0, inf\)"):
        spectra(min_eigval=0.0)
    with pytest.raises(ValueError, match=r"weights must be one of \['any', 'diagonal', 'matrix'\]"):
        spectra(weights="prediction")
    with pytest.raises(TypeError, match="null_space must be True or False"):
        spectra(null_space="yes")
    with pytest.raises(ValueError, match=r"max_noise must be a real number in \[0, inf\)"):
        spectra(max_noise=-1.0)


def test_designs_and_linear_problems_bad_arguments():
    with pytest.raises(ValueError, match="min_n must be >= 1"):
        designs(min_n=0)
    with pytest.raises(ValueError, match="max_d must be >= min_d"):
        designs(min_d=5, max_d=3)
    with pytest.raises(ValueError, match=r"max_condition must be a real number in \[1, "):
        designs(max_condition=0.5)
    with pytest.raises(ValueError, match=r"max_condition must be a real number in \[1, 1e10\]"):
        designs(max_condition=1e12)
    with pytest.raises(TypeError, match="max_n must be an integer"):
        linear_problems(max_n="8")
    with pytest.raises(ValueError, match="weights must be one of"):
        linear_problems(weights="diagonal")
    with pytest.raises(ValueError, match="max_noise must be a real number"):
        linear_problems(max_noise=-2.0)


def test_kernel_strategies_bad_arguments():
    with pytest.raises(ValueError, match="min_size must be >= 1"):
        kernel_matrices(min_size=0)
    with pytest.raises(ValueError, match="max_size must be >= min_size"):
        kernel_matrices(min_size=3, max_size=2)
    with pytest.raises(ValueError, match="max_eigval must be >= min_eigval"):
        kernel_matrices(min_eigval=2.0, max_eigval=1.0)
    with pytest.raises(TypeError, match="rank_deficient must be True or False"):
        kernel_matrices(rank_deficient=1)
    with pytest.raises(ValueError, match="max_noise must be a real number"):
        kernel_problems(max_noise=-1.0)
    with pytest.raises(ValueError, match="min_eigval must be a real number"):
        kernel_problems(min_eigval=-1.0)
