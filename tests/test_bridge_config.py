"""The bridge's settings object, its CLI, the teacher/student λ split, the teacher temperature,
the added datasets and the conv net.

Independent routes: the single-λ code that preceded the split (its outputs pinned below), the
closed form of the targets at T = 1 and T → ∞, ξ = 0 rows that cannot depend on the teacher, and
one-at-a-time training of the conv net against the vmapped batch.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from sdtheory.bridge import LAM_DEFAULTS, BridgeConfig, load_dataset, run_bridge
from tests._env import require

# Outputs of the single-λ implementation (mean-loss weight_decay=0.125, before the teacher and
# student λ were separated and the temperature added), on this configuration:
# run_bridge("digits", model=("linear", "mlp"), corruption=0.3, xi=(0, 1, 2), seeds=2,
#            quick=True, steps=30, width=8, dtype="float64", weight_decay=0.125).
# (model, xi, seed, test_acc, val_acc, final_loss, teacher_final_loss)
SINGLE_LAM = [
    ("linear", 0.0, 0, 0.925, 0.9083333333333333, 1.6937922073020746, 1.661220206241734),
    (
        "linear",
        0.0,
        1,
        0.9138888888888889,
        0.9111111111111111,
        1.6597869412530895,
        1.6579668931679412,
    ),
    ("linear", 1.0, 0, 0.9, 0.9138888888888889, 1.9441248694108557, 1.661220206241734),
    (
        "linear",
        1.0,
        1,
        0.9055555555555556,
        0.8805555555555555,
        1.9082811161265203,
        1.6579668931679412,
    ),
    (
        "linear",
        2.0,
        0,
        0.8166666666666667,
        0.8222222222222222,
        2.089981561787551,
        1.661220206241734,
    ),
    (
        "linear",
        2.0,
        1,
        0.8194444444444444,
        0.7833333333333333,
        2.053269886748099,
        1.6579668931679412,
    ),
    ("mlp", 0.0, 0, 0.6972222222222222, 0.6555555555555556, 2.260252105513632, 2.3215322954000506),
    ("mlp", 0.0, 1, 0.5916666666666667, 0.5805555555555556, 2.3059252842432003, 2.2170386719128263),
    ("mlp", 1.0, 0, 0.37777777777777777, 0.425, 2.4630117446593203, 2.3215322954000506),
    ("mlp", 1.0, 1, 0.2638888888888889, 0.2638888888888889, 2.430290260028684, 2.2170386719128263),
    (
        "mlp",
        2.0,
        0,
        0.06111111111111111,
        0.04722222222222222,
        2.4168517893780184,
        2.3215322954000506,
    ),
    (
        "mlp",
        2.0,
        1,
        0.09444444444444444,
        0.09722222222222222,
        2.404511079982298,
        2.2170386719128263,
    ),
]
N_TRAIN_DIGITS = 1077
PINNED = BridgeConfig(
    model=("linear", "mlp"),
    corruption=0.3,
    xi=(0.0, 1.0, 2.0),
    seeds=2,
    quick=True,
    train_steps=30,
    width=8,
    dtype="float64",
    teacher_lam=0.125 * N_TRAIN_DIGITS,  # λ of the summed loss = weight_decay · n_train
)
# a cheap configuration for the λ/temperature identities (linear probe, breast_cancer)
SMALL = BridgeConfig(
    dataset="breast_cancer",
    model="linear",
    corruption=0.2,
    xi=(0.0, 0.5, 2.0),
    seeds=2,
    quick=True,
    train_steps=25,
    dtype="float64",
)


def _drop(df):
    return df.drop(columns="seconds_model").reset_index(drop=True)


# ---------------------------------------------------------------- config


def test_defaults_and_normalization():
    c = BridgeConfig()
    assert c.model == ("linear", "mlp") and c.corruption == (0.3, 0.5)
    assert c.teacher_lam is None and c.student_lam is None and c.temperature == (1.0,)
    assert c.lam_grid("mlp") == ((LAM_DEFAULTS["mlp"],), None)
    c = BridgeConfig(model="linear", corruption=0.2, seeds=[4, 2], teacher_lam=[1, 10])
    assert c.model == ("linear",) and c.corruption == (0.2,) and c.seeds == (4, 2)
    assert c.teacher_lam == (1.0, 10.0) and c.seed_list == [4, 2]
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.seeds = 3
    r = BridgeConfig(quick=True).resolved()
    assert r["train_steps"] == 150 and r["width"] == 32 and r["xi"][0] == 0.0
    # the resolved settings are a valid config again, with the same resolution (JSON round trip)
    again = BridgeConfig(**json.loads(json.dumps(r)))
    assert again.resolved() == r


def test_overrides_equal_replace_and_unknown_names_fail():
    assert dataclasses.replace(SMALL, seeds=3) == BridgeConfig(
        **{**dataclasses.asdict(SMALL), "seeds": 3}
    )
    with pytest.raises(TypeError, match="unknown settings.*weight_decay"):
        run_bridge(SMALL, weight_decay=0.1)
    with pytest.raises(TypeError, match="config must be a BridgeConfig"):
        run_bridge({"dataset": "digits"})


def test_conv_needs_images():
    with pytest.raises(ValueError, match="conv.*image"):
        BridgeConfig(dataset="wine", model="conv")


@pytest.mark.parametrize(
    "dataset, kw",
    [("digits", {}), ("wine", {}), ("breast_cancer", {}), ("mnist1d", {})]
    + [("gaussian_mixture", dict(n_classes=4, n_samples=40)), ("synthetic", {})],
)
def test_corruption_limit_is_checked_on_construction(dataset, kw):
    """The (K−1)/K limit fails at construction with the message of the run-time check, which
    uses K of the loaded labels (the independent route)."""
    from sdtheory._labels import _check_corruption

    if dataset == "mnist1d":
        require("mnist1d", "mnist1d")
    k = int(load_dataset(dataset, **kw)[1].max()) + 1
    limit = (k - 1) / k
    assert BridgeConfig(dataset=dataset, corruption=limit - 0.01, **kw).corruption[0] < limit
    for bad in (limit, (0.1, limit + 0.01)):
        with pytest.raises(ValueError, match="corruption") as info:
            BridgeConfig(dataset=dataset, corruption=bad, **kw)
        r = bad if isinstance(bad, float) else bad[1]
        with pytest.raises(ValueError) as runtime:
            _check_corruption(r, k, "symmetric")
        assert str(info.value) == str(runtime.value)
    with pytest.raises(ValueError, match=r"corruption must be in \[0, 0\.5\)"):
        BridgeConfig(dataset=dataset, corruption=0.5, corruption_kind="asymmetric", **kw)


# ---------------------------------------------------------------- λ split and temperature


def test_single_lam_run_is_reproduced():
    """teacher_lam == student_lam (tied), T = 1: the pinned outputs of the single-λ code.
    Accuracies exactly; losses to a few float64 ulps (the λ is now a per-run array in the
    compiled program, which may reorder a sum)."""
    df = run_bridge(PINNED, progress=False)
    assert (df.teacher_lam == df.student_lam).all() and (df.temperature == 1).all()
    for (m, xi, s, acc, vacc, loss, tloss), (_, row) in zip(SINGLE_LAM, df.iterrows()):
        assert (row.model, row.xi, row.seed) == (m, xi, s)
        assert row.test_acc == acc and row.val_acc == vacc
        assert row.final_loss == pytest.approx(loss, rel=1e-14, abs=0)
        assert row.teacher_final_loss == pytest.approx(tloss, rel=1e-14, abs=0)


def test_tied_equals_crossed_with_the_same_lam_bit_for_bit():
    tied = run_bridge(SMALL, progress=False, teacher_lam=3.0)
    crossed = run_bridge(SMALL, progress=False, teacher_lam=3.0, student_lam=3.0)
    pd.testing.assert_frame_equal(_drop(tied), _drop(crossed), check_exact=True)


def test_crossed_grid_rows_and_xi0_ignores_the_teacher():
    """ξ = 0 is plain CE on the noisy labels: its rows cannot depend on the teacher's λ or
    temperature (same init, same target, same student λ), bit for bit."""
    df = run_bridge(
        SMALL,
        progress=False,
        teacher_lam=(1.0, 30.0),
        student_lam=(3.0, 10.0),
        temperature=(1.0, 4.0),
    )
    assert len(df) == 2 * 2 * 2 * 3 * 2  # tλ × sλ × T × ξ × seeds
    keys = ["teacher_lam", "student_lam", "temperature", "xi", "seed"]
    assert df.groupby(keys).size().eq(1).all()
    x0 = df[df.xi == 0]
    for (_, _), g in x0.groupby(["student_lam", "seed"]):
        assert g.final_loss.nunique() == 1 and g.test_acc.nunique() == 1
    # ξ ≠ 0 rows do see the teacher: a different teacher λ changes the student's loss
    x2 = df[(df.xi == 2) & (df.temperature == 1) & (df.student_lam == 3)]
    assert x2.groupby("seed").final_loss.nunique().eq(2).all()
    # and temperature 1 rows equal a run without a temperature grid
    t1 = run_bridge(SMALL, progress=False, teacher_lam=(1.0, 30.0), student_lam=(3.0, 10.0))
    sub = df[df.temperature == 1].reset_index(drop=True)
    np.testing.assert_array_equal(sub.test_acc, t1.test_acc)
    np.testing.assert_allclose(sub.final_loss, t1.final_loss, rtol=1e-12)


def test_targets_at_temperature_one_and_infinity():
    """T = 1: sd_targets(softmax(z)); T → ∞: the teacher is uniform, q = ξ/K + (1−ξ)e_y."""
    import jax
    import jax.numpy as jnp

    from sdtheory.bridge import sd_targets
    from sdtheory.bridge._loop import teacher_targets_program
    from sdtheory.bridge._train import init_params

    with jax.enable_x64(True):
        rng = np.random.default_rng(0)
        X = jnp.asarray(rng.standard_normal((2, 12, 5)))  # (seed, n, d)
        p = [init_params(jax.random.key(i), (5, 4)) for i in range(2)]
        P = jax.tree.map(lambda *a: jnp.stack(a)[:, None].astype(jnp.float64), *p)  # (2, 1, ...)
        y = rng.integers(0, 4, size=(2, 1, 10))
        oh = jax.nn.one_hot(y, 4, dtype=jnp.float64)
        xi_grid, temps = np.array([0.0, 1.5]), np.array([1.0, 1e12])
        pred, Q = teacher_targets_program()(P, X, oh, xi_grid, temps, 10, 1)
        Q = np.asarray(Q).reshape(2, 2, 2, 10, 4)  # (seed, T, ξ, n, K)
        z = np.stack([np.asarray(X[i] @ p[i][0][0] + p[i][0][1]) for i in range(2)])
        soft = jax.nn.softmax(jnp.asarray(z[:, :10]), axis=-1)
        for k, xi in enumerate(xi_grid):
            want = np.asarray(sd_targets(soft, oh[:, 0], xi=xi))
            # the logits here come from NumPy's matmul, the program's from XLA's: rounding only
            np.testing.assert_allclose(Q[:, 0, k], want, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(
                Q[:, 1, k], xi / 4 + (1 - xi) * np.asarray(oh[:, 0]), atol=1e-9
            )
        np.testing.assert_array_equal(np.asarray(pred)[:, 0], z.argmax(-1))


# ---------------------------------------------------------------- datasets and models


def test_added_datasets_load_offline():
    X, y = load_dataset("wine")
    assert X.shape == (178, 13) and X.dtype == np.float64 and set(np.unique(y)) == {0, 1, 2}
    df = run_bridge(SMALL, progress=False, dataset="wine", corruption=0.3)
    assert set(df.n_classes) == {3} and df.test_acc.between(0, 1).all()


def test_mnist1d_optional():
    require("mnist1d", "mnist1d")
    X, y = load_dataset("mnist1d")
    assert X.shape == (5000, 40) and set(np.unique(y)) == set(range(10))
    X2, _ = load_dataset("mnist1d")
    np.testing.assert_array_equal(X, X2)  # generated with a fixed seed


def test_conv_net_trains_quick():
    df = run_bridge(
        BridgeConfig(model="conv", corruption=0.3, xi=(0.0,), seeds=1, quick=True, train_steps=40),
        progress=False,
    )
    assert (df.teacher_test_acc > 0.6).all() and (df.test_acc > 0.6).all()
    assert set(df.channels) == {8} and (df.final_loss < df.first_loss).all()
    assert df.n_params.iloc[0] == 3 * 3 * 8 + 8 + 16 * 8 * 32 + 32 + 32 * 10 + 10


@pytest.mark.slow
def test_conv_net_batch_equals_one_at_a_time():
    """The vmapped batch trainer gives the conv net the same parameters as training each run
    alone (float64)."""
    import jax
    import jax.numpy as jnp

    from sdtheory.bridge import split_dataset
    from sdtheory.bridge._train import (
        batched_train_chunk,
        init_params,
        make_optimizer,
        model_spec,
        train_single,
    )

    with jax.enable_x64(True):
        s = split_dataset(*load_dataset("digits"), seed=0)
        X = jnp.asarray(s.X_train[:100])[None]  # (1, n, 64)
        spec = model_spec("conv", 64, 10, width=8, depth=1, channels=3)
        ps = [init_params(jax.random.key(k), spec, jnp.float64) for k in range(2)]
        P = jax.tree.map(lambda *a: jnp.stack(a)[None], *ps)  # (1, 2, ...)
        Q = jax.nn.one_hot(np.stack([s.y_train[:100], s.y_train[1:101]])[None], 10)
        opt = make_optimizer(0.01, 15)
        state = jax.vmap(jax.vmap(opt.init))(P)
        lam = jnp.full((1, 2), 0.01)
        Pb, _, lb, _ = batched_train_chunk(opt, 15)(P, state, X, Q, lam)
        for r in range(2):
            p1, l1 = train_single(ps[r], X[0], Q[0, r], 0.01, lr=0.01, steps=15)
            for a, b in zip(
                jax.tree.leaves(p1), jax.tree.leaves(jax.tree.map(lambda a: a[0, r], Pb))
            ):
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-11)
            np.testing.assert_allclose(np.asarray(l1), np.asarray(lb[0, r]), rtol=1e-10)


# ---------------------------------------------------------------- CLI


def _parse(*args):
    from sdtheory.cli import build_parser

    return build_parser().parse_args(["bridge", *args])


def test_cli_defaults_are_the_config_defaults():
    from sdtheory.bridge._cli import PARAMS, config_from_args, kwargs_from_args

    assert set(PARAMS) == {f.name for f in dataclasses.fields(BridgeConfig)}
    assert config_from_args(_parse()) == BridgeConfig()
    kw = kwargs_from_args(_parse())
    for f in dataclasses.fields(BridgeConfig):
        assert kw[f.name] == f.default and type(kw[f.name]) is type(f.default), f.name


def test_cli_round_trip_and_help_from_the_field_docs():
    from sdtheory.bridge._cli import config_from_args
    from sdtheory.cli import build_parser

    cfg = config_from_args(
        _parse(
            "--dataset", "wine", "--model", "linear", "--teacher-lam", "1", "10",
            "--student-lam", "3", "--temperature", "1", "2.5", "--xi", "-0.5", "0", "2",
            "--seeds", "0", "4", "--train-steps", "none", "--quick",
        )
    )  # fmt: skip
    want = BridgeConfig(
        dataset="wine",
        model="linear",
        teacher_lam=(1.0, 10.0),
        student_lam=3.0,
        temperature=(1.0, 2.5),
        xi=(-0.5, 0.0, 2.0),
        seeds=(0, 4),
        train_steps=None,
        quick=True,
    )
    assert cfg == want
    assert config_from_args(_parse("--seeds", "3")).seeds == 3  # one value: a count
    sub = build_parser()._subparsers._group_actions[0].choices["bridge"]
    helps = {a.dest: a.help for a in sub._actions}
    for f in dataclasses.fields(BridgeConfig):
        first_words = " ".join(f.metadata["doc"].replace("``", "").split()[:3])
        assert first_words in helps[f.name], f.name


def test_cli_grid_run_writes_tables_without_the_one_setting_figure(tmp_path, capsys):
    from sdtheory.cli import main

    args = ["bridge", "--dataset", "wine", "--model", "linear", "--teacher-lam", "1", "10"]
    args += ["--xi", "0", "2", "--seeds", "2", "--quick", "--train-steps", "10", "--no-progress"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    assert "no figure" in capsys.readouterr().out
    runs = pd.read_csv(tmp_path / "bridge-runs.csv")
    assert len(runs) == 2 * 2 * 2 * 2 and not (tmp_path / "bridge-accuracy-vs-xi.png").exists()
    params = json.loads((tmp_path / "bridge-params.json").read_text())["params"]
    assert params["teacher_lam"] == [1.0, 10.0] and params["dataset"] == "wine"


# ---------------------------------------------------------------- vocabulary
# One meaning per name: ``xi`` is ξ, one value or a grid of alternatives (as in
# ``sdtheory.simulate.ridge_sd_monte_carlo(problem, lam=..., xi=[0, 1, 2])``); ``xis`` is kept for a
# per-step schedule (iterated SD), which the bridge does not have. Options are singular and take
# one value or several, and both bridge commands spell the options they share alike.

OLD_NAMES = ("--xis", "--datasets", "--models")


def _subparser(command):
    from sdtheory.cli import build_parser

    return build_parser()._subparsers._group_actions[0].choices[command]


@pytest.mark.parametrize("command", ["bridge", "bridge-predict"])
def test_cli_vocabulary_xi_dataset_model(command, capsys):
    import re

    from sdtheory.cli import main

    sub = _subparser(command)
    options = {s for a in sub._actions for s in a.option_strings}
    assert {"--xi", "--dataset", "--model", "--seeds", "--out"} <= options
    assert not options & set(OLD_NAMES)
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for new in ("--xi", "--dataset", "--model"):
        assert re.search(rf"{new}\b(?!-)", text), new
    for old in OLD_NAMES:
        assert re.search(rf"{old}\b", text) is None, old
    try:  # no alias of the old spelling
        rc = main([command, "--xis", "0", "1", "--out", "/nonexistent/never-written"])
    except SystemExit as exc:  # argparse errors exit from inside parse_args
        rc = exc.code
    assert rc == 2
    capsys.readouterr()


def test_python_vocabulary_xi_is_the_grid():
    import inspect

    import sdtheory.bridge as bridge
    from sdtheory.bridge import _predict_cli

    fields = {f.name for f in dataclasses.fields(BridgeConfig)}
    assert "xi" in fields and "xis" not in fields
    assert BridgeConfig(xi=0.5).xi == (0.5,) and BridgeConfig(xi=[0, 2]).xi == (0.0, 2.0)
    with pytest.raises(TypeError, match="xis"):
        BridgeConfig(xis=(0.0, 1.0))
    resolved = BridgeConfig(quick=True).resolved()
    assert "xi" in resolved and "xis" not in resolved
    assert not [n for n in bridge.__all__ if "xis" in n.lower()]
    params = inspect.signature(_predict_cli.experiment).parameters
    assert {"dataset", "model", "lam", "xi"} <= set(params)
    assert not {"datasets", "models", "lams", "xis"} & set(params)


def test_bridge_predict_takes_one_value_or_a_list():
    from sdtheory.bridge._predict_cli import _plan

    kw = dict(seeds=2, quick=True, train_steps=5, n_boot=10)
    kw.update(corruption_binary=(0.3,), corruption_multiclass=(0.3,))
    one, lams = _plan("wine", model="linear", lam=10.0, xi=0.5, **kw)
    listed, _ = _plan(["wine"], model=["linear"], lam=[10.0], xi=[0.5], **kw)
    assert one == listed and lams == (10.0,)
    (cfg,) = one
    assert (cfg.dataset, cfg.model, cfg.xi, cfg.teacher_lam) == (
        "wine",
        ("linear",),
        (0.5,),
        (10.0,),
    )


@pytest.mark.parametrize("name", ["bridge-prediction", "bridge-prediction-conv"])
def test_committed_bridge_predict_params_use_the_option_names(name):
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / f"{name}-params.json"
    params = json.loads(path.read_text())["params"]
    dests = {a.dest for a in _subparser("bridge-predict")._actions} | {"command"}
    assert set(params) <= dests, sorted(set(params) - dests)
    assert {"dataset", "model", "lam", "xi"} <= set(params)
