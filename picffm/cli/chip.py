"""``picffm chip {inspect,presets,spec}``: look at simulated chips and their specs.

* ``picffm chip inspect [--chip PRESET|FILE] [-n N] [--samples K] [--seed S]``
  fabricates one chip of that spec (symmetric core, N modes), programs K
  random symmetric matrices and prints programming fidelity, relative error,
  insertion loss, symmetry error, calibration error and drift statistics.
* ``picffm chip presets [--fields]`` lists the presets' values (or every key
  with unit, range and meaning).
* ``picffm chip spec PRESET -o FILE`` writes a preset as an editable TOML or
  JSON spec file.
"""

from __future__ import annotations

from pathlib import Path

from ..chip.presets import PRESET_STATE, PRESETS
from ..chip.presets import resolve_spec as chip_spec
from ..chip.spec import SECTIONS, SPEC_SUFFIXES, ChipSpec, describe_fields, load_spec, save_spec
from ..chip.stats import inspect_chip, protocol_fidelity
from .common import (MAX_INSPECT_MODES, MAX_SAMPLES, MAX_TIMES, CLIError, check_output_file, check_range,
                     check_seed, emit_json, table)


def register(subparsers) -> None:
    p = subparsers.add_parser("chip", help="inspect simulated chips and their imperfection specs",
                              description="Simulated chips: inspect a spec, list presets, write spec files.")
    sub = p.add_subparsers(dest="chip_command", metavar="SUBCOMMAND")
    sub.required = True

    q = sub.add_parser("inspect", help="program random symmetric matrices on a chip and report fidelity and drift",
                       description="Fabricate one simulated chip (an N-mode symmetric core) from a spec, program "
                       "random complex symmetric matrices W (Takagi + Clements decomposition, target W' = "
                       "W / ||W||_2) and report the programming fidelity, relative error and insertion loss of the "
                       "realised matrix against W', its symmetry error, the error of the matrix measured by "
                       "probing (N passes, detector noise), and drift statistics over a time window.")
    _chip_options(q, spec="typical", n=8)
    q.add_argument("--samples", type=int, default=8, metavar="K", help="random matrices to program (default 8)")
    q.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (chip and matrices; default 0)")
    q.add_argument("--window", type=float, default=600.0, metavar="SECONDS",
                   help="drift window in s (default 600)")
    q.add_argument("--times", type=int, default=21, metavar="T", help="matrix reads over the window (default 21)")
    q.add_argument("--drift-repeats", type=int, default=100, metavar="R",
                   help="probe reads averaged per time when the drift is measured through the protocol over a "
                        "second window (N * R passes per time; 0: skip; default 100)")
    q.add_argument("--json", action="store_true", help="print machine-readable output")
    q.set_defaults(func=run_inspect)

    r = sub.add_parser("presets", help="list the chip presets and their values",
                       description="List the chip presets side by side, or with --fields every spec key with "
                       "its unit, valid range and meaning.")
    r.add_argument("--fields", action="store_true", help="describe every spec key instead")
    r.add_argument("--json", action="store_true", help="print machine-readable output")
    r.set_defaults(func=run_presets)

    c = sub.add_parser("calibrate", help="calibrate a simulated chip through its protocol and write its twin",
                       description="Fabricate one simulated chip (an N-mode symmetric core) from a spec and seed, "
                       "calibrate it through the measurement protocol only (phase sweeps and a compressed "
                       "crosstalk sweep read at the monitor taps, attenuator sweeps, then a least-squares fit of "
                       "couplers, losses and transceiver factors to unit-vector probe matrices) and write the "
                       "fitted twin as JSON. Prints the passes and chip time used, the compute time, the "
                       "measured noise floor and how well the twin fits. 'picffm program NET TARGET --twin "
                       "TWIN.json' programs the same chip through it.")
    _chip_options(c, spec="fabricated", n=16)
    c.add_argument("--seed", type=int, default=0, metavar="S",
                   help="random seed (fabrication and probe settings; default 0)")
    c.add_argument("--settings", type=int, default=6, metavar="K",
                   help="random settings of the global fit (default 6)")
    c.add_argument("--repeats", type=int, default=4, metavar="R",
                   help="probe reads averaged per setting of the global fit (default 4)")
    c.add_argument("-o", "--out", dest="output", required=True, metavar="TWIN", help="twin file to write (.json)")
    c.add_argument("--json", action="store_true", help="print machine-readable output")
    c.add_argument("--quiet", action="store_true", help="print nothing but errors")
    c.set_defaults(func=run_calibrate)

    s = sub.add_parser("spec", help="write a preset as an editable spec file (.toml or .json)",
                       description="Write a preset (or a spec file, normalised) as a TOML or JSON chip spec "
                       "that --chip accepts after editing.")
    s.add_argument("spec", metavar="PRESET|FILE", help="preset name or spec file")
    s.add_argument("-o", "--out", dest="output", required=True, metavar="FILE", help="file to write (.toml or .json)")
    s.set_defaults(func=run_spec)


