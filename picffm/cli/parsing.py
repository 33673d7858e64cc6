"""The argument parser of every ``picffm`` command: negative numbers as option values, one-line errors.

argparse takes any word that starts with ``-`` for an option unless it is a
plain negative number (``-1``, ``-0.5``), so ``--readout -1,0,1``,
``--drift-rates -1e-3`` or ``--seeds -2,3`` failed with "expected one
argument" although ``--readout=-1,0,1`` worked. :class:`Parser` reads a word
that starts with ``-`` and a digit, a dot and a digit, ``inf`` or ``nan``
(:data:`NUMBER_LIKE`: a number, a comma list or a range of numbers; no picffm
option looks like that) as the value of the option before it when that
option takes one value, at every level of subcommands. The value is then
checked by the option itself, which names what is valid. An option whose
value is missing (last on the line, or followed by another option) is
refused in one line that names the option and the value it needs.
"""

from __future__ import annotations

import argparse
import re
import sys

__all__ = ["Parser", "NUMBER_LIKE", "join_number_values"]

#: a word that is a value, never an option: ``-1``, ``-1,0,1``, ``-1e-3``, ``-.5``, ``-2:3``, ``-inf``
NUMBER_LIKE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)

_EXIT_USER = 2  # as picffm.cli.common.EXIT_USER (not imported: the parser module stays dependency-free)


def join_number_values(args: list[str], takes_value) -> list[str]:
    """``args`` with every ``OPTION -NUMBER...`` pair written ``OPTION=-NUMBER...``.

    ``takes_value(word)``: whether ``word`` is an option of this parser that
    takes exactly one value. Words after ``--`` are left alone.
    """
    out: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            out.extend(args[i:])
            break
        nxt = args[i + 1] if i + 1 < len(args) else None
        if nxt is not None and NUMBER_LIKE.match(nxt) and takes_value(word):
            out.append(f"{word}={nxt}")
            i += 2
            continue
        out.append(word)
        i += 1
    return out


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with negative-number option values and one-line errors (module docstring)."""

    def parse_known_args(self, args=None, namespace=None):
        # subcommands get their words through here too, each joined with its own options
        args = join_number_values(list(sys.argv[1:] if args is None else args), self._takes_one_value)
        return super().parse_known_args(args, namespace)

    def _takes_one_value(self, word: str) -> bool:
        action = self._option_string_actions.get(word)
        return action is not None and action.nargs is None and not isinstance(action, argparse._SubParsersAction)

    def error(self, message):  # one line, exit 2, no usage dump on stderr noise
        missing = re.fullmatch(r"argument (\S+): expected one argument", message)
        if missing:
            names = missing.group(1)
            action = self._option_string_actions.get(names.split("/")[-1])
            what = (action.metavar or action.dest.upper()) if action is not None else "a value"
            message = (f"option {names} needs a value ({what}); a value that starts with '-' is read as one "
                       f"only if it is a number or a list of numbers, else write {names.split('/')[-1]}=VALUE")
        self.exit(_EXIT_USER, f"picffm: error: {message} (see '{self.prog} --help')\n")
