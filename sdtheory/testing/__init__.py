r"""Tools for property-testing your own predictions: hypothesis strategies and a z-test assertion.

The package checks every closed form against simulation with these helpers; they are public so
that a user deriving a new prediction can do the same:

* hypothesis strategies for the objects the theory takes -- :func:`spectra`, :func:`designs`,
  :func:`linear_problems`, :func:`kernel_matrices`, :func:`kernel_problems` -- and for the SD
  parameters, :func:`xis` (ξ anywhere on the real line) and :func:`lams` (λ over many decades);
* :func:`assert_matches_monte_carlo`, which compares a theory value (or array) with a Monte
  Carlo estimate ``(mean, se, n)`` by a z-test, corrected for multiple comparisons.

The strategies build NumPy data and :mod:`sdtheory.problem` / :class:`~sdtheory.ridge.Spectrum`
objects only (no JAX). Sizes are small by default (at most 8 rows, columns or eigenvalues) so a
property test stays fast; every size has a keyword argument. This module needs ``hypothesis``
(``pip install "sdtheory[testing]"``) and is not imported by ``import sdtheory``.

See the page :doc:`/testing` for a worked example, and the theory page :doc:`/theory/ridge` for
the risks the objects describe.
"""

from ._assert import assert_matches_monte_carlo as assert_matches_monte_carlo
from ._assert import bonferroni_z as bonferroni_z
from ._problems import designs as designs
from ._problems import kernel_matrices as kernel_matrices
from ._problems import kernel_problems as kernel_problems
from ._problems import linear_problems as linear_problems
from ._scalars import lams as lams
from ._scalars import spectra as spectra
from ._scalars import xis as xis

__all__ = [
    "assert_matches_monte_carlo",
    "bonferroni_z",
    "designs",
    "kernel_matrices",
    "kernel_problems",
    "lams",
    "linear_problems",
    "spectra",
    "xis",
]
