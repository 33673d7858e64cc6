"""Netlist files: the bad-netlist corpus (library and CLI), round trips, schema, examples."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from picffm.cli.main import main
from picffm.errors import NetlistError
from picffm.meshes import clements, mzi_netlist, reck, symmetric_core
from picffm.netlist import Netlist, load_netlist, netlist_json_schema, read_document, save_netlist

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad_netlists"

#: file in tests/data/bad_netlists -> the message that must follow "<file>: "
BAD_CASES = {
    "unknown_top_level_key.pic.yml": "unknown top-level key 'wires'; valid keys: instances, connections, nets, ports, placements, info",
    "unknown_component.pic.yml": "instance 'b': unknown component 'mzii'; valid components: attenuator, combiner, coupler, mzi, phase_shifter, splitter, terminator, waveguide",
    "unknown_setting.pic.yml": "instance 'a' (mzi): unknown setting 'thetta'; valid settings: theta (float",
    "ill_typed_setting.pic.yml": "instance 'a': setting 'theta' must be a number (rad), got 'fast'",
    "ill_typed_bool_setting.pic.yml": "instance 'a': setting 'mirror' must be true or false, got 1",
    "out_of_range_setting.pic.yml": "instance 'a': setting 'kappa1' = 1.5 is out of range; valid: kappa1 (float in [0, 1], power coupling)",
    "nan_setting.pic.yml": "instance 'a': setting 'theta' = nan is out of range",
    "port_does_not_exist.pic.yml": "connection 'a,o3': 'b,o5': instance 'b' (mzi) has no port 'o5'; its ports are o1, o2, o3, o4",
    "instance_does_not_exist.pic.yml": "connection 'a,o3': 'c,o1': no instance 'c'; instances include a, b",
    "port_connected_twice.pic.yml": "port 'a,o3' is connected twice (connection 'a,o3' and external port 'in2')",
    "port_connected_twice_by_connections.pic.yml": "port 'b,o1' is connected twice (connection 'a,o3' and connection 'a,o4')",
    "dangling_port.pic.yml": "instance 'b' (mzi): port 'o3' is not connected and is not an external port",
    "duplicate_external_port_name.pic.yml": "line 8: duplicate key 'in0'",
    "duplicate_external_port_binding.pic.yml": "port 'b,o3' is connected twice (external port 'out2' and external port 'out3')",
    "duplicate_key.json": "duplicate key 'in0'",
    "non_identifier_instance_name.pic.yml": "instance name 'b-1' is not an identifier",
    "non_identifier_external_port.pic.yml": "external port name 'out-0' is not an identifier",
    "malformed_reference.pic.yml": "connection 'a:o3': 'a:o3' is not of the form 'instance,port'",
    "empty.pic.yml": "empty netlist: expected a mapping with 'instances', 'connections' and 'ports'",
    "empty_comment_only.pic.yml": "empty netlist",
    "not_a_mapping.pic.yml": "a netlist must be a mapping, got list",
    "not_a_mapping.json": "a netlist must be a mapping, got list",
    "no_instances.pic.yml": "'instances' is empty: a netlist needs at least one instance",
    "invalid_yaml.pic.yml": "invalid YAML at line 3, column 6: did not find expected ',' or '}'",
    "invalid_json.json": "invalid JSON at line 2, column 26: Expecting property name enclosed in double quotes",
    "ill_typed_placement.pic.yml": "placements of 'a': 'x' must be a finite number (um), got 'left'",
    "wrong_extension.txt": "unknown netlist file type '.txt'; use .pic.yml, .yml, .yaml or .json",
}


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_corpus_is_complete():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_CASES)


def test_corpus_base_is_valid():
    """The corpus files are one-edit mutations of this valid netlist."""
    net = load_netlist(DATA / "good_small.pic.yml")
    assert len(net.instances) == 2 and net.input_ports == ("in0", "in1", "in2")


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_netlist_library_message(name):
    path = BAD / name
    with pytest.raises(NetlistError) as info:
        load_netlist(path)
    assert str(info.value).startswith(f"{path}: ")
    assert BAD_CASES[name] in str(info.value)


@pytest.mark.parametrize("command", ["validate", "compile"])
@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_netlist_cli_message(name, command, capsys):
    path = BAD / name
    assert main([command, str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"picffm: error: {path}: ")
    assert BAD_CASES[name] in err


def test_bad_netlist_subprocess_no_traceback():
    path = BAD / "unknown_setting.pic.yml"
    res = subprocess.run([sys.executable, "-m", "picffm", "validate", str(path)], capture_output=True, text=True)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and res.stderr.startswith(f"picffm: error: {path}: ")


def test_missing_file(tmp_path, capsys):
    with pytest.raises(NetlistError, match="no such file"):
        load_netlist(tmp_path / "nope.pic.yml")
    assert main(["validate", str(tmp_path / "nope.pic.yml")]) == 2
    assert capsys.readouterr().err == f"picffm: error: {tmp_path / 'nope.pic.yml'}: no such file\n"


def test_yaml_exponent_floats_without_dot_are_numbers(tmp_path):
    text = (DATA / "good_small.pic.yml").read_text().replace("theta: 0.5", "theta: 5e-1")
    (tmp_path / "n.pic.yml").write_text(text)
    assert load_netlist(tmp_path / "n.pic.yml").instances["a"].settings["theta"] == 0.5


# ----------------------------------------------------------------- round trips

def _randomise(net: Netlist, rng: np.random.Generator) -> Netlist:
    doc = net.to_dict()
    for inst in doc["instances"].values():
        s = inst["settings"]
        if inst["component"] == "mzi":
            s.update(theta=float(rng.uniform(-10, 10)), phi=float(rng.normal()) * 1e-7,
                     kappa1=float(rng.uniform(0, 1)), loss_db=float(rng.uniform(0, 1)))
        elif inst["component"] in ("phase_shifter",):
            s["phi"] = float(rng.uniform(0, 7))
        elif inst["component"] == "attenuator":
            s.update(theta=float(rng.uniform(0, 7)), psi=1e-300)
    doc["info"]["note"] = "round trip"
    doc["placements"] = {next(iter(doc["instances"])): {"x": 1.5, "y": -2.0, "rotation": 90.0, "mirror": True}}
    return Netlist.from_dict(doc)


@settings(max_examples=10, deadline=None)
@given(kind=st.sampled_from(["clements", "reck", "symmetric", "mzi"]), n=st.sampled_from([2, 3, 4, 7]),
       seed=st.integers(0, 2**32 - 1), suffix=st.sampled_from([".pic.yml", ".json", ".yaml"]))
def test_save_load_round_trip_is_identity(tmp_path_factory, kind, n, seed, suffix):
    gens = {"clements": clements, "reck": reck, "symmetric": symmetric_core, "mzi": lambda n: mzi_netlist()}
    net = _randomise(gens[kind](n), np.random.default_rng(seed))
    d = tmp_path_factory.mktemp("rt")
    save_netlist(net, d / f"a{suffix}")
    back = load_netlist(d / f"a{suffix}")
    assert back == net
    assert back.to_dict() == net.to_dict()
    assert list(back.instances) == list(net.instances) and list(back.ports) == list(net.ports)
    save_netlist(back, d / f"b{suffix}")
    assert (d / f"b{suffix}").read_bytes() == (d / f"a{suffix}").read_bytes()
    assert Netlist.from_dict(net.to_dict()) == net


def test_yaml_and_json_agree(tmp_path):
    net = _randomise(symmetric_core(3), np.random.default_rng(0))
    save_netlist(net, tmp_path / "a.pic.yml")
    save_netlist(net, tmp_path / "a.json")
    assert read_document(tmp_path / "a.pic.yml") == read_document(tmp_path / "a.json")


def test_with_settings_validates():
    net = clements(3)
    new = net.with_settings({"mzi_c0_m0": {"theta": 1.25}})
    assert new.instances["mzi_c0_m0"].settings["theta"] == 1.25
    assert net.instances["mzi_c0_m0"].settings["theta"] == 0.0
    with pytest.raises(NetlistError, match="no instance 'nope'"):
        net.with_settings({"nope": {"theta": 1.0}})
    with pytest.raises(NetlistError, match="out of range"):
        net.with_settings({"mzi_c0_m0": {"kappa1": -0.1}})


def test_port_order_is_file_order():
    net = Netlist.from_dict({
        "instances": {"m": {"component": "mzi"}},
        "ports": {"z_out": "m,o3", "b_in": "m,o2", "a_out": "m,o4", "c_in": "m,o1"},
    })
    assert net.input_ports == ("b_in", "c_in") and net.output_ports == ("z_out", "a_out")


# ---------------------------------------------------------- examples and schema

def test_committed_netlists_match_the_script():
    files = _script("make_netlists").build()
    for name, text in files.items():
        assert (ROOT / "netlists" / name).read_text(encoding="utf-8") == text, f"netlists/{name} is stale"
    required = {"mzi.pic.yml", "clements_4.pic.yml", "reck_4.pic.yml", "clements_16.pic.yml",
                "symmetric_core_16.pic.yml", "clements_64.pic.yml"}
    assert required <= set(files) and any(n.endswith(".json") for n in files)


def test_committed_schema_is_current():
    text = (ROOT / "picffm" / "schema" / "netlist.schema.json").read_text(encoding="utf-8")
    assert text == _script("make_schema").schema_text()
    assert json.loads(text) == netlist_json_schema()


def _check(instance, schema, path="$") -> list[str]:
    """Minimal JSON-schema validator for the keywords our schema uses (jsonschema is not a dependency)."""
    errors: list[str] = []
    types = {"object": dict, "string": str, "boolean": bool, "array": list}
    t = schema.get("type")
    if t == "number":
        if isinstance(instance, bool) or not isinstance(instance, (int, float)):
            return [f"{path}: not a number"]
    elif t is not None and not isinstance(instance, types[t]):
        return [f"{path}: not {t}"]
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: != {schema['const']!r}")
    if "minimum" in schema and instance < schema["minimum"]:
        errors.append(f"{path}: < minimum")
    if "maximum" in schema and instance > schema["maximum"]:
        errors.append(f"{path}: > maximum")
    if "pattern" in schema and not re.search(schema["pattern"], instance):
        errors.append(f"{path}: does not match {schema['pattern']}")
    if "oneOf" in schema:
        ok = [s for s in schema["oneOf"] if not _check(instance, s, path)]
        if len(ok) != 1:
            errors.append(f"{path}: matches {len(ok)} of oneOf")
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing {key}")
        if len(instance) < schema.get("minProperties", 0):
            errors.append(f"{path}: too few properties")
        for key, value in instance.items():
            if "propertyNames" in schema:
                errors += _check(key, {"type": "string", **schema["propertyNames"]}, f"{path}.{key}(name)")
            if key in props:
                errors += _check(value, props[key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _check(value, schema["additionalProperties"], f"{path}.{key}")
    return errors


def test_every_committed_netlist_validates_against_the_schema():
    schema = json.loads((ROOT / "picffm" / "schema" / "netlist.schema.json").read_text())
    files = [p for p in (ROOT / "netlists").iterdir() if not p.name.endswith(".params.yml")]
    assert len(files) >= 7
    for p in files:
        assert _check(read_document(p), schema) == [], p.name


@pytest.mark.parametrize("name", ["unknown_top_level_key.pic.yml", "unknown_component.pic.yml",
                                  "unknown_setting.pic.yml", "ill_typed_setting.pic.yml",
                                  "ill_typed_bool_setting.pic.yml", "out_of_range_setting.pic.yml",
                                  "port_does_not_exist.pic.yml", "non_identifier_instance_name.pic.yml",
                                  "non_identifier_external_port.pic.yml", "malformed_reference.pic.yml",
                                  "no_instances.pic.yml", "not_a_mapping.json"])
def test_schema_rejects_what_the_loader_rejects(name):
    schema = netlist_json_schema()
    assert _check(read_document(BAD / name), schema) != []


def test_integer_beyond_float_range_is_out_of_range(tmp_path):
    (tmp_path / "big.pic.yml").write_text(
        "instances:\n  a: {component: phase_shifter, settings: {phi: " + "9" * 400 + "}}\n"
        "ports: {i: 'a,o1', o: 'a,o2'}\n")
    with pytest.raises(NetlistError, match="line 2: integer with 400 digits is beyond the limit of "
                       "9223372036854775807"):
        load_netlist(tmp_path / "big.pic.yml")
    doc = {"instances": {"a": {"component": "phase_shifter", "settings": {"phi": 10**400}}},
           "ports": {"i": "a,o1", "o": "a,o2"}}
    with pytest.raises(NetlistError, match="setting 'phi' = inf is out of range"):
        Netlist.from_dict(doc)  # the library route converts and range-checks


@pytest.mark.parametrize("suffix", [".pic.yml", ".json"])
def test_strings_that_look_like_numbers_survive_a_round_trip(tmp_path, suffix):
    doc = mzi_netlist().to_dict()
    doc["info"].update(version="1e3", dot="1.5", word="x1e3", number=1e-3, flag=True, nothing=None)
    net = Netlist.from_dict(doc)
    save_netlist(net, tmp_path / f"n{suffix}")
    assert dict(load_netlist(tmp_path / f"n{suffix}").info) == dict(net.info)
