"""Bundled datasets, stratified splits, standardization and training-label corruption.

NumPy and scikit-learn only (no JAX). Everything is seeded and offline: the real datasets ship
inside the scikit-learn wheel, the Gaussian mixture is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_choice, check_int

__all__ = [
    "DATASETS",
    "CORRUPTIONS",
    "Split",
    "load_dataset",
    "split_dataset",
    "corrupt_labels",
    "check_noise_rate",
]

#: Dataset names accepted by :func:`load_dataset` (``"synthetic"`` is an alias of ``"gaussian_mixture"``).
DATASETS = ("digits", "breast_cancer", "gaussian_mixture", "synthetic")
#: Corruption kinds accepted by :func:`corrupt_labels`.
CORRUPTIONS = ("symmetric", "asymmetric")


def _rng(*entropy) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(e) for e in entropy]))


def load_dataset(name: str, *, n_samples: int | None = None, n_features: int | None = None,
                 n_classes: int | None = None, separation: float = 1.0, seed: int = 0):
    """Load a bundled dataset (offline) as ``(X, y)``.

    Parameters
    ----------
    name : {"digits", "breast_cancer", "gaussian_mixture", "synthetic"}
        ``digits``: scikit-learn's 1,797 8×8 handwritten digits (64 features, 10 classes).
        ``breast_cancer``: 569 × 30, 2 classes. ``gaussian_mixture`` (alias ``synthetic``):
        ``n_samples`` points of ``n_classes`` isotropic Gaussian classes in ``n_features``
        dimensions (defaults 2000, 20, 10), class means ``separation · g_k`` with
        ``g_k ~ N(0, I_d)``, equal class sizes up to one point.
    n_samples, n_features, n_classes : int, optional
        Size of the Gaussian mixture (only for it; an error for the real datasets).
    separation : float
        Scale of the Gaussian-mixture class means (noise has unit variance per coordinate).
    seed : int
        Seed of the Gaussian mixture (the real datasets are fixed).

    Returns
    -------
    X : ndarray, shape (n, d), float64
    y : ndarray, shape (n,), int64 in ``0..K-1``

    Examples
    --------
    >>> X, y = load_dataset("digits")
    >>> X.shape, int(y.max()) + 1
    ((1797, 64), 10)
    >>> X, y = load_dataset("gaussian_mixture", n_samples=100, n_features=5, n_classes=3)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 5), [34, 33, 33])
    """
    check_choice(name, "dataset", DATASETS)
    synthetic = name in ("gaussian_mixture", "synthetic")
    if not synthetic:
        given = [k for k, v in (("n_samples", n_samples), ("n_features", n_features),
                                ("n_classes", n_classes)) if v is not None]
        if given:
            raise ValueError(f"{', '.join(given)} only apply to dataset='gaussian_mixture', "
                             f"not {name!r} (a fixed bundled dataset)")
        from sklearn import datasets as skd

        loader = skd.load_digits if name == "digits" else skd.load_breast_cancer
        X, y = loader(return_X_y=True)
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    n = check_int(2000 if n_samples is None else n_samples, "n_samples", minimum=10)
    d = check_int(20 if n_features is None else n_features, "n_features", minimum=1)
    k = check_int(10 if n_classes is None else n_classes, "n_classes", minimum=2)
    if n < 5 * k:
        raise ValueError(f"n_samples must be >= 5 * n_classes = {5 * k} for a stratified "
                         f"train/val/test split, got {n}")
    if not np.isfinite(separation) or separation <= 0:
        raise ValueError(f"separation must be a finite number > 0, got {separation}")
    rng = _rng(seed, 7919)
    means = separation * rng.standard_normal((k, d))
    y = np.arange(n) % k
    rng.shuffle(y)
    X = means[y] + rng.standard_normal((n, d))
    return X.astype(np.float64), y.astype(np.int64)


@dataclass(frozen=True)
class Split:
    """Standardized train/validation/test arrays of one seed (statistics fitted on train only)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int


