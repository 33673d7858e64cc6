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
    assert metrics["class_counts"] == [24, 4, 2]
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
