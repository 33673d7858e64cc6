"""Property-based fuzzing of every file and option the CLI reads (hypothesis).

Mutated netlists, parameter files, chip specs, sweep files, layout options,
target matrices and option values go through the real command lines in one
worker subprocess (``tests/_fuzz_worker.py``) whose address space is limited
(``RLIMIT_AS``) and whose cases are timed out. For every case:

* the exit code is 0 or 2 (never 1: the top-level handler for bugs);
* stderr holds at most one line, and exactly one ``picffm: error: ...`` line
  when the code is 2; no traceback;
* no input file changed (hashes before and after);
* ``--json`` output is valid JSON without NaN or infinity;
* memory stays within the limit and each case within its time limit.

Derandomized (the same examples on every run) and bounded to about a minute.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picffm.chip.presets import preset
from picffm.meshes import clements, symmetric_core
from picffm.netlist import save_netlist

ROOT = Path(__file__).resolve().parents[1]
MEMORY_MIB = 3072
CASE_SECONDS = 60

FUZZ = settings(max_examples=30, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


class Worker:
    """One picffm process that runs many command lines (see ``_fuzz_worker.py``)."""

    def __init__(self):
        env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", MPLBACKEND="Agg")
        env.pop("PICFFM_DEBUG", None)
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "_fuzz_worker.py"), str(MEMORY_MIB),
                                      str(CASE_SECONDS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        assert json.loads(self.proc.stdout.readline()) == {"ready": True}

    def run(self, argv: list[str]) -> dict:
        self.proc.stdin.write(json.dumps({"argv": argv}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the worker died on {argv}"
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Valid inputs the mutations start from, in a folder of their own."""
    d = tmp_path_factory.mktemp("fuzz-inputs")
    save_netlist(clements(3), d / "cl3.json")
    save_netlist(symmetric_core(2), d / "sym2.pic.yml")
    a = np.random.default_rng(0).normal(size=(2, 2))
    np.save(d / "sym2.npy", a + a.T)
    return d


def _hashes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def check(worker: Worker, argv: list[str], inputs: Path) -> dict:
    """Run one command line and assert the fuzz properties."""
    before = _hashes(inputs)
    res = worker.run([str(a) for a in argv])
    shown = " ".join(map(str, argv))
    assert not res["timeout"], f"hang (> {CASE_SECONDS} s): {shown}"
    err = res["stderr"]
    assert "Traceback" not in err and "internal error" not in err, f"{shown}\n{err}"
    assert res["code"] in (0, 2), f"exit {res['code']}: {shown}\n{err}"
    lines = err.splitlines()
    assert len(lines) <= 1, f"{shown}\n{err}"
    if res["code"] == 2:
        assert len(lines) == 1 and lines[0].startswith("picffm: error: "), f"{shown}\n{err}"
    if res["code"] == 0 and "--json" in argv:
        json.loads(res["stdout"], parse_constant=lambda c: pytest.fail(f"{c} in --json output of {shown}"))
    assert _hashes(inputs) == before, f"an input file changed: {shown}"
    return res


# ------------------------------------------------------------------ values

HOSTILE_TEXT = ["", "a\n", "a b", "1e3", "&a", "*a", "!!set", "2024-01-01", "a,o1", "mzi", "in0", "o1",
                "\x00", "é", "\udcff"[:0] + "x" * 300, "..", "/", "null", "true"]
HOSTILE_NUMBERS = [0, 1, 2, -1, 3, 0.5, -0.5, 1e-3, 2**63, -(2**63), 10**400, 1e308, -1e308, 5e-324,
                   float("inf"), float("-inf"), float("nan"), 1e300, 100000]
SCALARS = st.one_of(st.none(), st.booleans(), st.sampled_from(HOSTILE_NUMBERS), st.sampled_from(HOSTILE_TEXT),
                    st.integers(-5, 5), st.floats(-10, 10, allow_nan=False), st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                      st.dictionaries(st.text(max_size=6), kids, max_size=3)),
                      max_leaves=8)


