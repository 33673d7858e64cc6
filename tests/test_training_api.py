"""The notebook API: the docs' example runs as written; results save, load and evaluate on any chip."""

import re
from pathlib import Path

import numpy as np
import pytest

from picffm.errors import ConfigError, PicffmError
from picffm.training import api

DOCS = Path(__file__).resolve().parents[1] / "docs" / "training.md"


def test_the_documented_notebook_example_runs(tmp_path, monkeypatch, capsys):
    text = DOCS.read_text()
    block = re.search(r"<!-- notebook-example -->\n```python\n(.*?)```", text, re.S)
    assert block, "docs/training.md lost its notebook example"
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "docs/training.md (notebook example)", "exec"), {"__name__": "__doc_example__"})
    out = capsys.readouterr().out
    acc = float(re.search(r"FFM on the typical chip: ([\d.]+) %", out).group(1))
    assert acc > 70  # three cultivars: chance 33 %
    assert (tmp_path / "wine_ffm.npz").is_file() and "after 1 h of drift" in out


def test_the_documented_library_example_runs():
    """docs/training.md's library example as written (it lacked `import picffm`), with 2 epochs instead of 100."""
    block = re.search(r"<!-- library-example -->\n```python\n(.*?)```", DOCS.read_text(), re.S)
    assert block and "TrainConfig(epochs=100)" in block.group(1), "docs/training.md lost its library example"
    code = block.group(1).replace("TrainConfig(epochs=100)", "TrainConfig(epochs=2, grad_probe_step=6)")
    scope = {"__name__": "__doc_example__"}
    exec(compile(code, "docs/training.md (library example)", "exec"), scope)
    assert 0 <= scope["acc"] <= 1 and 0 <= scope["before"] <= 1 and 0 <= scope["after"] <= 1
    assert scope["tr"].updates == 2 * 3 + 24 * 10  # 2 epochs of 3 updates, then 10 online updates per hour


def _blobs(seed=3, n=15):
    rng = np.random.default_rng(seed)
    centers = np.array([[2.0, 0, 0], [0, 2.0, 0], [0, 0, 2.0]])
    X = np.concatenate([c + 0.5 * rng.normal(size=(n, 3)) for c in centers])
    y = np.repeat(["a", "b", "c"], n)
    return X, y


def test_save_load_round_trip_and_evaluate(tmp_path):
    X, y = _blobs()
    net = api.network("mild", encoder="amplitude", modes=4)
    r = api.train(net, "ffm-phase", X, y, epochs=6, seed=1, batch_size=8)
    assert r.classes == ("a", "b", "c") and r.config.modes == 4 and r.passes > 0
    r.save(tmp_path / "r.npz")
    back = api.load(tmp_path / "r.npz")
    for a, b in zip(r.states, back.states):
        np.testing.assert_array_equal(a.params.values, b.params.values)
        assert a.gain == b.gain
    assert back.history == r.history and back.encoder == r.encoder and back.spec.to_dict() == r.spec.to_dict()
    # the ideal model is noiseless: loaded and original give the same accuracy, on any data
    assert api.evaluate(back, "model") == api.evaluate(r, "model")
    labels = np.unique(y, return_inverse=True)[1]
    assert api.evaluate(back, "model", X=X, y=y) == pytest.approx(np.mean(back.predict(X, "model") == labels))
    with pytest.raises(ConfigError, match="drift_time_s"):
        api.evaluate(r, drift_time_s=-1)


def test_insilico_is_the_ideal_network_deployed():
    X, y = _blobs()
    net = api.network("harsh", encoder="amplitude", modes=3)
    ideal = api.train(api.network(None, encoder="amplitude", modes=3), "ideal", X, y, epochs=4, seed=0)
    silico = api.train(net, "insilico", X, y, epochs=4, seed=0)
    for a, b in zip(ideal.states, silico.states):
        np.testing.assert_array_equal(a.params.values, b.params.values)
    assert silico.passes == 0 and silico.chip == "harsh"
    assert api.evaluate(silico, "model") == ideal.test_acc


