"""The network's electronics: nonlinearities with exact Wirtinger backwards, readout ports, used by every method."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from picffm.chip import SimulatedChip, preset
from picffm.chip.spec import spec_from_dict
from _cli import run as _run
from picffm.errors import ConfigError
from picffm.training.config import TrainConfig, config_from_dict
from picffm.training.datasets import DataSource
from picffm.training.electronics import NONLINEARITIES, Electronics, get_nonlinearity, readout_ports
from picffm.training.gradients import matrix_gradients, network_loss, phase_gradients
from picffm.training.gradmetric import phase_gradients_true, true_matrices
from picffm.training.insitu import insitu_gradients
from picffm.training.network import LayerState, core_map, program_network
from picffm.training.trainers import design_netlist, initial_states, make_chips, make_dataset, make_trainer, method_names
from picffm.training.truth import flat_phase_grads, matrix_gradients_through

from test_training_datasets import synthetic_csv

NAMES = tuple(NONLINEARITIES)


# -- the nonlinearities on their own

def _fd_wirtinger(f, z, w, h=1e-6):
    """``dL/dz*`` of ``L = sum Re(conj(w) f(z))`` by central differences, element by element."""
    def loss(zz):
        return np.real(np.conj(w) * f(zz))  # elementwise: every element's own term
    dx = (loss(z + h) - loss(z - h)) / (2 * h)
    dy = (loss(z + 1j * h) - loss(z - 1j * h)) / (2 * h)
    return 0.5 * (dx + 1j * dy)


@pytest.mark.parametrize("name", NAMES)
def test_backward_is_the_wirtinger_derivative(name):
    nl = get_nonlinearity(name)
    rng = np.random.default_rng(11)
    z = 1.5 * (rng.normal(size=(7, 9)) + 1j * rng.normal(size=(7, 9)))
    z[0, :3] = [1e-3 + 2e-3j, 0.3 - 1e-2j, -2.0 + 0.5j]  # small moduli and one quadrature near 0
    w = rng.normal(size=z.shape) + 1j * rng.normal(size=z.shape)
    # L = Re(conj(w) a) has dL/da* = w / 2
    got = nl.backward(z, w / 2)
    np.testing.assert_allclose(got, _fd_wirtinger(nl.forward, z, w), rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_nonlinearities_are_finite_at_zero_and_keep_shape(name):
    nl = get_nonlinearity(name)
    z = np.array([[0.0, 1e-300, 1e300, -1e300j]], dtype=complex)
    a, g = nl.forward(z), nl.backward(z, np.ones_like(z))
    assert a.shape == z.shape and np.all(np.isfinite(a)) and np.all(np.isfinite(g))
    assert a[0, 0] == 0


def test_each_nonlinearity_does_what_its_name_says():
    z = np.array([0.3 - 2.0j, -1.2 + 0.4j, 3.0 + 4.0j])
    np.testing.assert_array_equal(get_nonlinearity("identity").forward(z), z)
    np.testing.assert_array_equal(get_nonlinearity("crelu").forward(z), [0.3, 0.4j, 3 + 4j])
    for name in ("modtanh", "softsat"):  # phase kept, modulus saturating below 1
        a = get_nonlinearity(name).forward(z)
        np.testing.assert_allclose(np.angle(a), np.angle(z), atol=1e-15)
        assert np.all(np.abs(a) < np.minimum(np.abs(z), 1.0))
    np.testing.assert_allclose(np.abs(get_nonlinearity("modtanh").forward(z)), np.tanh(np.abs(z)))
    np.testing.assert_allclose(np.abs(get_nonlinearity("softsat").forward(z)), np.abs(z) / (1 + np.abs(z)))


def test_tanh_is_the_limiting_amplifier_per_quadrature_bit_for_bit():
    """The default keeps the formula (and floating-point operations) the network always had."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(16, 35)) * 3 + 1j * rng.normal(size=(16, 35)) * 3
    g = rng.normal(size=z.shape) + 1j * rng.normal(size=z.shape)
    nl = get_nonlinearity("tanh")
    assert np.array_equal(nl.forward(z), np.tanh(z.real) + 1j * np.tanh(z.imag))
    assert np.array_equal(nl.backward(z, g), (1.0 - np.tanh(z.real) ** 2) * g.real
                          + 1j * (1.0 - np.tanh(z.imag) ** 2) * g.imag)
    assert TrainConfig().nonlinearity == "tanh" and TrainConfig().readout_ports == (0, 1, 2)


