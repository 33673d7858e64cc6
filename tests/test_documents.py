"""picffm.documents: the one YAML/JSON/TOML reader and writer, and its limits."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest
import yaml

from picffm.documents import yaml_io
from picffm.documents import (MAX_ALIAS_VALUES, MAX_DEPTH, MAX_INT, DocumentError, check_tree, dump_document,
                              read_document, write_document)
from picffm.errors import NetlistError, ParamsError
from picffm.meshes import clements
from picffm.netlist import Netlist, load_netlist, save_netlist


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _bomb_yaml(levels=9, width=9):
    lines = ["l0: &l0 [" + ",".join(['"x"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_refused_before_expansion(tmp_path):
    path = _write(tmp_path, "b.yml", _bomb_yaml())  # 9**9 = 387 million strings if expanded
    with pytest.raises(DocumentError, match=f"b.yml: line .*: YAML aliases expand this document by more than the "
                       f"limit of {MAX_ALIAS_VALUES} values"):
        read_document(path)


def test_moderate_aliases_are_read(tmp_path):
    text = "base: &s {theta: 0.5, phi: 1.0}\n" + "".join(f"i{k}: *s\n" for k in range(200))
    doc = read_document(_write(tmp_path, "a.yml", text))
    assert len(doc) == 201 and all(v == {"theta": 0.5, "phi": 1.0} for v in doc.values())


def test_recursive_alias_refused(tmp_path):
    with pytest.raises(DocumentError, match="recursive alias"):
        read_document(_write(tmp_path, "r.yml", "a: &a [1, *a]\n"))


@pytest.mark.parametrize("suffix", [".yml", ".json"])
def test_large_documents_without_aliases_are_read(tmp_path, suffix):
    # many more values than the alias limit: only repeats count against it
    doc = {"values": list(range(3 * MAX_ALIAS_VALUES)), "nested": [{"a": k, "b": [k, k]} for k in range(1000)]}
    path = tmp_path / f"big{suffix}"
    write_document(doc, path)
    assert read_document(path) == doc


def _nested(depth: int):
    doc: object = 1
    for _ in range(depth):
        doc = [doc]
    return doc


@pytest.mark.parametrize("suffix", [".yml", ".json", ".toml"])
def test_nesting_limit(tmp_path, suffix):
    def text(depth):
        inner = "[" * (depth - 1) + "1" + "]" * (depth - 1)  # the top-level mapping is the first level
        return f"x = {inner}\n" if suffix == ".toml" else '{"x": ' + inner + "}"

    ok = read_document(_write(tmp_path, f"ok{suffix}", text(MAX_DEPTH)), suffixes=(suffix,))
    assert ok["x"] == _nested(MAX_DEPTH - 1)
    with pytest.raises(DocumentError, match=f"deep{suffix}: .*nesting deeper than the limit of {MAX_DEPTH} levels"):
        read_document(_write(tmp_path, f"deep{suffix}", text(MAX_DEPTH + 1)), suffixes=(suffix,))
    with pytest.raises(DocumentError, match=f"nesting deeper than the limit of {MAX_DEPTH} levels"):
        read_document(_write(tmp_path, f"deeper{suffix}", text(100_000)), suffixes=(suffix,))


@pytest.mark.parametrize("suffix", [".yml", ".json", ".toml"])
def test_integer_limit(tmp_path, suffix):
    for value in (MAX_INT, -MAX_INT):
        assert read_document(_write(tmp_path, f"ok{suffix}", f"x = {value}\n" if suffix == ".toml"
                                    else json.dumps({"x": value})), suffixes=(suffix,)) == {"x": value}
    for value in (str(MAX_INT + 1), str(-(MAX_INT + 1)), "9" * 5000):
        text = f"x = {value}\n" if suffix == ".toml" else '{"x": ' + value + "}"
        with pytest.raises(DocumentError, match=f"big{suffix}: .*(beyond the limit of {MAX_INT}|cannot read)"):
            read_document(_write(tmp_path, f"big{suffix}", text), suffixes=(suffix,))


@pytest.mark.parametrize("text, message", [
    ("made: 2024-01-01\n", r"line 1: a date '2024-01-01' \(YAML tag !!timestamp\) is not supported.*quote a date"),
    ("s: !!set {a, b}\n", r"line 1: a set \(YAML tag !!set\) is not supported"),
    ("b: !!binary aGVsbG8=\n", r"line 1: binary data 'aGVsbG8=' \(YAML tag !!binary\) is not supported"),
    ("o: !!omap [a: 1]\n", r"line 1: an ordered map \(YAML tag !!omap\) is not supported"),
    ("? [a, b]\n: 1\n", "line 1: a key must be text or a number, not a list"),
    ("? {a: 1}\n: 1\n", "line 1: a key must be text or a number, not a mapping"),
    ("a: 1\na: 2\n", "line 2: duplicate key 'a'"),
    ("a: !!python/object:os.system x\n", "invalid YAML at line 1"),
    ("a: [1\n", "invalid YAML at line 2"),
])
def test_yaml_refusals(tmp_path, text, message):
    with pytest.raises(DocumentError, match="d.yml: " + message):
        read_document(_write(tmp_path, "d.yml", text))


def test_quoted_date_is_text(tmp_path):
    assert read_document(_write(tmp_path, "d.yml", "made: '2024-01-01'\n")) == {"made": "2024-01-01"}


def test_toml_date_refused_with_its_key(tmp_path):
    with pytest.raises(DocumentError, match=r"t.toml: drift.made: a date \(2024-01-01\) is not supported"):
        read_document(_write(tmp_path, "t.toml", "[drift]\nmade = 2024-01-01\n"), suffixes=(".toml",))


def test_json_duplicate_key_and_error_class(tmp_path):
    path = _write(tmp_path, "d.json", '{"a": 1, "a": 2}')
    with pytest.raises(ParamsError, match="d.json: duplicate key 'a'"):
        read_document(path, "parameter file", ParamsError)
    with pytest.raises(ParamsError, match=r"x.txt: unknown parameter file file type '.txt'; use .pic.yml, .yml, "
                       r"\.yaml or \.json"):
        read_document(tmp_path / "x.txt", "parameter file", ParamsError)


def test_check_tree_measures_shared_parts_without_expanding():
    leaf = ["x"] * 10
    for _ in range(9):  # 10**10 values if expanded
        leaf = [leaf] * 10
    with pytest.raises(DocumentError, match="info: .*YAML aliases expand this document by more than the limit"):
        check_tree({"a": leaf}, "info")
    loop: list = []
    loop.append(loop)
    with pytest.raises(DocumentError, match="recursive alias"):
        check_tree(loop)
    with pytest.raises(DocumentError, match=r"a\[0\]: a set is not supported"):
        check_tree({"a": [{1, 2}]})


def test_netlist_info_bomb_refused_in_the_library():
    net = clements(2)
    doc = net.to_dict()
    leaf = ["x"] * 10
    for _ in range(9):
        leaf = [leaf] * 10
    doc["info"] = {"bomb": leaf}
    with pytest.raises(NetlistError, match=r"^info: bomb\[0\].*: YAML aliases expand"):
        Netlist.from_dict(doc)


def test_dump_writes_no_anchors_and_round_trips(tmp_path):
    shared = {"theta": 0.5}
    doc = {"a": shared, "b": shared, "c": [shared, shared]}
    text = dump_document(doc, "x.yml")
    assert "&" not in text and "*" not in text
    assert yaml.safe_load(text) == doc
    with pytest.raises(DocumentError, match="x.json: JSON cannot hold infinity or NaN"):
        dump_document({"a": float("nan")}, "x.json")


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml")
def test_yaml_uses_the_c_parser_and_emitter():
    assert issubclass(yaml_io._Loader, yaml.CSafeLoader)
    assert issubclass(yaml_io._Dumper, yaml.CSafeDumper)


@pytest.mark.parametrize("suffix", [".pic.yml", ".json"])
def test_netlist_round_trip_through_documents(tmp_path, suffix):
    net = clements(5)
    save_netlist(net, tmp_path / f"n{suffix}")
    assert load_netlist(tmp_path / f"n{suffix}") == net


class _ReferenceLoader(yaml.SafeLoader):
    """PyYAML's own pure-Python construction with picffm's one resolver change (``1e-3`` is a number)."""


_ReferenceLoader.add_implicit_resolver("tag:yaml.org,2002:float", yaml_io._EXP_FLOAT, list("-+0123456789"))


def _random_tree(rng, depth=0):
    """Nested mappings and lists of mixed scalars, with some parts shared (dumped as anchors and aliases)."""
    scalars = [lambda: int(rng.integers(-10**12, 10**12)), lambda: float(rng.normal()) * 10.0 ** int(rng.integers(-8, 8)),
               lambda: bool(rng.integers(2)), lambda: None,
               lambda: str(rng.choice(["mzi", "yes", "null", "1e3", "0x1f", "a,o1", "", "~", "3.5", "x: y"]))]
    if depth >= 4 or rng.random() < 0.3:
        return scalars[int(rng.integers(len(scalars)))]()
    if rng.random() < 0.5:
        return [_random_tree(rng, depth + 1) for _ in range(int(rng.integers(0, 5)))]
    return {f"k{j}": _random_tree(rng, depth + 1) for j in range(int(rng.integers(0, 5)))}


@pytest.mark.parametrize("seed", range(20))
def test_yaml_reader_builds_what_pyyaml_constructs(seed):
    rng = np.random.default_rng(seed)
    shared = _random_tree(rng, 2)
    doc = {"a": _random_tree(rng), "s1": shared, "list": [shared, _random_tree(rng), shared], "s2": shared}
    text = yaml.safe_dump(doc)  # repeated objects become an anchor and aliases
    expected = yaml.load(text, Loader=_ReferenceLoader)
    got = yaml_io.parse_yaml(text)
    assert got == expected
    assert (got["s1"] is got["s2"]) == (expected["s1"] is expected["s2"])  # aliases share the object, as in PyYAML
    # the same one pass over a node graph that the pure-Python composer built (PyYAML without libyaml)
    loader = _ReferenceLoader(text)
    assert yaml_io._build(loader, loader.get_single_node()) == expected


@pytest.mark.parametrize("suffix, text", [(".yml", "a: [1, 2]\n"), (".yml", "a: [1\n"), (".json", '{"a": 1}'),
                                          (".json", '{"a": 1, "a": 2}')])
def test_readers_leave_the_garbage_collector_as_they_found_it(tmp_path, suffix, text):
    path = _write(tmp_path, "d" + suffix, text)
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            try:
                read_document(path)
            except DocumentError:
                pass
            assert gc.isenabled() is enabled
        finally:
            gc.enable()


def test_json_integer_beyond_int64_named_by_key(tmp_path):
    path = _write(tmp_path, "i.json", '{"a": {"b": [0, %d]}}' % (MAX_INT + 1))
    with pytest.raises(DocumentError, match=r"i.json: a.b\[1\]: integer with 19 digits is beyond the limit"):
        read_document(path)
