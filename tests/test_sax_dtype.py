"""picffm's sax models give complex128 even when they run before sax is imported (fresh interpreters)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = """
import sys
import numpy as np
from picffm.interop.sax import model, touchstone_model
from picffm.models import mzi
assert "sax" not in sys.modules and "klujax" not in sys.modules
s = model("mzi")(theta=0.3, phi=1.1)
t = mzi(theta=np.float64(0.3), phi=np.float64(1.1))
print(s["o1", "o4"].dtype, s["o2", "o3"].dtype, abs(complex(s["o1", "o4"]) - complex(t[0, 0])))
print(touchstone_model(sys.argv[1])(wl=1.55)["port1", "port2"].dtype)
print("sax" in sys.modules)
"""


def test_models_are_complex128_before_sax_is_imported(tmp_path):
    # a reciprocal two-port at 192.5-194.5 THz (1.541-1.557 um); Touchstone 1 order S11 S21 S12 S22
    row = "0 0 0.3 0.1 0.3 0.1 0 0"
    (tmp_path / "two.s2p").write_text(f"# GHz S RI R 50\n192500 {row}\n194500 {row}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-W", "error", "-c", CODE, str(tmp_path / "two.s2p")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    first, second, third = out.stdout.split("\n")[:3]
    d1, d2, diff = first.split()
    assert (d1, d2) == ("complex128", "complex128")
    assert float(diff) < 1e-15  # float64 agreement with picffm.models (complex64 is ~1e-8)
    assert second == "complex128"
    assert third == "False"  # nothing imported sax behind the test's back
