"""SimulatedChip: ideal equivalence, mirror symmetry, fabrication/drift/noise statistics, passes, seeds."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from picffm.chip import PRESETS, Chip, ChipSpec, IdealChip, SimulatedChip, preset
from picffm.chip.calibration import measure_matrix, random_tied_settings, relative_symmetry_error
from picffm.chip.heaters import crosstalk_matrix, heater_layout
from picffm.chip.stats import drift_statistics
from picffm.errors import ParamsError, SpecError
from picffm.meshes import clements, symmetric_core

Z = ChipSpec()


def _random_program(schedule, rng, tied=True):
    if tied:
        return random_tied_settings(schedule, rng)
    p = schedule.params()
    return p.set_programmable(rng.uniform(-9, 9, p.table.n_programmable))


def _true_heaters(chip):
    layout = heater_layout(chip.schedule)
    return layout, chip.reveal().params.programmable.copy()


# ---------------------------------------------------------------- ideal chip
@pytest.mark.parametrize("net", [symmetric_core(5), symmetric_core(6), clements(5)], ids=["sym5", "sym6", "clem5"])
def test_ideal_preset_equals_ideal_chip_exactly(net):
    rng = np.random.default_rng(3)
    ideal, chip = IdealChip(net), SimulatedChip(net, preset("ideal"), np.random.default_rng(9))
    prog = _random_program(ideal.schedule, rng, tied=False)  # unwrapped phases outside [0, 2 pi)
    ideal.program(prog)
    chip.program(prog)
    chip.advance(100.0)
    x = rng.normal(size=(net_n := ideal.n_modes, 3)) + 1j * rng.normal(size=(net_n, 3))
    assert_array_equal(chip.run(x), ideal.run(x))
    assert_array_equal(chip.run(x[:, 0]), ideal.run(x[:, 0]))
    assert_array_equal(chip.intensities(x), ideal.intensities(x))
    assert_array_equal(chip.realised_matrix(), ideal.matrix())
    (yc, tc), (yi, ti) = chip.monitors(x), ideal.monitors(x)
    assert_array_equal(yc, yi)
    for name in ("theta_before", "theta_after", "phi_before", "phi_after"):
        assert_array_equal(getattr(tc, name), getattr(ti, name))
    for comp in ti.single_in:
        assert_array_equal(tc.single_in[comp], ti.single_in[comp])
    assert_array_equal(measure_matrix(chip), ideal.matrix())
    assert chip.passes == ideal.passes + ideal.n_modes


def test_default_spec_is_ideal_and_protocol():
    chip = SimulatedChip(symmetric_core(4))
    assert chip.spec.is_ideal and isinstance(chip, Chip)
    assert SimulatedChip(symmetric_core(4), "mild").spec == preset("mild")
    with pytest.raises(SpecError, match="neither a preset"):
        SimulatedChip(symmetric_core(4), "medium")
    assert PRESETS["ideal"].is_ideal and not PRESETS["typical"].is_ideal


# ----------------------------------------------------------- mirror symmetry
@settings(max_examples=12, deadline=None)
@given(n=st.integers(2, 7), seed=st.integers(0, 2**31), name=st.sampled_from(["mild", "typical", "harsh"]),
       dt=st.floats(0.0, 1e4))
def test_mirror_asymmetry_zero_keeps_realised_matrix_symmetric(n, seed, name, dt):
    spec = preset(name).replace(mirror_asymmetry=0.0, heater__crosstalk_same_column=0.05,
                                heater__crosstalk_next_column=0.03)
    chip = SimulatedChip(symmetric_core(n), spec, np.random.default_rng(seed))
    chip.program(random_tied_settings(chip.schedule, np.random.default_rng(seed + 1)))
    chip.advance(dt)
    chip.advance(dt / 3)
    m = chip.realised_matrix()
    assert_allclose(m, m.T, atol=1e-13)
    assert relative_symmetry_error(IdealChip(symmetric_core(n)).matrix()) < 1e-13


def test_mirror_asymmetry_breaks_symmetry_and_grows():
    errs = []
    for a in (0.0, 0.05, 0.3, 1.0):
        chip = SimulatedChip(symmetric_core(8), preset("typical").replace(mirror_asymmetry=a),
                             np.random.default_rng(4))
        chip.program(random_tied_settings(chip.schedule, np.random.default_rng(5)))
        errs.append(relative_symmetry_error(chip.realised_matrix()))
    assert errs[0] < 1e-13 and 0 < errs[1] < errs[2] < errs[3]


def test_mirror_mixing_keeps_marginal_std_and_sets_mismatch():
    sigma, a = 0.1, 0.3
    spec = Z.replace(phase__offset_std_rad=sigma, mirror_asymmetry=a)
    chip = SimulatedChip(symmetric_core(40), spec, np.random.default_rng(0))  # 1560 twin heater pairs
    layout, true = _true_heaters(chip)
    src, dst = layout.twin_src, layout.twin_dst
    assert src.size == 2 * 780
    # all programmed phases are 0, so the true phases are the offsets
    assert np.std(true[dst]) == pytest.approx(sigma, rel=0.06)
    assert np.std(true[src]) == pytest.approx(sigma, rel=0.06)
    expected = sigma * np.sqrt(2 * (1 - np.sqrt(1 - a * a)))
    assert np.std(true[dst] - true[src]) == pytest.approx(expected, rel=0.06)


# ----------------------------------------------------------------- heaters
def _brute_crosstalk(layout, same, nxt):
    h = layout.n
    x, m = layout.x4, layout.mode
    dense = np.zeros((h, h))
    for i in range(h):
        for j in range(h):
            if x[i] == x[j] and m[i] == m[j]:
                continue
            if x[i] == x[j]:
                col = m[x == x[i]]
                above, below = col[col > m[i]], col[col < m[i]]
                if (above.size and m[j] == above.min()) or (below.size and m[j] == below.max()):
                    dense[i, j] = same
            elif abs(x[i] - x[j]) <= 3 and abs(m[i] - m[j]) <= 1:
                dense[i, j] = nxt
    return dense


@pytest.mark.parametrize("net", [symmetric_core(4), symmetric_core(5), clements(4)], ids=["sym4", "sym5", "clem4"])
def test_crosstalk_matrix_matches_brute_force_and_is_mirror_symmetric(net):
    from picffm.schedule import compile_netlist

    layout = heater_layout(compile_netlist(net))
    xt = crosstalk_matrix(layout, 0.02, 0.01).toarray()
    assert_array_equal(xt, _brute_crosstalk(layout, 0.02, 0.01))
    assert np.all(np.diag(xt) == 0) and np.all(xt == xt.T)
    twin = np.arange(layout.n)
    twin[layout.twin_src], twin[layout.twin_dst] = layout.twin_dst, layout.twin_src
    assert_array_equal(xt[np.ix_(twin, twin)], xt)


def test_heater_positions_mirror_about_the_attenuator_column():
    from picffm.schedule import compile_netlist

    sched = compile_netlist(symmetric_core(6))
    layout = heater_layout(sched)
    att = [sched.table.block("attenuator", "theta").start]
    centre = layout.x4[att[0]]
    assert np.all(layout.x4[att[0]:] == centre)  # the whole D column on the axis
    assert_array_equal(layout.x4[layout.twin_src] + layout.x4[layout.twin_dst], 2 * centre)
    assert_array_equal(layout.mode[layout.twin_src], layout.mode[layout.twin_dst])


def test_heater_model_crosstalk_efficiency_dac_written_out():
    net = clements(4)
    # crosstalk only: one heater driven, its neighbours get the fraction
    chip = SimulatedChip(net, Z.replace(heater__crosstalk_same_column=0.03, heater__crosstalk_next_column=0.01))
    layout = heater_layout(chip.schedule)
    xt = crosstalk_matrix(layout, 0.03, 0.01)
    drive = np.zeros(layout.n)
    drive[2] = 1.2
    prog = chip.params().set_programmable(drive)
    chip.program(prog)
    _, true = _true_heaters(chip)
    assert_allclose(true, drive + xt @ drive, atol=1e-15)
    assert np.count_nonzero(true) > 1
    # efficiency and wrapping: phase = eff * (p mod 2 pi)
    spec = Z.replace(heater__efficiency_std=0.1)
    chip = SimulatedChip(net, spec, np.random.default_rng(2))
    p = np.random.default_rng(3).uniform(-10, 10, layout.n)
    prog = chip.params().set_programmable(p)
    chip.program(prog)
    _, true = _true_heaters(chip)
    eff = true / np.mod(p, 2 * np.pi)
    assert np.std(eff) > 0.02 and np.all(np.abs(eff - 1) < 0.5)
    # DAC: 3 bits over 2 pi -> multiples of pi/4
    chip = SimulatedChip(net, Z.replace(heater__dac_bits=3), np.random.default_rng(2))
    chip.program(prog)
    _, true = _true_heaters(chip)
    assert_allclose(true / (np.pi / 4), np.round(true / (np.pi / 4)), atol=1e-12)
    assert np.all((true >= 0) & (true < 2 * np.pi))
    assert np.max(np.abs(np.angle(np.exp(1j * (true - p))))) <= np.pi / 8 + 1e-12


# ----------------------------------------------------------- fabrication stats
def test_fabrication_statistics_match_spec():
    spec = Z.replace(coupler__kappa_std=0.04, loss__mzi_db=0.3, loss__mzi_db_std=0.05,
                     heater__efficiency_std=0.05, mirror_asymmetry=1.0)
    chip = SimulatedChip(symmetric_core(40), spec, np.random.default_rng(1))
    true = chip.reveal().params.component("mzi")
    k = np.concatenate([true["kappa1"], true["kappa2"]])
    assert k.size == 2 * 1560
    assert np.mean(k) == pytest.approx(0.5, abs=3 * 0.04 / np.sqrt(k.size))
    assert np.std(k) == pytest.approx(0.04, rel=0.05)
    loss = true["loss_db"]
    assert np.mean(loss) == pytest.approx(0.3, abs=4 * 0.05 / np.sqrt(loss.size))
    assert np.std(loss) == pytest.approx(0.05, rel=0.08)
    assert chip.params().component("mzi")["kappa1"][0] == 0.5  # the programmed (nominal) view knows nothing


# -------------------------------------------------------------------- drift
def test_random_walk_variance_grows_linearly():
    rate, t = 2e-3, 400.0
    spec = Z.replace(drift__model="random_walk", drift__rate_rad_per_sqrt_s=rate, mirror_asymmetry=1.0)
    chip = SimulatedChip(symmetric_core(30), spec, np.random.default_rng(0))
    _, before = _true_heaters(chip)
    for _ in range(7):
        chip.advance(t / 7)
    _, after = _true_heaters(chip)
    d = after - before
    assert d.size > 1500
    assert np.mean(d) == pytest.approx(0.0, abs=4 * rate * np.sqrt(t) / np.sqrt(d.size))
    assert np.var(d) == pytest.approx(rate ** 2 * t, rel=0.1)
    assert chip.time_s == pytest.approx(t)


def test_ou_stationary_variance_and_correlation():
    sigma, tau = 0.01, 50.0
    spec = Z.replace(drift__model="ou", drift__sigma_rad=sigma, drift__tau_s=tau, mirror_asymmetry=1.0)
    chip = SimulatedChip(symmetric_core(30), spec, np.random.default_rng(0))
    _, x0 = _true_heaters(chip)  # programmed phases (attenuators at pi), no drift yet
    chip.advance(20 * tau)  # one exact step: already stationary
    x1 = _true_heaters(chip)[1] - x0
    chip.advance(tau / 4)
    chip.advance(tau / 4)
    x2 = _true_heaters(chip)[1] - x0
    assert np.std(x1) == pytest.approx(sigma, rel=0.06)
    assert np.std(x2) == pytest.approx(sigma, rel=0.06)
    assert np.corrcoef(x1, x2)[0, 1] == pytest.approx(np.exp(-0.5), abs=0.04)


def test_advance_validates_and_zero_step_is_a_no_op():
    chip = SimulatedChip(symmetric_core(4), preset("typical"), np.random.default_rng(0))
    m = chip.realised_matrix()
    chip.advance(0.0)
    assert_array_equal(chip.realised_matrix(), m)
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ParamsError, match="time step"):
            chip.advance(bad)


def test_drift_statistics_typical_matches_paper_scale():
    chip = SimulatedChip(symmetric_core(16), preset("typical"), np.random.default_rng(1))
    chip.program(random_tied_settings(chip.schedule, np.random.default_rng(2)))
    stats = drift_statistics(chip, 600.0, 21)
    assert 0.004 < stats.mean_pct < 0.03  # Xue et al. measured 0.010-0.012 %
    assert chip.time_s == pytest.approx(600.0)
    ideal = SimulatedChip(symmetric_core(4), preset("ideal"))
    assert drift_statistics(ideal, 10.0, 3).max_pct < 1e-10


def test_drift_statistics_measured_counts_passes_and_validates():
    chip = SimulatedChip(symmetric_core(4), preset("mild"), np.random.default_rng(1))
    s = drift_statistics(chip, 10.0, 5, method="measured", repeats=2, elements=[(0, 0), (1, 2)])
    assert chip.passes == 5 * 2 * 4 and s.rel_std_pct.shape == (2,)
    with pytest.raises(ParamsError, match="n_samples"):
        drift_statistics(chip, 10.0, 1)
    with pytest.raises(ParamsError, match="method"):
        drift_statistics(chip, 10.0, 3, method="guess")
    with pytest.raises(ParamsError, match="elements"):
        drift_statistics(chip, 10.0, 3, elements=[(0, 9)])


# -------------------------------------------------------------------- noise
def test_coherent_detection_noise_mean_and_variance():
    shot, thermal = 0.02, 0.01
    spec = Z.replace(detector__shot=shot, detector__thermal=thermal)
    chip = SimulatedChip(symmetric_core(4), spec, np.random.default_rng(0))
    chip.program(random_tied_settings(chip.schedule, np.random.default_rng(1)))
    x = np.array([1.0, 0.5j, 0.0, -0.3]) / np.sqrt(1.34)
    y = chip.reveal().circuit.propagate(x, chip.reveal().params)
    reps = 4000
    meas = chip.run(np.repeat(x[:, None], reps, axis=1))
    n = meas - y[:, None]
    assert chip.passes == reps
    var = thermal ** 2 + shot ** 2 * np.abs(y) ** 2
    assert_allclose(n.mean(axis=1), 0, atol=5 * np.sqrt(var.max() / reps))
    assert_allclose(np.mean(np.abs(n) ** 2, axis=1), var, rtol=0.1)
    assert_allclose(np.var(n.real, axis=1), var / 2, rtol=0.1)  # circular: half per quadrature
    # direct detection: E[|y+n|^2] = |y|^2 + var
    p = chip.intensities(np.repeat(x[:, None], reps, axis=1))
    assert_allclose(p.mean(axis=1), np.abs(y) ** 2 + var, atol=5 * np.sqrt(4 * var.max() * 1.0 / reps))


def test_adc_quantises_quadratures_and_monitors_are_noisy():
    spec = Z.replace(detector__adc_bits=4)
    chip = SimulatedChip(symmetric_core(4), spec, np.random.default_rng(0))
    chip.program(random_tied_settings(chip.schedule, np.random.default_rng(1)))
    x = np.eye(4)
    y = chip.run(x)
    fs = np.abs(chip.realised_matrix()).max()  # not exactly FS (quadratures); check the grid instead
    vals = np.concatenate([y.real.ravel(), y.imag.ravel()])
    step = np.min(np.diff(np.unique(np.round(vals, 12))))
    assert_allclose(vals / step, np.round(vals / step), atol=1e-9)
    assert step <= 2 * fs / 2 ** 4 + 1e-12
    noisy = SimulatedChip(symmetric_core(4), Z.replace(detector__thermal=1e-3), np.random.default_rng(0))
    (y1, t1), (y0, t0) = noisy.monitors(x), noisy.reveal().circuit.taps(x, noisy.reveal().params)
    assert noisy.passes == 4
    for name in ("theta_before", "phi_after"):
        d = getattr(t1, name) - getattr(t0, name)
        assert 0 < np.std(d) < 3e-3


# ----------------------------------------------------------- passes, seeds
def test_passes_counted_exactly():
    chip = SimulatedChip(symmetric_core(5), preset("typical"), np.random.default_rng(0))
    chip.run(np.ones(5))
    chip.run(np.ones((5, 7)))
    chip.intensities(np.ones((5, 3)))
    chip.monitors(np.ones((5, 2)))
    chip.monitors(np.ones(5))
    assert chip.passes == 1 + 7 + 3 + 2 + 1
    measure_matrix(chip, repeats=3)
    assert chip.passes == 14 + 15
    chip.reveal()
    chip.realised_matrix()
    chip.advance(1.0)
    assert chip.passes == 29
    with pytest.raises(ParamsError):
        chip.run(np.ones(4))
    assert chip.passes == 29


def test_same_seed_same_chip_and_noise_does_not_change_fabrication_or_drift():
    net = symmetric_core(6)
    spec = preset("harsh")
    a = SimulatedChip(net, spec, np.random.default_rng(42))
    b = SimulatedChip(net, spec, np.random.default_rng(42))
    c = SimulatedChip(net, spec, np.random.default_rng(43))
    prog = random_tied_settings(a.schedule, np.random.default_rng(0))
    for chip in (a, b, c):
        chip.program(prog)
    assert_array_equal(a.realised_matrix(), b.realised_matrix())
    assert not np.allclose(a.realised_matrix(), c.realised_matrix())
    a.run(np.ones((6, 50)))  # noise reads on a only
    a.monitors(np.ones((6, 3)))
    a.advance(30.0)
    b.advance(30.0)
    assert_array_equal(a.realised_matrix(), b.realised_matrix())
    # noise draws themselves are reproducible
    a2, b2 = (SimulatedChip(net, spec, np.random.default_rng(7)) for _ in range(2))
    assert_array_equal(a2.run(np.eye(6)), b2.run(np.eye(6)))


def test_program_validation_is_atomic():
    chip = SimulatedChip(symmetric_core(3), preset("mild"))
    m = chip.realised_matrix()
    n_mzi = len(chip.schedule.names["mzi"])
    first = chip.schedule.names["mzi"][0]
    with pytest.raises(ParamsError, match="not programmable"):
        chip.program({first: {"theta": 0.0, "kappa1": 0.0}})
    with pytest.raises(ParamsError, match="shape"):
        chip.program(chip.params().set_programmable(np.zeros(chip.schedule.table.n_programmable + 1)))
    with pytest.raises(ParamsError, match="unknown instance 'c0'"):
        chip.program({"c0": {"kappa": 0.0}})
    with pytest.raises(ParamsError, match="out of range"):
        chip.program({first: {"phi": float("nan")}})
    fab = chip.params()
    fab.component("mzi")["kappa1"][:] = 0.4
    with pytest.raises(ParamsError, match="not programmable"):
        chip.program(fab)
    assert_array_equal(chip.realised_matrix(), m)


# --------------------------------------------------------------- no leaks
def test_truth_is_not_reachable_through_public_attributes():
    chip = SimulatedChip(symmetric_core(4), preset("typical"), np.random.default_rng(0))
    public = {k for k in vars(chip) if not k.startswith("_")}
    assert public == {"netlist", "spec", "schedule", "n_modes"}
    methods = {k for k in dir(chip) if not k.startswith("_")}
    assert methods == {"netlist", "spec", "schedule", "n_modes", "has_monitors", "program", "params", "run",
                       "intensities", "monitors", "has_backward_light", "run_backward", "heater_powers", "advance", "passes", "time_s", "busy_s", "timing", "reveal", "realised_matrix",
                       "effective_matrix", "get_state", "set_state"}  # the last two: checkpoints only (they hold the drift)
    true = chip.reveal().params.component("mzi")
    nominal = chip.params().component("mzi")
    assert not np.array_equal(true["kappa1"], nominal["kappa1"])
    # the design (netlist / schedule) holds the nominal values only
    assert np.all(chip.schedule.params().component("mzi")["kappa1"] == 0.5)
    # reveal returns copies: editing them changes nothing
    before = chip.realised_matrix()
    true["theta"][:] += 1.0
    true["kappa1"][:] = 0.5
    assert_array_equal(chip.realised_matrix(), before)


def test_mirror_pairs_of_symmetric_core():
    from picffm.schedule import compile_netlist

    sched = compile_netlist(symmetric_core(5))
    src, dst = sched.table.twin_pairs("mzi")
    names = sched.names["mzi"]
    assert len(src) == 10
    assert all(names[d] == "ut" + names[s][1:] for s, d in zip(src, dst))
    assert sched.table.twin_pairs("attenuator")[0].size == 0


def test_program_is_all_or_nothing_on_both_chips():
    # a request with one bad entry changes nothing, on the ideal model and the simulated chip
    from picffm.chip import IdealChip, SimulatedChip, preset
    from picffm.errors import ParamsError
    from picffm.meshes import symmetric_core

    net = symmetric_core(4)
    for chip in (IdealChip(net), SimulatedChip(net, preset("typical"), np.random.default_rng(3))):
        before = chip.run(np.eye(4))
        req = {n: {"theta": 0.3} for n in chip.schedule.names["mzi"]}
        req[chip.schedule.names["attenuator"][1]] = {"theta": float("nan")}
        with pytest.raises(ParamsError, match=r"'d_m1': setting 'theta' = nan is out of range"):
            chip.program(req)
        np.testing.assert_allclose(chip.run(np.eye(4)), before, atol=1e-2)


def test_monitor_noise_statistics_for_what_is_read():
    # read="gradient": noise on the output and on every tap read, with the same
    # E|n|^2 = thermal^2 + shot^2 |y|^2 as the outputs (statistics, not the stream)
    thermal, shot = 2e-3, 5e-2
    spec = Z.replace(detector__thermal=thermal, detector__shot=shot)
    chip = SimulatedChip(symmetric_core(4), spec, np.random.default_rng(5))
    chip.program(random_tied_settings(chip.schedule, np.random.default_rng(6)))
    x = np.repeat(np.array([0.6, 0.3j, -0.5, 0.55])[:, None], 3000, axis=1)
    y_meas, t_meas = chip.monitors(x, read="gradient")
    true = chip.reveal()
    y0, t0 = true.circuit.taps(x, true.params, read="all")
    assert chip.passes == 3000
    pairs = [(y_meas, y0)]
    for name in ("theta_before", "theta_after", "phi_before", "phi_after"):
        rows = t_meas.read_rows(name)
        pairs.append((getattr(t_meas, name)[rows], getattr(t0, name)[rows]))
    pairs += [(t_meas.single_in["attenuator"], t0.single_in["attenuator"]),
              (t_meas.single_out["attenuator"], t0.single_out["attenuator"])]
    for meas, ref in pairs:
        n = meas - ref
        var = thermal ** 2 + shot ** 2 * np.abs(ref[:, 0]) ** 2
        assert_allclose(np.mean(np.abs(n) ** 2, axis=1), var, rtol=0.12)
        assert_allclose(np.var(n.imag, axis=1), var / 2, rtol=0.12)
        assert np.all(np.abs(n.mean(axis=1)) < 5 * np.sqrt(var / 3000))
    # independent noise on the two passes through the same monitors
    _, t2 = chip.monitors(x, read="gradient")
    rows = t_meas.read_rows("theta_after")
    d1 = t_meas.theta_after[rows] - t0.theta_after[rows]
    d2 = t2.theta_after[rows] - t0.theta_after[rows]
    assert abs(np.mean(d1 * d2.conj())) < 5 * np.mean(np.abs(d1) ** 2) / np.sqrt(d1.size)


def test_coherent_many_has_the_statistics_of_coherent():
    from picffm.chip import detector

    spec = Z.replace(detector__thermal=1e-2, detector__shot=0.1).detector
    rng = np.random.default_rng(8)
    ys = [np.full((3, 4000), 0.5 + 0.5j), np.full((2, 4000), -0.2j)]
    many = detector.coherent_many(ys, spec, rng)
    one = [detector.coherent(y, spec, rng) for y in ys]
    for a, b, y in zip(many, one, ys):
        assert a.shape == y.shape
        var = 1e-4 + 0.01 * np.abs(y[0, 0]) ** 2
        for m in (a, b):
            assert_allclose(np.mean(np.abs(m - y) ** 2), var, rtol=0.05)


@pytest.mark.parametrize("noise", [True, False])
def test_coherent_rows_reads_what_coherent_many_reads(noise):
    # one buffer, one draw, per-array full scale: the same numbers as reading the arrays one by one
    from picffm.chip import detector

    spec = Z.replace(detector__thermal=1e-2 if noise else 0.0, detector__shot=0.1 if noise else 0.0,
                     detector__adc_bits=6).detector
    rng = np.random.default_rng(9)
    ys = [rng.normal(size=(3, 7)) * 10 + 1j * rng.normal(size=(3, 7)), np.zeros((2, 7), complex),
          1e-3 * (rng.normal(size=(1, 7)) - 1j), rng.normal(size=(4, 7)) + 0j]
    stacked = np.concatenate(ys)
    bounds = np.cumsum([0] + [y.shape[0] for y in ys])
    want = detector.coherent_many([y.copy() for y in ys], spec, np.random.default_rng(3))
    got = detector.coherent_rows(stacked.copy(), bounds, spec, np.random.default_rng(3))
    assert_array_equal(got, np.concatenate(want))
    v, out = stacked.copy(), np.empty_like(stacked)
    res = detector.coherent_rows(v, bounds, spec, np.random.default_rng(3), out=out)
    assert res is (out if noise else v)  # noise drawn into out; a noiseless read quantises in place
    assert_array_equal(res, got)


def test_monitor_reads_held_are_never_overwritten():
    # the chip reads into reused buffers: a result still held must keep its values, bit for bit
    chip = SimulatedChip(symmetric_core(6), "typical", np.random.default_rng(1))
    twin = SimulatedChip(symmetric_core(6), "typical", np.random.default_rng(1))
    rng = np.random.default_rng(2)
    xs = [rng.normal(size=(6, 5)) + 1j * rng.normal(size=(6, 5)) for _ in range(4)]
    held = [chip.monitors(x, read="gradient")[1] for x in xs]
    again = [twin.monitors(x, read="gradient")[1] for x in xs]
    for a, b in zip(held, again):
        for name in ("theta_after", "phi_before"):
            assert_array_equal(getattr(a, name), getattr(b, name))
        assert_array_equal(a.single_out["attenuator"], b.single_out["attenuator"])
        assert a.stacked is not None and np.shares_memory(a.theta_after, a.stacked)
    del held, a
    y1, t1 = chip.monitors(xs[0], read="all")
    y2, t2 = twin.monitors(xs[0], read="all")
    assert_array_equal(y1, y2)
    assert_array_equal(t1.theta_before, t2.theta_before)


def test_realised_matrix_is_kept_until_the_truth_changes():
    # batches of N or more go through the kept matrix; every change of the truth must renew it
    net = symmetric_core(6)
    spec = Z.replace(drift__model="random_walk", drift__rate_rad_per_sqrt_s=1e-2, mirror_asymmetry=1.0)
    chip = SimulatedChip(net, spec, np.random.default_rng(2))
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 8)) + 1j * rng.normal(size=(6, 8))

    def uncached(c):
        t = c.reveal()
        return t.circuit.propagate(x, t.params)

    for step in range(3):
        chip.program(_random_program(chip.schedule, rng))
        y = chip.run(x)
        assert_array_equal(y, uncached(chip))
        state = chip.get_state()
        chip.advance(50.0)  # drift moves the truth
        assert_array_equal(chip.run(x), uncached(chip))
        assert not np.array_equal(chip.run(x), y)
        chip.set_state(state)  # back in time: the earlier matrix again
        assert_array_equal(chip.run(x), y)
    m = chip.realised_matrix()
    m[:] = 0  # a copy: the kept matrix is untouched
    assert_array_equal(chip.run(x), y)


def test_programming_the_same_settings_keeps_the_realised_matrix():
    chip = SimulatedChip(symmetric_core(6), "typical", np.random.default_rng(3))
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 8)) + 0j
    p = _random_program(chip.schedule, rng)
    chip.program(p)
    chip.run(x)
    kept = chip._matrix
    chip.program(p.copy())  # the same bits: nothing to recompute
    assert chip._matrix is kept
    q = p.copy()
    q.programmable[0] = np.nextafter(q.programmable[0], np.inf)  # one ulp is a new setting
    chip.program(q)
    assert chip._matrix is None
    assert_array_equal(chip.realised_matrix(), chip.reveal().matrix())


def test_busy_time_counts_passes_and_reprogramming_and_never_moves_the_drift_clock():
    """busy_s = passes * pass_s + programs * program_s, on every call that sends light; readings are unchanged."""
    spec = preset("typical").replace(drift__model="random_walk", drift__rate_rad_per_sqrt_s=1e-3)
    slow = spec.replace(timing__pass_s=2e-3, timing__program_s=0.25)
    zero = spec.replace(timing__pass_s=0.0, timing__program_s=0.0)
    net = symmetric_core(4)
    rng = np.random.default_rng(11)
    phases = rng.uniform(0, 2 * np.pi, (3, len(SimulatedChip(net).params().programmable)))
    x = rng.normal(size=(4, 5)) + 1j * rng.normal(size=(4, 5))
    reads = []
    for s in (slow, zero):
        chip = SimulatedChip(net, s, np.random.default_rng(12))
        out = []
        for p in phases:
            chip.program(_as_params(chip, p))
            out += [chip.run(x), chip.intensities(x[:, 0]), chip.monitors(x[:, :2])[0], chip.run_backward(x[:, :3]),
                    chip.heater_powers(x[:, :1])[1]]
            chip.advance(7.0)
        reads.append((out, chip.passes, chip.time_s, chip.busy_s, chip.get_state()))
    (a, pa, ta, ba, sa), (b, pb, tb, bb, sb) = reads
    assert pa == pb == 3 * (5 + 1 + 2 + 3 + 1)
    assert ba == pytest.approx(pa * 2e-3 + 3 * 0.25, rel=1e-12) and bb == 0.0
    assert ta == tb == pytest.approx(21.0)  # the drift clock moves only through advance()
    for u, v in zip(a, b):  # the time model draws nothing and changes no reading, drift included
        assert np.array_equal(u, v)
    chip = SimulatedChip(net, slow, np.random.default_rng(12))
    chip.set_state(sa)
    assert chip.busy_s == ba and chip.passes == pa and chip.time_s == ta
    legacy = {k: v for k, v in sa.items() if k != "busy_s"}  # a checkpoint written before busy_s existed
    chip.set_state(legacy)
    assert chip.busy_s == 0.0


def _as_params(chip, values):
    p = chip.params()
    p.programmable[:] = values
    return p
