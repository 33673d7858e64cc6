"""What a command imports: only its own module, and numba only where one call pays for loading it.

Real subprocesses for the import checks (a fresh interpreter is the only
honest view of what a command loads); no timing is asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from picffm import compiled
from picffm.cli.main import COMMANDS, build_parser
from picffm.netlist import load_netlist
from picffm.simulation import COMPILED_MIN_MODES, Circuit, _run

ROOT = Path(__file__).resolve().parents[1]
NETLISTS = ROOT / "netlists"


def _loaded_after(argv: list[str], modules: tuple[str, ...]) -> tuple[str, list[str]]:
    code = ("import sys, contextlib, io\n"
            "from picffm.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            f"        code = main({argv!r})\n"
            "    except SystemExit as exc:\n"
            "        code = exc.code\n"
            f"print(code, *[m for m in {modules!r} if m in sys.modules])\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    code, *loaded = out.stdout.split()
    return code, loaded


def _top_level_help(parser) -> dict[str, str]:
    action = parser._subparsers._group_actions[0]
    return {a.dest: a.help for a in action._choices_actions}


def test_the_listed_help_lines_are_what_the_command_modules_register():
    full = _top_level_help(build_parser())
    assert full == {name: line for name, (_, line) in COMMANDS.items()}
    assert _top_level_help(build_parser(["compile", "x.pic.yml"])) == full
    assert build_parser([]).format_help() == build_parser().format_help()


HEAVY = ("picffm.training", "picffm.studies", "picffm.chip", "picffm.freespace", "picffm.layout", "numba", "scipy",
         "matplotlib", "pydantic")


@pytest.mark.parametrize("argv, allowed", [
    (["--help"], ()),
    (["mesh", "clements", "-n", "8", "-o", "{tmp}/c8.pic.yml"], ("pydantic",)),
    (["train", "--help"], ("picffm.training", "picffm.chip", "pydantic", "scipy")),
], ids=lambda a: " ".join(a[:2]) if isinstance(a, list) else "")
def test_a_command_imports_only_what_it_runs(argv, allowed, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, loaded = _loaded_after(argv, HEAVY)
    assert code == "0"
    assert set(loaded) <= set(allowed), f"picffm {' '.join(argv)} imported {sorted(set(loaded) - set(allowed))}"


def test_one_shot_compile_of_a_64_mode_mesh_does_not_load_numba():
    code, loaded = _loaded_after(["compile", str(NETLISTS / "clements_64.pic.yml")], ("numba",))
    assert (code, loaded) == ("0", [])


def test_one_shot_work_walks_with_numpy_below_its_threshold_and_compiled_above_it_outside():
    circ = Circuit.from_netlist(load_netlist(NETLISTS / "clements_64.pic.yml"))
    p = circ.params()
    p.programmable[:] = np.random.default_rng(0).uniform(0, 2 * np.pi, p.programmable.size)
    numpy_walk = _run(circ.schedule.stages, circ.element_matrices(p), np.eye(circ.n, dtype=complex))
    numpy_walk = numpy_walk[circ.schedule.output_modes]
    assert compiled.min_modes(COMPILED_MIN_MODES) == COMPILED_MIN_MODES <= circ.n
    with compiled.one_shot():
        assert compiled.min_modes(COMPILED_MIN_MODES) == compiled.ONE_SHOT_MIN_MODES > circ.n
        inside = circ.matrix(p)
    assert inside.tobytes() == numpy_walk.tobytes()
    outside = circ.matrix(p)  # compiled (numba is a declared dependency)
    np.testing.assert_allclose(outside, inside, rtol=0, atol=1e-14)


def _unitary_file(path: Path, n: int, seed: int) -> Path:
    from scipy.stats import unitary_group

    np.save(path, unitary_group.rvs(n, random_state=np.random.default_rng(seed)))
    return path


def test_one_shot_program_of_a_64_mode_mesh_does_not_load_numba(tmp_path):
    target = _unitary_file(tmp_path / "u64.npy", 64, 3)
    argv = ["program", str(NETLISTS / "clements_64.pic.yml"), str(target), "-o", str(tmp_path / "p.json")]
    assert _loaded_after(argv, ("numba",)) == ("0", [])


@pytest.mark.parametrize("n", [17, 24, 64])
def test_one_shot_clements_nulling_on_lists_gives_the_compiled_bits(n):
    from scipy.stats import unitary_group

    from picffm.programming import clements as cl

    assert cl._LIST_MAX_N < n <= cl.ONE_SHOT_LIST_MAX_N
    u = unitary_group.rvs(n, random_state=np.random.default_rng(n))
    with compiled.one_shot():
        lists = cl.decompose_clements(u)
    assert cl.kernel("clements_null") is not None  # numba is a declared dependency: outside, the compiled route
    outside = cl.decompose_clements(u)
    for a, b in zip(lists, outside):
        assert a.tobytes() == b.tobytes()


def test_program_writes_the_same_file_whichever_nulling_route_it_takes(tmp_path, monkeypatch, capsys):
    from picffm.programming import clements as cl
    from _cli import run

    net, target = tmp_path / "c24.json", _unitary_file(tmp_path / "u24.npy", 24, 5)
    assert run(["mesh", "clements", "-n", "24", "-o", str(net)], capsys)[0] == 0
    assert run(["program", str(net), str(target), "-o", str(tmp_path / "lists.yml")], capsys)[0] == 0
    monkeypatch.setattr(cl, "ONE_SHOT_LIST_MAX_N", cl._LIST_MAX_N)  # the compiled nulling, as before
    assert run(["program", str(net), str(target), "-o", str(tmp_path / "compiled.yml")], capsys)[0] == 0
    assert (tmp_path / "lists.yml").read_bytes() == (tmp_path / "compiled.yml").read_bytes()
