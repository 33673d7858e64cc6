"""Edited or damaged twin files: refused with one line naming the key, instance and valid range.

A twin written by ``picffm chip calibrate`` and then edited by hand (a
coupling above 1, a dead heater, a typo'd key, a chip record of another
kind) used to reach the programming code: a NaN warning turned into an
internal error, a zero efficiency was inverted, an unknown key was ignored.
"""

import json

import numpy as np
import pytest

from picffm.calibration import Twin
from picffm.chip.stats import random_symmetric
from picffm.errors import CalibrationError
from picffm.meshes import symmetric_core
from picffm.netlist import save_netlist

from _cli import run


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    from picffm.cli.main import main

    tmp = tmp_path_factory.mktemp("twinfile")
    twin = tmp / "twin.json"
    assert main(["chip", "calibrate", "--chip", "typical", "-n", "3", "-o", str(twin), "--quiet"]) == 0
    net = tmp / "core.pic.yml"
    save_netlist(symmetric_core(3), net)
    target = tmp / "w.npy"
    np.save(target, random_symmetric(3, np.random.default_rng(2)))
    return tmp, twin, net, target


def _set(key, index, value):
    def edit(doc):
        doc[key][index] = value
    return edit


CASES = {
    "coupling above 1": (_set("fixed", 0, 2.0), "kappa1 = 2 is out of range; valid: kappa1 (float in [0, 1]"),
    "negative coupling": (_set("fixed", 1, -0.1), "= -0.1 is out of range; valid: kappa"),
    "dead heater": (_set("efficiency", 0, 0.0), "'efficiency' of the heater of instance 'u_c0_m0' theta is 0"),
    "negative efficiency": (_set("efficiency", 2, -1.0), "valid: > 0"),
    "unknown key": (lambda doc: doc.update(effciency=doc["efficiency"]), "unknown key 'effciency'; valid keys"),
    "chip of another kind": (lambda doc: doc["chip"].update(kind="lab-bench"), "chip kind 'lab-bench'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_edited_twin_is_refused_with_one_line(calibrated, tmp_path, capsys, case):
    _, twin, net, target = calibrated
    edit, msg = CASES[case]
    doc = json.loads(twin.read_text())
    edit(doc)
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(doc))
    out = tmp_path / "p.yml"
    code, _, err = run(["program", str(net), str(target), "--twin", str(bad), "-o", str(out)], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"picffm: error: {bad}: ") and msg in err
    assert len(err) < 400  # the chip record is not dumped into the message
    assert not out.exists()


def test_fitted_negative_losses_still_load(calibrated):
    """A fit may put a nearly lossless element slightly below 0 dB: that is a valid twin."""
    _, twin, net, _ = calibrated
    doc = json.loads(twin.read_text())
    t = Twin.from_dict(doc, symmetric_core(3))
    loss = [b for b in t.table.blocks if b.key == "loss_db" and not b.programmable][0]
    h = t.table.n_programmable
    doc["fixed"][loss.start - h] = -0.02
    back = Twin.from_dict(doc, symmetric_core(3))
    assert back.fixed[loss.start - h] == -0.02
    with pytest.raises(CalibrationError, match="kappa"):
        kappa = [b for b in t.table.blocks if b.key.startswith("kappa")][0]
        doc["fixed"][kappa.start - h + 1] = 1.5
        Twin.from_dict(doc, symmetric_core(3))
