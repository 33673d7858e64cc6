"""Parameter files: form checks, round trips, errors naming the file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from picffm.errors import ParamsError
from picffm.meshes import clements
from picffm.params import ParamFile, load_params, save_params, validate_params
from picffm.schedule import compile_netlist
from picffm.simulation import Circuit


@pytest.mark.parametrize("suffix", [".yml", ".pic.yml", ".json"])
def test_round_trip_is_identity(tmp_path, suffix):
    rng = np.random.default_rng(1)
    params = {f"mzi_c{c}_m{m}": {"theta": float(rng.uniform(-7, 7)), "phi": np.float64(rng.normal()),
                                 "mirror": bool(c % 2)} for c in range(3) for m in range(2)}
    params["ps_m0"] = {"phi": 1e-20}
    info = {"scale": 1.7, "kind": "symmetric", "target": "w.npy", "shape": (3, 3)}
    path = tmp_path / f"p{suffix}"
    save_params(path, params, info)
    pf = load_params(path)
    assert isinstance(pf, ParamFile) and pf.source == str(path)
    assert {k: dict(v) for k, v in pf.params.items()} == {k: {s: (v.item() if isinstance(v, np.generic) else v)
                                                                for s, v in d.items()} for k, d in params.items()}
    assert type(pf.params["mzi_c0_m0"]["phi"]) is float
    assert dict(pf.info) == {"scale": 1.7, "kind": "symmetric", "target": "w.npy", "shape": [3, 3]}
    # saving what was loaded gives the same bytes (deterministic output)
    again = tmp_path / f"q{suffix}"
    save_params(again, pf.params, pf.info)
    assert again.read_bytes() == path.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_info_is_optional_and_params_are_read_only(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"params": {"ps_m0": {"phi": 1}}}))
    pf = load_params(path)
    assert dict(pf.info) == {}
    with pytest.raises(TypeError):
        pf.params["ps_m0"]["phi"] = 2.0  # type: ignore[index]


def test_yaml_exponent_without_dot_is_a_number(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("params:\n  ps_m0: {phi: 1e-3}\n  ps_m1: {phi: -2E+1}\n")
    pf = load_params(path)
    assert pf.params["ps_m0"]["phi"] == 1e-3 and pf.params["ps_m1"]["phi"] == -20.0


@pytest.mark.parametrize(
    "doc, message",
    [
        (None, "empty parameter file"),
        ({}, "empty parameter file"),
        ([1, 2], "must be a mapping, got list"),
        ({"params": {}, "phases": {}}, "unknown top-level key 'phases'; valid keys: params, netlist, info"),
        ({"info": {}}, "missing 'params'"),
        ({"params": [1]}, "'params' must be a mapping"),
        ({"params": {"1bad": {}}}, "instance name '1bad' is not an identifier"),
        ({"params": {"a": 3}}, "params of 'a' must be a mapping"),
        ({"params": {"a": {"theta": "x"}}}, "setting 'theta' must be a number or true/false"),
        ({"params": {"a": {"theta": float("nan")}}}, "setting 'theta' must be finite"),
        ({"params": {}, "info": 3}, "'info' must be a mapping"),
    ],
)
def test_bad_documents(doc, message):
    with pytest.raises(ParamsError, match="^f.yml: .*" + message.replace("(", r"\(").replace("[", r"\[")):
        validate_params(doc, source="f.yml")


@pytest.mark.parametrize(
    "text, suffix, message",
    [
        ("params: {a: [1,\n", ".yml", "invalid YAML"),
        ('{"params": ', ".json", "invalid JSON"),
        ("params:\n  a: {theta: 1}\n  a: {theta: 2}\n", ".yml", "duplicate key 'a'"),
        ("params: {}\n", ".txt", "unknown parameter file type"),
    ],
)
def test_bad_files_name_the_file(tmp_path, text, suffix, message):
    path = tmp_path / f"p{suffix}"
    path.write_text(text)
    with pytest.raises(ParamsError, match=f"^{path}: .*{message}"):
        load_params(path)


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="no such file"):
        load_params(tmp_path / "nope.yml")


def test_settings_against_netlist_prefix_file_name(tmp_path):
    sched = compile_netlist(clements(3))
    path = tmp_path / "p.yml"
    for params, message in [
        ({"nope": {"theta": 1.0}}, "parameter for unknown instance 'nope'"),
        ({"mzi_c0_m0": {"kappa": 0.5}}, "has no setting 'kappa'; valid: theta, phi"),
        ({"mzi_c0_m0": {"theta": 1e9}}, "out of range"),
        ({"mzi_c0_m0": {"mirror": 1.0}}, "must be true or false"),
    ]:
        save_params(path, params)
        with pytest.raises(ParamsError, match=f"^{path}: .*{message}"):
            sched.params(load_params(path))


def test_settings_apply_to_circuit(tmp_path):
    net = clements(4)
    circ = Circuit.from_netlist(net)
    rng = np.random.default_rng(3)
    params = {name: {"theta": float(rng.uniform(0, 6)), "phi": float(rng.uniform(0, 6))}
              for name in circ.schedule.names["mzi"]}
    path = tmp_path / "p.json"
    save_params(path, params)
    pf = load_params(path)
    np.testing.assert_array_equal(circ.matrix(pf), circ.matrix(params))
    np.testing.assert_array_equal(circ.matrix(circ.schedule.params(pf)), circ.matrix(params))


def test_integer_beyond_float_range(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("params:\n  ps_m0: {phi: " + "9" * 400 + "}\n")
    with pytest.raises(ParamsError, match=f"^{path}: line 2: integer with 400 digits is beyond the limit"):
        load_params(path)
    with pytest.raises(ParamsError, match="setting 'phi' is an integer beyond float range"):
        validate_params({"params": {"ps_m0": {"phi": 10**400}}})
    with pytest.raises(ParamsError, match="out of range"):
        compile_netlist(clements(3)).params({"ps_m0": {"phi": 10**400}})