def _containers(doc, path=()):
    """Paths of every mapping and list in ``doc``."""
    out = []
    if isinstance(doc, dict):
        out.append(path)
        for k, v in doc.items():
            out += _containers(v, path + (k,))
    elif isinstance(doc, list):
        out.append(path)
        for i, v in enumerate(doc):
            out += _containers(v, path + (i,))
    return out


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


@st.composite
def mutated(draw, base_doc, keys=()):
    """``base_doc`` with one to three random edits (replace, delete, add a key, retype)."""
    doc = copy.deepcopy(base_doc)
    for _ in range(draw(st.integers(1, 3))):
        paths = _containers(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        node = _get(doc, path)
        op = draw(st.sampled_from(["replace", "delete", "add", "retype"]))
        if isinstance(node, dict):
            if op == "add" or not node:
                node[draw(st.sampled_from(list(keys) + HOSTILE_TEXT[:9]))] = draw(VALUES)
            else:
                key = draw(st.sampled_from(sorted(node, key=str)))
                if op == "delete":
                    del node[key]
                elif op == "retype":
                    node[key] = [node[key]] if draw(st.booleans()) else {"x": node[key]}
                else:
                    node[key] = draw(VALUES)
        elif node:
            i = draw(st.integers(0, len(node) - 1))
            if op == "delete":
                del node[i]
            else:
                node[i] = draw(VALUES)
        else:
            node.append(draw(VALUES))
    return doc


def _yaml_text(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _json_text(doc) -> str:
    return json.dumps(doc)  # Python writes NaN and Infinity; the reader must cope


RAW_SNIPPETS = ["&a [1, 2]", "*a", "!!set {a}", "!!binary aGk=", "!!python/object:os.system x", "[" * 200,
                "{", "]", "? [a]\n: 1", "2024-01-01", "\t", "\x00", "9" * 500, "- - - -", "%YAML 1.1\n---\n"]


@st.composite
def file_text(draw, doc, fmt):
    """Serialised ``doc`` (YAML or JSON), sometimes with raw text damage."""
    text = _yaml_text(doc) if fmt == "yaml" else _json_text(doc)
    damage = draw(st.sampled_from(["none", "none", "insert", "truncate"]))
    if damage == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(RAW_SNIPPETS)) + text[at:]
    elif damage == "truncate":
        text = text[:draw(st.integers(0, len(text)))]
    return text


def _fresh(tmp_path_factory, name: str) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp(name)
    (d / "in").mkdir()
    (d / "out").mkdir()
    return d / "in", d / "out"


# ------------------------------------------------------------------- tests

NETLIST_KEYS = ["instances", "connections", "ports", "placements", "info", "component", "settings", "theta",
                "phi", "kappa1", "x", "rotation", "mirror"]


@settings(FUZZ, max_examples=120)
@given(data=st.data())
def test_fuzz_netlists(worker, base, tmp_path_factory, data):
    fmt = data.draw(st.sampled_from(["yaml", "json"]))
    doc = data.draw(mutated(clements(3).to_dict(), NETLIST_KEYS))
    inp, out = _fresh(tmp_path_factory, "net")
    path = inp / ("n.pic.yml" if fmt == "yaml" else "n.json")
    path.write_text(data.draw(file_text(doc, fmt)), encoding="utf-8", errors="surrogatepass")
    command = data.draw(st.sampled_from([
        ["validate", path], ["validate", "--json", path], ["compile", path, "--json", "-o", out / "t.npy"],
        ["program", path, base / "sym2.npy", "-o", out / "p.json"], ["layout", path, "-o", out / "c.gds"],
    ]))
    check(worker, command, inp)


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_fuzz_parameter_files(worker, base, tmp_path_factory, data):
    fmt = data.draw(st.sampled_from(["yaml", "json"]))
    doc = data.draw(mutated({"params": {"mzi_c0_m0": {"theta": 0.5, "phi": 1.0}, "mzi_c1_m1": {"theta": 0.1}},
                             "info": {"kind": "clements", "n": 3}}, ["params", "info", "theta", "phi", "mzi_c0_m0"]))
    inp, out = _fresh(tmp_path_factory, "params")
    path = inp / ("p.yml" if fmt == "yaml" else "p.json")
    path.write_text(data.draw(file_text(doc, fmt)), encoding="utf-8", errors="surrogatepass")
    check(worker, ["compile", base / "cl3.json", "--params", path, "--json"], inp)


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_fuzz_chip_specs(worker, tmp_path_factory, data):
    doc = data.draw(mutated(preset("typical").to_dict(), ["coupler", "phase", "heater", "loss", "drift",
                                                          "detector", "mirror_asymmetry", "kappa_std", "model"]))
    inp, out = _fresh(tmp_path_factory, "spec")
    path = inp / "s.json"
    path.write_text(data.draw(file_text(doc, "json")))
    command = data.draw(st.sampled_from([
        ["chip", "inspect", "--spec", path, "-n", "2", "--samples", "1", "--times", "2", "--drift-repeats", "0",
         "--json"],
        ["chip", "spec", path, "-o", out / "s.toml"],
    ]))
    check(worker, command, inp)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(v), repr(v))
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"
    return json.dumps("" if v is None else str(v))


