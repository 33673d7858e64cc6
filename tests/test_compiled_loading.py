"""How the compiled kernels load: numba only when a kernel is used, its on-disk cache, and no cache at all.

Real subprocesses (a fresh interpreter is the only honest view of what a
command imports and of what a second process finds on disk); no timing is
asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NETLISTS = ROOT / "netlists"


def _python(code: str, env_extra: dict | None = None, cwd: Path | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, env=env,
                         cwd=cwd, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


_CLI = ("import sys, contextlib, io\n"
        "from picffm.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        code = main({argv!r})\n"
        "    except SystemExit as exc:\n"
        "        code = exc.code\n"
        "print(code, 'numba' in sys.modules)\n")


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["validate", str(NETLISTS / "clements_4.pic.yml")],
    ["compile", str(NETLISTS / "clements_16.pic.yml")],
    ["compile", str(NETLISTS / "symmetric_core_16.pic.yml"), "--json"],
    ["mesh", "clements", "-n", "8", "-o", "{tmp}/c8.pic.yml"],
], ids=lambda a: " ".join(a[:2]))
def test_commands_that_need_no_kernel_never_import_numba(argv, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, loaded = _python(_CLI.format(argv=argv)).split()
    assert code == "0", code
    assert loaded == "False", f"picffm {' '.join(argv)} imported numba"


def test_a_large_mesh_loads_its_kernel_from_the_disk_cache_in_a_second_process(tmp_path):
    """The first process compiles and writes NUMBA_CACHE_DIR, the second loads it; both give the same matrix."""
    code = ("import json, sys, numpy as np\n"
            "from picffm import compiled\n"
            "from picffm.netlist import load_netlist\n"
            "from picffm.simulation import Circuit\n"
            f"c = Circuit.from_netlist(load_netlist({str(NETLISTS / 'clements_64.pic.yml')!r}))\n"
            "assert 'numba' not in sys.modules\n"
            "m = c.matrix()\n"
            "k = compiled.kernel('matrix_walk')\n"
            "np.save(sys.argv[1] if len(sys.argv) > 1 else 'm.npy', m)\n"
            "print(json.dumps({'hits': sum(k.stats.cache_hits.values()), 'misses': sum(k.stats.cache_misses.values())}))\n")
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    first = json.loads(_python(code, env, cwd=tmp_path))
    m1 = np.load(tmp_path / "m.npy")
    assert first == {"hits": 0, "misses": 1}
    assert list((tmp_path / "cache").rglob("*.nbi")) and list((tmp_path / "cache").rglob("*.nbc"))
    second = json.loads(_python(code, env, cwd=tmp_path))
    assert second == {"hits": 1, "misses": 0}
    assert np.array_equal(np.load(tmp_path / "m.npy"), m1)


def test_without_a_writable_cache_directory_the_kernel_compiles_in_memory_silently():
    """As on a read-only install with a read-only home: no locator can write, numba refuses cache=True."""
    code = ("import numpy as np\n"
            "import numba.core.caching as caching\n"
            "def unwritable(self):\n"
            "    raise OSError(30, 'Read-only file system')\n"
            "caching._CacheLocator.ensure_cache_path = unwritable\n"
            "import numba\n"
            "def probe():\n"
            "    return 1\n"
            "try:\n"
            "    numba.njit(cache=True)(probe)\n"
            "except RuntimeError:\n"
            "    pass\n"
            "else:\n"
            "    raise SystemExit('numba accepted cache=True with no writable directory: the test simulates nothing')\n"
            "from picffm import compiled\n"
            "k = compiled.kernel('clements_push')\n"
            "assert type(k._cache).__name__ == 'NullCache', type(k._cache)\n"
            "delta = np.array([0.3, -0.2, 0.1]); phi = np.zeros(1)\n"
            "args = (np.array([0]), np.array([0]), np.array([1]), np.array([0.5]), np.array([0.25]), np.array([-0.75]))\n"
            "d1, p1 = delta.copy(), phi.copy(); k(*args, d1, p1)\n"
            "d2, p2 = delta.copy(), phi.copy(); compiled.clements_push(*args, d2, p2)\n"
            "assert np.array_equal(d1, d2) and np.array_equal(p1, p2)\n"
            "print('ok')\n")
    assert _python(code, {"NUMBA_CACHE_DIR": ""}) == "ok"


def test_the_cli_lists_the_freespace_choices_without_loading_the_optics():
    """``picffm`` registers ``freespace`` (MEDIA, ACTIVATIONS) at start-up: no scipy.fft / scipy.ndimage yet."""
    code = ("import sys\n"
            "from picffm.freespace.media import MEDIA\n"
            "from picffm.freespace.ffm import ACTIVATIONS\n"
            "import picffm.freespace as fs\n"
            "print(','.join(m for m in ('scipy.fft', 'scipy.ndimage', 'numba') if m in sys.modules) or 'none')\n"
            "fs.Propagator(fs.Grid(8, 8.0, 0.532), 100.0)\n"
            "print('scipy.fft' in sys.modules)\n")
    assert _python(code).split() == ["none", "True"]
