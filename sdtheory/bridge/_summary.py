"""Summary table and figure of the deep-net bridge (NumPy, pandas, matplotlib; no JAX)."""

from __future__ import annotations

import numpy as np

__all__ = ["summarize_bridge", "plot_bridge", "check_runs", "GROUP_KEYS"]

#: Columns that define a summary group (those present in the table are used).
GROUP_KEYS = (
    "dataset",
    "model",
    "corruption_kind",
    "corruption",
    "teacher_lam",
    "student_lam",
    "temperature",
)


def check_runs(df, metric: str = "test_acc", *, name: str = "df"):
    """Validate a table of bridge runs: a non-empty DataFrame with the key columns and a
    numeric ``metric`` column in ``[0, 1]`` (NaN allowed only where a quantity is undefined)."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame of bridge runs (from run_bridge), "
            f"got {type(df).__name__}"
        )
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a column name (str), got {type(metric).__name__}")
    need = {"dataset", "model", "corruption", "xi", "seed", metric}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"{name} is missing columns {sorted(missing)}")
    if len(df) == 0:
        raise ValueError(f"{name} must not be empty")
    for col in ("corruption", "xi", metric):
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            raise TypeError(f"{name}[{col!r}] must hold real numbers, got dtype {df[col].dtype}")
    for col in ("corruption", "xi"):
        if not np.isfinite(df[col].to_numpy(dtype=float)).all():
            raise ValueError(f"{name}[{col!r}] must be finite (no NaN or inf)")
    vals = df[metric].to_numpy(dtype=float)
    if np.isinf(vals).any() or ((vals < 0) | (vals > 1)).any():
        raise ValueError(f"{name}[{metric!r}] must be accuracies in [0, 1]")
    if np.isnan(vals).all():
        raise ValueError(f"{name}[{metric!r}] is all NaN")
    return df


def _best(means: dict[float, float], pred):
    cand = [(v, -x, x) for x, v in means.items() if pred(x) and np.isfinite(v)]
    if not cand:
        return float("nan")
    return max(cand)[2]  # highest mean; ties -> smallest ξ


def summarize_bridge(df, *, metric: str = "test_acc"):
    """Summary per (dataset, model, corruption_kind, corruption, teacher_lam, student_lam,
    temperature), over the columns present: best ξ, gap best ξ > 1 − best ξ ≤ 1, and the
    validation-chosen ξ.

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

    Parameters
    ----------
    df : pandas.DataFrame
        Rows as returned by :func:`run_bridge` (at least ``dataset, model, corruption, xi, seed``
        and the ``metric`` column; ``corruption_kind``, ``val_acc``, ``val_acc_noisy`` and
        ``teacher_test_acc`` are used when present).
    metric : str
        Name of the numeric column to summarize (default ``"test_acc"``); values in ``[0, 1]``.

    Returns
    -------
    pandas.DataFrame
        One row per group, with the columns above.

    Notes
    -----
    See the theory page :doc:`/theory/bridge`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"dataset": "d", "model": "m", "corruption_kind": "symmetric",
    ...                    "corruption": 0.3,
    ...                    "xi": [0, 2, 0, 2], "seed": [0, 0, 1, 1],
    ...                    "test_acc": [0.5, 0.7, 0.6, 0.7], "val_acc": [0.5, 0.6, 0.5, 0.4],
    ...                    "val_acc_noisy": [0.5, 0.6, 0.5, 0.4], "teacher_test_acc": 0.55})
    >>> s = summarize_bridge(df)
    >>> float(s.xi_best[0]), round(float(s.gap[0]), 3), round(float(s.acc_val[0]), 3)
    (2.0, 0.15, 0.65)
    """
    import pandas as pd

    check_runs(df, metric)
    keys = [k for k in GROUP_KEYS if k in df.columns]
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
    """Accuracy vs ξ: mean over seeds with ±1 SE error bars, one marker series per corruption
    level.

    Top row: clean test accuracy (dashed horizontal lines: the teacher); bottom row: accuracy
    on the corrupted training points against their clean labels; one column per (dataset,
    model). Markers only: the ξ grid is coarse and uneven, and a line between grid points would
    suggest values that were not measured. The legend says what the error bars are.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows as returned by :func:`run_bridge` (columns ``dataset, model, corruption, xi, seed,
        test_acc, corrupted_train_acc`` and optionally ``teacher_test_acc``), with one
        ``(teacher_lam, student_lam, temperature)`` setting per (dataset, model) when those
        columns are present.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The standard error is ``std(ddof=1)/√seeds`` of the per-seed accuracies at each ξ. See the
    theory page :doc:`/theory/bridge`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"dataset": "digits", "model": "linear", "corruption": 0.3,
    ...                    "xi": [0.0, 0.0, 2.0, 2.0], "seed": [0, 1, 0, 1],
    ...                    "test_acc": [0.90, 0.92, 0.93, 0.91],
    ...                    "corrupted_train_acc": [0.5, 0.6, 0.7, 0.6]})
    >>> fig = plot_bridge(df)
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    check_runs(df, "test_acc")
    if "corrupted_train_acc" not in df.columns:
        raise ValueError("df is missing columns ['corrupted_train_acc']")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    grid = [k for k in ("teacher_lam", "student_lam", "temperature") if k in df.columns]
    if (
        grid
        and df.groupby(["dataset", "model"] + grid).ngroups
        > df.groupby(["dataset", "model"]).ngroups
    ):
        raise ValueError(
            f"df has several ({', '.join(grid)}) settings for one (dataset, model); the figure "
            "draws one setting per model: select one first (e.g. df[df.temperature == 1])"
        )
    groups = list(df.groupby(["dataset", "model"], sort=True))
    fig, axes = plt.subplots(
        2, len(groups), figsize=(4.8 * len(groups), 7.6), squeeze=False, sharex=True
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = ("o", "s", "^", "D", "v", "P")
    levels = sorted(df["corruption"].unique())
    style = {r: (colors[j % len(colors)], markers[j % len(markers)]) for j, r in enumerate(levels)}
    teacher_shown = False
    for c, ((ds, m), g) in enumerate(groups):
        for r, gr in g.groupby("corruption", sort=True):
            col, mk = style[r]
            for row, metric in enumerate(("test_acc", "corrupted_train_acc")):
                st = gr.groupby("xi")[metric].agg(["mean", "std", "count"])
                se = st["std"] / np.sqrt(st["count"])
                axes[row, c].errorbar(
                    st.index,
                    st["mean"],
                    yerr=se,
                    color=col,
                    marker=mk,
                    ms=4.5,
                    ls="none",
                    elinewidth=1.1,
                    capsize=3,
                )
            if "teacher_test_acc" in gr:
                t = gr.groupby("seed")["teacher_test_acc"].first().mean()
                axes[0, c].axhline(t, color=col, ls="--", lw=0.9, alpha=0.8)
                teacher_shown = True
        axes[0, c].set_title(f"{ds}, {m} ({g['seed'].nunique()} seeds)")
        axes[0, c].set_ylabel("clean test accuracy")
        axes[1, c].set_ylabel("accuracy on corrupted train points\n(against clean labels)")
        axes[1, c].set_xlabel("ξ (weight on the teacher)")
        for row in range(2):
            axes[row, c].axvline(1.0, color="0.6", ls=":", lw=1)
            axes[row, c].grid(alpha=0.3)
    handles = []
    for r in levels:
        col, mk = style[r]
        handles.append(
            Line2D([], [], color=col, marker=mk, ls="none", ms=4.5, label=f"corruption {r:g}")
        )
        if teacher_shown:
            handles.append(
                Line2D([], [], color=col, ls="--", lw=0.9, label=f"teacher, corruption {r:g}")
            )
    handles.append(Line2D([], [], color="0.6", ls=":", lw=1, label="ξ = 1 (copy the teacher)"))
    ncol = min(len(handles), 5 if len(groups) > 1 else 2)
    bottom = (0.35 + 0.2 * -(-len(handles) // ncol)) / fig.get_figheight()
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=ncol,
        fontsize=8,
        frameon=False,
        title="markers: mean over seeds; error bars: ±1 standard error "
        "over seeds\n(no lines: ξ was measured only at the markers)",
        title_fontsize=8,
    )
    fig.tight_layout(rect=(0, bottom, 1, 1))
    if title:
        fig.suptitle(title)
        fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig
