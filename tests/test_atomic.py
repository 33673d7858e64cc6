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


def test_probe_and_temporary_files_never_follow_symlinks(tmp_path, monkeypatch):
    import secrets

    from picffm import atomic
    from picffm.atomic import atomic_write_bytes, probe_writable

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "run"
    out.mkdir()
    os.symlink(victim, out / ".write-test")  # the old fixed probe name
    names = iter(["planted", "fresh", "planted", "fresh2"])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(names))
    os.symlink(victim, out / ".write-test.planted")
    os.symlink(victim, out / ".a.txt.planted.tmp")
    probe_writable(out)  # skips the planted name, creates and removes a fresh file
    atomic_write_bytes(out / "a.txt", b"new")
    assert victim.read_text() == "keep me"
    assert (out / "a.txt").read_bytes() == b"new"
    assert sorted(os.listdir(out)) == [".a.txt.planted.tmp", ".write-test", ".write-test.planted", "a.txt"]
    assert atomic._EXCLUSIVE & os.O_EXCL and atomic._EXCLUSIVE & os.O_NOFOLLOW


def test_writes_are_fsynced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    atomic_write_text(tmp_path / "a.txt", "x")
    with atomic_path(tmp_path / "b.bin") as tmp:
        with open(tmp, "wb") as fh:
            fh.write(b"y")
    # file data before the rename, the folder after it
    assert events == ["fsync", "replace", "fsync"] * 2
    assert (tmp_path / "b.bin").read_bytes() == b"y"


def test_non_durable_writes_skip_the_fsyncs_and_stay_atomic(tmp_path, monkeypatch):
    # training checkpoints: renamed into place like every write, not flushed to disk
    from picffm.atomic import atomic_write_bytes
    from picffm.training.store import load_checkpoint, save_checkpoint

    events = []
    real_replace = os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: events.append("fsync"))
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    atomic_write_bytes(tmp_path / "c.bin", b"old")
    atomic_write_bytes(tmp_path / "c.bin", b"new", durable=False)
    assert events == ["fsync", "replace", "fsync", "replace"]
    assert (tmp_path / "c.bin").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["c.bin"]  # no temporary file left
    events.clear()
    unit = ("typical", "ffm", 0, 0)
    save_checkpoint(tmp_path / "k.npz", unit, {"trainer": {"epoch": 3}})
    assert events == ["replace"]
    assert load_checkpoint(tmp_path / "k.npz", unit)["trainer"] == {"epoch": 3}
