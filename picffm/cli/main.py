"""``picffm`` entry point: builds the parser from the command modules.

Every command module exposes ``register(subparsers)``, which adds its parser
and sets ``func`` to a callable ``func(args) -> int`` (exit code). A run
imports only the module of the command it runs (``picffm --help`` none): the
other commands are listed from :data:`COMMANDS`, their one-line help, which
a test keeps equal to what the modules register. Commands that evaluate one
matrix (:data:`ONE_SHOT_COMMANDS`) run inside :func:`picffm.compiled.one_shot`,
so they load numba only for meshes where that pays within the one call.
Errors
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
from .common import EXIT_INTERNAL, EXIT_INTERRUPTED, fail, restore_signals
from .parsing import Parser as _Parser

#: where to report an internal error (printed with it)
REPORT_HINT = ("this is a bug in picffm: please report it with the command line and input files "
               "(PICFFM_DEBUG=1 shows the traceback)")

#: command -> (its module, its one-line help), in help order; each module registers its one command
COMMANDS = {
    "mesh": ("mesh", "write the netlist of a Clements, Reck or symmetric-core mesh"),
    "validate": ("validate", "check a netlist file and print what it contains"),
    "compile": ("compile_", "compute a netlist's transfer matrix and its unitarity, symmetry and loss"),
    "sweep": ("sweep", "transmission spectra of a netlist over a wavelength range (Touchstone, PNG)"),
    "import": ("import_", "convert a gdsfactory netlist (PDK cells, nets, rotations) to a picffm netlist"),
    "program": ("program", "find the phases that make a mesh implement a target matrix"),
    "chip": ("chip", "inspect simulated chips and their imperfection specs"),
    "train": ("train", "train optical networks on simulated chips (FFM, in silico, ideal)"),
    "evaluate": ("evaluate", "deploy a training run's networks on other chips (preset, fabrication seed, drift time)"),
    "study": ("study", "robustness studies (drift, mirror asymmetry), locally or on a Dask cluster"),
    "layout": ("layout", "draw a netlist as a GDS chip layout (with DRC and layout-versus-netlist checks)"),
    "freespace": ("freespace", "free-space FFM: focusing through scattering media, diffractive networks"),
}
#: command modules, in help order
COMMAND_MODULES = tuple(module for module, _ in COMMANDS.values())
#: commands that evaluate one matrix: inside :func:`picffm.compiled.one_shot`
ONE_SHOT_COMMANDS = ("validate", "compile", "import", "program")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``picffm`` parser: every command's (default), or only the one ``argv`` runs.

    With ``argv``, only the module of the command named in it is imported;
    the other commands get a placeholder parser with their help line (they
    are listed and recognised, never run).
    """
    wanted = None if argv is None else _command_of(argv)
    parser = _Parser(
        prog="picffm",
        description="Simulate, program and train (fully forward mode) photonic MZI-mesh chips.",
    )
    parser.add_argument("--version", action="version", version=f"picffm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command, (name, help_line) in COMMANDS.items():
        if argv is not None and command != wanted:
            sub.add_parser(command, help=help_line, add_help=False)
            continue
        importlib.import_module(f".{name}", __package__).register(sub)
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The command ``argv`` names (its first word that is not an option), if it is one."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    if argv is not None:  # called as a function (not the program): leave the signal handlers as found
        try:
            return main_program(list(argv))
        finally:
            restore_signals()
    return main_program(sys.argv[1:])


def main_program(argv: list[str]) -> int:
    """:func:`main` for the process: parse ``argv``, run the command, return the exit code."""
    parser = build_parser(argv)
    if not argv:  # bare ``picffm``: the overview of every command
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    try:
        if args.command in ONE_SHOT_COMMANDS:
            from ..compiled import one_shot

            with one_shot():
                return int(args.func(args) or 0)
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
