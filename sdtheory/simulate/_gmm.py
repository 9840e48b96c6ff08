r"""Monte Carlo of multi-stage self-distillation on the noisy Gaussian mixture (JAX, float64).

``x = y μ + √Δ z`` (``μ = e_1`` without loss of generality: the ridge fit is rotation
equivariant and ``z`` isotropic), ``P(y = +1) = ρ``, labels flipped with probability ``θ``
(Bernoulli), ``M = round(αN)`` samples. Every stage fits ``h = wᵀx/√N + B`` with the squared loss
``Σ_μ (h_μ − s_μ)²/4 + (λ/2)‖w‖²`` (``s = 2t − 1``) by an exact linear solve; stage 0 (the
teacher) uses the noisy labels, stage ``k ≥ 1`` the targets
``s = ξ tanh(β h_{k−1}/2) + (1 − ξ) s_noisy`` (``t = σ(β h)``; ``β = ∞``: hard pseudo-labels
``sign(h)``) on the same inputs. Reported per stage: ``m = wᵀμ/√N``, ``Q = ‖w‖²/N``, ``b = B``,
the exact test error of the fitted classifier on fresh data and the training error against the
clean labels. This module never imports the theory it checks.

The examples are skipped in the doctest run (each needs a JIT compilation of several seconds);
the same calls run in ``tests/test_classification_*.py``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from ._common import as_key, mean_se, x64

__all__ = ["simulate_gmm_sd", "gmm_sd_summary", "gmm_sd_convergence", "gmm_sd_flip_scan",
           "simulate_gmm_bce_teacher"]

_QUANTITIES = ("m", "Q", "b", "test_error", "train_error_clean")


def _H(x):
    return 0.5 * jax.scipy.special.erfc(x / jnp.sqrt(2.0))


@partial(jax.jit, static_argnames=("N", "M", "stages"))
def _batch(keys, m_used, betas, delta, rho, flip, lam, xi, *, N, M, stages):
    """``M`` rows are drawn; only the first ``m_used`` enter the fit (one compile serves every
    sample size up to ``M``)."""
    mask = (jnp.arange(M) < m_used).astype(jnp.float64)
    cnt = mask.sum()

    def one(key):
        k1, k2, k3 = jax.random.split(key, 3)
        y = jnp.where(jax.random.uniform(k1, (M,)) < rho, 1.0, -1.0)
        s0 = jnp.where(jax.random.uniform(k2, (M,)) < flip, -y, y)
        X = jnp.sqrt(delta) * jax.random.normal(k3, (M, N))
        X = X.at[:, 0].add(y) / jnp.sqrt(N)
        xm = (mask @ X) / cnt
        Xc = (X - xm) * mask[:, None]
        if M >= N:
            A = Xc.T @ Xc + 2 * lam * jnp.eye(N)
            cf = jax.scipy.linalg.cho_factor(A)

            def solve(s):
                return jax.scipy.linalg.cho_solve(cf, Xc.T @ (s - (mask @ s) / cnt))
        else:
            Kd = Xc @ Xc.T + 2 * lam * jnp.eye(M)
            cf = jax.scipy.linalg.cho_factor(Kd)

            def solve(s):
                return Xc.T @ jax.scipy.linalg.cho_solve(cf, (s - (mask @ s) / cnt) * mask)

        out = []
        s = s0
        for k in range(stages + 1):
            if k > 0:
                beta = betas[k - 1]
                soft = jnp.tanh(0.5 * jnp.where(jnp.isinf(beta), 1.0, beta) * h)
                pseudo = jnp.where(jnp.isinf(beta), jnp.sign(h), soft)
                s = xi * pseudo + (1 - xi) * s0
            w = solve(s)
            B = (mask @ s) / cnt - xm @ w
            h = X @ w + B
            m = w[0] / jnp.sqrt(N)
            Q = w @ w / N
            sq = jnp.sqrt(delta * Q)
            err = rho * _H((m + B) / sq) + (1 - rho) * _H((m - B) / sq)
            tr = (mask @ jnp.where(h * y > 0, 0.0, 1.0)) / cnt
            out.append(jnp.stack([m, Q, B, err, tr]))
        return jnp.stack(out)  # (stages+1, 5)

    return jax.vmap(one)(keys)


def _check(n_features, alpha, delta, rho, flip, lam, xi, stages, beta, n_seeds):
    if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) \
            or n_features < 2:
        raise ValueError(f"n_features must be an int >= 2, got {n_features!r}")
    for name, v in (("alpha", alpha), ("delta", delta), ("lam", lam)):
        v = float(v)
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {v}")
    if not 0 < float(rho) < 1:
        raise ValueError(f"rho must lie in (0, 1), got {rho}")
    if not 0 <= float(flip) <= 1:
        raise ValueError(f"flip must lie in [0, 1], got {flip}")
    if not np.isfinite(float(xi)):
        raise ValueError(f"xi must be finite, got {xi}")
    if isinstance(stages, bool) or not isinstance(stages, (int, np.integer)) or stages < 0:
        raise ValueError(f"stages must be an int >= 0, got {stages!r}")
    betas = tuple(float(b) for b in np.broadcast_to(np.asarray(beta, dtype=float), (stages,)))
    if any(not (b > 0) for b in betas):
        raise ValueError("beta must be > 0 (inf for hard pseudo-labels)")
    if isinstance(n_seeds, bool) or not isinstance(n_seeds, (int, np.integer)) or n_seeds < 2:
        raise ValueError(f"n_seeds must be an int >= 2, got {n_seeds!r}")
    M = int(round(float(alpha) * n_features))
    if M < 2:
        raise ValueError(f"alpha * n_features must give at least 2 samples, got {M}")
    return M, betas


def simulate_gmm_sd(n_features, alpha, delta, rho, flip, lam, *, stages=1, beta=np.inf, xi=1.0,
                    n_seeds=8, seed=0, batch=4, max_samples=None):
    r"""Per-seed overlaps and errors of the teacher and ``stages`` SD stages.

    Parameters
    ----------
    n_features : int
        Dimension ``N``.
    alpha, delta, rho, flip, lam : float
        ``α = M/N``, ``Δ``, ``ρ``, flip probability ``θ`` and ridge ``λ``.
    stages : int
        Number of SD stages after the teacher.
    beta : float or sequence
        Inverse temperature of the pseudo-labels ``σ(β h)`` per stage (``inf``: hard labels).
    xi : float
        Weight on the pseudo-labels (1: pure SD as in Takanami et al.).
    n_seeds : int
        Independent datasets (``jax.random.key(seed)`` split ``n_seeds`` ways).
    seed : int or key
    batch : int
        Seeds per vmapped call (memory: ``batch · M · N`` floats).
    max_samples : int, optional
        Draw this many rows (``≥ M``) and fit on the first ``M``: one JIT compilation then
        serves a whole sweep over ``α`` at fixed ``N`` (the draws differ from an unpadded run
        but have the same distribution).

    Returns
    -------
    numpy.ndarray
        ``(n_seeds, stages + 1, 5)``: ``m, Q, b, test_error, train_error_clean`` per seed and stage.

    Examples
    --------
    >>> out = simulate_gmm_sd(50, 2.0, 1.0, 0.5, 0.2, 0.5, stages=1, n_seeds=2)
    >>> out.shape
    (2, 2, 5)
    """
    M, betas = _check(n_features, alpha, delta, rho, flip, lam, xi, stages, beta, n_seeds)
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch must be an int >= 1, got {batch!r}")
    Mdraw = M
    if max_samples is not None:
        if isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)) \
                or max_samples < M:
            raise ValueError(f"max_samples must be an int >= M = {M}, got {max_samples!r}")
        Mdraw = int(max_samples)
    with x64():
        keys = jax.random.split(as_key(seed), n_seeds)
        outs = []
        args = tuple(jnp.float64(v) for v in (delta, rho, flip, lam, xi))
        for s in range(0, n_seeds, batch):
            kb = keys[s:s + batch]
            if kb.shape[0] < batch:  # pad to keep one compiled shape
                kb = jnp.concatenate([kb, keys[: batch - kb.shape[0]]])
            res = _batch(kb, jnp.float64(M), jnp.asarray(betas, dtype=jnp.float64).reshape(-1),
                         *args, N=int(n_features), M=Mdraw, stages=len(betas))
            outs.append(np.asarray(res)[: min(batch, n_seeds - s)])
    return np.concatenate(outs, axis=0)


def gmm_sd_summary(n_features, alpha, delta, rho, flip, lam, **kw) -> pd.DataFrame:
    """Mean and standard error over seeds, one row per (stage, quantity), plus the paired gain
    ``test_error(teacher) − test_error(stage)`` (positive: the stage beats the teacher).

    Examples
    --------
    >>> df = gmm_sd_summary(50, 2.0, 1.0, 0.5, 0.2, 0.5, n_seeds=2)
    >>> sorted(df.quantity.unique())[:2]
    ['Q', 'b']
    """
    out = simulate_gmm_sd(n_features, alpha, delta, rho, flip, lam, **kw)
    rows = []
    for st in range(out.shape[1]):
        for qi, qn in enumerate(_QUANTITIES):
            ms = mean_se(out[:, st, qi])
            rows.append({"stage": st, "quantity": qn, "mean": ms.mean, "se": ms.se, "n": ms.n})
        if st > 0:
            ms = mean_se(out[:, 0, 3] - out[:, st, 3])
            rows.append({"stage": st, "quantity": "gain", "mean": ms.mean, "se": ms.se, "n": ms.n})
    df = pd.DataFrame(rows)
    df.insert(0, "N", int(n_features))
    df.insert(1, "alpha", float(alpha))
    return df


def gmm_sd_convergence(ns, alpha, delta, rho, flip, lam, *, seeds_at=None, **kw) -> pd.DataFrame:
    """:func:`gmm_sd_summary` at growing ``N`` (keeping ``α``), stacked.

    ``seeds_at`` maps ``N`` to the number of seeds (default: ``n_seeds`` from ``kw`` or 8). The
    finite-``N`` means approach their limit as ``N`` grows (bias ``O(1/N)``, spread
    ``O(1/√N)`` per seed), which is what makes the largest ``N`` usable as a reference.

    Examples
    --------
    >>> df = gmm_sd_convergence([50], 2.0, 1.0, 0.5, 0.2, 0.5, n_seeds=2)
    >>> [int(v) for v in df.N.unique()]
    [50]
    """
    frames = []
    for n in ns:
        kk = dict(kw)
        if seeds_at is not None:
            kk["n_seeds"] = int(seeds_at[n])
        frames.append(gmm_sd_summary(int(n), alpha, delta, rho, flip, lam, **kk))
    return pd.concat(frames, ignore_index=True)


def gmm_sd_flip_scan(flips, n_features, alpha, delta, rho, lam, *, z=4.0, **kw):
    """Paired gain of one SD stage over the teacher across flip rates, and the winning range.

    Returns
    -------
    table : pandas.DataFrame
        ``flip, teacher_error, teacher_se, sd_error, sd_se, gain, gain_se``.
    wins : list of (float, float)
        Maximal runs of consecutive flip rates where ``gain > z·gain_se`` (first and last such
        rate of each run).

    Examples
    --------
    >>> tab, wins = gmm_sd_flip_scan([0.1, 0.3], 50, 2.0, 1.0, 0.5, 0.5, n_seeds=2)
    >>> list(tab.columns)[:3]
    ['flip', 'teacher_error', 'teacher_se']
    """
    rows = []
    kw = {**kw, "stages": 1}
    for th in np.atleast_1d(np.asarray(flips, dtype=float)):
        out = simulate_gmm_sd(n_features, alpha, delta, rho, float(th), lam, **kw)
        t, s, g = mean_se(out[:, 0, 3]), mean_se(out[:, 1, 3]), mean_se(out[:, 0, 3] - out[:, 1, 3])
        rows.append({"flip": th, "teacher_error": t.mean, "teacher_se": t.se, "sd_error": s.mean,
                     "sd_se": s.se, "gain": g.mean, "gain_se": g.se})
    tab = pd.DataFrame(rows)
    wins, cur = [], None
    for th, ok in zip(tab.flip, tab.gain > z * tab.gain_se):
        if ok:
            cur = (th, th) if cur is None else (cur[0], th)
        elif cur is not None:
            wins.append(cur)
            cur = None
    if cur is not None:
        wins.append(cur)
    return tab, [(float(a), float(b)) for a, b in wins]


@partial(jax.jit, static_argnames=("N", "M", "n_iter"))
def _bce_batch(keys, delta, rho, flip, lam, *, N, M, n_iter):
    steps = jnp.asarray(2.0 ** -np.arange(13.0))

    def one(key):
        k1, k2, k3 = jax.random.split(key, 3)
        y = jnp.where(jax.random.uniform(k1, (M,)) < rho, 1.0, -1.0)
        s = jnp.where(jax.random.uniform(k2, (M,)) < flip, -y, y)
        t = (s + 1) / 2
        X = jnp.sqrt(delta) * jax.random.normal(k3, (M, N))
        X = X.at[:, 0].add(y) / jnp.sqrt(N)
        Xa = jnp.concatenate([X, jnp.ones((M, 1))], axis=1)  # last coordinate: bias
        pen = jnp.concatenate([jnp.full(N, lam), jnp.zeros(1)])

        def obj(v):
            h = Xa @ v
            return jnp.sum(jnp.logaddexp(0.0, h) - t * h) + 0.5 * jnp.sum(pen * v * v)

        def body(state):
            it, v, _gn, done = state
            h = Xa @ v
            p = jax.nn.sigmoid(h)
            g = Xa.T @ (p - t) + pen * v
            H = (Xa.T * (p * (1 - p))) @ Xa + jnp.diag(pen)
            d = -jnp.linalg.solve(H, g)
            f0 = obj(v)
            slope = g @ d
            fs = jax.vmap(lambda a: obj(v + a * d))(steps)
            ok = fs <= f0 + 1e-4 * steps * slope
            a = jnp.where(ok.any(), steps[jnp.argmax(ok)], 0.0)
            a = jnp.where(-slope < 1e-13 * (1.0 + jnp.abs(f0)), 1.0, a)
            gn = jnp.linalg.norm(g)
            return it + 1, v + a * d, gn, done | (gn <= 1e-10)

        _, v, gn, _ = jax.lax.while_loop(lambda st: (st[0] < n_iter) & ~st[3], body,
                                         (0, jnp.zeros(N + 1), jnp.inf, False))
        w, B = v[:N], v[N]
        h = X @ w + B
        m = w[0] / jnp.sqrt(N)
        Q = w @ w / N
        sq = jnp.sqrt(delta * Q)
        err = rho * _H((m + B) / sq) + (1 - rho) * _H((m - B) / sq)
        tr = jnp.mean(jnp.where(h * y > 0, 0.0, 1.0))
        return jnp.stack([m, Q, B, err, tr, gn])

    return jax.vmap(one)(keys)


def simulate_gmm_bce_teacher(n_features, alpha, delta, rho, flip, lam, *, n_seeds=8, seed=0,
                             batch=4, n_iter=50):
    r"""Teacher trained with binary cross-entropy (exact Newton, unpenalized bias), per seed.

    Same data model as :func:`simulate_gmm_sd`; loss ``Σ_μ softplus(h_μ) − t_μ h_μ +
    (λ/2)‖w‖²``. Returns ``(n_seeds, 6)``: ``m, Q, b, test_error, train_error_clean,
    grad_norm``.

    Examples
    --------
    >>> out = simulate_gmm_bce_teacher(50, 2.0, 1.0, 0.5, 0.2, 0.5, n_seeds=2)
    >>> out.shape
    (2, 6)
    """
    M, _ = _check(n_features, alpha, delta, rho, flip, lam, 1.0, 0, np.inf, n_seeds)
    with x64():
        keys = jax.random.split(as_key(seed), n_seeds)
        outs = []
        for s in range(0, n_seeds, batch):
            kb = keys[s:s + batch]
            if kb.shape[0] < batch:
                kb = jnp.concatenate([kb, keys[: batch - kb.shape[0]]])
            res = _bce_batch(kb, *(jnp.float64(v) for v in (delta, rho, flip, lam)),
                             N=int(n_features), M=M, n_iter=int(n_iter))
            outs.append(np.asarray(res)[: min(batch, n_seeds - s)])
    return np.concatenate(outs, axis=0)
