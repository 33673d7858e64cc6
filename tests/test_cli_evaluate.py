"""picffm evaluate: a run's trained networks deployed on other chips, fabrication seeds and drift times."""

import json

import pytest

from _cli import run

from picffm.cli.main import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval") / "run"
    assert main(["train", "iris", "--epochs", "4", "--seeds", "1", "--folds", "1", "--chip", "mild", "--method", "ideal,ffm",
                 "--workers", "1", "--out", str(out), "--quiet", "--json"]) == 0
    return out


def test_deploy_on_other_chips_seeds_and_times(run_dir, capsys):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    code, out, err = run(["evaluate", str(run_dir), "--chip", "model,harsh", "--seeds", "0,5",
                          "--drift-time", "0,3600", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    rows = {(r["method"], r["trained_on"], r["target"], r["drift_time_s"]): r["test_acc"] for r in doc["rows"]}
    assert set(rows) == {(m, on, t, s) for m, on in (("ideal", "model"), ("ffm", "mild"))
                         for t in ("model", "harsh") for s in (0.0, 3600.0)}
    # the ideal model is noiseless and does not drift: every deployment gives the run's own ideal accuracy
    ideal = rows[("ideal", "model", "model", 0.0)]
    assert ideal["n"] == 2 and ideal["std"] == 0
    assert ideal["mean"] == pytest.approx(metrics["chips"]["mild"]["ideal"]["test_acc"]["mean"], abs=1e-9)
    assert rows[("ideal", "model", "model", 3600.0)] == ideal
    for acc in rows.values():
        assert 0 <= acc["mean"] <= 100 and len(acc["per_unit"]) == 2

    code, out, err = run(["evaluate", str(run_dir)], capsys)  # default: the run's own chips, own seeds
    assert code == 0, err
    assert "mild" in out.splitlines()[1] and "ffm" in out and "chance 33.3 %" in out


@pytest.mark.parametrize("args, message", [
    (["--seeds", "x"], "--seeds 'x' is invalid"),
    (["--drift-time", "-1"], "--drift-time '-1' is invalid"),
    (["--drift-time", "inf"], "--drift-time 'inf' is invalid"),
    (["--chip", "lukewarm"], "chip 'lukewarm' is neither a preset"),
    # these used to run: an empty --chip silently took the run's chips, and a repeated target, seed or time was
    # pooled into one column that counted the same deployments twice (std 0.0 over "2" deployments)
    (["--chip", ","], "--chip ',' names no chip; valid: a preset (ideal, mild"),
    (["--chip", "mild,harsh,mild"], "--chip lists mild more than once; give distinct values"),
    (["--seeds", "1,1"], "--seeds lists 1 more than once"),
    (["--drift-time", "0,3600,3.6e3"], "--drift-time lists 3600 more than once"),
])
def test_bad_options_give_one_line(run_dir, capsys, args, message):
    code, out, err = run(["evaluate", str(run_dir)] + args, capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_not_a_run_directory(tmp_path, capsys):
    code, out, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 2 and "not a picffm training run directory" in err and err.count("\n") == 1


def test_library_refuses_repeated_targets(run_dir):
    from picffm.errors import ConfigError
    from picffm.training.deployment import evaluate_run

    with pytest.raises(ConfigError, match="fab_seeds lists 2 more than once"):
        evaluate_run(run_dir, ["mild"], fab_seeds=[2, 2])
    with pytest.raises(ConfigError, match="chips lists 'model' more than once"):
        evaluate_run(run_dir, ["model", "ideal"])


def test_a_run_from_another_version_is_named_whole(run_dir, tmp_path, capsys):
    """A config.json with a key this version does not know: the whole message names it and the valid keys (it was
    cut at 160 characters, mid-word) and says what to do."""
    import shutil

    other = tmp_path / "other"
    shutil.copytree(run_dir, other)
    doc = json.loads((other / "config.json").read_text())
    doc["config"]["laser_linewidth_hz"] = 1e5
    (other / "config.json").write_text(json.dumps(doc))
    code, out, err = run(["evaluate", str(other)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "unknown training option 'laser_linewidth_hz'; valid: layers, epochs" in err
    assert "checkpoint_every" in err and "another picffm version may have written it" in err


def _snapshot(path):
    return {str(p.relative_to(path)): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None)
            for p in sorted(path.rglob("*"))}


def test_evaluate_writes_nothing_in_the_run_directory(run_dir, tmp_path, capsys):
    """evaluate used to write its pid into the lock file (and needed a writable directory to create it)."""
    import shutil

    from picffm.runs.rundir import LOCK_NAME, open_run_dir, open_run_dir_for_reading
    from picffm.training.store import OWNED

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    before = _snapshot(copy)
    code, out, err = run(["evaluate", str(copy), "--quiet"], capsys)
    assert code == 0, err
    assert _snapshot(copy) == before
    (copy / LOCK_NAME).unlink()  # a run copied without its hidden lock file is read all the same
    assert run(["evaluate", str(copy), "--quiet"], capsys)[0] == 0 and not (copy / LOCK_NAME).exists()
    # readers share the directory; a run writing it refuses them (and they refuse it)
    (copy / LOCK_NAME).write_text("")
    with open_run_dir_for_reading(copy, marker="config.json"):
        assert run(["evaluate", str(copy), "--quiet"], capsys)[0] == 0
        with pytest.raises(Exception, match="another picffm run is writing this directory"):
            open_run_dir(copy, marker="config.json", owned=OWNED, resume=True)
    with open_run_dir(copy, marker="config.json", owned=OWNED, resume=True):
        code, out, err = run(["evaluate", str(copy), "--quiet"], capsys)
    assert code == 2 and "a picffm run is still writing this directory (pid" in err and err.count("\n") == 1


def test_a_free_space_run_directory_is_named_as_such(tmp_path, capsys):
    """It was called an invalid training config 'another picffm version may have written'."""
    (tmp_path / "config.json").write_text(json.dumps({"command": "freespace focus", "medium": "phase-plate"}))
    code, out, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "holds a 'picffm freespace focus' run, not a 'picffm train' run" in err
    code, out, err = run(["train", "iris", "--out", str(tmp_path), "--resume"], capsys)
    assert code == 2 and "holds a 'picffm freespace focus' run" in err
