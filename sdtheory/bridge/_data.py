"""Bundled datasets, stratified splits and standardization for the deep-net bridge.

NumPy and scikit-learn only (no JAX). Everything is seeded and offline: the real datasets ship
inside the scikit-learn wheel, the Gaussian mixture is generated. Label corruption is
:func:`sdtheory._labels.corrupt_labels` (re-exported by :mod:`sdtheory.bridge`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_choice, check_int, check_matrix, check_scalar

__all__ = ["DATASETS", "Split", "load_dataset", "split_dataset"]

#: Dataset names accepted by :func:`load_dataset` (``"synthetic"`` is an alias of
#: ``"gaussian_mixture"``; ``"mnist1d"`` needs the optional package ``mnist1d``).
DATASETS = ("digits", "breast_cancer", "wine", "mnist1d", "gaussian_mixture", "synthetic")


def _load_mnist1d():
    """MNIST-1D generated offline by the ``mnist1d`` package (its default arguments, seed 42):
    5,000 × 40, 10 classes (its train and test parts concatenated; we split ourselves)."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise ImportError(
            "dataset='mnist1d' needs the optional package mnist1d: "
            "pip install 'sdtheory[mnist1d]' (or pip install mnist1d)"
        ) from None
    state = np.random.get_state()  # noqa: NPY002 (make_dataset seeds NumPy's global RNG)
    try:
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)  # noqa: NPY002
    X = np.concatenate([d["x"], d["x_test"]])
    y = np.concatenate([d["y"], d["y_test"]])
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def _rng(*entropy) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(e) for e in entropy]))


def load_dataset(
    name: str,
    *,
    n_samples: int | None = None,
    n_features: int | None = None,
    n_classes: int | None = None,
    separation: float = 1.0,
    seed: int = 0,
):
    """Load a bundled dataset (offline) as ``(X, y)``.

    Parameters
    ----------
    name : {"digits", "breast_cancer", "wine", "mnist1d", "gaussian_mixture", "synthetic"}
        ``digits``: scikit-learn's 1,797 8×8 handwritten digits (64 features, 10 classes).
        ``breast_cancer``: 569 × 30, 2 classes. ``wine``: 178 × 13, 3 classes (both ship with
        scikit-learn). ``mnist1d``: 5,000 × 40, 10 classes, generated offline by the optional
        package ``mnist1d`` (``pip install 'sdtheory[mnist1d]'``). ``gaussian_mixture`` (alias
        ``synthetic``):
        ``n_samples`` points of ``n_classes`` isotropic Gaussian classes in ``n_features``
        dimensions (defaults 2000, 20, 10), class means ``separation · g_k`` with
        ``g_k ~ N(0, I_d)``, equal class sizes up to one point.
    n_samples, n_features, n_classes : int, optional
        Size of the Gaussian mixture (only for it; an error for the real datasets).
    separation : float
        Scale ``> 0`` of the Gaussian-mixture class means (noise has unit variance per
        coordinate).
    seed : int
        Seed ``>= 0`` of the Gaussian mixture (the real datasets are fixed).

    Returns
    -------
    X : ndarray, shape (n, d), float64
    y : ndarray, shape (n,), int64 in ``0..K-1``

    Notes
    -----
    See the theory page :doc:`/theory/bridge`.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = load_dataset("digits")
    >>> X.shape, int(y.max()) + 1
    ((1797, 64), 10)
    >>> load_dataset("wine")[0].shape
    (178, 13)
    >>> X, y = load_dataset("gaussian_mixture", n_samples=100, n_features=5, n_classes=3)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 5), [34, 33, 33])
    """
    check_choice(name, "name", DATASETS)
    separation = check_scalar(separation, "separation", low=0.0, low_open=True)
    seed = check_int(seed, "seed", minimum=0)
    synthetic = name in ("gaussian_mixture", "synthetic")
    if not synthetic:
        given = [
            k
            for k, v in (
                ("n_samples", n_samples),
                ("n_features", n_features),
                ("n_classes", n_classes),
            )
            if v is not None
        ]
        if given:
            raise ValueError(
                f"{', '.join(given)} only apply to dataset='gaussian_mixture', "
                f"not {name!r} (a fixed bundled dataset)"
            )
        if name == "mnist1d":
            return _load_mnist1d()
        from sklearn import datasets as skd

        loader = {
            "digits": skd.load_digits,
            "breast_cancer": skd.load_breast_cancer,
            "wine": skd.load_wine,
        }[name]
        X, y = loader(return_X_y=True)
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    n = check_int(2000 if n_samples is None else n_samples, "n_samples", minimum=10)
    d = check_int(20 if n_features is None else n_features, "n_features", minimum=1)
    k = check_int(10 if n_classes is None else n_classes, "n_classes", minimum=2)
    if n < 5 * k:
        raise ValueError(
            f"n_samples must be >= 5 * n_classes = {5 * k} for a stratified "
            f"train/val/test split, got {n}"
        )
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


def split_dataset(
    X, y, *, seed: int, val_fraction: float = 0.2, test_fraction: float = 0.2
) -> Split:
    """Stratified, seeded train/validation/test split, standardized with train statistics.

    Features with zero training variance (blank digit pixels) are centred and left unscaled.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Finite features.
    y : array_like of int, shape (n,)
        Class labels ``0..K-1`` (every class needs enough points for a stratified split).
    seed : int
        Seed ``>= 0`` of the split.
    val_fraction, test_fraction : float
        Fractions in ``(0, 1)`` of the points held out for validation and test (sum ``< 1``).

    Returns
    -------
    Split
        Standardized ``X_train, y_train, X_val, y_val, X_test, y_test`` and ``n_classes``.

    Notes
    -----
    See the theory page :doc:`/theory/bridge`.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = load_dataset("digits")
    >>> s = split_dataset(X, y, seed=0)
    >>> s.X_train.shape[0], s.X_val.shape[0], s.X_test.shape[0]
    (1077, 360, 360)
    >>> bool(np.allclose(s.X_train.mean(0), 0))
    True
    """
    from sklearn.model_selection import train_test_split

    X = check_matrix(X, "X")
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"y must be a 1-D array of integer labels, got {type(y).__name__}")
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or y_arr.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must be 1-D with one label per row of X ({X.shape[0]}), got shape {y_arr.shape}"
        )
    if not np.issubdtype(y_arr.dtype, np.integer):
        raise TypeError(f"y must be integer class labels, got dtype {y_arr.dtype}")
    if (y_arr < 0).any():
        raise ValueError("y must be class labels >= 0")
    y = y_arr.astype(np.int64)
    val_fraction = check_scalar(
        val_fraction, "val_fraction", low=0, high=1, low_open=True, high_open=True
    )
    test_fraction = check_scalar(
        test_fraction, "test_fraction", low=0, high=1, low_open=True, high_open=True
    )
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction:g}"
        )
    seed = check_int(seed, "seed", minimum=0)
    rs = int(_rng(seed, 1).integers(2**31 - 1))
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_fraction, stratify=y, random_state=rs
    )
    rel = val_fraction / (1 - test_fraction)
    X_tr, X_va, y_tr, y_va = train_test_split(
        X_tr, y_tr, test_size=rel, stratify=y_tr, random_state=rs + 1
    )
    mu = X_tr.mean(0)
    sd = X_tr.std(0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    z = lambda a: (a - mu) / sd  # noqa: E731
    return Split(z(X_tr), y_tr, z(X_va), y_va, z(X_te), y_te, int(y.max()) + 1)
