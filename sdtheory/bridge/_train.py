"""JAX models and the self-distillation training loop (imports JAX; loaded lazily by the runner).

Models are softmax regression (``depth = 0``, the linear probe), ReLU MLPs with 1–2 hidden
layers and a small conv net on 8×8 images. Parameters are a list of ``(W, b)`` pairs. One run
minimizes the summed objective divided by ``n`` (same minimizer),

    L(θ) = (1/n) [Σ_i CE(q_i, softmax(f_θ(x_i))) + (λ/2) Σ_layers ‖W‖_F²],
    CE(q, p) = −Σ_k q_k log p_k,

by full-batch Adam with a cosine-decayed learning rate over a fixed number of steps. The same
single-run step function is ``vmap``-ed over runs that share a design matrix (noise levels and ξ
of one seed) and again over seeds, and ``jit``-compiled once per shape.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import optax

from ..simulate._aot import aot_jit
from . import _loss
from ._loss import _soft_cross_entropy

__all__ = [
    "init_params",
    "forward",
    "sd_loss",
    "make_optimizer",
    "train_chunk",
    "batched_train_chunk",
    "model_spec",
    "init_stage",
    "predict",
    "batched_logits",
    "train_single",
    "grad_norm",
    "cached_trainer",
    "init_run_params",
]


def model_spec(model: str, d: int, n_classes: int, *, width: int, depth: int, channels: int):
    """Hashable layer spec: ``(d, K)`` (linear), ``(d, h, ..., K)`` (mlp) or
    ``("conv", side, channels, width, K)`` (conv net on ``side × side`` single-channel images).

    Examples
    --------
    >>> model_spec("conv", 64, 10, width=32, depth=1, channels=8)
    ('conv', 8, 8, 32, 10)
    """
    if model == "linear":
        return (d, n_classes)
    if model == "mlp":
        return (d,) + (width,) * depth + (n_classes,)
    side = int(round(d**0.5))
    if side * side != d or side % 2:
        raise ValueError(f"the conv model needs square images of even side, got {d} features")
    return ("conv", side, channels, width, n_classes)


def init_params(key, sizes, dtype=jnp.float32):
    """He-normal weights (``N(0, 2/fan_in)``; ``N(0, 1/fan_in)`` for the output layer), zero biases.

    ``sizes = (d, h_1, ..., K)``; ``(d, K)`` gives softmax regression. A conv spec
    ``("conv", side, C, h, K)`` (see :func:`model_spec`) gives a 3×3 kernel ``(3, 3, 1, C)``
    (fan-in 9), then dense layers ``(side/2)²·C → h → K``.

    Examples
    --------
    >>> import jax
    >>> p = init_params(jax.random.key(0), (4, 8, 3))
    >>> [(w.shape, b.shape) for w, b in p]
    [((4, 8), (8,)), ((8, 3), (3,))]
    >>> [w.shape for w, _ in init_params(jax.random.key(0), ("conv", 8, 4, 16, 10))]
    [(3, 3, 1, 4), (64, 16), (16, 10)]
    """
    if sizes[0] == "conv":
        _, side, c, h, k = sizes
        k0, k1 = jax.random.split(key)
        w = jax.random.normal(k0, (3, 3, 1, c), dtype) * jnp.sqrt(2.0 / 9).astype(dtype)
        return [(w, jnp.zeros((c,), dtype))] + init_params(k1, ((side // 2) ** 2 * c, h, k), dtype)
    keys = jax.random.split(key, len(sizes) - 1)
    params = []
    for i, (k, fan_in, fan_out) in enumerate(zip(keys, sizes[:-1], sizes[1:])):
        gain = 1.0 if i == len(sizes) - 2 else 2.0
        w = jax.random.normal(k, (fan_in, fan_out), dtype) * jnp.sqrt(gain / fan_in).astype(dtype)
        params.append((w, jnp.zeros((fan_out,), dtype)))
    return params


def forward(params, X):
    """Logits: ReLU MLP (softmax regression when there is one layer); with a 4-D first kernel,
    the conv net (3×3 SAME convolution, ReLU, 2×2 average pooling, then the MLP)."""
    h = X
    if params[0][0].ndim == 4:
        w, b = params[0]
        side = int(round(X.shape[-1] ** 0.5))
        img = X.reshape(X.shape[:-1] + (side, side, 1))
        z = jax.lax.conv_general_dilated(
            img, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        z = jax.nn.relu(z + b)
        c = z.shape[-1]
        z = z.reshape(z.shape[:-3] + (side // 2, 2, side // 2, 2, c)).mean(axis=(-4, -2))
        h = z.reshape(z.shape[:-3] + (-1,))
        params = params[1:]
    for w, b in params[:-1]:
        h = jax.nn.relu(h @ w + b)
    w, b = params[-1]
    return h @ w + b


def sd_loss(params, X, Q, lam):
    """Mean soft-target cross-entropy plus ``(lam/2)·Σ‖W‖²`` (biases not penalized), i.e. the
    summed objective ``Σ_i CE_i + (λ/2)Σ‖W‖²`` divided by ``n`` when ``lam = λ/n``.

    ``Q`` holds the SD targets (built once per run, as :func:`~sdtheory.bridge.sd_targets`
    does); the cross-entropy term is ``_loss._soft_cross_entropy``, the code of
    :func:`~sdtheory.bridge.sd_cross_entropy`. With ``Σ_k q_k = 1``,
    ``CE(q, softmax(z)) = −q·z + logsumexp(z)`` is convex in the logits for any sign of ``q``, but
    when some ``q_k < 0`` (ξ > 1) it is unbounded below (send ``z_k → −∞``), so a minimizer needs
    ``λ > 0`` (linear probe) or a finite step budget (MLPs: the logits are homogeneous of degree
    ``depth + 1`` in the weights, so a quadratic penalty bounds the loss only for depth 1 and
    large enough λ).
    """
    ce = jnp.mean(_soft_cross_entropy(forward(params, X), Q))
    l2 = sum(jnp.sum(w * w) for w, _ in params)
    return ce + 0.5 * lam * l2


def make_optimizer(lr: float, steps: int | None):
    """Full-batch Adam; cosine decay of the learning rate to 0 over ``steps`` (constant if None)."""
    sched = lr if steps is None else optax.cosine_decay_schedule(lr, int(steps))
    return optax.adam(sched)


def grad_norm(params, X, Q, lam):
    """Euclidean norm of the full-objective gradient of one run."""
    g = jax.grad(sd_loss)(params, X, Q, lam)
    return jnp.sqrt(sum(jnp.sum(a * a) for a in jax.tree.leaves(g)))


def train_chunk(opt, n_steps: int):
    """A function ``(params, state, X, Q, lam) -> (params, state, losses[n_steps])`` for one run."""

    def step(carry, _):
        params, state, X, Q, lam = carry
        loss, g = jax.value_and_grad(sd_loss)(params, X, Q, lam)
        upd, state = opt.update(g, state, params)
        params = optax.apply_updates(params, upd)
        return (params, state, X, Q, lam), loss

    def run(params, state, X, Q, lam):
        (params, state, *_), losses = jax.lax.scan(
            step, (params, state, X, Q, lam), None, length=n_steps
        )
        return params, state, losses

    return run


#: the source files that define the compiled bridge programs (part of their on-disk cache key)
SOURCES = (__file__, _loss.__file__)


def _batched_chunk_fn(opt, n_steps: int):
    one = train_chunk(opt, n_steps)

    def one_with_gn(params, state, X, Q, lam):
        params, state, losses = one(params, state, X, Q, lam)
        return params, state, losses, grad_norm(params, X, Q, lam)

    inner = jax.vmap(one_with_gn, in_axes=(0, 0, None, 0, 0))
    return jax.vmap(inner, in_axes=(0, 0, 0, 0, 0))


def batched_train_chunk(opt, n_steps: int):
    """``jit(vmap_seeds(vmap_runs(train_chunk)))``: ``params``/``state``/``Q``/``lam`` carry two
    leading axes ``(seed, run)``; ``X`` one ``(seed,)``, shared by the runs of a seed. Also
    returns the final gradient norm of each run."""
    return jax.jit(_batched_chunk_fn(opt, n_steps))


@functools.lru_cache(maxsize=64)
def cached_trainer(lr: float, steps: int | None, n_steps: int):
    """``(optimizer, train)``: ``train`` is :func:`batched_train_chunk` of the optimizer
    ``make_optimizer(lr, steps)``, compiled once per argument shape and kept on disk with the
    simulators' programs (a new process neither traces nor compiles it)."""
    opt = make_optimizer(lr, steps)
    structure = (float(lr), None if steps is None else int(steps), int(n_steps))
    train = aot_jit(
        "bridge-train", _batched_chunk_fn(opt, n_steps), structure=structure, sources=SOURCES
    )
    return opt, train


