"""Wavelength sweeps: dispersion models against analytic spectra, both routes,
Touchstone round trips through scikit-rf, and ``picffm sweep`` end to end."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm import Netlist, compile_any, load_netlist
from picffm.cli.main import main
from picffm.interop.spectrum import parse_wavelengths, sweep
from picffm.interop.touchstone import read_touchstone, write_touchstone
from picffm.smatrix import GeneralCircuit

GAMMA0 = 2 * np.pi / 1.55 * np.sqrt(2.44**2 - 1.444**2)  # written out, as in docs/interop.md


def kappa_of(wl, kappa0, gap, wl0=1.55):
    return np.sin(np.arcsin(np.sqrt(kappa0)) * np.exp(GAMMA0 * gap * (1 - wl0 / wl))) ** 2


def wg_phase(wl, length, neff, ng, wl0=1.55):
    return 2 * np.pi * length * (ng / wl - (ng - neff) / wl0)


def unbalanced_mzi(l1, l2, gap, loss=2.0):
    wg = {"neff": 2.4, "ng": 4.2, "loss_db_per_cm": loss}
    return Netlist.from_dict({
        "instances": {
            "dc1": {"component": "coupler", "settings": {"gap_um": gap}},
            "dc2": {"component": "coupler", "settings": {"gap_um": gap}},
            "arm0": {"component": "waveguide", "settings": {"length_um": l1, **wg}},
            "arm1": {"component": "waveguide", "settings": {"length_um": l2, **wg}},
        },
        "connections": {"dc1,o4": "arm0,o1", "dc1,o3": "arm1,o1", "arm0,o2": "dc2,o1", "arm1,o2": "dc2,o2"},
        "ports": {"in0": "dc1,o1", "in1": "dc1,o2", "out0": "dc2,o4", "out1": "dc2,o3"},
    })


def test_unbalanced_mzi_fsr_and_extinction_are_analytic():
    l1, l2, gap = 300.0, 200.0, 0.3
    net = unbalanced_mzi(l1, l2, gap)
    wl = np.linspace(1.5, 1.6, 4001)
    spec = sweep(net, wl)
    assert spec.route == "feed-forward"
    k = kappa_of(wl, 0.5, gap)
    a1, a2 = 10 ** (-2.0 * l1 * 1e-4 / 20), 10 ** (-2.0 * l2 * 1e-4 / 20)
    dphi = wg_phase(wl, l1, 2.4, 4.2) - wg_phase(wl, l2, 2.4, 4.2)
    bar = (1 - k) * a1 * np.exp(1j * wg_phase(wl, l1, 2.4, 4.2)) - k * a2 * np.exp(1j * wg_phase(wl, l2, 2.4, 4.2))
    assert_allclose(spec.matrix[:, 0, 0], bar, atol=1e-12)
    # bar-bar nulls where dphi = 2 pi m: exactly evenly spaced in 1/wl by 1 / (ng dL)
    dl, ng, neff = l1 - l2, 4.2, 2.4
    m = np.arange(np.ceil(dl * (ng / 1.6 - (ng - neff) / 1.55)), np.floor(dl * (ng / 1.5 - (ng - neff) / 1.55)) + 1)
    nulls = 1.0 / (m / (ng * dl) + (ng - neff) / (ng * 1.55))
    # with achromatic couplers (gap 0) the analytic nulls are the minima of the spectrum
    fine = sweep(unbalanced_mzi(l1, l2, 0.0), np.concatenate([nulls - 1e-6, nulls, nulls + 1e-6]))
    p = np.abs(fine.matrix[:, 0, 0]).reshape(3, -1) ** 2
    assert np.all(p[1] < p[0]) and np.all(p[1] < p[2])
    assert_allclose(p[1], (0.5 * a1 - 0.5 * a2) ** 2, rtol=1e-9)  # floor set by the arms' loss difference
    # dispersive couplers: the floor at each null follows kappa(wl)
    kn = kappa_of(nulls, 0.5, gap)
    floor = np.abs(sweep(net, nulls).matrix[:, 0, 0]) ** 2
    assert_allclose(floor, ((1 - kn) * a1 - kn * a2) ** 2, rtol=1e-9, atol=1e-15)
    assert floor.max() > 1e3 * floor.min()  # extinction changes across the band
    fsr = np.diff(nulls[::-1])  # wavelength spacing of adjacent nulls
    assert_allclose(fsr, nulls[::-1][:-1] * nulls[::-1][1:] / (ng * dl), rtol=1e-12)
    assert 0.0056 < fsr.mean() < 0.0058  # ~ lambda^2 / (ng dL) = 5.7 nm
    # an achromatic coupler (gap 0) with equal arm losses extinguishes completely
    ideal = sweep(unbalanced_mzi(l1, l2, 0.0, loss=0.0), nulls)
    assert np.abs(ideal.matrix[:, 0, 0]).max() < 1e-12
    assert_allclose(np.cos(dphi).max(), 1.0, atol=1e-4)


def test_ring_resonances_fsr_and_extinction_are_analytic():
    net = load_netlist("netlists/ring_allpass.pic.yml")  # kappa 0.1, 200 um, 3 dB/cm, neff 2.4, ng 4.2
    L = float(net.instances["ring"].settings["length_um"])
    assert L == 200.0
    wl = np.linspace(1.545, 1.555, 1001)
    spec = sweep(net, wl)
    assert spec.route == "general"
    t = np.sqrt(1 - kappa_of(wl, 0.1, 0.2))
    a = 10 ** (-3.0 * L * 1e-4 / 20)
    e = a * np.exp(1j * wg_phase(wl, L, 2.4, 4.2))
    assert_allclose(spec.matrix[:, 0, 0], (t - e) / (1 - t * e), atol=1e-12)
    # resonances at phase 2 pi m: spaced by 1 / (ng L) in 1/wl, depth ((t - a) / (1 - t a))^2
    ng, neff = 4.2, 2.4
    m = np.arange(np.ceil(L * (ng / 1.555 - (ng - neff) / 1.55)), np.floor(L * (ng / 1.545 - (ng - neff) / 1.55)) + 1)
    res = 1.0 / (m / (ng * L) + (ng - neff) / (ng * 1.55))
    assert res.size >= 1
    tr = np.sqrt(1 - kappa_of(res, 0.1, 0.2))
    assert_allclose(np.abs(sweep(net, res).matrix[:, 0, 0]) ** 2, ((tr - a) / (1 - tr * a)) ** 2, rtol=1e-9)
    flat = net.with_settings({"dc": {"gap_um": 0.0}})  # achromatic coupler: resonances are the minima
    at = sweep(flat, np.concatenate([res - 1e-5, res, res + 1e-5]))
    p = np.abs(at.matrix[:, 0, 0]).reshape(3, -1) ** 2
    assert np.all(p[1] < p[0]) and np.all(p[1] < p[2])
    assert_allclose(p[1], ((np.sqrt(0.9) - a) / (1 - np.sqrt(0.9) * a)) ** 2, rtol=1e-9)
    off = 1.0 / ((m + 0.5) / (ng * L) + (ng - neff) / (ng * 1.55))  # anti-resonance
    to = np.sqrt(1 - kappa_of(off, 0.1, 0.2))
    assert_allclose(np.abs(sweep(net, off).matrix[:, 0, 0]) ** 2, ((to + a) / (1 + to * a)) ** 2, rtol=1e-9)


@pytest.mark.parametrize("path", ["netlists/clements_5.pic.yml", "netlists/symmetric_core_4.json",
                                  "netlists/ring_allpass.pic.yml"])
def test_vectorised_sweep_matches_one_solve_per_wavelength(path):
    net = load_netlist(path)
    rng = np.random.default_rng(3)
    params = {n: {"theta": float(rng.uniform(0, 6))} for n, i in net.instances.items()
              if i.component in ("mzi", "attenuator")}
    wl = np.array([1.30, 1.5, 1.55, 1.61])
    spec = sweep(net, wl, params)
    gc = GeneralCircuit(net)
    for k, w in enumerate(wl):
        assert_allclose(spec.smatrix[k], gc.smatrix(params, wl_um=w), atol=1e-12)
    compiled = compile_any(net)
    assert_allclose(spec.matrix[2], compiled.matrix(compiled.params(params)), atol=1e-12)  # design wavelength
    assert_allclose(spec.smatrix, np.swapaxes(spec.smatrix, 1, 2), atol=1e-12)  # reciprocal


def test_touchstone_round_trip_through_scikit_rf(tmp_path):
    spec = sweep(load_netlist("netlists/clements_4.pic.yml"), np.linspace(1.5, 1.6, 7))
    path = tmp_path / "c4.s8p"
    write_touchstone(path, spec.wavelengths_um, spec.smatrix, spec.ports, comment="round trip")
    back = read_touchstone(path)
    assert back.port_names == spec.ports
    assert_allclose(back.wavelengths_um, spec.wavelengths_um, rtol=1e-15)
    assert_allclose(back.s, spec.smatrix, rtol=0, atol=0)  # 17 digits: exact
    assert_allclose(back.at(1.55), spec.smatrix[3], atol=0)


def test_parse_wavelengths():
    assert_allclose(parse_wavelengths("1.5:1.6:3"), [1.5, 1.55, 1.6])
    assert_allclose(parse_wavelengths("1.55:1.55:1"), [1.55])
    for bad in ("1.5:1.6", "a:1.6:3", "1.6:1.5:3", "1.5:1.6:0", "0.01:1.6:3", "1.5:nan:3"):
        with pytest.raises(ValueError):
            parse_wavelengths(bad)


def test_cli_sweep_writes_touchstone_and_png(tmp_path, capsys):
    out, png = tmp_path / "ring.s2p", tmp_path / "ring.png"
    rc = main(["sweep", "netlists/ring_allpass.pic.yml", "--wavelength", "1.545:1.555:501",
               "-o", str(out), "--png", str(png)])
    text = capsys.readouterr().out
    assert rc == 0 and "in0 -> out0: min" in text and "route: general" in text
    back = read_touchstone(out)
    ref = sweep(load_netlist("netlists/ring_allpass.pic.yml"), np.linspace(1.545, 1.555, 501))
    assert_allclose(back.s, ref.smatrix, atol=0)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv,msg", [
    (["--wavelength", "1.5:1.6"], "--wavelength '1.5:1.6' is not START:STOP:POINTS"),
    (["--wavelength", "1.5:1.6:1"], "one point needs START = STOP (e.g. 1.5:1.5:1)"),
    (["--wavelength", "1.5:1.6:11", "-o", "{tmp}/x.s2p"], "written as '.s4p', not '.s2p'"),
    (["--wavelength", "1.5:1.6:11", "--png", "{tmp}/x.jpg"], "--png"),
])
def test_cli_sweep_bad_input_is_one_line_exit_2(argv, msg, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    rc = main(["sweep", "netlists/mzi.pic.yml", *argv])
    err = capsys.readouterr().err
    assert rc == 2 and msg in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_compile_writes_the_full_smatrix_as_touchstone(tmp_path, capsys):
    out = tmp_path / "c4.s8p"
    rc = main(["compile", "netlists/clements_4.pic.yml", "--params", "netlists/clements_4.params.yml",
               "-o", str(out)])
    assert rc == 0 and f"wrote {out}" in capsys.readouterr().out
    back = read_touchstone(out)
    assert_allclose(back.wavelengths_um, [1.55], rtol=1e-15)
    net = load_netlist("netlists/clements_4.pic.yml")
    from picffm.params import load_params

    params = load_params("netlists/clements_4.params.yml").params
    assert_allclose(back.s[0], GeneralCircuit(net).smatrix(params), atol=1e-12)
    rc = main(["compile", "netlists/clements_4.pic.yml", "-o", str(tmp_path / "c4.s4p")])
    assert rc == 2 and "'.s8p', not '.s4p'" in capsys.readouterr().err


def test_touchstone_as_program_target_and_as_a_sax_component(tmp_path, capsys):
    import sax

    from picffm.interop.sax import models, touchstone_model
    from picffm.params import load_params

    # a "measured" 4x4 unitary: the compiled clements_4 mesh with random phases, written as .s8p
    net = load_netlist("netlists/clements_4.pic.yml")
    params = load_params("netlists/clements_4.params.yml").params
    compiled = compile_any(net)
    spec = sweep(compiled, [1.54, 1.55, 1.56], compiled.params(params))
    meas = tmp_path / "meas.s8p"
    write_touchstone(meas, spec.wavelengths_um, spec.smatrix, spec.ports)
    out = tmp_path / "p.yml"
    assert main(["program", "netlists/clements_4.pic.yml", str(meas), "--wavelength", "1.55", "-o", str(out)]) == 0
    got = compile_any(net).matrix(compiled.params(load_params(out)))
    assert_allclose(got, spec.matrix[1], atol=1e-10)
    capsys.readouterr()
    assert main(["program", "netlists/clements_4.pic.yml", str(meas), "-o", str(tmp_path / "q.yml")]) == 2
    assert "3 frequency points" in capsys.readouterr().err
    # the same file as a component inside a sax circuit: a through waveguide on every port
    ring = sweep(load_netlist("netlists/ring_allpass.pic.yml"), np.linspace(1.545, 1.555, 2001))
    path = tmp_path / "ring.s2p"
    write_touchstone(path, ring.wavelengths_um, ring.smatrix, ring.ports)
    m = dict(models(), measured=touchstone_model(path))
    circuit, _ = sax.circuit({
        "instances": {"dut": {"component": "measured"}, "wg": {"component": "waveguide", "settings": {"length_um": 5.0}}},
        "connections": {"dut,out0": "wg,o1"},
        "ports": {"a": "dut,in0", "b": "wg,o2"},
    }, models=m)
    wl = ring.wavelengths_um[::50]
    s = circuit(wl=wl)
    from picffm import models as pm

    assert_allclose(np.asarray(s[("a", "b")]), ring.matrix[::50, 0, 0] * pm.waveguide(length_um=5.0, wl_um=wl),
                    atol=1e-12)


def test_cli_compile_writes_the_smatrix_of_a_circuit_without_a_transfer_matrix(tmp_path, capsys):
    """A loop mirror sends light back out of the port it came in: no inputs/outputs split."""
    net = tmp_path / "mirror.pic.yml"
    net.write_text("instances:\n  dc: {component: coupler, settings: {gap_um: 0.0}}\n"
                   "  wg: {component: waveguide, settings: {length_um: 20.0, loss_db_per_cm: 0.0}}\n"
                   "connections:\n  dc,o3: wg,o1\n  wg,o2: dc,o4\nports:\n  a: dc,o1\n  b: dc,o2\n")
    assert main(["compile", str(net)]) == 2
    assert "-o FILE.sNp writes the full S-matrix" in capsys.readouterr().err
    assert main(["compile", str(net), "-o", str(tmp_path / "m.s2p")]) == 0
    s = read_touchstone(tmp_path / "m.s2p").s[0]
    # lossless 50:50 loop mirror: everything returns to its own port
    assert_allclose(np.abs(s) ** 2, np.eye(2), atol=1e-12)
    assert_allclose(s, GeneralCircuit(load_netlist(net)).smatrix(), atol=1e-15)


@pytest.mark.parametrize("text,msg", [
    ("# GHz S RI R 50\n193000 nan 0\n", "non-finite"),
    ("this is not touchstone\n", "cannot read as Touchstone"),
])
def test_bad_touchstone_files_are_one_line_errors(text, msg, tmp_path, capsys):
    from picffm.interop.touchstone import TouchstoneError

    path = tmp_path / "bad.s1p"
    path.write_text(text)
    with pytest.raises(TouchstoneError, match=msg):
        read_touchstone(path)
    rc = main(["program", "netlists/mzi.pic.yml", str(path), "-o", str(tmp_path / "p.yml")])
    err = capsys.readouterr().err
    assert rc == 2 and msg in err and err.count("\n") == 1
    assert not (tmp_path / "p.yml").exists()
