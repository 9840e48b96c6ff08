"""The JAX training loop of the deep-net bridge: all teachers of a model as one batch, then all
students as one ``vmap``-ed, ``jit``-compiled batch.

Runs of one model: teachers over (seed, corruption, teacher λ); students over (seed,
corruption, teacher λ, temperature, student λ, ξ). λ is a per-run array, so a λ grid costs no
extra compilation. Compiled programs per model: the two initializations, the two training chunks,
the teacher's targets and the students' predictions. Imported lazily by
:func:`sdtheory.bridge.run_bridge` (imports JAX and tqdm when called).
"""

from __future__ import annotations

import functools
import itertools
import sys
import time

import numpy as np

__all__ = ["MODEL_TAG", "train_all", "teacher_targets_program"]

#: Tag folded into each model's initialization key (teacher and students of one model share it).
MODEL_TAG = {"linear": 11, "mlp": 13, "conv": 17}


def teacher_targets_program():
    """``teacher_targets(params, X, onehot, xi, temps, n_train, n_copies)``.

    Returns the teachers' predictions on ``X`` ``(seed, teacher, n)`` and the student targets
    :func:`~sdtheory.bridge.sd_targets` ``(softmax(z/T), onehot, xi=ξ)`` on the first
    ``n_train`` rows, in the run order ``(teacher, T, copy, ξ)`` flattened: shape
    ``(seed, teacher·T·n_copies·ξ, n_train, K)`` (``n_copies`` identical copies, one per student
    λ); ``onehot`` has shape ``(seed, teacher, n_train, K)``. At ``T = 1`` the division is
    exact, so the targets equal those without a temperature. Compiled once per
    ``(n_train, n_copies)`` and argument shapes, kept on disk (imports JAX).
    """

    def teacher_targets(params, X, onehot, xi, temps, n_train, n_copies):
        return _targets_program(int(n_train), int(n_copies))(params, X, onehot, xi, temps)

    return teacher_targets


@functools.lru_cache(maxsize=16)
def _targets_program(n_train: int, n_copies: int):
    import jax
    import jax.numpy as jnp

    from ..simulate._aot import aot_jit
    from ._loss import sd_targets
    from ._train import SOURCES, batched_logits

    def teacher_targets(params, X, onehot, xi, temps):
        z = batched_logits(params, X)
        pred = jnp.argmax(jax.nn.softmax(z, axis=-1), axis=-1)
        zt = z[:, :, :n_train]
        p = jax.vmap(lambda t: jax.nn.softmax(zt / t, axis=-1), out_axes=2)(temps)  # (S,R,T,n,K)
        oh = jnp.broadcast_to(onehot[:, :, None], p.shape)
        q = jax.vmap(lambda x: sd_targets(p, oh, xi=x), out_axes=3)(xi)  # (S,R,T,Xi,n,K)
        q = jnp.broadcast_to(q[:, :, :, None], q.shape[:3] + (n_copies,) + q.shape[3:])
        return pred, q.reshape(q.shape[:1] + (-1,) + q.shape[-2:])

    sources = SOURCES + (__file__,)
    return aot_jit(
        "bridge-targets", teacher_targets, structure=(n_train, n_copies), sources=sources
    )


def _acc(a, b, mask=None):
    if mask is None:
        return float((a == b).mean())
    return float((a[mask] == b[mask]).mean()) if mask.any() else float("nan")


