"""JAX Monte Carlo: sample label noise / designs, fit estimators by real solves, report mean ± SE.

Importing this package imports JAX. Simulation code never imports the theory it checks.
"""

# --- ridge, fixed design (issue 2) ---
from ._ridge import NOISE_DISTS as NOISE_DISTS
from ._ridge import ridge_sd_monte_carlo as ridge_sd_monte_carlo
from ._ridge import ridge_sd_noise as ridge_sd_noise
from ._sharding import TrialRunner as TrialRunner
from ._sharding import run_trials as run_trials
from ._sharding import trial_keys as trial_keys
from ._sharding import trial_mean_se as trial_mean_se
# --- kernel / iterated (issue 3) ---
from ._kernel import sample_noise as sample_noise
from ._kernel import simulate_kernel_sd as simulate_kernel_sd
from ._kernel import simulate_linear_sd as simulate_linear_sd
# --- random design (issue 4) ---
from ._random_design import DESIGNS as DESIGNS
from ._random_design import sample_random_design as sample_random_design
from ._random_design import simulate_random_design as simulate_random_design
# --- classification (issue 5) ---
from ._gmm import gmm_sd_convergence as gmm_sd_convergence
from ._gmm import gmm_sd_flip_scan as gmm_sd_flip_scan
from ._gmm import gmm_sd_summary as gmm_sd_summary
from ._gmm import simulate_gmm_bce_teacher as simulate_gmm_bce_teacher
from ._gmm import simulate_gmm_sd as simulate_gmm_sd
from ._logistic import fit_soft_logistic_batch as fit_soft_logistic_batch
from ._logistic import simulate_clustered_sd as simulate_clustered_sd
