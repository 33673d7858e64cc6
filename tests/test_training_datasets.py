"""Data sets as data: built-in tables, CSV/TSV files with their one-line errors, encoders of any shape."""

import json

import numpy as np
import pytest

from _cli import run
from picffm.errors import ConfigError, DataError
from picffm.training.config import TrainConfig
from picffm.training.datasets import DataSource, load_table, read_table
from picffm.training.encoding import fit_encoder
from picffm.training.trainers import make_dataset, method_names


def synthetic_csv(path, n_classes=5, n_features=7, per_class=20, seed=5, sep=","):
    """Gaussian clusters, one per class, labels as text (seeded)."""
    rng = np.random.default_rng(seed)
    centers = 1.5 * rng.normal(size=(n_classes, n_features))
    rows = [(centers[c] + 0.8 * rng.normal(size=n_features), f"kind{c}")
            for c in range(n_classes) for _ in range(per_class)]
    order = rng.permutation(len(rows))
    lines = [sep.join([f"f{i}" for i in range(n_features)] + ["kind"])]
    lines += [sep.join([f"{v:.5f}" for v in rows[i][0]] + [rows[i][1]]) for i in order]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_builtin_tables():
    iris = load_table("iris")
    assert (len(iris), iris.n_features, iris.n_classes) == (150, 4, 3)
    digits = load_table("digits")
    assert (len(digits), digits.n_features, digits.n_classes) == (1797, 64, 10)
    assert digits.class_counts().min() >= 170 and digits.features.max() == 16


def test_csv_and_tsv_read_the_same_table(tmp_path):
    a = read_table(synthetic_csv(tmp_path / "t.csv"), "kind")
    b = read_table(synthetic_csv(tmp_path / "t.tsv", sep="\t"), "kind")
    assert a.n_classes == 5 and a.n_features == 7 and len(a) == 100
    np.testing.assert_array_equal(a.features, b.features)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.class_names == tuple(f"kind{c}" for c in range(5))
    sub = read_table(tmp_path / "t.csv", "kind", ["f3", "f1"])
    np.testing.assert_array_equal(sub.features, a.features[:, [3, 1]])


def test_integer_labels_sort_numerically(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("# a comment\nx,y\n" + "".join(f"{i}.5,{lab}\n" for i, lab in enumerate([10, 2, 10, 2, 9, 9])))
    t = read_table(p, "y")
    assert t.class_names == ("2", "9", "10")
    assert t.labels.tolist() == [2, 0, 2, 0, 1, 1]


@pytest.mark.parametrize("text, args, message", [
    ("a,b\n1,x\n2,y\n", ("c",), "no label column 'c'; columns: a, b"),
    ("a,b,y\n1,2,x\n2,3,x\n", ("y", ["a", "q"]), "no feature column 'q'"),
    ("a,y\n1,x\nfoo,x\n2,z\n3,z\n", ("y",), "line 3: column 'a': 'foo' is not a number"),
    ("a,y\n1,x\nNaN,x\n2,z\n3,z\n", ("y",), "line 3: column 'a': missing value ('NaN')"),
    ("a,y\n1,x\n,x\n2,z\n3,z\n", ("y",), "line 3: column 'a': missing value"),
    ("a,y\n1,x\ninf,x\n2,z\n3,z\n", ("y",), "'inf' is not a finite number"),
    ("a,y\n1,x\n2,x\n3,z\n", ("y",), "class 'z' has 1 sample(s); every class needs at least 2"),
    ("a,y\n1,x\n2,x\n", ("y",), "a single class 'x'"),
    ("a,y\n1,x,3\n", ("y",), "line 2: 3 fields, the header has 2"),
    ("a,a,y\n1,2,x\n", ("y",), "column 'a' appears more than once"),
    ("a,y\n", ("y",), "no data rows"),
    ("", ("y",), "empty file"),
    # magnitudes whose standardisation overflows float64 (it used to train on inf/NaN-free garbage, with warnings)
    ("a,y\n1e308,x\n2,x\n3,z\n4,z\n", ("y",), "line 2: column 'a': '1e308' is beyond the limit of 1e+150"),
    ("a,y\n1,x\n-2e200,x\n3,z\n4,z\n", ("y",), "line 3: column 'a': '-2e200' is beyond the limit"),
    # a European spreadsheet export: one header column with ';' inside
    ("a;b;y\n1;2;x\n", ("y",), "the header is one column 'a;b;y': the file seems to use ';' as separator"),
])
def test_bad_tables_give_one_line(tmp_path, text, args, message):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DataError) as exc:
        read_table(p, *args)
    assert message in str(exc.value) and "\n" not in str(exc.value) and str(p) in str(exc.value)


def test_changed_file_is_refused(tmp_path):
    p = synthetic_csv(tmp_path / "t.csv")
    src = DataSource.csv(p, "kind")
    synthetic_csv(p, seed=6)
    with pytest.raises(DataError, match="changed since the run started"):
        load_table(src)
    assert DataSource.from_dict(src.to_dict()) == src