def test_first_readout_keeps_the_loss_bit_for_bit():
    """Consecutive ports are read through a view, as before the readout was configurable: with more
    than 8 classes numpy's sum over the classes rounds differently on a copy (its layout differs)."""
    from picffm.training.network import loss_and_grad

    rng = np.random.default_rng(9)
    z = np.asfortranarray(rng.normal(size=(64, 35)) + 1j * rng.normal(size=(64, 35)))  # as the chips return
    y = rng.integers(0, 10, size=35)
    el = Electronics.make("tanh", range(10), 10.0)
    assert el.rows == slice(0, 10) and isinstance(Electronics.make("tanh", (0, 8, 15)).rows, np.ndarray)
    loss, g, logits = loss_and_grad(z, y, el)
    # the formula the network had, on the first ten rows
    zk = z[:10]
    lg = 10.0 * (zk.real ** 2 + zk.imag ** 2)
    sh = lg - lg.max(axis=0, keepdims=True)
    logp = sh - np.log(np.exp(sh).sum(axis=0, keepdims=True))
    d = np.exp(logp)
    d[y, np.arange(35)] -= 1.0
    d /= 35
    ref = np.zeros_like(z)
    ref[:10] = 10.0 * d * zk
    assert loss == float(-logp[y, np.arange(35)].mean())
    assert np.array_equal(g, ref) and np.array_equal(logits, lg)


# -- readout ports

def test_readout_rules_and_explicit_ports():
    assert readout_ports("first", 3, 16) == (0, 1, 2)
    assert readout_ports("spread", 3, 16) == (0, 8, 15)
    assert readout_ports("spread", 5, 7) == (0, 2, 3, 5, 6)
    assert readout_ports("spread", 4, 4) == (0, 1, 2, 3)
    assert readout_ports("spread", 10, 64) == (0, 7, 14, 21, 28, 35, 42, 49, 56, 63)
    assert readout_ports("5, 0,10", 3, 16) == (5, 0, 10)
    assert readout_ports([9, 1, 4], 3, 16) == (9, 1, 4)
    for n in range(2, 40):
        for c in range(2, n + 1):
            p = readout_ports("spread", c, n)
            assert p[0] == 0 and p[-1] == n - 1 and all(b > a for a, b in zip(p, p[1:]))


@pytest.mark.parametrize("value, message", [
    ("0,5", "readout 0,5 names 2 ports for 3 classes"),
    ("0,5,16", "readout 0,5,16: port 16 is not an output port of 16-mode cores; valid: 0..15"),
    ("0,-1,3", "port -1 is not an output port"),
    ("0,5,5", "readout 0,5,5 reads port 5 twice"),
    ("middle", "readout 'middle' is invalid; valid: first, spread, or a comma list"),
    ("1.5,2,3", "readout '1.5,2,3' is invalid"),
    ([0, 1, True], "is invalid"),
])
def test_bad_readouts_are_refused_in_one_line(value, message):
    with pytest.raises(ConfigError, match=None) as exc:
        TrainConfig(readout=value)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_unknown_nonlinearity_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown nonlinearity 'relu'; valid: tanh, identity, crelu, modtanh, softsat"):
        TrainConfig(nonlinearity="relu")


def test_config_round_trips_through_json():
    cfg = TrainConfig(nonlinearity="modtanh", readout=[4, 0, 9])
    back = config_from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert back == cfg and back.readout == (4, 0, 9) and back.readout_ports == (4, 0, 9)
    assert back.electronics.nonlinearity.name == "modtanh"
    np.testing.assert_array_equal(back.electronics.ports, [4, 0, 9])
    old = {k: v for k, v in TrainConfig().to_dict().items() if k not in ("readout", "nonlinearity")}
    assert config_from_dict(old) == TrainConfig()  # a run directory written before these options


