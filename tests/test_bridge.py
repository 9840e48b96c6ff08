"""Deep-net bridge: data, corruption, SD training, runner, summary, CLI.

All tests run the quick settings on tiny budgets; shapes are shared between tests so the jitted
trainers compile once per process.
"""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdtheory.bridge import (
    BridgeConfig,
    corrupt_labels,
    load_dataset,
    run_bridge,
    split_dataset,
    summarize_bridge,
)
from tests._tol import BRIDGE_VMAP_F32, BRIDGE_VMAP_F64, BRIDGE_XI0_RTOL

# One tiny configuration shared by the runner, CLI and quick-figure tests (compiled once;
# it is the quick figure's configuration).
TINY = dict(
    dataset="digits",
    model=("linear", "mlp"),
    corruption=(0.3, 0.5),
    xi=(0.0, 1.0, 2.0, 4.0),
    seeds=2,
    quick=True,
    train_steps=40,
    width=16,
    progress=False,
)
# float64, one model and corruption level: for exact comparisons with independent routes
TINY64 = dict(TINY, model="mlp", corruption=0.3, dtype="float64")


def run(**kw):
    """``run_bridge(BridgeConfig(**settings), progress=...)`` from one flat dict."""
    progress = kw.pop("progress", False)
    return run_bridge(BridgeConfig(**kw), progress=progress)


@pytest.fixture(scope="module")
def tiny():
    return run(**TINY)


@pytest.fixture(scope="module")
def tiny64_seed3():
    return run(**dict(TINY64, seeds=[3]))


# ---------------------------------------------------------------- data and corruption


def test_datasets_shapes_and_classes():
    X, y = load_dataset("digits")
    assert X.shape == (1797, 64) and set(np.unique(y)) == set(range(10))
    X, y = load_dataset("breast_cancer")
    assert X.shape == (569, 30) and set(np.unique(y)) == {0, 1}
    X, y = load_dataset("wine")
    assert X.shape == (178, 13) and np.bincount(y).tolist() == [59, 71, 48]
    X, y = load_dataset("gaussian_mixture", n_samples=503, n_features=7, n_classes=4, seed=3)
    assert X.shape == (503, 7) and np.bincount(y).max() - np.bincount(y).min() <= 1
    X2, y2 = load_dataset("synthetic", n_samples=503, n_features=7, n_classes=4, seed=3)
    np.testing.assert_array_equal(X, X2)


def test_split_is_stratified_seeded_and_standardized_on_train():
    X, y = load_dataset("digits")
    a, b, c = (split_dataset(X, y, seed=s) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.y_train, c.y_train)
    # stratified: class proportions in each part within one sample of the full data's
    for part in (a.y_train, a.y_val, a.y_test):
        want = np.bincount(y, minlength=10) / len(y) * len(part)
        assert np.all(np.abs(np.bincount(part, minlength=10) - want) <= 1.0 + 1e-9)
    np.testing.assert_allclose(a.X_train.mean(0), 0, atol=1e-12)
    sd = a.X_train.std(0)
    assert np.all((np.abs(sd - 1) < 1e-9) | (sd < 1e-12))  # blank pixels stay constant
    assert abs(a.X_test.mean()) > 1e-6  # test not re-standardized


@given(
    n=st.integers(20, 400),
    k=st.integers(2, 12),
    rate=st.floats(0, 0.49),
    kind=st.sampled_from(["symmetric", "asymmetric"]),
    seed=st.integers(0, 2**20),
)
def test_corrupted_fraction_is_exact(n, k, rate, kind, seed):
    y = np.arange(n) % k
    yn, m = corrupt_labels(
        y, corruption=rate, n_classes=k, corruption_kind=kind, per_class=False, seed=seed
    )
    assert int(m.sum()) == int(round(rate * n))
    np.testing.assert_array_equal(m, yn != y)
    assert yn.min() >= 0 and yn.max() < k
    if kind == "asymmetric":
        np.testing.assert_array_equal(yn[m], (y[m] + 1) % k)


def test_symmetric_corruption_is_uniform_over_other_classes():
    # Independent route: the shift (noisy - clean) mod K must be uniform on 1..K-1;
    # count of each shift ~ Binomial(m, 1/(K-1)); compare with 4 SE.
    k, n = 5, 40000
    y = np.arange(n) % k
    yn, m = corrupt_labels(y, corruption=0.5, n_classes=k, per_class=False, seed=0)
    shift = (yn[m] - y[m]) % k
    counts = np.bincount(shift, minlength=k)
    assert counts[0] == 0
    p = 1 / (k - 1)
    se = np.sqrt(m.sum() * p * (1 - p))
    assert np.all(np.abs(counts[1:] - m.sum() * p) <= 4 * se)


