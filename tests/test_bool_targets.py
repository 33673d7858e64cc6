"""Boolean arrays are refused as matrices (programming targets, matrix files), naming where and the dtype."""

import numpy as np
import pytest

from picffm import ProgrammingError, clements, program_unitary, save_netlist
from picffm.cli.main import main
from picffm.matrix_io import MatrixFileError, load_matrix
from picffm.programming import load_target

EYE = np.eye(3, dtype=bool)  # the identity is unitary, so only the dtype can be wrong


def test_api_refuses_a_boolean_target():
    with pytest.raises(ProgrammingError, match=r"^target must be a numeric \(integer, real or complex\) matrix, "
                                               r"got dtype bool$"):
        program_unitary(clements(3), EYE)
    with pytest.raises(ProgrammingError, match="got dtype bool"):
        program_unitary(clements(3), EYE.tolist())
    program_unitary(clements(3), EYE.astype(int))  # the same matrix as integers is a valid target


def test_files_refuse_a_boolean_npy(tmp_path):
    path = tmp_path / "eye.npy"
    np.save(path, EYE)
    for read, error in ((load_target, ProgrammingError), (load_matrix, MatrixFileError)):
        with pytest.raises(error, match=r"eye\.npy: expected a numeric array \(integer, real or complex\), "
                                        r"got dtype bool$"):
            read(path)


def test_cli_program_refuses_a_boolean_npy_in_one_line(tmp_path, capsys):
    net, target, out = tmp_path / "c3.pic.yml", tmp_path / "eye.npy", tmp_path / "p.yml"
    save_netlist(clements(3), net)
    np.save(target, EYE)
    assert main(["program", str(net), str(target), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "eye.npy" in err and "dtype bool" in err and "integer, real or complex" in err
    assert not out.exists()
