"""Run an :class:`~picffm.training.experiment.Experiment`: every unit, serially, in worker processes or on Dask.

:func:`run_experiment` trains the units missing from the run directory
(:class:`~picffm.training.store.TrainStore`: ``config.json``,
``units/*.npz``, ``checkpoints/*.npz``, reports by
:mod:`picffm.training.report`) as tasks of the shared executor
(:func:`picffm.runs.executor.run_tasks`, the one scheduler loop of studies
and training; task functions in :mod:`picffm.training.tasks`): in this
process, in ``workers`` spawned processes or on an existing Dask cluster
(``scheduler``), with bit-identical results every way: every unit is seeded
by its seed and spec alone, and every checkpoint holds all of its random
streams. ``insilico`` units start as soon as their seed's ``ideal`` unit is
done. On Dask the units write no checkpoints (the workers need not share
this file system): an interrupted unit starts again from its first epoch,
with the same result.

**Interruptions.** The first Ctrl-C or SIGTERM asks for a clean stop: each
running unit finishes its epoch, writes its checkpoint and stops; finished
units and the reports are written and
:class:`~picffm.runs.signals.Interrupted` is raised. A second signal stops at
once (the last checkpoint of each unit stays valid, as after SIGKILL). A
resumed run (``resume=True``) continues every unit from its checkpoint and
ends with the same results, bit for bit, as a run never interrupted.

The unit-level API (:func:`train_network`, :func:`deploy`, ...) lives in
:mod:`picffm.training.units` and is re-exported here.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import ConfigError
from ..runs.dask import connected
from ..runs.executor import Task, canonical_json, default_workers, run_tasks
from ..runs.signals import StopFlag, stop_on_signals
from .experiment import DEFAULT_METHODS, DEFAULT_SPECS, Experiment, resolve_spec
from .results import MODEL, TrainResult, states_to_plain, unit_key
from .store import CHECKPOINTS, TrainStore
from .results import result_to_plain
from .tasks import passes_task, plain_json, unit_from_json, unit_task
from .units import deploy, evaluate_states, grad_window, gradient_errors, train_network

__all__ = [
    "TrainResult",
    "Experiment",
    "resolve_spec",
    "train_network",
    "deploy",
    "evaluate_states",
    "gradient_errors",
    "grad_window",
    "run_experiment",
    "unit_key",
    "DEFAULT_METHODS",
    "DEFAULT_SPECS",
    "default_workers",
]


def run_experiment(exp: Experiment | None, out: str | os.PathLike, *, resume: bool = False, force: bool = False,
                   progress: bool | None = None,
                   on_event: Callable[[str, dict], None] | None = None, workers: int = 1,
                   scheduler: Any = None) -> dict:
    """Run (or resume) every unit of ``exp`` in the run directory ``out``; return the summary.

    ``resume=True`` continues the run in ``out`` (``exp`` may be ``None``: the
    stored experiment; if given it must be the same). Without it a non-empty
    ``out`` is refused unless ``force=True`` (delete the earlier run). Only
    one process may write ``out`` at a time.

    ``on_event(kind, info)`` is called (in this process) after every epoch
    (``"epoch"``; not on Dask) and unit (``"unit"``); raising
    ``KeyboardInterrupt`` there stops the run like Ctrl-C (the reports of
    what is finished are written). ``workers`` > 1 trains the independent
    units in that many processes (:func:`default_workers`: all cores);
    ``scheduler`` (``tcp://host:8786`` or a ``distributed.Client``) runs them
    on a Dask cluster instead. Both are execution options, not part of the
    experiment.
    """
    from tqdm import tqdm

    from . import report

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be an integer >= 1, got {workers!r}")
    with connected(scheduler) as scheduler, stop_on_signals(defer=True) as flag, \
            TrainStore(out, exp, resume=resume, force=force) as store:
        exp = store.exp
        results, snapshots = store.load_results()
        passes = store.load_passes()
        units = exp.units()
        total = len(units) * exp.config.epochs
        done = sum(exp.config.epochs for u in units if unit_key(*u) in results)
        t_start = time.perf_counter()
        bar = tqdm(total=total, initial=done, unit="epoch", disable=None if progress is None else not progress,
                   dynamic_ncols=True, leave=False)
        try:
            _run_units(store, results, snapshots, passes, bar, on_event, flag, workers, scheduler)
        finally:
            bar.close()
            summary = report.write_reports(Path(out), exp, results, passes, time.perf_counter() - t_start)
    return summary


#: order of submission after the ideal units (longest first: shorter tail on the last core)
_COST_RANK = {"fd": 0, "ffm-phase": 1, "spsa": 2, "ffm": 3}


class _Results:
    """The executor's store: every finished task goes into the run directory at once."""

    def __init__(self, store: TrainStore, results: dict, snapshots: dict, passes: dict, bar, on_event,
                 epoch_events: bool):
        self.store, self.results, self.snapshots, self.passes = store, results, snapshots, passes
        self.bar, self.on_event, self.epoch_events = bar, on_event, epoch_events

    def get(self, key: str) -> None:
        return None  # only missing units are submitted

    def put(self, key: str, point: dict, seed: int, doc: dict) -> None:
        if point["kind"] == "passes":
            self.passes[point["method"]] = doc["passes"]
            self.store.save_passes(self.passes)
            return
        res, snap = unit_from_json(doc, self.store.exp.config.modes)
        self.store.save_unit(key, res, snap)
        self.results[key] = res
        if snap is not None:
            self.snapshots[(res.seed, res.fold)] = snap
        if res.method == "insilico" or not self.epoch_events:
            self.bar.update(self.store.exp.config.epochs)
        if self.on_event is not None:
            self.on_event("unit", {"chip": res.chip, "method": res.method, "seed": res.seed, "fold": res.fold,
                                   "test_acc": res.test_acc})

    def epoch(self, event: dict) -> None:
        self.bar.update(1)
        self.bar.set_description(f"{event['method']} on {event['chip']} seed {event['seed']} fold {event['fold']}")
        if self.on_event is not None:
            self.on_event("epoch", {"chip": event["chip"], "method": event["method"], "seed": event["seed"],
                                    "fold": event["fold"], **event["row"]})


def _unit(unit: tuple, context: dict, **inputs) -> Task:
    chip, method, seed, fold = unit
    return Task(unit_task, {"kind": "unit", "chip": chip, "method": method, "seed": seed, "fold": fold}, seed,
                context, key=unit_key(*unit), inputs=inputs)


def _insilico_inputs(ideal: TrainResult, snaps: list | None) -> dict:
    return plain_json({"ideal": result_to_plain(ideal),
                       "snapshots": None if snaps is None else [states_to_plain(s) for s in snaps]})


def _run_units(store: TrainStore, results: dict, snapshots: dict, passes: dict, bar, on_event, flag: StopFlag,
               workers: int, scheduler: Any) -> None:
    exp = store.exp
    context = {"experiment": canonical_json(exp.to_dict()),
               "checkpoints": None if scheduler is not None else str(store.path / CHECKPOINTS)}
    todo = [u for u in exp.units() if unit_key(*u) not in results]
    waiting = [u for u in todo if u[1] == "insilico"]
    tasks = [_unit(u, context) for u in todo if u[1] == "ideal"]
    for unit in list(waiting):  # their ideal unit finished in an earlier run
        ideal = results.get(unit_key(MODEL, "ideal", unit[2], unit[3]))
        if ideal is not None:
            waiting.remove(unit)
            tasks.append(_unit(unit, context, **_insilico_inputs(ideal, snapshots.get((unit[2], unit[3])))))
    measure = [Task(passes_task, {"kind": "passes", "method": m}, exp.seeds[0], context, key=f"passes__{m}")
               for m in exp.passes_methods if m not in passes]
    rest = [u for u in todo if u[1] not in ("ideal", "insilico")]
    if workers == 1 and scheduler is None:  # in this process: the experiment's order, passes last
        tasks += [_unit(u, context) for u in rest] + measure
    else:  # in parallel: the long units first, for a shorter tail on the last worker
        tasks += measure + [_unit(u, context) for u in sorted(rest, key=lambda u: _COST_RANK.get(u[1], 9))]
    sink = _Results(store, results, snapshots, passes, bar, on_event, epoch_events=scheduler is None)

    def follow(task: Task, doc: dict) -> list[Task]:
        if task.point["kind"] != "unit" or task.point["method"] != "ideal":
            return []
        seed, fold = task.point["seed"], task.point["fold"]
        ready = [u for u in waiting if (u[2], u[3]) == (seed, fold)]
        for u in ready:
            waiting.remove(u)
        return [_unit(u, context, ideal=doc["result"], snapshots=doc["snapshots"]) for u in ready]

    if tasks:
        run_tasks(tasks, store=sink, workers=workers, scheduler=scheduler, follow=follow, on_event=sink.epoch,
                  flag=flag, bar=bar)
