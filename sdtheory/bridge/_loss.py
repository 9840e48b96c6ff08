r"""The self-distillation cross-entropy in JAX: :func:`sd_targets` and :func:`sd_cross_entropy`.

Imports JAX at import time; :mod:`sdtheory.bridge` loads this module lazily (on first access to
either name), so ``import sdtheory.bridge`` still imports no JAX. The bridge trainer
(``_train.py``, ``_loop.py``) uses these functions: the targets are built by :func:`sd_targets`
and the per-point loss is :func:`_soft_cross_entropy`, the one place the log-softmax is taken.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._validate import check_choice, check_scalar
from ..simulate._common import enable_compilation_cache

enable_compilation_cache()  # the persistent JAX compilation cache (once per process)

__all__ = ["sd_targets", "sd_cross_entropy"]

REDUCTIONS = ("mean", "sum", "none")


def _is_traced(x) -> bool:
    return isinstance(x, jax.core.Tracer)


def _array(x, name: str, *, integer_ok: bool = True):
    """``x`` as a JAX array of reals (bool/int too if ``integer_ok``); str, None, complex fail."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got {type(x).__name__}")
    if _is_traced(x):
        a = x
    else:
        try:
            a = jnp.asarray(x)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be an array of real numbers, got {type(x).__name__}"
            ) from None
    if jnp.issubdtype(a.dtype, jnp.complexfloating):
        raise TypeError(f"{name} must be real, got a complex array")
    if not (
        jnp.issubdtype(a.dtype, jnp.floating)
        or (integer_ok and (jnp.issubdtype(a.dtype, jnp.integer) or a.dtype == jnp.bool_))
    ):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
    return a


def _check_xi(xi):
    """A finite real scalar ``xi`` (checked when concrete; a traced ``xi`` must be 0-d)."""
    if _is_traced(xi):
        if jnp.ndim(xi) != 0:
            raise TypeError(f"xi must be a real number, got an array of shape {jnp.shape(xi)}")
        return xi
    c = xi
    if isinstance(xi, jax.Array):
        c = np.asarray(xi)
        c = c[()] if c.ndim == 0 else c
    check_scalar(c, "xi")  # rejects str, None, bool, complex, arrays, NaN and inf
    return xi


def _teacher(teacher_probs):
    p = _array(teacher_probs, "teacher_probs")
    if not jnp.issubdtype(p.dtype, jnp.floating):
        p = p.astype(jnp.result_type(float))
    if p.ndim < 1 or p.shape[-1] < 2:
        raise ValueError(
            "teacher_probs must have shape (..., K) with K >= 2 classes on the last axis, "
            f"got shape {p.shape}"
        )
    if not _is_traced(p):
        a = np.asarray(p)
        if a.size and not np.isfinite(a).all():
            raise ValueError("teacher_probs must lie in [0, 1], got NaN or inf entries")
        if a.size and ((a < 0).any() or (a > 1).any()):
            raise ValueError(
                f"teacher_probs must lie in [0, 1], got range [{a.min():.6g}, {a.max():.6g}]"
            )
        tol = float(np.sqrt(np.finfo(a.dtype).eps))
        if a.size and np.abs(a.sum(axis=-1) - 1.0).max() > tol:
            dev = float(np.abs(a.sum(axis=-1) - 1.0).max())
            raise ValueError(
                f"each row of teacher_probs must sum to 1 (to {tol:.1g}), off by up to {dev:.3g}"
            )
    return p


