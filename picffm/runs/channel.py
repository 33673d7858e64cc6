"""What a running task may tell its scheduler, and ask it: progress events and a cooperative stop.

A task function (:class:`~picffm.runs.executor.Task`) that runs long can call
:func:`report` (a JSON-able event, e.g. one training epoch, delivered to the
``on_event`` of :func:`~picffm.runs.executor.run_tasks` in the scheduling
process) and poll :func:`stop_requested` at safe points (after writing a
checkpoint); if it is true the task raises :class:`TaskStopped`. Serially
both go straight to the scheduler; in a process pool through a manager queue
and event; on Dask events are dropped and no stop is ever requested (a
cancelled Dask task is simply abandoned). Outside a scheduler both are
no-ops.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["TaskStopped", "report", "stop_requested", "install"]

_report: Callable[[Any], None] | None = None
_stop: Callable[[], bool] | None = None


class TaskStopped(Exception):
    """A task ended early because its scheduler asked it to stop (its progress is saved)."""


def install(report_fn: Callable[[Any], None] | None, stop_fn: Callable[[], bool] | None) -> None:
    """Set this process's channel (the scheduler does this; ``None`` clears it)."""
    global _report, _stop
    _report, _stop = report_fn, stop_fn


def report(event: Any) -> None:
    """Send a progress event to the scheduler (no-op if nobody listens)."""
    if _report is not None:
        _report(event)


def stop_requested() -> bool:
    """True once the scheduler asked the running tasks to stop at their next safe point."""
    return _stop is not None and bool(_stop())


def install_queue(queue, event) -> None:
    """Pool worker side: events go to a manager ``queue``, the stop is a manager ``event``."""
    install(None if queue is None else queue.put, None if event is None else event.is_set)