def split_dataset(X, y, *, seed: int, val_fraction: float = 0.2,
                  test_fraction: float = 0.2) -> Split:
    """Stratified, seeded train/validation/test split, standardized with train statistics.

    Features with zero training variance (blank digit pixels) are centred and left unscaled.

    Examples
    --------
    >>> X, y = load_dataset("digits")
    >>> s = split_dataset(X, y, seed=0)
    >>> s.X_train.shape[0], s.X_val.shape[0], s.X_test.shape[0]
    (1077, 360, 360)
    >>> bool(np.allclose(s.X_train.mean(0), 0))
    True
    """
    from sklearn.model_selection import train_test_split

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X must be (n, d) and y (n,), got {X.shape} and {y.shape}")
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < f < 1:
            raise ValueError(f"{name} must be in (0, 1), got {f}")
    if val_fraction + test_fraction >= 1:
        raise ValueError("val_fraction + test_fraction must be < 1")
    seed = check_int(seed, "seed", minimum=0)
    rs = int(_rng(seed, 1).integers(2**31 - 1))
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_fraction, stratify=y,
                                              random_state=rs)
    rel = val_fraction / (1 - test_fraction)
    X_tr, X_va, y_tr, y_va = train_test_split(X_tr, y_tr, test_size=rel, stratify=y_tr,
                                              random_state=rs + 1)
    mu = X_tr.mean(0)
    sd = X_tr.std(0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    z = lambda a: (a - mu) / sd  # noqa: E731
    return Split(z(X_tr), y_tr, z(X_va), y_va, z(X_te), y_te, int(y.max()) + 1)


def check_noise_rate(rate, n_classes: int, kind: str = "symmetric") -> float:
    """Validate a corruption rate: ``0 <= rate < 1`` and the clean class must stay the majority.

    Symmetric flipping (uniform over the other ``K − 1`` classes) keeps the clean label the most
    frequent noisy label iff ``rate < (K − 1)/K``; for ``K = 2`` that is ``rate < 0.5`` (at 0.5
    the noisy label is independent of the clean one). Asymmetric flipping sends every corrupted
    label of class ``k`` to ``k + 1 mod K``, which overtakes the clean label at ``rate >= 0.5``.
    """
    check_choice(kind, "corruption", CORRUPTIONS)
    try:
        r = float(rate)
    except (TypeError, ValueError):
        raise TypeError(f"noise rate must be a number, got {rate!r}") from None
    if not (0.0 <= r < 1.0):  # also rejects NaN
        raise ValueError(f"noise rate must be in [0, 1), got {rate}")
    limit = (n_classes - 1) / n_classes if kind == "symmetric" else 0.5
    if r >= limit:
        why = ("with 2 classes, symmetric flipping at rate >= 0.5 destroys all label signal"
               if (kind == "symmetric" and n_classes == 2) else
               f"{kind} flipping at rate >= {limit:.3g} makes a wrong class the majority label")
        raise ValueError(f"noise rate must be < {limit:.3g} for {n_classes} classes "
                         f"({kind}), got {r}: {why}")
    return r


def corrupt_labels(y, rate: float, *, n_classes: int | None = None, kind: str = "symmetric",
                   seed: int = 0, stream: int = 0):
    """Corrupt exactly ``round(rate · n)`` labels, chosen uniformly without replacement.

    ``symmetric``: each chosen label moves to a class drawn uniformly from the other ``K − 1``.
    ``asymmetric``: each chosen label ``k`` moves to ``(k + 1) mod K`` (fixed class-pair flips).
    Every chosen label changes, so the corrupted fraction is exact. ``stream`` selects an
    independent random stream for the same ``seed`` (used for the validation labels).

    Returns
    -------
    y_noisy : ndarray of int64
    corrupted : ndarray of bool, ``y_noisy != y``

    Examples
    --------
    >>> y = np.arange(100) % 10
    >>> yn, m = corrupt_labels(y, 0.3, seed=1)
    >>> int(m.sum()), bool(np.all((yn != y) == m))
    (30, True)
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a non-empty 1-D integer array, got shape {y.shape}, "
                         f"dtype {y.dtype}")
    k = int(y.max()) + 1 if n_classes is None else check_int(n_classes, "n_classes", minimum=2)
    if y.min() < 0 or y.max() >= k:
        raise ValueError(f"labels must lie in 0..{k - 1}")
    r = check_noise_rate(rate, k, kind)
    rng = _rng(check_int(seed, "seed", minimum=0), 2, check_int(stream, "stream", minimum=0))
    n = y.shape[0]
    m = int(round(r * n))
    idx = rng.choice(n, size=m, replace=False)
    yn = y.astype(np.int64).copy()
    if kind == "symmetric":
        shift = rng.integers(1, k, size=m)  # uniform over the K-1 other classes
    else:
        shift = np.ones(m, dtype=np.int64)
    yn[idx] = (yn[idx] + shift) % k
    return yn, yn != y