def init_run_params(seed, model_tag: int, role: int, sizes, dtype=jnp.float32):
    """Initial parameters of one run: key ``fold_in(fold_in(key(seed), model_tag), role)`` with
    ``role`` 0 for the teacher and 1 for the students (shared by all their runs)."""
    key = jax.random.fold_in(jax.random.fold_in(jax.random.key(seed), int(model_tag)), int(role))
    return init_params(key, sizes, dtype)


def init_stage(seeds, model_tag, role, sizes, n_runs, dtype, lr, steps):
    """Parameters and Adam state of a batch ``(seed, run)``: one init per seed (``seeds`` an
    int array), shared by its ``n_runs`` runs. One compiled program per stage (kept on disk)."""
    return _init_program(
        int(model_tag), int(role), tuple(sizes), int(n_runs), str(dtype), lr, steps
    )(seeds)


@functools.lru_cache(maxsize=64)
def _init_program(model_tag, role, sizes, n_runs, dtype, lr, steps):
    def init(seeds):
        dt = jnp.dtype(dtype)
        ps = jax.vmap(lambda s: init_run_params(s, model_tag, role, sizes, dt))(seeds)
        ps = jax.tree.map(
            lambda a: jnp.broadcast_to(a[:, None], a.shape[:1] + (n_runs,) + a.shape[1:]), ps
        )
        opt = make_optimizer(lr, steps)
        return ps, jax.vmap(jax.vmap(opt.init))(ps)

    structure = (model_tag, role, sizes, n_runs, dtype, float(lr), steps)
    return aot_jit("bridge-init", init, structure=structure, sources=SOURCES)


