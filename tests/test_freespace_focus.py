"""Focusing through scattering media: reciprocity of the error pass, FFM gradient, metrics, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm.cli.main import main
from picffm.freespace.devices import EXACT_CAMERA, SLM
from picffm.freespace.errors import FreespaceError
from picffm.freespace.focus_metrics import fwhm_um, psnr_db, upsample_field
from picffm.freespace.focusing import FocusDesign, FocusSystem, SpotLoss, _segment_sum, run_ffm, run_pso
from picffm.freespace.grid import Grid
from picffm.freespace.imperfections import NONE


def _small(**kw):
    return FocusDesign(grid=Grid(24, 40.0), z_medium_um=5000.0, z_camera_um=100_000.0, segment=2,
                       dtype="complex128", camera=EXACT_CAMERA, phase_slm=SLM(bit_depth=None), **kw)


def test_error_pass_is_the_transpose_of_the_forward_transfer():
    d = _small()
    s = FocusSystem(d, 3, NONE)
    n = d.grid.n
    rng = np.random.default_rng(0)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    b = rng.normal(size=(1, n, n)) + 1j * rng.normal(size=(1, n, n))
    # <b, T a> = <T^T b, a> (bilinear, no conjugation) with T a computed by the forward route
    ta = s._forward(a[None])[0]
    assert_allclose(np.sum(b[0] * ta), np.sum(s.error_pass(b)[0] * a), rtol=1e-10)


def test_ffm_focus_gradient_matches_finite_differences():
    d = _small()
    s = FocusSystem(d, 1, NONE)
    loss = SpotLoss.at(d)
    rng = np.random.default_rng(2)
    ph = rng.uniform(0, 2 * np.pi, (d.n_segments,) * 2)

    def f(p):
        s.program(p)
        return float(loss(s.intensities())[0])

    s.program(ph)
    y, a = s.fields(monitor=True)
    v = s.error_pass(np.conj(loss.grad(y)))
    grad = _segment_sum(np.real(2j * a[0] * v[0]), d.segment)
    for _ in range(3):
        dirn = rng.normal(size=ph.shape)
        h = 1e-3
        fd = (8 * (f(ph + h * dirn) - f(ph - h * dirn)) - (f(ph + 2 * h * dirn) - f(ph - 2 * h * dirn))) / (12 * h)
        assert abs(np.sum(grad * dirn) - fd) <= 1e-9 * abs(fd)


def test_ffm_focuses_faster_than_pso():
    d = _small()
    loss = SpotLoss.at(d)
    h_ffm, _, snaps = run_ffm(FocusSystem(d, 0, NONE), loss, 20, snapshots=(0, 20))
    h_pso, _ = run_pso(FocusSystem(d, 0, NONE), loss, 20, np.random.default_rng(0), particles=6)
    assert h_ffm[-1] < h_ffm[0] - 2 and h_ffm[-1] < h_pso[-1]
    assert set(snaps) == {0, 20}
    assert np.all(np.diff(h_pso) <= 0)  # the swarm's best never gets worse


def test_fwhm_of_a_gaussian_and_psnr():
    g = Grid(64, 5.0)
    x, y = g.mesh_um()
    w = 40.0  # intensity exp(-2 r^2 / w^2): FWHM = w sqrt(2 ln 2)
    field = np.exp(-(x ** 2 + y ** 2) / w ** 2)
    assert_allclose(fwhm_um(field, g.pitch_um), w * np.sqrt(2 * np.log(2)), rtol=2e-3)
    assert_allclose(np.abs(upsample_field(field, 4))[::4, ::4], field, atol=1e-6)
    i = np.abs(field) ** 2
    assert psnr_db(3 * i, i) > 300 and psnr_db(i, i) == np.inf  # peak-normalised
    j = i.copy()
    j[0, 0] += 0.5 * i.max()  # one pixel off by half the peak: MSE = 0.25 / N
    assert psnr_db(j, i) == pytest.approx(10 * np.log10(4 * i.size))


def test_bad_focus_design_is_named():
    with pytest.raises(FreespaceError, match="segment"):
        FocusDesign(grid=Grid(24, 40.0), segment=5)
    with pytest.raises(FreespaceError, match="outside"):
        SpotLoss.at(_small(), (1e6, 0.0))


def test_cli_focus_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["freespace", "focus", "--iterations", "4", "--pso-iterations", "3", "--particles", "3",
            "--random-iterations", "3", "--fov-iterations", "2", "-o", str(out), "--quiet", "--json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["diffraction_limit_um"] == pytest.approx(0.532 * 388_000 / 3200)
    assert summary["methods"]["ffm"]["passes"] == 9 and summary["methods"]["pso"]["passes"] == 12
    for name in ("config.json", "metrics.json", "history.csv", "masks.npz", "convergence.png",
                 "focus_forming.png", "final_focus.png", "field_of_view.png"):
        assert (out / name).is_file(), name
    before = (out / "metrics.json").read_bytes()
    assert main(args) == 2  # refuses to clobber
    assert "--force" in capsys.readouterr().err
    assert (out / "metrics.json").read_bytes() == before


@pytest.mark.parametrize("extra,needle", [(["--seeds", "0"], "--seeds"), (["--particles", "1"], "particles"),
                                          (["--fov-mm", "5"], "fov-mm"), (["--medium", "fog"], "medium")])
def test_cli_focus_bad_options(tmp_path, capsys, extra, needle):
    with pytest.raises(SystemExit) if needle == "medium" else _nothing() as exc:
        code = main(["freespace", "focus", "-o", str(tmp_path / "r"), "--quiet", *extra])
    code = exc.value.code if needle == "medium" else code
    assert code == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
