"""Deep-net bridge benchmarks.

1. ``vmap`` vs loop: the same (seed, ξ) SD student runs trained as one vmapped, jitted batch vs a
   Python loop of one-run jitted training (same inits, targets, optimizer and steps). Reports the
   time ratio and the largest parameter and test-accuracy difference between the two.
2. ``grid``: the full runner (:func:`sdtheory.bridge.run_bridge`, the code path of the CPU
   experiment) on a Gaussian-mixture grid, runs per second on whatever JAX backend is present
   (see ``bench_bridge_gpu.py`` for the larger GPU grid).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import row, timeit


def _inputs(model, n_seeds, xi_grid, width, dtype):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from sdtheory.bridge import corrupt_labels, load_dataset, sd_targets, split_dataset
    from sdtheory.bridge._train import init_params

    X, y = load_dataset("digits")
    sp = [split_dataset(X, y, seed=s) for s in range(n_seeds)]
    Xtr = jnp.asarray(np.stack([a.X_train for a in sp]), dtype)
    noisy = np.stack(
        [
            corrupt_labels(a.y_train, corruption=0.3, n_classes=10, per_class=False, seed=s)[0]
            for s, a in enumerate(sp)
        ]
    )
    oh = jax.nn.one_hot(noisy, 10, dtype=dtype)
    rng = np.random.default_rng(0)
    # a stand-in teacher: noisy one-hot smoothed towards the clean label (fixed, seeded)
    clean = jax.nn.one_hot(np.stack([a.y_train for a in sp]), 10, dtype=dtype)
    pt = jnp.asarray(0.5 * clean + 0.2 * oh + 0.3 * rng.dirichlet(np.ones(10), oh.shape[:2]), dtype)
    Q = jnp.stack([sd_targets(pt, oh, xi=x) for x in xi_grid], axis=1)  # (S, Xi, n, K)
    sizes = (64, 10) if model == "linear" else (64, width, 10)
    keys = jax.random.split(jax.random.key(0), n_seeds * len(xi_grid))
    ps = [init_params(k, sizes, dtype) for k in keys]
    P = jax.tree.map(lambda *a: jnp.stack(a).reshape((n_seeds, len(xi_grid)) + a[0].shape), *ps)
    Xte = jnp.asarray(np.stack([a.X_test for a in sp]), dtype)
    yte = np.stack([a.y_test for a in sp])
    return Xtr, Q, ps, P, Xte, yte


def bench_vmap_vs_loop(quick: bool):
    """float32 (the experiment's precision) for both models, and float64 for the MLP: in float64
    the two routes agree to rounding; in float32 full-batch Adam on the ReLU MLP amplifies
    rounding differences over hundreds of steps (reported, not hidden)."""
    from sdtheory.simulate._common import x64

    n_seeds, steps = (2, 50) if quick else (5, 300)
    xi_grid = (0.0, 0.5, 1.0, 1.5, 2.0, 4.0)
    rows = []
    for model, dtype in (("linear", "float32"), ("mlp", "float32"), ("mlp", "float64")):
        if dtype == "float64":
            with x64():
                rows.append(_vmap_vs_loop_one(model, dtype, n_seeds, steps, xi_grid, quick))
        else:
            rows.append(_vmap_vs_loop_one(model, dtype, n_seeds, steps, xi_grid, quick))
    return rows


def _vmap_vs_loop_one(model, dtype, n_seeds, steps, xi_grid, quick, lr=0.01, lam=1e-2):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from sdtheory.bridge._train import batched_train_chunk, forward, make_optimizer, train_single

    dt = jnp.float32 if dtype == "float32" else jnp.float64
    Xtr, Q, ps, P, Xte, yte = _inputs(model, n_seeds, xi_grid, 32 if quick else 128, dt)
    R = len(ps)
    opt = make_optimizer(lr, steps)
    fn = batched_train_chunk(opt, steps)
    state = jax.vmap(jax.vmap(opt.init))(P)
    lam_a = jnp.full(Q.shape[:2], lam, dtype=dt)  # one penalty per (seed, run)

    def vm():
        return fn(P, state, Xtr, Q, lam_a)[0]

    def loop():
        out = []
        for r in range(R):
            i, j = divmod(r, len(xi_grid))
            out.append(train_single(ps[r], Xtr[i], Q[i, j], lam, lr=lr, steps=steps)[0])
        return out

    t_vm = timeit(vm, repeat=3)
    t_loop = timeit(loop, repeat=1)
    Pb, seq = vm(), loop()
    perr, aerr = 0.0, 0.0
    for r in range(R):
        i, j = divmod(r, len(xi_grid))
        pb = jax.tree.map(lambda a: a[i, j], Pb)
        perr = max(
            perr,
            max(
                float(jnp.max(jnp.abs(a - b)))
                for a, b in zip(jax.tree.leaves(pb), jax.tree.leaves(seq[r]))
            ),
        )
        acc_b = float((np.asarray(forward(pb, Xte[i])).argmax(1) == yte[i]).mean())
        acc_s = float((np.asarray(forward(seq[r], Xte[i])).argmax(1) == yte[i]).mean())
        aerr = max(aerr, abs(acc_b - acc_s))
    return row(
        "bridge",
        f"digits {model} {dtype}, {R} runs x {steps} steps",
        "vmap+jit batch",
        "loop of jitted single runs",
        t_vm,
        t_loop,
        perr,
        best_baseline="loop of jitted single runs",
        best_baseline_seconds=t_loop,
        best_baseline_error=perr,
        rounds=3,
        notes=f"{dtype} full-batch Adam; loop 1 round; max |param diff| {perr:.2e}; "
        f"max |test acc diff| {aerr:.4f}; runs/s vmap {R / t_vm:.1f} vs loop {R / t_loop:.1f}",
    )


def grid_runs_per_second(
    *,
    n_samples,
    n_features,
    n_classes,
    seeds,
    width,
    train_steps,
    depth=1,
    xi=None,
    corruption=(0.3, 0.5),
):
    """Time :func:`run_bridge` (teachers + students, compile included, then warm) on a
    Gaussian-mixture grid; returns ``(n_runs, cold_seconds, warm_seconds, backend)``."""
    import jax

    from sdtheory.bridge import DEFAULT_XI_GRID, run_bridge

    kw = dict(
        dataset="gaussian_mixture",
        model="mlp",
        corruption=corruption,
        xi=DEFAULT_XI_GRID if xi is None else xi,
        seeds=seeds,
        train_steps=train_steps,
        width=width,
        depth=depth,
        n_samples=n_samples,
        n_features=n_features,
        n_classes=n_classes,
        progress=False,
    )
    t0 = time.perf_counter()
    df = run_bridge(**kw)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_bridge(**kw)
    warm = time.perf_counter() - t0
    return len(df), cold, warm, jax.default_backend()


def bench_grid(quick: bool):
    cfg = (
        dict(n_samples=1000, n_features=20, n_classes=10, seeds=2, width=32, train_steps=50)
        if quick
        else dict(n_samples=2000, n_features=32, n_classes=10, seeds=2, width=64, train_steps=200)
    )
    n, cold, warm, backend = grid_runs_per_second(**cfg)
    case = (
        f"gaussian_mixture n={cfg['n_samples']} d={cfg['n_features']} mlp w={cfg['width']}"
        f" {n} runs x {cfg['train_steps']} steps"
    )
    return [
        row(
            "bridge",
            case,
            f"run_bridge ({backend})",
            "",
            warm,
            None,
            float("nan"),
            rounds=1,
            notes=f"{n / warm:.1f} student runs/s warm ({n / cold:.1f} incl. compile); "
            f"teachers included in the time",
        )
    ]


def run(quick: bool = False) -> list[dict]:
    return bench_vmap_vs_loop(quick) + bench_grid(quick)


if __name__ == "__main__":
    import run_all

    raise SystemExit(run_all.main(["bridge"] + sys.argv[1:]))
