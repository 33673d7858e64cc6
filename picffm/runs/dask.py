"""Dask backend of :func:`picffm.runs.executor.run_tasks`: an existing distributed cluster.

dask is the optional extra ``picffm[dask]``, imported only here. Results are
written by the client process, so workers need no shared file system; task
progress events are not forwarded and a stop cancels the cluster's futures
(their work is abandoned, finished results are kept).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from ..errors import ConfigError
from .signals import Interrupted, StopFlag

__all__ = ["run_dask", "connected"]


@contextmanager
def connected(scheduler: Any) -> Iterator[Any]:
    """The cluster of ``scheduler`` (an address or a ``distributed.Client``), connected before any work.

    A run connects before it opens its run directory, so an unreachable
    scheduler is one line and leaves no directory behind. Yields ``None``
    for ``None`` (no cluster: nothing is imported); closes a client it opened.
    """
    if scheduler is None:
        yield None
        return
    client, owned = _dask_client(scheduler)
    try:
        yield client
    finally:
        if owned:
            client.close()


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


def run_dask(todo: list, scheduler: Any, finish, flag: StopFlag | None, call) -> None:
    """Run ``todo`` (and what ``finish`` returns) as ``call(fn, point, seed, context, inputs)`` on a Dask cluster; see :func:`picffm.runs.executor.run_tasks`."""
    client, owned = _dask_client(scheduler)
    from distributed import as_completed

    futures: dict = {}

    def submit(tasks: list) -> list:
        out = []
        for t in tasks:
            fut = client.submit(call, t.fn, dict(t.point), t.seed, dict(t.context), dict(t.inputs),
                                key=f"picffm-{t.key}-{t.seed:x}", pure=False)
            futures[fut] = t
            out.append(fut)
        return out

    try:
        stream = as_completed(submit(todo))
        try:
            for fut in stream:
                for new in submit(finish(futures[fut], fut.result())):
                    stream.add(new)
                if flag is not None and flag.requested:
                    raise Interrupted(flag.signum or 2)
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        if owned:
            client.close()
