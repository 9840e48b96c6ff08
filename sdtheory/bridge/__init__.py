"""Deep-net bridge: small JAX networks trained with the SD loss on bundled data (issue 6).

JAX is imported lazily inside the functions, never at import time of this package.
"""

from ._data import corrupt_labels as corrupt_labels
from ._data import load_dataset as load_dataset
from ._data import split_dataset as split_dataset
from ._runner import DEFAULT_XIS as DEFAULT_XIS
from ._runner import QUICK_XIS as QUICK_XIS
from ._runner import plot_bridge as plot_bridge
from ._runner import run_bridge as run_bridge
from ._runner import summarize_bridge as summarize_bridge

__all__ = ["run_bridge", "summarize_bridge", "plot_bridge", "load_dataset", "split_dataset",
           "corrupt_labels", "DEFAULT_XIS", "QUICK_XIS"]
