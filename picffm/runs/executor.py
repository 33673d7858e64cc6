"""Run independent tasks serially, in a local process pool or on Dask.

A study (or any sweep) is a list of :class:`Task` objects. Each task is a *picklable*
top-level function called as ``fn(point, seed, context)`` that returns a
JSON-able dict (``point``: the swept values that identify it; ``context``: the
study's fixed settings, the same for every point); its seed is derived from the study seed and the point itself
(:func:`derive_seed`), never from the order in which tasks run. Every result
goes through a JSON round trip whatever runs it, so a study gives
byte-identical results serially, with ``workers`` local processes or on a Dask
cluster.

Each finished point is handed to a store (an object with ``get(key)`` and
``put(key, point, seed, result)``, e.g. :class:`~picffm.studies.store.PointStore`)
at once, so an interrupted study keeps every finished point, and ``resume``
skips them.

**Signals** (:mod:`picffm.runs.signals`): pool workers ignore SIGINT. The
first Ctrl-C or SIGTERM cancels the pending tasks, stops the running workers
at once (their points are lost; finished ones are saved) and raises
:class:`~picffm.runs.signals.Interrupted`; a second signal during that
clean-up is ignored (it takes well under a second). No worker is left
behind and no semaphore leaks.

Backends:

* ``workers == 1`` and no scheduler: in this process, in task order;
* ``workers > 1``: :class:`concurrent.futures.ProcessPoolExecutor` with the
  ``spawn`` start method (safe with threads, same on every OS; each worker
  imports numpy and picffm once), BLAS limited to one thread per worker;
* ``scheduler="tcp://host:8786"`` (or a ``distributed.Client``): an existing
  Dask distributed cluster; dask is the optional extra ``picffm[dask]``,
  imported only here. Results are written by this (client) process, so
  workers need no shared file system.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ..errors import ConfigError
from . import channel
from .channel import TaskStopped
from .dask import run_dask as _run_dask
from .pool import spawning, stop_pool, worker_pool
from .signals import Interrupted, StopFlag, stop_on_signals

__all__ = ["Task", "TaskStopped", "derive_seed", "default_workers", "point_key", "run_tasks", "canonical_json"]


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text: sorted keys, no spaces, floats by repr."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def point_key(params: Mapping[str, Any]) -> str:
    """Stable 16-hex-digit key of a point's parameters (order independent)."""
    return hashlib.sha256(canonical_json(dict(params)).encode()).hexdigest()[:16]


