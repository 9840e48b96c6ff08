"""The deep-net bridge experiment: teacher on noisy labels, SD students over a ξ grid, per seed.

This module imports JAX only inside :func:`run_bridge`; the summary and the figure need only
NumPy/pandas/matplotlib.
"""

from __future__ import annotations

import math
import sys
import time
from numbers import Integral, Real

import numpy as np

from .._validate import check_choice, check_int
from ._data import CORRUPTIONS, DATASETS, check_noise_rate, corrupt_labels, load_dataset, split_dataset

__all__ = [
    "DEFAULT_XIS",
    "QUICK_XIS",
    "MODELS",
    "DEFAULTS",
    "run_bridge",
    "summarize_bridge",
    "plot_bridge",
]

#: Default ξ grid: [0, 6], dense around 1.
DEFAULT_XIS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0)
#: ξ grid of quick mode.
QUICK_XIS = (0.0, 0.5, 1.0, 1.5, 2.0, 4.0)
#: Model names: softmax regression (linear probe) and a ReLU MLP (``depth`` hidden layers).
MODELS = ("linear", "mlp")
#: Default settings of the full and the quick run.
DEFAULTS = {
    "full": {"steps": 1000, "width": 128, "lr": 0.01},
    "quick": {"steps": 150, "width": 32, "lr": 0.02},
    # chosen per model as the λ maximizing the plain-CE (ξ = 0) model's clean validation
    # accuracy, averaged over noise 0.3 and 0.5, on digits with tuning seeds 100-101 (disjoint
    # from the reported seeds 0-4), grid {1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3}, full settings
    "weight_decay": {"linear": 0.1, "mlp": 0.03},
    "chunk": 50,
    "max_steps": 20000,
    "tol": 1e-4,
}
_MODEL_TAG = {"linear": 11, "mlp": 13}


def _as_tuple(x, name):
    if isinstance(x, (str, bytes)) or isinstance(x, (Real, Integral)) or x is None:
        return (x,)
    try:
        return tuple(x)
    except TypeError:
        raise TypeError(f"{name} must be a value or a sequence of values, got {type(x).__name__}") from None


def _check_xis(xis):
    vals = _as_tuple(xis, "xis")
    if len(vals) == 0:
        raise ValueError("xis (the ξ grid) must not be empty")
    out = []
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, (Real, Integral, np.floating, np.integer)):
            raise TypeError(f"xis must contain numbers, got {v!r}")
        v = float(v)
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"xis must be finite and >= 0, got {v}")
        out.append(v)
    if len(set(out)) != len(out):
        raise ValueError(f"xis must not repeat values, got {out}")
    return tuple(out)


def _seed_list(seeds, seed):
    if isinstance(seeds, Integral) and not isinstance(seeds, bool):
        n = check_int(seeds, "seeds", minimum=1)
        base = check_int(seed, "seed", minimum=0)
        return list(range(base, base + n))
    vals = _as_tuple(seeds, "seeds")
    if len(vals) == 0:
        raise ValueError("seeds must not be empty")
    out = [check_int(s, "seeds", minimum=0) for s in vals]
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must not repeat, got {out}")
    return out


def _weight_decays(weight_decay, models):
    if weight_decay is None:
        wd = {m: DEFAULTS["weight_decay"][m] for m in models}
    elif isinstance(weight_decay, dict):
        unknown = set(weight_decay) - set(MODELS)
        if unknown:
            raise ValueError(f"weight_decay keys must be in {list(MODELS)}, got {sorted(unknown)}")
        wd = {m: weight_decay.get(m, DEFAULTS["weight_decay"][m]) for m in models}
    else:
        wd = {m: weight_decay for m in models}
    for m, v in wd.items():
        if isinstance(v, bool) or not isinstance(v, (Real, Integral)):
            raise TypeError(f"weight_decay must be a number, got {v!r}")
        if not math.isfinite(float(v)) or v < 0:
            raise ValueError(f"weight_decay must be finite and >= 0, got {v}")
        wd[m] = float(v)
    return wd


