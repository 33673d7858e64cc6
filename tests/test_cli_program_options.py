"""``picffm program`` options that do not apply, and netlists that are no mesh: refused, not ignored."""

import numpy as np
import pytest

from picffm.meshes import mesh_netlist, symmetric_core
from picffm.netlist import save_netlist

from _cli import run


@pytest.fixture()
def files(tmp_path):
    paths = {}
    for kind, n in (("clements", 4), ("reck", 3), ("svd", 2), ("symmetric", 3)):
        paths[kind] = tmp_path / f"{kind}.pic.yml"
        save_netlist(mesh_netlist(kind, n), paths[kind])
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    np.save(tmp_path / "u4.npy", q)
    np.save(tmp_path / "u3.npy", np.linalg.qr(rng.normal(size=(3, 3)))[0])
    np.save(tmp_path / "a2.npy", rng.normal(size=(2, 2)))
    return tmp_path, paths


@pytest.mark.parametrize("kind,target,article", [("clements", "u4", "a"), ("reck", "u3", "a"), ("svd", "a2", "an")])
def test_symmetrize_on_a_mesh_that_is_not_a_symmetric_core_is_refused(files, capsys, kind, target, article):
    tmp, paths = files
    out = tmp / "p.yml"
    code, _, err = run(["program", str(paths[kind]), str(tmp / f"{target}.npy"), "-o", str(out), "--symmetrize"],
                       capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"--symmetrize applies to a symmetric core; {paths[kind]} is {article} {kind} mesh" in err
    assert not out.exists()


def test_iterations_without_a_twin_is_refused(files, capsys):
    tmp, paths = files
    out = tmp / "p.yml"
    code, _, err = run(["program", str(paths["clements"]), str(tmp / "u4.npy"), "-o", str(out), "--iterations", "5"],
                       capsys)
    assert code == 2 and "--iterations 5" in err and "--twin" in err and not out.exists()
    # without the option the same command programs the mesh
    code, out_text, _ = run(["program", str(paths["clements"]), str(tmp / "u4.npy"), "-o", str(out)], capsys)
    assert code == 0 and out.exists()


def test_a_netlist_without_a_schedule_is_named_as_not_programmable(tmp_path, capsys):
    import os

    ring = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "netlists",
                        "ring_allpass.pic.yml")
    np.save(tmp_path / "one.npy", np.eye(1))
    code, _, err = run(["program", ring, str(tmp_path / "one.npy"), "-o", str(tmp_path / "p.yml")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "cannot program this netlist: the circuit has a loop" in err and "picffm mesh" in err


def test_the_unitary_hint_names_the_commands_that_make_the_other_meshes(files, capsys):
    tmp, paths = files
    np.save(tmp / "w4.npy", np.arange(16.0).reshape(4, 4))
    code, _, err = run(["program", str(paths["clements"]), str(tmp / "w4.npy"), "-o", str(tmp / "p.yml")], capsys)
    assert code == 2 and "'picffm mesh svd'" in err and "'picffm mesh symmetric'" in err


def test_symmetrize_still_programs_a_symmetric_core(tmp_path, capsys):
    net = tmp_path / "core.pic.yml"
    save_netlist(symmetric_core(3), net)
    a = np.random.default_rng(0).normal(size=(3, 3))
    np.save(tmp_path / "a.npy", a)
    code, out, _ = run(["program", str(net), str(tmp_path / "a.npy"), "-o", str(tmp_path / "p.yml"), "--symmetrize"],
                       capsys)
    assert code == 0 and "programmed its symmetric part" in out


def test_a_zero_target_reports_the_blocked_matrix_not_a_relative_error(tmp_path, capsys):
    net = tmp_path / "core.pic.yml"
    save_netlist(symmetric_core(3), net)
    np.save(tmp_path / "z.npy", np.zeros((3, 3)))
    code, out, _ = run(["program", str(net), str(tmp_path / "z.npy"), "-o", str(tmp_path / "p.yml")], capsys)
    assert code == 0
    assert "relative error" not in out and "zero target: every attenuator blocks" in out
    from picffm.params import load_params
    from picffm.simulation import Circuit

    m = Circuit.from_netlist(symmetric_core(3)).matrix(load_params(tmp_path / "p.yml").params)
    assert np.linalg.norm(m) < 1e-12  # the file really blocks every path


def test_a_netlist_given_as_parameter_file_is_named_as_a_netlist(tmp_path, capsys):
    net = tmp_path / "core.pic.yml"
    save_netlist(symmetric_core(3), net)
    code, _, err = run(["compile", str(net), "--params", str(net)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "unknown top-level key 'instances'" in err and "this looks like a netlist" in err
