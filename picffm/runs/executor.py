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
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ..errors import ConfigError
from .signals import ignore_sigint, sigint_blocked, signals_ignored, stop_on_signals

__all__ = ["Task", "derive_seed", "default_workers", "point_key", "run_tasks", "canonical_json"]


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
    """

    fn: Callable[[Mapping[str, Any], int, Mapping[str, Any]], dict]
    point: Mapping[str, Any]
    seed: int
    context: Mapping[str, Any] = field(default_factory=dict)
    key: str = field(default="")

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", point_key(self.point))

    def __call__(self) -> dict:
        return _call(self.fn, self.point, self.seed, self.context)


def _call(fn, point, seed, context) -> dict:
    """Run one task and normalise its result through JSON (the same on every backend)."""
    result = fn(dict(point), int(seed), dict(context))
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
) -> dict[str, dict]:
    """Run every task not already in ``store``; return ``{key: result}`` in task order.

    ``workers``: local processes (default: all cores; 1 runs in this process).
    ``scheduler``: Dask scheduler address (``tcp://host:8786``) or a
    ``distributed.Client``; overrides ``workers``. ``progress``: tqdm bar on
    stderr (``None``: only on a terminal). Finished results are saved to
    ``store`` one by one as they arrive.
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

    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc, unit="pt",
               disable=(None if progress is None else not progress), leave=False)

    def finish(task: Task, result: dict) -> None:
        results[task.key] = result
        if store is not None:
            store.put(task.key, task.point, task.seed, result)
        bar.update(1)

    try:
        with stop_on_signals(defer=False):  # a signal raises Interrupted; finished points are saved
            if todo:
                if scheduler is not None:
                    _run_dask(todo, scheduler, finish)
                elif (workers or default_workers()) == 1 or len(todo) == 1:
                    for t in todo:
                        finish(t, t())
                else:
                    _run_pool(todo, min(workers or default_workers(), len(todo)), finish)
    finally:
        bar.close()
    return {k: results[k] for k in keys}


#: BLAS/OpenMP thread limits given to pool workers (unless the user set them):
#: one process per core already uses every core; threaded BLAS on top of it
#: oversubscribes the machine (measured: 4x slower on 2 cores)
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _single_threaded_children():
    added = [v for v in _THREAD_VARS if v not in os.environ]
    for v in added:
        os.environ[v] = "1"
    try:
        yield
    finally:
        for v in added:
            os.environ.pop(v, None)


_worker_limits = None


def _init_worker() -> None:
    """Pool worker start: ignore Ctrl-C (the parent decides), one BLAS thread unless the user chose."""
    global _worker_limits
    ignore_sigint()
    if all(os.environ.get(v, "1") == "1" for v in _THREAD_VARS):  # the user chose no other thread count
        from threadpoolctl import threadpool_limits

        _worker_limits = threadpool_limits(1)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A ``spawn`` process pool whose workers ignore SIGINT and use one BLAS thread each.

    Submit the first tasks inside :func:`spawning` (workers start then).
    """
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker)


@contextlib.contextmanager
def spawning():
    """Around the submits that start pool workers: one-thread BLAS variables, SIGINT held back."""
    with _single_threaded_children(), sigint_blocked():
        yield


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel pending tasks, end the running workers at once, and wait until they are gone."""
    with signals_ignored():
        terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
        if terminate is not None:  # pragma: no cover - newer Python
            terminate()
        else:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                if proc.is_alive():
                    proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _run_pool(todo: list[Task], workers: int, finish) -> None:
    pool = worker_pool(workers)
    order = {t.key: i for i, t in enumerate(todo)}
    try:
        with spawning():  # workers start (spawn) during the first submits
            pending = {pool.submit(_call, t.fn, t.point, t.seed, t.context): t for t in todo}
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: order[pending[f].key]):
                task = pending.pop(fut)
                finish(task, fut.result())
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _dask_client(scheduler: Any):
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            "--scheduler needs dask distributed, which is not installed; "
            "install the extra with: pip install 'picffm[dask]'"
        ) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ConfigError(f"--scheduler must be an address like tcp://host:8786, got {scheduler!r}")
    try:
        return Client(scheduler, timeout="10s"), True
    except (OSError, TimeoutError, ValueError) as exc:  # ValueError: a malformed address
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {' '.join(str(exc).split())}") from None


def _run_dask(todo: list[Task], scheduler: Any, finish) -> None:
    client, owned = _dask_client(scheduler)
    from distributed import as_completed

    try:
        futures = {}
        for t in todo:
            fut = client.submit(_call, t.fn, dict(t.point), t.seed, dict(t.context), key=f"picffm-{t.key}-{t.seed:x}", pure=False)
            futures[fut] = t
        try:
            for fut in as_completed(list(futures)):
                finish(futures[fut], fut.result())
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        if owned:
            client.close()