def _onehot(labels, shape, dtype):
    """Integer class ids of shape ``shape[:-1]`` or one-hot rows of shape ``shape``, as one-hot."""
    K = shape[-1]
    lab = _array(labels, "labels")
    if lab.shape == tuple(shape):
        if not _is_traced(lab):
            a = np.asarray(lab)
            if a.size and (not np.isin(a, (0, 1)).all() or (a.sum(axis=-1) != 1).any()):
                raise ValueError(
                    f"one-hot labels of shape {tuple(shape)} must have entries 0 or 1 and "
                    "exactly one 1 per row"
                )
        return lab.astype(dtype)
    if lab.shape == tuple(shape[:-1]):
        if not jnp.issubdtype(lab.dtype, jnp.integer):
            raise TypeError(
                f"labels of shape {lab.shape} must be integer class ids in 0..{K - 1}, "
                f"got dtype {lab.dtype}"
            )
        if not _is_traced(lab):
            a = np.asarray(lab)
            if a.size and ((a < 0) | (a >= K)).any():
                raise ValueError(
                    f"labels must be class ids in 0..{K - 1}, got range [{a.min()}, {a.max()}]"
                )
        return jax.nn.one_hot(lab, K, dtype=dtype)
    raise ValueError(
        f"labels must be integer class ids of shape {tuple(shape[:-1])} or one-hot rows of "
        f"shape {tuple(shape)} (teacher_probs has shape {tuple(shape)}), got shape {lab.shape}"
    )


def sd_targets(teacher_probs, labels, *, xi):
    r"""Self-distillation targets ``q = ξ·teacher_probs + (1 − ξ)·onehot(labels)`` in JAX.

    Parameters
    ----------
    teacher_probs : array_like, shape (..., K)
        The teacher's class probabilities, in ``[0, 1]`` with rows summing to 1 (checked when the
        array is concrete, skipped under ``jit``/``vmap``/``grad`` tracing). ``K >= 2``.
    labels : array_like
        The given (possibly noisy) labels: integer class ids in ``0..K−1`` of shape ``(...)``, or
        one-hot rows of shape ``(..., K)``.
    xi : float
        Weight on the teacher, any finite real ``ξ`` (``ξ > 1`` or ``ξ < 0`` make some entries of
        ``q`` negative; that is intended). May be traced (e.g. ``vmap`` over ξ).

    Returns
    -------
    jax.Array, shape (..., K)
        The targets, in the floating dtype of ``teacher_probs``; every row sums to 1 for every ξ.

    Raises
    ------
    TypeError
        If an argument is not an array of real numbers, ``xi`` is not a real scalar, or class-id
        ``labels`` (shape ``(...)``) are not integers.
    ValueError
        If ``teacher_probs`` leaves ``[0, 1]`` or a row does not sum to 1, shapes do not match,
        labels leave ``0..K−1`` or one-hot rows are not one-hot, or ``xi`` is not finite.

    See Also
    --------
    sd_cross_entropy : the loss on these targets.
    sdtheory.classification.soft_targets : the NumPy version.

    Notes
    -----
    The arithmetic is ``ξ·p + (1 − ξ)·e_y`` with ``ξ`` cast to the dtype of ``p``, evaluated in
    this order (the bridge's committed results were computed with it). Since
    ``Σ_k p_k = Σ_k (e_y)_k = 1``, ``Σ_k q_k = 1`` for every real ξ. See :doc:`/theory/bridge`.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> q = sd_targets(jnp.array([[0.7, 0.3]]), jnp.array([1]), xi=2.0)
    >>> [round(float(v), 4) for v in q[0]]
    [1.4, -0.4]
    """
    p = _teacher(teacher_probs)
    oh = _onehot(labels, p.shape, p.dtype)
    xi = jnp.asarray(_check_xi(xi)).astype(p.dtype)
    return xi * p + (1 - xi) * oh


def _soft_cross_entropy(logits, q):
    """``−Σ_k q_k log softmax(logits)_k`` over the last axis (no checks; any real ``q``)."""
    return -jnp.sum(q * jax.nn.log_softmax(logits, axis=-1), axis=-1)


