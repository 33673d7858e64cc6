"""picffm netlists evaluated by the real sax with picffm.interop.sax models.

Every example netlist, with seeded random settings (phases, coupler errors,
losses, dispersion), must give the S-matrix of picffm's general route and the
transfer matrix of ``compile_any`` (the route ``picffm compile`` takes) to
1e-12.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sax
import yaml

from picffm import compile_any, load_netlist
from picffm.components import COMPONENTS
from picffm.interop.sax import models
from picffm.smatrix import GeneralCircuit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "netlists").iterdir() if p.name.endswith((".pic.yml", ".json")))


def _random_settings(net, rng):
    """Settings for every instance drawn inside each setting's range (seeded)."""
    params = {}
    for name, inst in net.instances.items():
        values = {}
        for s in COMPONENTS[inst.component].settings:
            if s.name in ("theta", "phi", "psi"):
                values[s.name] = float(rng.uniform(-np.pi, 2 * np.pi))
            elif s.name.startswith("kappa"):
                values[s.name] = float(rng.uniform(0.3, 0.7))
            elif s.name.startswith("loss_db"):
                values[s.name] = float(rng.uniform(0.0, 0.5))
        params[name] = values
    return params


def _sax_dense(doc, names, **kw):
    circuit, _ = sax.circuit(doc, models=models())
    s = circuit(**kw)
    return np.array([[np.asarray(s[(a, b)]) for b in names] for a in names])


@pytest.mark.parametrize("path", [p for p in EXAMPLES if "clements_64" not in p.name], ids=lambda p: p.name)
def test_every_example_netlist_agrees_with_picffm_compile(path):
    raw = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    net = load_netlist(path)
    s_plain = _sax_dense(raw, list(net.ports))  # the file itself, unchanged
    np.testing.assert_allclose(s_plain, GeneralCircuit(net).smatrix(), atol=1e-12)

    net = net.with_settings(_random_settings(net, np.random.default_rng(len(path.name))))
    gc = GeneralCircuit(net)
    s = _sax_dense(net.to_dict(), list(gc.port_names))
    np.testing.assert_allclose(s, gc.smatrix(), atol=1e-12)
    pos = {p: i for i, p in enumerate(gc.port_names)}
    compiled = compile_any(net)
    rows = [pos[p] for p in compiled.output_ports]
    cols = [pos[p] for p in compiled.input_ports]
    # sax keys are (from, to): S[(in, out)] is the transmission in -> out
    t_sax = s[np.ix_(cols, rows)].T
    np.testing.assert_allclose(t_sax, compiled.matrix(), atol=1e-12)


def test_sax_wavelength_sweep_matches_picffm_models():
    path = ROOT / "netlists" / "ring_allpass.pic.yml"
    net = load_netlist(path)
    wl = np.linspace(1.545, 1.555, 201)  # about two free spectral ranges
    s = _sax_dense(yaml.safe_load(path.read_text()), ["in0", "out0"], wl=wl)  # (2, 2, W)
    gc = GeneralCircuit(net)
    for k, w in enumerate(wl):
        np.testing.assert_allclose(s[..., k], gc.smatrix(wl_um=w), atol=1e-12)
    assert np.abs(s[0, 1]).min() ** 2 < 0.85  # resonances were resolved


def test_models_reject_unknown_settings_and_are_reciprocal():
    m = models()
    assert set(m) == set(COMPONENTS)
    with pytest.raises(TypeError, match="unknown setting 'thetta'.*theta"):
        m["mzi"](thetta=1.0)
    s = m["mzi"](theta=0.3, phi=1.1, kappa1=0.4)
    assert s[("o2", "o4")] == s[("o4", "o2")] and s[("o2", "o4")] != s[("o1", "o3")]
    assert m["terminator"]() == {("o1", "o1"): 0}


def test_everything_picffm_writes_reads_back_as_numbers_in_plain_pyyaml(tmp_path):
    """sax and gdsfactory read YAML with plain PyYAML (YAML 1.1): '1e-3' would be a string there."""
    from picffm import Netlist, save_netlist
    from picffm.params import save_params

    net = Netlist.from_dict({
        "instances": {"a": {"component": "mzi", "settings": {"theta": 1e-3, "phi": 1e-20, "loss_db": 1e-5}}},
        "ports": {"i0": "a,o1", "i1": "a,o2", "o0": "a,o4", "o1": "a,o3"},
        "placements": {"a": {"x": 1e-4, "y": 2.5e10, "rotation": 90.0, "mirror": False}},
    })
    save_netlist(net, tmp_path / "n.pic.yml")
    save_params(tmp_path / "p.yml", {"a": {"theta": 1e-7, "phi": 2.5e10}}, {"scale": 1e-3})
    doc = yaml.safe_load((tmp_path / "n.pic.yml").read_text())
    assert doc["instances"]["a"]["settings"] == {"theta": 1e-3, "phi": 1e-20, "loss_db": 1e-5}
    assert doc["placements"]["a"]["x"] == 1e-4
    par = yaml.safe_load((tmp_path / "p.yml").read_text())
    assert par == {"params": {"a": {"theta": 1e-7, "phi": 2.5e10}}, "info": {"scale": 1e-3}}
