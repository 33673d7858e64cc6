"""Ctrl-C and SIGTERM on a study running in a worker pool: real subprocesses, real signals.

The first signal ends the pool at once (workers ignore SIGINT and are
stopped), keeps every finished point and prints one line; a second Ctrl-C
changes nothing; SIGTERM says what it did. Never a traceback, never a
leaked-semaphore warning, never a half-written file. The moments are drawn
from a seeded generator; no timing is asserted (the machine may be busy),
only that the process ends.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

STUDY = ["study", "drift", "--layers", "1", "--epochs", "3", "--seeds", "2", "--drift-rates", "0,0.01,0.03",
         "--method", "insilico,ffm", "--duration-s", "20", "--step-s", "1", "--workers", "2", "--quiet"]
RNG = np.random.default_rng(16)
CASES = [("SIGINT", 2, RNG.uniform(0.2, 2.0)), ("SIGTERM", 1, RNG.uniform(0.2, 2.0))]


@pytest.mark.parametrize("name, times, delay", CASES, ids=[f"{n}x{t}" for n, t, _ in CASES])
def test_study_stops_cleanly_on_signals(name, times, delay, tmp_path):
    out = tmp_path / "study"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen([sys.executable, "-m", "picffm", *STUDY, "-o", str(out)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    signum = getattr(signal, name)
    try:
        deadline = time.monotonic() + 120
        while not (out / "study.json").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(delay)  # workers start, points run
        assert proc.poll() is None, proc.communicate()
        for _ in range(times):
            if signum == signal.SIGINT:
                os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole process group
            else:
                os.kill(proc.pid, signum)  # a batch system signals the main process
            time.sleep(0.05)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover - only if the shutdown hangs
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 128 + signum, stderr
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr  # no traceback from a worker, no leaked-semaphore warning
    word = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
    assert lines[0].startswith(f"picffm: stopped by {word}; every finished point is saved in {out}")
    for p in (out / "points").iterdir():  # nothing half-written
        assert p.suffix == ".json" and "result" in json.loads(p.read_text())
    # the workers are gone with their parent (zombies waiting for init to reap them do not count)
    deadline = time.monotonic() + 10
    while _alive_in_group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive_in_group(proc.pid)


def _alive_in_group(pgid: int) -> list[int]:
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(entry))
    return alive
