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
