"""sdtheory: the theory of self-distillation under label noise, made executable.

Closed-form and numerical solvers (NumPy/SciPy, float64) for ridge, iterated/kernel,
high-dimensional and classification self-distillation, with JAX Monte Carlo checks in
:mod:`sdtheory.simulate`. JAX is never imported by ``import sdtheory``.
"""

from ._filters import oracle_filter as oracle_filter
from ._filters import ridge_filter as ridge_filter
from ._filters import sd_filter as sd_filter
from ._risk import RidgeOptimum as RidgeOptimum
from ._risk import RiskParts as RiskParts
from ._risk import SDOptimum as SDOptimum
from ._risk import SDQuadratic as SDQuadratic
from ._risk import filter_risk as filter_risk
from ._risk import optimal_ridge as optimal_ridge
from ._risk import optimal_sd as optimal_sd
from ._risk import optimal_xi as optimal_xi
from ._risk import optimal_xi_noise_limits as optimal_xi_noise_limits
from ._risk import oracle_risk as oracle_risk
from ._risk import ridge_risk as ridge_risk
from ._risk import sd_gain as sd_gain
from ._risk import sd_min_risk as sd_min_risk
from ._risk import sd_quadratic as sd_quadratic
from ._risk import sd_risk as sd_risk
from ._risk import xi_above_one_noise_threshold as xi_above_one_noise_threshold
from ._spectrum import Spectrum as Spectrum

__version__ = "0.1.0"

# --- iterated (issue 3) ---
from ._iterated import AlphaPath as AlphaPath
from ._iterated import ConstrainedRounds as ConstrainedRounds
from ._iterated import KernelSDFit as KernelSDFit
from ._iterated import MultistepOptimum as MultistepOptimum
from ._iterated import OptimalSchedule as OptimalSchedule
from ._iterated import ScheduleConditioningWarning as ScheduleConditioningWarning
from ._iterated import collapse_round_bounds as collapse_round_bounds
from ._iterated import constrained_rounds as constrained_rounds
from ._iterated import expected_alpha_path as expected_alpha_path
from ._iterated import ground_truth_convergence_rate as ground_truth_convergence_rate
from ._iterated import ground_truth_weighted_filter as ground_truth_weighted_filter
from ._iterated import kernel_self_distill as kernel_self_distill
from ._iterated import multistep_filter as multistep_filter
from ._iterated import multistep_risk as multistep_risk
from ._iterated import optimal_alpha_expected as optimal_alpha_expected
from ._iterated import optimal_multistep as optimal_multistep
from ._iterated import optimal_schedule as optimal_schedule
from ._iterated import oracle_alpha_path as oracle_alpha_path
from ._iterated import poly_to_xis as poly_to_xis
from ._iterated import schedule_quadratic as schedule_quadratic
from ._iterated import xis_to_poly as xis_to_poly
from ._kernel import KernelEigen as KernelEigen
from ._kernel import check_gram as check_gram
from ._kernel import kernel_eigen as kernel_eigen
from ._kernel import kernel_matrix as kernel_matrix
from ._kernel import kernel_spectrum as kernel_spectrum
from ._kernel import linear_kernel as linear_kernel
from ._kernel import polynomial_kernel as polynomial_kernel
from ._kernel import rbf_kernel as rbf_kernel

# --- asymptotics and tuning (issue 4) ---
from ._asymptotics import CurvatureTest as CurvatureTest
from ._asymptotics import SDvsRidge as SDvsRidge
from ._asymptotics import asymptotic_moments as asymptotic_moments
from ._asymptotics import asymptotic_risks as asymptotic_risks
from ._asymptotics import compare_sd_vs_ridge as compare_sd_vs_ridge
from ._asymptotics import curvature_test as curvature_test
from ._asymptotics import isotropic_asymptotics as isotropic_asymptotics
from ._asymptotics import isotropic_kappa as isotropic_kappa
from ._asymptotics import lam_to_fixed_design as lam_to_fixed_design
from ._asymptotics import lam_to_mse_scale as lam_to_mse_scale
from ._asymptotics import power_law_spectrum as power_law_spectrum
from ._asymptotics import solve_kappa as solve_kappa
from ._asymptotics import spectrum_from_cov as spectrum_from_cov
from ._asymptotics import two_level_spectrum as two_level_spectrum
from ._tuning import cv_xi as cv_xi
from ._tuning import finite_sample_sd as finite_sample_sd
from ._tuning import one_shot_xi as one_shot_xi
