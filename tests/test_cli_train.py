"""picffm train iris end to end: table, JSON, run directory, resume, bad options."""

import json
import os

import pytest

from _cli import run


def test_short_run_learns_and_writes_the_run_directory(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run(["train", "iris", "--epochs", "12", "--seeds", "1", "--folds", "2", "--chip", "mild",
                          "--method", "ideal,insilico", "--method", "ffm-phase", "--out", str(out_dir), "--json",
                          "--quiet"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["complete"] and doc["run_dir"] == str(out_dir)
    mild = doc["chips"]["mild"]
    assert mild["ffm-phase"]["test_acc"]["mean"] > 75  # chance: 33 %
    assert mild["ideal"]["test_acc"]["mean"] > 75
    # one network per (seed, fold); every sample tested once per seed; paired difference to the ideal model
    assert doc["folds"] == 2 and doc["test_samples_per_seed"] == 150
    assert mild["ffm-phase"]["replicates"] == [[0, 0], [0, 1]] and mild["ffm-phase"]["test_acc"]["n"] == 2
    lo, hi = mild["ffm-phase"]["test_acc"]["ci"]
    assert lo < mild["ffm-phase"]["test_acc"]["mean"] < hi
    assert mild["ffm-phase"]["vs_ideal"] in ("above", "within", "below")
    # 75 training samples per fold: batches 35, 35, 5 (mean 25): 2 L B = 100 passes per update on average
    assert mild["ffm-phase"]["passes_per_update"] == 100 and doc["passes_per_update"]["ffm"] == 105
    assert doc["passes_per_update"]["fd"] > 100 * doc["passes_per_update"]["ffm-phase"]
    for name in ("config.json", "metrics.json", "history.csv", "table.txt", "learning_curves.png",
                 "accuracy_bars.png"):
        assert (out_dir / name).is_file()
    assert json.loads((out_dir / "metrics.json").read_text())["chips"] == doc["chips"]
    rows = (out_dir / "history.csv").read_text().splitlines()
    assert rows[0].startswith("chip,method,seed,fold,epoch") and len(rows) == 1 + 3 * 2 * 12
    params = sorted(p.name for p in (out_dir / "params").iterdir())
    assert params[0].endswith("__layer0.json") and len(params) == 2 * 4

    # the table form, and resuming a finished run just reprints it
    code, out, err = run(["train", "iris", "-o", str(out_dir), "--resume"], capsys)
    assert code == 0, err
    assert "Test accuracy" in out and "ffm-phase" in out and "passes per update" in out
    assert "Method minus ideal" in out and "Targets on chip mild" in out
    # passes per update: a full batch in closed form for every method, beside the run's mean for trained ones
    assert doc["full_batch"] == 35 and doc["mean_batch"] == 25 and doc["train_samples"] == 75
    assert doc["passes_per_update_full_batch"]["ffm-phase"] == 140 and doc["passes_per_update_full_batch"]["ffm"] == 105
    assert "whose mean batch is 25.0 (75 training samples in batches of up to 35)" in out
    assert next(r for r in out.splitlines() if r.startswith("ffm-phase ")).split()[:3] == ["ffm-phase", "140", "100"]
    # only the methods this run trained get a row (ffm, spsa and fd were not run: closed form in metrics.json only)
    passes = out.split("Optical passes per update")[1].split("\n\n")[0].splitlines()[3:]
    assert [r.split()[0] for r in passes] == ["ideal", "insilico", "ffm-phase"]


@pytest.mark.parametrize("args, message", [
    (["--method", "backprop"], "unknown method 'backprop'"),
    (["--chip", "lukewarm"], "chip 'lukewarm' is neither a preset"),
    (["--epochs", "0"], "--epochs must be >= 1"),
    (["--seeds", "x"], "--seeds 'x' is invalid"),
    (["--chip", "missing.toml"], "missing.toml"),
    (["--lr", "-1"], "--lr -1.0 is invalid; valid: a number > 0"),
    (["--folds", "0"], "--folds 0 is invalid; valid: 1 (a single split) .. 10"),
    # an option given but naming nothing used to run the defaults; a duplicated seed gave a sweep-key message;
    # --test-fraction with several folds was ignored
    (["--method", ","], "--method ',' names no method; valid: ideal, insilico"),
    (["--method", ""], "--method '' names no method"),
    (["--chip", " , "], "--chip ' , ' names no chip; valid: a preset (ideal, mild"),
    (["--seeds", "1,2,1"], "--seeds '1,2,1' lists seed 1 more than once; give distinct seeds"),
    (["--test-fraction", "0.2"], "--test-fraction applies to a single split (--folds 1); with --folds 3"),
    (["--folds", "11"], "--folds 11 is invalid"),
    # the TrainConfig field names leaked ('layers = 17 is invalid'); the options are named now
    (["--layers", "17"], "--layers 17 is beyond the limit; valid: 1 .. 16"),
    (["--batch-size", "0"], "--batch-size 0 is below the limit; valid: 1 .. 100000"),
    (["--epochs", "100001"], "--epochs 100001 is beyond the limit; valid: 1 .. 100000"),
    (["--lr", "nan"], "--lr nan is invalid; valid: a number > 0"),
])
def test_bad_options_fail_with_one_line(args, message, capsys, tmp_path):
    code, out, err = run(["train", "iris", "--out", str(tmp_path / "r")] + args, capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_directory(tmp_path, capsys):  # pragma: no cover - CI runs as root here
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o500)
    code, _, err = run(["train", "iris", "--epochs", "1", "--seeds", "1", "--out", str(ro / "x")], capsys)
    assert code == 2 and "not writable" in err


def test_output_path_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("")
    code, _, err = run(["train", "iris", "--epochs", "1", "--seeds", "1", "--out", str(f / "run")], capsys)
    assert code == 2 and "not writable" in err and err.count("\n") == 1


def test_resume_needs_a_run_directory(tmp_path, capsys):
    code, _, err = run(["train", "iris", "--resume"], capsys)
    assert code == 2 and "--resume needs the run directory" in err
    code, _, err = run(["train", "iris", "--out", str(tmp_path / "nothing"), "--resume"], capsys)
    assert code == 2 and "cannot resume" in err and err.count("\n") == 1


def test_ctrl_c_stops_cleanly_with_a_resume_hint(tmp_path, capsys, monkeypatch):
    import picffm.cli.train as cli_train

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_train, "run_experiment", interrupted)
    code, out, err = run(["train", "iris", "--epochs", "1", "--folds", "1", "--out", str(tmp_path / "r")], capsys)
    assert code == 130 and out == ""
    assert f"--out {tmp_path / 'r'} --resume" in err and err.count("\n") == 1


def test_short_run_reads_the_gradient_error_at_its_last_update(capsys, tmp_path):
    code, out, err = run(["train", "iris", "--epochs", "2", "--seeds", "1", "--folds", "1", "--chip", "mild",
                          "--method", "ffm", "--workers", "1", "--out", str(tmp_path / "r"), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["grad_probe_step"] == 6  # 2 epochs x 3 updates (105 samples, batch 35)
    entry = doc["chips"]["mild"]["ffm"]
    assert entry["grad_error"]["mean"] < entry["insilico_grad_error"]["mean"]
    assert entry["grad_cos"]["mean"] > 0.99
