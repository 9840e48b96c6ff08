"""Theory figures. Each module registers its figures with :func:`figure`; ``sdtheory figures``
renders them. Importing this package imports matplotlib (not JAX unless a figure runs
simulation, which imports it lazily)."""

from . import ridge as ridge  # noqa: F401  (issue 2)
from . import iterated as iterated  # noqa: F401  (issue 3)
from . import asymptotics as asymptotics  # noqa: F401  (issue 4)
from . import classification as classification  # noqa: F401  (issue 5)
from . import bridge as bridge  # noqa: F401  (issue 6)
from ._registry import REGISTRY as REGISTRY
from ._registry import FigureOutput as FigureOutput
from ._registry import figure as figure
from ._registry import render as render
