"""Predicted vs measured best ξ: ``sdtheory bridge-predict`` and the measured side (no JAX).

:func:`measured_best_xi` reads the best ξ off the runs of :func:`run_bridge`; the experiment
(:func:`run` / ``sdtheory bridge-predict --out docs``) trains the bridge over a (λ, ξ) grid and
puts the measured best ξ next to :func:`predict_bridge_xi` on the same training data.
"""

from __future__ import annotations

import importlib.util
import math
import time

import numpy as np
import pandas as pd

from .._validate import check_int
from ._cli import _real

__all__ = ["measured_best_xi", "add_arguments", "run"]

_KEYS = ("dataset", "model", "corruption")
_LAM_KEYS = ("teacher_lam", "student_lam", "temperature")
# the documented experiment (docs/bridge-prediction.md)
DATASETS = ("digits", "breast_cancer", "wine")
LAMS = (1.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 10000.0)
XI_GRID = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 4.0)
_MAX_BOOT = 100_000  # the bootstrap holds n_boot × seeds × ξ accuracies


def _argmax_xi(acc, xi):
    """Per row of ``acc`` (… × Ξ), the ξ of the largest value; ties go to the ξ nearest 0."""
    order = np.argsort(np.abs(xi), kind="stable")
    return xi[order][np.argmax(acc[..., order], axis=-1)]


