"""One-step ridge self-distillation: spectrum, filters, risk, optima and thresholds.

Every risk here is the fixed-design risk ``E‖θ̂ − θ*‖²_W`` (no ``+σ²``). Every function takes the
problem (a :class:`Spectrum`, :class:`~sdtheory.LinearProblem` or
:class:`~sdtheory.KernelProblem`) positionally and everything else by keyword. The sympy
derivations are in :mod:`sdtheory.ridge.symbolic` (importing it imports sympy).
See the theory page :doc:`/theory/ridge`.
"""

from ._filters import oracle_filter as oracle_filter
from ._filters import ridge_filter as ridge_filter
from ._filters import sd_filter as sd_filter
from ._optima import RidgeOptimum as RidgeOptimum
from ._optima import SDOptimum as SDOptimum
from ._optima import optimal_ridge as optimal_ridge
from ._optima import optimal_sd as optimal_sd
from ._quadratic import SDQuadratic as SDQuadratic
from ._quadratic import sd_quadratic as sd_quadratic
from ._risk import RiskParts as RiskParts
from ._risk import filter_risk as filter_risk
from ._risk import optimal_xi as optimal_xi
from ._risk import oracle_risk as oracle_risk
from ._risk import ridge_risk as ridge_risk
from ._risk import sd_gain as sd_gain
from ._risk import sd_min_risk as sd_min_risk
from ._risk import sd_risk as sd_risk
from ._spectrum import Spectrum as Spectrum
from ._thresholds import optimal_xi_noise_limits as optimal_xi_noise_limits
from ._thresholds import xi_above_one_noise_threshold as xi_above_one_noise_threshold

__all__ = [
    "oracle_filter",
    "ridge_filter",
    "sd_filter",
    "RidgeOptimum",
    "RiskParts",
    "SDOptimum",
    "SDQuadratic",
    "filter_risk",
    "optimal_ridge",
    "optimal_sd",
    "optimal_xi",
    "optimal_xi_noise_limits",
    "oracle_risk",
    "ridge_risk",
    "sd_gain",
    "sd_min_risk",
    "sd_quadratic",
    "sd_risk",
    "xi_above_one_noise_threshold",
    "Spectrum",
]
