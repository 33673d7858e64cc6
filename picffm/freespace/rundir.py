"""Run directories of the free-space commands, on the shared run store (:mod:`picffm.runs`).

A run directory holds ``config.json`` (what was asked), ``metrics.json``
(the summary), state files (:mod:`picffm.runs.statefile`: JSON and arrays in
one ``.npz``, read without pickle) and the command's CSV and PNG files, each
written atomically. :class:`RunDir` opens it with
:func:`picffm.runs.rundir.open_run_dir`: one writer at a time (a second run on
the same directory is refused while the first holds its lock), a directory
holding an earlier run is refused unless ``force`` (delete exactly what the
command writes, then start clean) or, for resumable commands, ``resume``
(continue with the stored configuration).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..atomic import atomic_write_bytes, atomic_write_text
from ..documents import read_document
from ..runs.rundir import RunDirError, open_run_dir
from ..runs.statefile import load_state, save_state

__all__ = ["RunDir", "CONFIG"]

CONFIG = "config.json"


class RunDir:
    """One locked run directory (see the module docstring); use as a context manager.

    Args:
        path: the directory (``--out``).
        config: what was asked (written as ``config.json``); ignored with ``resume``.
        owned: the files and folders (or ``fnmatch`` patterns) the command writes: what ``force`` deletes.
        command: the command's name (``"freespace classify"``), for messages and the resume check.
    """

    def __init__(self, path: str | Path, config: Mapping[str, Any] | None, *, owned: Iterable[str],
                 command: str, force: bool = False, resume: bool = False):
        self.path = Path(path)
        self._dir = open_run_dir(self.path, marker=CONFIG, owned=owned, resume=resume, force=force,
                                 what=f"{command} run")
        try:
            if resume:
                cfg = read_document(self.path / CONFIG, "run config", RunDirError, suffixes=(".json",))
                if not isinstance(cfg, dict) or cfg.get("command") != command:
                    raise RunDirError(f"{self.path / CONFIG}: not a 'picffm {command}' run; drop --resume to "
                                      "start a new run elsewhere")
                self.config = cfg
            else:
                self.config = json.loads(json.dumps({"command": command, **dict(config or {})}))
                self.write_json(CONFIG, self.config)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the directory's lock."""
        self._dir.close()

    def __enter__(self) -> "RunDir":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def file(self, name: str) -> Path:
        return self.path / name

    def write_json(self, name: str, obj: Any) -> None:
        atomic_write_text(self.path / name, json.dumps(obj, indent=2, sort_keys=True, default=_default) + "\n")

    def write_text(self, name: str, text: str) -> None:
        atomic_write_text(self.path / name, text)

    def write_npz(self, name: str, **arrays: np.ndarray) -> None:
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        atomic_write_bytes(self.path / name, buf.getvalue())

    def save_state(self, name: str, kind: str, doc: Any) -> None:
        """A state file (JSON document with arrays, no pickle), written atomically."""
        save_state(self.path / name, kind, doc)

    def load_state(self, name: str, kind: str) -> Any:
        """Read a state file; a corrupt or foreign one raises one line naming it."""
        return load_state(self.path / name, kind)

    def save_figure(self, fig, name: str) -> None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        atomic_write_bytes(self.path / name, buf.getvalue())


def _default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"cannot serialise {type(o).__name__}")

