"""Deep-net bridge: small JAX networks trained with the SD loss on bundled data.

A teacher is trained with cross-entropy on corrupted labels; students of the same architecture
are trained on ``q = ξ p_teacher + (1 − ξ) onehot(noisy)`` over a grid of ξ (any real ξ), teacher
and student λ and teacher temperature, all set by one :class:`BridgeConfig`. See the
theory page :doc:`/theory/bridge` and the measured results in ``docs/bridge-results.md``.

The SD loss for your own JAX training loop is :func:`sd_cross_entropy` (targets:
:func:`sd_targets`); the bridge trainer uses the same code. JAX is imported lazily, inside
:func:`run_bridge` and on first access to those two names, never at import time of this package.
"""

from .._labels import CORRUPTION_KINDS as CORRUPTION_KINDS
from .._labels import corrupt_labels as corrupt_labels
from ._config import DEFAULT_XI_GRID as DEFAULT_XI_GRID
from ._config import DEFAULTS as DEFAULTS
from ._config import LAM_DEFAULTS as LAM_DEFAULTS
from ._config import MODELS as MODELS
from ._config import QUICK_XI_GRID as QUICK_XI_GRID
from ._config import BridgeConfig as BridgeConfig
from ._data import DATASETS as DATASETS
from ._data import Split as Split
from ._data import load_dataset as load_dataset
from ._data import split_dataset as split_dataset
from ._runner import run_bridge as run_bridge
from ._summary import plot_bridge as plot_bridge
from ._summary import summarize_bridge as summarize_bridge

__all__ = [
    "BridgeConfig",
    "run_bridge",
    "summarize_bridge",
    "plot_bridge",
    "load_dataset",
    "split_dataset",
    "corrupt_labels",
    "Split",
    "DATASETS",
    "MODELS",
    "CORRUPTION_KINDS",
    "DEFAULT_XI_GRID",
    "QUICK_XI_GRID",
    "DEFAULTS",
    "LAM_DEFAULTS",
    "sd_cross_entropy",
    "sd_targets",
    "predict_xi",
    "predict_bridge_xi",
    "measured_best_xi",
]

# loaded on first use: the JAX loss (``_loss`` imports JAX) and the ridge-theory prediction of
# the best ξ (NumPy/SciPy/pandas)
_LAZY = {
    "sd_cross_entropy": "._loss",
    "sd_targets": "._loss",
    "predict_xi": "._predict",
    "predict_bridge_xi": "._predict",
    "measured_best_xi": "._predict_cli",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
