"""Subprocess that runs ``picffm`` command lines for the fuzz test, under limits.

Started once by ``tests/test_fuzz_cli.py``; reads one JSON request per line
on stdin (``{"argv": [...]}``), runs :func:`picffm.cli.main.main` in this
process with stdout and stderr captured, and answers one JSON line: the exit
code, the captured stderr and stdout, and whether the case ran out of time.

Limits: the address space (``RLIMIT_AS``, from ``argv[1]`` in MiB) bounds the
memory of every case (an unbounded allocation becomes a MemoryError, which
the top-level handler reports as an internal error, exit 1, and the test
fails); ``signal.alarm`` bounds each case's wall time (``argv[2]`` s).
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import signal
import sys


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout


def main() -> None:
    limit_mib, seconds = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit_mib << 20, limit_mib << 20))
    from picffm.cli.main import main as picffm_main

    signal.signal(signal.SIGALRM, _alarm)
    out_stream = sys.stdout
    print(json.dumps({"ready": True}), file=out_stream, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        timed_out = False
        signal.alarm(seconds)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = picffm_main(request["argv"])
                except SystemExit as exc:  # argparse: --help or a bad option
                    code = exc.code if isinstance(exc.code, int) else 2
        except _Timeout:
            code, timed_out = None, True
        finally:
            signal.alarm(0)
        print(json.dumps({"code": code, "stdout": out.getvalue()[-20000:], "stderr": err.getvalue()[-5000:],
                          "timeout": timed_out}), file=out_stream, flush=True)


if __name__ == "__main__":
    main()
