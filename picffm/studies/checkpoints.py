"""Checkpoints of the study points in progress: Ctrl-C loses nothing already computed.

A running point saves its whole state (chips with their drift and noise
streams, clocks and pass counters, the trainer, twins, the curve so far) to
``<dir>/checkpoints/<key>.npz`` at its *safe points*: after every training
epoch and after every accuracy check of the drift clock. Its trained networks
(the ideal network and the FFM network of a replicate, shared by every drift
rate) are saved as ``checkpoints/train-<hash>.npz`` the same way, and kept
until the study is complete, so a resumed study trains none of them again.

The files are written with the one checkpoint policy of every long command
(:func:`picffm.runs.statefile.save_checkpoint_state`: atomic, no fsync) and
read without pickle. When the scheduler asks for a stop
(:func:`picffm.runs.channel.stop_requested`, the first Ctrl-C or SIGTERM) a
point saves at its next safe point and raises
:class:`~picffm.runs.channel.TaskStopped`; ``--resume`` continues it from
there and ends with the same result, bit for bit, as a point never stopped
(every random stream is in the state). A point's checkpoint is deleted when
its point file is written; the training files when the whole study is done.

Points run on a Dask cluster write no checkpoints (the workers need not
share this file system): an interrupted one starts again, with the same result.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Callable, Mapping

from ..runs import channel
from ..runs.executor import canonical_json, point_key
from ..runs.statefile import StateFileError, load_state, save_checkpoint_state

__all__ = ["CHECKPOINTS", "Checkpoint", "point_checkpoint", "training_checkpoint"]

#: the folder of a study directory that holds the checkpoints
CHECKPOINTS = "checkpoints"
_KIND = "picffm-study-checkpoint"
_HINT = "delete it (that point then starts again from its beginning), or start the study again with --force"


class Checkpoint:
    """The checkpoint file of one piece of work (``path``: ``None`` writes nothing, e.g. on Dask).

    ``ident``: plain data naming the work; a file holding another ident is
    refused (one line naming the file), never used.
    """

    def __init__(self, path: str | os.PathLike | None, ident: Mapping[str, Any]):
        self.path = None if path is None else Path(path)
        self.ident = dict(ident)

    def load(self) -> Any:
        """The saved state, or ``None`` if there is none."""
        if self.path is None or not self.path.exists():
            return None
        doc = load_state(self.path, _KIND, hint=_HINT)
        if not isinstance(doc, dict) or canonical_json(doc.get("ident")) != canonical_json(self.ident) \
                or "state" not in doc:
            raise StateFileError(f"{self.path}: is not the checkpoint of {canonical_json(self.ident)}; {_HINT}")
        return doc["state"]

    def save(self, state: Any) -> None:
        """Write ``state`` (plain data and numpy arrays) atomically."""
        if self.path is not None:
            save_checkpoint_state(self.path, _KIND, {"ident": self.ident, "state": state})

    def safe_point(self, state: Callable[[], Any], what: str) -> None:
        """Save ``state()``; then, if the scheduler asked for a stop, raise ``TaskStopped`` (``what``: its message)."""
        self.save(state())
        if channel.stop_requested():
            raise channel.TaskStopped(f"{what} stopped at a checkpoint")


def point_checkpoint(directory: str | os.PathLike | None, point: Mapping[str, Any]) -> Checkpoint:
    """The checkpoint of sweep point ``point`` in the ``checkpoints`` folder ``directory`` (``None``: none)."""
    key = point_key(point)
    return Checkpoint(None if directory is None else Path(directory) / f"{key}.npz", {"point": dict(point)})


def training_checkpoint(directory: str | os.PathLike | None, ident: Mapping[str, Any]) -> Checkpoint:
    """The checkpoint of a training shared by several points (``ident``: what it depends on)."""
    name = hashlib.sha256(canonical_json(dict(ident)).encode()).hexdigest()[:16]
    return Checkpoint(None if directory is None else Path(directory) / f"train-{name}.npz", {"training": dict(ident)})
