"""Training-label corruption, shared by the classification theory and the deep-net bridge.

NumPy only (no JAX). One function, :func:`corrupt_labels`, with two counting schemes:

* ``per_class=True`` (the classification default): the corruption is applied class by class,
  so every class loses the same fraction of its labels;
* ``per_class=False`` (the bridge): ``round(corruption · n)`` labels of the whole set.

:func:`_check_corruption` is the guard that keeps the clean label the majority noisy label
(used by the bridge before corrupting).
"""

from __future__ import annotations

import numpy as np

from ._validate import check_choice, check_int, check_scalar

__all__ = ["CORRUPTION_KINDS", "corrupt_labels"]

#: Kinds of corruption accepted by :func:`corrupt_labels` (``corruption_kind``).
CORRUPTION_KINDS = ("symmetric", "asymmetric")


def _check_corruption(corruption, n_classes: int, corruption_kind: str = "symmetric") -> float:
    """Validate a corrupted fraction so that the clean label stays the majority noisy label.

    Symmetric corruption (uniform over the other ``K − 1`` classes) keeps the clean label the
    most frequent noisy label iff ``corruption < (K − 1)/K``; for ``K = 2`` that is
    ``corruption < 0.5`` (at 0.5 the noisy label is independent of the clean one). Asymmetric
    corruption sends every corrupted label of class ``k`` to one other class, which overtakes the
    clean label at ``corruption >= 0.5``.

    Returns the corruption as a float; raises ``ValueError``/``TypeError`` naming ``corruption``.
    """
    check_choice(corruption_kind, "corruption_kind", CORRUPTION_KINDS)
    k = check_int(n_classes, "n_classes", minimum=2)
    r = check_scalar(corruption, "corruption", low=0.0, high=1.0, high_open=True)
    limit = (k - 1) / k if corruption_kind == "symmetric" else 0.5
    if r >= limit:
        why = (
            "with 2 classes, symmetric corruption >= 0.5 destroys all label signal"
            if (corruption_kind == "symmetric" and k == 2)
            else f"{corruption_kind} corruption >= {limit:.3g} makes a wrong class the majority "
            "label"
        )
        raise ValueError(
            f"corruption must be in [0, {limit:.3g}) for {k} classes "
            f"({corruption_kind}), got {r}: {why}"
        )
    return r


def _check_labels(labels, n_classes):
    if isinstance(labels, (str, bytes)) or labels is None:
        raise TypeError(f"labels must be a 1-D array of integers, got {type(labels).__name__}")
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {lab.shape}")
    if not np.issubdtype(lab.dtype, np.integer):
        raise TypeError(f"labels must be integers, got dtype {lab.dtype}")
    if (lab < 0).any():
        raise ValueError("labels must be >= 0")
    k = (
        max(int(lab.max()) + 1, 2)
        if n_classes is None
        else check_int(n_classes, "n_classes", minimum=2)
    )
    if (lab >= k).any():
        raise ValueError(f"labels must lie in 0..{k - 1} for n_classes={k}")
    return lab, k