def test_corruption_is_seeded():
    y = np.arange(300) % 10
    a = corrupt_labels(y, corruption=0.3, per_class=False, seed=4)[0]
    np.testing.assert_array_equal(a, corrupt_labels(y, corruption=0.3, per_class=False, seed=4)[0])
    assert not np.array_equal(a, corrupt_labels(y, corruption=0.3, per_class=False, seed=5)[0])
    assert not np.array_equal(
        a, corrupt_labels(y, corruption=0.3, per_class=False, seed=4, stream=1)[0]
    )


# CRC32 of the int64 noisy training / validation labels behind the committed results
# (docs/bridge-runs.csv: digits, seeds 0-4, corruption 0.3 and 0.5), recorded from the
# implementation that produced them.
_COMMITTED_DRAWS = {
    (0, 0.3): (872131727, 156703287),
    (0, 0.5): (689222571, 2091825870),
    (1, 0.3): (1334783959, 4107772755),
    (1, 0.5): (2599709822, 115707891),
    (2, 0.3): (3474077366, 3317427094),
    (2, 0.5): (1343842563, 4098966302),
    (3, 0.3): (4102896673, 2026583231),
    (3, 0.5): (33846178, 1909613222),
    (4, 0.3): (3320925263, 1573858411),
    (4, 0.5): (2085603946, 558347572),
}


def test_corruption_draws_are_those_of_the_committed_results():
    import zlib

    X, y = load_dataset("digits")
    for (s, r), (crc_train, crc_val) in _COMMITTED_DRAWS.items():
        sp = split_dataset(X, y, seed=s)
        yn = corrupt_labels(sp.y_train, corruption=r, n_classes=10, per_class=False, seed=s)[0]
        yv = corrupt_labels(
            sp.y_val, corruption=r, n_classes=10, per_class=False, seed=s, stream=1
        )[0]
        assert zlib.crc32(yn.astype(np.int64).tobytes()) == crc_train
        assert zlib.crc32(yv.astype(np.int64).tobytes()) == crc_val


# ---------------------------------------------------------------- runner


def test_shapes_columns_and_settings(tiny):
    df = tiny
    assert len(df) == 2 * 2 * 4 * 2
    assert df.groupby(["dataset", "model", "corruption", "xi", "seed"]).size().eq(1).all()
    for col in (
        "dataset",
        "model",
        "corruption",
        "corruption_kind",
        "xi",
        "seed",
        "test_acc",
        "corrupted_train_acc",
        "val_acc",
        "teacher_lam",
        "student_lam",
        "temperature",
        "train_steps",
        "lr",
        "width",
        "depth",
        "optimizer",
        "batch",
        "n_train",
        "teacher_test_acc",
    ):
        assert col in df.columns, col
    assert (
        df[["test_acc", "corrupted_train_acc", "val_acc"]]
        .apply(lambda c: c.between(0, 1))
        .all()
        .all()
    )
    n_train = df.n_train.iloc[0]
    np.testing.assert_array_equal(df.n_corrupted, np.round(df.corruption * n_train).astype(int))
    assert (df.train_steps == 40).all() and set(df.batch) == {"full"}


def test_same_seed_same_numbers(tiny):
    again = run(**TINY)
    pd.testing.assert_frame_equal(
        tiny.drop(columns="seconds_model"), again.drop(columns="seconds_model")
    )


def test_rows_depend_only_on_their_own_seed(tiny64_seed3):
    # float64 so batch-size-dependent summation order cannot flip a prediction
    both = run(**dict(TINY64, seeds=[3, 4]))
    b3 = both[both.seed == 3].reset_index(drop=True)
    one = tiny64_seed3
    np.testing.assert_allclose(one.final_loss, b3.final_loss, rtol=1e-9)
    np.testing.assert_array_equal(one.test_acc, b3.test_acc)
    np.testing.assert_array_equal(one.corrupted_train_acc, b3.corrupted_train_acc)


def test_training_loss_decreases(tiny):
    assert (tiny.final_loss < tiny.first_loss).all()
    assert (tiny.teacher_final_loss < np.log(10)).all()  # below the loss of uniform predictions


