"""Valid but unusual data and shapes: header-less and oddly labelled tables, imbalanced classes, labels of
mixed kinds, the statistics printed beside the accuracies."""

import json

import numpy as np
import pytest

from _cli import run
from picffm.errors import ConfigError, DataError
from picffm.training import api
from picffm.training.datasets import read_table


def _blobs(path, labels, per_class, seed=0, header=True, features=2):
    """Seeded Gaussian clusters, one per label, written as a CSV."""
    rng = np.random.default_rng(seed)
    lines = [",".join([f"f{i}" for i in range(features)] + ["y"])] if header else []
    for k, (lab, n) in enumerate(zip(labels, per_class)):
        for _ in range(n):
            lines.append(",".join([f"{v:.4f}" for v in 3 * k + rng.normal(size=features)] + [str(lab)]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_file_without_header_is_named_as_such(tmp_path):
    # it said "no label column 'y'; columns: 0.1234, -1.0987, 0": the first data row read as the header
    p = _blobs(tmp_path / "t.csv", [0, 1], [5, 5], header=False)
    with pytest.raises(DataError, match="line 1: the first row .* is all numbers, so the file seems to have no "
                                        "header row; add one naming the columns"):
        read_table(p, "y")


def test_numeric_labels_sort_as_numbers_and_two_spellings_of_one_are_refused(tmp_path):
    # non-integer numbers sorted as text: '10.5' before '2.5'
    t = read_table(_blobs(tmp_path / "t.csv", ["10.5", "2.5", "-1"], [3, 3, 3]), "y")
    assert t.class_names == ("-1", "2.5", "10.5")
    assert t.labels.tolist() == [2] * 3 + [1] * 3 + [0] * 3  # the rows' own classes
    p = tmp_path / "dup.csv"
    p.write_text("a,y\n1,1\n2,1.0\n3,2\n4,2\n5,1\n")  # '1' and '1.0' were two classes
    with pytest.raises(DataError, match="the labels '1' and '1.0' are the same number written two ways"):
        read_table(p, "y")
    assert read_table(_blobs(tmp_path / "s.csv", ["b", "a", "10"], [2, 2, 2]), "y").class_names == ("10", "a", "b")


@pytest.mark.parametrize("y, message", [
    (np.array([1, "a", 2.0] * 4, dtype=object), "labels mix numbers and text"),  # a TypeError from np.unique
    ([0, 1, None] * 4, r"y\[2\] is None: a missing label"),
    ([0.0, 1.0, np.nan] * 4, r"y\[2\] is nan: a missing label"),  # nan became a class of its own
    ([3] * 12, "y has a single class 3; need at least 2"),  # it said 'n_classes = 1 is invalid'
])
def test_api_labels_that_cannot_be_classes_are_one_line(y, message):
    X = np.random.default_rng(0).normal(size=(12, 2))
    with pytest.raises(ConfigError, match=message):
        api.train(api.network(None), "ideal", X, y, epochs=1)


def test_imbalanced_classes_report_the_majority_class_beside_chance(tmp_path, capsys):
    p = _blobs(tmp_path / "imb.csv", ["a", "b", "c"], [24, 4, 2])
    code, out, err = run(["train", "csv", str(p), "--label", "y", "--method", "ideal", "--epochs", "1",
                          "--seeds", "1", "--folds", "2", "--workers", "1", "--quiet", "--out",
                          str(tmp_path / "r")], capsys)
    assert code == 0, err
    # always answering 'a' scores 80 %: a 33 % chance level alone would flatter any network
    assert "chance 33.3 %, majority class 80.0 %" in out
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["class_counts"] == [24, 4, 2] and metrics["classes"] == ["a", "b", "c"]
    code, out2, err = run(["evaluate", str(tmp_path / "r")], capsys)
    assert code == 0, err and "chance 33.3 %, majority class 80.0 %" in out2
    # one seed, one layer: singular nouns
    assert "over the 2 networks" in out and "(1 seed x 2 stratified folds" in out


def test_balanced_classes_report_chance_only_and_evaluate_uses_the_tables_std(tmp_path, capsys):
    p = _blobs(tmp_path / "bal.csv", ["a", "b"], [6, 6])
    code, out, err = run(["train", "csv", str(p), "--label", "y", "--method", "ffm", "--epochs", "1",
                          "--layers", "1", "--seeds", "0,1", "--folds", "2", "--workers", "1", "--quiet", "--out",
                          str(tmp_path / "r")], capsys)
    assert code == 0, err
    assert "bal.csv (label 'y') on 1 layer of 8-port symmetric cores, 1 epoch," in out and "; chance 50.0 %\n" in out
    code, ev, err = run(["evaluate", str(tmp_path / "r"), "--json"], capsys)
    assert code == 0, err
    row = json.loads(ev)["rows"][0]["test_acc"]
    train = json.loads((tmp_path / "r" / "metrics.json").read_text())["chips"]["typical"]["ffm"]["test_acc"]
    # the same four networks on the same chips: the same values, mean and (sample) std as the training table
    assert sorted(row["per_unit"]) == pytest.approx(sorted(train["values"]))
    assert row["std"] == pytest.approx(train["std"]) and row["std"] == pytest.approx(np.std(row["per_unit"], ddof=1))


def test_majority_share_is_printed_only_more_than_a_point_above_chance():
    from picffm.training.tables import chance_note, majority_pct

    assert majority_pct({"class_counts": [59, 71, 48]}) == pytest.approx(100 * 71 / 178)  # wine
    assert chance_note({"n_classes": 3, "class_counts": [59, 71, 48]}) == "chance 33.3 %, majority class 39.9 %"
    digits = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]  # 10.2 % against 10 %: noise, not imbalance
    assert majority_pct({"class_counts": digits}) is None
    assert chance_note({"n_classes": 10, "class_counts": digits}) == "chance 10.0 %"
    assert chance_note({"n_classes": 3}) == "chance 33.3 %"  # a summary written before class_counts existed


def test_a_separator_ending_every_line_is_an_empty_column_not_an_error(tmp_path):
    # spreadsheet exports end lines with the separator: it was 'column 4 has no name in the header'
    p = tmp_path / "t.csv"
    p.write_text("f0,f1,y,\n1,2,a,\n2,3,a,\n5,6,b,\n6,7,b,\n")
    t = read_table(p, "y")
    assert t.feature_names == ("f0", "f1") and t.features.tolist()[2] == [5.0, 6.0] and t.class_names == ("a", "b")
    p.write_text("f0,f1,y,\n1,2,a,\n2,3,a,9\n5,6,b,\n6,7,b,\n")  # a value under the unnamed column: refused
    with pytest.raises(DataError, match="line 1: column 4 has no name in the header"):
        read_table(p, "y")


def test_too_wide_for_the_modes_suggests_only_what_helps():
    from picffm.training.encoding import fit_encoder

    f = np.random.default_rng(0).normal(size=(10, 13))
    with pytest.raises(ConfigError) as exc:
        fit_encoder(f, "amplitude", 4, "none")
    assert str(exc.value) == ("13 features x 1 channel (amplitude encoder) need 13 modes, more than the 4 of the "
                              "chip; give 13 modes or the pca projection")  # it suggested the amplitude encoder
    with pytest.raises(ConfigError, match="need 52 modes, .* give 52 modes, the amplitude encoder"):
        fit_encoder(f, "mixture", 4, "none")


@pytest.mark.parametrize("kind", ["clements", "reck"])
def test_a_single_precision_unitary_programs_to_its_own_precision(kind, tmp_path, capsys):
    import scipy.stats

    from picffm.meshes import mesh_netlist
    from picffm.programming import program_matrix

    u = scipy.stats.unitary_group.rvs(7, random_state=np.random.default_rng(3))
    u32 = u.astype(np.complex64)  # unitary to 1e-7: it was refused as 'not unitary (... > 1e-08)'
    res = program_matrix(mesh_netlist(kind, 7), u32)
    m = res.matrix()
    assert np.linalg.norm(m - u) / np.linalg.norm(u) < 1e-6  # the single-precision target, to its precision
    with pytest.raises(Exception, match="not unitary"):  # double precision keeps its 1e-8
        program_matrix(mesh_netlist(kind, 7), u * (1 + 1e-7))
    with pytest.raises(Exception, match="not unitary"):  # and a float32 non-unitary is still refused
        program_matrix(mesh_netlist(kind, 7), (u * 1.001).astype(np.complex64))
    net = tmp_path / "m.pic.yml"
    np.save(tmp_path / "u32.npy", u32)
    assert run(["mesh", kind, "-n", "7", "-o", str(net)], capsys)[0] == 0
    code, out, err = run(["program", str(net), str(tmp_path / "u32.npy"), "-o", str(tmp_path / "p.yml"), "--json"],
                         capsys)
    assert code == 0, err
    assert json.loads(out)["relative_error"] < 1e-6


def test_features_holding_a_comma_are_given_in_quotes(tmp_path, capsys):
    # --features was split at every comma: a column named 'sepal, length' could not be chosen, and the
    # refusal listed 'columns: sepal, length, petal width, y' (four names for three columns)
    p = tmp_path / "q.csv"
    p.write_text('"sepal, length",petal width,y\n1,2,a\n2,3,a\n5,6,b\n6,7,b\n')
    code, out, err = run(["train", "csv", str(p), "--label", "y", "--features", "sepal", "--out", str(tmp_path / "x")],
                         capsys)
    assert code == 2 and 'no feature column \'sepal\'; columns: "sepal, length", petal width, y' in err
    code, out, err = run(["train", "csv", str(p), "--label", "y", "--features", '"sepal, length"', "--method", "ideal",
                          "--epochs", "1", "--seeds", "1", "--folds", "2", "--workers", "1", "--quiet", "--out",
                          str(tmp_path / "r")], capsys)
    assert code == 0, err
    cfg = json.loads((tmp_path / "r" / "config.json").read_text())["config"]
    assert cfg["data"]["features"] == ["sepal, length"] and cfg["modes"] == 4  # one feature, mixture: 4 modes


def test_programming_takes_a_netlist_file_path_like_the_layout(tmp_path, capsys):
    # build_layout and mesh_component took a path; program_matrix said 'expected a Netlist or a Schedule, got str'
    from picffm.programming import program_matrix, program_symmetric

    net = tmp_path / "core5.pic.yml"
    assert run(["mesh", "symmetric", "-n", "5", "-o", str(net)], capsys)[0] == 0
    a = np.random.default_rng(2).normal(size=(5, 5))
    w = a + a.T
    for arg in (str(net), net):
        res = program_matrix(arg, w)
        assert res.kind == "symmetric" and res.error < 1e-12
        np.testing.assert_allclose(res.matrix() * res.scale, w, atol=1e-12)
    assert program_symmetric(net, w)[1] == pytest.approx(np.linalg.norm(w, 2))
    with pytest.raises(Exception, match="expected a Netlist, a Schedule or a netlist file path, got dict"):
        program_matrix({"instances": {}}, w)


def test_iris_on_another_network_shape_is_not_set_beside_the_paper(tmp_path, capsys):
    # a 5-port Iris network printed the paper's 16-port accuracies beside it, and the paper's targets
    code, out, err = run(["train", "iris", "--modes", "5", "--encoder", "amplitude", "--method", "ideal", "--chip",
                          "typical", "--epochs", "1", "--seeds", "1", "--folds", "1", "--workers", "1", "--quiet",
                          "--out", str(tmp_path / "r")], capsys)
    assert code == 0, err
    assert "Iris on 2 layers of 5-port symmetric cores" in out and "; chance 33.3 %\n" in out
    assert "Xue et al." not in out
