"""Iterated and multi-step self-distillation: schedules, ground-truth weighting, kernel SD and
constrained rounds.

* ``_multistep`` — the k-step filter and risk, the maps between ``ξ`` and ``ξ̄``;
* ``_schedule`` — the risk as a quadratic in ``ξ̄``, optimal schedules;
* ``_ground_truth`` — Borup & Andersen's ground-truth weighting (weight ``alpha`` on labels);
* ``_kernel`` and ``_kernel_sd`` — kernels, Gram checks, kernel spectra, kernel SD;
* ``_constrained`` — Mobahi et al.'s constrained rounds and their collapse bounds.

The sympy derivations are in :mod:`sdtheory.iterated.symbolic` (importing it imports sympy).
See the theory page :doc:`/theory/iterated`.
"""

from ._constrained import ConstrainedRounds as ConstrainedRounds
from ._constrained import collapse_round_bounds as collapse_round_bounds
from ._constrained import constrained_rounds as constrained_rounds
from ._ground_truth import AlphaPath as AlphaPath
from ._ground_truth import expected_alpha_path as expected_alpha_path
from ._ground_truth import ground_truth_convergence_rate as ground_truth_convergence_rate
from ._ground_truth import ground_truth_weighted_filter as ground_truth_weighted_filter
from ._ground_truth import optimal_alpha_expected as optimal_alpha_expected
from ._ground_truth import oracle_alpha_path as oracle_alpha_path
from ._kernel import KernelEigen as KernelEigen
from ._kernel import check_gram as check_gram
from ._kernel import kernel_eigen as kernel_eigen
from ._kernel import kernel_matrix as kernel_matrix
from ._kernel import kernel_spectrum as kernel_spectrum
from ._kernel import linear_kernel as linear_kernel
from ._kernel import polynomial_kernel as polynomial_kernel
from ._kernel import rbf_kernel as rbf_kernel
from ._kernel_sd import KernelSDFit as KernelSDFit
from ._kernel_sd import kernel_self_distill as kernel_self_distill
from ._multistep import multistep_filter as multistep_filter
from ._multistep import multistep_risk as multistep_risk
from ._multistep import poly_to_xis as poly_to_xis
from ._multistep import xis_to_poly as xis_to_poly
from ._schedule import MultistepOptimum as MultistepOptimum
from ._schedule import OptimalSchedule as OptimalSchedule
from ._schedule import ScheduleConditioningWarning as ScheduleConditioningWarning
from ._schedule import optimal_multistep as optimal_multistep
from ._schedule import optimal_schedule as optimal_schedule
from ._schedule import schedule_quadratic as schedule_quadratic

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