def measured_best_xi(runs, *, n_boot=1000, seed=0):
    r"""The measured best ξ per (dataset, model, corruption, λ) of bridge runs, with its spread.

    Parameters
    ----------
    runs : pandas.DataFrame
        Rows of :func:`run_bridge` (one per run): columns ``dataset, model, corruption, xi,
        seed, test_acc`` and any of ``teacher_lam, student_lam, temperature`` (grouped by when
        present). Every group needs the same ξ grid for every seed.
    n_boot : int
        Bootstrap resamples of the seeds (``>= 1``).
    seed : int
        Seed ``>= 0`` of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per group: the group keys, ``n_seeds``, ``xi_best`` (argmax over the ξ grid of
        the mean test accuracy over seeds), ``xi_best_se`` (bootstrap SD of that argmax over
        resampled seeds; NaN with one seed or ``n_boot = 1``), ``p_pos``/``p_neg`` (bootstrap
        fractions with a best ξ > 0 / < 0), ``xi_best_seed_sd`` (SD of the per-seed argmaxes),
        ``acc_best``, ``acc_xi0`` (mean test accuracy at ξ = 0, NaN if 0 is not on the grid),
        ``gain`` = ``acc_best − acc_xi0`` and ``gain_se`` (paired over seeds), ``xi_min``,
        ``xi_max`` (the grid's ends).

    Notes
    -----
    The argmax is taken on the seed-mean accuracy; ties go to the ξ nearest 0. The bootstrap
    resamples the ``S`` seeds with replacement and recomputes the argmax; with few seeds it is
    a rough spread (``S`` = 4 gives at most 35 distinct resamples). See the theory page
    :doc:`/theory/bridge`.

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"dataset": "d", "model": "linear", "corruption": 0.3,
    ...                      "xi": [0.0, 1.0, 2.0] * 2, "seed": [0, 0, 0, 1, 1, 1],
    ...                      "test_acc": [0.80, 0.85, 0.83, 0.81, 0.86, 0.82]})
    >>> measured_best_xi(runs)[["xi_best", "xi_best_se", "acc_best"]].round(3).to_dict("records")
    [{'xi_best': 1.0, 'xi_best_se': 0.0, 'acc_best': 0.855}]
    """
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(
            f"runs must be a pandas DataFrame of bridge runs, got {type(runs).__name__}"
        )
    need = [*_KEYS, "xi", "seed", "test_acc"]
    missing = [c for c in need if c not in runs.columns]
    if missing:
        raise ValueError(f"runs lacks the columns {missing} (rows of run_bridge are needed)")
    if len(runs) == 0:
        raise ValueError("runs must not be empty")
    n_boot = check_int(n_boot, "n_boot", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    for c in ("xi", "test_acc"):
        v = pd.to_numeric(runs[c], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(v)):
            raise ValueError(f"runs column {c!r} must hold finite numbers")
    keys = [*_KEYS, *(c for c in _LAM_KEYS if c in runs.columns)]
    rng = np.random.default_rng(seed)
    rows = []
    for key, g in runs.groupby(keys, sort=True):
        tab = g.pivot_table(index="seed", columns="xi", values="test_acc", aggfunc="mean")
        if tab.isna().any().any():
            raise ValueError(f"runs of group {dict(zip(keys, key))} lack some (seed, xi) pairs")
        xi = tab.columns.to_numpy(dtype=float)
        acc = tab.to_numpy()
        S = acc.shape[0]
        mean = acc.mean(0)
        best = float(_argmax_xi(mean, xi))
        boot = _argmax_xi(acc[rng.integers(0, S, (n_boot, S))].mean(1), xi)
        j = int(np.flatnonzero(xi == best)[0])
        i0 = np.flatnonzero(xi == 0.0)
        gain_s = acc[:, j] - acc[:, i0[0]] if i0.size else np.full(S, np.nan)
        rows.append(
            {
                **dict(zip(keys, key)),
                "n_seeds": S,
                "xi_best": best,
                "xi_best_se": float(boot.std(ddof=1)) if n_boot > 1 and S > 1 else np.nan,
                "p_pos": float((boot > 0).mean()),
                "p_neg": float((boot < 0).mean()),
                "xi_best_seed_sd": float(_argmax_xi(acc, xi).std(ddof=1)) if S > 1 else np.nan,
                "acc_best": float(mean[j]),
                "acc_xi0": float(mean[i0[0]]) if i0.size else np.nan,
                "gain": float(gain_s.mean()),
                "gain_se": float(gain_s.std(ddof=1) / math.sqrt(S)) if S > 1 else np.nan,
                "xi_min": float(xi.min()),
                "xi_max": float(xi.max()),
            }
        )
    return pd.DataFrame(rows)


def _predicted_by_lam(pred):
    """Seed-mean ``ξ̂`` (SE over seeds) and the estimated optimum, per (dataset, corruption, λ)."""

    def se(x):
        return x.std(ddof=1) / math.sqrt(len(x)) if len(x) > 1 else np.nan

    g = pred.groupby(["dataset", "corruption", "lam"], sort=True)
    return g.agg(
        xi_hat=("xi_hat", "mean"),
        xi_hat_se=("xi_hat", se),
        xi_hat_delta_se=("xi_se", "mean"),
        R_hat=("R_hat", "mean"),
        lam_star=("lam_star", "mean"),
        lam_star_se=("lam_star", se),
        sd_beats_ridge=("sd_beats_ridge", "mean"),
        n_train=("n_train", "first"),
    ).reset_index()


def _summary(measured, pred):
    """Measured best ξ next to the predicted ``ξ̂`` per (dataset, model, corruption, λ)."""
    p = _predicted_by_lam(pred).rename(columns={"lam": "teacher_lam"})
    s = measured.merge(p, on=["dataset", "corruption", "teacher_lam"], how="left")
    s = s.rename(columns={"teacher_lam": "lam"})
    clipped = s.xi_hat.clip(s.xi_min, s.xi_max)
    s["sign_pred"] = np.sign(s.xi_hat).astype(int)
    s["sign_meas"] = np.sign(s.xi_best).astype(int)
    s["sign_agree"] = np.where(s.sign_meas == 0, np.nan, (s.sign_pred == s.sign_meas) * 1.0)
    pred_se = s.xi_hat_se.fillna(s.xi_hat_delta_se)  # one seed: the delta-method SE
    tol = 2.0 * np.sqrt(s.xi_best_se.fillna(0) ** 2 + pred_se.fillna(0) ** 2)
    s["xi_hat_clipped"] = clipped
    s["magnitude_agree"] = (np.abs(s.xi_best - clipped) <= tol).astype(float)
    return s


def _agreement(summary):
    """Sign and magnitude agreement counts and rates (binomial SE) per (dataset, model) and all."""
    rows = []
    parts = [(k, g) for k, g in summary.groupby(["dataset", "model"], sort=True)]
    for (ds, model), g in [*parts, (("all", "all"), summary)]:
        signed = g.sign_agree.dropna()
        m, k = len(signed), int(signed.sum())
        r = k / m if m else np.nan
        mm = len(g)
        km = int(g.magnitude_agree.sum())
        rows.append(
            {
                "dataset": ds,
                "model": model,
                "n_points": mm,
                "n_measured_zero": int((g.sign_meas == 0).sum()),
                "n_signed": m,
                "n_sign_agree": k,
                "sign_agree_rate": r,
                "sign_agree_se": math.sqrt(r * (1 - r) / m) if m else np.nan,
                "n_magnitude_agree": km,
                "magnitude_agree_rate": km / mm if mm else np.nan,
                "magnitude_agree_se": math.sqrt(km / mm * (1 - km / mm) / mm) if mm else np.nan,
            }
        )
    return pd.DataFrame(rows)


# option names of the checks below: Python arguments of experiment(), or the CLI options
_PY_NAMES = {
    k: k
    for k in ("dataset", "model", "lam", "xi", "seeds", "train_steps", "n_boot")
    + ("corruption_binary", "corruption_multiclass")
}
_CLI_NAMES = {
    **{k: f"--{k.replace('_', '-')}" for k in _PY_NAMES},
    "corruption_binary": "--corruption",
    "corruption_multiclass": "--corruption",
}


def _unique_grid(values, name, **limits):
    from .._validate import check_scalar

    n = -1 if isinstance(values, str) else np.ndim(values)
    vals = (values,) if n == 0 else tuple(values) if n == 1 else None
    if not vals:
        raise ValueError(f"{name} must be a number or a non-empty list of numbers, got {values!r}")
    out = tuple(check_scalar(v, name, **limits) for v in vals)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat values, got {list(out)}")
    return out


def _names(values):
    """One name or a list of names, as a tuple (None if it is neither)."""
    return (values,) if isinstance(values, str) else tuple(values) if np.ndim(values) == 1 else None


def _plan(
    dataset,
    *,
    model,
    lam,
    xi,
    seeds,
    quick,
    train_steps,
    n_boot,
    corruption_binary,
    corruption_multiclass,
    names=_PY_NAMES,
):
    """Every per-dataset :class:`BridgeConfig` of :func:`experiment`, validated before training.

    A bad argument raises ``ValueError``/``TypeError`` naming it (``names``: the Python
    argument or the CLI option) and its valid range; nothing is loaded or trained.
    """
    from .._validate import check_choice
    from ._config import IMAGE_SHAPES, MODELS, BridgeConfig, n_classes_of
    from ._data import DATASETS as choices

    nm = names
    datasets, models = _names(dataset), _names(model)
    if not datasets:
        raise ValueError(f"{nm['dataset']} must be one or more datasets, got {dataset!r}")
    canon = ["gaussian_mixture" if d == "synthetic" else d for d in datasets]
    for d in datasets:
        check_choice(d, nm["dataset"], choices)
    if "mnist1d" in datasets and importlib.util.find_spec("mnist1d") is None:
        raise ValueError(
            f"{nm['dataset']} mnist1d needs the optional package mnist1d: "
            "pip install 'sdtheory[mnist1d]' (or pip install mnist1d)"
        )
    if len(set(canon)) != len(canon):
        raise ValueError(
            f"{nm['dataset']} must not repeat a dataset (a repeat would duplicate its seeds), "
            f"got {list(datasets)}"
        )
    if not models:
        raise ValueError(f"{nm['model']} must be one or more of {list(MODELS)}, got {model!r}")
    for m in models:
        check_choice(m, nm["model"], MODELS)
    if len(set(models)) != len(models):
        raise ValueError(f"{nm['model']} must not repeat a model, got {list(models)}")
    lams = _unique_grid(lam, nm["lam"], low=0.0, low_open=True)
    xi = _unique_grid(xi, nm["xi"])
    seeds = check_int(seeds, nm["seeds"], minimum=2)
    if train_steps != "auto":
        train_steps = check_int(train_steps, nm["train_steps"], minimum=1)
    if not 2 <= check_int(n_boot, nm["n_boot"]) <= _MAX_BOOT:
        raise ValueError(f"{nm['n_boot']} must be an integer in [2, {_MAX_BOOT}], got {n_boot}")
    binary = _unique_grid(
        corruption_binary, nm["corruption_binary"], low=0.0, high=1.0, high_open=True
    )
    multi = _unique_grid(
        corruption_multiclass, nm["corruption_multiclass"], low=0.0, high=1.0, high_open=True
    )
    configs = []
    for ds in datasets:
        k = n_classes_of(ds)
        name, levels = (
            (nm["corruption_binary"], binary) if k == 2 else (nm["corruption_multiclass"], multi)
        )
        limit = (k - 1) / k
        for r in levels:
            if r >= limit:
                raise ValueError(
                    f"{name} must be in [0, {limit:.3g}) for dataset {ds!r} ({k} classes, "
                    f"symmetric corruption: the clean label must stay the majority), got {r:g}"
                )
        ms = tuple(m for m in models if m != "conv" or ds in IMAGE_SHAPES)
        if not ms:
            raise ValueError(
                f"{nm['model']} conv needs image data ({nm['dataset']} in "
                f"{sorted(IMAGE_SHAPES)}); dataset {ds!r} would run no model: add linear or mlp "
                f"to {nm['model']}, or drop {ds!r}"
            )
        configs.append(
            BridgeConfig(
                dataset=ds,
                model=ms,
                corruption=levels,
                xi=xi,
                seeds=seeds,
                teacher_lam=lams,
                quick=quick,
                train_steps=train_steps,
            )
        )
    return configs, lams


def experiment(
    dataset=DATASETS,
    *,
    model=("linear", "mlp"),
    lam=LAMS,
    xi=XI_GRID,
    seeds=4,
    quick=True,
    train_steps="auto",
    corruption_binary=(0.3,),
    corruption_multiclass=(0.3, 0.5),
    n_boot=1000,
    progress=None,
):
    """Train the bridge over the (λ, ξ) grid per dataset and compare with :func:`predict_bridge_xi`.

    ``dataset``, ``model``, ``lam`` and ``xi`` each take one value or a list (the grid).
    ``conv`` runs on image data (digits) only. Every argument is checked, and every
    per-dataset :class:`BridgeConfig` built, before any training: distinct datasets and
    models, λ > 0 (distinct), distinct ξ, ``seeds >= 2`` (a count; the spreads are over
    seeds), ``2 <= n_boot <= 100000``, corruption below ``(K−1)/K`` of each dataset. Returns
    the tables ``runs, measured, predicted, curve, summary, agreement`` (a dict of
    DataFrames) and the seconds spent training.
    """
    from ._predict import predict_bridge_xi
    from ._runner import run_bridge

    configs, lams = _plan(
        dataset,
        model=model,
        lam=lam,
        xi=xi,
        seeds=seeds,
        quick=quick,
        train_steps=train_steps,
        corruption_binary=corruption_binary,
        corruption_multiclass=corruption_multiclass,
        n_boot=n_boot,
    )
    out = {k: [] for k in ("runs", "predicted", "curve")}
    secs = 0.0
    dense = np.geomspace(min(lams) / 3, max(lams) * 3, 49)
    for cfg in configs:
        ds = cfg.dataset
        t0 = time.perf_counter()
        runs = run_bridge(cfg, progress=progress)
        secs += time.perf_counter() - t0
        pred = predict_bridge_xi(cfg)
        if "n_corrupted" in runs.columns:  # the prediction used the runs' corrupted labels
            a = runs.groupby(["corruption", "seed"]).n_corrupted.first()
            b = pred.groupby(["corruption", "seed"]).n_corrupted.first()
            if not np.array_equal(a.sort_index().to_numpy(), b.sort_index().to_numpy()):
                raise RuntimeError(f"{ds}: corrupted labels of runs and prediction differ")
        out["runs"].append(runs)
        out["predicted"].append(pred)
        out["curve"].append(predict_bridge_xi(cfg, lam=dense))
    tabs = {k: pd.concat(v, ignore_index=True) for k, v in out.items()}
    tabs["curve"] = _predicted_by_lam(tabs["curve"])
    tabs["measured"] = measured_best_xi(tabs["runs"], n_boot=n_boot)
    tabs["summary"] = _summary(tabs["measured"], tabs["predicted"])
    tabs["agreement"] = _agreement(tabs["summary"])
    return tabs, secs


def add_arguments(parser) -> None:
    """Options of ``sdtheory bridge-predict``."""
    parser.description = (
        "Predicted vs measured best xi: train the bridge over a (lambda, xi) grid (lambda = "
        "teacher = student, summed-loss scale) and compare the best xi per lambda with the "
        "ridge-theory prediction on the same training features and corrupted labels."
    )
    a = parser.add_argument
    a(
        "--dataset",
        nargs="+",
        default=list(DATASETS),
        help="distinct datasets (default digits breast_cancer wine)",
    )
    a(
        "--model",
        nargs="+",
        default=["linear", "mlp"],
        help="distinct models of linear mlp conv (conv: digits only; default linear mlp)",
    )
    lams, xi_grid = " ".join(f"{v:g}" for v in LAMS), " ".join(f"{v:g}" for v in XI_GRID)
    a(
        "--lam",
        nargs="+",
        type=_real,
        default=list(LAMS),
        help=f"lambda grid (summed loss), each > 0, distinct (default {lams})",
    )
    a(
        "--xi",
        nargs="+",
        type=_real,
        default=list(XI_GRID),
        help=f"xi grid, distinct (default {xi_grid})",
    )
    a("--seeds", type=int, default=4, help="number of seeds >= 2 (default 4)")
    a(
        "--train-steps",
        type=int,
        default=None,
        help="full-batch Adam steps >= 1 (default: the quick budget, 150)",
    )
    a("--full", action="store_true", help="full budget and width instead of quick settings")
    a(
        "--n-boot",
        type=int,
        default=1000,
        help=f"bootstrap resamples of the seeds, in [2, {_MAX_BOOT}] (default 1000)",
    )
    a("--out", default=None, help="folder for bridge-prediction-*.csv (checked before training)")
    a(
        "--corruption",
        nargs="+",
        type=_real,
        default=None,
        help="distinct corrupted fractions for every dataset, each below (K-1)/K of every "
        "dataset (default 0.3 for binary data, 0.3 0.5 else)",
    )
    a(
        "--name",
        default="bridge-prediction",
        help="file name prefix: NAME-runs.csv, NAME-summary.csv, ... (default bridge-prediction)",
    )
    a("--no-progress", action="store_true", help="no progress bar")


FILES = ("runs", "measured", "predicted", "curve", "summary", "agreement")


def run(args) -> int:
    """Run :func:`experiment`, print the summary, write ``bridge-prediction-*.csv`` + JSON."""
    from .._io import check_output_dir

    out = None if args.out is None else check_output_dir(args.out, "--out")
    name = str(args.name)
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"--name must be a plain file name prefix, got {name!r}")
    kw = dict(
        model=tuple(args.model),
        lam=tuple(args.lam),
        xi=tuple(args.xi),
        seeds=args.seeds,
        quick=not args.full,
        train_steps="auto" if args.train_steps is None else args.train_steps,
        n_boot=args.n_boot,
        corruption_binary=(0.3,),
        corruption_multiclass=(0.3, 0.5),
    )
    if args.corruption is not None:
        kw["corruption_binary"] = kw["corruption_multiclass"] = tuple(args.corruption)
    _plan(tuple(args.dataset), **kw, names=_CLI_NAMES)  # every argument, before any training
    progress = False if args.no_progress else None
    tabs, secs = experiment(tuple(args.dataset), **kw, progress=progress)
    cols = ["dataset", "model", "corruption", "lam", "xi_best", "xi_best_se", "xi_hat"]
    cols += ["xi_hat_se", "gain", "gain_se", "sign_agree", "magnitude_agree"]
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(tabs["summary"][cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(tabs["agreement"].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"{len(tabs['runs'])} runs, {secs:.0f} s of training")
    if out is not None:
        import sys

        from .._io import write_csv, write_json

        paths = [write_csv(tabs[k], out / f"{name}-{k}.csv") for k in FILES]
        meta = {
            "command": "sdtheory bridge-predict",
            "params": {k: v for k, v in vars(args).items() if k not in ("func",)},
            "seconds_training": round(secs, 1),
            "sdtheory": getattr(sys.modules.get("sdtheory"), "__version__", None),
            "files": [p.name for p in paths],
        }
        paths.append(write_json(meta, out / f"{name}-params.json"))
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0