def corrupt_labels(
    labels,
    *,
    corruption,
    n_classes: int | None = None,
    corruption_kind: str = "symmetric",
    exact: bool = True,
    per_class: bool = True,
    seed: int = 0,
    stream: int = 0,
    flip_to=None,
):
    r"""Corrupt class labels at random, reproducibly.

    Parameters
    ----------
    labels : array_like of int
        Clean labels ``(N,)`` in ``{0, …, K−1}``.
    corruption : float
        Corrupted fraction in ``[0, 1]``.
    n_classes : int, optional
        ``K >= 2`` (default: ``max(labels) + 1``, at least 2).
    corruption_kind : {"symmetric", "asymmetric"}
        ``"symmetric"``: a corrupted label moves to another class (uniformly at random; with
        ``exact=True, per_class=True`` spread as evenly as possible over the other classes).
        ``"asymmetric"``: class ``k`` moves to ``flip_to[k]`` (default ``(k + 1) mod K``).
    exact : bool
        ``True``: an exact number of labels is corrupted, chosen uniformly without replacement.
        ``False``: each label independently with probability ``corruption``.
    per_class : bool
        ``True``: count within each class, ``⌊corruption · n_k + ½⌋`` labels of class ``k``.
        ``False``: count over the whole set, ``round(corruption · N)`` labels (ties to even).
        The two rounding rules are kept so that seeded draws do not change.
    seed : int
        Seed ``>= 0``. Same inputs, same output.
    stream : int
        Independent stream ``>= 0`` for the same seed (e.g. validation labels). The generator is
        ``default_rng(SeedSequence([seed, stream]))`` per class (``= default_rng(seed)`` for
        stream 0) and ``default_rng(SeedSequence([seed, 2, stream]))`` over the whole set.
    flip_to : array_like of int, optional
        Target class of each class for ``corruption_kind="asymmetric"`` (``flip_to[k] != k``).

    Returns
    -------
    noisy : ndarray of int64
        Corrupted labels.
    corrupted : ndarray of bool
        Which labels were corrupted; every corrupted label changes, so this is ``noisy != labels``.

    Notes
    -----
    The corruption does not check that the clean label stays the majority noisy label; the
    bridge does that first (symmetric corruption must stay below ``(K − 1)/K``, asymmetric below
    ½). See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> import numpy as np
    >>> noisy, mask = corrupt_labels([0] * 10 + [1] * 10, corruption=0.3, seed=1)
    >>> int(mask.sum()), int((noisy != [0] * 10 + [1] * 10).sum())
    (6, 6)
    >>> y = np.arange(100) % 10
    >>> yn, m = corrupt_labels(y, corruption=0.25, per_class=False, seed=1)
    >>> int(m.sum())
    25
    """
    lab, K = _check_labels(labels, n_classes)
    rate = check_scalar(corruption, "corruption", low=0.0, high=1.0)
    check_choice(corruption_kind, "corruption_kind", CORRUPTION_KINDS)
    for name, flag in (("exact", exact), ("per_class", per_class)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")
    seed = check_int(seed, "seed", minimum=0)
    stream = check_int(stream, "stream", minimum=0)
    ft = None
    if corruption_kind == "asymmetric":
        ft = (np.arange(K) + 1) % K if flip_to is None else np.asarray(flip_to)
        if (
            ft.shape != (K,)
            or not np.issubdtype(ft.dtype, np.integer)
            or (ft < 0).any()
            or (ft >= K).any()
            or (ft == np.arange(K)).any()
        ):
            raise ValueError(f"flip_to must be {K} integers in 0..{K - 1} with flip_to[k] != k")
    elif flip_to is not None:
        raise ValueError("flip_to is only used with corruption_kind='asymmetric'")
    if per_class:
        rng = np.random.default_rng(np.random.SeedSequence([seed, stream]))
        return _per_class(lab, rate, K, corruption_kind, exact, rng, ft)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2, stream]))
    n = lab.shape[0]
    if exact:
        idx = rng.choice(n, size=int(round(rate * n)), replace=False)
    else:
        idx = np.flatnonzero(rng.random(n) < rate)
    noisy = lab.astype(np.int64).copy()
    if corruption_kind == "symmetric":
        noisy[idx] = (noisy[idx] + rng.integers(1, K, size=idx.size)) % K
    else:
        noisy[idx] = ft[noisy[idx]]
    return noisy, noisy != lab


def _per_class(lab, rate, K, kind, exact, rng, ft):
    noisy = lab.astype(np.int64).copy()
    mask = np.zeros(lab.shape, dtype=bool)
    for k in range(K):
        idx = np.flatnonzero(lab == k)
        if idx.size == 0:
            continue
        if exact:
            m = int(np.floor(rate * idx.size + 0.5))
            chosen = rng.choice(idx, size=m, replace=False) if m else idx[:0]
        else:
            chosen = idx[rng.random(idx.size) < rate]
        mask[chosen] = True
        others = np.array([j for j in range(K) if j != k])
        if kind == "asymmetric":
            noisy[chosen] = ft[k]
        elif exact:
            reps = np.resize(rng.permutation(others), chosen.size)  # even spread, random extras
            noisy[chosen] = rng.permutation(reps)
        else:
            noisy[chosen] = others[rng.integers(0, K - 1, size=chosen.size)]
    return noisy, mask
