"""``sdtheory bridge`` arguments and entry point (must not import JAX at import time).

The options are generated from the fields of :class:`sdtheory.bridge.BridgeConfig`: one option
per field (dashes for underscores), the field's default and the field's documentation as help.
Extra options: ``--no-progress`` (``run_bridge(progress=False)``) and ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import time

from ._config import BridgeConfig


def _train_steps(text: str):
    """``--train-steps``: an integer >= 1, ``auto`` (1000; quick 150) or ``none`` (no budget)."""
    low = text.strip().lower()
    if low == "auto":
        return "auto"
    if low in ("none", "converge"):
        return None
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer >= 1, 'auto' or 'none', got {text!r}"
        ) from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, 'auto' or 'none', got {text!r}")
    return v


def _real(text: str) -> float:
    """A finite real number (negative allowed)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a real number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be a finite real number, got {text!r}")
    return v


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


_TYPES = {"real": _real, "int": _int, "train_steps": _train_steps}


def _help(f) -> str:
    doc = re.sub(r":(data|func|class|doc):`~?([^`]*)`", r"\2", f.metadata["doc"])
    doc = doc.replace("``", "")
    if f.name == "seeds":
        doc += " On the command line: one value is a count, several are explicit seeds."
    return f"{doc} (default {f.default!r})".replace("%", "%%")


def add_arguments(parser) -> None:
    """Options of ``sdtheory bridge``, one per :class:`BridgeConfig` field."""
    parser.description = (
        "Deep-net self-distillation on bundled data: a teacher trained with cross-entropy on "
        "corrupted training labels, students on xi*softmax(z/T) + (1-xi)*onehot(noisy) over a "
        "grid of xi (any real), teacher lambda, student lambda and temperature T; prints the "
        "summary (best xi, gap best xi>1 minus best xi<=1, validation choice)."
    )
    for f in dataclasses.fields(BridgeConfig):
        cli = f.metadata["cli"]
        opt = "--" + f.name.replace("_", "-")
        if cli.get("flag"):
            parser.add_argument(opt, action="store_true", help=_help(f))
            continue
        kw = {"default": f.default, "help": _help(f), "dest": f.name}
        if "choices" in cli:
            kw["choices"] = cli["choices"]
        if "type" in cli:
            kw["type"] = _TYPES[cli["type"]]
        if "nargs" in cli:
            kw["nargs"] = cli["nargs"]
        parser.add_argument(opt, **kw)
    parser.add_argument(
        "--out",
        default=None,
        help="folder for bridge-runs.csv, bridge-summary.csv, bridge-accuracy-vs-xi.png (one "
        "(teacher_lam, student_lam, temperature) setting per model only) and bridge-params.json "
        "(checked before training)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


#: BridgeConfig fields, each given by the CLI option of the same name.
PARAMS = tuple(f.name for f in dataclasses.fields(BridgeConfig))


def kwargs_from_args(args) -> dict:
    """:class:`BridgeConfig` keyword arguments from parsed CLI arguments (lists become tuples;
    one ``--seeds`` value is a count)."""
    kw = {}
    for name in PARAMS:
        v = getattr(args, name)
        if name == "seeds" and isinstance(v, list) and len(v) == 1:
            v = v[0]
        kw[name] = tuple(v) if isinstance(v, list) else v
    return kw


def config_from_args(args) -> BridgeConfig:
    """The :class:`BridgeConfig` of parsed CLI arguments (validated)."""
    return BridgeConfig(**kwargs_from_args(args))


def run(args) -> int:
    """Check ``--out``, run the experiment, print the summary, write CSV/PNG/JSON atomically."""
    from .._io import check_output_dir

    out = None if args.out is None else check_output_dir(args.out, "--out")

    import pandas as pd

    from ._runner import run_bridge
    from ._summary import plot_bridge, summarize_bridge

    cfg = config_from_args(args)
    t0 = time.perf_counter()
    df = run_bridge(cfg, progress=False if args.no_progress else None)
    secs = time.perf_counter() - t0
    summary = summarize_bridge(df)
    cols = [
        "dataset",
        "model",
        "corruption",
        "teacher_lam",
        "student_lam",
        "temperature",
        "n_seeds",
        "teacher_acc",
        "xi_best",
        "acc_best",
        "xi_le1",
        "acc_le1",
        "xi_gt1",
        "acc_gt1",
        "gap",
        "gap_se",
        "acc_val",
        "gap_val",
        "gap_val_se",
        "xi_val_choices",
    ]
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(
            summary[[c for c in cols if c in summary]].to_string(
                index=False, float_format=lambda v: f"{v:.4f}"
            )
        )
    r = df.iloc[0]
    print(
        f"{len(df)} runs in {secs:.1f}s ({r['optimizer']}, {int(r['train_steps'])} steps, "
        f"lr {r['lr']:g}, {r['dtype']}, {r['n_train']}/{r['n_val']}/{r['n_test']} "
        f"train/val/test)"
    )
    if out is not None:
        import sys

        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .._io import save_figure, write_csv, write_json

        paths = [
            write_csv(df, out / "bridge-runs.csv"),
            write_csv(summary, out / "bridge-summary.csv"),
        ]
        grid = ["dataset", "model", "teacher_lam", "student_lam", "temperature"]
        if df.groupby(grid).ngroups == df.groupby(["dataset", "model"]).ngroups:
            fig = plot_bridge(df)
            paths.append(save_figure(fig, out / "bridge-accuracy-vs-xi.png"))
            plt.close(fig)
        else:  # the figure draws one (λ_T, λ_S, T) setting per model
            print("no figure: several (teacher_lam, student_lam, temperature) settings per model")
        params = cfg.resolved()
        meta = {
            "command": "sdtheory bridge",
            "params": params,
            "seconds": round(secs, 1),
            "sdtheory": getattr(sys.modules.get("sdtheory"), "__version__", None),
            "files": [p.name for p in paths],
        }
        paths.append(write_json(meta, out / "bridge-params.json"))
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0
