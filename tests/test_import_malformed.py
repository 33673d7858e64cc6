"""Malformed gdsfactory netlists through ``picffm import``: one line, exit 2, nothing written.

The netlists are written by hand in gdsfactory's format (instances with
``component``/``info``/``settings``, ``nets`` of ``{p1, p2}``, ``ports``,
``placements``), so this file needs no gdsfactory import; the conversions
of gdsfactory's own netlists are checked in ``test_interop_gdsfactory.py``.
"""

import copy

import numpy as np
import pytest
import yaml

from picffm import compile_any
from picffm.interop.gdsfactory import from_gdsfactory

from _cli import run

MZI = {
    "instances": {
        "cp1": {"component": "mmi2x2", "info": {}, "settings": {}},
        "top": {"component": "straight", "info": {"length": 20.0}, "settings": {"length": 20.0}},
        "bot": {"component": "straight", "info": {"length": 20.0}, "settings": {"length": 20.0}},
        "cp2": {"component": "mmi2x2", "info": {}, "settings": {}},
    },
    "nets": [{"p1": "cp1,o3", "p2": "top,o1"}, {"p1": "top,o2", "p2": "cp2,o2"},
             {"p1": "cp1,o4", "p2": "bot,o1"}, {"p1": "bot,o2", "p2": "cp2,o1"}],
    "ports": {"o1": "cp1,o1", "o2": "cp1,o2", "o3": "cp2,o3", "o4": "cp2,o4"},
    "placements": {"cp1": {"x": 0.0, "y": 0.0, "rotation": 0, "mirror": False},
                   "top": {"x": 20.0, "y": 5.0, "rotation": 0, "mirror": False},
                   "bot": {"x": 20.0, "y": -5.0, "rotation": 0, "mirror": False},
                   "cp2": {"x": 40.0, "y": 0.0, "rotation": 0, "mirror": False}},
}


def test_the_hand_written_netlist_imports_as_a_balanced_mzi():
    """The reference the cases below damage: two 50:50 MMIs around equal arms send all light across.

    Across the modes is the diagonal of T[outputs (o3, o4), inputs (o1, o2)]: a coupler's o3 is the exit
    on the mode of its o2 (picffm's port convention). The straights keep the default 2 dB/cm over 20 um.
    """
    t = compile_any(from_gdsfactory(copy.deepcopy(MZI))).matrix()
    a = 10 ** (-2.0 * 20e-4 / 10)
    assert t.shape == (2, 2)
    np.testing.assert_allclose(t @ t.conj().T, a * np.eye(2), atol=1e-12)
    np.testing.assert_allclose(np.abs(t) ** 2, a * np.eye(2), atol=1e-12)


def _edit(path, value):
    def edit(doc):
        *head, last = path
        node = doc
        for k in head:
            node = node[k]
        node[last] = value
    return edit


CASES = {
    "instances as a list": (_edit(["instances"], [1, 2]), "'instances' must be a mapping of instance names, got list"),
    "placements as a list": (_edit(["placements"], [1]), "'placements' must be a mapping of instance names, got list"),
    "rotation not a number": (_edit(["placements", "top", "rotation"], "abc"),
                              "placements of 'top': rotation = 'abc' is not a number (degrees)"),
    "x not a number": (_edit(["placements", "top", "x"], "left"), "placements of 'top': x = 'left' is not a number"),
    "mirror not a bool": (_edit(["placements", "top", "mirror"], "yes"),
                          "placements of 'top': mirror = 'yes' is not true or false"),
    "placement of no instance": (_edit(["placements", "zz"], {"x": 0.0}), "placements: no instance 'zz'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_gdsfactory_netlist_is_one_line_exit_2(tmp_path, capsys, case):
    edit, msg = CASES[case]
    doc = copy.deepcopy(MZI)
    edit(doc)
    src = tmp_path / "gf.yml"
    src.write_text(yaml.safe_dump(doc))
    out = tmp_path / "out.pic.yml"
    code, _, err = run(["import", str(src), "-o", str(out)], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"picffm: error: {src}: ") and msg in err
    assert not out.exists()


def test_force_never_overwrites_the_component_map(tmp_path, capsys):
    src = tmp_path / "gf.yml"
    src.write_text(yaml.safe_dump(MZI))
    cmap = tmp_path / "map.yml"
    cmap.write_text("cells:\n  mmi2x2: {component: coupler}\n")
    before = cmap.read_bytes()
    code, _, err = run(["import", str(src), "-o", str(cmap), "--map", str(cmap), "--force"], capsys)
    assert code == 2 and "is the component map (--map)" in err and err.count("\n") == 1
    assert cmap.read_bytes() == before


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("via", ["same", "symlink"])
def test_output_that_is_the_input_is_refused_naming_both_with_or_without_force(tmp_path, capsys, force, via):
    src = tmp_path / "gf.yml"
    src.write_text(yaml.safe_dump(MZI))
    before = src.read_bytes()
    out = src
    if via == "symlink":
        out = tmp_path / "link.yml"
        out.symlink_to(src)
    argv = ["import", str(src), "-o", str(out)] + (["--force"] if force else [])
    code, _, err = run(argv, capsys)
    # not 'pass --force' (which would then be refused too): the one line names the output and the input
    assert code == 2 and err.count("\n") == 1
    assert err == (f"picffm: error: -o {out}: is the gdsfactory netlist ({src}); writing it would overwrite "
                   "the input, choose another file name\n")
    assert src.read_bytes() == before


@pytest.mark.parametrize("doc,msg", [
    ({"instances": [1, 2], "ports": {}}, "'instances' must be a mapping of instance names, got list"),
    ({"instances": {"a": "mmi2x2"}, "ports": {}}, "instance 'a': expected a mapping with 'component'"),
])
def test_to_sax_netlist_names_malformed_instances(doc, msg):
    from picffm.errors import NetlistError
    from picffm.interop.gdsfactory import to_sax_netlist

    with pytest.raises(NetlistError, match=msg):
        to_sax_netlist(doc)
