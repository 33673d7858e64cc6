"""picffm chip calibrate and picffm program --twin end to end."""

import json

import numpy as np
import pytest

from picffm.calibration import Twin
from picffm.chip.stats import random_symmetric
from picffm.cli.main import main
from picffm.meshes import symmetric_core
from picffm.netlist import save_netlist
from picffm.params import load_params


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cal")
    twin = tmp / "twin.json"
    assert main(["chip", "calibrate", "--chip", "fabricated", "-n", "4", "--seed", "3", "-o", str(twin),
                 "--quiet"]) == 0
    net = tmp / "core.pic.yml"
    save_netlist(symmetric_core(4), net)
    target = tmp / "w.npy"
    np.save(target, random_symmetric(4, np.random.default_rng(1)))
    return tmp, twin, net, target


def test_calibrate_prints_passes_time_and_noise_floor(tmp_path, capsys):
    out = tmp_path / "t.json"
    assert main(["chip", "calibrate", "--chip", "typical", "-n", "3", "-o", str(out)]) == 0
    cap = capsys.readouterr()
    assert "optical passes" in cap.out and "noise floor" in cap.out and "compute" in cap.out
    assert "phase sweeps" in cap.err  # progress goes to stderr
    twin = Twin.load(out, symmetric_core(3))
    assert twin.chip_identity["spec"] == "typical" and twin.chip_identity["seed"] == 0
    assert main(["chip", "calibrate", "--chip", "typical", "-n", "3", "-o", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["passes"] == twin.report.passes and rep["noise_floor"] > 0


def test_program_through_twin_reaches_high_fidelity_on_the_same_chip(calibrated, capsys):
    tmp, twin, net, target = calibrated
    out = tmp / "p.yml"
    assert main(["program", str(net), str(target), "--twin", str(twin), "-o", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["fidelity"] > 0.99 > 0.5 > rep["fidelity_ideal"]
    assert rep["chip"] == "fabricated, seed 3" and len(rep["fidelities"]) == 4
    pf = load_params(out)
    assert pf.info["fidelity"] == rep["fidelity"] and len(pf.params) == len(symmetric_core(4).instances)
    assert main(["program", str(net), str(target), "--twin", str(twin), "-o", str(out)]) == 0
    assert "fidelity on the chip" in capsys.readouterr().out


@pytest.mark.parametrize("case", ["bad_file", "other_netlist", "yaml_twin", "twin_as_output", "iterations"])
def test_one_line_errors(calibrated, tmp_path, capsys, case):
    tmp, twin, net, target = calibrated
    out = tmp_path / "p.yml"
    args = ["program", str(net), str(target), "--twin", str(twin), "-o", str(out)]
    if case == "bad_file":
        bad = tmp_path / "bad.json"
        bad.write_text('{"format": "picffm-twin-1", "netlist": 3}')
        args[4] = str(bad)
    elif case == "other_netlist":
        other = tmp_path / "core5.pic.yml"
        save_netlist(symmetric_core(5), other)
        args[1] = str(other)
    elif case == "yaml_twin":
        args = ["chip", "calibrate", "-n", "3", "-o", str(tmp_path / "t.yml")]
    elif case == "twin_as_output":
        args[-1] = str(twin)
    else:
        args += ["--iterations", "-1"]
    before = twin.read_bytes()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert twin.read_bytes() == before and not out.exists()
