"""Classification with label corruption: soft-target logistic solvers, the clustered-feature
model (exact teacher/student accuracy and the corruption range where SD wins) and the
high-dimensional Gaussian-mixture theory. NumPy/SciPy only (no JAX).

Penalty factors: the logistic solvers, the clustered model and the mixture all carry
``(λ/2)‖W‖²`` on a summed loss (the regression parts carry ``λ‖θ‖²``). See the theory page
:doc:`/theory/classification`.
"""

from .._labels import CORRUPTION_KINDS as CORRUPTION_KINDS
from .._labels import corrupt_labels as corrupt_labels
from ._clustered import ClusteredAccuracy as ClusteredAccuracy
from ._clustered import clustered_accuracy as clustered_accuracy
from ._clustered import clustered_features as clustered_features
from ._clustered import clustered_gram as clustered_gram
from ._clustered import clustered_labels as clustered_labels
from ._clustered import clustered_phase_diagram as clustered_phase_diagram
from ._clustered import corruption_range as corruption_range
from ._clustered_rounds import linearized_sd_factors as linearized_sd_factors
from ._clustered_rounds import multi_round_sd as multi_round_sd
from ._gmm import GMMFirstStage as GMMFirstStage
from ._gmm import gmm_bayes_error as gmm_bayes_error
from ._gmm import gmm_first_stage as gmm_first_stage
from ._gmm import gmm_test_error as gmm_test_error
from ._gmm_multistage import GMMMultistage as GMMMultistage
from ._gmm_multistage import gmm_multistage as gmm_multistage
from ._gmm_multistage_opt import gmm_finite_n_error as gmm_finite_n_error
from ._gmm_multistage_opt import optimize_gmm_multistage as optimize_gmm_multistage
from ._gmm_sd import GMMSDStage as GMMSDStage
from ._gmm_sd import gmm_sd_corruption_range as gmm_sd_corruption_range
from ._gmm_sd import gmm_sd_stage as gmm_sd_stage
from ._logistic import LogisticFit as LogisticFit
from ._logistic import fit_soft_logistic as fit_soft_logistic
from ._logistic import sigmoid as sigmoid
from ._logistic import soft_targets as soft_targets
from ._logistic import softmax as softmax
from ._partial_label import TOP2_TIE as TOP2_TIE
from ._partial_label import PartialLabelAccuracy as PartialLabelAccuracy
from ._partial_label import partial_label_accuracy as partial_label_accuracy
from ._partial_label import partial_label_corruption_range as partial_label_corruption_range
from ._partial_label import partial_label_expected_accuracy as partial_label_expected_accuracy
from ._partial_label import partial_label_targets as partial_label_targets

__all__ = [
    "CORRUPTION_KINDS",
    "ClusteredAccuracy",
    "GMMFirstStage",
    "GMMMultistage",
    "GMMSDStage",
    "LogisticFit",
    "PartialLabelAccuracy",
    "TOP2_TIE",
    "clustered_accuracy",
    "clustered_features",
    "clustered_gram",
    "clustered_labels",
    "clustered_phase_diagram",
    "corrupt_labels",
    "corruption_range",
    "fit_soft_logistic",
    "gmm_bayes_error",
    "gmm_finite_n_error",
    "gmm_first_stage",
    "gmm_multistage",
    "gmm_sd_corruption_range",
    "gmm_sd_stage",
    "gmm_test_error",
    "linearized_sd_factors",
    "multi_round_sd",
    "optimize_gmm_multistage",
    "partial_label_accuracy",
    "partial_label_corruption_range",
    "partial_label_expected_accuracy",
    "partial_label_targets",
    "sigmoid",
    "soft_targets",
    "softmax",
]