@settings(FUZZ, max_examples=20)
@given(data=st.data())
def test_fuzz_sweep_files(worker, tmp_path_factory, data):
    # a tiny valid study: a mutation that keeps it valid runs in a few seconds
    tiny = {"epochs": 1, "seeds": 1, "layers": 1, "drift_rates": [0.0], "methods": ["insilico"],
            "duration_s": 5.0, "step_s": 5.0}
    doc = data.draw(mutated({"drift": tiny}, ["drift", "asymmetry", "epochs", "seeds", "chip", "step_s"]))
    inp, out = _fresh(tmp_path_factory, "sweep")
    path = inp / "sweep.toml"
    lines = []
    for table, values in doc.items():
        if isinstance(values, dict):
            lines.append(f"[{json.dumps(str(table))}]")
            lines += [f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in values.items()]
        else:
            lines.insert(0, f"{json.dumps(str(table))} = {_toml_value(values)}")
    text = "\n".join(lines) + "\n"
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.sampled_from(["[[", "= =", "x = 1979-05-27", "[" * 300, '"'])) + text[at:]
    path.write_text(text)
    check(worker, ["study", "drift", "--sweep", path, "--out", out / "study", "--workers", "1", "--no-progress"], inp)


@settings(FUZZ, max_examples=50)
@given(data=st.data())
def test_fuzz_layout_options(worker, base, tmp_path_factory, data):
    start = {"pitch": 40.0, "gc_teeth": 20, "arc_tolerance": 0.001,
             "rules": {"WG": {"min_width": 0.15, "min_spacing": 0.15}}}
    doc = data.draw(mutated(start, ["pitch", "gc_teeth", "arc_tolerance", "rules", "WG", "min_width",
                                    "bend_radius", "wg_width"]))
    inp, out = _fresh(tmp_path_factory, "layout")
    path = inp / "o.yml"
    path.write_text(data.draw(file_text(doc, "yaml")), encoding="utf-8", errors="surrogatepass")
    check(worker, ["layout", base / "cl3.json", "-o", out / "c.gds", "--options", path], inp)


