"""The study directory: a manifest and one atomically written file per finished point.

Layout::

    <dir>/study.json              what study this is: its sweep and fixed settings
    <dir>/points/<key>.json       one finished sweep point: point, seed, result
    <dir>/checkpoints/*.npz       points in progress and their trained networks (:mod:`.checkpoints`)
    <dir>/results.json, *.csv, *.png   written by the report at the end

Every point file is written via a temporary file and a rename, the moment the
point finishes: an interrupted study (Ctrl-C, killed job, lost worker) keeps
every finished point, never a half file. ``resume=True`` reuses them; a
non-empty directory is refused without it (``force=True`` deletes an earlier
study's files and starts clean), a second study writing the same directory
is refused while the first holds its lock (:func:`picffm.runs.rundir.open_run_dir`),
and a resumed study must have the sweep and the fixed settings it was
started with (:func:`stored_sweep` reads them back).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from ..atomic import atomic_write_text
from ..errors import ConfigError
from ..runs.rundir import open_run_dir
from .checkpoints import CHECKPOINTS

__all__ = ["PointStore", "read_manifest", "stored_sweep"]

MANIFEST = "study.json"
POINTS = "points"
#: what a study writes (what --force deletes)
OWNED = (MANIFEST, POINTS, CHECKPOINTS, "results.json", "*.csv", "*.png")


class PointStore:
    """Finished points of one study in ``directory`` (see module docstring)."""

    def __init__(self, directory: str | os.PathLike, manifest: Mapping[str, Any], *, resume: bool = False,
                 force: bool = False):
        self.directory = Path(directory)
        self.manifest = json.loads(json.dumps(dict(manifest)))
        self.points_dir = self.directory / POINTS
        self.checkpoints_dir = self.directory / CHECKPOINTS
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
            self.checkpoints_dir.mkdir(exist_ok=True)
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
        (self.checkpoints_dir / f"{key}.npz").unlink(missing_ok=True)  # finished: its checkpoint is not needed

    def clear_checkpoints(self) -> None:
        """Delete every checkpoint (the study is complete: no point is left to continue)."""
        if self.checkpoints_dir.is_dir():
            for p in self.checkpoints_dir.iterdir():
                if p.is_file() and not p.is_symlink():
                    p.unlink()
            try:
                self.checkpoints_dir.rmdir()
            except OSError:  # something else in it: left as it is
                pass

    @staticmethod
    def _read(path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, RecursionError, ValueError) as exc:
            reason = " ".join(str(exc).split())[:120] or type(exc).__name__
            raise ConfigError(f"{path}: cannot read ({reason}); delete it to run that point again, or start "
                              "again with --force") from None


def read_manifest(directory: str | os.PathLike) -> dict:
    """The manifest (``study.json``) of the study in ``directory``, read without taking its lock.

    Raises :class:`~picffm.errors.ConfigError` (one line naming the
    directory) if there is none or it cannot be read.
    """
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ConfigError(f"{directory}: cannot resume: {MANIFEST} not found (not a picffm study directory); "
                          "drop --resume to start a new study there")
    doc = PointStore._read(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("fixed", {}), dict):
        raise ConfigError(f"{path}: not a study manifest; choose another --out")
    return doc


def stored_sweep(directory: str | os.PathLike, study: str) -> dict:
    """The sweep (every key, as plain data) the ``study`` in ``directory`` was started with.

    A manifest written before the sweep was stored holds only the fixed
    settings: they are returned (the swept lists then come from the options
    or the defaults, as they did then).
    """
    doc = read_manifest(directory)
    if doc.get("study") != study:
        raise ConfigError(f"{directory}: holds a {doc.get('study')!r} study (not {study!r}); resume it "
                          f"with 'picffm study {doc.get('study')} --out {directory} --resume'")
    sweep = doc.get("sweep")
    if isinstance(sweep, dict):
        return sweep
    return {k: v for k, v in doc.get("fixed", {}).items() if k != "chip_spec"}


def _differences(a: Any, b: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """``(dotted key, old, new)`` of every leaf where ``a`` and ``b`` differ (nested dicts walked)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += _differences(a.get(k), b.get(k), f"{prefix}{k}.")
        return out
    return [] if a == b else [(prefix.rstrip("."), a, b)]


def _check_same(path: Path, old: dict, new: dict) -> None:
    if old.get("study") != new.get("study"):
        raise ConfigError(f"{path}: this directory holds a {old.get('study')!r} study, "
                          f"not {new.get('study')!r}; choose another --out")
    for part, kind in (("fixed", "settings"), ("sweep", "sweep")):
        a, b = old.get(part), new.get(part)
        if part == "sweep" and not (isinstance(a, dict) and isinstance(b, dict)):
            continue  # a study started before its sweep was stored
        diff = _differences(a or {}, b or {})
        if diff:
            what = ", ".join(f"{k}: was {x!r}, now {y!r}" for k, x, y in diff[:6])
            raise ConfigError(f"{path}: cannot resume with different {kind} ({what}); a resumed study keeps the "
                              "settings it was started with: use them, or choose another --out")
