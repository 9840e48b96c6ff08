r"""Monte Carlo of the cross-entropy (BCE) teacher on the noisy Gaussian mixture (JAX, float64).

The same data model as :mod:`sdtheory.simulate._gmm` (which holds the squared-loss stages); here
the teacher minimises the logistic loss with ``(λ/2)‖w‖²`` by Newton's method with a
backtracking line search. This module never imports the theory it checks; see the theory page
:doc:`/theory/classification`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._validate import check_int
from . import _gmm
from ._aot import f64, run_batched, trial_keys
from ._common import check_seed, x64
from ._gmm import _H, _QUANTITIES, _check, _tidy

__all__ = ["simulate_gmm_bce_teacher"]


def _bce_batch(keys, delta, rho, flip, lam, N, M, n_iter):
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

        _, v, gn, _ = jax.lax.while_loop(
            lambda st: (st[0] < n_iter) & ~st[3], body, (0, jnp.zeros(N + 1), jnp.inf, False)
        )
        w, B = v[:N], v[N]
        h = X @ w + B
        m = w[0] / jnp.sqrt(N)
        Q = w @ w / N
        sq = jnp.sqrt(delta * Q)
        err = rho * _H((m + B) / sq) + (1 - rho) * _H((m - B) / sq)
        tr = jnp.mean(jnp.where(h * y > 0, 0.0, 1.0))
        return jnp.stack([m, Q, B, err, tr, gn])

    return jax.vmap(one)(keys)


def simulate_gmm_bce_teacher(
    n_features,
    sample_ratio,
    delta,
    rho,
    *,
    corruption,
    lam,
    n_trials=8,
    seed=0,
    batch_size=4,
    n_iter=50,
):
    r"""Teacher trained with binary cross-entropy (exact Newton, unpenalized bias), per trial.

    Same data model and arguments as :func:`simulate_gmm_sd`; loss ``Σ_μ softplus(h_μ) − t_μ h_μ +
    (λ/2)‖w‖²``. ``n_iter`` (``>= 1``) caps the Newton steps.

    Returns
    -------
    pandas.DataFrame
        Tidy per-trial draws, one row per trial, columns ``trial``, ``m``, ``Q``, ``b``,
        ``test_error``, ``train_error_clean`` (as in :func:`simulate_gmm_sd`) and ``grad_norm``
        (the final gradient norm of the fit; check it is small).

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> out = simulate_gmm_bce_teacher(50, 2.0, 1.0, 0.5, corruption=0.2, lam=0.5, n_trials=2)
    >>> list(out.columns)
    ['trial', 'm', 'Q', 'b', 'test_error', 'train_error_clean', 'grad_norm']
    """
    M, _, vals = _check(
        n_features,
        sample_ratio,
        delta,
        rho,
        corruption,
        lam,
        1.0,
        0,
        np.inf,
        n_trials,
        seed,
        batch_size,
    )
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    n_seeds, batch = n_trials, batch_size
    delta, rho, flip, lam, _ = vals
    with x64():
        raw, impl = trial_keys(check_seed(seed), n_seeds)
        args = f64(delta, rho, flip, lam)
        arr = run_batched(
            "gmm-bce",
            _bce_batch,
            raw,
            args,
            batch=batch,
            static=(int(n_features), M, int(n_iter)),
            impl=impl,
            sources=(__file__, _gmm.__file__),
        )
    return _tidy(arr, _QUANTITIES + ("grad_norm",))
