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


@pytest.mark.parametrize("n_classes", [None, 2, 3])
def test_predict_xi_single_class_labels_are_rejected(n_classes):
    """One class carries no signal: before, ξ̂ = R̂ = SE = 0 came back silently."""
    with pytest.raises(ValueError, match="labels must contain at least 2 distinct classes"):
        predict_xi(X, np.full(40, 1), lam=1.0, n_classes=n_classes)


def test_predict_xi_constant_target_matrix_is_rejected():
    with pytest.raises(ValueError, match="labels"):
        predict_xi(X, np.tile([0.2, 0.8], (40, 1)), lam=1.0)


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
        # the prediction is for the tied-λ, T = 1 experiment
        (dict(teacher_lam=10.0, student_lam=1000.0), ValueError, "student_lam"),
        (dict(student_lam=10.0), ValueError, "student_lam"),
        (dict(temperature=3.0), ValueError, "temperature"),
        (dict(temperature=(1.0, 3.0)), ValueError, "temperature"),
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
        (["--xi", "one"], "--xi"),
        (["--corruption", "inf"], "--corruption"),
        (["--seeds", "2.5"], "--seeds"),
        # checked before any training, naming the option and its valid range; a bad later
        # dataset must not let an earlier one train first
        (["--dataset", "wine", "foo"], "--dataset"),
        (["--dataset", "foo"], "--dataset"),
        (["--dataset", "wine", "wine"], "--dataset"),
        (["--dataset", "synthetic", "gaussian_mixture"], "--dataset"),  # an alias repeated
        (["--lam", "0"], "--lam"),
        (["--lam", "-1"], "--lam"),
        (["--lam", "10", "10"], "--lam"),
        (["--xi", "1", "1"], "--xi"),
        (["--model", "conv", "--dataset", "wine"], "--model"),
        (["--model", "conv", "--dataset", "digits", "wine"], "--model"),
        (["--model", "resnet"], "--model"),
        (["--model", "linear", "linear"], "--model"),
        (["--dataset", "wine", "breast_cancer", "--corruption", "0.6"], "--corruption"),
        (["--dataset", "digits", "--corruption", "0.95"], "--corruption"),
        (["--corruption", "0.3", "0.3"], "--corruption"),
        (["--corruption", "-0.1"], "--corruption"),
        (["--seeds", "1"], "--seeds"),
        (["--seeds", "0"], "--seeds"),
        (["--n-boot", "1"], "--n-boot"),
        (["--n-boot", "1000000"], "--n-boot"),
        (["--train-steps", "0"], "--train-steps"),
    ],
)
def test_cli_bad_arguments_print_one_line(tmp_path, capsys, monkeypatch, argv, word):
    import time

    from sdtheory.bridge import _runner
    from sdtheory.cli import main

    def no_training(*a, **k):
        raise AssertionError("trained before the arguments were checked")

    monkeypatch.setattr(_runner, "run_bridge", no_training)
    t0 = time.perf_counter()
    try:
        rc = main(["bridge-predict", *argv, "--no-progress", "--out", str(tmp_path)])
    except SystemExit as exc:  # argparse errors exit from inside parse_args
        rc = exc.code
    assert rc == 2
    assert time.perf_counter() - t0 < 5.0  # no dataset was trained
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and word in err[0], err
    if (
        word in ("--lam", "--corruption", "--seeds", "--n-boot", "--train-steps")
        and "repeat" not in err[0]
        and "argument" not in err[0]
    ):
        assert any(c in err[0] for c in ("[", "(", ">=")), err  # the valid range is named
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


def test_cli_mnist1d_without_its_package_fails_before_training(tmp_path, capsys, monkeypatch):
    import importlib.util

    from sdtheory.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "mnist1d" else real(n, *a)
    )
    rc = main(["bridge-predict", "--dataset", "wine", "mnist1d", "--out", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--dataset" in err[0] and "mnist1d" in err[0], err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(dataset=("wine", "wine")), "dataset"),
        (dict(dataset=3), "dataset"),
        (dict(dataset=()), "dataset"),
        (dict(model="resnet"), "model"),
        (dict(model=None), "model"),
        (dict(xi=(1.0, 1.0)), "xi"),
        (dict(xi="a"), "xi"),
        (dict(xi=float("nan")), "xi"),
        (dict(lam=[[1.0, 10.0]]), "lam"),
        (dict(model=()), "model"),
        (dict(lam=(0.0, 1.0)), "lam"),
        (dict(lam=()), "lam"),
        (dict(seeds=1), "seeds"),
        (dict(n_boot=1), "n_boot"),
        (dict(corruption_multiclass=(0.3, 0.7)), "corruption_multiclass"),  # wine: K = 3
        (dict(corruption_binary=(0.5,)), "corruption_binary"),  # breast_cancer: K = 2
    ],
)
def test_experiment_checks_every_argument_before_training(monkeypatch, kw, name):
    from sdtheory.bridge import _predict_cli, _runner

    def no_training(*a, **k):
        raise AssertionError("trained before the arguments were checked")

    monkeypatch.setattr(_runner, "run_bridge", no_training)
    args = dict(dataset=("wine", "breast_cancer"), seeds=2, lam=(1.0, 10.0))
    args.update(kw)
    with pytest.raises((ValueError, TypeError)) as info:
        _predict_cli.experiment(args.pop("dataset"), **args)
    assert name in str(info.value)
