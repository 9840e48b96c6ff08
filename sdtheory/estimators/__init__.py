"""scikit-learn estimators for self-distillation on your own data.

:class:`SelfDistilledRidge`, :class:`SelfDistilledKernelRidge` and
:class:`SelfDistilledLogisticRegression` fit a teacher and ``steps`` distillation steps with the
package's closed forms and solvers, and work with ``clone``, ``Pipeline`` and ``GridSearchCV``.
``alpha`` is the summed-loss penalty (scikit-learn's, the package's ``λ``); ``xi`` is the weight
on the teacher. Importing this module imports scikit-learn, never JAX.
See the theory pages :doc:`/theory/ridge`, :doc:`/theory/iterated` and
:doc:`/theory/classification`.
"""

from ._kernel import SelfDistilledKernelRidge as SelfDistilledKernelRidge
from ._logistic import SelfDistilledLogisticRegression as SelfDistilledLogisticRegression
from ._ridge import SelfDistilledRidge as SelfDistilledRidge

__all__ = ["SelfDistilledKernelRidge", "SelfDistilledLogisticRegression", "SelfDistilledRidge"]
