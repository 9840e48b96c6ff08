"""Figures of the deep-net bridge (issue 6). The experiment (JAX) is imported lazily."""

from ._registry import FigureOutput, figure


@figure("bridge-accuracy-vs-xi",
        "deep-net SD on digits: clean test accuracy and corrupted-train accuracy vs xi, "
        "noise 0.3/0.5, linear probe and MLP (mean +- SE over seeds)")
def bridge_accuracy_vs_xi(quick: bool) -> FigureOutput:
    """Full mode is the documented experiment (digits, both models, default ξ grid, 5 seeds;
    minutes; see docs/bridge-results.md). Quick mode, a smoke run dominated by JIT compilation:
    the linear probe only, 2 seeds, 40 steps, a 4-point ξ grid (seconds)."""
    from ..bridge import plot_bridge, run_bridge, summarize_bridge

    if quick:
        df = run_bridge("digits", "linear", noise=(0.3, 0.5), xis=(0.0, 1.0, 2.0, 4.0),
                        seeds=2, quick=True, steps=40, width=16, progress=False)
    else:
        df = run_bridge("digits", ("linear", "mlp"), noise=(0.3, 0.5), seeds=5, progress=False)
    summary = summarize_bridge(df)
    fig = plot_bridge(df, title="Self-distillation with corrupted labels (digits)"
                      + (" [quick]" if quick else ""))
    return FigureOutput(fig, df, extra={"summary": summary})
