"""One table of test tolerances, each with the reason it is what it is.

Monte Carlo comparisons never use a tuned tolerance: they use ``|mc − theory| ≤ Z·SE`` with
the standard error from the replicates and fixed keys. Deterministic comparisons use the
tolerances below, set by floating-point error of the method, not by what made a test pass.
"""

# z-score bound for theory vs Monte Carlo (≈ 6e-5 two-sided false alarm per comparison
# under normality).
Z = 4.0

# Two float64 routes to the same closed form (different summation orders / a direct linear solve
# on conditioned problems): relative error of a few hundred ulps.
RTOL_EXACT = 1e-10

# sympy-evaluated expressions vs NumPy at random rational points.
RTOL_SYMPY = 1e-9

# Finite-difference derivatives (central, step h ~ 1e-5 relative): O(h²) truncation ≈ 1e-10,
# rounding ≈ eps/h ≈ 1e-11, amplified by the size of the function; relative 1e-6 is safe.
RTOL_FD = 1e-6
