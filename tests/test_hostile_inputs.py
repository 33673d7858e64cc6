"""Hostile and broken input through the CLI: one clear line and exit 2 for each.

Every case here once ended in a traceback, a hang, a clobbered file or a
useless result. Each must now be refused by the check meant for it: exit 2,
one line on stderr naming the culprit, and never the top-level handler for
unexpected errors ("internal error", exit 1).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from picffm.cli.main import main
from picffm.meshes import clements, symmetric_core
from picffm.netlist import save_netlist

GOOD = """instances:
  a: {component: mzi, settings: {theta: 0.5}}
  b: {component: mzi}
connections:
  a,o3: b,o1
ports: {in0: 'a,o1', in1: 'a,o2', in2: 'b,o2', out0: 'a,o4', out1: 'b,o4', out2: 'b,o3'}
"""


def _bomb(indent: str = "") -> str:
    lines = [f"{indent}l0: &l0 [" + ",".join(['"x"'] * 9) + "]"]
    lines += [f"{indent}l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


def _deep(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    w = {}

    def put(name, text):
        (d / name).write_text(text)
        w[name] = str(d / name)

    put("listkey.yml", "instances:\n  ? [a, b]\n  : {component: mzi}\n")
    put("listcomp.yml", "instances:\n  a: {component: [mzi]}\n")
    put("date.yml", GOOD + "info:\n  made: 2024-01-01\n")
    put("set.yml", GOOD + "info:\n  s: !!set {a, b}\n")
    put("binary.yml", GOOD + "info:\n  b: !!binary aGVsbG8=\n")
    put("deep.json", '{"instances": ' + _deep() + "}")
    put("deepspec.json", '{"coupler": ' + _deep() + "}")
    put("deep.toml", "[drift]\ndrift_rates = " + _deep() + "\n")
    put("bigint.json", '{"instances": {"a": {"component": "mzi", "settings": {"theta": ' + "9" * 5000 + "}}}}")
    put("bigspec.json", '{"mirror_asymmetry": ' + "9" * 400 + "}")
    put("bigopt.yml", "pitch: " + "9" * 400 + "\n")
    put("rules.yml", "rules: [1, 2]\n")
    put("arc.yml", "arc_tolerance: 1.0e-300\n")
    put("teeth.yml", "gc_teeth: 1.0e300\n")
    put("bomb.yml", GOOD + "info:\n" + _bomb("  "))
    put("bombparams.yml", "params: {}\ninfo:\n" + _bomb("  "))
    put("newline.json", json.dumps({"instances": {"a\n": {"component": "phase_shifter"}},
                                    "ports": {"i": "a\n,o1", "o": "a\n,o2"}}))
    (d / "FILE").write_text("")
    w["FILE"] = str(d / "FILE")
    with open(d / "huge.npy", "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<c16", "fortran_order": False,
                                                  "shape": (10**6, 10**6)})
        fh.write(b"\0" * 64)
    w["huge.npy"] = str(d / "huge.npy")
    for name, value in (("sym1e308.npy", 1e308), ("subnormal.npy", 5e-324)):
        np.save(d / name, np.eye(4) * value)
        w[name] = str(d / name)
    save_netlist(symmetric_core(4), d / "sym4.pic.yml")
    save_netlist(clements(4), d / "cl4.pic.yml")
    w["sym4.pic.yml"], w["cl4.pic.yml"] = str(d / "sym4.pic.yml"), str(d / "cl4.pic.yml")
    run = d / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"config": {}, "methods": ["ffm"], "chips": ["typical"],
                                                 "seeds": [0]}))
    w["run"] = str(run)
    w["dir"] = str(d)
    return w


# argv (with {file} placeholders), a fragment of the expected message
CASES = [
    # the 23 inputs of the fuzzing campaign that ended in a traceback
    (["validate", "--json", "{listkey.yml}"], "line 2: a key must be text or a number, not a list"),
    (["validate", "--json", "{listcomp.yml}"], "instance 'a': unknown component ['mzi']"),
    (["validate", "--json", "{date.yml}"], "a date '2024-01-01' (YAML tag !!timestamp) is not supported"),
    (["validate", "--json", "{set.yml}"], "a set (YAML tag !!set) is not supported"),
    (["validate", "--json", "{binary.yml}"], "binary data 'aGVsbG8=' (YAML tag !!binary) is not supported"),
    (["validate", "{deep.json}"], "deep.json: nesting deeper than the limit of 100 levels"),
    (["chip", "inspect", "--chip", "{deepspec.json}"], "deepspec.json: nesting deeper than the limit of 100"),
    (["study", "drift", "--sweep", "{deep.toml}", "--out", "{dir}/s"], "deep.toml: nesting deeper than the limit"),
    (["validate", "{bigint.json}"], "bigint.json: integer with 5000 digits is beyond the limit of "
     "9223372036854775807"),
    (["chip", "inspect", "--chip", "{bigspec.json}"], "bigspec.json: integer with 400 digits is beyond the limit"),
    (["layout", "{cl4.pic.yml}", "-o", "{dir}/x.gds", "--options", "{bigopt.yml}"],
     "bigopt.yml: line 1: integer with 400 digits is beyond the limit"),
    (["program", "{sym4.pic.yml}", "{huge.npy}", "-o", "{dir}/p.yml"],
     "huge.npy: the header claims shape (1000000, 1000000) (1000000000000 entries), beyond the limit"),
    (["program", "{sym4.pic.yml}", "{sym1e308.npy}", "-o", "{dir}/p.yml"],
     "sym1e308.npy: target's largest entry magnitude 1e+308 is outside the supported range 1e-100 .. 1e+100"),
    (["layout", "{cl4.pic.yml}", "-o", "{dir}/x.gds", "--options", "{rules.yml}"],
     "rules.yml: rules must be a mapping of layer names"),
    (["layout", "{cl4.pic.yml}", "-o", "{dir}/x.gds", "--options", "{arc.yml}"],
     "arc.yml: layout option arc_tolerance = 1e-300 um is beyond the limit: valid 0.0001 .. 1 um"),
    (["mesh", "clements", "-n", "100000", "-o", "{dir}/m.json"], "-n 100000 is beyond the limit; valid: 2 .. 1024"),
    (["chip", "inspect", "-n", "100000"], "-n 100000 is beyond the limit; valid: 2 .. 128"),
    (["train", "iris", "--seeds", "100000000", "--out", "{dir}/r"], "--seeds 100000000 is beyond the limit of 1000"),
    (["train", "iris", "--seeds", "1e20", "--out", "{dir}/r"], "--seeds '1e20' is invalid"),
    (["chip", "inspect", "--seed", "-1"], "--seed -1 is invalid; a seed is an integer in 0 .. 9223372036854775807"),
    (["study", "drift", "--scheduler", "foo", "--out", "{dir}/s"], "--scheduler 'foo' is not a Dask scheduler"),
    (["study", "drift", "--out", "{FILE}/x"], "FILE is a file, not a directory"),
    (["train", "iris", "--out", "{run}", "--resume"], "config.json: not a valid picffm training run config"),
    # hangs and unbounded work
    (["layout", "{cl4.pic.yml}", "-o", "{dir}/x.gds", "--options", "{teeth.yml}"],
     "teeth.yml: layout option gc_teeth = 1e+300 is beyond the limit: valid 1 .. 1000"),
    (["chip", "inspect", "--samples", "100000000"], "--samples 100000000 is beyond the limit; valid: 1 .. 10000"),
    (["chip", "inspect", "--times", "100000000"], "--times 100000000 is beyond the limit; valid: 2 .. 10000"),
    (["chip", "inspect", "--window", "inf"], "--window inf is not a finite number"),
    (["study", "drift", "--seeds", "100000000", "--out", "{dir}/s"], "drift.seeds = 100000000"),
    (["study", "drift", "--workers", "100000", "--out", "{dir}/s"], "--workers '100000' is invalid"),
    (["train", "iris", "--workers", "100000", "--out", "{dir}/r"], "--workers '100000' is invalid"),
    # alias bombs
    (["validate", "--json", "{bomb.yml}"], "bomb.yml: line 13: YAML aliases expand this document by more than "
     "the limit of 100000 values"),
    (["compile", "{sym4.pic.yml}", "--params", "{bombparams.yml}"], "bombparams.yml: line 8: YAML aliases expand"),
    # useless results
    (["program", "{sym4.pic.yml}", "{subnormal.npy}", "-o", "{dir}/p.yml", "--json"],
     "subnormal.npy: target's largest entry magnitude 4.94e-324 is outside the supported range"),
    # identifiers anchored at the true end
    (["validate", "{newline.json}"], "instance name 'a\\n' is not an identifier"),
]


def _argv(argv, files):
    out = []
    for a in argv:
        for k, v in files.items():
            a = a.replace("{" + k + "}", v)
        out.append(a)
    return out


@pytest.mark.parametrize("argv, message", CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_refused_with_one_line_and_exit_2(files, capsys, argv, message):
    code = main(_argv(argv, files))
    out, err = capsys.readouterr()
    assert "internal error" not in err, err  # the top-level handler is for bugs, not for these
    assert code == 2, err
    assert err.startswith("picffm: error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert "Traceback" not in err and "NaN" not in out


def test_internal_errors_are_one_line_with_a_hint(monkeypatch, capsys):
    from picffm.cli import validate

    def broken(args):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(validate, "run", broken)  # main builds its parser on every call
    monkeypatch.delenv("PICFFM_DEBUG", raising=False)
    assert main(["validate", "x.yml"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("picffm: error: internal error: ZeroDivisionError: float division by zero; this is a bug")
    assert "report" in err
    monkeypatch.setenv("PICFFM_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["validate", "x.yml"])


@pytest.mark.parametrize("suffix", [".json", ".pic.yml"])
def test_output_equal_to_an_input_is_refused(files, tmp_path, capsys, suffix):
    net, target = tmp_path / f"n{suffix}", tmp_path / "t.npy"
    save_netlist(symmetric_core(4), net)
    a = np.random.default_rng(1).normal(size=(4, 4))
    np.save(target, a + a.T)
    before = net.read_bytes()
    link = tmp_path / f"link{suffix}"
    link.symlink_to(net)
    for alias in (str(net), str(tmp_path / "." / net.name), str(link)):
        assert main(["program", str(net), str(target), "-o", alias]) == 2
        err = capsys.readouterr().err
        assert "is the netlist" in err and "would overwrite the input" in err and err.count("\n") == 1
    assert net.read_bytes() == before
    spec = tmp_path / "s.toml"
    assert main(["chip", "spec", "mild", "-o", str(spec)]) == 0
    spec_before = spec.read_bytes()
    assert main(["chip", "spec", str(spec), "-o", str(spec)]) == 2
    assert "is the spec file read" in capsys.readouterr().err
    assert spec.read_bytes() == spec_before


def _rewired(n: int = 4) -> dict:
    """Clements netlist with the generator's structure but unbalanced couplers (programming assumes 50:50).

    (A netlist with two connections swapped no longer gets this far: the mesh
    plan is read from the structure and refuses it.)
    """
    doc = clements(n).to_dict()
    for inst in doc["instances"].values():
        if inst["component"] == "mzi":
            inst["settings"]["kappa1"] = 0.2
    return doc


def test_program_refuses_a_result_above_the_tolerance(tmp_path, capsys):
    from scipy.stats import unitary_group

    from picffm.netlist import Netlist

    net = tmp_path / "rewired.json"
    save_netlist(Netlist.from_dict(_rewired()), net)
    np.save(tmp_path / "u.npy", unitary_group.rvs(4, random_state=np.random.default_rng(3)))
    out = tmp_path / "p.json"
    assert main(["program", str(net), str(tmp_path / "u.npy"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "misses the target by a relative error of" in err and "above --tolerance 1e-06" in err
    assert "nothing written" in err and not out.exists()
    assert main(["program", str(net), str(tmp_path / "u.npy"), "-o", str(out), "--allow-error", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)  # valid JSON
    assert report["relative_error"] > 0.1 and report["within_tolerance"] is False and out.exists()
    # the generator's own netlist programs exactly and passes
    save_netlist(clements(4), tmp_path / "good.json")
    assert main(["program", str(tmp_path / "good.json"), str(tmp_path / "u.npy"), "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["relative_error"] < 1e-12 and report["within_tolerance"] is True


def test_json_output_never_holds_nan(tmp_path, capsys):
    path = tmp_path / "inf.json"
    doc = clements(2).to_dict()
    doc["info"]["gain"] = float("inf")
    path.write_text(json.dumps(doc))  # Python writes Infinity, which the reader accepts
    assert main(["validate", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))["info"]["gain"] is None


def test_spec_file_name_cannot_inject_toml_lines(tmp_path, capsys):
    from picffm.chip.spec import load_spec

    src = tmp_path / 'evil\n[coupler]\nkappa_std = 0.5\n".toml'
    assert main(["chip", "spec", "mild", "-o", str(src)]) == 0
    out = tmp_path / "copy.toml"
    assert main(["chip", "spec", str(src), "-o", str(out)]) == 0
    capsys.readouterr()
    text = out.read_text()
    assert text.splitlines()[0].startswith("# picffm chip spec ") and "\n[coupler]\nkappa_std = 0.5" not in text
    assert load_spec(out).to_dict() == load_spec(src).to_dict()
