"""Figures of the deep-net bridge. The experiment (JAX) is imported lazily."""

from ._registry import FigureOutput, figure

# quick mode: a smoke run dominated by JIT compilation (seconds)
QUICK = dict(
    dataset="digits",
    model="linear",
    corruption=(0.3, 0.5),
    xi=(0.0, 1.0, 2.0, 4.0),
    seeds=2,
    quick=True,
    train_steps=40,
    width=16,
)
# full mode: the documented experiment (minutes; docs/bridge-results.md)
FULL = dict(dataset="digits", model=("linear", "mlp"), corruption=(0.3, 0.5), seeds=5)


@figure(
    "bridge-accuracy-vs-xi",
    "deep-net SD on digits: clean test accuracy and corrupted-train accuracy vs xi, "
    "corruption 0.3/0.5, linear probe and MLP (markers: mean over seeds, error bars ±1 SE)",
)
def bridge_accuracy_vs_xi(quick: bool) -> FigureOutput:
    """Full mode is the documented experiment (digits, both models, default ξ grid, 5 seeds;
    minutes; see docs/bridge-results.md). Quick mode, a smoke run dominated by JIT compilation:
    the linear probe only, 2 seeds, 40 steps, a 4-point ξ grid (seconds)."""
    from ..bridge import BridgeConfig, plot_bridge, run_bridge, summarize_bridge

    cfg = BridgeConfig(**(QUICK if quick else FULL))
    df = run_bridge(cfg, progress=False)
    summary = summarize_bridge(df)
    fig = plot_bridge(
        df, title="Self-distillation with corrupted labels (digits)" + (" [quick]" if quick else "")
    )
    params = {
        **cfg.resolved(),
        "teacher_lam": {m: list(cfg.lam_grid(m)[0]) for m in cfg.model},
        "error_bars": "±1 standard error over seeds (std ddof=1 / sqrt(seeds))",
    }
    return FigureOutput(fig, df, extra={"summary": summary}, params=params)
