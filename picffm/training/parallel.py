"""The units of one experiment in worker processes (``picffm train iris --workers N``).

The parent process alone writes ``units/`` and ``passes.json`` (through the
:class:`~picffm.training.store.TrainStore`, as each unit finishes); each
worker writes only its own unit's checkpoint. ``insilico`` units are
submitted once their seed's ``ideal`` unit is done. Workers start with the
``spawn`` method, ignore SIGINT and use one BLAS thread (16 x 16 matrices:
threads only contend); per-epoch progress comes back on a manager queue.

On the first Ctrl-C or SIGTERM (or an exception) pending units are
cancelled, running ones stop at the end of their epoch after writing their
checkpoint, units that finish meanwhile are kept, and
:class:`~picffm.runs.signals.Interrupted` is raised. A second signal ends
the workers at once (their last checkpoints stay valid).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, CancelledError, wait
from pathlib import Path

from ..chip import ChipSpec
from ..runs.executor import spawning, stop_pool, worker_pool
from ..runs.signals import Interrupted, StopFlag, ignore_sigint, sigint_blocked
from .config import TrainConfig
from .results import MODEL, TrainResult, unit_key
from .store import TrainStore, load_checkpoint, save_checkpoint
from .units import UnitStopped, insilico_unit, measure_passes, train_unit

__all__ = ["run_parallel"]

#: order of submission after the ideal units (longest first: shorter tail on the last core)
_COST_RANK = {"fd": 0, "ffm-phase": 1, "spsa": 2, "ffm": 3}


def _unit_task(unit: tuple, spec: ChipSpec | None, config: TrainConfig, ckpt: Path,
               ideal: TrainResult | None, snaps: list | None, events, stop) -> tuple:
    """One unit in a worker: ``(TrainResult, snapshots or None)``; epochs are reported on ``events``."""
    chip, method, seed, fold = unit
    if stop.is_set():
        raise UnitStopped(f"{method} on {chip} seed {seed} fold {fold} not started")
    if method == "insilico":
        return insilico_unit(ideal, chip, spec, seed, config, snaps), None
    return train_unit(method, chip, spec, seed, config, fold=fold, saved=load_checkpoint(ckpt, unit),
                      on_epoch=lambda row: events.put((chip, method, seed, fold, row)),
                      checkpoint=lambda state: save_checkpoint(ckpt, unit, state), should_stop=stop.is_set)


def run_parallel(store: TrainStore, workers: int, results: dict, snapshots: dict, passes: dict, bar, on_event,
                 flag: StopFlag) -> None:
    """Train the missing units of ``store.exp`` in ``workers`` processes; fills ``results``, ``snapshots``, ``passes``."""
    exp = store.exp
    specs = dict(exp.chips)
    todo = [u for u in exp.units() if unit_key(*u) not in results]
    passes_todo = [m for m in exp.passes_methods if m not in passes]
    if not todo and not passes_todo:
        return
    cfg = exp.config
    ctx = multiprocessing.get_context("spawn")
    from multiprocessing.managers import SyncManager

    manager = SyncManager(ctx=ctx)
    with sigint_blocked():  # the manager and the workers start without seeing a Ctrl-C
        manager.start(ignore_sigint)
    events, stop = manager.Queue(), manager.Event()
    pool = worker_pool(min(workers, len(todo) + len(passes_todo)))
    futures: dict = {}
    waiting = [u for u in todo if u[1] == "insilico"]

    def submit(unit):
        chip, method, seed, fold = unit
        ideal = results[unit_key(MODEL, "ideal", seed, fold)] if method == "insilico" else None
        fut = pool.submit(_unit_task, unit, None if chip == MODEL else specs[chip], cfg,
                          store.checkpoint_path(unit_key(*unit)), ideal,
                          snapshots.get((seed, fold)) if method == "insilico" else None, events, stop)
        futures[fut] = ("unit", unit)

    def submit_ready():
        for unit in [u for u in waiting if unit_key(MODEL, "ideal", u[2], u[3]) in results]:
            waiting.remove(unit)
            submit(unit)

    def drain(notify: bool) -> None:
        while True:
            try:
                chip, method, seed, fold, row = events.get_nowait()
            except Exception:  # queue.Empty (raised through the manager proxy)
                return
            bar.update(1)
            bar.set_description(f"{method} on {chip} seed {seed} fold {fold}")
            if notify and on_event is not None:
                on_event("epoch", {"chip": chip, "method": method, "seed": seed, "fold": fold, **row})

    def finish(fut, notify: bool) -> None:
        kind, what = futures.pop(fut)
        if kind == "passes":
            passes[what] = fut.result()
            store.save_passes(passes)
            return
        chip, method, seed, fold = what
        key = unit_key(*what)
        res, snap = fut.result()
        store.save_unit(key, res, snap)
        results[key] = res
        if snap is not None:
            snapshots[(seed, fold)] = snap
        if method == "insilico":
            bar.update(cfg.epochs)
        if notify and on_event is not None:
            on_event("unit", {"chip": chip, "method": method, "seed": seed, "fold": fold, "test_acc": res.test_acc})

    try:
        try:
            with spawning():  # workers start during the first submits
                for unit in [u for u in todo if u[1] == "ideal"]:
                    submit(unit)
                submit_ready()  # insilico units of ideal units finished earlier
                first_spec = exp.chips[0][1]
                for m in passes_todo:
                    futures[pool.submit(measure_passes, m, first_spec, exp.seeds[0], cfg)] = ("passes", m)
                rest = [u for u in todo if u[1] not in ("ideal", "insilico")]
                for unit in sorted(rest, key=lambda u: _COST_RANK.get(u[1], len(_COST_RANK))):
                    submit(unit)
            while futures:
                done, _ = wait(list(futures), timeout=0.1, return_when=FIRST_COMPLETED)
                drain(True)
                for fut in done:
                    finish(fut, True)
                submit_ready()
                flag.raise_if_requested()
        except BaseException:
            stop.set()
            for fut in list(futures):
                if fut.cancel():
                    futures.pop(fut)
            try:
                for fut in wait(list(futures)).done:  # running units stop within one epoch
                    try:
                        finish(fut, False)
                    except (UnitStopped, CancelledError):
                        futures.pop(fut, None)
                    except Exception:  # noqa: BLE001 - the first error is the one re-raised
                        futures.pop(fut, None)
                drain(False)
            except Interrupted:  # a second signal: do not wait for the epochs to end
                stop_pool(pool)
            raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        manager.shutdown()
