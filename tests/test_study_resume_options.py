"""``picffm study ... --out DIR --resume`` reuses the options stored in DIR; options given again must equal them.

Through the real CLI with a tiny study: the stored sweep is used when no
option is repeated; equal options (also spelled differently, or from a sweep
file) are accepted; a different value is refused in one line naming the
option (or the file and key), the stored value and the given one, with exit
code 2 and nothing recomputed or rewritten.
"""

from __future__ import annotations

import json

import pytest

from _cli import run

ARGS = ["--layers", "1", "--epochs", "2", "--seeds", "1", "--drift-rates", "0,0.3", "--method", "insilico",
        "--duration-s", "1", "--step-s", "1", "--workers", "1", "--quiet"]


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    from picffm.cli.main import main

    out = tmp_path_factory.mktemp("resume") / "study"
    assert main(["study", "drift", "--out", str(out), *ARGS]) == 0
    return out


def test_resume_dir_alone_uses_the_stored_options(started, capsys):
    before = (started / "results.json").read_bytes()
    code, out, err = run(["study", "drift", "--out", str(started), "--resume", "--quiet", "--workers", "1"], capsys)
    assert code == 0, err
    assert "0 point(s) computed, 2 reused" in out
    assert (started / "results.json").read_bytes() == before
    stored = json.loads((started / "study.json").read_text())["sweep"]
    assert stored["drift_rates"] == [0.0, 0.3] and stored["epochs"] == 2 and stored["methods"] == ["insilico"]


def test_equal_options_given_again_are_accepted(started, tmp_path, capsys):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text("[drift]\nlayers = 1\nthreshold = 0.8\n")  # 0.8 is the stored default
    code, out, err = run(["study", "drift", "--out", str(started), "--resume", "--drift-rates", "0.0,3e-1",
                          "--epochs", "2", "--method", "insilico", "--sweep", str(sweep), "--quiet"], capsys)
    assert code == 0, err
    assert "0 point(s) computed, 2 reused" in out


@pytest.mark.parametrize("given, source, stored, now", [
    (["--drift-rates", "0,0.4"], "--drift-rates", "0.0,0.3", "0.0,0.4"),
    (["--epochs", "3"], "--epochs", "2", "3"),
    (["--method", "insilico,ffm"], "--method", "insilico", "insilico,ffm"),
    (["--seeds", "2"], "--seeds", "1", "2"),
    (["--chip", "mild"], "--chip", "typical", "mild"),
    (["--threshold", "0.9"], "--threshold", "0.8", "0.9"),
])
def test_a_conflicting_option_is_refused_naming_it_and_both_values(started, given, source, stored, now, capsys):
    before = (started / "study.json").read_bytes()
    code, out, err = run(["study", "drift", "--out", str(started), "--resume", *given, "--quiet"], capsys)
    assert code == 2 and out == ""
    assert err == (f"picffm: error: {source}: the study in {started} was started with {stored}, not {now}; a resumed "
                   "study keeps its settings: drop the option (or give the stored value), or start a new study in "
                   "another --out\n")
    assert (started / "study.json").read_bytes() == before


def test_a_conflicting_sweep_file_key_names_the_file_and_key(started, tmp_path, capsys):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text("[drift]\nstep_s = 0.5\n")
    code, _, err = run(["study", "drift", "--out", str(started), "--resume", "--sweep", str(sweep)], capsys)
    assert code == 2
    assert err.startswith(f"picffm: error: {sweep}: drift.step_s: the study in {started} was started with 1.0, "
                          "not 0.5;")


def test_resume_refusals_name_the_directory(started, tmp_path, capsys):
    code, _, err = run(["study", "asymmetry", "--out", str(started), "--resume"], capsys)
    assert code == 2 and err == (f"picffm: error: {started}: holds a 'drift' study (not 'asymmetry'); resume it with "
                                 f"'picffm study drift --out {started} --resume'\n")
    missing = tmp_path / "nothing"
    code, _, err = run(["study", "drift", "--out", str(missing), "--resume"], capsys)
    assert code == 2 and f"{missing}: cannot resume: study.json not found" in err
    assert not missing.exists()
