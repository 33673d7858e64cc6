"""Helpers shared by the CLI commands: output, errors, exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from ..errors import PicffmError

EXIT_OK = 0
EXIT_USER = 2  # bad input, bad option, missing file
EXIT_INTERRUPTED = 130


class CLIError(PicffmError):
    """An error about a command-line option."""


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON (numpy scalars and arrays converted)."""
    print(json.dumps(obj, indent=2, default=_default))


def _default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, complex):
        return [o.real, o.imag]
    raise TypeError(f"cannot serialise {type(o).__name__}")


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