@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_fuzz_targets(worker, base, tmp_path_factory, data):
    inp, out = _fresh(tmp_path_factory, "target")
    n = data.draw(st.sampled_from([0, 1, 2, 3]))
    m = data.draw(st.sampled_from([n, 2, 3]))
    floats = [float(v) for v in HOSTILE_NUMBERS if isinstance(v, float) or abs(v) < 2**1000] + [0.1, -0.3, 0.7]
    values = data.draw(st.lists(st.sampled_from(floats), min_size=n * m,
                                max_size=n * m))
    arr = np.array(values, dtype=float).reshape(n, m) if n * m else np.zeros((n, m))
    if data.draw(st.booleans()) and n == m:
        with np.errstate(all="ignore"):
            arr = arr + arr.T  # symmetric (may overflow to inf)
    kind = data.draw(st.sampled_from(["npy", "npy-damaged", "csv", "npy-3d", "npy-int"]))
    if kind.startswith("npy"):
        path = inp / "t.npy"
        if kind == "npy-3d":
            arr = arr[None]
        if kind == "npy-int":
            arr = np.clip(np.nan_to_num(arr, posinf=0, neginf=0), -1e18, 1e18).astype(np.int64)
        with np.errstate(all="ignore"):
            np.save(path, arr.astype(complex) if data.draw(st.booleans()) else arr)
        if kind == "npy-damaged":
            raw = bytearray(path.read_bytes())
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] = data.draw(st.integers(0, 255))
            path.write_bytes(bytes(raw[:data.draw(st.integers(0, len(raw)))]))
    else:
        path = inp / "t.csv"
        rows = [",".join(repr(v) for v in row) for row in arr]
        path.write_text("\n".join(rows) + data.draw(st.sampled_from(["", "\n", "\nx,y", ",,"])))
    mesh = data.draw(st.sampled_from([base / "sym2.pic.yml", base / "cl3.json"]))
    check(worker, ["program", mesh, path, "-o", out / "p.json", "--json"], inp)


OPTION_VALUES = st.sampled_from(["-1", "0", "1", "2", "3", "1e20", "100000000", "nan", "inf", "x", "",
                                 "2,3", "0,0", "9" * 30, "-0", "0.5"])


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_fuzz_options(worker, base, tmp_path_factory, data):
    inp, out = _fresh(tmp_path_factory, "options")
    v = data.draw(OPTION_VALUES)
    command = data.draw(st.sampled_from([
        ["mesh", "clements", "-n", v, "-o", out / "m.json"],
        ["mesh", "symmetric", "-n", v, "-o", out / "m.pic.yml", "--json"],
        ["chip", "inspect", "-n", v, "--samples", "1", "--times", "2", "--drift-repeats", "0"],
        ["chip", "inspect", "-n", "2", "--samples", v, "--times", "2", "--drift-repeats", "0"],
        ["chip", "inspect", "-n", "2", "--samples", "1", "--times", v, "--drift-repeats", "0"],
        ["chip", "inspect", "-n", "2", "--samples", "1", "--times", "2", "--seed", v, "--drift-repeats", "0"],
        ["chip", "inspect", "-n", "2", "--samples", "1", "--times", "2", "--window", v, "--drift-repeats", "0"],
        ["chip", "inspect", "-n", "2", "--samples", "1", "--times", "2", "--drift-repeats", v],
        ["program", base / "sym2.pic.yml", base / "sym2.npy", "-o", out / "p.json", "--tolerance", v],
        ["train", "iris", "--seeds", v, "--epochs", "0", "--out", out / "r"],
        ["train", "iris", "--workers", v, "--epochs", "0", "--out", out / "r"],
        ["train", "iris", "--epochs", v, "--seeds", "0", "--out", out / "r"],
        ["study", "drift", "--seeds", v, "--epochs", "0", "--out", out / "s"],
        ["study", "drift", "--workers", v, "--epochs", "0", "--out", out / "s"],
        ["study", "drift", "--scheduler", v, "--epochs", "0", "--out", out / "s"],
        ["study", "drift", "--duration-s", v, "--step-s", "1e-300", "--out", out / "s"],
    ]))
    check(worker, command, inp)
