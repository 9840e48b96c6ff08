"""Public face of the sympy derivations (:mod:`sdtheory.ridge._symbolic`).

Importing this module imports sympy; ``import sdtheory`` does not, so the core package
stays light. Usage::

    import sdtheory.ridge.symbolic as sym
    d = sym.derive_optimal_xi(2, "diagonal")   # d.expr (sympy), d(spectrum, lam) (numeric)
"""

from ._symbolic import Derivation as Derivation
from ._symbolic import SymbolicProblem as SymbolicProblem
from ._symbolic import derive_boundary_optima as derive_boundary_optima
from ._symbolic import derive_gain_identity as derive_gain_identity
from ._symbolic import derive_noise_limits as derive_noise_limits
from ._symbolic import derive_noise_threshold as derive_noise_threshold
from ._symbolic import derive_optimal_xi as derive_optimal_xi
from ._symbolic import derive_sd_quadratic as derive_sd_quadratic
from ._symbolic import derive_sd_risk as derive_sd_risk
from ._symbolic import derive_student_filter as derive_student_filter

__all__ = [
    "Derivation",
    "SymbolicProblem",
    "derive_boundary_optima",
    "derive_gain_identity",
    "derive_noise_limits",
    "derive_noise_threshold",
    "derive_optimal_xi",
    "derive_sd_quadratic",
    "derive_sd_risk",
    "derive_student_filter",
]
