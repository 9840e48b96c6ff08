"""The deep-net bridge experiment: teacher on corrupted labels, SD students over a grid, per seed.

This module resolves the :class:`BridgeConfig` and prepares the data (NumPy); the training loop
(:mod:`._loop`) imports JAX only when :func:`run_bridge` runs.
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np

from .._labels import _check_corruption, corrupt_labels
from ._config import BridgeConfig
from ._data import load_dataset, split_dataset

__all__ = ["run_bridge"]

_FIELDS = tuple(f.name for f in dataclasses.fields(BridgeConfig))


def _check_progress(progress):
    if progress is None or isinstance(progress, (bool, np.bool_)):
        return None if progress is None else bool(progress)
    raise TypeError(f"progress must be True, False or None, got {type(progress).__name__}")


def run_bridge(config=None, /, *, progress=None, **overrides):
    """Train teachers on corrupted labels and SD students over a grid; one row per student run.

    For each seed (which fixes the split, the corruption and the initializations), each
    corruption level, each model and each teacher λ: a teacher is trained with cross-entropy on
    the corrupted training labels; then, for every temperature ``T``, student λ and ξ, a student
    of the same architecture, from a fresh initialization shared by all students of that (seed,
    model), is trained on the soft target ``q = ξ softmax(z_T/T) + (1 − ξ) onehot(noisy)`` with
    the same step budget. All students of a model train at once (``vmap``, one ``jit``).

    Parameters
    ----------
    config : BridgeConfig, optional
        The settings (positional only); None: ``BridgeConfig()``, every default.
    progress : bool or None
        tqdm progress bar on stderr (None: only when stderr is a terminal).
    **overrides
        :class:`BridgeConfig` fields replacing those of ``config``
        (``dataclasses.replace``, validated again).

    Returns
    -------
    pandas.DataFrame
        One row per (model, corruption, teacher_lam, temperature, student_lam, xi, seed) with
        ``test_acc``, ``val_acc``, ``val_acc_noisy`` (validation labels corrupted like the
        training labels), ``corrupted_train_acc`` (accuracy on the corrupted training points
        against their clean labels), ``noisy_train_acc``, ``clean_train_acc``, the teacher's
        ``teacher_test_acc``, ``teacher_val_acc`` and ``teacher_corrupted_train_acc``, the final
        loss (per point) and gradient norm, the full-batch Adam steps taken by the student
        and its teacher (``train_steps``, ``teacher_train_steps``), and every setting
        (``dataset``,
        ``corruption_kind``, budget, λs, temperature, lr, width, depth, channels, sizes, dtype,
        optimizer).

    Raises
    ------
    TypeError
        If ``config`` is not a :class:`BridgeConfig`, an override is not a field name, or a
        field has the wrong type.
    ValueError
        If a field is out of range (see :class:`BridgeConfig`), or a corruption level makes a
        wrong class the majority label for the dataset's number of classes.

    Notes
    -----
    λ is on the package's summed-loss scale. Student objective (per run):
    ``Σ_i CE(q_i, softmax(f_θ(x_i))) + (λ/2) Σ‖W‖²`` (minimized divided by ``n``; the loss
    columns are per point) with ``q_i = ξ p_T(x_i) + (1 − ξ) e_{ỹ_i}``. Since ``Σ_k q_ik = 1``
    for every real ξ, ``CE = −q·z + logsumexp(z)``, convex in the logits ``z`` with gradient
    ``softmax(z) − q``. For ξ > 1 the entry of the given label is negative wherever the teacher
    doubts it enough; for ξ < 0 every other entry is. A negative entry makes the loss unbounded
    below in the logits, so without weight decay a model that can move one point's logit on its
    own has no minimizer: hence the error for ``student_lam=0``, ξ outside ``[0, 1]`` and no
    step budget. With λ > 0 the linear probe has a unique minimizer. A ReLU MLP with ``L``
    hidden layers has logits ``(L+1)``-homogeneous in the weights against a quadratic penalty:
    for ``L = 1`` the loss is bounded below only when λ exceeds a data- and ``q``-dependent
    threshold, for ``L = 2`` (and the conv net) it is unbounded for every λ. Weight decay alone
    does not make ξ > 1 well posed for a net: the fixed step budget is part of the method.
    ξ = 0 is plain cross-entropy on the noisy labels; ξ = 1 copies the teacher. See the theory
    page :doc:`/theory/bridge` for the derivation.

    References
    ----------
    R. Das and S. Sanghavi, "Understanding Self-Distillation in the Presence of Label Noise",
    ICML 2023.

    Examples
    --------
    >>> cfg = BridgeConfig(dataset="breast_cancer", model="linear", corruption=0.2,
    ...                    xi=(-0.5, 0, 2), seeds=2, quick=True, train_steps=20)
    >>> df = run_bridge(cfg, progress=False)
    >>> df.shape[0], sorted(df.xi.unique().tolist())
    (6, [-0.5, 0.0, 2.0])
    >>> run_bridge(cfg, progress=False, temperature=(1, 2)).shape[0]
    12
    """
    import pandas as pd

    if config is None:
        config = BridgeConfig()
    if not isinstance(config, BridgeConfig):
        raise TypeError(f"config must be a BridgeConfig or None, got {type(config).__name__}")
    unknown = sorted(set(overrides) - set(_FIELDS))
    if unknown:
        raise TypeError(
            f"run_bridge got unknown settings {unknown}; valid names are the BridgeConfig "
            f"fields {list(_FIELDS)}"
        )
    cfg = dataclasses.replace(config, **overrides) if overrides else config
    progress = _check_progress(progress)

    kw = {k: getattr(cfg, k) for k in ("n_samples", "n_features", "n_classes")}
    X, y = load_dataset(cfg.dataset, **kw)
    n_cls = int(y.max()) + 1
    corruptions = tuple(_check_corruption(c, n_cls, cfg.corruption_kind) for c in cfg.corruption)
    seed_list = cfg.seed_list

    # Data, per seed (numpy): split, standardization, corruption of the training labels.
    splits = [
        split_dataset(X, y, seed=s, val_fraction=cfg.val_fraction, test_fraction=cfg.test_fraction)
        for s in seed_list
    ]

    def corrupt(labels, corruption, s, stream):
        return corrupt_labels(
            labels,
            corruption=corruption,
            n_classes=n_cls,
            corruption_kind=cfg.corruption_kind,
            per_class=False,
            seed=s,
            stream=stream,
        )[0]

    noisy = np.stack(
        [
            np.stack([corrupt(sp.y_train, c, s, 0) for c in corruptions])
            for s, sp in zip(seed_list, splits)
        ]
    )  # (S, N, n)
    noisy_val = np.stack(
        [
            np.stack([corrupt(sp.y_val, c, s, 1) for c in corruptions])
            for s, sp in zip(seed_list, splits)
        ]
    )  # (S, N, n_val)

    from ..simulate._common import x64
    from ._loop import train_all

    with x64() if cfg.dtype == "float64" else contextlib.nullcontext():
        rows = train_all(cfg, splits, noisy, noisy_val, n_cls, progress=progress)
    res = cfg.resolved()
    df = pd.DataFrame(rows)
    sp = splits[0]
    df.insert(0, "dataset", "gaussian_mixture" if cfg.dataset == "synthetic" else cfg.dataset)
    df["corruption_kind"] = cfg.corruption_kind
    df["n_train"], df["n_val"], df["n_test"] = len(sp.y_train), len(sp.y_val), len(sp.y_test)
    df["n_features"], df["n_classes"] = sp.X_train.shape[1], n_cls
    df["lr"] = res["lr"]
    df["budget"] = "converge" if res["train_steps"] is None else "fixed"
    df["optimizer"] = "adam full-batch" + (
        "" if res["train_steps"] is None else ", cosine lr decay"
    )
    df["dtype"] = cfg.dtype
    df["quick"] = cfg.quick
    order = ["model", "corruption", "teacher_lam", "temperature", "student_lam", "xi", "seed"]
    return df.sort_values(order, kind="stable").reset_index(drop=True)