def batched_logits(params, X):
    """Logits ``(seed, run, n, K)`` for params with axes ``(seed, run, ...)`` and ``X`` of shape
    ``(seed, n, d)``."""
    f = jax.vmap(jax.vmap(forward, in_axes=(0, None)), in_axes=(0, 0))
    return f(params, X)


def _predict(params, X):
    return jnp.argmax(jax.nn.softmax(batched_logits(params, X), axis=-1), axis=-1)


_predict_program = aot_jit("bridge-predict", _predict, structure=(), sources=SOURCES)


def predict(params, X):
    """Predicted classes, shape ``(seed, run, n)``, for params with axes ``(seed, run, ...)`` on
    ``X`` of shape ``(seed, n, d)`` (argmax of the softmax probabilities). Compiled once per
    shape and kept on disk."""
    return _predict_program(params, X)


def train_single(params, X, Q, lam, *, lr: float, steps: int):
    """Train one run (no vmap) for ``steps`` full-batch Adam steps; returns ``(params, losses)``.

    The one-at-a-time reference for the vmapped trainer.
    """
    opt, run = _single_trainer(float(lr), int(steps))
    params, _, losses = run(params, opt.init(params), X, Q, jnp.asarray(lam, X.dtype))
    return params, losses


@functools.lru_cache(maxsize=16)
def _single_trainer(lr, steps):
    opt = make_optimizer(lr, steps)
    return opt, jax.jit(train_chunk(opt, steps))
