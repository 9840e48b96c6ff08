"""Public face of the sympy derivations of the one-step ridge theory.

Importing this module imports sympy; ``import sdtheory`` does not, so the core package
stays light. Usage::

    import sdtheory.ridge.symbolic as sym
    d = sym.derive_optimal_xi(2, weights="diagonal")   # d.expr (sympy)
    d(spectrum, lam=0.5)                                # numeric, at a Spectrum of rank 2

The derivation is independent of the numeric code of :mod:`sdtheory.ridge`; the tests hold one
against the other. See the theory page :doc:`/theory/ridge`.
"""

from ._sym_optima import derive_boundary_optima as derive_boundary_optima
from ._sym_optima import derive_gain_identity as derive_gain_identity
from ._sym_optima import derive_noise_limits as derive_noise_limits
from ._sym_optima import derive_noise_threshold as derive_noise_threshold
from ._sym_optima import derive_optimal_xi as derive_optimal_xi
from ._sym_optima import derive_sd_quadratic as derive_sd_quadratic
from ._sym_risk import Derivation as Derivation
from ._sym_risk import SymbolicProblem as SymbolicProblem
from ._sym_risk import derive_sd_risk as derive_sd_risk
from ._sym_risk import derive_student_filter as derive_student_filter

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