# -- every gradient route uses the electronics, exactly

EXACT = spec_from_dict({}, name="exact")  # no imperfection, no noise: FFM and in-situ BP are exact on it


def _network(n=7, layers=2, batch=9, seed=3):
    net = design_netlist(n)
    chips = [SimulatedChip(net, EXACT, r) for r in np.random.default_rng(seed).spawn(layers)]
    cmap = core_map(chips[0].schedule)
    states = initial_states(seed, TrainConfig(modes=n, layers=layers), cmap)
    program_network(chips, states)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(n, batch)) + 1j * rng.normal(size=(n, batch))
    return chips, cmap, states, x / np.linalg.norm(x, axis=0), rng.integers(0, 5, size=batch)


def _electronics(name, readout, n=7, classes=5):
    return Electronics.make(name, readout_ports(readout, classes, n), 10.0)


@pytest.mark.parametrize("readout", ["first", "spread"])
@pytest.mark.parametrize("name", NAMES)
def test_ffm_and_insitu_gradients_equal_the_exact_gradient(name, readout):
    chips, cmap, states, x, y = _network()
    el = _electronics(name, readout)
    gains = [s.gain for s in states]
    loss, true_w = matrix_gradients_through(true_matrices(chips), gains, x, y, electronics=el)
    m = matrix_gradients(chips, states, x, y, electronics=el)
    assert m.loss == pytest.approx(loss, rel=1e-12)
    for got, want in zip(m.grads.blocks("w"), true_w):
        np.testing.assert_allclose(got, want, atol=1e-10 * np.abs(want).max())
    _, true_p = phase_gradients_true(chips, cmap, gains, x, y, electronics=el)
    ffm_phase = phase_gradients(chips, states, cmap, x, y, electronics=el).grads
    for grads in ([ffm_phase.layer(i) for i in range(2)],
                  insitu_gradients(chips, states, cmap, x, y, electronics=el).grads):
        for got, want in zip(grads, true_p):
            np.testing.assert_allclose(flat_phase_grads(got), flat_phase_grads(want),
                                       atol=1e-9 * np.abs(flat_phase_grads(want)).max())


@pytest.mark.parametrize("name", NAMES)
def test_exact_phase_gradient_equals_finite_differences(name):
    """The reference itself, for every nonlinearity and a spread readout: a directional derivative."""
    chips, cmap, states, x, y = _network()
    el = _electronics(name, "spread")
    _, true_p = phase_gradients_true(chips, cmap, [s.gain for s in states], x, y, electronics=el)
    rng = np.random.default_rng(8)
    for layer in range(2):
        d = rng.normal(size=states[layer].params.tied().size)

        def loss(eps):
            sts = list(states)
            p = states[layer].params.copy().set_tied(states[layer].params.tied() + eps * d)
            sts[layer] = LayerState(p, states[layer].gain)
            program_network(chips, sts)
            return network_loss(chips, sts, x, y, electronics=el)

        eps = 1e-6
        fd = (loss(eps) - loss(-eps)) / (2 * eps)
        assert fd == pytest.approx(float(flat_phase_grads(true_p[layer]) @ d), rel=1e-6, abs=1e-9)


def test_the_nonlinearity_and_the_ports_change_the_loss():
    """A control: the tests above would not pass with the electronics ignored."""
    chips, cmap, states, x, y = _network()
    losses = {(n, r): network_loss(chips, states, x, y, electronics=_electronics(n, r))
              for n in NAMES for r in ("first", "spread")}
    assert len({round(v, 6) for v in losses.values()}) == len(losses)


# -- every method trains with every nonlinearity and a chosen readout

