"""Sweep definitions: TOML tables, option overrides, clear errors for bad files."""

from __future__ import annotations

import pytest

from picffm.errors import ConfigError
from picffm.studies.sweep import AsymmetrySweep, DriftSweep, load_sweep, parse_list


def _write(tmp_path, text, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_file_and_options_merge(tmp_path):
    assert load_sweep("drift") == DriftSweep()
    assert load_sweep("asymmetry") == AsymmetrySweep()
    path = _write(tmp_path, """
[drift]
drift_rates = [0, 0.01]      # integers are fine where floats are expected
methods = ["ffm", "insilico"]
seeds = 3

[asymmetry]
asymmetries = [0.0, 1.0]
""")
    d = load_sweep("drift", path, {"seeds": 1, "threshold": None})
    assert d.drift_rates == [0.0, 0.01] and d.methods == ["ffm", "insilico"]
    assert d.seeds == 1  # the option wins; None means "not given"
    assert d.threshold == DriftSweep().threshold
    assert load_sweep("asymmetry", path).asymmetries == [0.0, 1.0]
    assert "drift_rates" not in d.fixed() and d.fixed()["duration_s"] == d.duration_s


@pytest.mark.parametrize("text, pattern", [
    ("[drift]\ndrift_ratez = [0.0]\n", r"sweep.toml: unknown key 'drift.drift_ratez'; valid keys: .*drift_rates"),
    ("[drift]\ndrift_rates = [0.0, -0.1]\n",
     r"sweep.toml: drift.drift_rates\[1\] = -0.1: .*greater than or equal to 0; valid: .*rad/sqrt\(s\).*\[0, 10\]"),
    ("[drift]\nmethods = ['ffm', 'backprop']\n", r"drift.methods\[1\] = 'backprop'.*insilico, recal, ffm"),
    ("[drift]\nseeds = '2'\n", r"drift.seeds = '2': Input should be a valid integer"),
    ("[drift]\nseeds = 0\n", r"drift.seeds = 0: .*valid: replicate chips per point \(1 .. 1000\)"),
    ("[drift]\nthreshold = 1.5\n", r"drift.threshold = 1.5"),
    ("[drift]\nstep_s = 10\nduration_s = 5\n", r"sweep.toml: \[drift\]: step_s \(10.0\) must not exceed duration_s"),
    ("[drift]\nduration_s = 1000\nstep_s = 0.1\n", r"10000 time steps; at most 2000"),
    ("[drift]\nrecal_interval_s = 1\nstep_s = 5\nduration_s = 60\n", r"recal_interval_s \(1.0\) must be >= step_s"),
    ("[drift]\ndrift_rates = [0.1, 0.1]\n", r"drift.drift_rates = \[0.1, 0.1\]: values must be distinct"),
    ("[drift]\ndrift_rates = []\n", r"drift.drift_rates = \[\]: .*at least 1"),
    ("[asymmetry]\nasymmetries = [0.5, 1.2]\n", r"sweep.toml: no \[drift\] table \(found: \[asymmetry\]\)"),
    ("[drfit]\n", r"unknown table or key 'drfit'; a sweep file holds the tables \[drift\], \[asymmetry\]"),
    ("drift = 3\n", r"drift must be a table"),
    ("[drift\n", r"sweep.toml: invalid TOML"),
])
def test_bad_sweep_files_fail_clearly(tmp_path, text, pattern):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=pattern):
        load_sweep("drift", path)


def test_asymmetry_range_and_option_errors(tmp_path):
    path = _write(tmp_path, "[asymmetry]\nasymmetries = [0.5, 1.2]\n")
    with pytest.raises(ConfigError, match=r"asymmetry.asymmetries\[1\] = 1.2: .*valid: mirror asymmetries, each in \[0, 1\]"):
        load_sweep("asymmetry", path)
    with pytest.raises(ConfigError, match=r"option --epochs: asymmetry.epochs = 0"):
        load_sweep("asymmetry", path, {"epochs": 0, "asymmetries": [0.5]})
    with pytest.raises(ConfigError, match="no such sweep file"):
        load_sweep("drift", tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="unknown study 'noise'; valid: drift, asymmetry"):
        load_sweep("noise")


def test_parse_list():
    assert parse_list("0, 1e-3,0.5", "--drift-rates") == [0.0, 1e-3, 0.5]
    assert parse_list("ffm,recal", "--method", str) == ["ffm", "recal"]
    with pytest.raises(ConfigError, match=r"--drift-rates: 'x' is not a float"):
        parse_list("0,x", "--drift-rates")
    with pytest.raises(ConfigError, match="comma-separated list"):
        parse_list(" , ", "--drift-rates")


def test_gradient_probe_defaults_to_update_80_or_the_last_update_of_a_short_run():
    from picffm.studies.sweep import AsymmetrySweep

    assert AsymmetrySweep().grad_probe_step == 80  # as in Xue et al.
    assert AsymmetrySweep(epochs=3).grad_probe_step == 9  # 3 updates per epoch
    with pytest.raises(ValueError, match=r"grad_probe_step \(20\) must be <= .* = 9"):
        AsymmetrySweep(epochs=3, grad_probe_step=20)


def test_study_method_option_is_spelled_as_in_train(capsys):
    from picffm.cli.main import build_parser, main
    from picffm.cli.study import _options

    args = build_parser().parse_args(["study", "drift", "--method", "ffm", "--method", "insilico,recal"])
    assert _options(args)["methods"] == ["ffm", "insilico", "recal"]
    with pytest.raises(SystemExit) as exc:  # one spelling: the plural is an unknown option
        main(["study", "drift", "--methods", "ffm"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --methods" in capsys.readouterr().err
    assert main(["study", "asymmetry", "--method", "recal"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("picffm: error: option --method: asymmetry.methods[0] = 'recal'") and "\n" not in err


@pytest.mark.parametrize("study, options", [
    ("drift", {"--drift-rates": "1e-06,1e-05,0.0001", "--duration-s": "14400", "--step-s": "900",
               "--recal-interval-s": "3600", "--seeds": "5", "--epochs": "60", "--threshold": "0.8"}),
    ("asymmetry", {"--asymmetries": "0,0.25,0.5,0.75,1", "--seeds": "2", "--chip": "typical"}),
])
def test_study_help_prints_the_sweep_models_defaults(study, options, capsys):
    """The help used to print defaults of an earlier version (drift: 0,0.01,0.03 over 60 s, seeds 2)."""
    import re

    from picffm.cli.main import main

    with pytest.raises(SystemExit):
        main(["study", study, "--help"])
    text = " ".join(capsys.readouterr().out.split()).split("options:", 1)[1]
    helps = {"--" + h.split()[0]: h for h in text.split(" --")[1:]}
    for option, default in options.items():
        found = re.search(r"default ([^)]*)\)", helps[option])
        assert found and found.group(1) == default, (option, helps[option])


@pytest.mark.parametrize("value", ["0", "x", "1.5", "300"])
def test_study_workers_option_reads_as_trains(value, tmp_path, capsys):
    """One --workers parser for train, study and freespace ('x' and '1.5' were argparse's 'invalid int value')."""
    from picffm.cli.main import main

    assert main(["study", "drift", "--workers", value, "-o", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert f"--workers '{value}' is invalid; give an integer in 1 .. 256 (1 = serial)" in err and err.count("\n") == 1
    assert not (tmp_path / "s").exists()