def train_all(cfg, splits, noisy, noisy_val, n_cls, *, progress):
    """Train every teacher and student of ``cfg`` (a :class:`BridgeConfig`); one result dict per
    student run. ``noisy``/``noisy_val``: corrupted labels of shape ``(seed, corruption, n)``."""
    import jax
    import jax.numpy as jnp

    from ._train import cached_trainer, init_stage, model_spec, predict

    teacher_targets = teacher_targets_program()

    res = cfg.resolved()
    steps, max_steps = res["train_steps"], res["max_train_steps"]  # optimizer steps per run
    chunk, tol = res["chunk"], res["tol"]
    lr, width, depth, channels = res["lr"], res["width"], cfg.depth, res["channels"]
    dtype = cfg.dtype
    npdt = np.float32 if dtype == "float32" else np.float64
    seed_list, corruptions, xi_grid, temps = (
        res["seeds"],
        cfg.corruption,
        cfg.xi_grid,
        cfg.temperature,
    )
    S, N, Xn, Tn = len(seed_list), len(corruptions), len(xi_grid), len(temps)
    # device_put, not jnp.asarray: the latter compiles a small program per call
    Xtr = jax.device_put(np.stack([sp.X_train for sp in splits]).astype(npdt))
    # train, validation and test stacked, so one compiled forward pass predicts all three
    Xall = jax.device_put(
        np.stack([np.concatenate([sp.X_train, sp.X_val, sp.X_test]) for sp in splits]).astype(npdt)
    )
    n_tr, n_va = splits[0].X_train.shape[0], splits[0].X_val.shape[0]
    ytr = np.stack([sp.y_train for sp in splits])  # (S, n)
    yva = np.stack([sp.y_val for sp in splits])
    yte = np.stack([sp.y_test for sp in splits])
    onehot = np.eye(n_cls, dtype=npdt)[noisy]  # (S, N, n, K)
    corrupted = noisy != ytr[:, None, :]  # (S, N, n)
    d = Xtr.shape[-1]
    seeds_arr = np.array(seed_list, dtype=np.uint32)

    from tqdm.std import tqdm

    per_stage = steps if steps is not None else max_steps
    disable = (not sys.stderr.isatty()) if progress is None else (not progress)
    bar = tqdm(
        total=2 * per_stage * len(cfg.model),
        desc="bridge",
        unit="step",
        file=sys.stderr,
        disable=disable,
        leave=False,
    )

    def train(params, state, Q, lam):
        """``lam``: per-run λ of the summed loss, shape (S, R); the program gets λ / n_train."""
        lam = jax.device_put((np.asarray(lam, dtype=np.float64) / n_tr).astype(npdt))
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
    for m in cfg.model:
        t0 = time.perf_counter()
        t_lams, s_lams = cfg.lam_grid(m)
        tied = s_lams is None
        Tl, Sl = len(t_lams), 1 if tied else len(s_lams)
        sizes = model_spec(m, d, n_cls, width=width, depth=depth, channels=channels)
        # Teachers: one per (seed, corruption, teacher λ), CE on the noisy labels; one init per
        # seed, shared across corruption levels and λ.
        t_oh = np.repeat(onehot, Tl, axis=1)  # (S, N*Tl, n, K)
        t_lam = np.broadcast_to(np.tile(t_lams, N), (S, N * Tl))
        tp, ts = init_stage(seeds_arr, MODEL_TAG[m], 0, sizes, N * Tl, dtype, lr, steps)
        t_oh = jax.device_put(t_oh)
        tp, t_losses, _, t_steps = train(tp, ts, t_oh, t_lam)
        t_pred, Q = teacher_targets(
            tp, Xall, t_oh, np.asarray(xi_grid, npdt), np.asarray(temps, npdt), n_tr, Sl
        )  # (S, N*Tl, n_all), (S, R, n, K) with runs ordered (corruption, tλ, T, sλ, ξ)
        t_pred = np.asarray(t_pred).reshape(S, N, Tl, -1)
        t_losses = t_losses.reshape(S, N, Tl, -1)
        # Students: one per (seed, corruption, teacher λ, T, student λ, ξ); one fresh init per
        # seed, shared by all of them, so that every comparison is paired.
        R = N * Tl * Tn * Sl * Xn
        grid = list(itertools.product(range(N), range(Tl), range(Tn), range(Sl), range(Xn)))
        s_lam_of = [t_lams[b] if tied else s_lams[e] for (_, b, _, e, _) in grid]
        s_lam = np.broadcast_to(np.asarray(s_lam_of, dtype=np.float64), (S, R))
        sp_, ss = init_stage(seeds_arr, MODEL_TAG[m], 1, sizes, R, dtype, lr, steps)
        sp_, s_losses, s_gn, s_steps = train(sp_, ss, Q, s_lam)
        pr = np.asarray(predict(sp_, Xall))  # (S, R, n_all)
        secs = time.perf_counter() - t0
        n_params = sum(int(np.prod(a.shape[2:])) for a in jax.tree.leaves(sp_))
        for i, s in enumerate(seed_list):
            for r, (j, b, t, _, k) in enumerate(grid):
                c = corrupted[i, j]
                ptr, pva, pte = (
                    pr[i, r, :n_tr],
                    pr[i, r, n_tr : n_tr + n_va],
                    pr[i, r, n_tr + n_va :],
                )
                tpr = t_pred[i, j, b]
                rows.append(
                    {
                        "model": m,
                        "corruption": corruptions[j],
                        "teacher_lam": float(t_lams[b]),
                        "student_lam": float(s_lam_of[r]),
                        "temperature": float(temps[t]),
                        "xi": xi_grid[k],
                        "seed": s,
                        "test_acc": _acc(pte, yte[i]),
                        "val_acc": _acc(pva, yva[i]),
                        "val_acc_noisy": _acc(pva, noisy_val[i, j]),
                        "corrupted_train_acc": _acc(ptr, ytr[i], c),
                        "noisy_train_acc": _acc(ptr, noisy[i, j]),
                        "clean_train_acc": _acc(ptr, ytr[i]),
                        "teacher_agree_train": _acc(ptr, tpr[:n_tr]),
                        "teacher_test_acc": _acc(tpr[n_tr + n_va :], yte[i]),
                        "teacher_val_acc": _acc(tpr[n_tr : n_tr + n_va], yva[i]),
                        "teacher_corrupted_train_acc": _acc(tpr[:n_tr], ytr[i], c),
                        "teacher_final_loss": float(t_losses[i, j, b, -1]),
                        "first_loss": float(s_losses[i, r, 0]),
                        "final_loss": float(s_losses[i, r, -1]),
                        "grad_norm": float(s_gn[i, r]),
                        "n_corrupted": int(c.sum()),
                        "train_steps": s_steps,
                        "teacher_train_steps": t_steps,
                        "width": 0 if m == "linear" else width,
                        "depth": {"linear": 0, "mlp": depth, "conv": 1}[m],
                        "channels": channels if m == "conv" else 0,
                        "n_params": n_params,
                        "batch": "full",
                        "seconds_model": secs,
                    }
                )
    bar.close()
    return rows
