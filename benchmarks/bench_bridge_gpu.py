"""Larger synthetic SD grid on a GPU when JAX sees one (CPU otherwise): runs per second.

Same code path as the CPU experiment (:func:`sdtheory.bridge.run_bridge`: vmapped, jitted
teachers and students). Usage::

    python benchmarks/bench_bridge_gpu.py [--quick]      # via run_all, writes the CSV
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import row
from bench_bridge import grid_runs_per_second


def run(quick: bool = False) -> list[dict]:
    import jax

    gpu = jax.default_backend() == "gpu"
    if quick:
        cfg = dict(n_samples=1000, n_features=20, n_classes=10, seeds=2, width=32, train_steps=50)
    elif gpu:
        # 8 seeds x 2 corruption levels x 11 xi = 176 students (+16 teachers), 20k points,
        # width 512
        cfg = dict(
            n_samples=20000, n_features=128, n_classes=10, seeds=8, width=512, train_steps=1000
        )
    else:  # the same grid shape, scaled down so a 2-core CPU finishes in minutes
        cfg = dict(n_samples=4000, n_features=64, n_classes=10, seeds=4, width=128, train_steps=100)
    n, cold, warm, backend = grid_runs_per_second(**cfg)
    case = (
        f"gaussian_mixture n={cfg['n_samples']} d={cfg['n_features']} mlp w={cfg['width']}"
        f" {n} runs x {cfg['train_steps']} steps"
    )
    return [
        row(
            "bridge_gpu",
            case,
            f"run_bridge ({backend})",
            "",
            warm,
            None,
            float("nan"),
            rounds=1,
            notes=f"{n / warm:.2f} student runs/s warm, {n / cold:.2f} incl. compile; "
            f"device {jax.devices()[0].device_kind}",
        )
    ]


if __name__ == "__main__":
    import run_all

    raise SystemExit(run_all.main(["bridge_gpu"] + sys.argv[1:]))
