"""The local process pool behind :func:`picffm.runs.executor.run_tasks`.

``spawn`` workers (safe with threads, the same on every OS) that ignore
SIGINT (the parent decides), use one BLAS thread each unless the user chose
otherwise, and optionally carry a progress/stop channel
(:mod:`picffm.runs.channel`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from .channel import install_queue
from .signals import ignore_sigint, sigint_blocked, signals_ignored

__all__ = ["worker_pool", "spawning", "stop_pool"]

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


def _init_worker(queue=None, event=None) -> None:
    """Pool worker start: ignore Ctrl-C, one BLAS thread unless the user chose, the task channel."""
    global _worker_limits
    ignore_sigint()
    if all(os.environ.get(v, "1") == "1" for v in _THREAD_VARS):  # the user chose no other thread count
        from threadpoolctl import threadpool_limits

        _worker_limits = threadpool_limits(1)
    install_queue(queue, event)


def worker_pool(workers: int, queue=None, event=None) -> ProcessPoolExecutor:
    """A ``spawn`` process pool whose workers ignore SIGINT and use one BLAS thread each.

    ``queue``/``event``: manager proxies for the tasks' progress events and
    cooperative stop. Submit inside :func:`spawning` (workers start then).
    """
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(queue, event))


@contextlib.contextmanager
def spawning():
    """Around the submits that may start pool workers: one-thread BLAS variables, SIGINT held back."""
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
