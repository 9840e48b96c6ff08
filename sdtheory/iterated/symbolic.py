"""Public face of the sympy derivations for iterated self-distillation.

Importing this module imports sympy; ``import sdtheory`` does not. Usage::

    import sdtheory.iterated.symbolic as sym
    d = sym.multistep_poly_symbolic(2)   # the k-step filter as a polynomial in the ridge filter

See the theory page :doc:`/theory/iterated`.
"""

from ._symbolic import collapse_multiplier_symbolic as collapse_multiplier_symbolic
from ._symbolic import ground_truth_recursion_symbolic as ground_truth_recursion_symbolic
from ._symbolic import multistep_poly_symbolic as multistep_poly_symbolic
from ._symbolic import multistep_risk_quadratic_symbolic as multistep_risk_quadratic_symbolic
from ._symbolic import optimal_alpha_symbolic as optimal_alpha_symbolic

__all__ = [
    "collapse_multiplier_symbolic",
    "ground_truth_recursion_symbolic",
    "multistep_poly_symbolic",
    "multistep_risk_quadratic_symbolic",
    "optimal_alpha_symbolic",
]
