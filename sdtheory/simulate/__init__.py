"""JAX Monte Carlo: sample label noise / designs, fit estimators by real solves, report mean ± SE.

Importing this package imports JAX. Simulation code never imports the theory it checks. Every
simulator shares one vocabulary: the problem first, then keyword-only ``n_trials`` (int >= 2),
``seed`` (int >= 0 or a ``jax.random`` key), ``noise_dist``, ``batch_size`` and ``devices``. One
estimate comes back as an :class:`MCResult` ``(mean, se, n)``; sweeps as a tidy DataFrame.
"""

# --- ridge, fixed design ---
from ._common import MCResult as MCResult

# --- classification ---
from ._gmm import gmm_sd_convergence as gmm_sd_convergence
from ._gmm import gmm_sd_corruption_scan as gmm_sd_corruption_scan
from ._gmm import gmm_sd_summary as gmm_sd_summary
from ._gmm import simulate_gmm_sd as simulate_gmm_sd
from ._gmm_bce import simulate_gmm_bce_teacher as simulate_gmm_bce_teacher
from ._gmm_multistage import gmm_multistage_summary as gmm_multistage_summary
from ._gmm_multistage import simulate_gmm_multistage as simulate_gmm_multistage

# --- multi-step linear and kernel SD ---
from ._kernel import simulate_kernel_sd as simulate_kernel_sd
from ._kernel import simulate_multistep as simulate_multistep
from ._logistic import fit_soft_logistic_batch as fit_soft_logistic_batch
from ._logistic import simulate_clustered_sd as simulate_clustered_sd
from ._partial_label import simulate_partial_label as simulate_partial_label

# --- random design ---
from ._random_design import DESIGN_DISTS as DESIGN_DISTS
from ._random_design import sample_random_design as sample_random_design
from ._random_design import simulate_random_design as simulate_random_design
from ._ridge import NOISE_DISTS as NOISE_DISTS
from ._ridge import ridge_sd_monte_carlo as ridge_sd_monte_carlo
from ._ridge import ridge_sd_noise as ridge_sd_noise
from ._sharding import TrialRunner as TrialRunner
from ._sharding import run_trials as run_trials
from ._sharding import trial_keys as trial_keys
from ._sharding import trial_mean_se as trial_mean_se

# every public name imported above
__all__ = sorted(_n for _n in dir() if not _n.startswith("_"))
