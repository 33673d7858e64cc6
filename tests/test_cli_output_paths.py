"""Output paths that cannot be written: a directory in the file's place, a read-only folder.

Every command that writes a file must refuse with one line naming the
user's path (not a temporary file beside it), exit 2, and leave nothing
behind; commands with long work refuse before doing it.
"""

import os

import numpy as np
import pytest

from picffm.atomic import atomic_path, atomic_write_text
from picffm.meshes import clements, symmetric_core
from picffm.netlist import save_netlist

from _cli import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RING = os.path.join(ROOT, "netlists", "ring_allpass.pic.yml")


@pytest.fixture()
def files(tmp_path):
    c4 = tmp_path / "c4.pic.yml"
    save_netlist(clements(4), c4)
    s2 = tmp_path / "s2.pic.yml"
    save_netlist(symmetric_core(2), s2)
    u = tmp_path / "u.npy"
    np.save(u, np.eye(4))
    return tmp_path, c4, s2, u


CASES = {
    "mesh": (["mesh", "clements", "-n", "4", "-o", "{d}/out.pic.yml"], "out.pic.yml"),
    "compile npy": (["compile", "{c4}", "-o", "{d}/out.npy"], "out.npy"),
    "compile csv": (["compile", "{c4}", "-o", "{d}/out.csv"], "out.csv"),
    "compile touchstone": (["compile", "{c4}", "-o", "{d}/out.s8p"], "out.s8p"),
    "program": (["program", "{c4}", "{u}", "-o", "{d}/out.yml"], "out.yml"),
    "chip spec": (["chip", "spec", "typical", "-o", "{d}/out.toml"], "out.toml"),
    "calibrate": (["chip", "calibrate", "--chip", "ideal", "-n", "2", "--quiet", "-o", "{d}/out.json"], "out.json"),
    "sweep touchstone": (["sweep", RING, "--wavelength", "1.54:1.56:5", "-o", "{d}/out.s2p"], "out.s2p"),
    "sweep png": (["sweep", RING, "--wavelength", "1.54:1.56:5", "--png", "{d}/out.png"], "out.png"),
    "layout gds": (["layout", "{c4}", "-o", "{d}/out.gds"], "out.gds"),
    "layout lyp": (["layout", "{c4}", "-o", "{d}/out.gds"], "out.lyp"),
    "layout png": (["layout", "{c4}", "-o", "{d}/out.gds", "--png", "{d}/out.png"], "out.png"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_directory_in_the_output_s_place_is_named_and_refused(files, capsys, case):
    tmp, c4, s2, u = files
    argv, blocked = CASES[case]
    d = tmp / "o"
    d.mkdir()
    (d / blocked).mkdir()
    argv = [a.format(d=d, c4=c4, u=u) for a in argv]
    code, out, err = run(argv, capsys)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("picffm: error: ")
    assert f"{blocked}: is a directory" in lines[0] and ".tmp" not in lines[0]
    assert sorted(p.name for p in d.iterdir()) == [blocked]  # nothing else written, no temporary file left
    assert "phase sweeps" not in err  # the calibration refused before measuring


def test_atomic_writes_name_the_target_not_the_temporary_file(tmp_path):
    (tmp_path / "x.txt").mkdir()
    with pytest.raises(IsADirectoryError) as exc:
        atomic_write_text(tmp_path / "x.txt", "a")
    assert exc.value.filename == str(tmp_path / "x.txt")
    with pytest.raises(IsADirectoryError) as exc:
        with atomic_path(tmp_path / "x.txt"):
            pass
    assert exc.value.filename == str(tmp_path / "x.txt")
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_permission_error_of_the_temporary_file_carries_the_target_name(tmp_path, monkeypatch):
    """A read-only folder (simulated: the suite may run as root, who writes anywhere) is reported on the target."""
    import picffm.atomic as atomic

    real_open = os.open

    def deny(path, flags, mode=0o777, *a, **k):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, mode, *a, **k)

    monkeypatch.setattr(atomic.os, "open", deny)
    with pytest.raises(PermissionError) as exc:
        atomic_write_text(tmp_path / "m.txt", "a")
    assert exc.value.filename == str(tmp_path / "m.txt")
