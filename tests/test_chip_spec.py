"""ChipSpec files and presets, calibration helpers and the `picffm chip` CLI."""

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm.chip import PRESETS, ChipSpec, load_spec, preset, save_spec
from picffm.chip.calibration import fidelity, insertion_loss_db, relative_error, relative_symmetry_error
from picffm.chip.spec import CouplerSpec, DriftSpec, describe_fields
from picffm.cli.main import main
from picffm.errors import ParamsError, SpecError


# --------------------------------------------------------------- files
@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("ext", [".toml", ".json"])
def test_presets_round_trip_through_files(tmp_path, name, ext):
    path = tmp_path / f"spec{ext}"
    save_spec(preset(name), path)
    back = load_spec(path)
    assert back == preset(name)
    assert back.name == path.name


def test_partial_file_takes_defaults(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('mirror_asymmetry = 0.5\n[drift]\nmodel = "ou"\nsigma_rad = 1e-3\n')
    spec = load_spec(path)
    assert spec.mirror_asymmetry == 0.5 and spec.drift == DriftSpec(model="ou", sigma_rad=1e-3)
    assert spec.coupler == CouplerSpec()


@pytest.mark.parametrize("text,match", [
    ("[coupler]\nkapa_std = 0.03\n", r"s\.toml: unknown key 'coupler\.kapa_std'; valid keys in \[coupler\]: kappa_std"),
    ("[couplers]\nkappa_std = 0.03\n", r"s\.toml: unknown key 'couplers'; valid keys: mirror_asymmetry, coupler"),
    ("[coupler]\nkappa_std = 0.7\n", r"s\.toml: coupler\.kappa_std = 0\.7 out of range; valid: number in \[0, 0\.25\]"),
    ("mirror_asymmetry = 1.5\n", r"mirror_asymmetry = 1\.5 out of range; valid: number in \[0, 1\]"),
    ("[heater]\ndac_bits = 12.5\n", r"heater\.dac_bits = 12\.5 is invalid; valid: integer in \[0, 24\]"),
    ("[heater]\ndac_bits = 40\n", r"heater\.dac_bits = 40 out of range; valid: integer in \[0, 24\]"),
    ('[drift]\nmodel = "brownian"\n', r"drift\.model = 'brownian' is invalid; valid: one of 'none', 'random_walk', 'ou'"),
    ('[phase]\noffset_std_rad = "0.1"\n', r"phase\.offset_std_rad = '0\.1' is invalid; valid: number"),
    ("coupler = 3\n", r"coupler must be a table"),
    ("[coupler\n", r"s\.toml: invalid TOML"),
])
def test_bad_spec_files_fail_with_clear_message(tmp_path, text, match):
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(SpecError, match=match):
        load_spec(path)


def test_bad_json_and_suffix(tmp_path):
    p = tmp_path / "s.json"
    p.write_text('{"loss": {"mzi_db": -1}}')
    with pytest.raises(SpecError, match=r"s\.json: loss\.mzi_db = -1\.0 out of range; valid: number in \[0, 10\] \(dB\)"):
        load_spec(p)
    with pytest.raises(SpecError, match="use .toml or .json"):
        load_spec(tmp_path / "s.yaml")
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.toml")
    with pytest.raises(SpecError, match="use .toml or .json"):
        save_spec(preset("mild"), tmp_path / "s.txt")


def test_library_construction_is_validated_too():
    with pytest.raises(SpecError, match=r"coupler\.kappa_std = -0\.1 out of range"):
        CouplerSpec(kappa_std=-0.1)
    with pytest.raises(SpecError, match="mirror_asymmetry"):
        ChipSpec(mirror_asymmetry=2.0)
    with pytest.raises(SpecError, match=r"unknown section 'cupler'"):
        preset("mild").replace(cupler__kappa_std=0.1)
    with pytest.raises(SpecError, match="unknown chip preset 'typcal'; valid presets: ideal, mild, typical, harsh, phase-calibrated, fabricated"):
        preset("typcal")
    spec = preset("typical").replace(coupler__kappa_std=0.05)
    assert spec.coupler.kappa_std == 0.05 and spec.phase == preset("typical").phase


def test_presets_are_ordered_in_severity_and_documented():
    keys = [("coupler", "kappa_std"), ("phase", "offset_std_rad"), ("heater", "efficiency_std"),
            ("loss", "mzi_db"), ("detector", "shot")]
    for sec, key in keys:
        vals = [getattr(getattr(preset(n), sec), key) for n in ("ideal", "mild", "typical", "harsh")]
        assert vals == sorted(vals) and vals[0] == 0 < vals[1], (sec, key)
    # calibrated chips: residual phase error of order 0.01 rad after per-MZI calibration, splitting
    # ratios folded into programming; the as-fabricated chip has effectively random phases
    assert 0.005 <= preset("typical").phase.offset_std_rad <= 0.02
    assert preset("typical").coupler.kappa_std < preset("fabricated").coupler.kappa_std
    assert preset("fabricated").phase.offset_std_rad >= 3.0
    from picffm.chip.presets import PRESET_STATE
    assert set(PRESET_STATE) == set(PRESETS) and PRESET_STATE["fabricated"] == "as fabricated"
    assert {PRESET_STATE[n] for n in ("mild", "typical", "harsh")} == {"calibrated"}
    fields = describe_fields()
    assert all(f["doc"] for f in fields) and len({f["key"] for f in fields}) == len(fields)


def test_phase_calibrated_preset_is_typical_with_the_as_fabricated_couplers():
    """The calibration ladder's middle step: phases calibrated per MZI, splitting ratios never measured."""
    from picffm.chip.presets import PRESET_STATE
    names = list(PRESETS)
    assert names.index("phase-calibrated") == names.index("fabricated") - 1
    assert PRESET_STATE["phase-calibrated"] == "calibrated, phases only"
    pc, typ, fab = (preset(n).to_dict() for n in ("phase-calibrated", "typical", "fabricated"))
    differ = {(sec, key) for sec, v in typ.items() if isinstance(v, dict) for key in v if pc[sec][key] != v[key]}
    differ |= {(sec, None) for sec, v in typ.items() if not isinstance(v, dict) and pc[sec] != v}
    assert differ == {("coupler", "kappa_std")}
    assert pc["coupler"] == fab["coupler"] != typ["coupler"]


def test_fabricated_preset_is_typical_before_calibration():
    """The same technology as fabricated: only what calibration removes differs; loss, drift and noise stay."""
    typ, fab = preset("typical").to_dict(), preset("fabricated").to_dict()
    differ = {(sec, key) for sec, v in typ.items() if isinstance(v, dict) for key in v if fab[sec][key] != v[key]}
    differ |= {(sec, None) for sec, v in typ.items() if not isinstance(v, dict) and fab[sec] != v}
    assert {sec for sec, _ in differ} == {"mirror_asymmetry", "coupler", "phase", "heater", "detector", "modulator"}
    assert ("detector", "phase_offset_std_rad") in differ and ("heater", "dac_bits") not in differ
    assert fab["loss"] == typ["loss"] and fab["drift"] == typ["drift"]
    assert all(fab["detector"][k] == typ["detector"][k] for k in ("shot", "thermal", "adc_bits", "phase_noise_rad"))
    assert fab["modulator"]["noise"] == typ["modulator"]["noise"]


def test_default_iris_experiment_lists_the_target_chip():
    """``picffm train iris`` without --chip trains on the phase-calibrated chip the targets are read on."""
    from picffm.cli.main import build_parser
    from picffm.cli.train import _experiment
    from picffm.training.paper import TARGET_CHIP
    exp = _experiment(build_parser().parse_args(["train", "iris"]))
    labels = [label for label, _ in exp.chips]
    assert labels == ["mild", "typical", "harsh", "phase-calibrated"] and TARGET_CHIP in labels
    assert dict(exp.chips)["phase-calibrated"] == preset("phase-calibrated")


# --------------------------------------------------------- calibration maths
def test_fidelity_and_errors_written_out():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    assert fidelity(a, 0.3j * a) == pytest.approx(1.0)
    b = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    expected = abs(np.trace(a.conj().T @ b)) ** 2 / (np.linalg.norm(a) ** 2 * np.linalg.norm(b) ** 2)
    assert fidelity(a, b) == pytest.approx(expected)
    assert 0 <= fidelity(a, b) < 1
    assert relative_error(a, a) == 0 and relative_error(2 * a, a) == pytest.approx(1.0)
    assert insertion_loss_db(a * 10 ** (-3 / 20), a) == pytest.approx(3.0)
    s = a + a.T
    assert relative_symmetry_error(s) < 1e-15
    assert relative_symmetry_error(a - a.T) == pytest.approx(2.0)
    with pytest.raises(ParamsError, match="shape"):
        fidelity(a, a[:3])


# --------------------------------------------------------------------- CLI
@pytest.mark.parametrize("name", list(PRESETS))
def test_cli_inspect_every_preset(capsys, name):
    assert main(["chip", "inspect", "--chip", name, "-n", "6", "--samples", "3", "--times", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["spec"] == name and out["n"] == 6 and out["samples"] == 3
    # one probe (N passes) per sample, then 4 times 100 probe reads for the drift through the protocol
    assert out["passes"] == 3 * 6 + 4 * 100 * 6
    if name == "ideal":
        assert out["fidelity"]["min"] > 1 - 1e-12 and out["rel_error"]["max"] < 1e-12
        assert out["symmetry_error"]["max"] < 1e-13 and out["measured_rel_error"]["max"] < 1e-12
        assert out["drift"]["rel_std_pct_max"] < 1e-10
    else:
        assert 0 < out["fidelity"]["mean"] < 1 and out["insertion_loss_db"]["mean"] > 0
        assert out["ideal_rel_error"]["max"] < 1e-12 and out["measured_rel_error"]["mean"] > 0
        assert out["drift"]["rel_std_pct_mean"] > 0


def test_cli_inspect_text_and_file_spec(capsys, tmp_path):
    path = tmp_path / "mine.toml"
    assert main(["chip", "spec", "harsh", "-o", str(path)]) == 0
    assert load_spec(path) == preset("harsh")
    assert main(["chip", "inspect", "--chip", str(path), "-n", "4", "--samples", "2"]) == 0
    out = capsys.readouterr().out
    assert "chip mine.toml (from a spec file): symmetric core, N = 4" in out and "programming fidelity" in out
    assert "drift over 600 s" in out


@pytest.mark.parametrize("repeats, expected", [
    ("1", "mean; noise not separated (1 read per time"),
    ("3", "% rms; of the rms, noise "),
])
def test_cli_inspect_drift_line_never_prints_nan(capsys, repeats, expected):
    """With one read per time the noise floor cannot be measured: the line says so instead of 'nan'."""
    assert main(["chip", "inspect", "-n", "4", "--samples", "1", "--times", "3", "--drift-repeats", repeats]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("drift measured")][0]
    assert expected in line and "nan" not in line.lower()


def test_cli_presets(capsys):
    assert main(["chip", "presets"]) == 0
    out = capsys.readouterr().out
    assert "coupler.kappa_std" in out and "typical" in out
    assert main(["chip", "presets", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["typical"] == preset("typical").to_dict()
    assert main(["chip", "presets", "--fields"]) == 0
    assert "rad/sqrt(s)" in capsys.readouterr().out


@pytest.mark.parametrize("argv,match", [
    (["chip", "inspect", "--chip", "typcal"], "neither a preset"),
    (["chip", "inspect", "--chip", "{bad}"], "/bad.toml: unknown key 'coupler.kapa_std'"),
    (["chip", "inspect", "--chip", "{range}"], "range.toml: heater.dac_bits = 99 out of range; valid: integer in [0, 24]"),
    (["chip", "inspect", "-n", "1"], "-n 1 is below the limit; valid: 2 .. 128"),
    (["chip", "inspect", "--window", "0"], "--window must be > 0"),
    (["chip", "spec", "mild", "-o", "{dir}/x.yaml"], "use .toml or .json"),
])
def test_cli_errors_are_one_line(capsys, tmp_path, argv, match):
    (tmp_path / "bad.toml").write_text("[coupler]\nkapa_std = 0.02\n")
    (tmp_path / "range.toml").write_text("[heater]\ndac_bits = 99\n")
    sub = {"{bad}": str(tmp_path / "bad.toml"), "{range}": str(tmp_path / "range.toml")}
    argv = [sub.get(a, a).replace("{dir}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("picffm: error: ") and match in err and err.count("\n") == 1
