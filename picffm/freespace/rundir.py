"""Run directories of the free-space commands: create, refuse to clobber, write atomically.

A run directory holds ``config.json`` (what was asked), ``metrics.json``
(the summary) and the command's CSV, NPZ and PNG files, each written via a
temporary file and a rename. A directory that already holds a
``config.json`` is refused unless ``force`` (start again, overwriting) or,
for resumable commands, ``resume`` (continue with the same configuration).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..atomic import atomic_write_bytes, atomic_write_text
from .errors import FreespaceError

__all__ = ["RunDir"]

CONFIG = "config.json"


class RunDir:
    """One run directory (see the module docstring)."""

    def __init__(self, path: str | Path, config: Mapping[str, Any] | None, *, force: bool = False,
                 resume: bool = False, option: str = "--out"):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise FreespaceError(f"{self.path}: exists and is not a directory; choose another {option}")
        cfg_path = self.path / CONFIG
        if resume:
            if not cfg_path.is_file():
                raise FreespaceError(f"{self.path}: no {CONFIG} here, nothing to resume")
            self.config = self.read_json(CONFIG)
            if not isinstance(self.config, dict):
                raise FreespaceError(f"{cfg_path}: not a run configuration")
            return
        if cfg_path.exists() and not force:
            raise FreespaceError(f"{self.path}: already holds a run; pass --force to overwrite it, "
                                 f"--resume to continue it (where supported), or choose another {option}")
        if self.path.exists() and not cfg_path.exists() and any(self.path.iterdir()) and not force:
            raise FreespaceError(f"{self.path}: exists and is not empty; pass --force or choose another {option}")
        self.path.mkdir(parents=True, exist_ok=True)
        self.config = json.loads(json.dumps(dict(config or {})))
        self.write_json(CONFIG, self.config)

    def file(self, name: str) -> Path:
        return self.path / name

    def write_json(self, name: str, obj: Any) -> None:
        atomic_write_text(self.path / name, json.dumps(obj, indent=2, sort_keys=True, default=_default) + "\n")

    def read_json(self, name: str) -> Any:
        p = self.path / name
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FreespaceError(f"{p}: cannot be read as JSON ({exc.__class__.__name__})") from None

    def write_text(self, name: str, text: str) -> None:
        atomic_write_text(self.path / name, text)

    def write_npz(self, name: str, **arrays: np.ndarray) -> None:
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        atomic_write_bytes(self.path / name, buf.getvalue())

    def read_npz(self, name: str) -> dict[str, np.ndarray]:
        p = self.path / name
        try:
            with np.load(p, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise FreespaceError(f"{p}: cannot be read as NPZ ({exc})") from None

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
