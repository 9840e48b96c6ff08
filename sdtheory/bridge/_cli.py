"""``sdtheory bridge`` arguments and entry point (must not import JAX at import time)."""

from __future__ import annotations

import time


def add_arguments(parser) -> None:
    """Options of ``sdtheory bridge`` (see ``sdtheory bridge --help``)."""
    parser.description = (
        "Deep-net self-distillation on bundled data: a teacher trained with cross-entropy on "
        "corrupted training labels, students on xi*p_teacher + (1-xi)*onehot(noisy) over a xi "
        "grid; prints the summary (best xi, gap best xi>1 minus best xi<=1, validation choice).")
    parser.add_argument("--dataset", default="digits",
                        help="digits | breast_cancer | gaussian_mixture (default digits)")
    parser.add_argument("--model", nargs="+", default=["linear", "mlp"],
                        help="linear and/or mlp (default both)")
    parser.add_argument("--noise", nargs="+", type=float, default=[0.3, 0.5],
                        help="corrupted fractions of the training labels (default 0.3 0.5)")
    parser.add_argument("--corruption", default="symmetric", help="symmetric | asymmetric")
    parser.add_argument("--xis", nargs="+", type=float, default=None,
                        help="xi grid (default 0 .25 .5 .75 1 1.25 1.5 2 3 4 6; quick: 0 .5 1 1.5 2 4)")
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--steps", type=int, default=None,
                        help="full-batch Adam steps (default 1000; quick 150)")
    parser.add_argument("--weight-decay", type=float, default=None,
                        help="L2 penalty lambda for every model (default per model)")
    parser.add_argument("--lr", type=float, default=None, help="Adam learning rate")
    parser.add_argument("--width", type=int, default=None, help="MLP hidden width")
    parser.add_argument("--depth", type=int, default=1, help="MLP hidden layers, 1 or 2")
    parser.add_argument("--n-samples", type=int, default=None, help="gaussian_mixture size")
    parser.add_argument("--dtype", default="float32", help="float32 | float64")
    parser.add_argument("--quick", action="store_true", help="small budget and grid (seconds)")
    parser.add_argument("--out", default=None,
                        help="folder for bridge-runs.csv, bridge-summary.csv, bridge-accuracy-vs-xi.png")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    """Run the experiment, print the summary, optionally write CSV/PNG atomically."""
    import pandas as pd

    from ._runner import plot_bridge, run_bridge, summarize_bridge

    t0 = time.perf_counter()
    df = run_bridge(
        dataset=args.dataset, model=tuple(args.model), noise=tuple(args.noise),
        xis=None if args.xis is None else tuple(args.xis), seeds=args.seeds, seed=args.seed,
        quick=args.quick, corruption=args.corruption,
        steps="auto" if args.steps is None else args.steps, weight_decay=args.weight_decay,
        lr=args.lr, width=args.width, depth=args.depth, n_samples=args.n_samples,
        dtype=args.dtype, progress=False if args.no_progress else None)
    secs = time.perf_counter() - t0
    summary = summarize_bridge(df)
    cols = ["dataset", "model", "noise", "n_seeds", "teacher_acc", "xi_best", "acc_best",
            "xi_le1", "acc_le1", "xi_gt1", "acc_gt1", "gap", "gap_se", "acc_val", "gap_val",
            "gap_val_se", "xi_val_choices"]
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(summary[[c for c in cols if c in summary]].to_string(
            index=False, float_format=lambda v: f"{v:.4f}"))
    r = df.iloc[0]
    print(f"{len(df)} runs in {secs:.1f}s ({r['optimizer']}, {int(r['steps'])} steps, "
          f"lr {r['lr']:g}, {r['dtype']}, {r['n_train']}/{r['n_val']}/{r['n_test']} "
          f"train/val/test)")
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .._io import save_figure, write_csv

        from pathlib import Path

        out = Path(args.out)
        paths = [write_csv(df, out / "bridge-runs.csv"),
                 write_csv(summary, out / "bridge-summary.csv")]
        fig = plot_bridge(df)
        paths.append(save_figure(fig, out / "bridge-accuracy-vs-xi.png"))
        plt.close(fig)
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0
