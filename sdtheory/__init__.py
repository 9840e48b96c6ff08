"""sdtheory: the theory of self-distillation under label noise, made executable.

Closed-form and numerical solvers (NumPy/SciPy, float64) for ridge, iterated/kernel,
high-dimensional and classification self-distillation, with JAX Monte Carlo checks in
:mod:`sdtheory.simulate`. JAX is never imported by ``import sdtheory``.

The theory parts are subpackages: :mod:`sdtheory.ridge`, :mod:`sdtheory.iterated`,
:mod:`sdtheory.asymptotics`, :mod:`sdtheory.classification`; the problem objects are in
:mod:`sdtheory.problem`; simulation is :mod:`sdtheory.simulate` (imports JAX) and the deep-net
experiment :mod:`sdtheory.bridge`. The names a notebook needs are re-exported here (``__all__``).
"""

__version__ = "0.3.0"

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names below, for static tools; at run time they load on first access
    from . import asymptotics as asymptotics
    from . import classification as classification
    from . import estimators as estimators
    from . import iterated as iterated
    from . import problem as problem
    from . import ridge as ridge
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
    from .classification import clustered_accuracy as clustered_accuracy
    from .classification import clustered_phase_diagram as clustered_phase_diagram
    from .classification import corrupt_labels as corrupt_labels
    from .classification import corruption_range as corruption_range
    from .classification import fit_soft_logistic as fit_soft_logistic
    from .classification import gmm_bayes_error as gmm_bayes_error
    from .classification import gmm_first_stage as gmm_first_stage
    from .classification import gmm_sd_corruption_range as gmm_sd_corruption_range
    from .classification import gmm_sd_stage as gmm_sd_stage
    from .classification import multi_round_sd as multi_round_sd
    from .classification import soft_targets as soft_targets
    from .estimators import SelfDistilledKernelRidge as SelfDistilledKernelRidge
    from .estimators import SelfDistilledLogisticRegression as SelfDistilledLogisticRegression
    from .estimators import SelfDistilledRidge as SelfDistilledRidge
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

# Names are loaded on first access (PEP 562), so ``import sdtheory`` (and the command line, whose
# Ctrl-C handler is installed once ``sdtheory.cli`` runs) starts without importing SciPy, SymPy
# or scikit-learn. ``from sdtheory import *``, ``dir(sdtheory)`` and the API docs see every name.
_SUBMODULES = frozenset(
    {"asymptotics", "classification", "estimators", "iterated", "problem", "ridge"}
)
_LAZY = {
    "CurvatureTest": "asymptotics",
    "SDvsRidge": "asymptotics",
    "asymptotic_moments": "asymptotics",
    "asymptotic_risks": "asymptotics",
    "compare_sd_vs_ridge": "asymptotics",
    "curvature_test": "asymptotics",
    "cv_xi": "asymptotics",
    "finite_sample_sd": "asymptotics",
    "isotropic_asymptotics": "asymptotics",
    "isotropic_kappa": "asymptotics",
    "lam_to_fixed_design": "asymptotics",
    "lam_to_mse_scale": "asymptotics",
    "one_shot_xi": "asymptotics",
    "power_law_spectrum": "asymptotics",
    "solve_kappa": "asymptotics",
    "spectrum_from_cov": "asymptotics",
    "two_level_spectrum": "asymptotics",
    "clustered_accuracy": "classification",
    "clustered_phase_diagram": "classification",
    "corrupt_labels": "classification",
    "corruption_range": "classification",
    "fit_soft_logistic": "classification",
    "gmm_bayes_error": "classification",
    "gmm_first_stage": "classification",
    "gmm_sd_corruption_range": "classification",
    "gmm_sd_stage": "classification",
    "multi_round_sd": "classification",
    "soft_targets": "classification",
    "SelfDistilledKernelRidge": "estimators",
    "SelfDistilledLogisticRegression": "estimators",
    "SelfDistilledRidge": "estimators",
    "AlphaPath": "iterated",
    "ConstrainedRounds": "iterated",
    "KernelEigen": "iterated",
    "KernelSDFit": "iterated",
    "MultistepOptimum": "iterated",
    "OptimalSchedule": "iterated",
    "ScheduleConditioningWarning": "iterated",
    "check_gram": "iterated",
    "collapse_round_bounds": "iterated",
    "constrained_rounds": "iterated",
    "expected_alpha_path": "iterated",
    "ground_truth_convergence_rate": "iterated",
    "ground_truth_weighted_filter": "iterated",
    "kernel_eigen": "iterated",
    "kernel_matrix": "iterated",
    "kernel_self_distill": "iterated",
    "kernel_spectrum": "iterated",
    "linear_kernel": "iterated",
    "multistep_filter": "iterated",
    "multistep_risk": "iterated",
    "optimal_alpha_expected": "iterated",
    "optimal_multistep": "iterated",
    "optimal_schedule": "iterated",
    "oracle_alpha_path": "iterated",
    "poly_to_xis": "iterated",
    "polynomial_kernel": "iterated",
    "rbf_kernel": "iterated",
    "schedule_quadratic": "iterated",
    "xis_to_poly": "iterated",
    "KernelProblem": "problem",
    "LinearProblem": "problem",
    "RidgeOptimum": "ridge",
    "RiskParts": "ridge",
    "SDOptimum": "ridge",
    "SDQuadratic": "ridge",
    "Spectrum": "ridge",
    "filter_risk": "ridge",
    "optimal_ridge": "ridge",
    "optimal_sd": "ridge",
    "optimal_xi": "ridge",
    "optimal_xi_noise_limits": "ridge",
    "oracle_filter": "ridge",
    "oracle_risk": "ridge",
    "ridge_filter": "ridge",
    "ridge_risk": "ridge",
    "sd_filter": "ridge",
    "sd_gain": "ridge",
    "sd_min_risk": "ridge",
    "sd_quadratic": "ridge",
    "sd_risk": "ridge",
    "xi_above_one_noise_threshold": "ridge",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_LAZY))