def test_bad_inputs_are_named():
    X, y = _blobs()
    net = api.network("mild", encoder="amplitude")
    with pytest.raises(ConfigError, match="unknown method 'backprop'"):
        api.train(net, "backprop", X, y)
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ConfigError, match=r"X\[4, 1\] is nan"):
        api.train(net, "ffm", bad, y)
    bad[4, 1] = 1e300  # finite, but its standardisation overflows float64
    with pytest.raises(ConfigError, match=r"X\[4, 1\] is 1e\+300, beyond the limit of 1e\+150"):
        api.train(net, "ffm", bad, y)
    with pytest.raises(ConfigError, match="X has 45 samples, y 44"):
        api.train(net, "ffm", X, y[:-1])
    with pytest.raises(PicffmError):
        api.load(__file__)


def test_bad_arguments_are_one_line_config_errors(tmp_path):
    """Each of these used to pass silently (int('2'), an ignored option, a fraction outside (0, 1)) or raise a
    TypeError / KeyError / IsADirectoryError."""
    X, y = _blobs()
    for kwargs, message in (({"layers": 0}, r"layers = 0 is invalid; valid: an integer in \[1, 16\]"),
                            ({"layers": "2"}, "layers = '2' is invalid"),
                            ({"modes": 2.5}, r"modes = 2.5 is invalid; valid: an integer in \[2, 256\]"),
                            ({"projection": "svd"}, "unknown projection 'svd'; valid: none, pca")):
        with pytest.raises(ConfigError, match=message):
            api.network("mild", **kwargs)
    assert api.network("mild", layers=np.int64(1), modes=np.int32(8)).layers == 1
    net = api.network("mild", encoder="amplitude")
    for kwargs, message in (({"epoch": 3}, "unknown option 'epoch' of api.train; valid: epochs, batch_size"),
                            ({"modes": 4}, r"modes is not an option of api.train: the network \(api.network\)"),
                            ({"data": "digits"}, "data is not an option of api.train"),
                            ({"test_fraction": 0}, r"test_fraction = 0 is invalid; valid: a number in \(0, 1\)"),
                            ({"test_fraction": 1.5}, "test_fraction = 1.5 is invalid"),
                            ({"test_fraction": float("nan")}, "test_fraction = nan is invalid"),
                            ({"X_test": X}, "give both X_test and y_test, or neither"),
                            ({"X_test": X, "y_test": y[:-1]}, "y_test must hold one label per sample of X_test: 45"),
                            ({"X_test": X, "y_test": np.where(y == "b", "q", y)},
                             "y_test has the label 'q', which the training labels do not have; valid: 'a', 'b', 'c'")):
        with pytest.raises(ConfigError, match=message):
            api.train(net, "ideal", X, y, epochs=1, **kwargs)
    result = api.train(net, "ideal", X, y, epochs=1)
    with pytest.raises(ConfigError, match="give both X and y, or neither"):
        api.evaluate(result, "mild", X=X)
    with pytest.raises(ConfigError, match="y has the label 'z', which the training labels do not have"):
        api.evaluate(result, "mild", X=X[:1], y=["z"])
    # a numpy time is a number
    assert api.evaluate(result, "mild", drift_time_s=np.float32(0.0)) == api.evaluate(result, "mild")
    (tmp_path / "folder").mkdir()
    with pytest.raises(ConfigError, match="folder: is a directory; give a file name"):
        result.save(tmp_path / "folder")
    with pytest.raises(ConfigError, match="its folder .*nope does not exist"):
        result.save(tmp_path / "nope" / "r.npz")
    # api.load's refusals say what the notebook should give it (not a run directory's '--force')
    (tmp_path / "notes.txt").write_text("not a network")
    with pytest.raises(PicffmError, match=r"notes.txt: .*\(not an .npz archive\); give a file written by Trained.save"):
        api.load(tmp_path / "notes.txt")
    with pytest.raises(PicffmError, match="folder: is a directory, not a state file; give a file written by"):
        api.load(tmp_path / "folder")
