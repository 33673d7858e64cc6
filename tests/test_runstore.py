"""The run store: JSON + NPZ state files, one writer, no silent reuse, one line for a bad file."""

import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from picffm.cli.main import main
from picffm.runs.rundir import RunDirError, open_run_dir
from picffm.runs.statefile import StateFileError, load_state, save_state
from picffm.training.results import unit_key

TRAIN = ["train", "iris", "--epochs", "1", "--seeds", "1", "--folds", "1", "--chip", "mild", "--method", "ideal,insilico",
         "--workers", "1", "--quiet"]


def test_state_files_round_trip_bit_for_bit(tmp_path):
    rng = np.random.default_rng(7)
    z = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    doc = {"rng": rng.bit_generator.state, "z": z,
           "rows": [{"loss": 0.1 + 0.2, "n": 3}], "none": None, "nested": [[np.arange(4)], np.float64(1 / 3)]}
    save_state(tmp_path / "s.npz", "test", doc)
    back = load_state(tmp_path / "s.npz", "test")
    assert back["rng"] == doc["rng"]  # 128-bit integers survive JSON
    assert back["z"].dtype == complex and back["z"].tobytes() == doc["z"].tobytes()
    assert back["rows"] == [{"loss": 0.1 + 0.2, "n": 3}] and back["none"] is None
    assert back["nested"][0][0].tolist() == [0, 1, 2, 3] and back["nested"][1] == 1 / 3
    again = np.random.default_rng()
    again.bit_generator.state = back["rng"]
    assert again.standard_normal() == rng.standard_normal()
    with pytest.raises(StateFileError, match="expected a 'other'"):
        load_state(tmp_path / "s.npz", "other")


def test_pickles_truncated_and_foreign_files_are_refused_with_their_name(tmp_path):
    pkl = tmp_path / "evil.npz"
    np.savez(pkl, doc=np.array([{"a": 1}], dtype=object))  # an object array needs pickle to load
    truncated = tmp_path / "cut.npz"
    save_state(truncated, "test", {"x": np.arange(100)})
    truncated.write_bytes(truncated.read_bytes()[:150])
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, doc=np.array(json.dumps({"format": "other"})))
    text = tmp_path / "text.npz"
    text.write_text("hello")
    for path in (pkl, truncated, foreign, text):
        with pytest.raises(StateFileError) as info:
            load_state(path, "test")
        assert str(path) in str(info.value) and "\n" not in str(info.value)
    # a text file is named as what it is, not by numpy's hint about loading pickles unsafely
    with pytest.raises(StateFileError, match=r"text.npz: not a readable picffm state file \(not an .npz archive\)"):
        load_state(text, "test")


def test_one_writer_per_directory(tmp_path):
    with open_run_dir(tmp_path / "d", marker="m.json", owned=()):
        with pytest.raises(RunDirError, match=f"another picffm run is writing this directory \\(pid {os.getpid()}"):
            open_run_dir(tmp_path / "d", marker="m.json", owned=())
    open_run_dir(tmp_path / "d", marker="m.json", owned=()).close()  # released