def test_training_loss_history_decreases():
    import jax
    import jax.numpy as jnp

    from sdtheory.bridge._train import init_params, train_single

    s = split_dataset(*load_dataset("breast_cancer"), seed=0)
    X = jnp.asarray(s.X_train, jnp.float32)
    Q = jax.nn.one_hot(s.y_train, 2)
    p0 = init_params(jax.random.key(0), (X.shape[1], 8, 2))
    _, losses = train_single(p0, X, Q, 1e-3, lr=0.01, steps=60)
    losses = np.asarray(losses)
    assert losses[-1] < 0.5 * losses[0]
    # monotone up to Adam's small oscillations: every 10-step block mean decreases
    blocks = losses.reshape(6, 10).mean(1)
    assert np.all(np.diff(blocks) < 0)


def test_xi_zero_equals_plain_cross_entropy_run(tiny64_seed3):
    """ξ = 0 row of the runner == an independent CE loop on the integer noisy labels
    (optax's integer-label CE, not the SD soft-target code)."""
    import jax
    import jax.numpy as jnp
    import optax

    from sdtheory.bridge._loop import MODEL_TAG
    from sdtheory.bridge._train import forward, init_run_params

    df = tiny64_seed3
    row = df[df.xi == 0].iloc[0]
    with jax.enable_x64(True):
        s = split_dataset(*load_dataset("digits"), seed=3)
        yn, _ = corrupt_labels(s.y_train, corruption=0.3, n_classes=10, per_class=False, seed=3)
        X = jnp.asarray(s.X_train)
        lam, steps = float(row.student_lam) / int(row.n_train), int(row.train_steps)
        params = init_run_params(3, MODEL_TAG["mlp"], 1, (64, 16, 10), jnp.float64)
        opt = optax.adam(optax.cosine_decay_schedule(float(row.lr), steps))
        state = opt.init(params)

        def loss(p):
            ce = optax.softmax_cross_entropy_with_integer_labels(forward(p, X), jnp.asarray(yn))
            return ce.mean() + 0.5 * lam * sum(jnp.sum(w**2) for w, _ in p)

        @jax.jit
        def step(p, st_):
            val, g = jax.value_and_grad(loss)(p)
            u, st_ = opt.update(g, st_, p)
            return optax.apply_updates(p, u), st_, val

        for _ in range(steps):
            params, state, last = step(params, state)
        pred = np.asarray(forward(params, jnp.asarray(s.X_test))).argmax(1)
    assert abs(float(last) - row.final_loss) <= BRIDGE_XI0_RTOL * max(1.0, abs(row.final_loss))
    assert float((pred == s.y_test).mean()) == row.test_acc


@pytest.mark.parametrize("dtype,tol", [("float64", BRIDGE_VMAP_F64), ("float32", BRIDGE_VMAP_F32)])
def test_vmapped_training_equals_one_at_a_time(dtype, tol):
    """Same inits, targets and steps: the vmapped batch equals six separate runs (tolerances in
    tests/_tol.py: summation-order rounding only); test predictions agree exactly."""
    import jax
    import jax.numpy as jnp

    from sdtheory.bridge import sd_targets
    from sdtheory.bridge._train import (
        batched_train_chunk,
        forward,
        init_params,
        make_optimizer,
        train_single,
    )

    with jax.enable_x64(dtype == "float64"):
        dt = jnp.float64 if dtype == "float64" else jnp.float32
        s = [split_dataset(*load_dataset("digits"), seed=i) for i in (0, 1)]
        X = jnp.asarray(np.stack([a.X_train[:200] for a in s]), dt)  # (2, n, d)
        oh = jax.nn.one_hot(np.stack([a.y_train[:200] for a in s]), 10, dtype=dt)
        rng = np.random.default_rng(0)
        pt = jnp.asarray(rng.dirichlet(np.ones(10), size=oh.shape[:2]), dt)
        xi_grid = jnp.asarray([0.0, 1.5, 3.0], dt)
        Q = jnp.stack([sd_targets(pt, oh, xi=x) for x in xi_grid], axis=1)  # (2, 3, n, K)
        keys = jax.random.split(jax.random.key(1), 6)
        ps = [init_params(k, (64, 16, 10), dt) for k in keys]
        P = jax.tree.map(lambda *a: jnp.stack(a).reshape((2, 3) + a[0].shape), *ps)
        steps, lr, lam = 40, 0.01, 1e-3
        opt = make_optimizer(lr, steps)
        state = jax.vmap(jax.vmap(opt.init))(P)
        Pb, _, lb, _ = batched_train_chunk(opt, steps)(P, state, X, Q, jnp.full((2, 3), lam, dt))
        for r in range(6):
            i, j = divmod(r, 3)
            p1, l1 = train_single(ps[r], X[i], Q[i, j], lam, lr=lr, steps=steps)
            pb = jax.tree.map(lambda a: a[i, j], Pb)
            err = max(
                float(jnp.max(jnp.abs(a - b)))
                for a, b in zip(jax.tree.leaves(p1), jax.tree.leaves(pb))
            )
            assert err <= tol
            np.testing.assert_allclose(np.asarray(l1), np.asarray(lb[i, j]), rtol=tol, atol=tol)
            Xte = jnp.asarray(s[i].X_test, dt)
            np.testing.assert_array_equal(
                np.asarray(forward(p1, Xte)).argmax(1), np.asarray(forward(pb, Xte)).argmax(1)
            )