def _chip_options(parser, *, spec: str, n: int) -> None:
    """``--chip`` (preset or spec file) and ``-n/--modes`` of a command that fabricates one chip."""
    parser.add_argument("--chip", dest="spec", default=spec, metavar="PRESET|FILE",
                        help=f"preset ({', '.join(PRESETS)}) or spec file (.toml/.json); default {spec}")
    parser.add_argument("-n", "--modes", dest="n", type=int, default=n, metavar="N",
                        help=f"number of modes (default {n})")


def resolve_spec(value: str) -> ChipSpec:
    """A preset name or a spec file path -> ChipSpec (errors name both kinds)."""
    return chip_spec(value)[1]


def run_inspect(args) -> int:
    check_range("-n", args.n, 2, MAX_INSPECT_MODES)
    check_range("--samples", args.samples, 1, MAX_SAMPLES)
    check_range("--times", args.times, 2, MAX_TIMES)
    check_range("--drift-repeats", args.drift_repeats, 0, 100000)
    check_seed("--seed", args.seed)
    if not args.window > 0:
        raise CLIError(f"--window must be > 0 s, got {args.window}")
    check_range("--window", args.window, 0, 1e7, " s")
    spec = resolve_spec(args.spec)
    report = inspect_chip(spec, n=args.n, samples=args.samples, seed=args.seed, window_s=args.window,
                          n_times=args.times, drift_repeats=args.drift_repeats)
    s = report.summary()
    if args.json:
        emit_json(s)
        return 0
    state = PRESET_STATE[args.spec] if args.spec in PRESETS else "from a spec file"
    print(f"chip {s['spec']} ({state}): symmetric core, N = {s['n']}, seed {s['seed']}; "
          f"{s['samples']} random complex symmetric matrices W programmed as W / ||W||_2")
    rows = []
    for key, label in (("fidelity", "programming fidelity"), ("infidelity", "1 - fidelity"),
                       ("rel_error", "relative error ||M-W'||/||W'||"),
                       ("ideal_rel_error", "ideal model error"),
                       ("insertion_loss_db", "insertion loss vs W' (dB)"),
                       ("symmetry_error", "symmetry error ||M-M^T||/||M||"),
                       ("measured_rel_error", "probe error (N passes, noise)"),
                       ("measured_fidelity", "fidelity through the protocol")):
        v = s[key]
        rows.append([label, v["mean"], v["std"], v["min"], v["max"]])
    print(table(rows, ["quantity", "mean", "std", "min", "max"]))
    d = s["drift"]
    print(f"drift over {d['window_s']:g} s ({d['n_samples']} reads, {d['n_elements']} elements >= 10 % of max): "
          f"relative std {d['rel_std_pct_mean']:.4f} % mean, {d['rel_std_pct_median']:.4f} % median, "
          f"{d['rel_std_pct_max']:.4f} % max; amplitude only {d['rel_std_abs_pct_mean']:.4f} % mean "
          "(noiseless reads through reveal())")
    m = s["drift_measured"]
    if m is not None:
        reads = "1 probe read per time" if m["repeats"] == 1 else f"{m['repeats']} probe reads averaged per time"
        print(f"drift measured through the protocol over the next {m['window_s']:g} s ({m['n_samples']} times, "
              f"{reads}, amplitudes |M_ij|): relative std {m['rel_std_abs_pct_mean']:.4f} % mean" + _noise_part(m))
    print(f"optical passes: {s['passes']}; estimated chip time of the passes and reprogrammings "
          f"{_seconds(s['busy_s'])} ({_timing(spec)}; not part of the drift windows)")
    return 0


def _seconds(t: float) -> str:
    """A duration for people: ms below 1 s."""
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


def _timing(spec) -> str:
    t = spec.timing
    return f"{t.pass_s * 1e6:g} us per pass, {t.program_s * 1e6:g} us per reprogramming"


def _noise_part(m: dict) -> str:
    """The noise and the drift left when it is removed (rms over the elements, in quadrature), or why missing."""
    if "drift_abs_pct_rms" not in m:
        return (f"; noise not separated ({m['repeats']} read per time: the noise floor is measured from the spread "
                "of the reads at one time; use --drift-repeats 2 or more)")
    return (f", {m['rel_std_abs_pct_rms']:.4f} % rms; of the rms, noise {m['noise_abs_pct_rms']:.4f} % and drift "
            f"{m['drift_abs_pct_rms']:.4f} % (in quadrature: the noise variance removed over all elements, "
            "clipped at 0)")


