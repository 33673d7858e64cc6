"""Ctrl-C and SIGTERM for long runs: the first signal asks for a clean stop, a second exits at once.

:func:`stop_on_signals` installs handlers for SIGINT and SIGTERM in the main
thread for the duration of a run and yields a :class:`StopFlag`:

* the **first** signal sets the flag. With ``defer=True`` the run polls
  :attr:`StopFlag.requested` at safe points (a training unit at the end of
  an epoch, after writing its checkpoint) and then raises
  :class:`Interrupted` itself; with ``defer=False`` :class:`Interrupted` is
  raised at once (a study: every finished point is already on disk);
* a **second** signal raises :class:`Interrupted` at once, whatever the run
  is doing (what was written stays valid: every file is written atomically).

Worker processes ignore SIGINT (:func:`ignore_sigint`, their initializer):
Ctrl-C reaches the whole process group, and only the parent decides.
:class:`Interrupted` is a :class:`KeyboardInterrupt` carrying the signal
number, so callers that only know Ctrl-C still stop.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["Interrupted", "StopFlag", "stop_on_signals", "ignore_sigint", "sigint_blocked", "signals_ignored",
           "signal_name"]


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (``signum``: SIGINT or SIGTERM)."""

    def __init__(self, signum: int = signal.SIGINT, message: str = ""):
        super().__init__(message or signal_name(signum))
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + signal number (130 for Ctrl-C, 143 for SIGTERM)."""
        return 128 + self.signum


def signal_name(signum: int) -> str:
    """``"Ctrl-C"`` for SIGINT, else the signal's name (``"SIGTERM"``)."""
    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


class StopFlag:
    """Set by the first SIGINT/SIGTERM (see module docstring); can also be set by code."""

    def __init__(self):
        self._event = threading.Event()
        self.signum: int | None = None

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def set(self, signum: int = signal.SIGINT) -> None:
        if self.signum is None:
            self.signum = int(signum)
        self._event.set()

    def raise_if_requested(self, message: str = "") -> None:
        """Raise :class:`Interrupted` if a stop was asked for."""
        if self.requested:
            raise Interrupted(self.signum or signal.SIGINT, message)


@contextmanager
def stop_on_signals(defer: bool = True) -> Iterator[StopFlag]:
    """Handle SIGINT and SIGTERM while the block runs (main thread only; elsewhere a no-op flag)."""
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, _frame):
        if flag.requested or not defer:
            flag.set(signum)
            raise Interrupted(signum)
        flag.set(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextmanager
def signals_ignored() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM for a short clean-up (stopping workers), main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread while worker processes start (they inherit the mask).

    A spawned worker imports numpy and picffm before its initializer can
    ignore SIGINT; a Ctrl-C in that second would print a traceback from it.
    Blocked, the signal waits: the worker never sees it, and this process
    handles it as soon as the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def ignore_sigint() -> None:
    """Worker initializer: Ctrl-C reaches the whole process group; only the parent acts on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
