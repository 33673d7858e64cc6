"""Drift and asymmetry studies end to end: identical results on every backend,
resume, drift 0 is flat, recalibration works, CLI output and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from picffm.cli.main import main
from picffm.studies import asymmetry, drift
from picffm.studies.runner import run_study
from picffm.studies.sweep import load_sweep

# tiny but real: one 16-mode layer, a few epochs, three checks in time
SMALL_DRIFT = {"layers": 1, "epochs": 3, "seeds": 1, "drift_rates": [0.0, 0.3], "methods": ["insilico", "ffm"],
               "duration_s": 2.0, "step_s": 1.0, "ffm_steps": 1}


def _doc(out):
    return json.loads((out / "results.json").read_text())


def test_small_drift_study_identical_serial_pool_and_dask(tmp_path):
    from distributed import Client, LocalCluster

    sweep = load_sweep("drift", None, SMALL_DRIFT)
    serial = run_study(drift, sweep, tmp_path / "serial", workers=1, progress=False)
    pool = run_study(drift, sweep, tmp_path / "pool", workers=2, progress=False)
    # in-process cluster (threads, no sockets): fast; the executor tests run a
    # process-based LocalCluster on the loopback interface; the scheduler's HTTP
    # server takes a free loopback port (a fixed 8787 may be taken by another run)
    with LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address="127.0.0.1:0") as cluster, \
            Client(cluster) as client:
        dask = run_study(drift, sweep, tmp_path / "dask", scheduler=client, progress=False)
    assert serial.ran == pool.ran == dask.ran == 4 and serial.reused == 0
    for name in ("results.json", "accuracy_vs_time.csv", "summary.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "pool" / name).read_bytes() \
            == (tmp_path / "dask" / name).read_bytes(), name
    assert (tmp_path / "serial" / "accuracy_vs_time.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    points = {(p["drift_rate"], p["method"]): p for p in serial.doc["points"]}
    # drift 0: the in-silico network on an untouched chip keeps exactly its accuracy
    flat = points[(0.0, "insilico")]["accuracy"]
    assert len(flat) == 3 and flat == [flat[0]] * 3
    assert points[(0.0, "insilico")]["passes"] == [0, 0, 0]  # evaluation costs no optical pass
    # strong drift moves the same network (same chip, same seed)
    assert points[(0.3, "insilico")]["accuracy"][0] == flat[0]
    assert points[(0.3, "insilico")]["accuracy"][1:] != flat[1:]
    # online FFM spends passes in every interval: one update on a 35-sample batch,
    # phase level, 1 layer = 2 * 35 passes per update
    assert points[(0.0, "ffm")]["passes"] == [0, 70, 140]
    assert points[(0.0, "ffm")]["initial_passes"] == 3 * 3 * 70
    # the terminal table prints accuracy in %, like the plots
    header, rows = drift.summary_table(serial.doc)
    assert header[2:4] == ["acc t=0 %", "acc end %"]
    row = next(r for r in rows if r[:2] == [0.0, "insilico"])
    assert row[2] == row[3] == f"{100 * flat[0]:.1f}"


def test_resume_reuses_finished_points(tmp_path):
    sweep = load_sweep("drift", None, SMALL_DRIFT)
    out = tmp_path / "study"
    first = run_study(drift, sweep, out, workers=1, progress=False)
    victim = sorted((out / "points").glob("*.json"))[1]
    victim.unlink()  # as if the study had been interrupted before this point finished
    again = run_study(drift, sweep, out, workers=1, resume=True, progress=False)
    assert (again.ran, again.reused) == (1, 3)
    assert again.doc == first.doc
    with pytest.raises(Exception, match="--resume"):
        run_study(drift, sweep, out, workers=1, progress=False)


@pytest.mark.parametrize("method", ["insilico", "recal", "ffm"])
def test_drift_points_share_their_training_bit_for_bit(method):
    """A point that reuses the network trained for another drift rate equals one trained afresh."""
    from picffm.studies.runner import resolve_chip
    from picffm.studies.sweep import DriftSweep

    sweep = DriftSweep(**{**SMALL_DRIFT, "methods": [method], "recal_interval_s": 1.0, "recal_iterations": 1})
    ctx = {**sweep.fixed(), "chip_spec": resolve_chip(sweep.chip)}
    point = {"drift_rate": 0.3, "method": method, "replicate": 0}
    drift._pretrained.cache_clear()
    fresh = drift.drift_point(point, 11, ctx)
    drift.drift_point({**point, "drift_rate": 0.0}, 11, ctx)  # trains, and leaves the network in the cache
    assert drift._pretrained.cache_info().currsize == 1
    shared = drift.drift_point(point, 11, ctx)
    assert drift._pretrained.cache_info().hits >= 2
    assert shared == fresh


def test_recalibration_brings_the_in_silico_network_back():
    from picffm.chip import preset
    from picffm.training.config import TrainConfig
    from picffm.training.trainers import make_chips, make_dataset, make_trainer
    from picffm.studies.evaluation import true_accuracy
    from picffm.studies.recalibration import deploy, maintain

    cfg = TrainConfig(layers=1, epochs=30, folds=1)
    data = make_dataset(3, cfg)
    model = make_trainer("ideal", make_chips(None, 3, 1), data, cfg, 3)
    for _ in range(cfg.epochs):
        model.run_epoch()
    ideal_acc = model.history[-1]["test_acc"]
    w = np.array(model.params.view(0, "w"))
    # an as-fabricated chip that drifts fast: the in-silico network breaks on it
    spec = preset("fabricated").replace(drift__model="random_walk", drift__rate_rad_per_sqrt_s=1e-3)
    chip = make_chips(spec, 3, 1)[0]
    st = model.states[0]
    chip.program(st.params)
    deployed = true_accuracy([chip], [st], data.x_test, data.y_test, cfg.electronics)

    def realised_error(state):  # evaluation only: the chip's true core times the gain against W
        return np.linalg.norm(chip.realised_matrix() * state.gain - w) / np.linalg.norm(w)

    before = chip.passes
    twins, states = deploy([chip], [w], np.random.default_rng(4), iterations=1)
    assert chip.passes - before > twins[0].report.passes  # calibration, then programming passes
    recal = true_accuracy([chip], states, data.x_test, data.y_test, cfg.electronics)
    assert deployed < ideal_acc - 0.2  # the as-fabricated chip ruins the in-silico network ...
    assert recal >= ideal_acc - 0.05  # ... calibration brings it back to the ideal model
    assert realised_error(states[0]) < 0.05
    chip.advance(3600.0)  # 0.06 rad of drift on every heater
    drifted = realised_error(states[0])
    before = chip.passes
    twins, states = maintain([chip], twins, [w], states, iterations=1)
    assert realised_error(states[0]) < min(0.1, drifted / 4)  # one refinement round after the offsets
    assert 16 * 2 <= chip.passes - before <= 16 * (1 + 4 * (1 + 4))  # offsets, then refinement reads


def test_asymmetry_zero_gives_exact_ffm_gradients(tmp_path):
    sweep = load_sweep("asymmetry", None, {"layers": 1, "epochs": 2, "seeds": 1, "asymmetries": [0.0, 1.0],
                                           "methods": ["ffm", "insilico"], "grad_probe_step": 2})
    res = run_study(asymmetry, sweep, tmp_path / "a", workers=1, progress=False)
    pts = {(p["asymmetry"], p["method"]): p for p in res.doc["points"]}
    # with identical mirror halves the FFM gradient is the true gradient up to detector noise;
    # with independent halves it is not
    assert pts[(0.0, "ffm")]["gradient_error_pct"] < 10.0
    assert pts[(1.0, "ffm")]["gradient_error_pct"] > 3 * pts[(0.0, "ffm")]["gradient_error_pct"]
    assert pts[(0.0, "ffm")]["gradient_cos"] > 0.99 and pts[(1.0, "ffm")]["gradient_cos"] < pts[(0.0, "ffm")][
        "gradient_cos"]
    assert pts[(0.0, "insilico")]["gradient_error_pct"] is None and pts[(0.0, "insilico")]["chip_passes"] == 0
    for name in ("results.json", "points.csv", "summary.csv", "asymmetry.png"):
        assert (tmp_path / "a" / name).stat().st_size > 0
    header, rows = asymmetry.summary_table(res.doc)
    assert header[2] == "test acc %"
    assert [r[2] for r in rows if r[:2] == [0.0, "ffm"]] == [f"{100 * pts[(0.0, 'ffm')]['test_accuracy']:.1f}"]


def test_cli_drift_json_and_errors(tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["study", "drift", "--out", str(out), "--layers", "1", "--epochs", "2", "--seeds", "1",
            "--drift-rates", "0", "--method", "insilico", "--duration-s", "1", "--step-s", "1",
            "--workers", "1", "--quiet"]
    assert main(args + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ran"] == 1 and doc["summary"][0]["method"] == "insilico"
    assert (out / "accuracy_vs_time.png").exists()
    # the same command again: refused without --resume, nothing recomputed with it
    assert main(args) == 2
    assert "pass --resume" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    assert "0 point(s) computed, 1 reused" in capsys.readouterr().out
    # bad values name the option and the valid range, in one line
    assert main(["study", "drift", "--out", str(tmp_path / "x"), "--threshold", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("picffm: error: option --threshold: drift.threshold = 2.0") and "\n" not in err
    assert main(["study", "asymmetry", "--out", str(tmp_path / "y"), "--asymmetries", "0,x"]) == 2
    assert "--asymmetries: 'x' is not a float" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[drift]\nmethod = ['ffm']\n")
    assert main(["study", "drift", "--sweep", str(bad), "--out", str(tmp_path / "z")]) == 2
    assert f"{bad}: unknown key 'drift.method'; valid keys:" in capsys.readouterr().err
    assert main(["study", "drift", "--chip", "nonsense", "--out", str(tmp_path / "w"), "--seeds", "1"]) == 2
    assert "neither a preset" in capsys.readouterr().err


def test_kaplan_meier_median_on_a_hand_made_censored_sample():
    from picffm.studies.survival import kaplan_meier, km_median

    # 5 replicates: events at 10, 20, 20 s; two still alive (censored) at 30 s
    times, events = [10.0, 20.0, 20.0, 30.0, 30.0], [True, True, True, False, False]
    grid, surv = kaplan_meier(times, events)
    assert grid.tolist() == [10.0, 20.0]
    np.testing.assert_allclose(surv, [4 / 5, 4 / 5 * (1 - 2 / 4)])  # 0.8, then 0.4 <= 0.5
    assert km_median(times, events) == 20.0
    # a censored replicate leaves the risk set: 1 event among 2 at risk halves S
    assert km_median([5.0, 8.0, 30.0], [False, True, False]) == 8.0
    # more than half survived the study: the median is not reached
    assert km_median([10.0, 30.0, 30.0], [True, False, False]) is None


def test_study_plots_draw_chance_at_one_over_the_data_sets_classes(tmp_path, monkeypatch):
    from picffm.studies import report

    sweep = load_sweep("drift", None, {**SMALL_DRIFT, "drift_rates": [0.0], "methods": ["insilico"]})
    res = run_study(drift, sweep, tmp_path / "d", workers=1, progress=False)
    assert res.doc["config"]["task"] == "iris" and res.doc["config"]["n_classes"] == 3
    drawn = []
    monkeypatch.setattr(drift, "plot_panels", lambda path, panels, **kw: drawn.append(panels))
    # a results.json whose data set has 10 classes: chance is 10 %, not a fixed 1/3
    doc = {**res.doc, "config": {**res.doc["config"], "n_classes": 10}}
    drift.write_outputs(tmp_path / "d", doc)
    chance = [h for h in drawn[-1][0]["hlines"] if h[1].startswith("chance")]
    assert [(v, label) for v, label, _ in chance] == [(0.1, "chance (10 %)")]
    # a results.json written before the class count was recorded (an Iris study): 1/3
    old = {**res.doc, "config": {k: v for k, v in res.doc["config"].items() if k != "n_classes"}}
    drift.write_outputs(tmp_path / "d", old)
    assert [h[:2] for h in drawn[-1][0]["hlines"] if h[1].startswith("chance")] == [(1 / 3, "chance (33 %)")]
    assert report.chance_line({"n_classes": 5})[:2] == (0.2, "chance (20 %)")
