"""Bad input to every public callable of :mod:`sdtheory.bridge` gives a ValueError/TypeError that
names the argument (strings, None, complex numbers, arrays where a scalar belongs, NaN/inf,
non-integer or non-positive counts, fractions outside their range).

All arguments are checked before any training, so none of these calls imports or runs JAX. The
settings of :func:`run_bridge` are the fields of :class:`BridgeConfig`, checked when the config
is built (``BridgeConfig(**kw)``) and again when they are given to ``run_bridge`` as overrides.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdtheory.bridge as B

SMALL = dict(model="linear", corruption=0.3, xi=(0.0, 2.0), seeds=1, quick=True, train_steps=5)

BAD_RUN = [
    # strings, None and complex numbers where numbers belong
    ("corruption", "0.3"),
    ("corruption", None),
    ("corruption", 0.3 + 0j),
    ("xi", "1"),
    ("xi", (0.0, None)),
    ("xi", (1j,)),
    ("lr", "fast"),
    ("lr", 1j),
    ("teacher_lam", "a"),
    ("teacher_lam", 1j),
    ("student_lam", "a"),
    ("student_lam", (1.0, None)),
    ("temperature", "hot"),
    ("temperature", None),
    ("channels", "8"),
    ("tol", "x"),
    ("seed", "0"),
    ("seed", None),
    ("seeds", "5"),
    ("seeds", None),
    ("train_steps", "many"),
    ("width", "8"),
    ("depth", None),
    ("val_fraction", "0.2"),
    ("val_fraction", None),
    ("test_fraction", 1j),
    ("chunk", "10"),
    ("max_train_steps", "3"),
    ("quick", "yes"),
    ("quick", None),
    ("dataset", 3),
    ("dataset", None),
    ("model", 3),
    ("corruption_kind", None),
    ("dtype", "float16"),
    # an array where a scalar belongs
    ("lr", np.ones(2)),
    ("teacher_lam", np.ones((2, 2))),
    ("temperature", np.ones((2, 2))),
    ("val_fraction", np.array([0.2, 0.3])),
    ("tol", np.ones(3)),
    ("seed", np.array([1, 2])),
    ("depth", np.ones(2)),
    ("corruption", np.ones((2, 2)) * 0.1),
    ("xi", np.zeros((2, 2))),
    # NaN and inf
    ("corruption", float("nan")),
    ("corruption", float("inf")),
    ("xi", (0.0, float("nan"))),
    ("xi", (float("-inf"),)),
    ("lr", float("inf")),
    ("lr", float("nan")),
    ("teacher_lam", float("nan")),
    ("teacher_lam", float("inf")),
    ("student_lam", float("nan")),
    ("temperature", float("inf")),
    ("temperature", float("nan")),
    ("tol", float("nan")),
    # non-integer or non-positive counts
    ("seeds", 2.5),
    ("seeds", 0),
    ("seeds", -1),
    ("seeds", (0, 1.5)),
    ("seeds", True),
    ("train_steps", 10.5),
    ("train_steps", 0),
    ("width", 8.0),
    ("width", 0),
    ("channels", 0),
    ("channels", 2.5),
    ("depth", 1.5),
    ("depth", 0),
    ("depth", 3),
    ("chunk", 0),
    ("max_train_steps", 0),
    ("max_train_steps", 2.0),
    ("seed", -1),
    ("seed", 1.5),
    # fractions outside their range, other out-of-range values
    ("corruption", 1.2),
    ("corruption", -0.1),
    ("corruption", 0.95),
    ("corruption", (0.3, 0.3)),
    ("val_fraction", 1.5),
    ("val_fraction", 0.0),
    ("test_fraction", -0.2),
    ("test_fraction", 1.0),
    ("lr", 0.0),
    ("lr", -1.0),
    ("teacher_lam", -1e-3),
    ("student_lam", (1.0, -1.0)),
    ("student_lam", (1.0, 1.0)),
    ("temperature", 0.0),
    ("temperature", -1.0),
    ("temperature", ()),
    ("tol", 0.0),
    ("xi", ()),
    ("xi", (1.0, 1.0)),
    ("model", ()),
    ("model", ("mlp", "mlp")),
    ("model", "resnet"),
    ("corruption_kind", "pairwise"),
    ("dataset", "mnist"),
    ("teacher_lam", {"cnn": 0.1}),
    ("model", "conv"),  # with a dataset without images (set below)
]


@pytest.mark.parametrize("name,value", BAD_RUN, ids=[f"{n}={v!r}"[:40] for n, v in BAD_RUN])
def test_run_bridge_names_the_argument(name, value):
    kw = dict(SMALL, **{name: value})
    if name == "model" and isinstance(value, str) and value == "conv":
        kw["dataset"] = "wine"
    with pytest.raises((ValueError, TypeError), match=name):
        B.BridgeConfig(**kw)
    with pytest.raises((ValueError, TypeError), match=name):
        B.run_bridge(progress=False, **kw)


def test_every_config_field_has_a_bad_input_case():
    import dataclasses

    fields = {f.name for f in dataclasses.fields(B.BridgeConfig)}
    covered = {n for n, _ in BAD_RUN} | {"n_samples", "n_features", "n_classes"}
    assert fields <= covered, sorted(fields - covered)


@pytest.mark.parametrize("value", ["no", 1, np.ones(2)])
def test_run_bridge_progress(value):
    with pytest.raises(TypeError, match="progress"):
        B.run_bridge(B.BridgeConfig(**SMALL), progress=value)


def test_run_bridge_config_and_overrides():
    with pytest.raises(TypeError, match="config must be a BridgeConfig"):
        B.run_bridge("digits")
    with pytest.raises(TypeError, match="unknown settings.*weight_decay"):
        B.run_bridge(B.BridgeConfig(**SMALL), weight_decay=0.1)
    with pytest.raises(TypeError):
        B.run_bridge(B.BridgeConfig(**SMALL), B.BridgeConfig())  # one config only


@pytest.mark.parametrize(
    "name,value",
    [
        ("n_samples", "100"),
        ("n_samples", 100.5),
        ("n_samples", 0),
        ("n_samples", None),
        ("n_features", 2.0),
        ("n_features", 0),
        ("n_classes", 1),
        ("n_classes", 2.5),
    ],
)
def test_run_bridge_mixture_sizes(name, value):
    if value is None:  # n_samples=None is the default: given for a fixed dataset instead
        with pytest.raises(ValueError, match="n_features"):
            B.BridgeConfig(dataset="digits", **dict(SMALL, n_features=5))
        return
    with pytest.raises((ValueError, TypeError), match=name):
        B.BridgeConfig(dataset="gaussian_mixture", **dict(SMALL, **{name: value}))


@pytest.mark.parametrize(
    "name,value",
    [
        ("name", 3),
        ("name", None),
        ("name", "mnist"),
        ("n_samples", "10"),
        ("n_samples", 10.5),
        ("n_samples", 5),
        ("n_features", 0),
        ("n_classes", 1),
        ("n_classes", 2.0),
        ("separation", "a"),
        ("separation", None),
        ("separation", 1j),
        ("separation", np.ones(2)),
        ("separation", float("nan")),
        ("separation", float("inf")),
        ("separation", 0.0),
        ("separation", -1.0),
        ("seed", -1),
        ("seed", 1.5),
        ("seed", "0"),
        ("seed", None),
    ],
)
def test_load_dataset_names_the_argument(name, value):
    kw = {"n_samples": 100} if name != "n_samples" else {}
    kw[name] = value
    dataset = kw.pop("name", "gaussian_mixture")
    with pytest.raises((ValueError, TypeError), match=name if name != "name" else "name"):
        B.load_dataset(dataset, **kw)


def _xy(n=60, d=3, k=3):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, d)), np.arange(n) % k


@pytest.mark.parametrize(
    "name,make",
    [
        ("X", lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 4, np.nan, X), y)),
        ("X", lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 4, np.inf, X), y)),
        ("X", lambda X, y: ("abc", y)),
        ("X", lambda X, y: (None, y)),
        ("X", lambda X, y: (X + 1j, y)),
        ("X", lambda X, y: (X[:, 0], y)),
        ("y", lambda X, y: (X, y.astype(float) + 0.5)),
        ("y", lambda X, y: (X, y[:-1])),
        ("y", lambda X, y: (X, None)),
        ("y", lambda X, y: (X, "labels")),
        ("y", lambda X, y: (X, -y - 1)),
    ],
)
def test_split_dataset_data(name, make):
    X, y = make(*_xy())
    with pytest.raises((ValueError, TypeError), match=name):
        B.split_dataset(X, y, seed=0)


@pytest.mark.parametrize(
    "name,value",
    [
        ("seed", -1),
        ("seed", 1.5),
        ("seed", "0"),
        ("seed", None),
        ("val_fraction", "0.2"),
        ("val_fraction", None),
        ("val_fraction", 1j),
        ("val_fraction", np.ones(2)),
        ("val_fraction", float("nan")),
        ("val_fraction", 0.0),
        ("val_fraction", 1.0),
        ("test_fraction", -0.1),
        ("test_fraction", float("inf")),
        ("test_fraction", 0.9),
    ],
)
def test_split_dataset_options(name, value):
    X, y = _xy()
    kw = {"seed": 0, name: value}
    with pytest.raises((ValueError, TypeError), match=name.split("_")[0]):
        B.split_dataset(X, y, **kw)


@pytest.mark.parametrize(
    "name,kw",
    [
        ("labels", dict(labels="abc")),
        ("labels", dict(labels=None)),
        ("labels", dict(labels=[0.5, 1.5])),
        ("labels", dict(labels=[-1, 0])),
        ("labels", dict(labels=[[0, 1]])),
        ("corruption", dict(corruption="0.3")),
        ("corruption", dict(corruption=None)),
        ("corruption", dict(corruption=0.3j)),
        ("corruption", dict(corruption=np.ones(2))),
        ("corruption", dict(corruption=float("nan"))),
        ("corruption", dict(corruption=1.5)),
        ("corruption", dict(corruption=-0.1)),
        ("n_classes", dict(n_classes=1)),
        ("n_classes", dict(n_classes=2.5)),
        ("corruption_kind", dict(corruption_kind="pairwise")),
        ("seed", dict(seed=-1)),
        ("seed", dict(seed="1")),
        ("stream", dict(stream=-1)),
    ],
)
def test_corrupt_labels_names_the_argument(name, kw):
    args = dict(labels=np.arange(20) % 4, corruption=0.3)
    args.update(kw)
    labels, corruption = args.pop("labels"), args.pop("corruption")
    with pytest.raises((ValueError, TypeError), match=name):
        B.corrupt_labels(labels, corruption=corruption, per_class=False, **args)


def _runs():
    return pd.DataFrame(
        {
            "dataset": "d",
            "model": "m",
            "corruption_kind": "symmetric",
            "corruption": 0.3,
            "xi": [0.0, 2.0, 0.0, 2.0],
            "seed": [0, 0, 1, 1],
            "test_acc": [0.5, 0.7, 0.6, 0.7],
            "corrupted_train_acc": [0.4, 0.5, 0.4, 0.6],
        }
    )


@pytest.mark.parametrize("fn", [B.summarize_bridge, B.plot_bridge], ids=["summarize", "plot"])
@pytest.mark.parametrize(
    "df,match",
    [
        (None, "df"),
        ("runs.csv", "df"),
        ({"xi": [0.0]}, "df"),
        (lambda d: d.drop(columns="xi"), "df is missing columns"),
        (lambda d: d.iloc[:0], "df must not be empty"),
        (lambda d: d.assign(xi=[0.0, np.nan, 0.0, 2.0]), "df\\['xi'\\]"),
        (lambda d: d.assign(xi=["0", "2", "0", "2"]), "df\\['xi'\\]"),
        (lambda d: d.assign(corruption=np.inf), "df\\['corruption'\\]"),
        (lambda d: d.assign(test_acc=[0.5, 1.5, 0.6, 0.7]), "df\\['test_acc'\\]"),
        (lambda d: d.assign(test_acc=np.nan), "df\\['test_acc'\\]"),
    ],
)
def test_summary_and_plot_check_the_table(fn, df, match):
    table = df(_runs()) if callable(df) else df
    with pytest.raises((ValueError, TypeError), match=match):
        fn(table)


def test_plot_needs_one_lam_and_temperature_setting_per_model():
    df = pd.concat([_runs().assign(temperature=1.0), _runs().assign(temperature=2.0)])
    with pytest.raises(ValueError, match="several.*temperature"):
        B.plot_bridge(df)


def test_summarize_metric_and_plot_title():
    with pytest.raises(TypeError, match="metric"):
        B.summarize_bridge(_runs(), metric=3)
    with pytest.raises(ValueError, match="missing columns"):
        B.summarize_bridge(_runs(), metric="val_acc")
    with pytest.raises(TypeError, match="title"):
        B.plot_bridge(_runs(), title=3)


def test_public_callables_are_all_covered():
    """Every public callable of sdtheory.bridge has a bad-input test in this file (the JAX loss,
    ``sd_cross_entropy`` and ``sd_targets``, in tests/test_bad_input_loss.py; the prediction of
    the best ξ in tests/test_bad_input_predict.py)."""
    covered = {
        "run_bridge",
        "load_dataset",
        "split_dataset",
        "corrupt_labels",
        "summarize_bridge",
        "plot_bridge",
        "sd_cross_entropy",
        "sd_targets",
        "predict_xi",
        "predict_bridge_xi",
        "measured_best_xi",
    }
    public = {
        n for n in B.__all__ if callable(getattr(B, n)) and not isinstance(getattr(B, n), type)
    }
    assert public == covered
