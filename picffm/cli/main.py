"""``picffm`` entry point: builds the parser from the command modules.

Every command module exposes ``register(subparsers)``, which adds its parser
and sets ``func`` to a callable ``func(args) -> int`` (exit code). Errors
derived from :class:`picffm.errors.PicffmError`, missing files and bad options
become a one-line message and exit code 2; Ctrl-C exits with 130. Anything
else is a picffm bug: one line naming the exception, a hint to report it and
exit code 1 (set ``PICFFM_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .. import __version__
from ..errors import PicffmError
from .common import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USER, fail, restore_signals

#: where to report an internal error (printed with it)
REPORT_HINT = ("this is a bug in picffm: please report it with the command line and input files "
               "(PICFFM_DEBUG=1 shows the traceback)")

#: command modules, in help order (each registers one or more subcommands)
COMMAND_MODULES = ("mesh", "validate", "compile_", "sweep", "import_", "program", "chip", "train", "evaluate", "study",
                   "layout",
                   "freespace")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump on stderr noise
        self.exit(EXIT_USER, f"picffm: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="picffm",
        description="Simulate, program and train (fully forward mode) photonic MZI-mesh chips.",
    )
    parser.add_argument("--version", action="version", version=f"picffm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{name}":
                continue  # command not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is not None:  # called as a function (not the program): leave the signal handlers as found
        try:
            return main_program(list(argv))
        finally:
            restore_signals()
    return main_program(sys.argv[1:])


def main_program(argv: list[str]) -> int:
    """:func:`main` for the process: parse ``argv``, run the command, return the exit code."""
    parser = build_parser()
    if not argv:  # bare ``picffm``: the overview of every command
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except PicffmError as exc:
        return fail(str(exc))
    except BrokenPipeError:
        return 0
    except FileNotFoundError as exc:
        return fail(f"{exc.filename}: no such file")
    except PermissionError as exc:
        return fail(f"{exc.filename}: permission denied")
    except IsADirectoryError as exc:
        return fail(f"{exc.filename}: is a directory, not a file; give a file name")
    except NotADirectoryError as exc:
        return fail(f"{exc.filename}: a part of this path is a file, not a folder")
    except OSError as exc:  # disk full, read-only file system, ...: the environment, not the input
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - the one place that catches everything
        if os.environ.get("PICFFM_DEBUG"):
            raise
        return internal_error(exc)


def internal_error(exc: BaseException) -> int:
    """Report an unexpected exception in one line; exit code :data:`EXIT_INTERNAL`."""
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:300] + " ..."
    return fail(f"internal error: {type(exc).__name__}{': ' + text if text else ''}; {REPORT_HINT}", EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
