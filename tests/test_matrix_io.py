"""Matrix files (.npy/.csv) and matrix figures of merit."""

from __future__ import annotations

import numpy as np
import pytest

from picffm.matrix_io import MatrixFileError, load_matrix, save_matrix
from picffm.matrix_metrics import insertion_loss_db, symmetry_error, unitarity_error


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 5)])
def test_round_trip_is_exact(tmp_path, suffix, shape):
    rng = np.random.default_rng(7)
    m = (rng.normal(size=shape) + 1j * rng.normal(size=shape)) * 10.0 ** rng.integers(-300, 300, size=shape)
    m.flat[0] = complex(0.0, -0.0)
    path = tmp_path / f"m{suffix}"
    save_matrix(path, m, comment="a comment\nover two lines")
    back = load_matrix(path)
    assert back.shape == shape
    np.testing.assert_array_equal(back, m)
    if suffix == ".csv":
        np.testing.assert_array_equal(np.loadtxt(path, delimiter=",", dtype=complex, ndmin=2), m)
        assert path.read_text().startswith("# a comment\n# over two lines\n")


def test_errors(tmp_path):
    with pytest.raises(MatrixFileError, match=r"unknown matrix file type '\.txt'; use \.npy or \.csv"):
        save_matrix(tmp_path / "m.txt", np.eye(2))
    with pytest.raises(MatrixFileError, match="expected a 2-D matrix"):
        save_matrix(tmp_path / "m.npy", np.ones(3))
    with pytest.raises(MatrixFileError, match="no such file"):
        load_matrix(tmp_path / "nope.csv")
    (tmp_path / "bad.csv").write_text("1,2\n3\n")
    with pytest.raises(MatrixFileError, match="cannot read a matrix"):
        load_matrix(tmp_path / "bad.csv")


def test_metrics_by_hand():
    t = np.array([[0, 1j], [1, 0]])
    assert unitarity_error(t) == 0.0 and symmetry_error(t) == pytest.approx(2.0)  # |1j - 1| * sqrt(2)
    lossy = 0.5 * np.eye(3)  # |t|^2 = 1/4: 6.02 dB on every input
    np.testing.assert_allclose(insertion_loss_db(lossy), [10 * np.log10(4)] * 3)
    assert unitarity_error(lossy) == pytest.approx(np.sqrt(3) * 0.75)
    assert symmetry_error(np.ones((2, 3))) is None
    assert unitarity_error(np.ones((1, 2)) / np.sqrt(2)) == pytest.approx(0.0)
    assert np.isinf(insertion_loss_db(np.array([[1.0, 0.0]]))[1])
