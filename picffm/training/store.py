"""The run directory of a training experiment: JSON and NPZ, one writer, nothing reused silently.

Layout::

    <out>/config.json             the experiment (what --resume continues; compared with the options given)
    <out>/units/<key>.npz         one finished unit (state file: JSON document + arrays)
    <out>/checkpoints/<key>.npz   the state of a unit in progress (every random stream included)
    <out>/passes.json             optical passes per update of the methods measured
    <out>/metrics.json, table.txt, history.csv, params/, *.png   the reports
    <out>/.picffm.lock            held while a run writes (a second writer is refused)

``<key>`` is :func:`~picffm.training.results.unit_key`. Every file is
written atomically; state files are read without pickle
(:mod:`picffm.runs.statefile`). A file in ``units/`` or ``checkpoints/`` that
is not a unit of this experiment, a state file that cannot be read and a
``config.json`` or ``passes.json`` that is not valid are refused with one
line naming the file. See :func:`picffm.runs.rundir.open_run_dir` for the
rules on reusing a directory (``resume``, ``force``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text
from ..documents import read_document
from ..errors import PicffmError
from ..runs.rundir import RunDirError, open_run_dir, open_run_dir_for_reading
from ..runs.statefile import StateFileError, load_state, save_checkpoint_state, save_state
from .experiment import Experiment, experiment_differences
from .results import TrainResult, result_from_plain, result_to_plain, states_from_plain, states_to_plain, unit_key

__all__ = ["TrainStore", "ResumeMismatch", "read_experiment", "save_checkpoint", "load_checkpoint", "OWNED"]

CONFIG = "config.json"
UNITS, CHECKPOINTS, PASSES = "units", "checkpoints", "passes.json"
#: every entry a training run writes (what --force deletes)
OWNED = (CONFIG, UNITS, CHECKPOINTS, PASSES, "metrics.json", "table.txt", "history.csv", "params",
         "learning_curves.png", "accuracy_bars.png")
_UNIT_KIND, _CKPT_KIND = "picffm-train-unit", "picffm-train-checkpoint"


class ResumeMismatch(RunDirError):
    """``resume`` with an experiment that differs from the stored one (``field``: the first difference)."""

    def __init__(self, path: Path, field: str, stored: Any, given: Any):
        self.path, self.field, self.stored, self.given = path, field, stored, given
        super().__init__(f"{path}: cannot resume with different options: {field} is {stored!r} in the stored run, "
                         f"{given!r} now; drop the option, or start again with --force")


def save_checkpoint(path: str | os.PathLike, unit: tuple, state: dict) -> None:
    """Write a unit's checkpoint (``state`` from :func:`~picffm.training.units.train_unit`).

    Atomic, not flushed to disk: :func:`picffm.runs.statefile.save_checkpoint_state`
    (survives Ctrl-C, SIGTERM and ``kill -9``; after a power cut the latest
    checkpoints may be lost). Finished units and every other file are written
    durably.
    """
    save_checkpoint_state(path, _CKPT_KIND, {"unit": list(unit), **state})


def load_checkpoint(path: str | os.PathLike, unit: tuple) -> dict | None:
    """The checkpoint of ``unit`` at ``path``, or ``None`` if there is none."""
    path = Path(path)
    if not path.exists():
        return None
    doc = load_state(path, _CKPT_KIND)
    if not isinstance(doc, dict) or doc.get("unit") != list(unit) or "trainer" not in doc:
        raise StateFileError(f"{path}: is not the checkpoint of {'/'.join(map(str, unit))}; "
                             "delete it, or start again with --force")
    return doc


def read_experiment(out: str | os.PathLike) -> Experiment:
    """The experiment stored in the run directory ``out`` (its ``config.json``)."""
    path = Path(out) / CONFIG
    if not path.is_file():
        raise RunDirError(f"{out}: cannot resume: {CONFIG} not found (not a picffm training run directory); "
                          "drop --resume to start a new run there")
    doc = read_document(path, "run config", RunDirError, suffixes=(".json",))  # bounded: depth, sizes
    if isinstance(doc, dict) and isinstance(doc.get("command"), str):  # the free-space commands' run directories
        raise RunDirError(f"{out}: holds a 'picffm {doc['command']}' run, not a 'picffm train' run; give the --out "
                          "directory of a 'picffm train' run")
    try:
        return Experiment.from_dict(doc)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, PicffmError) as exc:
        # picffm's own messages are one line and name the valid values: kept whole; others are cut short
        reason = " ".join(str(exc).split())
        if not isinstance(exc, PicffmError):
            reason = reason[:160]
        raise RunDirError(f"{path}: not a valid picffm training run config ({reason or type(exc).__name__}); "
                          "another picffm version may have written it, or it was edited: train it again "
                          "(--force, or another --out)") from None


class TrainStore:
    """An opened (locked) training run directory; use as a context manager.

    Args:
        out: the directory.
        exp: the experiment; with ``resume`` it may be ``None`` (use the
            stored one) or must equal the stored one (else
            :class:`ResumeMismatch` names the first differing field).
        resume: continue the run in ``out``.
        force: delete an earlier run in ``out`` first.
        read_only: open the stored run to read it (``picffm evaluate``): a shared
            lock, nothing created or written (:func:`~picffm.runs.rundir.open_run_dir_for_reading`).
    """

    def __init__(self, out: str | os.PathLike, exp: Experiment | None, *, resume: bool = False,
                 force: bool = False, read_only: bool = False):
        if exp is None and not (resume or read_only):
            raise RunDirError("no experiment given")
        self.path = Path(out)
        if read_only:
            self._dir = open_run_dir_for_reading(self.path, marker=CONFIG, what="training run")
        else:
            self._dir = open_run_dir(self.path, marker=CONFIG, owned=OWNED, resume=resume, force=force,
                                     what="training run")
        try:
            if read_only:
                self.exp = self._read_config()
                self._units = {unit_key(*u): u for u in self.exp.units()}
                self._check_entries()
                return
            if resume:
                stored = self._read_config()
                if exp is not None:
                    diffs = experiment_differences(stored, exp)
                    if diffs:
                        raise ResumeMismatch(self.path, *diffs[0])
                exp = stored
            else:
                atomic_write_text(self.path / CONFIG, json.dumps(exp.to_dict(), indent=2) + "\n")
            self.exp = exp
            (self.path / UNITS).mkdir(exist_ok=True)
            (self.path / CHECKPOINTS).mkdir(exist_ok=True)
            self._units = {unit_key(*u): u for u in exp.units()}
            self._check_entries()
        except BaseException:
            self._dir.close()
            raise

    def close(self) -> None:
        self._dir.close()

    def __enter__(self) -> "TrainStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ reading
    def _read_config(self) -> Experiment:
        return read_experiment(self.path)

    def _check_entries(self) -> None:
        for sub in (UNITS, CHECKPOINTS):
            if not (self.path / sub).is_dir():  # read-only: a run stopped before its first unit
                continue
            for p in sorted((self.path / sub).iterdir()):
                if p.name.startswith("."):  # a temporary file of an interrupted atomic write: never read
                    continue
                if p.suffix != ".npz" or p.stem not in self._units or not p.is_file() or p.is_symlink():
                    raise RunDirError(f"{p}: not a unit of this run (unknown file); remove it, or start again "
                                      "with --force")

    def load_results(self) -> tuple[dict[str, TrainResult], dict[int, list]]:
        """Finished units ``{key: result}`` and the ideal units' per-epoch networks ``{(seed, fold): [states]}``."""
        from .prepare import ideal_model

        table = ideal_model(self.exp.config.modes).schedule.table  # every layer is this design
        results: dict[str, TrainResult] = {}
        snapshots: dict[int, list] = {}
        for path in sorted(p for p in (self.path / UNITS).glob("*.npz") if not p.name.startswith(".")):
            doc = load_state(path, _UNIT_KIND)
            try:
                res = result_from_plain(doc["result"], table)
                snaps = doc["snapshots"]
                snaps = None if snaps is None else [states_from_plain(s, table) for s in snaps]
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise StateFileError(f"{path}: not a readable unit ({type(exc).__name__}: {exc}); delete it, "
                                     "or start again with --force") from None
            if unit_key(res.chip, res.method, res.seed, res.fold) != path.stem:
                raise StateFileError(f"{path}: holds the unit {res.chip}/{res.method}/{res.seed}/{res.fold}, not "
                                     f"{path.stem}; delete it, or start again with --force")
            results[path.stem] = res
            if snaps is not None:
                snapshots[(res.seed, res.fold)] = snaps
        return results, snapshots

    def load_passes(self) -> dict[str, float]:
        path = self.path / PASSES
        if not path.exists():
            return {}
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or not all(isinstance(v, (int, float)) for v in doc.values()):
                raise ValueError("not a table of method -> passes")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise RunDirError(f"{path}: not valid ({exc}); delete it, or start again with --force") from None
        return {str(k): float(v) for k, v in doc.items() if k in self.exp.passes_methods}

    # ------------------------------------------------------------ writing
    def checkpoint_path(self, key: str) -> Path:
        return self.path / CHECKPOINTS / f"{key}.npz"

    def load_checkpoint(self, key: str) -> dict | None:
        return load_checkpoint(self.checkpoint_path(key), self._units[key])

    def save_checkpoint(self, key: str, state: dict) -> None:
        save_checkpoint(self.checkpoint_path(key), self._units[key], state)

    def save_unit(self, key: str, result: TrainResult, snapshots: list | None) -> None:
        """Write a finished unit atomically, then drop its checkpoint."""
        doc = {"result": result_to_plain(result),
               "snapshots": None if snapshots is None else [states_to_plain(s) for s in snapshots]}
        save_state(self.path / UNITS / f"{key}.npz", _UNIT_KIND, doc)
        self.checkpoint_path(key).unlink(missing_ok=True)

    def save_passes(self, passes: dict) -> None:
        ordered = {m: passes[m] for m in self.exp.passes_methods if m in passes}
        atomic_write_text(self.path / PASSES, json.dumps(ordered, indent=2) + "\n")
