"""Run an :class:`~picffm.training.experiment.Experiment`: every unit, serially or in worker processes.

:func:`run_experiment` trains the units missing from the run directory
(:class:`~picffm.training.store.TrainStore`: ``config.json``,
``units/*.npz``, ``checkpoints/*.npz``, reports by
:mod:`picffm.training.report`), in this process or in ``workers`` spawned
processes, with bit-identical results either way: every unit is seeded by
its seed and spec alone, and every checkpoint holds all of its random
streams.

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
from typing import Callable

from ..errors import ConfigError
from ..runs.executor import default_workers
from ..runs.signals import Interrupted, StopFlag, stop_on_signals
from .experiment import DEFAULT_METHODS, DEFAULT_SPECS, Experiment, resolve_spec
from .results import MODEL, TrainResult, unit_key
from .store import TrainStore
from .units import (UnitStopped, deploy, evaluate_states, grad_window, gradient_errors, insilico_unit,
                    measure_passes, train_network, train_unit)

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
                   on_event: Callable[[str, dict], None] | None = None, workers: int = 1) -> dict:
    """Run (or resume) every unit of ``exp`` in the run directory ``out``; return the summary.

    ``resume=True`` continues the run in ``out`` (``exp`` may be ``None``: the
    stored experiment; if given it must be the same). Without it a non-empty
    ``out`` is refused unless ``force=True`` (delete the earlier run). Only
    one process may write ``out`` at a time.

    ``on_event(kind, info)`` is called (in this process) after every epoch
    (``"epoch"``) and unit (``"unit"``); raising ``KeyboardInterrupt`` there
    stops the run like Ctrl-C (the reports of what is finished are written).
    ``workers`` > 1 trains the independent units in that many processes
    (:func:`default_workers`: all cores); it is an execution option, not part
    of the experiment.
    """
    from tqdm import tqdm

    from . import report

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be an integer >= 1, got {workers!r}")
    with stop_on_signals(defer=True) as flag, TrainStore(out, exp, resume=resume, force=force) as store:
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
            if workers > 1:
                from .parallel import run_parallel

                run_parallel(store, workers, results, snapshots, passes, bar, on_event, flag)
            _run_serial(store, results, snapshots, passes, bar, on_event, flag)
        finally:
            bar.close()
            summary = report.write_reports(Path(out), exp, results, passes, time.perf_counter() - t_start)
    return summary


def _run_serial(store: TrainStore, results: dict, snapshots: dict, passes: dict, bar, on_event,
                flag: StopFlag) -> None:
    exp = store.exp
    specs = dict(exp.chips)
    for chip, method, seed, fold in exp.units():
        key = unit_key(chip, method, seed, fold)
        if key in results:
            continue
        flag.raise_if_requested()
        bar.set_description(f"{method} on {chip} seed {seed} fold {fold}")
        if method == "insilico":
            res = insilico_unit(results[unit_key(MODEL, "ideal", seed, fold)], chip, specs[chip], seed, exp.config,
                                snapshots.get((seed, fold)))
            bar.update(exp.config.epochs)
            snap = None
        else:
            def _on_epoch(row, _c=chip, _m=method, _s=seed, _f=fold):
                bar.update(1)
                if on_event is not None:
                    on_event("epoch", {"chip": _c, "method": _m, "seed": _s, "fold": _f, **row})

            try:
                res, snap = train_unit(method, chip, None if chip == MODEL else specs[chip], seed, exp.config,
                                       fold=fold, saved=store.load_checkpoint(key), on_epoch=_on_epoch,
                                       checkpoint=lambda state, _k=key: store.save_checkpoint(_k, state),
                                       should_stop=lambda: flag.requested)
            except UnitStopped as exc:
                raise Interrupted(flag.signum or 2, str(exc)) from None
            if snap is not None:
                snapshots[(seed, fold)] = snap
        store.save_unit(key, res, snap)
        results[key] = res
        if on_event is not None:
            on_event("unit", {"chip": chip, "method": method, "seed": seed, "fold": fold, "test_acc": res.test_acc})
    first_spec = exp.chips[0][1]
    for m in exp.passes_methods:
        if m not in passes:
            flag.raise_if_requested()
            bar.set_description(f"passes per update of {m}")
            passes[m] = measure_passes(m, first_spec, exp.seeds[0], exp.config)
            store.save_passes(passes)
