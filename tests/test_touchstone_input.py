"""Touchstone files a user may hand over: truncated, misnamed, other parameters or units.

Each is refused by ``read_touchstone`` with a :class:`TouchstoneError` and by
``picffm program`` with one line and exit 2, naming what is wrong; a file
in another (valid) frequency unit reads to the same wavelengths.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm.interop.touchstone import TouchstoneError, read_touchstone, write_touchstone
from picffm.meshes import clements
from picffm.netlist import save_netlist

from _cli import run


@pytest.fixture()
def measured(tmp_path):
    """A 4x4 unitary written as the 8-port S-matrix picffm writes (two frequency points) and its netlist."""
    rng = np.random.default_rng(5)
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    s = np.zeros((2, 8, 8), complex)
    s[:, 4:, :4] = q
    s[:, :4, 4:] = q.T
    path = tmp_path / "m.s8p"
    write_touchstone(path, [1.55, 1.56], s, [f"in{k}" for k in range(4)] + [f"out{k}" for k in range(4)])
    net = tmp_path / "c4.pic.yml"
    save_netlist(clements(4), net)
    return path, net, s


def _data_lines(text):
    lines = text.splitlines()
    return [i for i, line in enumerate(lines) if line.strip() and line.lstrip()[0] not in "!#"]


def _variant(path, name, edit):
    lines = path.read_text().splitlines()
    out = path.with_name(name)
    out.write_text("\n".join(edit(lines)) + "\n")
    return out


def _truncate(lines):
    data = _data_lines("\n".join(lines))
    return lines[:data[len(data) // 2] + 1]  # half of the data lines: a cut-off download


def _option(old, new):
    return lambda lines: [line.replace(old, new) if line.startswith("#") else line for line in lines]


def _not_a_number(lines):
    k = _data_lines("\n".join(lines))[3]
    words = lines[k].split()
    words[1] = "0.5j"
    return lines[:k] + [" ".join(words)] + lines[k + 1:]


CASES = {
    "truncated": ("m.s8p", _truncate, "not whole frequency points of 129"),
    "named for 6 ports": ("m.s6p", lambda lines: lines, "would fit 8-port data (.s8p)"),
    "named for 4 ports": ("m.s4p", lambda lines: lines, "would fit 8-port data (.s8p)"),
    "Y-parameters": ("m.s8p", _option(" S ", " Y "), "holds Y-parameters"),
    "Z-parameters": ("m.s8p", _option(" S ", " Z "), "holds Z-parameters"),
    "THz": ("m.s8p", _option("GHz", "THz"), "unknown option 'THz'"),
    "unknown option": ("m.s8p", _option("RI", "RI XYZ"), "unknown option 'XYZ'"),
    "not a number": ("m.s8p", _not_a_number, "'0.5j' is not a number"),
    "no data": ("m.s8p", lambda lines: [line for line in lines if line.startswith(("!", "#"))],
                "no frequency points"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_touchstone_is_named_and_refused(measured, tmp_path, capsys, case):
    path, net, _ = measured
    name, edit, msg = CASES[case]
    bad = _variant(path, "v_" + name, edit)
    with pytest.raises(TouchstoneError, match=r"v_m\.s\dp: ") as exc:
        read_touchstone(bad)
    assert msg in str(exc.value)
    out = tmp_path / "p.yml"
    code, _, err = run(["program", str(net), str(bad), "--wavelength", "1.55", "-o", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1 and msg in err and str(bad) in err
    assert not out.exists()


def test_the_frequency_unit_is_honoured(measured):
    """The same points written in MHz read back to the same wavelengths and matrices."""
    path, _, s = measured
    lines = path.read_text().splitlines()
    data = set(_data_lines("\n".join(lines)))
    ghz = read_touchstone(path)

    def to_mhz(k, line):
        if line.startswith("#"):
            return line.replace("GHz", "MHz")
        if k in data and len(line.split()) % 2 == 1:  # the first line of a point starts with its frequency
            words = line.split()
            return " ".join([repr(float(words[0]) * 1e3)] + words[1:])
        return line

    mhz_path = path.with_name("mhz.s8p")
    mhz_path.write_text("\n".join(to_mhz(k, line) for k, line in enumerate(lines)) + "\n")
    mhz = read_touchstone(mhz_path)
    assert_allclose(mhz.wavelengths_um, ghz.wavelengths_um, rtol=1e-14)
    assert_allclose(mhz.wavelengths_um, [1.55, 1.56], rtol=1e-12)
    assert_allclose(mhz.s, s, atol=1e-15)


def test_a_directory_named_like_a_touchstone_file_is_called_a_directory(measured, tmp_path, capsys):
    _, net, _ = measured
    (tmp_path / "d.s8p").mkdir()
    with pytest.raises(TouchstoneError, match=r"d\.s8p: is a directory, not a Touchstone file"):
        read_touchstone(tmp_path / "d.s8p")
    code, _, err = run(["program", str(net), str(tmp_path / "d.s8p"), "-o", str(tmp_path / "p.yml")], capsys)
    assert code == 2 and "is a directory" in err and "no such file" not in err
