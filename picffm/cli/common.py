"""Helpers shared by the CLI commands: output, errors, exit codes."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..documents import finite_or_none
from ..errors import PicffmError

EXIT_OK = 0
EXIT_USER = 2  # bad input, bad option, missing file
EXIT_INTERNAL = 1  # a bug in picffm (the top-level handler in main)
EXIT_INTERRUPTED = 130


class CLIError(PicffmError):
    """An error about a command-line option."""


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON (numpy scalars and arrays converted).

    JSON has no NaN or infinity: non-finite numbers are printed as ``null``,
    so the output is always valid JSON.
    """
    print(json.dumps(finite_or_none(json.loads(json.dumps(obj, default=_default))), indent=2, allow_nan=False))


def _default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, complex):
        return [o.real, o.imag]
    raise TypeError(f"cannot serialise {type(o).__name__}")


_SAVED_HANDLERS: dict = {}


def ignore_further_signals() -> None:
    """After an interruption: the command is exiting, further Ctrl-C / SIGTERM change nothing.

    :func:`restore_signals` undoes it (``main`` does, when it was called as a
    function rather than as the program).
    """
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGINT, signal.SIGTERM):
            _SAVED_HANDLERS.setdefault(s, signal.signal(s, signal.SIG_IGN))


def restore_signals() -> None:
    """Put back the handlers :func:`ignore_further_signals` replaced."""
    import signal

    while _SAVED_HANDLERS:
        s, h = _SAVED_HANDLERS.popitem()
        signal.signal(s, h)


def fail(message: str, code: int = EXIT_USER) -> int:
    """Print a one-line error to stderr and return the exit code."""
    line = " ".join(str(message).split())
    print(f"picffm: error: {line}", file=sys.stderr)
    return code


def table(rows: list[list[Any]], header: list[str]) -> str:
    """Plain fixed-width text table."""
    cells = [header] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(c: Any) -> str:
    if isinstance(c, float):
        return f"{c:.4g}"
    return str(c)


# ------------------------------------------------------------------ limits
# Every limit is listed in docs/limits.md with its reason.

#: largest mesh size ``picffm mesh -n`` writes (1024 modes: 523,776 MZIs, about 1 min and 2 GB)
MAX_MODES = 1024
#: largest chip ``picffm chip inspect -n`` simulates
MAX_INSPECT_MODES = 128
#: most random matrices / matrix reads in one ``chip inspect``
MAX_SAMPLES = 10_000
MAX_TIMES = 10_000
#: most seeds in one run, and the largest seed (numpy accepts any; int64 keeps files portable)
MAX_SEEDS = 1000
MAX_SEED = 2**63 - 1
#: most worker processes
MAX_WORKERS = 256


def check_range(option: str, value: Any, low: float, high: float, unit: str = "") -> Any:
    """Return ``value`` if ``low <= value <= high``; else raise :class:`CLIError` naming the option."""
    if isinstance(value, float) and not np.isfinite(value):
        raise CLIError(f"{option} {value} is not a finite number; valid: {low:g} .. {high:g}{unit}")
    if not low <= value <= high:
        what = "below" if value < low else "beyond"
        raise CLIError(f"{option} {value} is {what} the limit; valid: {low:g} .. {high:g}{unit}")
    return value


def check_seed(option: str, value: int) -> int:
    """A seed is an integer in 0 .. 2**63 - 1."""
    if not 0 <= value <= MAX_SEED:
        raise CLIError(f"{option} {value} is invalid; a seed is an integer in 0 .. {MAX_SEED} (2**63 - 1)")
    return value


#: a Dask scheduler address: [protocol://]host:port (host a name, an IPv4 or a bracketed IPv6 address)
_ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})")
#: help of ``--scheduler``, the same in every command
SCHEDULER_HELP = "run on an existing Dask cluster, e.g. tcp://host:8786 (needs picffm[dask]); overrides --workers"


def check_scheduler(address: str | None) -> None:
    """``--scheduler``: a Dask scheduler address, or one line saying what a valid one looks like."""
    if address is None:
        return
    m = _ADDRESS.fullmatch(address.strip())
    if not m or not 1 <= int(m.group(1)) <= 65535:
        raise CLIError(f"--scheduler {address!r} is not a Dask scheduler address; "
                       "give [tcp://]host:port, e.g. tcp://10.0.0.5:8786")


def parse_workers(text: str | None) -> int:
    """``--workers``: local worker processes, default all cores this process may use; 1 = serial."""
    if text is None:
        from ..runs.executor import default_workers

        return default_workers()
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_WORKERS:
        raise CLIError(f"--workers {text!r} is invalid; give an integer in 1 .. {MAX_WORKERS} (1 = serial)")
    return n


def check_output(out: Any, inputs: dict[str, Any], option: str = "-o") -> None:
    """Refuse an output path that is one of the inputs (it would be overwritten).

    ``inputs`` maps a description (``"the netlist"``) to a path or ``None``.
    Paths are compared after resolving symbolic links and ``..``; an existing
    file reached through another name (a hard link) is caught too.
    """
    out_p = Path(out)
    for what, path in inputs.items():
        if path is None:
            continue
        p = Path(path)
        same = out_p.resolve() == p.resolve()
        if not same and out_p.exists() and p.exists():
            try:
                same = out_p.samefile(p)
            except OSError:
                same = False
        if same:
            raise CLIError(f"{option} {out}: is {what} ({path}); writing it would overwrite the input, "
                           "choose another file name")


def check_output_file(out: Any, inputs: dict[str, Any], option: str = "-o") -> None:
    """:func:`check_output` for a single output file: also refuse a directory in its place.

    Called before the work, so that a long command (a calibration) does not
    fail only when it writes its result.
    """
    if Path(out).is_dir():
        raise CLIError(f"{option} {out}: is a directory, not a file; give a file name")
    check_output(out, inputs, option)


def check_out_dir(path: Any, option: str = "--out") -> None:
    """Refuse a run or study directory that is a file or lies below a file."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise CLIError(f"{option} {path}: not writable: it is a file, not a directory")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise CLIError(f"{option} {path}: not writable: {parent} is a file, not a directory")
            break
