"""Run a study end to end: tasks -> executor (with the point store) -> report.

A study module (:mod:`.drift`, :mod:`.asymmetry`) provides ``NAME``,
``make_tasks(sweep, context) -> list[Task]``, ``summarise(sweep, context,
tasks, results) -> dict`` and ``write_outputs(directory, doc) -> list[Path]``.
The chip spec is resolved here, once, in the submitting process, and shipped
to the tasks as plain data in the context: Dask workers on other machines need
neither the spec file nor a shared file system.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..chip import resolve_spec
from ..errors import ConfigError, SpecError
from ..runs.dask import connected
from ..runs.executor import run_tasks
from ..runs.signals import stop_on_signals
from .store import PointStore
from .sweep import _Sweep

__all__ = ["resolve_chip", "run_study", "StudyResult"]


def resolve_chip(name: str) -> dict:
    """Chip spec (file form) of a preset name or a ``.toml``/``.json`` spec file."""
    try:
        return resolve_spec(name)[1].to_dict()
    except SpecError as exc:
        raise ConfigError(str(exc)) from None


@dataclass(frozen=True)
class StudyResult:
    """What a study run produced.

    Attributes:
        doc: the ``results.json`` document (config, points, summary).
        files: paths written (CSV, JSON, PNG).
        ran, reused: points computed in this run / taken from an earlier run (``--resume``).
    """

    doc: dict
    files: list[str]
    ran: int
    reused: int


def run_study(module: Any, sweep: _Sweep, out: str | os.PathLike, *, workers: int | None = None,
              scheduler: Any = None, resume: bool = False, force: bool = False,
              progress: bool | None = None) -> StudyResult:
    """Run every point of ``sweep`` (skipping finished ones with ``resume``) and write the report.

    ``out`` must be new or empty unless ``resume`` (continue the study there:
    ``sweep`` must be the one it was started with,
    :func:`picffm.studies.store.stored_sweep` and ``load_sweep(..., stored=)``)
    or ``force`` (delete it first); it is locked while the study runs. The
    sweep and the fixed settings are stored in ``out/study.json`` at start.

    **Interruptions.** The first Ctrl-C or SIGTERM asks the running points to
    stop: each saves a checkpoint at its next safe point (an epoch, a check
    of the drift clock; :mod:`.checkpoints`) and stops; every finished point
    is already saved, and :class:`~picffm.runs.signals.Interrupted` is
    raised. A second signal stops at once (each running point keeps its last
    checkpoint). A resumed study continues every point from its checkpoint
    and ends with the same results, bit for bit, as a study never interrupted.
    On Dask (no checkpoints) the first signal stops at once, as a second one does.
    """
    context = sweep.fixed()
    context["chip_spec"] = resolve_chip(sweep.chip)
    tasks = module.make_tasks(sweep, context)
    # on Dask the points write no checkpoints: the first signal stops at once, keeping the finished points
    with connected(scheduler) as scheduler, stop_on_signals(defer=scheduler is None) as flag, \
            PointStore(out, {"study": module.NAME, "fixed": context, "sweep": sweep.model_dump()}, resume=resume,
                       force=force) as store:
        before = set(store.finished_keys())
        if scheduler is None:  # Dask workers need not share this file system: no checkpoints there
            folder = str(store.checkpoints_dir.resolve())
            tasks = [replace(t, inputs={**t.inputs, "checkpoints": folder}) for t in tasks]
        results = run_tasks(tasks, store=store, workers=workers, scheduler=scheduler, progress=progress,
                            desc=f"{module.NAME} study", flag=flag if scheduler is None else None)
        doc = module.summarise(sweep, context, tasks, results)
        files = module.write_outputs(Path(out), doc)
        store.clear_checkpoints()  # every point is finished: nothing is left to continue
    reused = sum(t.key in before for t in tasks)
    return StudyResult(doc, [str(f) for f in files], len(tasks) - reused, reused)
