"""The study directory: a manifest and one atomically written file per finished point.

Layout::

    <dir>/study.json              what study this is and its fixed settings
    <dir>/points/<key>.json       one finished sweep point: point, seed, result
    <dir>/results.json, *.csv, *.png   written by the report at the end

Every point file is written via a temporary file and a rename, the moment the
point finishes: an interrupted study (Ctrl-C, killed job, lost worker) keeps
every finished point, never a half file. ``resume=True`` reuses them; a
non-empty directory is refused without it (``force=True`` deletes an earlier
study's files and starts clean), a second study writing the same directory
is refused while the first holds its lock (:func:`picffm.runs.rundir.open_run_dir`),
and a resumed study must have the same fixed settings (swept values may
change: new points run, old ones are reused).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from ..atomic import atomic_write_text
from ..errors import ConfigError
from ..runs.rundir import open_run_dir

__all__ = ["PointStore"]

MANIFEST = "study.json"
POINTS = "points"
#: what a study writes (what --force deletes)
OWNED = (MANIFEST, POINTS, "results.json", "*.csv", "*.png")


class PointStore:
    """Finished points of one study in ``directory`` (see module docstring)."""

    def __init__(self, directory: str | os.PathLike, manifest: Mapping[str, Any], *, resume: bool = False,
                 force: bool = False):
        self.directory = Path(directory)
        self.manifest = json.loads(json.dumps(dict(manifest)))
        self.points_dir = self.directory / POINTS
        self._dir = open_run_dir(self.directory, marker=MANIFEST, owned=OWNED, resume=resume, force=force,
                                 what="study")
        try:
            mpath = self.directory / MANIFEST
            if resume:
                old = self._read(mpath)
                if not isinstance(old, dict):
                    raise ConfigError(f"{mpath}: not a study manifest; choose another --out")
                _check_same(mpath, old, self.manifest)
            self.points_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_text(mpath, json.dumps(self.manifest, indent=2, sort_keys=True) + "\n")
        except BaseException:
            self._dir.close()
            raise

    def close(self) -> None:
        """Release the directory's lock."""
        self._dir.close()

    def __enter__(self) -> "PointStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def finished_keys(self) -> list[str]:
        """Keys of the point files present (sorted); a file that is not a point file is refused, named."""
        if not self.points_dir.is_dir():
            return []
        keys = []
        for p in sorted(self.points_dir.iterdir()):
            if p.name.startswith("."):  # a temporary file of an interrupted atomic write: never read
                continue
            if p.suffix != ".json" or len(p.stem) != 16 or any(c not in "0123456789abcdef" for c in p.stem) \
                    or not p.is_file() or p.is_symlink():
                raise ConfigError(f"{p}: not a point file of a study (unknown file); remove it, or start again "
                                  "with --force")
            keys.append(p.stem)
        return keys

    def get(self, key: str) -> dict | None:
        """The saved result of point ``key``, or ``None`` if it has not finished."""
        path = self.points_dir / f"{key}.json"
        if not path.exists():
            return None
        doc = self._read(path)
        if not isinstance(doc, dict) or doc.get("key") != key or not isinstance(doc.get("result"), dict):
            raise ConfigError(f"{path}: not the point file of point {key} (edited or copied from another study); "
                              "delete it to run that point again, or start again with --force")
        return doc["result"]

    def put(self, key: str, point: Mapping[str, Any], seed: int, result: Mapping[str, Any]) -> None:
        """Save one finished point atomically."""
        doc = {"key": key, "point": dict(point), "seed": int(seed), "result": result}
        atomic_write_text(self.points_dir / f"{key}.json", json.dumps(doc, sort_keys=True) + "\n")

    @staticmethod
    def _read(path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, RecursionError, ValueError) as exc:
            reason = " ".join(str(exc).split())[:120] or type(exc).__name__
            raise ConfigError(f"{path}: cannot read ({reason}); delete it to run that point again, or start "
                              "again with --force") from None


def _check_same(path: Path, old: dict, new: dict) -> None:
    if old.get("study") != new.get("study"):
        raise ConfigError(f"{path}: this directory holds a {old.get('study')!r} study, "
                          f"not {new.get('study')!r}; choose another --out")
    a, b = old.get("fixed", {}), new.get("fixed", {})
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if diff:
        what = ", ".join(f"{k}: was {a.get(k)!r}, now {b.get(k)!r}" for k in diff[:6])
        raise ConfigError(f"{path}: cannot resume with different settings ({what}); "
                          "use the original settings or choose another --out")
