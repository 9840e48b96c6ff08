"""Bad input to the ridge-theory prediction of the best ξ (predict_xi, predict_bridge_xi) and to
the measured side (measured_best_xi): a ValueError/TypeError naming the argument, never a silent
NaN. None of these calls trains a net (no JAX).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdtheory.bridge._config import BridgeConfig
from sdtheory.bridge._predict import predict_bridge_xi, predict_xi
from sdtheory.bridge._predict_cli import measured_best_xi

RNG = np.random.default_rng(0)
X = RNG.standard_normal((40, 5))
LABELS = RNG.integers(0, 3, 40)

BAD = [
    # X
    ("X", None, TypeError),
    ("X", "abc", (TypeError, ValueError)),
    ("X", np.ones(40), ValueError),
    ("X", np.full((40, 5), np.nan), ValueError),
    ("X", np.full((40, 5), np.inf), ValueError),
    ("X", np.ones((2, 5)), ValueError),
    ("X", np.zeros((40, 5)), ValueError),  # rank 0
    # labels
    ("labels", None, TypeError),
    ("labels", "abc", TypeError),
    ("labels", np.arange(39), ValueError),
    ("labels", np.full(40, 0.5), TypeError),
    ("labels", np.full(40, np.nan), TypeError),
    ("labels", -np.ones(40, dtype=int), ValueError),
    ("labels", np.ones((40, 2, 2)), ValueError),
    ("labels", np.full((40, 2), np.inf), ValueError),
    ("labels", np.ones((39, 2)), ValueError),
    ("labels", np.ones(40, dtype=bool), TypeError),
    # lam
    ("lam", None, TypeError),
    ("lam", "1", (TypeError, ValueError)),
    ("lam", 0.0, ValueError),
    ("lam", -1.0, ValueError),
    ("lam", np.nan, ValueError),
    ("lam", np.inf, ValueError),
    ("lam", np.ones((2, 2)), ValueError),
    ("lam", 1j, (TypeError, ValueError)),
    # n_classes
    ("n_classes", 2, ValueError),  # below max(labels) + 1
    ("n_classes", 1, ValueError),
    ("n_classes", 2.5, (TypeError, ValueError)),
    ("n_classes", "3", TypeError),
    ("n_classes", np.array([3, 4]), (TypeError, ValueError)),
    # options
    ("method", "exact", ValueError),
    ("method", None, (TypeError, ValueError)),
    ("uncertainty", "bootstrap", ValueError),
    ("uncertainty", 1, (TypeError, ValueError)),
    ("fit_intercept", "yes", TypeError),
    ("fit_intercept", None, TypeError),
    ("fit_intercept", np.ones(2), TypeError),
]


@pytest.mark.parametrize("name, value, exc", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_predict_xi_bad_input(name, value, exc):
    kw = dict(X=X, labels=LABELS, lam=[1.0, 10.0])
    kw[name] = value
    Xv, lv = kw.pop("X"), kw.pop("labels")
    with pytest.raises(exc) as info:
        predict_xi(Xv, lv, **kw)
    assert name in str(info.value) or name.lower() in str(info.value).lower()


def test_predict_xi_target_matrix_n_classes_mismatch():
    with pytest.raises(ValueError, match="n_classes"):
        predict_xi(X, np.eye(3)[LABELS], lam=1.0, n_classes=4)


def test_predict_xi_interpolating_lam():
    """p ≥ n with a tiny λ: df1 → 1, reported instead of a silent inf."""
    Xw = RNG.standard_normal((10, 30))
    with pytest.raises(ValueError, match="lam"):
        predict_xi(Xw, RNG.integers(0, 2, 10), lam=1e-14, fit_intercept=False)


def test_predict_xi_keyword_only():
    with pytest.raises(TypeError):
        predict_xi(X, LABELS, 1.0)


# ----------------------------------------------------------------- predict_bridge_xi


@pytest.mark.parametrize(
    "kw, exc, name",
    [
        (dict(lam=0.0), ValueError, "lam"),
        (dict(lam=np.nan), ValueError, "lam"),
        (dict(lam="1"), (TypeError, ValueError), "lam"),
        (dict(lam=np.ones((2, 2))), ValueError, "lam"),
        (dict(corruption=1.5), ValueError, "corruption"),
        (dict(corruption=0.6), ValueError, "corruption"),  # binary: must stay below 0.5
        (dict(seeds="2"), (TypeError, ValueError), "seeds"),
        (dict(dataset="nope"), ValueError, "dataset"),
        (dict(no_such_field=1), TypeError, "no_such_field"),
    ],
)
def test_predict_bridge_xi_bad_input(kw, exc, name):
    base = dict(dataset="breast_cancer", seeds=1, corruption=0.3, lam=10.0)
    base.update(kw)
    with pytest.raises(exc) as info:
        predict_bridge_xi(**base)
    assert name in str(info.value)


@pytest.mark.parametrize("config", ["digits", 3, {"dataset": "wine"}])
def test_predict_bridge_xi_bad_config(config):
    with pytest.raises(TypeError, match="config"):
        predict_bridge_xi(config, lam=1.0)


def test_predict_bridge_xi_config_positional_only():
    with pytest.raises(TypeError):
        predict_bridge_xi(config=BridgeConfig(), lam=1.0)


# ----------------------------------------------------------------- measured_best_xi

RUNS = pd.DataFrame(
    {
        "dataset": "d",
        "model": "linear",
        "corruption": 0.3,
        "xi": [0.0, 1.0] * 2,
        "seed": [0, 0, 1, 1],
        "test_acc": [0.8, 0.9, 0.85, 0.95],
    }
)


@pytest.mark.parametrize(
    "runs, kw, exc, name",
    [
        (None, {}, TypeError, "runs"),
        (RUNS.to_dict(), {}, TypeError, "runs"),
        (RUNS.drop(columns="test_acc"), {}, ValueError, "test_acc"),
        (RUNS.iloc[:0], {}, ValueError, "runs"),
        (RUNS.iloc[:3], {}, ValueError, "runs"),  # a missing (seed, xi) pair
        (RUNS.assign(test_acc=[0.8, np.nan, 0.85, 0.95]), {}, ValueError, "test_acc"),
        (RUNS.assign(xi=[0.0, np.inf, 0.0, np.inf]), {}, ValueError, "xi"),
        (RUNS.assign(test_acc="a"), {}, ValueError, "test_acc"),
        (RUNS, dict(n_boot=0), ValueError, "n_boot"),
        (RUNS, dict(n_boot=2.5), (TypeError, ValueError), "n_boot"),
        (RUNS, dict(n_boot="10"), TypeError, "n_boot"),
        (RUNS, dict(seed=-1), ValueError, "seed"),
        (RUNS, dict(seed=np.ones(2)), (TypeError, ValueError), "seed"),
    ],
)
def test_measured_best_xi_bad_input(runs, kw, exc, name):
    with pytest.raises(exc) as info:
        measured_best_xi(runs, **kw)
    assert name in str(info.value)


@pytest.mark.parametrize(
    "argv, word",
    [
        (["--name", "a/b"], "--name"),
        (["--name", ".hidden"], "--name"),
        (["--lam", "nan"], "--lam"),
        (["--xis", "one"], "--xis"),
        (["--corruption", "inf"], "--corruption"),
        (["--seeds", "2.5"], "--seeds"),
    ],
)
def test_cli_bad_arguments_print_one_line(tmp_path, capsys, argv, word):
    from sdtheory.cli import main

    try:
        rc = main(["bridge-predict", *argv, "--out", str(tmp_path)])
    except SystemExit as exc:  # argparse errors exit from inside parse_args
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and word in err[0], err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written