@pytest.mark.parametrize("kind, width", [("amplitude", 7), ("phase", 21), ("mixture", 28)])
def test_encoders_have_their_width_and_unit_power(kind, width):
    rng = np.random.default_rng(1)
    f = rng.normal(size=(30, 7)) * [1, 2, 3, 4, 5, 6, 7] + 10
    enc = fit_encoder(f, kind, width + 3)
    x = enc.encode(f[:9])
    assert x.shape == (width + 3, 9)
    np.testing.assert_allclose(np.linalg.norm(x, axis=0), 1.0, atol=1e-12)
    np.testing.assert_array_equal(x[width:], 0)  # modes past the encoding are dark
    if kind != "phase":  # the amplitude channel is the standardised feature times the common norm
        z = (f[:9] - f.mean(axis=0)) / f.std(axis=0)
        ratio = x[:7].real.T / (z / 2)
        np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones((1, 7)), rtol=1e-9)
    assert fit_encoder(f, kind, width + 3).to_dict() == enc.to_dict()
    with pytest.raises(ConfigError, match=f"need {width} modes"):
        fit_encoder(f, kind, width - 1)


def test_pca_projection_keeps_what_the_modes_hold():
    rng = np.random.default_rng(2)
    f = rng.normal(size=(200, 3)) @ rng.normal(size=(3, 12))  # rank 3 in 12 features
    enc = fit_encoder(f, "mixture", 12, "pca")
    assert enc.n_inputs == 3 and enc.encode(f).shape == (12, 200)
    z = (f - f.mean(axis=0)) / f.std(axis=0) @ np.asarray(enc.components).T
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-9)  # unit variance on the training split
    # the components span the data: the projection loses nothing of a rank-3 table
    zs = (f - f.mean(axis=0)) / f.std(axis=0)
    c = np.asarray(enc.components)
    back = zs @ np.linalg.pinv(c) @ c
    np.testing.assert_allclose(back, zs, atol=1e-9)


def test_dataset_split_follows_the_data(tmp_path):
    p = synthetic_csv(tmp_path / "t.csv")
    cfg = TrainConfig(data=DataSource.csv(p, "kind"), n_classes=5, modes=28, folds=1, test_fraction=0.3)
    d = make_dataset(0, cfg)
    assert d.x_train.shape == (28, 70) and d.x_test.shape == (28, 30)
    assert np.bincount(d.y_test).tolist() == [6] * 5 and not set(d.train_index) & set(d.test_index)
    assert cfg.updates_per_epoch() == 2 and cfg.n_train() == 70
    from picffm.training.report import holdout_ratio

    assert holdout_ratio(cfg) == 30 / 70  # the CI's test/train ratio follows the data, not Iris's 150 samples
    with pytest.raises(ConfigError, match="6 classes, more than the 5 output ports|more than the"):
        TrainConfig(n_classes=6, modes=5)
    with pytest.raises(ConfigError, match="has 5 classes, the configuration 3"):
        make_dataset(0, cfg.replace(n_classes=3))


def test_every_method_trains_on_a_five_class_seven_feature_table(tmp_path, capsys):
    p = synthetic_csv(tmp_path / "syn.csv")
    methods = ",".join(method_names())  # every registered method
    code, out, err = run(["train", "csv", str(p), "--label", "kind", "--encoder", "amplitude", "--epochs", "4",
                          "--seeds", "1", "--folds", "1", "--batch-size", "10", "--method", methods, "--workers", "1",
                          "--out", str(tmp_path / "r"), "--json", "--quiet"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["modes"] == 7 and doc["n_classes"] == 5 and doc["task"] == "csv"
    typical = doc["chips"]["typical"]
    assert set(typical) == set(methods.split(","))
    for m in ("ideal", "ffm", "ffm-phase"):
        assert typical[m]["test_acc"]["mean"] > 40, m  # chance: 20 %
    cfg = json.loads((tmp_path / "r" / "config.json").read_text())["config"]
    assert cfg["data"]["name"] == "csv" and cfg["data"]["label"] == "kind" and len(cfg["data"]["sha256"]) == 64
    # resuming the finished run reads the same file; another data set is refused
    code, out, err = run(["train", "csv", "--out", str(tmp_path / "r"), "--resume", "--quiet"], capsys)
    assert code == 0, err and "syn.csv" in out
    code, out, err = run(["train", "iris", "--out", str(tmp_path / "r"), "--resume", "--quiet"], capsys)
    assert code == 2 and "was trained on syn.csv" in err


@pytest.mark.parametrize("args, message", [
    (["--label", "nope"], "no label column 'nope'"),
    (["--label", "kind", "--features", "f1,zz"], "no feature column 'zz'"),
    (["--label", "kind", "--modes", "4", "--encoder", "amplitude"], "5 classes, more than the 4 readout ports"),
    (["--label", "kind", "--modes", "16"], "7 features x 4 modes (mixture encoder) need 28 modes"),
    (["--label", "kind", "--test-fraction", "1.5"], "--test-fraction 1.5 is invalid"),
    ([], "needs --label COLUMN"),
    (["--label", "kind", "--features", " , "], "--features ' , ' names no column"),  # trained on every column
])
def test_bad_csv_options_give_one_line(tmp_path, capsys, args, message):
    p = synthetic_csv(tmp_path / "syn.csv")
    code, out, err = run(["train", "csv", str(p), "--out", str(tmp_path / "r")] + args, capsys)
    assert code == 2, err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_missing_table_file(tmp_path, capsys):
    code, out, err = run(["train", "csv", str(tmp_path / "none.csv"), "--label", "y"], capsys)
    assert code == 2 and "none.csv: no such file" in err and err.count("\n") == 1