def test_no_budget_mode_converges():
    df = run(
        dataset="breast_cancer",
        model="linear",
        corruption=0.2,
        xi=(0.0, 2.0),
        seeds=2,
        train_steps=None,
        teacher_lam=3.0,
        lr=0.05,
        tol=1e-3,
        max_train_steps=3000,
        chunk=100,
        progress=False,
    )
    assert (df.grad_norm < 1e-3).all()
    assert (df.train_steps < 3000).all() and set(df.budget) == {"converge"}


def test_asymmetric_and_synthetic_run():
    df = run(
        dataset="gaussian_mixture",
        model="linear",
        corruption=0.2,
        xi=(0.0, 2.0),
        seeds=2,
        corruption_kind="asymmetric",
        quick=True,
        train_steps=20,
        n_samples=300,
        progress=False,
    )
    assert len(df) == 4 and set(df.corruption_kind) == {"asymmetric"}
    assert (df.n_corrupted == round(0.2 * df.n_train.iloc[0])).all()


# ---------------------------------------------------------------- summary


def _fake(seed=0, n_seeds=6):
    rng = np.random.default_rng(seed)
    xi_grid = [0.0, 0.5, 1.0, 2.0, 4.0]
    rows = []
    for s in range(n_seeds):
        for x in xi_grid:
            rows.append(
                dict(
                    dataset="d",
                    model="m",
                    corruption_kind="symmetric",
                    corruption=0.3,
                    xi=x,
                    seed=s,
                    test_acc=0.7 + 0.02 * x - 0.004 * x * x + 0.01 * rng.normal(),
                    val_acc=rng.uniform(),
                    val_acc_noisy=rng.uniform(),
                    teacher_test_acc=0.6,
                )
            )
    return pd.DataFrame(rows)


def test_summary_gap_is_paired_and_matches_direct_computation():
    df = _fake()
    s = summarize_bridge(df).iloc[0]
    piv = df.pivot(index="seed", columns="xi", values="test_acc").to_numpy()
    xi_grid = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    means = piv.mean(0)
    lo = np.argmax(np.where(xi_grid <= 1, means, -np.inf))
    hi = np.argmax(np.where(xi_grid > 1, means, -np.inf))
    d = piv[:, hi] - piv[:, lo]
    assert (
        s.xi_le1 == xi_grid[lo]
        and s.xi_gt1 == xi_grid[hi]
        and s.xi_best == xi_grid[np.argmax(means)]
    )
    assert s.gap == pytest.approx(d.mean(), rel=1e-12)
    assert s.gap_se == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)), rel=1e-12)
    # validation choice: per seed argmax of val_acc, evaluated on test
    vp = df.pivot(index="seed", columns="xi", values="val_acc").to_numpy()
    assert s.acc_val == pytest.approx(piv[np.arange(len(piv)), vp.argmax(1)].mean(), rel=1e-12)
    assert s.n_seeds == 6 and s.teacher_acc == pytest.approx(0.6)