__all__ = [
    "AlphaPath",
    "ConstrainedRounds",
    "CurvatureTest",
    "KernelEigen",
    "KernelProblem",
    "KernelSDFit",
    "LinearProblem",
    "MultistepOptimum",
    "OptimalSchedule",
    "RidgeOptimum",
    "RiskParts",
    "SDOptimum",
    "SDQuadratic",
    "SDvsRidge",
    "ScheduleConditioningWarning",
    "SelfDistilledKernelRidge",
    "SelfDistilledLogisticRegression",
    "SelfDistilledRidge",
    "Spectrum",
    "asymptotic_moments",
    "asymptotic_risks",
    "check_gram",
    "clustered_accuracy",
    "clustered_phase_diagram",
    "collapse_round_bounds",
    "compare_sd_vs_ridge",
    "constrained_rounds",
    "corrupt_labels",
    "corruption_range",
    "curvature_test",
    "cv_xi",
    "expected_alpha_path",
    "filter_risk",
    "finite_sample_sd",
    "fit_soft_logistic",
    "gmm_bayes_error",
    "gmm_first_stage",
    "gmm_sd_corruption_range",
    "gmm_sd_stage",
    "ground_truth_convergence_rate",
    "ground_truth_weighted_filter",
    "isotropic_asymptotics",
    "isotropic_kappa",
    "kernel_eigen",
    "kernel_matrix",
    "kernel_self_distill",
    "kernel_spectrum",
    "lam_to_fixed_design",
    "lam_to_mse_scale",
    "linear_kernel",
    "multi_round_sd",
    "multistep_filter",
    "multistep_risk",
    "one_shot_xi",
    "optimal_alpha_expected",
    "optimal_multistep",
    "optimal_ridge",
    "optimal_schedule",
    "optimal_sd",
    "optimal_xi",
    "optimal_xi_noise_limits",
    "oracle_alpha_path",
    "oracle_filter",
    "oracle_risk",
    "poly_to_xis",
    "polynomial_kernel",
    "power_law_spectrum",
    "rbf_kernel",
    "ridge_filter",
    "ridge_risk",
    "schedule_quadratic",
    "sd_filter",
    "sd_gain",
    "sd_min_risk",
    "sd_quadratic",
    "sd_risk",
    "soft_targets",
    "solve_kappa",
    "spectrum_from_cov",
    "two_level_spectrum",
    "xi_above_one_noise_threshold",
    "xis_to_poly",
]
