"""The settings of one deep-net bridge experiment: :class:`BridgeConfig` (NumPy only, no JAX).

Every field is documented once, in its ``metadata["doc"]``; the class docstring and the
``sdtheory bridge`` options (:mod:`._cli`) are generated from those entries, so the Python API,
the CLI and the docs cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np

from .._labels import CORRUPTION_KINDS, _check_corruption
from .._validate import check_choice, check_int, check_scalar
from ._data import DATASETS

__all__ = [
    "BridgeConfig",
    "DEFAULT_XI_GRID",
    "QUICK_XI_GRID",
    "MODELS",
    "DEFAULTS",
    "LAM_DEFAULTS",
]

#: Default ξ grid: [0, 6], dense around 1.
DEFAULT_XI_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0)
#: ξ grid of quick mode.
QUICK_XI_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 4.0)
#: Models: softmax regression (linear probe), a ReLU MLP (``depth`` hidden layers) and a small
#: convolutional net on 8×8 images (digits only).
MODELS = ("linear", "mlp", "conv")
#: Default λ of the summed loss ``Σ_i CE_i + (λ/2)Σ‖W‖²`` per model. linear and mlp: the
#: validation-tuned mean-loss weight decays 0.1 and 0.03 on digits (tuning seeds 100–101, plain
#: CE, corruption 0.3 and 0.5) times ``n_train = 1077``, rounded (107.7 → 100, 32.3 → 30).
#: conv: not tuned, the MLP's value.
LAM_DEFAULTS = {"linear": 100.0, "mlp": 30.0, "conv": 30.0}
#: Settings that depend on the mode (full/quick) and the defaults of the no-budget mode.
DEFAULTS = {
    "full": {"train_steps": 1000, "width": 128, "channels": 16, "lr": 0.01},
    "quick": {"train_steps": 150, "width": 32, "channels": 8, "lr": 0.02},
    "chunk": 50,
    "max_train_steps": 20000,
    "tol": 1e-4,
}
#: Datasets with images the ``conv`` model can read, and their (height, width).
IMAGE_SHAPES = {"digits": (8, 8)}
#: Class counts of the bundled datasets, known without loading them (gaussian_mixture: its
#: ``n_classes``, default 10; every class is present since its labels are ``arange(n) % K``).
N_CLASSES = {"digits": 10, "breast_cancer": 2, "wine": 3, "mnist1d": 10}


def n_classes_of(dataset: str, n_classes: int | None = None) -> int:
    """Number of classes ``K`` of a bundled dataset without loading it."""
    if dataset in N_CLASSES:
        return N_CLASSES[dataset]
    return 10 if n_classes is None else int(n_classes)


def _f(default, doc, cli=None):
    return field(default=default, metadata={"doc": doc, "cli": cli or {}})


def _as_tuple(x, name):
    if isinstance(x, (str, bytes, Real, Integral, complex)) or x is None or np.ndim(x) == 0:
        return (x,)
    try:
        return tuple(x)
    except TypeError:
        raise TypeError(
            f"{name} must be a value or a sequence of values, got {type(x).__name__}"
        ) from None


def _grid(x, name, *, unique=True, **limits):
    vals = _as_tuple(x, name)
    if len(vals) == 0:
        raise ValueError(f"{name} must not be empty")
    out = tuple(check_scalar(v, name, **limits) for v in vals)
    if unique and len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat values, got {list(out)}")
    return out


def _opt_int(x, name, minimum):
    return None if x is None else check_int(x, name, minimum=minimum)


def _bool(x, name):
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    raise TypeError(f"{name} must be True or False, got {type(x).__name__}")


@dataclass(frozen=True)
class BridgeConfig:
    dataset: str = _f(
        "digits",
        "Bundled data (offline, see :func:`load_dataset`): digits, breast_cancer, wine, "
        "mnist1d (needs the optional package ``mnist1d``), gaussian_mixture (alias synthetic).",
        {"choices": DATASETS},
    )
    model: tuple = _f(
        ("linear", "mlp"),
        "Models, each in :data:`MODELS`: linear (softmax regression), mlp (ReLU MLP, ``depth`` "
        "hidden layers of ``width``), conv (3×3 convolution with ``channels`` maps, 2×2 average "
        "pooling, a hidden layer of ``width``; digits only).",
        {"nargs": "+"},
    )
    corruption: tuple = _f(
        (0.3, 0.5),
        "Corrupted fractions of the training labels, each in [0, 1) and below (K−1)/K for "
        "symmetric corruption (below 0.5 for asymmetric corruption or binary data), so the clean "
        "label stays the majority (checked on construction: K is known without loading); "
        "validation and test labels stay clean.",
        {"nargs": "+", "type": "real"},
    )
    corruption_kind: str = _f(
        "symmetric",
        "symmetric (uniform over the other classes) or asymmetric (k → k+1 mod K).",
        {"choices": CORRUPTION_KINDS},
    )
    xi: tuple | None = _f(
        None,
        "ξ, the weight on the teacher: one value or a grid of alternatives (one student "
        "each), any finite reals (negative included), no repeats; None: :data:`DEFAULT_XI_GRID` "
        "(quick: :data:`QUICK_XI_GRID`).",
        {"nargs": "+", "type": "real"},
    )
    seeds: int | tuple = _f(
        5,
        "Number of seeds >= 1 (seed, seed+1, ...) or explicit seeds >= 0. A row depends only on "
        "its own seed and settings.",
        {"nargs": "+", "type": "int"},
    )
    seed: int = _f(0, "First seed (>= 0) when ``seeds`` is a count.", {"type": "int"})
    quick: bool = _f(
        False, "Small budget, width and channels, ξ grid QUICK_XI_GRID (seconds).", {"flag": True}
    )
    train_steps: int | str | None = _f(
        "auto",
        "Full-batch Adam steps >= 1 of the teacher and of each student, with a cosine-decayed "
        "learning rate; 'auto': 1000 (quick 150); None: train until every run's gradient norm "
        "is below ``tol`` (at most ``max_train_steps``, constant learning rate), which for ξ "
        "outside [0, 1] needs λ > 0 and no MLP of depth 2 or conv net (the fixed step budget "
        "is part of the method for ξ > 1).",
        {"type": "train_steps"},
    )
    teacher_lam: float | tuple | None = _f(
        None,
        "Teacher λ >= 0 on the summed loss Σ_i CE_i + (λ/2)Σ‖W‖² (biases not penalized), one "
        "value or a grid; None: per model :data:`LAM_DEFAULTS`.",
        {"nargs": "+", "type": "real"},
    )
    student_lam: float | tuple | None = _f(
        None,
        "Student λ >= 0 on the same scale, one value or a grid crossed with ``teacher_lam``; "
        "None: each student uses its teacher's λ.",
        {"nargs": "+", "type": "real"},
    )
    temperature: float | tuple = _f(
        1.0,
        "Teacher temperature T > 0, one value or a grid: the student target uses the teacher's "
        "softmax(z/T); T = 1 is the plain teacher.",
        {"nargs": "+", "type": "real"},
    )
    lr: float | None = _f(
        None, "Adam learning rate > 0; None: 0.01 (quick 0.02).", {"type": "real"}
    )
    width: int | None = _f(
        None, "Hidden width >= 1 of the mlp and conv models; None: 128 (quick 32).", {"type": "int"}
    )
    depth: int = _f(1, "Hidden layers of the mlp: 1 or 2.", {"type": "int"})
    channels: int | None = _f(
        None, "Feature maps >= 1 of the conv model; None: 16 (quick 8).", {"type": "int"}
    )
    n_samples: int | None = _f(
        None, "gaussian_mixture size (default 2000; only for it).", {"type": "int"}
    )
    n_features: int | None = _f(
        None, "gaussian_mixture dimension (default 20; only for it).", {"type": "int"}
    )
    n_classes: int | None = _f(
        None, "gaussian_mixture classes (default 10; only for it).", {"type": "int"}
    )
    val_fraction: float = _f(0.2, "Validation fraction in (0, 1).", {"type": "real"})
    test_fraction: float = _f(
        0.2, "Test fraction in (0, 1); val_fraction + test_fraction < 1.", {"type": "real"}
    )
    dtype: str = _f(
        "float32",
        "Training precision: float32 or float64 (float64 runs inside JAX's x64 mode).",
        {"choices": ("float32", "float64")},
    )
    chunk: int | None = _f(None, "Steps per compiled call >= 1; None: 50.", {"type": "int"})
    tol: float | None = _f(
        None, "Gradient-norm tolerance > 0 when train_steps is None; None: 1e-4.", {"type": "real"}
    )
    max_train_steps: int | None = _f(
        None, "Step cap >= 1 when train_steps is None; None: 20000.", {"type": "int"}
    )

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        check_choice(self.dataset, "dataset", DATASETS)
        models = _as_tuple(self.model, "model")
        if len(models) == 0:
            raise ValueError("model must not be empty")
        for m in models:
            check_choice(m, "model", MODELS)
        if len(set(models)) != len(models):
            raise ValueError(f"model must not repeat, got {list(models)}")
        if "conv" in models and self.dataset not in IMAGE_SHAPES:
            raise ValueError(
                f"model 'conv' needs image data (dataset in {sorted(IMAGE_SHAPES)}), "
                f"got dataset={self.dataset!r}"
            )
        set_("model", models)
        set_("corruption", _grid(self.corruption, "corruption", low=0.0, high=1.0, high_open=True))
        check_choice(self.corruption_kind, "corruption_kind", CORRUPTION_KINDS)
        if self.xi is not None:
            set_("xi", _grid(self.xi, "xi"))
        seed = check_int(self.seed, "seed", minimum=0)
        set_("seed", seed)
        if isinstance(self.seeds, Integral) and not isinstance(self.seeds, (bool, np.bool_)):
            set_("seeds", check_int(self.seeds, "seeds", minimum=1))
        else:
            vals = _as_tuple(self.seeds, "seeds")
            if len(vals) == 0:
                raise ValueError("seeds must not be empty")
            vals = tuple(check_int(s, "seeds", minimum=0) for s in vals)
            if len(set(vals)) != len(vals):
                raise ValueError(f"seeds must not repeat, got {list(vals)}")
            set_("seeds", vals)
        set_("quick", _bool(self.quick, "quick"))
        if isinstance(self.train_steps, str):
            if self.train_steps != "auto":
                raise ValueError(
                    f"train_steps must be an integer >= 1, 'auto' or None, got {self.train_steps!r}"
                )
        elif self.train_steps is not None:
            set_("train_steps", check_int(self.train_steps, "train_steps", minimum=1))
        for name in ("teacher_lam", "student_lam"):
            v = getattr(self, name)
            if v is not None:
                set_(name, _grid(v, name, low=0.0))
        set_("temperature", _grid(self.temperature, "temperature", low=0.0, low_open=True))
        if self.lr is not None:
            set_("lr", check_scalar(self.lr, "lr", low=0.0, low_open=True))
        set_("width", _opt_int(self.width, "width", 1))
        set_("channels", _opt_int(self.channels, "channels", 1))
        depth = check_int(self.depth, "depth", minimum=1)
        if depth > 2:
            raise ValueError(f"depth (hidden layers of the MLP) must be 1 or 2, got {depth}")
        set_("depth", depth)
        synthetic = self.dataset in ("gaussian_mixture", "synthetic")
        for name, low in (("n_samples", 10), ("n_features", 1), ("n_classes", 2)):
            v = getattr(self, name)
            if v is not None and not synthetic:
                raise ValueError(
                    f"{name} only applies to dataset='gaussian_mixture', not {self.dataset!r} "
                    "(a fixed bundled dataset)"
                )
            set_(name, _opt_int(v, name, low))
        # the (K−1)/K limit, as run_bridge checks it on the loaded labels (same message)
        k = n_classes_of(self.dataset, self.n_classes)
        for r in self.corruption:
            _check_corruption(r, k, self.corruption_kind)
        for name in ("val_fraction", "test_fraction"):
            v = check_scalar(
                getattr(self, name), name, low=0, high=1, low_open=True, high_open=True
            )
            set_(name, v)
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError(
                "val_fraction + test_fraction must be < 1, got "
                f"{self.val_fraction + self.test_fraction:g}"
            )
        check_choice(self.dtype, "dtype", ("float32", "float64"))
        set_("chunk", _opt_int(self.chunk, "chunk", 1))
        set_("max_train_steps", _opt_int(self.max_train_steps, "max_train_steps", 1))
        if self.tol is not None:
            set_("tol", check_scalar(self.tol, "tol", low=0.0, low_open=True))
        if self.train_steps is None and any(x < 0 or x > 1 for x in self.xi_grid):
            grids = [self.lam_grid(m) for m in models]
            if any(lam == 0 for t, s in grids for lam in (t if s is None else s)):
                raise ValueError(
                    "student_lam=0 with xi outside [0, 1] and train_steps=None (no budget): the SD "
                    "cross-entropy with target xi*p + (1-xi)*onehot has negative entries and is "
                    "unbounded below; set student_lam > 0 or a step budget `train_steps`"
                )
            if ("mlp" in models and depth >= 2) or "conv" in models:
                raise ValueError(
                    "train_steps=None (no budget) with xi outside [0, 1] and an MLP of depth 2 or "
                    "the conv net: their logits are homogeneous of degree >= 3 in the weights "
                    "while the penalty is quadratic, so the SD loss is unbounded below for "
                    "every λ; set a step budget `train_steps`"
                )

    # ------------------------------------------------------------------ resolved settings
    @property
    def mode(self) -> dict:
        """The full or quick defaults of :data:`DEFAULTS`."""
        return DEFAULTS["quick" if self.quick else "full"]

    @property
    def xi_grid(self) -> tuple:
        """The ξ grid with the default filled in."""
        if self.xi is not None:
            return self.xi
        return QUICK_XI_GRID if self.quick else DEFAULT_XI_GRID

    @property
    def seed_list(self) -> list:
        """The seeds as a list."""
        if isinstance(self.seeds, int):
            return list(range(self.seed, self.seed + self.seeds))
        return list(self.seeds)

    def lam_grid(self, model: str) -> tuple:
        """``(teacher λs, student λs or None for tied)`` of ``model``, defaults filled in."""
        t = self.teacher_lam if self.teacher_lam is not None else (LAM_DEFAULTS[model],)
        return t, self.student_lam if self.student_lam is not None else None

    def resolved(self) -> dict:
        """Every setting with its default filled in (what the run used), JSON-friendly."""
        out = dataclasses.asdict(self)
        mode = self.mode
        out.update(
            xi=list(self.xi_grid),
            seeds=self.seed_list,
            train_steps=mode["train_steps"] if self.train_steps == "auto" else self.train_steps,
            lr=mode["lr"] if self.lr is None else self.lr,
            width=mode["width"] if self.width is None else self.width,
            channels=mode["channels"] if self.channels is None else self.channels,
            chunk=DEFAULTS["chunk"] if self.chunk is None else self.chunk,
            tol=DEFAULTS["tol"] if self.tol is None else self.tol,
            max_train_steps=(
                DEFAULTS["max_train_steps"]
                if self.max_train_steps is None
                else self.max_train_steps
            ),
        )
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


def _docstring() -> str:
    lines = [
        "Settings of one deep-net bridge experiment (frozen; validated on construction).",
        "",
        "Pass it to :func:`run_bridge`; ``dataclasses.replace(config, field=value)`` or",
        "``run_bridge(config, field=value)`` gives a changed copy. Sequences are stored as tuples;",
        "a bad value raises ``TypeError``/``ValueError`` naming the field and its valid range.",
        "The ``sdtheory bridge`` options are generated from these fields (dashes for",
        "underscores), with the texts below as their help.",
        "",
        "Parameters",
        "----------",
    ]
    for f in dataclasses.fields(BridgeConfig):
        lines.append(f"{f.name} : {f.type}, default {f.default!r}")
        lines.append(f"    {f.metadata['doc']}")
    lines += [
        "",
        "Notes",
        "-----",
        "λ is on the package's summed-loss scale: the objective of one run is",
        "``Σ_i CE(q_i, softmax f(x_i)) + (λ/2) Σ_layers ‖W‖²`` (the trainer minimizes it divided",
        "by ``n_train``; same minimizer). A mean-loss weight decay ``wd`` is ``λ = wd · n_train``.",
        "The runs of a model form the grid seeds × corruption × teacher_lam × temperature ×",
        "student_lam × ξ. See :doc:`/theory/bridge`.",
        "",
        "Examples",
        "--------",
        ">>> cfg = BridgeConfig(dataset='wine', model='linear', corruption=0.2, xi=(0, 2))",
        ">>> cfg.model, cfg.corruption, cfg.lam_grid('linear')",
        "(('linear',), (0.2,), ((100.0,), None))",
        ">>> BridgeConfig(temperature=0)",
        "Traceback (most recent call last):",
        "...",
        "ValueError: temperature must be a real number in (0, inf), got 0",
    ]
    return "\n".join(lines)


BridgeConfig.__doc__ = _docstring()
