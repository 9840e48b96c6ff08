"""``sdtheory bridge`` arguments and entry point (must not import JAX at import time).

Every option is a parameter of :func:`sdtheory.bridge.run_bridge` with the same name (dashes for
underscores) and the same default, except ``--no-progress`` (``progress``) and ``--out``.
"""

from __future__ import annotations

import argparse
import math
import time


def _steps(text: str):
    """``--steps``: an integer >= 1, ``auto`` (1000; quick 150) or ``none`` (no budget)."""
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


def add_arguments(parser) -> None:
    """Options of ``sdtheory bridge`` (see ``sdtheory bridge --help``)."""
    parser.description = (
        "Deep-net self-distillation on bundled data: a teacher trained with cross-entropy on "
        "corrupted training labels, students on xi*p_teacher + (1-xi)*onehot(noisy) over a xi "
        "grid (any real xi); prints the summary (best xi, gap best xi>1 minus best xi<=1, "
        "validation choice)."
    )
    a = parser.add_argument
    a(
        "--dataset",
        default="digits",
        help="digits | breast_cancer | gaussian_mixture | synthetic (default digits)",
    )
    a("--model", nargs="+", default=["linear", "mlp"], help="linear and/or mlp (default both)")
    a(
        "--corruption",
        nargs="+",
        type=_real,
        default=[0.3, 0.5],
        help="corrupted fractions of the training labels, each in [0, 1) (default 0.3 0.5)",
    )
    a(
        "--corruption-kind",
        default="symmetric",
        help="symmetric (uniform over the other classes) | asymmetric (k -> k+1 mod K); "
        "default symmetric",
    )
    a(
        "--xis",
        nargs="+",
        type=_real,
        default=None,
        help="xi grid, any real numbers, e.g. --xis -0.5 0 1 2 "
        "(default 0 .25 .5 .75 1 1.25 1.5 2 3 4 6; quick: 0 .5 1 1.5 2 4)",
    )
    a("--seeds", type=int, default=5, help="number of seeds (default 5)")
    a("--seed", type=int, default=0, help="first seed (default 0)")
    a("--quick", action="store_true", help="small budget and grid (seconds)")
    a(
        "--steps",
        type=_steps,
        default="auto",
        help="full-batch Adam steps: an integer, auto (1000; quick 150) or none (train to the "
        "gradient tolerance; needs weight decay for xi outside [0, 1]); default auto",
    )
    a(
        "--weight-decay",
        type=_real,
        default=None,
        help="L2 penalty lambda for every model (default per model: linear 0.1, mlp 0.03)",
    )
    a("--lr", type=_real, default=None, help="Adam learning rate (default 0.01; quick 0.02)")
    a("--width", type=int, default=None, help="MLP hidden width (default 128; quick 32)")
    a("--depth", type=int, default=1, help="MLP hidden layers, 1 or 2 (default 1)")
    a("--n-samples", type=int, default=None, help="gaussian_mixture size (default 2000)")
    a("--n-features", type=int, default=None, help="gaussian_mixture dimension (default 20)")
    a("--n-classes", type=int, default=None, help="gaussian_mixture classes (default 10)")
    a("--val-fraction", type=_real, default=0.2, help="validation fraction (default 0.2)")
    a("--test-fraction", type=_real, default=0.2, help="test fraction (default 0.2)")
    a("--dtype", default="float32", help="float32 | float64 (default float32)")
    a("--chunk", type=int, default=None, help="steps per compiled call (default 50)")
    a(
        "--tol",
        type=_real,
        default=None,
        help="gradient-norm tolerance with --steps none (default 1e-4)",
    )
    a("--max-steps", type=int, default=None, help="step cap with --steps none (default 20000)")
    a(
        "--out",
        default=None,
        help="folder for bridge-runs.csv, bridge-summary.csv, bridge-accuracy-vs-xi.png and "
        "bridge-params.json (checked before training)",
    )
    a("--no-progress", action="store_true", help="no progress bar")


#: run_bridge parameters given by a CLI option of the same name (all but ``progress``).
PARAMS = (
    "dataset",
    "model",
    "corruption",
    "xis",
    "seeds",
    "seed",
    "quick",
    "corruption_kind",
    "steps",
    "weight_decay",
    "lr",
    "width",
    "depth",
    "n_samples",
    "n_features",
    "n_classes",
    "val_fraction",
    "test_fraction",
    "dtype",
    "chunk",
    "tol",
    "max_steps",
)


def kwargs_from_args(args) -> dict:
    """``run_bridge`` keyword arguments from parsed CLI arguments."""
    kw = {}
    for name in PARAMS:
        v = getattr(args, name)
        kw[name] = tuple(v) if isinstance(v, list) else v
    kw["progress"] = False if args.no_progress else None
    return kw


def run(args) -> int:
    """Check ``--out``, run the experiment, print the summary, write CSV/PNG/JSON atomically."""
    from .._io import check_output_dir

    out = None if args.out is None else check_output_dir(args.out, "--out")

    import pandas as pd

    from ._runner import run_bridge
    from ._summary import plot_bridge, summarize_bridge

    kw = kwargs_from_args(args)
    dataset = kw.pop("dataset")
    t0 = time.perf_counter()
    df = run_bridge(dataset, **kw)
    secs = time.perf_counter() - t0
    summary = summarize_bridge(df)
    cols = [
        "dataset",
        "model",
        "corruption",
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
        f"{len(df)} runs in {secs:.1f}s ({r['optimizer']}, {int(r['steps'])} steps, "
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
        fig = plot_bridge(df)
        paths.append(save_figure(fig, out / "bridge-accuracy-vs-xi.png"))
        plt.close(fig)
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
        params["dataset"] = dataset
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
