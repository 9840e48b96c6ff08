"""Theory-vs-simulation checks for ``sdtheory check`` (one module per theory note)."""

from . import ridge as ridge  # noqa: F401  (issue 2)
from . import iterated as iterated  # noqa: F401  (issue 3)
from . import asymptotics as asymptotics  # noqa: F401  (issue 4)
from . import classification as classification  # noqa: F401  (issue 5)
from ._registry import REGISTRY as REGISTRY
from ._registry import check as check
from ._registry import run_checks as run_checks
