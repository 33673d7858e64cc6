"""Option values that start with '-': ``--readout -1,0,1`` is read like ``--readout=-1,0,1``.

Through the real command line: every option that takes a comma list of
numbers (or one number) gets the value in the space form too, so the user
sees the option's own check naming what is valid, never "expected one
argument"; a missing value is refused in one line naming the option.
"""

from __future__ import annotations

import pytest

from picffm.cli.parsing import NUMBER_LIKE, Parser, join_number_values

from _cli import run

# (command words, option, a value that starts with '-'): every comma-list option of picffm, and single numbers
CASES = [
    (["train", "iris"], "--readout", "-1,0,1"),
    (["train", "iris"], "--seeds", "-2,3"),
    (["train", "iris"], "--lr", "-1e-3"),
    (["evaluate", "run-dir"], "--seeds", "-1,2"),
    (["evaluate", "run-dir"], "--drift-time", "-1"),
    (["study", "drift"], "--drift-rates", "-1e-3,0.01"),
    (["study", "drift"], "--threshold", "-.5"),
    (["study", "drift"], "--seed", "-1"),
    (["study", "asymmetry"], "--asymmetries", "-0.5,0,1"),
    (["study", "asymmetry"], "--grad-probe-step", "-3"),
    (["freespace", "classify"], "--layers", "-1,2"),
    (["freespace", "classify"], "--seeds", "-1,2"),
    (["chip", "inspect"], "-n", "-3"),
    (["sweep", "ring.pic.yml"], "--wavelength", "-1.5:1.6:3"),
]


@pytest.mark.parametrize("words, option, value", CASES, ids=[f"{w[0]}{o}" for w, o, _ in CASES])
def test_space_form_reads_the_negative_value_like_the_equals_form(words, option, value, tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing a refused command might create lands in the repository
    extra = ["--out", str(tmp_path / "o")] if words[0] in ("train", "study") else []
    spaced = run([*words, option, value, *extra], capsys)
    joined = run([*words, f"{option}={value}", *extra], capsys)
    assert spaced == joined
    code, out, err = spaced
    assert code == 2 and out == ""
    assert "expected one argument" not in err and len(err.splitlines()) == 1, err
    # the option's own check speaks (evaluate first refuses the missing run directory)
    assert ("run-dir" if words[0] == "evaluate" else option.lstrip("-")) in err, err


def test_a_valid_negative_looking_value_runs(tmp_path, capsys):
    """``--drift-rates -0`` is the rate 0 (IEEE -0.0 >= 0): the study runs, as with ``--drift-rates=-0``."""
    out = tmp_path / "s"
    code, stdout, err = run(["study", "drift", "--drift-rates", "-0", "--method", "insilico", "--layers", "1",
                             "--epochs", "1", "--seeds", "1", "--duration-s", "1", "--step-s", "1",
                             "--workers", "1", "--quiet", "--out", str(out)], capsys)
    assert code == 0, err
    assert "1 point(s) computed" in stdout


@pytest.mark.parametrize("argv, names, metavar", [
    (["train", "iris", "--readout"], "--readout", "RULE|P,P,..."),
    (["study", "drift", "--drift-rates"], "--drift-rates", "LIST"),
    (["study", "drift", "--out", "--quiet"], "-o/--out", "DIR"),
])
def test_missing_value_is_one_line_naming_the_option(argv, names, metavar, capsys):
    with pytest.raises(SystemExit) as exc:
        run(argv, capsys)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith(f"picffm: error: option {names} needs a value ({metavar})"), err


def test_join_only_number_like_values_of_options_that_take_one():
    p = Parser(prog="t")
    p.add_argument("--x")
    p.add_argument("--flag", action="store_true")
    p.add_argument("pos", nargs="*")
    assert p.parse_args(["--x", "-1,0,1"]).x == "-1,0,1"
    assert p.parse_args(["--x", "-1e-3"]).x == "-1e-3"
    assert p.parse_args(["--x", "-inf"]).x == "-inf"
    # a flag takes no value: the number stays a positional; after '--' nothing is joined
    assert p.parse_args(["--flag", "--", "-1,2"]).pos == ["-1,2"]
    assert join_number_values(["--x", "-1", "--", "--x", "-2"], lambda w: w == "--x") == ["--x=-1", "--", "--x", "-2"]
    for word in ("-1", "-1,2", "-.5", "-2:3", "-NaN"):
        assert NUMBER_LIKE.match(word)
    for word in ("-o", "--out", "-", "-x1", "--1"):
        assert not NUMBER_LIKE.match(word)