def test_summary_of_runner_output(tiny):
    s = summarize_bridge(tiny)
    assert len(s) == 4 and set(s.model) == {"linear", "mlp"}
    assert s.xi_le1.le(1).all() and s.xi_gt1.gt(1).all()
    assert np.isfinite(s.gap_se).all()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(corruption=1.0), r"corruption must be a real number in \[0, 1\)"),
        (dict(corruption=-0.1), r"corruption must be a real number in \[0, 1\)"),
        (dict(corruption=float("nan")), "corruption must not contain NaN"),
        (dict(corruption=()), "corruption must not be empty"),
        (dict(dataset="mnist"), "dataset must be one of"),
        (dict(model="resnet"), "model must be one of"),
        (dict(xi=()), "xi must not be empty"),
        (dict(xi=(0, float("inf"))), "xi must be a finite real number"),
        (dict(xi=(0, float("nan"))), "xi must not contain NaN"),
        (dict(train_steps=None, teacher_lam=0.0, xi=(-0.5, 0)), "student_lam=0.*unbounded below"),
        (dict(train_steps=None, model="mlp", depth=2, xi=(-1, 0)), "depth 2.*unbounded below"),
        (dict(train_steps=None, student_lam=0.0, xi=(0, 2)), "student_lam=0.*unbounded below"),
        (dict(train_steps=None, model="mlp", depth=2, xi=(0, 2)), "depth 2.*unbounded below"),
        (dict(train_steps=0), "train_steps must be >= 1"),
        (dict(seeds=0), "seeds must be >= 1"),
        (dict(depth=3), "depth"),
        (dict(teacher_lam=-1.0), r"teacher_lam must be a real number in \[0, inf\)"),
        (dict(student_lam=-1.0), r"student_lam must be a real number in \[0, inf\)"),
        (dict(temperature=0.0), r"temperature must be a real number in \(0, inf\)"),
        (dict(dataset="breast_cancer", corruption=0.5), "destroys all label signal"),
        (dict(corruption_kind="asymmetric", corruption=0.5), "majority"),
        (dict(corruption=0.95), r"corruption must be in \[0, 0.9\)"),
        (dict(n_samples=100), "only applies to dataset='gaussian_mixture'"),
    ],
)
def test_bad_input_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run(**dict(dict(TINY, model="linear"), **kwargs))
    kw = dict(dict(TINY, model="linear"), **kwargs)
    kw.pop("progress")
    with pytest.raises(ValueError, match=match):  # the same check through the overrides
        run_bridge(progress=False, **kw)


def test_negative_xi_runs_with_a_budget():
    # any real ξ is accepted; ξ < 0 with a fixed budget trains like any other ξ
    df = run(
        dataset="breast_cancer",
        model="linear",
        corruption=0.2,
        xi=(-1.0, -0.25, 0.0),
        seeds=2,
        quick=True,
        train_steps=20,
        progress=False,
    )
    assert sorted(df.xi.unique()) == [-1.0, -0.25, 0.0]
    assert df.test_acc.between(0, 1).all() and np.isfinite(df.final_loss).all()


def test_no_budget_with_weight_decay_or_xi_le_1_is_allowed_to_start():
    # the λ = 0 guard fires only for ξ > 1 without a budget
    df = run(
        dataset="breast_cancer",
        model="linear",
        corruption=0.2,
        xi=(0.0, 1.0),
        seeds=2,
        train_steps=None,
        teacher_lam=0.0,
        max_train_steps=50,
        progress=False,
    )
    assert len(df) == 4


# ---------------------------------------------------------------- CLI and figure


def test_cli_quick_writes_outputs(tmp_path, capsys):
    from sdtheory.cli import main

    rc = main(
        [
            "bridge",
            "--quick",
            "--model",
            "linear",
            "mlp",
            "--seeds",
            "2",
            "--train-steps",
            "40",
            "--width",
            "16",
            "--xi",
            "0",
            "1",
            "2",
            "4",
            "--no-progress",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0 and "gap" in out and "xi_best" in out
    for name in ("bridge-runs.csv", "bridge-summary.csv", "bridge-accuracy-vs-xi.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert len(pd.read_csv(tmp_path / "bridge-runs.csv")) == 32


@pytest.mark.parametrize(
    "args",
    [
        ["--corruption", "1.5"],
        ["--dataset", "nope"],
        ["--dataset", "breast_cancer", "--corruption", "0.5"],
    ],
)
def test_cli_bad_input_one_line_nonzero(args):
    res = subprocess.run(
        [sys.executable, "-m", "sdtheory", "bridge", "--quick", *args],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "error" in res.stderr


def test_bridge_cli_module_does_not_import_jax():
    code = (
        "import sys; from sdtheory.cli import build_parser; build_parser(); "
        "import sdtheory.bridge; assert 'jax' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_quick_figure(tiny):
    import matplotlib.pyplot as plt

    from sdtheory.figures import REGISTRY

    out = REGISTRY["bridge-accuracy-vs-xi"].func(True)
    want = tiny[tiny.model == "linear"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        out.data.drop(columns="seconds_model"), want.drop(columns="seconds_model")
    )
    assert "summary" in out.extra
    assert len(out.fig.axes) == 2
    plt.close(out.fig)


def test_progress_bar_goes_to_stderr_and_can_be_disabled(tiny, capsys):
    df = run(**dict(TINY, model="linear", progress=True))
    err = capsys.readouterr().err
    assert "bridge" in err and len(df) == 16
    run(**dict(TINY, model="linear", progress=False))
    assert capsys.readouterr().err == ""
