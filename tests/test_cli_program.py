"""picffm program end to end: files in, parameter file out, checked through picffm compile."""

import json

import numpy as np
import pytest
from scipy.stats import unitary_group

from picffm.cli.main import main
from picffm.meshes import clements, reck, symmetric_core
from picffm.netlist import save_netlist
from picffm.params import load_params
from picffm.programming import svd_mesh
from picffm.simulation import Circuit


def rel(m, t):
    return np.linalg.norm(m - t) / np.linalg.norm(t)


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(11)
    paths = {}
    for kind, gen, n in (("clements", clements, 5), ("reck", reck, 4), ("symmetric", symmetric_core, 4),
                         ("svd", svd_mesh, 3)):
        paths[kind] = tmp_path / f"{kind}.pic.yml"
        save_netlist(gen(n), paths[kind])
    u5 = unitary_group.rvs(5, random_state=rng)
    u4 = unitary_group.rvs(4, random_state=rng)
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    targets = {"u5": u5, "u4": u4, "w4": (a + a.T) / 2, "a4": a, "g3": a[:3, :3]}
    return tmp_path, paths, targets


def compiled(tmp_path, netlist, params):
    """The matrix that 'picffm compile NETLIST --params PARAMS -o OUT.npy' writes."""
    out = tmp_path / "compiled.npy"
    assert main(["compile", str(netlist), "--params", str(params), "-o", str(out)]) == 0
    return np.load(out)


@pytest.mark.parametrize("kind,target,fmt", [
    ("clements", "u5", "npy"), ("clements", "u5", "csv"), ("reck", "u4", "savetxt_space"),
    ("symmetric", "w4", "npy"), ("symmetric", "w4", "csv"), ("svd", "g3", "npy"),
])
def test_program_then_compile_round_trip(files, capsys, kind, target, fmt):
    tmp, nets, targets = files
    t = targets[target]
    path = tmp / f"{target}.{'npy' if fmt == 'npy' else 'csv'}"
    if fmt == "npy":
        np.save(path, t)
    elif fmt == "csv":
        np.savetxt(path, t, delimiter=",")  # complex entries as (re+imj)
    else:
        np.savetxt(path, t)  # numpy's default: space separated
    out = tmp / "p.yml"
    assert main(["program", str(nets[kind]), str(path), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    pf = load_params(out)
    scale = pf.info["scale"]
    assert pf.info["kind"] == kind
    m = compiled(tmp, nets[kind], out)
    assert rel(m * scale, t) <= 1e-10
    assert f"{pf.info['relative_error']:.3g}" in text
    if kind in ("symmetric", "svd"):
        assert np.isclose(scale, np.linalg.norm(t, 2)) and "target/scale" in text
    else:
        assert scale == 1.0


def test_real_csv_and_json_output(files, capsys):
    tmp, nets, _ = files
    perm = np.eye(5)[[2, 0, 1, 4, 3]]
    (tmp / "perm.csv").write_text("# a permutation\n" + "\n".join(",".join(f"{v:g}" for v in row) for row in perm))
    out = tmp / "p.json"
    assert main(["program", str(nets["clements"]), str(tmp / "perm.csv"), "-o", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["kind"] == "clements" and rep["n"] == 5 and rep["scale"] == 1.0 and rep["relative_error"] < 1e-12
    assert rep["instances"] == 15 and rep["params"] == str(out)
    assert rel(Circuit.from_netlist(clements(5)).matrix(dict(load_params(out).params)), perm) < 1e-12


def test_symmetrize_option(files, capsys):
    tmp, nets, targets = files
    np.save(tmp / "a4.npy", targets["a4"])
    args = ["program", str(nets["symmetric"]), str(tmp / "a4.npy"), "-o", str(tmp / "p.yml")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("picffm: error: ") and err.count("\n") == 1 and "not symmetric" in err
    assert main(args + ["--symmetrize"]) == 0
    pf = load_params(tmp / "p.yml")
    assert pf.info["symmetrized"] is True and pf.info["target_asymmetry"] > 0.1
    a = targets["a4"]
    assert rel(compiled(tmp, nets["symmetric"], tmp / "p.yml") * pf.info["scale"], (a + a.T) / 2) < 1e-10


@pytest.mark.parametrize("case,message", [
    ("wrong_size", "u4.npy: target is 4x4 but the netlist has N = 5 modes: expected 5x5"),
    ("non_unitary", "not unitary (||U U^H - I||_F ="),
    ("nan_csv", "non-finite entry (nan+0j) at row 1, column 0"),
    ("bad_token", "bad.csv: line 2, entry 2: cannot read 'x' as a number"),
    ("ragged", "line 2 has 1 entries but the first row has 2"),
    ("missing", "missing.npy: no such file"),
    ("suffix", "unknown target file type '.txt'"),
    ("out_suffix", "unknown parameter file type '.txt'"),
    ("not_a_mesh", "cannot program this netlist"),
    ("npy_3d", "expected a 2-D matrix, got an array of shape (2, 2, 2)"),
])
def test_one_line_errors(files, capsys, case, message):
    tmp, nets, targets = files
    np.save(tmp / "u4.npy", targets["u4"])
    net, target, out = nets["clements"], tmp / "u4.npy", tmp / "p.yml"
    if case == "non_unitary":
        np.save(tmp / "g.npy", 0.5 * np.eye(5))
        target = tmp / "g.npy"
    elif case == "nan_csv":
        target = tmp / "nan.csv"
        target.write_text("1,0\nnan,1\n")
        net = nets["svd"].parent / "c2.pic.yml"
        save_netlist(clements(2), net)
    elif case == "bad_token":
        target = tmp / "bad.csv"
        target.write_text("1,0\n0,x\n")
    elif case == "ragged":
        target = tmp / "r.csv"
        target.write_text("1,0\n0\n")
    elif case == "missing":
        target = tmp / "missing.npy"
    elif case == "suffix":
        target = tmp / "u.txt"
        target.write_text("1")
    elif case == "out_suffix":
        out = tmp / "p.txt"
    elif case == "not_a_mesh":
        from picffm.meshes import mzi_netlist
        net = tmp / "mzi.pic.yml"
        save_netlist(mzi_netlist(), net)
    elif case == "npy_3d":
        target = tmp / "t3.npy"
        np.save(target, np.zeros((2, 2, 2)))
    assert main(["program", str(net), str(target), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("picffm: error: ") and message in err
    assert "Traceback" not in err and not out.exists()