def test_cli_refuses_a_locked_directory(tmp_path, capsys):
    out = tmp_path / "run"
    with open_run_dir(out, marker="config.json", owned=()):
        assert main(TRAIN + ["-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "another picffm run is writing this directory" in err and err.count("\n") == 1


def test_reused_directory_is_refused_unless_resume_or_force(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(TRAIN + ["-o", str(out)]) == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(TRAIN + ["-o", str(out), "--epochs", "2"]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--resume" in err and "--force" in err and err.count("\n") == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing touched
    # --resume with other options: one line naming the option
    assert main(TRAIN + ["-o", str(out), "--resume", "--seeds", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("picffm: error: --seeds differs from the run in") and err.count("\n") == 1
    # --force starts clean: the new run has 2 epochs
    assert main(TRAIN + ["-o", str(out), "--epochs", "2", "--force", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["epochs"] == 2 and doc["complete"]
    assert len((out / "history.csv").read_text().splitlines()) == 1 + 2 * 2
    # --force never deletes what a run did not write
    (out / "notes.txt").write_text("mine")
    assert main(TRAIN + ["-o", str(out), "--force"]) == 2
    assert "notes.txt" in capsys.readouterr().err and (out / "notes.txt").exists()


@pytest.mark.parametrize("damage", ["truncated", "pickle", "foreign", "config"])
def test_corrupt_or_foreign_store_files_give_one_line_naming_them(damage, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(TRAIN + ["-o", str(out)]) == 0
    capsys.readouterr()
    unit = out / "units" / f"{unit_key('model', 'ideal', 0)}.npz"
    if damage == "truncated":
        unit.write_bytes(unit.read_bytes()[:200])
        bad = unit
    elif damage == "pickle":  # a crafted pickle is never loaded: it is not a file of this run
        bad = out / "units" / "model__ideal__0.pkl"
        bad.write_bytes(pickle.dumps({"x": 1}))
    elif damage == "foreign":
        bad = out / "checkpoints" / "mild__ffm__0.npz"
        with zipfile.ZipFile(bad, "w") as z:
            z.writestr("doc.npy", b"junk")
    else:
        bad = out / "config.json"
        bad.write_text(json.dumps({"config": {}, "methods": ["ideal"], "chips": ["mild"], "seeds": [0]}))
    assert main(TRAIN + ["-o", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and err.count("\n") == 1 and "Traceback" not in err


def test_unit_keys_are_unique_per_configuration(tmp_path, capsys):
    assert unit_key("typical", "ffm", 0) == "typical__ffm__0__f0"
    assert unit_key("typical", "ffm", 0, 2) == "typical__ffm__0__f2" != unit_key("typical", "ffm", 2, 0)
    assert unit_key("spec a", "ffm", 0) != unit_key("spec_a", "ffm", 0)
    assert len({unit_key(label, "ffm", 0) for label in ("a b", "a_b", "a/b", "a+b", ".a", "_a")}) == 6
    spec = json.dumps({"detector": {"shot": 0.0}})
    (tmp_path / "spec a.json").write_text(spec)
    (tmp_path / "spec_a.json").write_text(json.dumps({"detector": {"shot": 0.01}}))
    out = tmp_path / "run"
    assert main(["train", "iris", "--epochs", "1", "--seeds", "1", "--folds", "1", "--method", "ffm-phase",
                 "--workers", "1", "--quiet", "--json", "-o", str(out), "--chip", str(tmp_path / "spec a.json"),
                 "--chip", str(tmp_path / "spec_a.json")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert all(doc["chips"][c]["ffm-phase"]["test_acc"]["n"] == 1 for c in ("spec a", "spec_a"))
    assert len(list((out / "units").glob("*.npz"))) == 2


@pytest.mark.parametrize("damage", ["truncated", "foreign-file", "other-key"])
def test_study_store_refuses_corrupt_or_foreign_points_with_one_line(damage, tmp_path, capsys):
    out = tmp_path / "study"
    args = ["study", "drift", "-o", str(out), "--layers", "1", "--epochs", "1", "--seeds", "1",
            "--drift-rates", "0,0.01", "--method", "insilico", "--duration-s", "1", "--step-s", "1",
            "--workers", "1", "--quiet"]
    assert main(args) == 0
    capsys.readouterr()
    first, second = sorted((out / "points").iterdir())
    if damage == "truncated":
        first.write_text(first.read_text()[:20])
        bad = first
    elif damage == "foreign-file":
        bad = out / "points" / "notes.txt"
        bad.write_text("mine")
    else:  # a point file copied under another point's name
        second.write_text(first.read_text())
        bad = second
    assert main(args + ["--resume"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("command", [
    ["train", "iris", "--epochs", "1", "--seeds", "1", "--folds", "1", "--method", "ideal"],
    ["study", "asymmetry", "--epochs", "1", "--seeds", "1", "--asymmetries", "0"],
    ["freespace", "classify", "--epochs", "1", "--seeds", "1", "--layers", "1"],
])
def test_an_unreachable_scheduler_leaves_no_run_directory(command, tmp_path, capsys, monkeypatch):
    """The cluster is reached before the run directory is opened (a failed connection left a run behind that the
    next attempt refused as 'not empty')."""
    import picffm.runs.dask as dask_backend
    from picffm.errors import ConfigError

    def unreachable(scheduler):
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: refused")

    monkeypatch.setattr(dask_backend, "_dask_client", unreachable)
    out = tmp_path / "run"
    assert main(command + ["--out", str(out), "--quiet", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("command, default", [
    (["train", "iris"], "runs/iris-<time>"), (["study", "drift"], "./drift-study"),
    (["freespace", "focus"], "runs/focus-<time>"), (["freespace", "classify"], "runs/classify-<time>"),
])
def test_an_empty_out_is_refused(command, default, tmp_path, capsys, monkeypatch):
    """-o '' fell back to the default run directory (train, freespace) or meant '.' (study) without a word."""
    monkeypatch.chdir(tmp_path)
    assert main(command + ["-o", ""]) == 2
    err = capsys.readouterr().err
    assert f"-o/--out is empty; give a directory (or drop it: the default is {default})" in err
    assert err.count("\n") == 1 and list(tmp_path.iterdir()) == []
