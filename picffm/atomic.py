"""Atomic, durable file writes and a symlink-safe writability probe.

A write goes to a temporary file created exclusively in the target's folder
(``O_CREAT | O_EXCL | O_NOFOLLOW``: it never opens an existing file or follows
a symbolic link planted under its name), is flushed to disk with ``fsync``,
then renamed over the target; the folder is fsynced after the rename. A
reader (or an interrupted run, or a power cut) finds either the old file or
the complete new one, never a half-written file. A write that need not
survive a power cut (``durable=False``) skips the fsyncs and stays atomic
for readers and interrupted processes. New files get the usual
permissions (``0666 & ~umask``); a replaced file keeps its mode.
"""

from __future__ import annotations

import errno
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "probe_writable"]

#: flags of every temporary or probe file: exclusive creation, no symlink followed
_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _create_exclusive(folder: Path, prefix: str, suffix: str, target: Path | None = None) -> tuple[int, str]:
    """Create a new, empty file with a random name in ``folder``; return (fd, path).

    An error other than a name clash (no permission, a read-only file system)
    is raised with ``target`` (the file the caller means to write) as its
    file name, so that messages name the user's file, not the temporary one.
    """
    for _ in range(100):
        name = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            return os.open(name, _EXCLUSIVE, 0o600), str(name)
        except FileExistsError:
            continue
        except OSError as exc:
            if target is None:
                raise
            raise type(exc)(exc.errno, exc.strerror, str(target)) from None
    raise FileExistsError(f"{folder}: cannot create a temporary file (100 names taken)")


def _check_target(path: Path) -> None:
    """Refuse a target that is a directory before anything is written (``IsADirectoryError`` naming it)."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # e.g. a platform without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _commit(fd: int, tmp: str, path: Path, durable: bool = True) -> None:
    """chmod (and if ``durable`` fsync) the open temporary file, rename it over ``path``, fsync the folder."""
    os.fchmod(fd, _mode_for(path))
    if durable:
        os.fsync(fd)
    os.close(fd)
    os.replace(tmp, path)
    if durable:
        _fsync_folder(path.parent)


def _discard(fd: int | None, tmp: str) -> None:
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        os.unlink(tmp)
    except OSError:
        pass


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    For writers that want a file name (e.g. ``gdstk.Library.write_gds``): the
    file is created exclusively first, the writer reopens it by name, and it
    is reopened without following links for the fsync. On an exception
    (Ctrl-C included) the temporary file is removed and ``path`` is left
    untouched.
    """
    path = Path(path)
    _check_target(path)
    fd, tmp = _create_exclusive(path.parent, f".{path.name}.", ".tmp", path)
    os.close(fd)
    fd = None
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        _commit(fd, tmp, path)
    except BaseException:
        _discard(fd, tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, durable: bool = True) -> None:
    """Write bytes to ``path`` atomically and durably (through the exclusive file's own descriptor).

    ``durable=False`` skips both fsyncs: the write stays atomic for every
    reader and against an interrupted or killed process (the rename is done
    or not), but after a power cut or an operating-system crash the file may
    be lost or empty. For files that are cheap to lose and written often
    (training checkpoints).
    """
    path = Path(path)
    _check_target(path)
    fd, tmp = _create_exclusive(path.parent, f".{path.name}.", ".tmp", path)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        _commit(fd, tmp, path, durable)
    except BaseException:
        _discard(fd, tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def probe_writable(folder: str | os.PathLike) -> None:
    """Raise ``OSError`` unless a new file can be created in ``folder``.

    The probe file has a random name, is created exclusively without
    following links (a symlink planted in the folder is never opened, so its
    target is never truncated) and is removed again.
    """
    fd, name = _create_exclusive(Path(folder), ".write-test.", "")
    os.close(fd)
    os.unlink(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
