"""The JAX training loop of the deep-net bridge: all teachers of a model as one batch, then all
students (every seed, corruption level and ξ) as one ``vmap``-ed, ``jit``-compiled batch.

Imported lazily by :func:`sdtheory.bridge.run_bridge` (imports JAX and tqdm when called).
"""

from __future__ import annotations

import sys
import time

import numpy as np

__all__ = ["MODEL_TAG", "train_all"]

#: Tag folded into each model's initialization key (teacher and students of one model share it).
MODEL_TAG = {"linear": 11, "mlp": 13}


def train_all(
    splits,
    noisy,
    noisy_val,
    seed_list,
    corruptions,
    xis,
    models,
    wds,
    n_cls,
    *,
    steps,
    lr,
    width,
    depth,
    dtype,
    chunk,
    tol,
    max_steps,
    progress,
):
    """Train every teacher and student; one result dict per (model, seed, corruption, ξ)."""
    import jax
    import jax.numpy as jnp

    from ._loss import sd_targets
    from ._train import batched_forward, cached_trainer, init_run_params

    dt = jnp.float32 if dtype == "float32" else jnp.float64
    S, N, Xn = len(seed_list), len(corruptions), len(xis)
    Xtr = jnp.asarray(np.stack([sp.X_train for sp in splits]), dt)
    # train, validation and test stacked, so one compiled forward pass predicts all three
    Xall = jnp.asarray(
        np.stack([np.concatenate([sp.X_train, sp.X_val, sp.X_test]) for sp in splits]), dt
    )
    n_tr, n_va = splits[0].X_train.shape[0], splits[0].X_val.shape[0]
    ytr = np.stack([sp.y_train for sp in splits])  # (S, n)
    yva = np.stack([sp.y_val for sp in splits])
    yte = np.stack([sp.y_test for sp in splits])
    onehot = jnp.asarray(np.eye(n_cls)[noisy], dt)  # (S, N, n, K)
    corrupted = noisy != ytr[:, None, :]  # (S, N, n)
    xi_arr = jnp.asarray(xis, dt)
    d = Xtr.shape[-1]

    from tqdm.std import tqdm

    per_stage = steps if steps is not None else max_steps
    disable = (not sys.stderr.isatty()) if progress is None else (not progress)
    bar = tqdm(
        total=2 * per_stage * len(models),
        desc="bridge",
        unit="step",
        file=sys.stderr,
        disable=disable,
        leave=False,
    )

    def init_batch(tag, m, n_runs):
        sizes = (d, n_cls) if m == "linear" else (d,) + (width,) * depth + (n_cls,)
        ps = [init_run_params(s, MODEL_TAG[m], tag, sizes, dt) for s in seed_list]
        stacked = jax.tree.map(lambda *a: jnp.stack(a), *ps)  # (S, ...)
        return jax.tree.map(
            lambda a: jnp.broadcast_to(a[:, None], (S, n_runs) + a.shape[1:]), stacked
        ), sizes

    def train(params, Q, lam):
        opt, _ = cached_trainer(lr, steps, chunk)
        state = jax.vmap(jax.vmap(opt.init))(params)
        lam = jnp.asarray(lam, dt)
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
    for m in models:
        t0 = time.perf_counter()
        lam = wds[m]
        # Teachers: one per (seed, corruption), CE on the noisy labels; init shared across
        # corruption levels.
        tp, sizes = init_batch(0, m, N)
        tp, t_losses, _, t_steps = train(tp, onehot, lam)
        p_all = batched_forward(tp, Xall)  # (S, N, n_all, K)
        p_teacher = p_all[:, :, :n_tr]  # (S, N, n, K)
        t_pred = np.asarray(p_all).argmax(-1)
        t_train, t_test = t_pred[..., :n_tr], t_pred[..., n_tr + n_va :]
        # Students: one per (seed, corruption, xi); fresh init shared by all of a seed.
        Q = jnp.stack(
            [sd_targets(p_teacher, onehot, xi=x) for x in xi_arr], axis=2
        )  # (S, N, Xi, n, K)
        Q = Q.reshape((S, N * Xn) + Q.shape[3:])
        sp_, _ = init_batch(1, m, N * Xn)
        sp_, s_losses, s_gn, s_steps = train(sp_, Q, lam)
        pr = np.asarray(batched_forward(sp_, Xall)).argmax(-1).reshape(S, N, Xn, -1)
        pr_tr, pr_va, pr_te = pr[..., :n_tr], pr[..., n_tr : n_tr + n_va], pr[..., n_tr + n_va :]
        s_losses = s_losses.reshape(S, N, Xn, -1)
        s_gn = s_gn.reshape(S, N, Xn)
        secs = time.perf_counter() - t0
        n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        for i, s in enumerate(seed_list):
            for j, corruption in enumerate(corruptions):
                c = corrupted[i, j]
                t_corr = float((t_train[i, j][c] == ytr[i][c]).mean()) if c.any() else float("nan")
                for k, xi in enumerate(xis):
                    ptr = pr_tr[i, j, k]
                    rows.append(
                        {
                            "model": m,
                            "corruption": corruption,
                            "xi": xi,
                            "seed": s,
                            "test_acc": float((pr_te[i, j, k] == yte[i]).mean()),
                            "val_acc": float((pr_va[i, j, k] == yva[i]).mean()),
                            "val_acc_noisy": float((pr_va[i, j, k] == noisy_val[i, j]).mean()),
                            "corrupted_train_acc": (
                                float((ptr[c] == ytr[i][c]).mean()) if c.any() else float("nan")
                            ),
                            "noisy_train_acc": float((ptr == noisy[i, j]).mean()),
                            "clean_train_acc": float((ptr == ytr[i]).mean()),
                            "teacher_agree_train": float((ptr == t_train[i, j]).mean()),
                            "teacher_test_acc": float((t_test[i, j] == yte[i]).mean()),
                            "teacher_corrupted_train_acc": t_corr,
                            "teacher_final_loss": float(t_losses[i, j, -1]),
                            "first_loss": float(s_losses[i, j, k, 0]),
                            "final_loss": float(s_losses[i, j, k, -1]),
                            "grad_norm": float(s_gn[i, j, k]),
                            "n_corrupted": int(c.sum()),
                            "weight_decay": lam,
                            "steps": s_steps,
                            "teacher_steps": t_steps,
                            "width": 0 if m == "linear" else width,
                            "depth": 0 if m == "linear" else depth,
                            "n_params": n_params,
                            "batch": "full",
                            "seconds_model": secs,
                        }
                    )
    bar.close()
    return rows
