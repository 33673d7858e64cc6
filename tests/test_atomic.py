"""Atomic writes: an interrupted write leaves the old file, never half a file."""

import os

import pytest

from picffm.atomic import atomic_path, atomic_write_text


def test_interrupted_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "metrics.json"
    atomic_write_text(target, "old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            with open(tmp, "w") as fh:
                fh.write("half")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["metrics.json"]  # no temporary left behind


def test_new_file_gets_usual_permissions_and_replacement_keeps_mode(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    os.chmod(target, 0o640)
    atomic_write_text(target, "y")
    assert target.read_text() == "y" and target.stat().st_mode & 0o777 == 0o640
