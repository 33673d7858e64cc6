"""A run directory with one writer: lock, reuse rules, owned files.

:func:`open_run_dir` is how every long run (``picffm train``, ``picffm
study``) takes its ``--out`` directory:

* **one writer**: an exclusive advisory lock (``fcntl.flock``) on
  ``<dir>/.picffm.lock`` is held while the run writes; a second run on the
  same directory is refused with a message naming the directory. The lock is
  released by the operating system when the process ends, also after
  SIGKILL, so a stale lock never blocks a resume;
* **no silent reuse**: a directory holding an earlier run is refused unless
  ``resume`` (continue that run; its marker file must be there) or ``force``
  (delete what the earlier run wrote, then start clean). ``force`` removes
  only the entries the run declares as its own (``owned``); a directory that
  also holds other files is refused rather than emptied;
* temporary files of interrupted atomic writes (``.<name>.*.tmp``) are
  removed when the directory is opened.

:func:`open_run_dir_for_reading` opens a finished or interrupted run for a
reader (``picffm evaluate``): a *shared* lock on the existing lock file, so
a run still writing is refused and readers do not exclude each other;
nothing in the directory is created, written or deleted, so a run on a
read-only file system or copied from elsewhere can be read.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import shutil
from pathlib import Path
from typing import Iterable

from ..errors import ConfigError

__all__ = ["RunDirError", "RunDir", "open_run_dir", "open_run_dir_for_reading", "LOCK_NAME"]

LOCK_NAME = ".picffm.lock"


class RunDirError(ConfigError):
    """A run directory that cannot be used (taken, reused, foreign or corrupt)."""


class RunDir:
    """An opened, locked run directory (see :func:`open_run_dir`). Use as a context manager."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd = fd

    def close(self) -> None:
        """Release the lock (the lock file stays; it holds no state)."""
        if self._fd >= 0:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "RunDir":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):  # pragma: no cover - safety net
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass


def _lock(path: Path) -> int:
    import fcntl

    lock = path / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise RunDirError(f"{path}: cannot create the lock file {LOCK_NAME}: {exc.strerror or exc}; "
                          "choose another --out") from None
    _flock(fd, path, fcntl.LOCK_EX, "another picffm run is writing this directory{who}; "
           "wait for it to finish or choose another --out")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def open_run_dir(path: str | os.PathLike, *, marker: str, owned: Iterable[str], resume: bool = False,
                 force: bool = False, what: str = "run") -> RunDir:
    """Create or open ``path`` for one run and lock it; see the module docstring.

    Args:
        path: the run directory (created with its parents if missing).
        marker: the file that makes a directory a run of this kind (e.g.
            ``config.json``); ``resume`` needs it.
        owned: names (or ``fnmatch`` patterns such as ``*.png``) of the files
            and folders a run writes (``marker`` included or not); ``force``
            deletes exactly these.
        resume: continue the run found in ``path``.
        force: delete an earlier run's files and start clean.
        what: the kind of run, for messages (``"training run"``).

    Raises:
        RunDirError: one line naming the directory and what to do instead.
    """
    if resume and force:
        raise RunDirError("--resume and --force exclude each other: --resume continues the run in --out, "
                          "--force deletes it")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RunDirError(f"{path}: exists and is not a directory; choose another --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunDirError(f"{path}: cannot create the directory: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise RunDirError(f"{path}: directory is not writable; choose another --out")
    fd = _lock(path)
    try:
        owned = {marker, *owned}
        entries = sorted(p.name for p in path.iterdir() if p.name != LOCK_NAME)
        if resume:
            if not (path / marker).is_file():
                raise RunDirError(f"{path}: cannot resume: {marker} not found (not a picffm {what} directory); "
                                  "drop --resume to start a new run there")
        elif entries:
            if not force:
                kind = f"an earlier {what}" if marker in entries else "files"
                raise RunDirError(f"{path}: directory is not empty (it holds {kind}); pass --resume to continue "
                                  "that run, --force to delete it and start clean, or choose another --out")
            foreign = [e for e in entries if not any(fnmatch.fnmatchcase(e, pat) for pat in owned)]
            if foreign:
                raise RunDirError(f"{path}: --force deletes only what a picffm {what} wrote, but the directory "
                                  f"also holds {foreign[0]!r}; choose another --out")
            for name in entries:
                p = path / name
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                else:
                    p.unlink()
        _remove_temporaries(path)
    except BaseException:
        os.close(fd)
        raise
    return RunDir(path, fd)


def open_run_dir_for_reading(path: str | os.PathLike, *, marker: str, what: str = "run") -> RunDir:
    """Open the run in ``path`` to read it, writing nothing (see the module docstring).

    Raises:
        RunDirError: ``path`` is not a directory holding ``marker``, or a run is writing it.
    """
    import fcntl

    path = Path(path)
    if not (path / marker).is_file():
        raise RunDirError(f"{path}: not a picffm {what} directory (no {marker})")
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:  # copied without its lock file: no run of this process tree writes it
        return RunDir(path, -1)
    except OSError as exc:
        raise RunDirError(f"{path}: cannot open the lock file {LOCK_NAME}: {exc.strerror or exc}") from None
    _flock(fd, path, fcntl.LOCK_SH, "a picffm run is still writing this directory{who}; wait for it to "
           "finish (or stop it) and read it then")
    return RunDir(path, fd)


def _flock(fd: int, path: Path, mode: int, busy: str) -> None:
    """Take ``mode`` (``LOCK_EX`` / ``LOCK_SH``) on the lock file ``fd`` without waiting.

    On failure ``fd`` is closed and :class:`RunDirError` raised: ``busy`` (its
    ``{who}`` filled with the holder's pid from the file, when it wrote one)
    if another process holds the lock, else why the lock failed.
    """
    import fcntl

    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except OSError as exc:
        try:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        except OSError:
            holder = ""
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise RunDirError(f"{path}: " + busy.format(who=who)) from None
        raise RunDirError(f"{path}: cannot lock the directory: {exc.strerror or exc}") from None


def _remove_temporaries(path: Path) -> None:
    """Delete leftovers of atomic writes interrupted by SIGKILL (hidden ``.<name>.<random>.tmp`` files)."""
    for d in [path, *(p for p in path.iterdir() if p.is_dir() and not p.is_symlink())]:
        for p in d.glob(".*tmp*"):
            if p.is_file() and not p.is_symlink():
                p.unlink(missing_ok=True)