def run_presets(args) -> int:
    if args.fields:
        rows = describe_fields()
        if args.json:
            emit_json([{k: (v.__name__ if isinstance(v, type) else v) for k, v in r.items()} for r in rows])
            return 0
        out = []
        for r in rows:
            rng = ", ".join(r["choices"]) if r["choices"] else f"[{r['low']:g}, {r['high']:g}]"
            out.append([r["key"], r["unit"], rng, r["doc"]])
        print(table(out, ["key", "unit", "range", "meaning"]))
        return 0
    docs = {name: spec.to_dict() for name, spec in PRESETS.items()}
    if args.json:
        emit_json(docs)
        return 0
    units = {r["key"]: r["unit"] for r in describe_fields()}
    rows = [["state", ""] + [PRESET_STATE[n] for n in docs]]
    fids = [protocol_fidelity(spec) for spec in PRESETS.values()]
    rows.append(["fidelity N=16 (protocol)", "mean of 4, seed 0"] + [f"{f.mean():.4f}" for f in fids])
    rows.append(["mirror_asymmetry", ""] + [d["mirror_asymmetry"] for d in docs.values()])
    for sec in SECTIONS:
        for key in docs["ideal"][sec]:
            rows.append([f"{sec}.{key}", units[f"{sec}.{key}"]] + [d[sec][key] for d in docs.values()])
    print(table(rows, ["key", "unit"] + list(docs)))
    return 0


def run_spec(args) -> int:
    spec = resolve_spec(args.spec)
    out = Path(args.output)
    if out.suffix.lower() not in SPEC_SUFFIXES:
        raise CLIError(f"{out}: unknown chip spec file type {out.suffix or '(none)'!r}; use .toml or .json")
    if not out.parent.is_dir():
        raise CLIError(f"{out}: directory {str(out.parent)!r} does not exist")
    check_output_file(out, {"the spec file read": None if args.spec in PRESETS else args.spec})
    save_spec(spec, out)
    print(f"wrote {out}: chip spec {spec.name}")
    return 0


def run_calibrate(args) -> int:
    import sys

    from ..calibration import calibrate
    from ..calibration.identity import simulated_identity, simulated_streams
    from ..chip.simulated import SimulatedChip
    from ..meshes import symmetric_core

    check_range("-n", args.n, 2, MAX_INSPECT_MODES)
    check_seed("--seed", args.seed)
    check_range("--settings", args.settings, 1, 1000)
    check_range("--repeats", args.repeats, 1, 10000)
    out = Path(args.output)
    if out.suffix.lower() != ".json":
        raise CLIError(f"{out}: a twin file is JSON; use the .json extension")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise CLIError(f"{out}: directory {str(out.parent)!r} does not exist")
    check_output_file(out, {"the spec file read": None if args.spec in PRESETS else args.spec})
    label, spec = chip_spec(args.spec)
    chip_rng, cal_rng = simulated_streams(args.seed)
    chip = SimulatedChip(symmetric_core(args.n), spec, chip_rng)
    talk = not (args.quiet or args.json)
    progress = (lambda stage: print(f"  {stage} ...", file=sys.stderr, flush=True)) if talk else None
    twin = calibrate(chip, rng=cal_rng, settings=args.settings, repeats=args.repeats,
                     identity=simulated_identity(label, spec, args.seed), progress=progress)
    twin.save(out)
    rep = twin.report.to_dict()
    if args.json:
        emit_json({"twin": str(out), "chip": label, "n": args.n, "seed": args.seed, **rep})
        return 0
    if args.quiet:
        return 0
    state = PRESET_STATE[args.spec] if args.spec in PRESETS else "from a spec file"
    print(f"calibrated chip {label} ({state}), symmetric core N = {args.n}, seed {args.seed} -> {out}")
    stages = ", ".join(f"{k} {v}" for k, v in rep["stages"].items())
    print(f"optical passes: {rep['passes']} ({stages}); estimated chip time {_seconds(rep['chip_time_s'])} "
          f"({_timing(spec)}); compute {rep['compute_s']:.1f} s")
    print(f"noise floor (relative field noise of one probe read): {rep['noise_floor']:.4g}")
    print(f"twin misfit on the probe matrices ||T_twin - T_measured||_F / ||T_measured||_F: {rep['residual']:.4g}")
    return 0