CHEAP = {"settings": 3, "repeats": 1, "crosstalk_settings": 8, "sweep_steps": 8}
#: static fabrication errors but no detector noise: every loss a method reads is a noiseless one
QUIET = spec_from_dict({"coupler": {"kappa_std": 0.02}, "phase": {"offset_std_rad": 0.05},
                        "heater": {"efficiency_std": 0.02}}, name="quiet")


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    p = synthetic_csv(tmp_path_factory.mktemp("data") / "syn.csv")
    return TrainConfig(data=DataSource.csv(p, "kind"), n_classes=5, modes=7, encoder="amplitude", folds=1,
                       test_fraction=0.3, batch_size=8, epochs=1)


@pytest.fixture(scope="module")
def twins(table):
    """Calibrated twins of the chips of seed 0 (calibrated once for the module)."""
    from picffm.training import twinned

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(twinned, "CALIBRATION", CHEAP)
        tr = make_trainer("pat", make_chips(QUIET, 0, 2, 7), make_dataset(0, table), table, 0)
    return tr.twins


def _exact_loss(raw_chips, states, x, y, config):
    """The noiseless loss of the chips programmed with ``states`` (left programmed so)."""
    program_network(raw_chips, states)
    return matrix_gradients_through(true_matrices(raw_chips), [s.gain for s in states], x, y,
                                    electronics=config.electronics)[0]


@pytest.mark.parametrize("method", method_names())
def test_every_method_steps_with_every_nonlinearity_and_its_readout(method, table, twins):
    """One update of each method per nonlinearity on the 5-class, 7-feature table, read at spread ports:
    the loss the method measured is the network's loss with *that* nonlinearity and readout, which differs
    from the loss with any other, and the update moves the parameters and keeps them finite.

    The chips have fabrication errors but no detector noise. The reference is the loss of the chips'
    true matrices (``reveal()``); for the twin methods, which read through the twin's transceiver
    correction, the loss of the corrected chips."""
    data = make_dataset(0, table)
    idx = np.arange(8)
    x, y = data.x_train[:, idx], data.y_train[idx]
    on_model = method in ("ideal", "insilico")
    raw = make_chips(None if on_model else QUIET, 0, 2, 7)
    extra = {"twins": twins} if method in ("pat", "ffm-twin") else {}
    tr = make_trainer(method, raw, data, table.replace(readout="spread"), 0, **extra)
    for name in NAMES:  # one trainer (its chips programmed once), its configuration switched before each update
        cfg = table.replace(nonlinearity=name, readout="spread")
        tr.config = cfg
        before = tr.params.values.copy()
        if method == "spsa":  # its loss is the mean of the two perturbed readings: the same signs, drawn ahead
            signs = copy.deepcopy(tr.rng).choice([-1.0, 1.0], size=before.size)
            points = [tr._states_from(tr.params.replace(before + s * cfg.spsa_c * signs)) for s in (1, -1)]
        else:
            points = [tr.states]
        alts = [cfg.replace(nonlinearity=n, readout=r) for n in NAMES for r in ("first", "spread")]
        if extra:  # read through the twin's transceiver correction: the loss of the corrected chips
            ref = [network_loss(tr.chips, tr.states, x, y, electronics=c.electronics) for c in alts]
        else:
            ref = [np.mean([_exact_loss(raw, st, x, y, c) for st in points]) for c in alts]
        own = ref[alts.index(cfg)]
        others = [v for c, v in zip(alts, ref) if c != cfg]
        program_network(raw, tr.states)
        loss = tr.step(idx)
        assert np.isfinite(loss) and np.all(np.isfinite(tr.params.values)), name
        assert not np.array_equal(before, tr.params.values), name
        assert loss == pytest.approx(own, rel=1e-9), (name, loss, own)
        assert min(abs(own - v) for v in others) > 1e-6 * own, name  # the electronics matter here
        acc = tr.accuracy(data.x_test, data.y_test)
        assert 0.0 <= acc <= 1.0


# -- end to end: the CLI stores them, evaluate and resume use them

