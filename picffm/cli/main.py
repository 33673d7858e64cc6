"""``picffm`` entry point: builds the parser from the command modules.

Every command module exposes ``register(subparsers)``, which adds its parser
and sets ``func`` to a callable ``func(args) -> int`` (exit code). Errors
derived from :class:`picffm.errors.PicffmError`, missing files and bad options
become a one-line message and exit code 2; Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..errors import PicffmError
from .common import EXIT_INTERRUPTED, EXIT_USER, fail

#: command modules, in help order (each registers one or more subcommands)
COMMAND_MODULES = ("mesh", "validate", "compile_", "program", "chip", "train", "study", "layout", "freespace")


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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except PicffmError as exc:
        return fail(str(exc))
    except FileNotFoundError as exc:
        return fail(f"{exc.filename}: no such file")
    except PermissionError as exc:
        return fail(f"{exc.filename}: permission denied")
    except IsADirectoryError as exc:
        return fail(f"{exc.filename}: is a directory")
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
