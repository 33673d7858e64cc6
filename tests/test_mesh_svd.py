"""``picffm mesh svd``: made, simulated, programmed and drawn like the other meshes, through the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from picffm.cli.main import main
from picffm.meshes import MESH_KINDS, mesh_netlist, svd
from picffm.netlist import load_netlist
from picffm.programming import svd_mesh


@pytest.mark.parametrize("n", [3, 4])
def test_svd_mesh_structure(n):
    net = svd(n)
    assert "svd" in MESH_KINDS and mesh_netlist("svd", n).to_dict() == net.to_dict() == svd_mesh(n).to_dict()
    comps = [i.component for i in net.instances.values()]
    assert comps.count("mzi") == n * (n - 1) and comps.count("attenuator") == n and comps.count("phase_shifter") == n
    assert net.info["kind"] == "svd"


def test_svd_mesh_cli_program_compile_and_layout(tmp_path, capsys):
    n = 4
    rng = np.random.default_rng(5)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    np.save(tmp_path / "a.npy", a)
    net_path = tmp_path / "svd4.pic.yml"
    assert main(["mesh", "svd", "-n", str(n), "-o", str(net_path)]) == 0
    assert load_netlist(net_path).to_dict() == svd(n).to_dict()
    assert main(["program", str(net_path), str(tmp_path / "a.npy"), "-o", str(tmp_path / "p.yml")]) == 0
    assert main(["compile", str(net_path), "--params", str(tmp_path / "p.yml"), "-o", str(tmp_path / "m.npy")]) == 0
    m = np.load(tmp_path / "m.npy")
    np.testing.assert_allclose(m * np.linalg.norm(a, 2), a, atol=1e-9)  # the mesh implements A / ||A||_2
    capsys.readouterr()
    assert main(["layout", str(net_path), "-o", str(tmp_path / "svd4.gds"), "--check"]) == 0
    out = capsys.readouterr().out
    assert "DRC clean" in out and f"LVS clean ({len(svd(n).instances)} instances" in out