def derive_seed(study_seed: int, *parts: Any) -> int:
    """A 63-bit seed from the study seed and any JSON-able parts.

    The same ``(study_seed, parts)`` always gives the same seed, on every
    machine and Python version (SHA-256 of canonical JSON), independent of
    execution order. Studies pass the parts that should share randomness: e.g.
    ``("replicate", 3)`` so that every method sees the same fabricated chip.
    """
    if isinstance(study_seed, bool) or not isinstance(study_seed, int) or study_seed < 0:
        raise ConfigError(f"study seed must be an integer >= 0, got {study_seed!r}")
    text = canonical_json([study_seed, list(parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


@dataclass(frozen=True)
class Task:
    """One sweep point: ``fn(point, seed, context)`` -> JSON-able dict.

    ``point`` (JSON-able swept values) identifies the task: its key is a hash
    of it, and it is saved with the result. ``context`` holds the fixed
    settings (JSON-able, shared by all points; the study store checks them on
    resume). ``fn`` must be a module-level function so that it pickles.
    ``inputs``: keyword arguments for ``fn`` that are not part of the point
    (e.g. results of earlier tasks, see ``follow`` in :func:`run_tasks`).
    """

    fn: Callable[..., dict]
    point: Mapping[str, Any]
    seed: int
    context: Mapping[str, Any] = field(default_factory=dict)
    key: str = field(default="")
    inputs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", point_key(self.point))

    def __call__(self) -> dict:
        return _call(self.fn, self.point, self.seed, self.context, self.inputs)


def _call(fn, point, seed, context, inputs=None) -> dict:
    """Run one task and normalise its result through JSON (the same on every backend).

    A task that a pool worker takes from its queue after the scheduler asked
    for a stop does not start (:class:`TaskStopped`): it has no progress to save.
    """
    if channel.stop_requested():
        raise TaskStopped(f"task {point_key(point)} not started: the run is stopping")
    result = fn(dict(point), int(seed), dict(context), **dict(inputs or {}))
    if not isinstance(result, Mapping):
        raise TypeError(f"task function {getattr(fn, '__name__', fn)!r} returned {type(result).__name__}, not a dict")
    return json.loads(canonical_json(result))


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_tasks(
    tasks: Iterable[Task],
    *,
    store: Any = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool | None = None,
    desc: str = "study",
    follow: Callable[[Task, dict], Iterable[Task]] | None = None,
    on_event: Callable[[Any], None] | None = None,
    flag: StopFlag | None = None,
    bar: Any = None,
) -> dict[str, dict]:
    """Run every task not already in ``store``; return ``{key: result}`` in task order.

    ``workers``: local processes (default: all cores; 1 runs in this process).
    ``scheduler``: Dask scheduler address (``tcp://host:8786``) or a
    ``distributed.Client``; overrides ``workers``. ``progress``: tqdm bar on
    stderr (``None``: only on a terminal); ``bar``: use this progress bar
    instead (the caller updates it). Finished results are saved to ``store``
    one by one as they arrive.

    ``follow(task, result)``: tasks that become ready when ``task`` finishes
    (they run like the others; their results follow in the returned dict).
    ``on_event(event)``: receives the tasks' :func:`~picffm.runs.channel.report`
    events in this process (not on Dask).

    **Stopping.** Without ``flag`` the first SIGINT/SIGTERM stops at once
    (running tasks are lost, finished ones are saved). With ``flag`` (a
    :class:`~picffm.runs.signals.StopFlag` of the caller's
    ``stop_on_signals(defer=True)``) the stop is cooperative: once the flag
    is set nothing new starts, running tasks see
    :func:`~picffm.runs.channel.stop_requested`, save their progress and
    raise :class:`~picffm.runs.channel.TaskStopped`; results that arrive
    meanwhile are kept, then :class:`~picffm.runs.signals.Interrupted` is
    raised. A second signal ends the workers at once.
    """
    tasks = list(tasks)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ConfigError(f"two sweep points have the same parameters (key {dup}); remove the duplicate values")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"--workers must be an integer >= 1, got {workers!r}")
    results: dict[str, dict] = {}
    if store is not None:
        for t in tasks:
            done = store.get(t.key)
            if done is not None:
                results[t.key] = done
    todo = [t for t in tasks if t.key not in results]
    order = list(keys)

    from tqdm.auto import tqdm

    own_bar = bar is None
    if own_bar:
        bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc, unit="pt",
                   disable=(None if progress is None else not progress), leave=False)

    def finish(task: Task, result: dict) -> list[Task]:
        results[task.key] = result
        if store is not None:
            store.put(task.key, task.point, task.seed, result)
        if own_bar:
            bar.update(1)
        new = list(follow(task, result)) if follow is not None else []
        order.extend(t.key for t in new)
        return new

    signals = stop_on_signals(defer=False) if flag is None else contextlib.nullcontext(flag)
    try:
        with signals as stop:
            if todo:
                if scheduler is not None:
                    _run_dask(todo, scheduler, finish, stop if flag is not None else None, _call)
                elif (workers or default_workers()) == 1 or (len(todo) == 1 and follow is None):
                    _run_serial(todo, finish, on_event, stop if flag is not None else None)
                else:
                    _run_pool(todo, workers or default_workers(), finish, on_event,
                              stop if flag is not None else None)
    finally:
        if own_bar:
            bar.close()
    return {k: results[k] for k in order if k in results}


def _stopped(flag: StopFlag | None) -> None:
    """After a cooperative stop: raise Interrupted with the signal that asked for it."""
    raise Interrupted(flag.signum or 2 if flag is not None else 2)


def _run_serial(todo: list[Task], finish, on_event, flag: StopFlag | None) -> None:
    queue = list(todo)
    channel.install(on_event, (lambda: flag.requested) if flag is not None else None)
    try:
        while queue:
            if flag is not None and flag.requested:
                _stopped(flag)
            task = queue.pop(0)
            try:
                result = task()
            except TaskStopped:
                _stopped(flag)
            queue[:0] = finish(task, result)  # what became ready runs next
    finally:
        channel.install(None, None)


def _run_pool(todo: list[Task], workers: int, finish, on_event, flag: StopFlag | None) -> None:
    manager = events = stop = None
    if on_event is not None or flag is not None:
        import multiprocessing
        from multiprocessing.managers import SyncManager

        from .signals import ignore_sigint, sigint_blocked

        manager = SyncManager(ctx=multiprocessing.get_context("spawn"))
        with sigint_blocked():  # the manager starts without seeing a Ctrl-C
            manager.start(ignore_sigint)
        events, stop = manager.Queue(), manager.Event()
    pool = worker_pool(min(workers, len(todo)), events, stop)
    rank = {t.key: i for i, t in enumerate(todo)}
    pending: dict = {}

    def submit(tasks: list[Task]) -> None:
        with spawning():  # workers start (spawn) during submits
            for t in tasks:
                rank.setdefault(t.key, len(rank))
                pending[pool.submit(_call, t.fn, t.point, t.seed, t.context, t.inputs)] = t

    def drain() -> None:
        while events is not None and on_event is not None:
            try:
                event = events.get_nowait()
            except Exception:  # queue.Empty, raised through the manager proxy
                return
            on_event(event)

    def collect(done, keep_going: bool) -> None:
        for fut in sorted(done, key=lambda f: rank[pending[f].key]):
            task = pending.pop(fut)
            try:
                result = fut.result()
            except TaskStopped:
                continue
            new = finish(task, result)
            if keep_going:
                submit(new)

    try:
        try:
            submit(todo)
            while pending:
                done, _ = wait(list(pending), timeout=0.1, return_when=FIRST_COMPLETED)
                drain()
                collect(done, True)
                if flag is not None and flag.requested:
                    _stopped(flag)
        except BaseException:
            if stop is None:
                raise
            stop.set()  # cooperative: running tasks save their progress and stop
            for fut in list(pending):
                if fut.cancel():
                    pending.pop(fut)
            try:
                done = wait(list(pending)).done  # running tasks stop at their next safe point
                for fut in list(done):
                    try:
                        collect([fut], False)
                    except Exception:  # noqa: BLE001 - the first error is the one re-raised
                        pending.pop(fut, None)
                if on_event is not None:
                    try:
                        drain()
                    except BaseException:  # noqa: BLE001 - already stopping
                        pass
            except Interrupted:  # a second signal: do not wait
                stop_pool(pool)
            raise
    except BaseException:
        stop_pool(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if manager is not None:
            manager.shutdown()
