"""End-to-end CLI: picffm mesh, validate, compile."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from picffm import models
from picffm.cli.main import main
from picffm.meshes import mesh_netlist
from picffm.netlist import dump_document, load_netlist, save_netlist
from picffm.params import load_params, save_params
from picffm.simulation import Circuit

ROOT = Path(__file__).resolve().parent.parent
NETLISTS = ROOT / "netlists"


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse errors exit from the parser
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, out, err, *fragments):
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("picffm: error: ")
    for f in fragments:
        assert f in err, err


@pytest.mark.parametrize("kind, n", [("clements", 3), ("reck", 4), ("symmetric", 5)])
@pytest.mark.parametrize("suffix", [".pic.yml", ".json"])
def test_mesh_writes_the_generator_netlist(tmp_path, capsys, kind, n, suffix):
    path = tmp_path / f"m{suffix}"
    code, out, err = run(capsys, "mesh", kind, "-n", n, "-o", path)
    assert code == 0 and err == ""
    assert out.startswith(f"wrote {path}: {kind} mesh, N = {n}")
    assert path.read_text() == dump_document(mesh_netlist(kind, n).to_dict(), path)
    assert load_netlist(path) == mesh_netlist(kind, n)


def test_mesh_json(tmp_path, capsys):
    code, out, _ = run(capsys, "mesh", "symmetric", "-n", 4, "-o", tmp_path / "s.pic.yml", "--json")
    assert code == 0
    assert json.loads(out) == {"path": str(tmp_path / "s.pic.yml"), "kind": "symmetric", "n": 4,
                               "instances": 16, "components": {"attenuator": 4, "mzi": 12}}


def test_mesh_errors(tmp_path, capsys):
    one_line_error(*run(capsys, "mesh", "clements", "-n", 1, "-o", tmp_path / "a.pic.yml"),
                   "mesh size N must be an integer >= 2, got 1")
    one_line_error(*run(capsys, "mesh", "clements", "-n", 4, "-o", tmp_path / "a.txt"),
                   "unknown netlist file type '.txt'")
    one_line_error(*run(capsys, "mesh", "clements", "-n", 4, "-o", tmp_path / "nodir" / "a.pic.yml"),
                   "does not exist")
    one_line_error(*run(capsys, "mesh", "hexagonal", "-n", 4, "-o", tmp_path / "a.pic.yml"),
                   "invalid choice: 'hexagonal'")
    one_line_error(*run(capsys, "mesh", "clements", "-n", "four", "-o", tmp_path / "a.pic.yml"),
                   "invalid int value")
    assert not list(tmp_path.iterdir())


def test_validate_text_and_json(capsys):
    code, out, _ = run(capsys, "validate", NETLISTS / "clements_4.pic.yml")
    assert code == 0
    assert out.splitlines() == [
        f"{NETLISTS / 'clements_4.pic.yml'}: valid",
        "instances: 10 (mzi 6, phase_shifter 4), connections: 12",
        "ports: 4 inputs, 4 outputs (N = 4)",
        "route: feed-forward schedule, 5 columns",
    ]
    code, out, _ = run(capsys, "validate", NETLISTS / "ring_allpass.pic.yml", "--json")
    s = json.loads(out)
    assert code == 0 and s["route"] == "general" and "loop" in s["reason"]
    assert s["components"] == {"coupler": 1, "waveguide": 1} and s["n"] == 1 and s["columns"] is None


def test_compile_with_params_writes_npy_and_csv(tmp_path, capsys):
    net, params = NETLISTS / "clements_4.pic.yml", NETLISTS / "clements_4.params.yml"
    expected = Circuit.from_netlist(load_netlist(net)).matrix(dict(load_params(params).params))
    assert np.linalg.norm(expected - np.eye(4)) > 1  # the parameters matter
    for suffix in (".npy", ".csv"):
        out_path = tmp_path / f"t{suffix}"
        code, out, err = run(capsys, "compile", net, "--params", params, "-o", out_path)
        assert code == 0 and err == ""
        got = np.load(out_path) if suffix == ".npy" else np.loadtxt(out_path, delimiter=",", dtype=complex)
        np.testing.assert_array_equal(got, expected)
        assert f"wrote {out_path}" in out
    assert "route: feed-forward" in out and "matrix: 4 outputs x 4 inputs (N = 4)" in out
    assert "unitarity error ||T T^H - I||_F: " in out and "symmetry error ||T - T^T||_F: " in out


def test_compile_json_figures(tmp_path, capsys):
    # a symmetric core with tied random settings, lossless MZIs and 1.5 dB in each attenuator
    from _core_reference import random_mesh_params, tie_mirror

    net = mesh_netlist("symmetric", 4)
    circ = Circuit.from_netlist(net)
    params = tie_mirror(random_mesh_params(circ.schedule.names, np.random.default_rng(3), kappa_std=0.05))
    for name in circ.schedule.names["attenuator"]:
        params[name].update(theta=np.pi, loss_db=1.5)  # fully open, 1.5 dB
    save_netlist(net, tmp_path / "s.pic.yml")
    save_params(tmp_path / "p.json", params)
    code, out, _ = run(capsys, "compile", tmp_path / "s.pic.yml", "--params", tmp_path / "p.json", "--json")
    r = json.loads(out)
    assert code == 0 and r["route"] == "feed-forward" and r["n"] == 4 and r["output"] is None
    assert r["symmetry_error_fro"] < 1e-12
    # every path crosses exactly one attenuator
    assert r["insertion_loss_db"]["per_input"] == pytest.approx([1.5] * 4, abs=1e-9)
    assert r["insertion_loss_db"]["mean"] == pytest.approx(1.5) and r["insertion_loss_db"]["worst"] == pytest.approx(1.5)
    t = 10 ** (-1.5 / 20)
    assert r["unitarity_error_fro"] == pytest.approx(2 * (1 - t**2), rel=1e-9)  # sqrt(N) (1 - |t|^2)


def test_compile_general_route_and_non_square(tmp_path, capsys):
    code, out, _ = run(capsys, "compile", NETLISTS / "ring_allpass.pic.yml", "--json")
    r = json.loads(out)
    assert code == 0 and r["route"] == "general" and r["n"] == 1
    assert r["insertion_loss_db"]["mean"] > 0  # a lossy ring
    save_netlist(load_netlist(NETLISTS / "mzi.pic.yml").with_settings({"mzi_c0_m0": {"theta": 1.0}}),
                 tmp_path / "m.pic.yml")
    doc = load_netlist(tmp_path / "m.pic.yml").to_dict()
    doc["instances"]["t"] = {"component": "terminator", "settings": {}}
    doc["connections"][doc["ports"].pop("out1")] = "t,o1"
    (tmp_path / "term.json").write_text(json.dumps(doc))
    code, out, _ = run(capsys, "compile", tmp_path / "term.json", "-o", tmp_path / "t.npy")
    assert code == 0 and "matrix: 1 output x 2 inputs (not square)" in out
    assert "symmetry error ||T - T^T||_F: n/a (not square)" in out
    np.testing.assert_allclose(np.load(tmp_path / "t.npy"), models.mzi(theta=1.0)[:1], atol=1e-15)


def test_compile_errors(tmp_path, capsys):
    net = NETLISTS / "clements_4.pic.yml"
    one_line_error(*run(capsys, "compile", net, "-o", tmp_path / "t.txt"),
                   f"{tmp_path / 't.txt'}: unknown matrix file type '.txt'; use .npy or .csv (the transfer matrix) "
                   "or .sNp (Touchstone")
    one_line_error(*run(capsys, "compile", net, "-o", tmp_path / "no" / "t.npy"), "does not exist")
    one_line_error(*run(capsys, "compile", net, "--params", tmp_path / "nope.yml"),
                   f"{tmp_path / 'nope.yml'}: no such file")
    save_params(tmp_path / "p.yml", {"mzi_c9_m9": {"theta": 1.0}})
    one_line_error(*run(capsys, "compile", net, "--params", tmp_path / "p.yml"),
                   f"{tmp_path / 'p.yml'}: parameter for unknown instance 'mzi_c9_m9'")
    save_params(tmp_path / "p.yml", {"mzi_c0_m0": {"theta": 1e6}})
    one_line_error(*run(capsys, "compile", net, "--params", tmp_path / "p.yml"),
                   f"{tmp_path / 'p.yml'}: instance 'mzi_c0_m0': setting 'theta' = 1000000.0 is out of range")
    (tmp_path / "p.yml").write_text("phases: {}\n")
    one_line_error(*run(capsys, "compile", net, "--params", tmp_path / "p.yml"),
                   "unknown top-level key 'phases'; valid keys: params, netlist, info")
    one_line_error(*run(capsys, "compile", tmp_path / "nope.pic.yml"), "no such file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yml"]


def test_compile_refuses_a_circuit_without_ports(tmp_path, capsys):
    (tmp_path / "closed.pic.yml").write_text("instances:\n  wg: {component: waveguide}\nconnections:\n  wg,o2: wg,o1\n")
    code, out, _ = run(capsys, "validate", tmp_path / "closed.pic.yml")
    assert code == 0 and "ports: 0 inputs, 0 outputs" in out
    one_line_error(*run(capsys, "compile", tmp_path / "closed.pic.yml"),
                   "0 input and 0 output ports: no transfer matrix to compute")
