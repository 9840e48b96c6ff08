"""JAX Monte Carlo: sample label noise / designs, fit estimators by real solves, report mean ± SE.

Importing this package imports JAX. Simulation code never imports the theory it checks.
"""

# --- ridge, fixed design (issue 2) ---
# --- kernel / iterated (issue 3) ---
# --- random design (issue 4) ---
# --- classification (issue 5) ---
