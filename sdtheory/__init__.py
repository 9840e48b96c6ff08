"""sdtheory: the theory of self-distillation under label noise, made executable.

Closed-form and numerical solvers (NumPy/SciPy, float64) for ridge, iterated/kernel,
high-dimensional and classification self-distillation, with JAX Monte Carlo checks in
:mod:`sdtheory.simulate`. JAX is never imported by ``import sdtheory``.

The theory parts are subpackages: :mod:`sdtheory.ridge`, :mod:`sdtheory.iterated`,
:mod:`sdtheory.asymptotics`, :mod:`sdtheory.classification`; simulation is
:mod:`sdtheory.simulate` and the deep-net experiment :mod:`sdtheory.bridge`. The names a notebook
needs are re-exported here.
"""

__version__ = "0.2.0"

# --- problems (data only) ---
# --- asymptotics ---
from .asymptotics import CurvatureTest as CurvatureTest
from .asymptotics import SDvsRidge as SDvsRidge
from .asymptotics import asymptotic_moments as asymptotic_moments
from .asymptotics import asymptotic_risks as asymptotic_risks
from .asymptotics import compare_sd_vs_ridge as compare_sd_vs_ridge
from .asymptotics import curvature_test as curvature_test
from .asymptotics import cv_xi as cv_xi
from .asymptotics import finite_sample_sd as finite_sample_sd
from .asymptotics import isotropic_asymptotics as isotropic_asymptotics
from .asymptotics import isotropic_kappa as isotropic_kappa
from .asymptotics import lam_to_fixed_design as lam_to_fixed_design
from .asymptotics import lam_to_mse_scale as lam_to_mse_scale
from .asymptotics import one_shot_xi as one_shot_xi
from .asymptotics import power_law_spectrum as power_law_spectrum
from .asymptotics import solve_kappa as solve_kappa
from .asymptotics import spectrum_from_cov as spectrum_from_cov
from .asymptotics import two_level_spectrum as two_level_spectrum

# --- iterated ---
from .iterated import AlphaPath as AlphaPath
from .iterated import ConstrainedRounds as ConstrainedRounds
from .iterated import KernelEigen as KernelEigen
from .iterated import KernelSDFit as KernelSDFit
from .iterated import MultistepOptimum as MultistepOptimum
from .iterated import OptimalSchedule as OptimalSchedule
from .iterated import ScheduleConditioningWarning as ScheduleConditioningWarning
from .iterated import check_gram as check_gram
from .iterated import collapse_round_bounds as collapse_round_bounds
from .iterated import constrained_rounds as constrained_rounds
from .iterated import expected_alpha_path as expected_alpha_path
from .iterated import ground_truth_convergence_rate as ground_truth_convergence_rate
from .iterated import ground_truth_weighted_filter as ground_truth_weighted_filter
from .iterated import kernel_eigen as kernel_eigen
from .iterated import kernel_matrix as kernel_matrix
from .iterated import kernel_self_distill as kernel_self_distill
from .iterated import kernel_spectrum as kernel_spectrum
from .iterated import linear_kernel as linear_kernel
from .iterated import multistep_filter as multistep_filter
from .iterated import multistep_risk as multistep_risk
from .iterated import optimal_alpha_expected as optimal_alpha_expected
from .iterated import optimal_multistep as optimal_multistep
from .iterated import optimal_schedule as optimal_schedule
from .iterated import oracle_alpha_path as oracle_alpha_path
from .iterated import poly_to_xis as poly_to_xis
from .iterated import polynomial_kernel as polynomial_kernel
from .iterated import rbf_kernel as rbf_kernel
from .iterated import schedule_quadratic as schedule_quadratic
from .iterated import xis_to_poly as xis_to_poly
from .problem import KernelProblem as KernelProblem
from .problem import LinearProblem as LinearProblem
from .ridge import RidgeOptimum as RidgeOptimum
from .ridge import RiskParts as RiskParts
from .ridge import SDOptimum as SDOptimum
from .ridge import SDQuadratic as SDQuadratic
from .ridge import Spectrum as Spectrum
from .ridge import filter_risk as filter_risk
from .ridge import optimal_ridge as optimal_ridge
from .ridge import optimal_sd as optimal_sd
from .ridge import optimal_xi as optimal_xi
from .ridge import optimal_xi_noise_limits as optimal_xi_noise_limits

# --- ridge ---
from .ridge import oracle_filter as oracle_filter
from .ridge import oracle_risk as oracle_risk
from .ridge import ridge_filter as ridge_filter
from .ridge import ridge_risk as ridge_risk
from .ridge import sd_filter as sd_filter
from .ridge import sd_gain as sd_gain
from .ridge import sd_min_risk as sd_min_risk
from .ridge import sd_quadratic as sd_quadratic
from .ridge import sd_risk as sd_risk
from .ridge import xi_above_one_noise_threshold as xi_above_one_noise_threshold
