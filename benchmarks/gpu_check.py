"""GPU check: run the Monte Carlo and the deep-net bridge on the accelerator, compare with the CPU.

Usage (from the repository root; needs only numpy, scipy, pandas, jax and optax, no notebook
tools, and no install: ``PYTHONPATH=.`` is enough)::

    PYTHONPATH=. python benchmarks/gpu_check.py [--quick] [--out gpu_check.csv]

``--self-test`` with ``XLA_FLAGS=--xla_force_host_platform_device_count=2`` exercises the
comparison path on a machine without an accelerator (cpu:1 stands in for it).

For each task the same function runs with the same seeds once on the CPU and once on the first
accelerator (``jax.default_device``), and the script reports

* the largest difference between the two results (the noise draws are identical: JAX's
  threefry keys give the same numbers on every backend, so only floating-point reduction order
  differs), and
* the throughput on each device (trials/s for the Monte Carlo, training runs/s for the bridge).

Without an accelerator it runs everything on the CPU alone (its own fallback), says so, and
skips the comparisons. Exit status: 0 when every comparison is within its tolerance, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _devices(self_test: bool = False):
    import jax

    cpus = jax.devices("cpu")
    acc = [d for d in jax.devices() if d.platform != "cpu"]
    if not acc and self_test and len(cpus) > 1:
        acc = [cpus[1]]  # exercise the comparison path on a second host device
    return cpus[0], (acc[0] if acc else None)


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def check_monte_carlo(dev, quick: bool):
    """Ridge SD Monte Carlo (float64, real solves) on ``dev``: (means, trials/s)."""
    import jax
    import numpy as np

    from sdtheory import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo

    n, d, trials = (200, 80, 2000) if quick else (500, 200, 20000)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d)) / np.sqrt(n)
    theta = rng.standard_normal(d)
    lam = np.array([0.1, 1.0])[:, None]
    xi = np.array([-1.0, 0.0, 1.0, 3.0])
    with jax.default_device(dev):
        prob = LinearProblem(X, theta, 1.0)
        run = lambda: ridge_sd_monte_carlo(prob, lam=lam, xi=xi, n_trials=trials, seed=0)  # noqa: E731
        run()  # compile
        res, secs = _timed(run)
    return np.asarray(res.mean), np.asarray(res.se), trials / secs


def check_bridge(dev, quick: bool):
    """Bridge (synthetic Gaussian mixture, MLP, float64) on ``dev``: (table, runs/s)."""
    import jax

    from sdtheory.bridge import run_bridge

    kw = dict(
        dataset="gaussian_mixture",
        model="mlp",
        corruption=(0.3,),
        seeds=2 if quick else 4,
        quick=True,
        dtype="float64",
        progress=False,
        n_samples=600 if quick else 4000,
        n_features=20,
        n_classes=4,
    )
    with jax.default_device(dev):
        run_bridge(**kw)  # compile
        df, secs = _timed(lambda: run_bridge(**kw))
    runs = len(df) + df.groupby(["seed", "corruption", "model"]).ngroups  # students + teachers
    return df, runs / secs


def main(argv=None) -> int:
    import numpy as np
    import pandas as pd

    p = argparse.ArgumentParser(description="Monte Carlo and bridge on GPU vs CPU")
    p.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    p.add_argument("--out", default=None, help="optional CSV of the summary")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="without an accelerator, compare cpu:0 with cpu:1 (run with "
        "XLA_FLAGS=--xla_force_host_platform_device_count=2)",
    )
    args = p.parse_args(argv)
    import jax

    cpu, acc = _devices(args.self_test)
    acc_name = acc if acc else "none (CPU fallback)"
    print(f"jax {jax.__version__}; CPU: {cpu}; accelerator: {acc_name}")
    rows, ok = [], True

    mc_cpu, se_cpu, tp_cpu = check_monte_carlo(cpu, args.quick)
    row = {"task": "ridge Monte Carlo (float64)", "cpu_throughput": tp_cpu, "unit": "trials/s"}
    if acc is not None:
        mc_acc, _, tp_acc = check_monte_carlo(acc, args.quick)
        diff = float(np.max(np.abs(mc_acc - mc_cpu) / np.abs(mc_cpu)))
        good = diff <= 1e-8  # same draws, float64: only summation order differs
        ok &= good
        row.update(
            acc_throughput=tp_acc,
            speedup=tp_acc / tp_cpu,
            max_rel_diff=diff,
            tolerance=1e-8,
            agree=good,
        )
    rows.append(row)

    try:
        br_cpu, rp_cpu = check_bridge(cpu, args.quick)
    except ImportError as exc:  # optax missing on the image
        print(f"bridge skipped: {exc}")
    else:
        row = {"task": "bridge MLP (float64)", "cpu_throughput": rp_cpu, "unit": "runs/s"}
        if acc is not None:
            br_acc, rp_acc = check_bridge(acc, args.quick)
            key = ["seed", "corruption", "model", "xi"]
            m = br_cpu.merge(br_acc, on=key, suffixes=("_cpu", "_acc"))
            diff = float(np.max(np.abs(m["test_acc_cpu"] - m["test_acc_acc"])))
            # at most two test points may flip on rounding ties
            tol = 2.0 / int(br_cpu["n_test"].min())
            good = diff <= tol
            ok &= good
            row.update(
                acc_throughput=rp_acc,
                speedup=rp_acc / rp_cpu,
                max_abs_diff_test_acc=diff,
                tolerance=tol,
                agree=good,
            )
        rows.append(row)

    df = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(df.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if acc is None:
        print("SUMMARY: no accelerator found; ran on the CPU only, comparisons skipped.")
    else:
        print(f"SUMMARY: {'all comparisons agree' if ok else 'DISAGREEMENT (see table)'} on {acc}.")
    if args.out:
        from sdtheory._io import write_csv

        write_csv(df, args.out)
        print(f"wrote {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
