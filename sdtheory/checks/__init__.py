"""Theory-vs-simulation checks for ``sdtheory check`` (one module per part of the theory)."""

# registration order is the order of ``sdtheory list`` and of the check table
from . import ridge as ridge  # noqa: I001
from . import iterated as iterated
from . import asymptotics as asymptotics
from . import classification as classification
from . import multistage as multistage
from . import partial_label as partial_label
from ._registry import REGISTRY as REGISTRY
from ._registry import Z_LIMIT as Z_LIMIT
from ._registry import check as check
from ._registry import run_checks as run_checks

__all__ = ["REGISTRY", "Z_LIMIT", "check", "run_checks"]
