"""Theory figures. Each module registers its figures with :func:`figure`; ``sdtheory figures``
renders them (PNG, PDF or SVG, with the data as CSV and the parameters as JSON beside it).
Importing this package imports matplotlib (not JAX unless a figure runs simulation, which imports
it lazily)."""

# registration order is the order of ``sdtheory list`` and of the gallery
from . import ridge as ridge  # noqa: I001
from . import iterated as iterated
from . import asymptotics as asymptotics
from . import classification as classification
from . import classification_gmm as classification_gmm
from . import classification_multistage as classification_multistage
from . import partial_label as partial_label
from . import bridge as bridge
from . import bridge_predict as bridge_predict
from ._registry import DEFAULT_DPI as DEFAULT_DPI
from ._registry import FORMATS as FORMATS
from ._registry import REGISTRY as REGISTRY
from ._registry import FigureOutput as FigureOutput
from ._registry import figure as figure
from ._registry import render as render

__all__ = ["REGISTRY", "FigureOutput", "figure", "render", "FORMATS", "DEFAULT_DPI"]
