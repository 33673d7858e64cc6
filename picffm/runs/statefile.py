"""State files: a JSON document with its numpy arrays, in one ``.npz``, without pickle.

A state (a finished unit, a checkpoint) is a tree of dicts, lists, strings,
numbers (Python ints of any size: a ``numpy.random.Generator``'s
``bit_generator.state`` fits as it is), ``None`` and numpy arrays of any
numeric dtype, complex included. :func:`save_state` stores the tree as
canonical JSON in the archive member ``doc`` with every array replaced by a
reference ``{"__array__": "a3"}`` and the arrays as members ``a0``, ``a1``...;
it is written atomically (temporary file, fsync, rename).

:func:`load_state` reads with ``allow_pickle=False``: an archive with object
arrays, a truncated or foreign file, a wrong ``kind`` or a dangling array
reference raises :class:`StateFileError`, one line naming the file. Floats
and arrays come back bit for bit.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_write_bytes
from .rundir import RunDirError

__all__ = ["StateFileError", "save_state", "save_checkpoint_state", "load_state", "FORMAT"]

#: format tag stored in every state file
FORMAT = "picffm-state-1"
_REF = "__array__"


class StateFileError(RunDirError):
    """A state file that cannot be read back (corrupt, truncated, foreign)."""


def _pack(obj: Any, arrays: list) -> Any:
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            raise TypeError(f"cannot store an array of dtype {obj.dtype}")
        arrays.append(obj)
        return {_REF: f"a{len(arrays) - 1}"}
    if isinstance(obj, dict):
        if _REF in obj:
            raise TypeError(f"the key {_REF!r} is reserved")
        return {str(k): _pack(v, arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_pack(v, arrays) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store a {type(obj).__name__} in a state file")


def _unpack(obj: Any, arrays: dict, path: Path) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {_REF}:
            name = obj[_REF]
            if not isinstance(name, str) or name not in arrays:
                raise StateFileError(f"{path}: not a picffm state file (missing array {name!r}); "
                                     "delete it, or start again with --force")
            return arrays[name]
        return {k: _unpack(v, arrays, path) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_unpack(v, arrays, path) for v in obj]
    return obj


def save_state(path: str | os.PathLike, kind: str, doc: Any, *, durable: bool = True) -> None:
    """Write ``doc`` (see module docstring) to ``path`` atomically, tagged with ``kind``.

    ``durable``: as in :func:`picffm.atomic.atomic_write_bytes` (``False``:
    no fsync; atomic against interruptions, not against a power cut).
    """
    arrays: list = []
    tree = {"format": FORMAT, "kind": kind, "doc": _pack(doc, arrays)}
    text = json.dumps(tree, sort_keys=True, separators=(",", ":"), allow_nan=True)
    buf = io.BytesIO()
    np.savez(buf, doc=np.array(text), **{f"a{i}": a for i, a in enumerate(arrays)})
    atomic_write_bytes(path, buf.getvalue(), durable=durable)


def save_checkpoint_state(path: str | os.PathLike, kind: str, doc: Any) -> None:
    """Write a running task's checkpoint: :func:`save_state`, atomic but not flushed to disk (no fsync).

    The one checkpoint policy of every long command (``picffm train``, ``picffm
    freespace classify``): a checkpoint survives Ctrl-C, SIGTERM and ``kill -9``
    of the run, which is what it is for; after a power cut or an operating-system
    crash the latest checkpoints may be lost, or refused as unreadable (delete
    them and resume: their units start again). Finished units and every other
    file are written durably (:func:`save_state`). Flushing every checkpoint
    would cost more than computing it: checkpoints are written every few epochs
    or every epoch, in seconds-long units.
    """
    save_state(path, kind, doc, durable=False)


#: what a refusal suggests by default: the file is part of a run directory
RUN_HINT = "delete it, or start again with --force"


def load_state(path: str | os.PathLike, kind: str, *, hint: str = RUN_HINT) -> Any:
    """Read a state file written by :func:`save_state` with the same ``kind``.

    ``hint``: what a refusal tells the user to do (default: that of a run directory's file).
    """
    path = Path(path)
    bad = f"{path}: not a readable picffm state file"
    if path.is_dir():
        raise StateFileError(f"{path}: is a directory, not a state file; {hint}")
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":  # not a zip archive: numpy would try (and refuse) a pickle
                raise StateFileError(f"{bad} (not an .npz archive); {hint}")
            fh.seek(0)
            z = np.load(fh, allow_pickle=False)
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise StateFileError(f"{bad} (not an .npz archive); {hint}")
            with z:
                names = set(z.files)
                if "doc" not in names:
                    raise StateFileError(f"{bad} (no 'doc' member); {hint}")
                doc = z["doc"]
                if doc.dtype.kind != "U" or doc.ndim != 0:
                    raise StateFileError(f"{bad} ('doc' is not text); {hint}")
                tree = json.loads(str(doc))
                arrays = {n: z[n] for n in names if n != "doc"}
    except StateFileError:
        raise
    except FileNotFoundError:
        raise StateFileError(f"{path}: not found") from None
    except (OSError, ValueError, EOFError, KeyError, TypeError, MemoryError, zipfile.BadZipFile,
            zipfile.LargeZipFile, NotImplementedError, RecursionError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise StateFileError(f"{bad} ({reason}); {hint}") from None
    if not isinstance(tree, dict) or tree.get("format") != FORMAT or "doc" not in tree:
        raise StateFileError(f"{bad} (unknown format); {hint}")
    if tree.get("kind") != kind:
        raise StateFileError(f"{path}: holds a {tree.get('kind')!r}, expected a {kind!r}; {hint}")
    return _unpack(tree["doc"], arrays, path)
