"""One spelling of each option in every command, and a bare ``picffm`` that helps."""

import argparse
import subprocess
import sys

from picffm.cli.main import build_parser, main


def _leaf_parsers(parser, prefix=()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
        return
    for name, sub in subs[0].choices.items():
        yield from _leaf_parsers(sub, prefix + (name,))


def test_option_names_are_the_same_in_every_command():
    seen = {}
    for path, p in _leaf_parsers(build_parser()):
        options = {s for a in p._actions for s in a.option_strings}
        seen[" ".join(path)] = options
        assert not options & {"--output", "--spec", "--no-progress"}, (path, options)
        if "--out" in options:
            assert "-o" in options, path  # -o/--out everywhere
        if "--resume" in options:  # a flag on the same --out, with --force beside it
            resume = next(a for a in p._actions if "--resume" in a.option_strings)
            assert resume.nargs == 0 and "--force" in options and "--out" in options, path
        if "--seeds" in options or "--workers" in options:
            assert "--quiet" in options and "--json" in options, path
    for command in ("train iris", "study drift", "study asymmetry"):
        assert {"-o", "--out", "--resume", "--force", "--chip", "--seeds", "--workers", "--quiet",
                "--json"} <= seen[command], command
    for command in ("mesh", "compile", "program", "layout", "chip spec"):
        assert {"-o", "--out"} <= seen[command], command
    assert "--chip" in seen["chip inspect"]


def test_bare_picffm_prints_the_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: picffm") and "train" in out and "study" in out
    proc = subprocess.run([sys.executable, "-m", "picffm"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: picffm") and proc.stderr == ""
