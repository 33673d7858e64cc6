"""Run the picffm command line in-process and capture what it prints."""

from picffm.cli.main import main


def run(args, capsys):
    """``(exit code, stdout, stderr)`` of ``picffm ARGS`` run through :func:`picffm.cli.main.main`."""
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err