def test_cli_trains_stores_and_evaluates_with_the_chosen_electronics(tmp_path, capsys):
    p = synthetic_csv(tmp_path / "syn.csv")
    out = tmp_path / "r"
    base = ["train", "csv", str(p), "--label", "kind", "--encoder", "amplitude", "--epochs", "3", "--seeds", "1",
            "--folds", "1", "--batch-size", "10", "--method", "ideal,ffm-phase", "--workers", "1", "--quiet"]
    code, text, err = _run(base + ["--nonlinearity", "modtanh", "--readout", "6,0,3,1,4", "--out", str(out)], capsys)
    assert code == 0, err
    assert "(modtanh nonlinearity, readout ports 6,0,3,1,4)" in text.splitlines()[0]
    assert "one stratified split each" in text.splitlines()[0]
    cfg = json.loads((out / "config.json").read_text())["config"]
    assert cfg["nonlinearity"] == "modtanh" and cfg["readout"] == [6, 0, 3, 1, 4]
    metrics = json.loads((out / "metrics.json").read_text())
    ideal = metrics["chips"]["typical"]["ideal"]["test_acc"]["mean"]
    # the ideal model is noiseless: deploying the ideal unit there gives the run's own figure, which needs the
    # run's nonlinearity and ports
    code, text, err = _run(["evaluate", str(out), "--chip", "model", "--json", "--quiet"], capsys)
    assert code == 0, err
    row = next(r for r in json.loads(text)["rows"] if r["method"] == "ideal")
    assert row["test_acc"]["mean"] == pytest.approx(ideal, abs=1e-9)
    # a resume with another nonlinearity or readout is refused, naming the option
    for opt, val in (("--nonlinearity", "tanh"), ("--readout", "first")):
        code, _, err = _run(["train", "csv", "--out", str(out), "--resume", "--quiet", opt, val], capsys)
        assert code == 2 and err.count("\n") == 1 and f"{opt} differs from the run" in err, err
    code, _, err = _run(["train", "csv", "--out", str(out), "--resume", "--quiet"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("args, message", [
    (["--nonlinearity", "relu"], "argument --nonlinearity: invalid choice: 'relu' (choose from 'tanh', 'identity'"),
    (["--readout", "0,1"], "--readout 0,1 names 2 ports for 5 classes; valid: 5 distinct ports in 0..6"),
    (["--readout", "0,1,2,3,7"], "--readout 0,1,2,3,7: port 7 is not an output port of 7-mode cores"),
    (["--readout", "0,1,2,3,3"], "--readout 0,1,2,3,3 reads port 3 twice"),
    (["--readout", "edges"], "--readout 'edges' is invalid; valid: first, spread"),
])
def test_bad_electronics_options_give_one_line(tmp_path, capsys, args, message):
    p = synthetic_csv(tmp_path / "syn.csv")
    out = tmp_path / "r"
    try:
        code, _, err = _run(["train", "csv", str(p), "--label", "kind", "--encoder", "amplitude", "--quiet",
                             "--out", str(out)] + args, capsys)
    except SystemExit as exc:  # argparse's own refusal (one line too)
        code, err = exc.code, capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_api_trains_saves_and_evaluates_with_the_chosen_electronics(tmp_path):
    from picffm.training import api

    rng = np.random.default_rng(4)
    centers = 2.0 * rng.normal(size=(4, 5))
    X = np.concatenate([c + 0.6 * rng.normal(size=(15, 5)) for c in centers])
    y = np.repeat(np.arange(4), 15)
    net = api.network(None, encoder="amplitude", nonlinearity="crelu", readout="spread")
    res = api.train(net, "ideal", X, y, epochs=4, seed=0)
    assert res.config.nonlinearity == "crelu" and res.config.readout_ports == (0, 1, 3, 4)
    res.save(tmp_path / "r.npz")
    back = api.load(tmp_path / "r.npz")
    assert back.config == res.config
    assert api.evaluate(back, "model") == pytest.approx(res.test_acc, abs=1e-12)
    np.testing.assert_array_equal(back.predict(X, "model"), res.predict(X, "model"))
    with pytest.raises(ConfigError, match="unknown nonlinearity"):
        api.network(None, nonlinearity="sigmoid")
    with pytest.raises(ConfigError, match="names 2 ports for 4 classes"):
        api.train(api.network(None, encoder="amplitude", readout=[0, 1]), "ideal", X, y, epochs=1)
