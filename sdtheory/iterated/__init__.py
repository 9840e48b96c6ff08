"""Iterated and multi-step self-distillation: schedules, ground-truth weighting, kernel SD and
constrained rounds."""

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

__all__ = [
    "AlphaPath",
    "ConstrainedRounds",
    "KernelSDFit",
    "MultistepOptimum",
    "OptimalSchedule",
    "ScheduleConditioningWarning",
    "collapse_round_bounds",
    "constrained_rounds",
    "expected_alpha_path",
    "ground_truth_convergence_rate",
    "ground_truth_weighted_filter",
    "kernel_self_distill",
    "multistep_filter",
    "multistep_risk",
    "optimal_alpha_expected",
    "optimal_multistep",
    "optimal_schedule",
    "oracle_alpha_path",
    "poly_to_xis",
    "schedule_quadratic",
    "xis_to_poly",
    "KernelEigen",
    "check_gram",
    "kernel_eigen",
    "kernel_matrix",
    "kernel_spectrum",
    "linear_kernel",
    "polynomial_kernel",
    "rbf_kernel",
]
