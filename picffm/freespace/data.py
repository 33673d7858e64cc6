"""Image classification data: scikit-learn's digits (shipped), MNIST / Fashion-MNIST from local files.

Nothing is ever downloaded. Readers:

* :func:`load_digits`: the 1797 8 x 8 handwritten digits that ship with
  scikit-learn (grey levels 0..16), split into train and test sets
  (stratified, seeded);
* :func:`read_idx`: one IDX file (the MNIST / Fashion-MNIST format: magic
  ``0x0000 08 NN``, ``NN`` dimensions, big-endian sizes, unsigned bytes),
  optionally gzip-compressed;
* :func:`load_local`: a directory holding the four IDX files
  (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
  ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, ``.gz`` or not)
  or an ``.npz`` with ``x_train, y_train, x_test, y_test`` (the layout of
  keras' ``mnist.npz``).

:func:`to_fields` upsamples images to a square of ``size_px`` grid pixels
(bilinear) centred on the SLM grid, as amplitudes in [0, 1].
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.ndimage as ndi

from .errors import FreespaceError

__all__ = ["Dataset", "load_digits", "read_idx", "load_local", "to_fields"]

IDX_NAMES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
             "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}
#: refuse IDX files claiming more elements than this (a corrupt header must not allocate gigabytes)
MAX_IDX_ELEMENTS = 200_000_000


@dataclass(frozen=True)
class Dataset:
    """Train and test images (N, h, w) in [0, 1] with integer labels 0..C-1."""

    name: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(max(self.train_y.max(), self.test_y.max())) + 1

    def subset(self, n_train: int | None, n_test: int | None, rng: np.random.Generator) -> "Dataset":
        """A random subset (stratification not needed at these sizes; seeded)."""
        def pick(x, y, n):
            if n is None or n >= len(y):
                return x, y
            k = np.sort(rng.permutation(len(y))[:n])
            return x[k], y[k]
        tx, ty = pick(self.train_x, self.train_y, n_train)
        vx, vy = pick(self.test_x, self.test_y, n_test)
        return Dataset(self.name, tx, ty, vx, vy)


def load_digits(seed: int = 0, test_fraction: float = 0.2) -> Dataset:
    """scikit-learn's digits, split stratified by class with ``seed``."""
    from sklearn.datasets import load_digits as _ld
    from sklearn.model_selection import train_test_split

    d = _ld()
    x = d.images / 16.0
    tx, vx, ty, vy = train_test_split(x, d.target, test_size=test_fraction, stratify=d.target, random_state=seed)
    return Dataset("digits", tx, ty.astype(int), vx, vy.astype(int))


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file of unsigned bytes as an array (gzip-compressed if the name ends in .gz)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(4)
            if len(head) != 4 or head[0] != 0 or head[1] != 0:
                raise FreespaceError(f"{path}: not an IDX file (bad magic number)")
            if head[2] != 0x08:
                raise FreespaceError(f"{path}: IDX data type 0x{head[2]:02x} is not supported; "
                                     "only unsigned bytes (0x08)")
            ndim = head[3]
            if not 1 <= ndim <= 4:
                raise FreespaceError(f"{path}: IDX with {ndim} dimensions; expected 1 (labels) or 3 (images)")
            dims_raw = fh.read(4 * ndim)
            if len(dims_raw) != 4 * ndim:
                raise FreespaceError(f"{path}: truncated IDX header")
            dims = tuple(int(v) for v in np.frombuffer(dims_raw, dtype=">u4"))
            count = int(np.prod(dims))
            if count > MAX_IDX_ELEMENTS:
                raise FreespaceError(f"{path}: IDX header claims {count} elements (limit {MAX_IDX_ELEMENTS})")
            data = fh.read(count + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise FreespaceError(f"{path}: no such file") from None
        raise FreespaceError(f"{path}: cannot be read ({exc.__class__.__name__}: {exc})") from None
    if len(data) != count:
        raise FreespaceError(f"{path}: IDX data has {len(data)} bytes, the header says {count}")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _check(name: str, x: np.ndarray, y: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    if x.ndim != 3 or x.shape[1] < 2 or x.shape[1] != x.shape[2]:
        raise FreespaceError(f"{where}: {name} images must have shape (N, h, h), got {x.shape}")
    if y.ndim != 1 or len(y) != len(x):
        raise FreespaceError(f"{where}: {name} labels must have shape ({len(x)},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() > 15:
        raise FreespaceError(f"{where}: {name} labels must be integers 0..15")
    if not np.all(np.isfinite(x.astype(float))):
        raise FreespaceError(f"{where}: {name} images must be finite")
    x = x.astype(float)
    top = x.max()
    return (x / top if top > 0 else x), y.astype(int)


def load_local(path: str | Path) -> Dataset:
    """MNIST-like data from a directory of IDX files or an ``.npz`` (see module docstring)."""
    path = Path(path)
    if path.is_dir():
        arrays = {}
        for key, stem in IDX_NAMES.items():
            found = [p for p in (path / stem, path / f"{stem}.gz") if p.is_file()]
            if not found:
                raise FreespaceError(f"{path}: missing {stem} (or {stem}.gz); an IDX directory needs "
                                     f"{', '.join(IDX_NAMES.values())}")
            arrays[key] = read_idx(found[0])
    elif path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as z:
                missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in z.files]
                if missing:
                    raise FreespaceError(f"{path}: missing array(s) {', '.join(missing)}; an NPZ needs x_train, "
                                         f"y_train, x_test, y_test (has {', '.join(z.files) or 'none'})")
                arrays = {"train_images": z["x_train"], "train_labels": z["y_train"],
                          "test_images": z["x_test"], "test_labels": z["y_test"]}
        except FileNotFoundError:
            raise FreespaceError(f"{path}: no such file") from None
        except (OSError, ValueError) as exc:
            raise FreespaceError(f"{path}: cannot be read as NPZ ({exc})") from None
    elif not path.exists():
        raise FreespaceError(f"{path}: no such file or directory")
    else:
        raise FreespaceError(f"{path}: give a directory of IDX files or an .npz file")
    tx, ty = _check("train", arrays["train_images"], arrays["train_labels"], str(path))
    vx, vy = _check("test", arrays["test_images"], arrays["test_labels"], str(path))
    if tx.shape[1:] != vx.shape[1:]:
        raise FreespaceError(f"{path}: train images {tx.shape[1:]} and test images {vx.shape[1:]} differ in size")
    return Dataset(path.name, tx, ty, vx, vy)


def to_fields(images: np.ndarray, n: int, size_px: int) -> np.ndarray:
    """Images (N, h, h) in [0, 1] as amplitude fields (N, n, n): upsampled to ``size_px`` and centred."""
    if not 2 <= size_px <= n:
        raise FreespaceError(f"image size {size_px} px must be in [2, {n}] (the grid)")
    h = images.shape[-1]
    z = ndi.zoom(images, (1, size_px / h, size_px / h), order=1, grid_mode=True, mode="nearest")
    z = np.clip(z[:, :size_px, :size_px], 0.0, 1.0)
    out = np.zeros((len(images), n, n))
    o = (n - size_px) // 2
    out[:, o:o + size_px, o:o + size_px] = z
    return out