def run_bridge(dataset="digits", model="mlp", noise=(0.3, 0.5), xis=None, seeds=5,
               quick=False, seed=0, *, corruption="symmetric", steps="auto", weight_decay=None,
               lr=None, width=None, depth=1, n_samples=None, n_features=None, n_classes=None,
               val_fraction=0.2, test_fraction=0.2, dtype="float32", progress=None,
               chunk=None, tol=None, max_steps=None):
    """Train teachers on noisy labels and SD students over a ξ grid; one row per run.

    For each seed (which fixes the split, the corruption and the initializations), each
    corruption rate and each model: a teacher is trained with cross-entropy on the corrupted
    training labels; then, for every ξ, a student of the same architecture, from a fresh
    initialization shared by all ξ of that (seed, model), is trained on the soft target
    ``q = ξ p_teacher + (1 − ξ) onehot(noisy)`` with the same budget and weight decay. All
    (seed, rate, ξ) students of a model train at once (``vmap``, one ``jit``).

    Parameters
    ----------
    dataset : {"digits", "breast_cancer", "gaussian_mixture", "synthetic"}
        Bundled data (see :func:`load_dataset`); features standardized with train statistics.
    model : {"linear", "mlp"} or a sequence of them
        Softmax regression (linear probe) or a ReLU MLP with ``depth`` hidden layers of ``width``.
    noise : float or sequence of float
        Fractions of corrupted training labels, each in ``[0, 1)`` (below ``(K−1)/K`` for
        symmetric, below 0.5 for asymmetric or binary data). Validation/test labels stay clean.
    xis : sequence of float, optional
        ξ grid (each ``>= 0``). Default :data:`DEFAULT_XIS` (:data:`QUICK_XIS` in quick mode).
    seeds : int or sequence of int
        Number of seeds (``seed, seed + 1, ...``) or the explicit seeds. A row's numbers depend
        only on its own seed and settings, not on the other seeds in the call.
    quick : bool
        Small budget and width (seconds), default ξ grid :data:`QUICK_XIS`.
    seed : int
        First seed when ``seeds`` is an int.
    corruption : {"symmetric", "asymmetric"}
        Uniform over the other classes, or ``k → k + 1 mod K``.
    steps : int, "auto" or None
        Full-batch Adam steps (cosine-decayed learning rate). ``"auto"``: 1000 (quick 150).
        ``None``: no budget, train until every run's gradient norm is below ``tol`` (at most
        ``max_steps``, constant learning rate); then ξ > 1 needs ``weight_decay > 0``.
    weight_decay : float or dict, optional
        λ of the ``(λ/2)Σ‖W‖²`` penalty (per model if a dict); default ``{"linear": 0.1,
        "mlp": 0.03}``: the λ that maximizes the validation accuracy of the plain-CE model
        (ξ = 0) on digits (tuning seeds 100–101, see :data:`DEFAULTS`).
    lr, width, depth
        Adam learning rate (default 0.01, quick 0.02), hidden width (128, quick 32) and number of
        hidden layers (1 or 2) of the MLP.
    n_samples, n_features, n_classes
        Gaussian-mixture size (only for that dataset).
    dtype : {"float32", "float64"}
        Training precision (float64 runs inside ``sdtheory.simulate._common.x64``).
    progress : bool or None
        tqdm progress bar on stderr (None: only when stderr is a terminal).

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, model, noise, xi, seed) with ``test_acc``, ``val_acc``,
        ``val_acc_noisy`` (validation labels corrupted like the training labels),
        ``corrupted_train_acc`` (accuracy on the corrupted training points against their clean
        labels), ``noisy_train_acc``, ``clean_train_acc``, the teacher's ``teacher_test_acc`` and
        ``teacher_corrupted_train_acc``, the final loss and gradient norm, and every setting
        (budget, λ, lr, width, depth, sizes, dtype, optimizer).

    Notes
    -----
    Student objective (per run): ``(1/n) Σ_i CE(q_i, softmax(f_θ(x_i))) + (λ/2) Σ‖W‖²`` with
    ``q_i = ξ p_T(x_i) + (1 − ξ) e_{ỹ_i}``. Since ``Σ_k q_ik = 1``, ``CE = −q·z + logsumexp(z)``,
    convex in the logits ``z`` for every ξ; for ξ > 1, ``q`` has negative entries and the loss is
    unbounded below without weight decay (send the logit of a class with ``q_k < 0`` to −∞),
    hence the error for ``weight_decay=0``, ξ > 1 and no step budget. With λ > 0 the linear probe
    has a unique minimizer (strongly convex in ``W``; the unpenalized bias stays finite because
    ``Σ_i q_ik = n·freq_k + ξ Σ_i (p_T,ik − onehot_ik)`` and a converged teacher's bias gradient
    makes the last sum 0). A ReLU MLP with ``L`` hidden layers has logits ``(L+1)``-homogeneous
    in the weights against a quadratic penalty: for ``L = 1`` the loss is bounded below only when
    λ exceeds a data- and ``q``-dependent threshold, for ``L = 2`` it is unbounded for every λ
    (hence the error for depth 2, ξ > 1 and no budget). The fixed step budget is what makes
    ξ > 1 well posed for the MLPs. ξ = 0 is plain cross-entropy on the noisy labels; ξ = 1
    copies the teacher.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023.

    Examples
    --------
    >>> df = run_bridge("breast_cancer", "linear", noise=0.2, xis=(0, 2), seeds=2, quick=True,
    ...                 steps=20, progress=False)
    >>> df.shape[0], sorted(df.xi.unique().tolist())
    (4, [0.0, 2.0])
    """
    import pandas as pd

    check_choice(dataset, "dataset", DATASETS)
    models = _as_tuple(model, "model")
    if len(models) == 0:
        raise ValueError("model must not be empty")
    for m in models:
        check_choice(m, "model", MODELS)
    if len(set(models)) != len(models):
        raise ValueError(f"model must not repeat, got {models}")
    check_choice(corruption, "corruption", CORRUPTIONS)
    check_choice(dtype, "dtype", ("float32", "float64"))
    rates = _as_tuple(noise, "noise")
    if len(rates) == 0:
        raise ValueError("noise must not be empty")
    xis = _check_xis(QUICK_XIS if (xis is None and quick) else DEFAULT_XIS if xis is None else xis)
    seed_list = _seed_list(seeds, seed)
    mode = DEFAULTS["quick" if quick else "full"]
    if isinstance(steps, str):
        if steps != "auto":
            raise ValueError(f"steps must be a positive int, 'auto' or None, got {steps!r}")
        steps = mode["steps"]
    elif steps is not None:
        steps = check_int(steps, "steps", minimum=1)
    lr = float(mode["lr"] if lr is None else lr)
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be finite and > 0, got {lr}")
    width = check_int(mode["width"] if width is None else width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    if depth > 2:
        raise ValueError(f"depth (hidden layers of the MLP) must be 1 or 2, got {depth}")
    chunk = check_int(DEFAULTS["chunk"] if chunk is None else chunk, "chunk", minimum=1)
    tol = float(DEFAULTS["tol"] if tol is None else tol)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    max_steps = check_int(DEFAULTS["max_steps"] if max_steps is None else max_steps,
                          "max_steps", minimum=1)
    wds = _weight_decays(weight_decay, models)
    if steps is None and max(xis) > 1:
        bad = [m for m in models if wds[m] == 0]
        if bad:
            raise ValueError(
                f"weight_decay=0 for {bad} with xi > 1 and steps=None (no budget): the SD "
                "cross-entropy with target xi*p + (1-xi)*onehot has negative entries and is "
                "unbounded below; set weight_decay > 0 or a step budget `steps`")
        if "mlp" in models and depth >= 2:
            raise ValueError(
                "steps=None (no budget) with xi > 1 and an MLP of depth 2: its logits are "
                "3-homogeneous in the weights while the penalty is quadratic, so the SD loss is "
                "unbounded below for every weight_decay; set a step budget `steps`")

    X, y = load_dataset(dataset, n_samples=n_samples, n_features=n_features,
                        n_classes=n_classes)
    n_cls = int(y.max()) + 1
    rates = tuple(check_noise_rate(r, n_cls, corruption) for r in rates)
    if len(set(rates)) != len(rates):
        raise ValueError(f"noise must not repeat values, got {rates}")

    # Data, per seed (numpy): split, standardization, corruption of the training labels.
    splits = [split_dataset(X, y, seed=s, val_fraction=val_fraction,
                            test_fraction=test_fraction) for s in seed_list]
    noisy = np.stack([np.stack([corrupt_labels(sp.y_train, r, n_classes=n_cls, kind=corruption,
                                               seed=s)[0] for r in rates])
                      for s, sp in zip(seed_list, splits)])                     # (S, N, n)
    noisy_val = np.stack([np.stack([corrupt_labels(sp.y_val, r, n_classes=n_cls, kind=corruption,
                                                   seed=s, stream=1)[0] for r in rates])
                          for s, sp in zip(seed_list, splits)])                 # (S, N, n_val)

    from ..simulate._common import x64

    ctx = x64() if dtype == "float64" else _nullcontext()
    with ctx:
        rows = _train_all(
            splits, noisy, noisy_val, seed_list, rates, xis, models, wds, n_cls,
            steps=steps, lr=lr, width=width, depth=depth, dtype=dtype, chunk=chunk, tol=tol,
            max_steps=max_steps, progress=progress)
    df = pd.DataFrame(rows)
    sp = splits[0]
    df.insert(0, "dataset", "gaussian_mixture" if dataset == "synthetic" else dataset)
    df["corruption"] = corruption
    df["n_train"], df["n_val"], df["n_test"] = len(sp.y_train), len(sp.y_val), len(sp.y_test)
    df["n_features"], df["n_classes"] = sp.X_train.shape[1], n_cls
    df["lr"] = lr
    df["budget"] = "converge" if steps is None else "fixed"
    df["optimizer"] = "adam full-batch" + ("" if steps is None else ", cosine lr decay")
    df["dtype"] = dtype
    df["quick"] = bool(quick)
    return df.sort_values(["model", "noise", "xi", "seed"], kind="stable").reset_index(drop=True)


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _train_all(splits, noisy, noisy_val, seed_list, rates, xis, models, wds, n_cls, *, steps,
               lr, width, depth, dtype, chunk, tol, max_steps, progress):
    import jax
    import jax.numpy as jnp

    from ._train import batched_forward, cached_trainer, init_run_params

    dt = jnp.float32 if dtype == "float32" else jnp.float64
    S, N, Xn = len(seed_list), len(rates), len(xis)
    Xtr = jnp.asarray(np.stack([sp.X_train for sp in splits]), dt)
    # train, validation and test stacked, so one compiled forward pass predicts all three
    Xall = jnp.asarray(np.stack([np.concatenate([sp.X_train, sp.X_val, sp.X_test])
                                 for sp in splits]), dt)
    n_tr, n_va = splits[0].X_train.shape[0], splits[0].X_val.shape[0]
    ytr = np.stack([sp.y_train for sp in splits])                               # (S, n)
    yva = np.stack([sp.y_val for sp in splits])
    yte = np.stack([sp.y_test for sp in splits])
    onehot = jnp.asarray(np.eye(n_cls)[noisy], dt)                               # (S, N, n, K)
    corrupted = noisy != ytr[:, None, :]                                         # (S, N, n)
    xi_arr = jnp.asarray(xis, dt)
    d = Xtr.shape[-1]

    from tqdm.auto import tqdm

    per_stage = steps if steps is not None else max_steps
    disable = (not sys.stderr.isatty()) if progress is None else (not progress)
    bar = tqdm(total=2 * per_stage * len(models), desc="bridge", unit="step", file=sys.stderr,
               disable=disable, leave=False)

    def init_batch(tag, m, n_runs):
        sizes = (d, n_cls) if m == "linear" else (d,) + (width,) * depth + (n_cls,)
        ps = [init_run_params(s, _MODEL_TAG[m], tag, sizes, dt) for s in seed_list]
        stacked = jax.tree.map(lambda *a: jnp.stack(a), *ps)                    # (S, ...)
        return jax.tree.map(lambda a: jnp.broadcast_to(a[:, None], (S, n_runs) + a.shape[1:]),
                            stacked), sizes

    def train(params, Q, lam):
        opt, _ = cached_trainer(lr, steps, chunk)
        state = jax.vmap(jax.vmap(opt.init))(params)
        lam = jnp.asarray(lam, dt)
        done, losses, gn = 0, [], None
        budget = steps if steps is not None else max_steps
        while done < budget:
            n = min(chunk, budget - done)
            params, state, ls, gn = cached_trainer(lr, steps, n)[1](params, state, Xtr, Q, lam)
            losses.append(np.asarray(ls))
            done += n
            bar.update(n)
            if steps is None and float(jnp.max(gn)) < tol:
                bar.update(budget - done)
                break
        return params, np.concatenate(losses, axis=-1), np.asarray(gn), done

    rows = []
    for m in models:
        t0 = time.perf_counter()
        lam = wds[m]
        # Teachers: one per (seed, rate), CE on the noisy labels; init shared across rates.
        tp, sizes = init_batch(0, m, N)
        tp, t_losses, _, t_steps = train(tp, onehot, lam)
        p_all = batched_forward(tp, Xall)                                        # (S, N, n_all, K)
        p_teacher = p_all[:, :, :n_tr]                                           # (S, N, n, K)
        t_pred = np.asarray(p_all).argmax(-1)
        t_train, t_test = t_pred[..., :n_tr], t_pred[..., n_tr + n_va:]
        # Students: one per (seed, rate, xi); fresh init shared by all (rate, xi) of a seed.
        Q = (xi_arr[None, None, :, None, None] * p_teacher[:, :, None]
             + (1 - xi_arr[None, None, :, None, None]) * onehot[:, :, None])     # (S, N, Xi, n, K)
        Q = Q.reshape((S, N * Xn) + Q.shape[3:])
        sp_, _ = init_batch(1, m, N * Xn)
        sp_, s_losses, s_gn, s_steps = train(sp_, Q, lam)
        pr = np.asarray(batched_forward(sp_, Xall)).argmax(-1).reshape(S, N, Xn, -1)
        pr_tr, pr_va, pr_te = pr[..., :n_tr], pr[..., n_tr:n_tr + n_va], pr[..., n_tr + n_va:]
        s_losses = s_losses.reshape(S, N, Xn, -1)
        s_gn = s_gn.reshape(S, N, Xn)
        secs = time.perf_counter() - t0
        n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        for i, s in enumerate(seed_list):
            for j, r in enumerate(rates):
                c = corrupted[i, j]
                t_corr = float((t_train[i, j][c] == ytr[i][c]).mean()) if c.any() else float("nan")
                for k, xi in enumerate(xis):
                    ptr = pr_tr[i, j, k]
                    rows.append({
                        "model": m, "noise": r, "xi": xi, "seed": s,
                        "test_acc": float((pr_te[i, j, k] == yte[i]).mean()),
                        "val_acc": float((pr_va[i, j, k] == yva[i]).mean()),
                        "val_acc_noisy": float((pr_va[i, j, k] == noisy_val[i, j]).mean()),
                        "corrupted_train_acc": (float((ptr[c] == ytr[i][c]).mean())
                                                if c.any() else float("nan")),
                        "noisy_train_acc": float((ptr == noisy[i, j]).mean()),
                        "clean_train_acc": float((ptr == ytr[i]).mean()),
                        "teacher_agree_train": float((ptr == t_train[i, j]).mean()),
                        "teacher_test_acc": float((t_test[i, j] == yte[i]).mean()),
                        "teacher_corrupted_train_acc": t_corr,
                        "teacher_final_loss": float(t_losses[i, j, -1]),
                        "first_loss": float(s_losses[i, j, k, 0]),
                        "final_loss": float(s_losses[i, j, k, -1]),
                        "grad_norm": float(s_gn[i, j, k]),
                        "n_corrupted": int(c.sum()),
                        "weight_decay": lam,
                        "steps": s_steps,
                        "teacher_steps": t_steps,
                        "width": 0 if m == "linear" else width,
                        "depth": 0 if m == "linear" else depth,
                        "n_params": n_params,
                        "batch": "full",
                        "seconds_model": secs,
                    })
    bar.close()
    return rows


def _best(means: "dict[float, float]", pred):
    cand = [(v, -x, x) for x, v in means.items() if pred(x) and np.isfinite(v)]
    if not cand:
        return float("nan")
    return max(cand)[2]  # highest mean; ties -> smallest ξ


def summarize_bridge(df, *, metric: str = "test_acc"):
    """Summary per (dataset, model, corruption, noise): best ξ, gap best ξ > 1 − best ξ ≤ 1, and
    the validation-chosen ξ.

    Columns: ``teacher_acc`` (mean teacher test accuracy); ``xi_best``, ``acc_best``,
    ``acc_best_se`` (ξ with the highest mean test accuracy over seeds: test-optimal, i.e. it
    peeks at the test set); ``xi_le1``/``acc_le1`` and ``xi_gt1``/``acc_gt1`` (the same
    restricted to ξ ≤ 1 and ξ > 1); ``gap``, ``gap_se`` (paired over seeds: mean and standard
    error of ``acc(seed, xi_gt1) − acc(seed, xi_le1)``); ``acc_val``, ``acc_val_se``,
    ``xi_val_median`` (test accuracy at the ξ chosen per seed by clean-validation accuracy,
    ties to the smallest ξ: no test peeking); ``acc_valnoisy`` (the same with the noisy
    validation labels); ``gap_val``, ``gap_val_se`` (paired: test accuracy at the
    validation-chosen ξ > 1 minus at the validation-chosen ξ ≤ 1). Standard errors are
    ``std(ddof=1)/√seeds`` (NaN with one seed).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"dataset": "d", "model": "m", "corruption": "symmetric", "noise": 0.3,
    ...                    "xi": [0, 2, 0, 2], "seed": [0, 0, 1, 1],
    ...                    "test_acc": [0.5, 0.7, 0.6, 0.7], "val_acc": [0.5, 0.6, 0.5, 0.4],
    ...                    "val_acc_noisy": [0.5, 0.6, 0.5, 0.4], "teacher_test_acc": 0.55})
    >>> s = summarize_bridge(df)
    >>> float(s.xi_best[0]), round(float(s.gap[0]), 3), round(float(s.acc_val[0]), 3)
    (2.0, 0.15, 0.65)
    """
    import pandas as pd

    need = {"dataset", "model", "noise", "xi", "seed", metric}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df is missing columns {sorted(missing)}")
    if len(df) == 0:
        raise ValueError("df must not be empty")
    keys = [k for k in ("dataset", "model", "corruption", "noise") if k in df.columns]
    out = []

    def mse(v):
        v = np.asarray(v, dtype=float)
        se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
        return float(v.mean()), float(se)

    for key, g in df.groupby(keys, sort=True):
        piv = g.pivot_table(index="seed", columns="xi", values=metric, aggfunc="mean")
        means = piv.mean(axis=0).to_dict()
        xb = _best(means, lambda x: True)
        xl = _best(means, lambda x: x <= 1)
        xh = _best(means, lambda x: x > 1)
        rec = dict(zip(keys, key))
        rec["n_seeds"] = int(piv.shape[0])
        if "teacher_test_acc" in g:
            rec["teacher_acc"] = float(g.groupby("seed")["teacher_test_acc"].first().mean())
        rec["xi_best"] = xb
        rec["acc_best"], rec["acc_best_se"] = mse(piv[xb])
        rec["xi_le1"] = xl
        rec["acc_le1"], rec["acc_le1_se"] = mse(piv[xl]) if np.isfinite(xl) else (np.nan, np.nan)
        rec["xi_gt1"] = xh
        rec["acc_gt1"], rec["acc_gt1_se"] = mse(piv[xh]) if np.isfinite(xh) else (np.nan, np.nan)
        if np.isfinite(xl) and np.isfinite(xh):
            rec["gap"], rec["gap_se"] = mse(piv[xh] - piv[xl])
        else:
            rec["gap"], rec["gap_se"] = np.nan, np.nan
        for col, tag in (("val_acc", "val"), ("val_acc_noisy", "valnoisy")):
            if col not in g:
                continue
            vp = g.pivot_table(index="seed", columns="xi", values=col, aggfunc="mean")

            def pick(pred, vp=vp):
                cols = [x for x in vp.columns if pred(x)]
                if not cols:
                    return None
                sub = vp[cols]
                # idxmax returns the first maximum: columns are sorted, so ties go to the smaller ξ
                return sub.idxmax(axis=1)

            ch = pick(lambda x: True)
            acc = np.array([piv.loc[s, ch[s]] for s in piv.index])
            rec[f"acc_{tag}"], rec[f"acc_{tag}_se"] = mse(acc)
            rec[f"xi_{tag}_median"] = float(np.median(ch.values))
            if tag == "val":
                rec["xi_val_choices"] = " ".join(f"{x:g}" for x in ch.values)
                lo, hi = pick(lambda x: x <= 1), pick(lambda x: x > 1)
                if lo is not None and hi is not None:
                    d = np.array([piv.loc[s, hi[s]] - piv.loc[s, lo[s]] for s in piv.index])
                    rec["gap_val"], rec["gap_val_se"] = mse(d)
                else:
                    rec["gap_val"], rec["gap_val_se"] = np.nan, np.nan
        out.append(rec)
    return pd.DataFrame(out)


def plot_bridge(df, *, title: str | None = None):
    """Accuracy vs ξ (mean ± SE over seeds), one line per noise level.

    Top row: clean test accuracy (dashed: the teacher); bottom row: accuracy on the corrupted
    training points against their clean labels; one column per (dataset, model).

    Parameters
    ----------
    df : pandas.DataFrame
        Rows as returned by :func:`run_bridge` (columns ``dataset, model, noise, xi, seed,
        test_acc, corrupted_train_acc`` and optionally ``teacher_test_acc``).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"dataset": "digits", "model": "linear", "noise": 0.3,
    ...                    "xi": [0.0, 0.0, 2.0, 2.0], "seed": [0, 1, 0, 1],
    ...                    "test_acc": [0.90, 0.92, 0.93, 0.91],
    ...                    "corrupted_train_acc": [0.5, 0.6, 0.7, 0.6]})
    >>> fig = plot_bridge(df)
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    groups = list(df.groupby(["dataset", "model"], sort=True))
    fig, axes = plt.subplots(2, len(groups), figsize=(4.6 * len(groups), 7.0), squeeze=False,
                             sharex=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for c, ((ds, m), g) in enumerate(groups):
        for j, (r, gr) in enumerate(g.groupby("noise", sort=True)):
            col = colors[j % len(colors)]
            for row, metric in enumerate(("test_acc", "corrupted_train_acc")):
                st = gr.groupby("xi")[metric].agg(["mean", "std", "count"])
                se = st["std"] / np.sqrt(st["count"])
                axes[row, c].errorbar(st.index, st["mean"], yerr=se, color=col, marker="o",
                                      ms=3.5, capsize=2.5, label=f"noise {r:g}")
            if "teacher_test_acc" in gr:
                t = gr.groupby("seed")["teacher_test_acc"].first().mean()
                axes[0, c].axhline(t, color=col, ls="--", lw=0.9, alpha=0.8)
        n_seeds = g["seed"].nunique()
        axes[0, c].set_title(f"{ds}, {m} ({n_seeds} seeds)")
        axes[0, c].set_ylabel("clean test accuracy")
        axes[1, c].set_ylabel("acc. on corrupted train points (clean labels)")
        axes[1, c].set_xlabel("ξ")
        for row in range(2):
            axes[row, c].axvline(1.0, color="0.6", ls=":", lw=1)
            axes[row, c].grid(alpha=0.3)
        axes[0, c].legend(fontsize=8, title="dashed: teacher", title_fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