def sd_cross_entropy(logits, teacher_probs, labels, *, xi, reduction="mean"):
    r"""Self-distillation cross-entropy ``ξ·CE(p_T, softmax z) + (1 − ξ)·CE(e_y, softmax z)``.

    A JAX loss for any training loop (optax or hand-written): numerically stable (log-softmax),
    valid for every real ξ, differentiable, ``jit``-able and ``vmap``-able.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        The student's logits ``z`` (finite; checked when concrete).
    teacher_probs : array_like, shape (..., K)
        The teacher's class probabilities ``p_T``, in ``[0, 1]`` with rows summing to 1 (checked
        when concrete, skipped under tracing). Treated as a constant or differentiated through,
        as the caller chooses (wrap in ``jax.lax.stop_gradient`` for a fixed teacher).
    labels : array_like
        The given labels: integer class ids ``(...)`` or one-hot rows ``(..., K)``.
    xi : float
        Weight on the teacher, any finite real ξ (may be traced).
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean or sum over all points, or the per-point losses of shape ``(...)``.

    Returns
    -------
    jax.Array
        A scalar, or shape ``logits.shape[:-1]`` for ``reduction="none"``.

    Raises
    ------
    TypeError
        If an argument is not an array of real numbers or ``xi`` is not a real scalar.
    ValueError
        If ``logits`` are not finite or their shape differs from ``teacher_probs``', on the
        errors of :func:`sd_targets`, or if ``reduction`` is not one of the three names.

    See Also
    --------
    sd_targets : the targets ``q``; precompute them once when they are fixed during training.

    Notes
    -----
    With ``q = ξ p_T + (1 − ξ) e_y`` (:func:`sd_targets`) the loss of one point is

    .. math::

        \ell(z) = -\sum_k q_k \log\operatorname{softmax}_k(z)
                = -q^\top z + \operatorname{lse}(z),
        \qquad \nabla_z \ell = \operatorname{softmax}(z) - q,

    because ``Σ_k q_k = 1`` for every real ξ. It is convex in ``z`` for every ξ, but unbounded
    below when some ``q_k < 0`` (``ξ > 1`` where the teacher doubts the label, or ``ξ < 0``), so
    training with ``ξ > 1`` needs weight decay or a step budget. ``log softmax`` is evaluated by
    :func:`jax.nn.log_softmax` (max-shifted log-sum-exp), so logits of size ``1e3`` stay finite.
    See :doc:`/theory/bridge`.

    References
    ----------
    .. [1] G. Hinton, O. Vinyals and J. Dean, "Distilling the knowledge in a neural network",
       NIPS Deep Learning Workshop, 2015. arXiv:1503.02531.
    .. [2] R. Das and S. Sanghavi, "Understanding self-distillation in the presence of label
       noise", ICML 2023. arXiv:2301.13304.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> z = jnp.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]])
    >>> pT = jnp.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    >>> y = jnp.array([0, 2])
    >>> round(float(sd_cross_entropy(z, pT, y, xi=0.5)), 4)
    0.9514
    >>> loss = jax.jit(lambda z, x: sd_cross_entropy(z, pT, y, xi=x))
    >>> bool(jnp.isclose(loss(z, 0.5), 0.9514, atol=1e-4))
    True
    >>> g = jax.grad(sd_cross_entropy)(z, pT, y, xi=2.0)  # = (softmax(z) − q) / n
    >>> q = sd_targets(pT, y, xi=2.0)
    >>> bool(jnp.allclose(g, (jax.nn.softmax(z) - q) / 2, atol=1e-6))
    True
    >>> per_xi = jax.vmap(lambda x: sd_cross_entropy(z, pT, y, xi=x))(jnp.array([0.0, 1.0, 3.0]))
    >>> per_xi.shape
    (3,)
    """
    z = _array(logits, "logits", integer_ok=False)
    if z.ndim < 1 or z.shape[-1] < 2:
        raise ValueError(
            f"logits must have shape (..., K) with K >= 2 classes on the last axis, got {z.shape}"
        )
    if not _is_traced(z) and not bool(np.isfinite(np.asarray(z)).all()):
        raise ValueError("logits must be finite (no NaN or inf)")
    reduction = check_choice(reduction, "reduction", REDUCTIONS)
    p = _teacher(teacher_probs)
    if p.shape != z.shape:
        raise ValueError(
            f"teacher_probs must have the shape of logits {z.shape}, got shape {p.shape}"
        )
    per_point = _soft_cross_entropy(z, sd_targets(p, labels, xi=xi))
    if reduction == "mean":
        return jnp.mean(per_point)
    if reduction == "sum":
        return jnp.sum(per_point)
    return per_point
