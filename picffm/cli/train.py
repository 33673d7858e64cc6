"""``picffm train iris|digits|csv``: FFM on the simulated chip vs in-silico training vs the ideal model.

Thin wrapper over :func:`picffm.training.run.run_experiment`: parses the
options, runs, prints the table (or ``--json``). See ``docs/training.md``.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from ..chip.presets import PRESETS
from ..training.config import TrainConfig
from ..training.datasets import DataSource, load_table, read_table
from ..training.electronics import NONLINEARITIES, READOUT_RULES, readout_ports
from ..training.encoding import ENCODERS, PROJECTIONS, encoded_width
from ..training.optim import OPTIMIZERS
from ..runs.signals import Interrupted, signal_name
from ..training.trainers import method_names
from ..training.experiment import DEFAULT_METHODS, DEFAULT_SPECS, Experiment, resolve_spec
from ..training.run import run_experiment
from ..training.store import ResumeMismatch, read_experiment
from .common import (EXIT_INTERRUPTED, MAX_SEEDS, SCHEDULER_HELP, CLIError, check_out_dir, check_range,
                     check_scheduler, check_seed, emit_json, ignore_further_signals, parse_workers)


#: most modes of a trained core (the decomposition and the simulation grow as N^3 per update)
MAX_TRAIN_MODES = 256
#: default epochs of ``picffm train digits`` (its time budget: 10 minutes on 2 cores)
DIGITS_EPOCHS = 20


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


def _columns(text: str) -> list[str]:
    """Column names of ``--features``: comma separated, read like a CSV line, so a name holding a comma is
    given in double quotes (``'"sepal, length",petal'``)."""
    import csv

    return [c.strip() for c in next(csv.reader([text]), []) if c.strip()]


#: what each task trains by default: data, methods, chips, seeds, encoder, projection, modes, test fraction, epochs
_TASKS = {
    "iris": {"methods": DEFAULT_METHODS, "chips": DEFAULT_SPECS, "encoder": "mixture", "projection": "none",
             "modes": None, "test_fraction": None, "epochs": None, "folds": None},
    "digits": {"methods": ("ideal", "insilico", "ffm"), "chips": ("typical",), "encoder": "amplitude",
               "projection": "none", "modes": 64, "test_fraction": 0.3, "epochs": DIGITS_EPOCHS, "folds": 1},
    "csv": {"methods": DEFAULT_METHODS, "chips": ("typical",), "encoder": "mixture", "projection": "none",
            "modes": None, "test_fraction": 0.3, "epochs": None, "folds": None},
}


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="train optical networks on simulated chips (FFM, in silico, ideal)",
                              description="Train optical neural networks of symmetric cores.")
    sub = p.add_subparsers(dest="train_command", metavar="TASK")
    sub.required = True
    common = (" Prints test accuracy per chip configuration and method, gradient errors against the chip's "
              "true gradient and optical passes per update, and writes a run directory (config.json, "
              "metrics.json, history.csv, params/, PNG plots) that 'picffm evaluate' deploys on other chips. "
              "Ctrl-C (or SIGTERM) stops cleanly at the end of the running epochs; a second Ctrl-C stops at "
              "once; --resume continues either to the same result, bit for bit, as a run never interrupted.")
    q = sub.add_parser(
        "iris", help="the on-chip Iris classifier: FFM vs in-silico vs ideal over chip presets",
        description="Train a network of 16-port symmetric cores on the Iris data (shipped, no download) on "
        "simulated chips, with fully forward mode (FFM, matrix and phase level) and, for comparison, on the "
        "ideal model (ideal) and deployed from it (insilico)." + common)
    _options(q, "iris")
    d = sub.add_parser(
        "digits", help="scikit-learn's 8x8 handwritten digits (10 classes) on 64-port cores",
        description="Train a network of 64-port symmetric cores on the 1797 8x8 handwritten digits shipped "
        "inside scikit-learn (64 pixel features, one mode each with the amplitude encoder, 10 classes; no "
        "download): ideal, insilico and ffm on the typical chip by default." + common)
    _options(d, "digits")
    c = sub.add_parser(
        "csv", help="your own table: a CSV/TSV file with a header, numeric features and a label column",
        description="Train on a CSV or TSV table with a header row: numeric feature columns and one label "
        "column (text or integers). The network's modes default to the smallest that holds the encoding and "
        "the classes; stratified 3-fold cross-validation per seed." + common)
    c.add_argument("file", nargs="?", metavar="FILE", help="the table (.csv, or .tsv for tab-separated); "
                   "optional with --resume")
    c.add_argument("--label", metavar="COLUMN", help="the label column (required)")
    c.add_argument("--features", metavar="A,B,...", help="feature columns, comma separated; a name holding a comma in double quotes (default: every "
                   "other column)")
    _options(c, "csv")


def _options(q, task: str) -> None:
    t = _TASKS[task]
    q.add_argument("--method", action="append", metavar="M[,M...]",
                   help=f"methods to train (repeatable or comma list) from {', '.join(method_names())}; "
                   f"default {','.join(t['methods'])}")
    q.add_argument("--chip", action="append", metavar="PRESET|FILE",
                   help=f"chip configurations (repeatable or comma list): presets {', '.join(PRESETS)} or "
                   f".toml/.json spec files; default {','.join(t['chips'])}")
    q.add_argument("--epochs", type=int, default=None, metavar="E",
                   help=f"epochs (default {t['epochs'] or TrainConfig().epochs})")
    q.add_argument("--seeds", default=None, metavar="N|S,S,...",
                   help="number of seeds (0..N-1) or a comma list of seeds (default 3)")
    q.add_argument("--folds", type=int, default=None, metavar="K",
                   help="stratified cross-validation folds per seed: every seed trains K networks per method and "
                   "chip, each tested on one fold, so every sample is tested once per seed (default "
                   + (f"{t['folds']}" if t["folds"] else "3") + "; 1: a single stratified split holding out "
                   + ("15 samples per class" if t["test_fraction"] is None else "--test-fraction of each class")
                   + ")")
    q.add_argument("--lr", type=float, default=None, metavar="LR",
                   help="learning rate for every method (default with adam: 0.01 for ideal/ffm weights, "
                   "0.02 rad for the phase-space methods; ten times less with sgd)")
    q.add_argument("--optimizer", choices=OPTIMIZERS, default=None, help="optimizer (default adam)")
    q.add_argument("--layers", type=int, default=None, metavar="L", help="network layers = chips (default 2)")
    q.add_argument("--batch-size", type=int, default=None, metavar="B", help="samples per update (default 35)")
    q.add_argument("--modes", type=int, default=None, metavar="N",
                   help="ports of every symmetric core, at least the number of classes (default: "
                   + ("64" if t["modes"] else "the smallest that holds the encoding and the classes") + ")")
    q.add_argument("--encoder", choices=tuple(ENCODERS), default=None,
                   help=f"input encoding: amplitude (1 mode per feature), phase (3), mixture (4) "
                   f"(default {t['encoder']})")
    q.add_argument("--projection", choices=PROJECTIONS, default=None,
                   help="pca: reduce the features to the principal components the modes hold (default none: "
                   "a table needing more modes than --modes is refused)")
    q.add_argument("--nonlinearity", choices=tuple(NONLINEARITIES), default=None,
                   help="electronic nonlinearity between layers: tanh on each quadrature (default), identity "
                   "(a linear network), crelu (a rectifier on each quadrature), modtanh (tanh of the modulus, "
                   "phase kept), softsat (z / (1 + |z|))")
    q.add_argument("--readout", default=None, metavar="RULE|P,P,...",
                   help="output ports of the last layer read for the classes, class k at the k-th: first (ports "
                   "0..C-1, default), spread (evenly spaced over all ports, both edges included) or a comma "
                   "list of C distinct ports")
    q.add_argument("--test-fraction", type=float, default=None, metavar="F",
                   help="with --folds 1, the fraction of every class held out for test (default "
                   + ("15 samples per class" if t["test_fraction"] is None else f"{t['test_fraction']:g}") + ")")
    q.add_argument("-o", "--out", default=None, metavar="DIR",
                   help=f"run directory (default runs/{task}-YYYYmmdd-HHMMSS); must be new or empty unless "
                   "--resume or --force")
    q.add_argument("--resume", action="store_true",
                   help="continue the interrupted run in --out; options not given are taken from it, options "
                   "given must match it")
    q.add_argument("--force", action="store_true",
                   help="delete the earlier run in --out (only the files a run writes) and start clean")
    q.add_argument("--workers", default=None, metavar="N",
                   help="worker processes for the independent units (default: all cores; 1: serial in this "
                   "process); results are identical for any N")
    q.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    q.add_argument("--json", action="store_true", help="print the summary as JSON instead of the table")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    q.set_defaults(func=run_train, task=task)


def _seeds(text: str) -> tuple[int, ...]:
    bad = f"--seeds {text!r} is invalid; give a count 1 .. {MAX_SEEDS} or a comma list of seeds >= 0"
    try:
        values = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise CLIError(bad) from None
    if "," not in text:
        if len(values) != 1 or values[0] < 1:
            raise CLIError(bad)
        if values[0] > MAX_SEEDS:
            raise CLIError(f"--seeds {values[0]} is beyond the limit of {MAX_SEEDS} seeds")
        return tuple(range(values[0]))
    if not values or any(s < 0 for s in values):
        raise CLIError(bad)
    if len(values) > MAX_SEEDS:
        raise CLIError(f"--seeds: {len(values)} seeds is beyond the limit of {MAX_SEEDS}")
    for s in values:
        check_seed("--seeds", s)
    twice = sorted({s for s in values if values.count(s) > 1})
    if twice:
        raise CLIError(f"--seeds {text!r} lists seed {twice[0]} more than once; give distinct seeds")
    return tuple(values)


#: ranges of the integer options TrainConfig checks (the same limits)
_OPTION_RANGES = {"epochs": (1, 100000), "layers": (1, 16), "batch_size": (1, 100000)}

#: option of each experiment field (for the one-line refusal of a --resume with other options)
_FIELD_OPTIONS = {"config.epochs": "--epochs", "config.grad_probe_step": "--epochs", "config.lr": "--lr",
                  "config.layers": "--layers", "config.batch_size": "--batch-size", "config.folds": "--folds",
                  "config.optimizer": "--optimizer", "methods": "--method", "chips": "--chip", "seeds": "--seeds",
                  "config.modes": "--modes", "config.encoder": "--encoder", "config.projection": "--projection",
                  "config.test_fraction": "--test-fraction", "config.nonlinearity": "--nonlinearity",
                  "config.readout": "--readout",
                  "config.data": "the data set", "config.n_classes": "the data set"}


def _source(args) -> DataSource:
    if args.task != "csv":
        return DataSource(args.task)
    if not args.file:
        raise CLIError("picffm train csv needs the table: FILE (a .csv or .tsv file with a header row)")
    if not args.label:
        raise CLIError(f"picffm train csv needs --label COLUMN: the column of {args.file} that holds the classes")
    return DataSource.csv(args.file, args.label, _columns(args.features) if args.features else ())


def _shape(args, base: Experiment | None) -> dict:
    """The data and network-shape fields of the config the options describe."""
    t = _TASKS[args.task]
    given_data = args.task != "csv" or args.file or args.label or args.features
    if base is not None:
        cfg = base.config
        stored = cfg.data
        if stored.name != args.task:
            raise CLIError(f"the run in {args.out} was trained on {stored.describe()}; resume it with "
                           f"'picffm train {stored.name} --out {args.out} --resume'")
        if args.task == "csv" and given_data and _source(args).to_dict() != stored.to_dict():
            raise CLIError(f"the run in {args.out} was trained on {stored.path} (label {stored.label!r}, "
                           "the file as it was then); drop FILE, --label and --features to continue it")
        shape = {k: getattr(cfg, k) for k in ("data", "n_classes", "modes", "encoder", "projection",
                                              "test_fraction", "readout", "nonlinearity")}
        for k, opt in (("modes", args.modes), ("encoder", args.encoder), ("projection", args.projection),
                       ("test_fraction", args.test_fraction), ("nonlinearity", args.nonlinearity)):
            if opt is not None:
                shape[k] = opt
        if args.readout is not None:
            shape["readout"] = _readout(args.readout, shape["n_classes"], shape["modes"])
        return shape
    if getattr(args, "features", None) is not None and not _columns(args.features):  # csv only
        raise CLIError(f"--features {args.features!r} names no column; give feature columns A,B,... or drop "
                       "--features (every column but the label)")
    if args.task == "csv" and args.file and args.label:  # messages name the file as the user wrote it
        read_table(args.file, args.label, _columns(args.features) if args.features else None)
    source = _source(args)
    table = load_table(source)
    encoder = args.encoder or t["encoder"]
    projection = args.projection or t["projection"]
    if args.modes is not None:
        modes = check_range("--modes", args.modes, 2, MAX_TRAIN_MODES)
    elif t["modes"] is not None:
        modes = t["modes"]
    else:
        modes = max(encoded_width(table.n_features, encoder), table.n_classes, 2)
        if modes > MAX_TRAIN_MODES:
            raise CLIError(f"{table.n_features} features with the {encoder} encoder need {modes} modes, beyond "
                           f"the limit of {MAX_TRAIN_MODES}; give --modes N with --projection pca, or fewer "
                           "--features")
    if table.n_classes > modes:
        raise CLIError(f"{source.describe()} has {table.n_classes} classes, more than the {modes} readout ports "
                       f"of {modes}-mode cores; give --modes {table.n_classes} or more")
    width = encoded_width(table.n_features, encoder)
    if projection == "none" and width > modes:
        raise CLIError(f"{table.n_features} features x {width // table.n_features} modes ({encoder} encoder) "
                       f"need {width} modes, more than --modes {modes}; give --modes {width}, --encoder "
                       "amplitude or --projection pca")
    frac = args.test_fraction if args.test_fraction is not None else t["test_fraction"]
    if frac is not None and not 0 < frac < 1:
        raise CLIError(f"--test-fraction {frac:g} is invalid; give a number between 0 and 1 (e.g. 0.3)")
    readout = _readout(args.readout, table.n_classes, modes) if args.readout is not None else "first"
    return {"data": source, "n_classes": table.n_classes, "modes": modes, "encoder": encoder,
            "projection": projection, "test_fraction": frac, "readout": readout,
            "nonlinearity": args.nonlinearity or "tanh"}


def _readout(text: str, n_classes: int, modes: int):
    """``--readout`` as the config stores it (a rule name or the port tuple), checked against the shape."""
    readout_ports(text, n_classes, modes, name="--readout")  # one line naming --readout otherwise
    return text.strip() if text.strip() in READOUT_RULES else tuple(int(p) for p in text.split(","))


def _experiment(args, base: Experiment | None = None) -> Experiment:
    """The experiment the options describe; options not given come from ``base`` (a resumed run) or the defaults."""
    t = _TASKS[args.task]
    if args.method is not None and not _split(args.method):
        raise CLIError(f"--method {' '.join(args.method)!r} names no method; valid: {', '.join(method_names())}")
    if args.chip is not None and not _split(args.chip):
        raise CLIError(f"--chip {' '.join(args.chip)!r} names no chip; valid: a preset ({', '.join(PRESETS)}) "
                       "or a .toml/.json spec file")
    methods = _split(args.method) or list(base.methods if base else t["methods"])
    bad = [m for m in methods if m not in method_names()]
    if bad:
        raise CLIError(f"unknown method {bad[0]!r}; valid: {', '.join(method_names())}")
    methods = list(dict.fromkeys(methods))
    if args.chip:
        chips = [resolve_spec(s) for s in _split(args.chip)]
    else:
        chips = list(base.chips) if base else [resolve_spec(s) for s in t["chips"]]
    overrides = {k: v for k, v in (("epochs", args.epochs), ("lr", args.lr), ("layers", args.layers),
                                   ("batch_size", args.batch_size), ("optimizer", args.optimizer),
                                   ("folds", args.folds)) if v is not None}
    if "epochs" in overrides and overrides["epochs"] <= 0:
        raise CLIError(f"--epochs must be >= 1, got {overrides['epochs']}")
    for key, (low, high) in _OPTION_RANGES.items():  # named as options, not as TrainConfig fields
        if key in overrides:
            check_range(f"--{key.replace('_', '-')}", overrides[key], low, high)
    if "lr" in overrides and not (math.isfinite(overrides["lr"]) and overrides["lr"] > 0):
        raise CLIError(f"--lr {overrides['lr']} is invalid; valid: a number > 0")
    if "folds" in overrides and not 1 <= overrides["folds"] <= 10:
        raise CLIError(f"--folds {overrides['folds']} is invalid; valid: 1 (a single split) .. 10")
    shape = _shape(args, base)
    if base:
        config = base.config.replace(**overrides, **shape)
    else:
        for key in ("epochs", "folds"):
            if t[key] is not None:
                overrides.setdefault(key, t[key])
        config = TrainConfig(**overrides, **shape)
    if args.test_fraction is not None and config.folds > 1:
        raise CLIError(f"--test-fraction applies to a single split (--folds 1); with --folds {config.folds} every "
                       "fold is tested once: give --folds 1 with it, or drop it")
    smallest = int(load_table(config.data).class_counts().min())
    if config.folds > smallest:
        raise CLIError(f"--folds {config.folds} is invalid for {config.data.describe()}: its smallest class has "
                       f"{smallest} samples; give --folds {smallest} or fewer (1: a single split)")
    if base is None or "epochs" in overrides or "batch_size" in overrides or "folds" in overrides:
        # the gradient error is read at update 80 (as in Xue et al.), or at the last update of a shorter run
        probe = min(TrainConfig().grad_probe_step, config.epochs * config.updates_per_epoch())
        config = config.replace(grad_probe_step=probe)
    seeds = _seeds(args.seeds) if args.seeds is not None else (base.seeds if base else _seeds("3"))
    passes = base.passes_methods if base else Experiment.__dataclass_fields__["passes_methods"].default
    return Experiment(config, tuple(methods), tuple(chips), seeds, passes)


def run_train(args) -> int:
    if args.out is not None and not args.out.strip():  # '' used to fall back to the default directory silently
        raise CLIError(f"-o/--out is empty; give a directory (or drop it: the default is runs/{args.task}-<time>)")
    workers = parse_workers(args.workers)
    check_scheduler(args.scheduler)
    if args.resume:
        if args.out is None:
            raise CLIError("--resume needs the run directory: --out DIR")
        out = Path(args.out)
        exp = _experiment(args, base=read_experiment(out))
    else:
        exp = _experiment(args)
        out = Path(args.out or f"runs/{args.task}-{time.strftime('%Y%m%d-%H%M%S')}")
    check_out_dir(out, "--out")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - declared dependency
        threadpool_limits = None
    try:
        if threadpool_limits is not None:
            # the matrices are small: BLAS threads only contend (10x slower on a busy 2-core machine)
            with threadpool_limits(1):
                summary = run_experiment(exp, out, resume=args.resume, force=args.force,
                                         progress=False if args.quiet else None, workers=workers,
                                         scheduler=args.scheduler)
        else:  # pragma: no cover
            summary = run_experiment(exp, out, resume=args.resume, force=args.force,
                                     progress=False if args.quiet else None, workers=workers,
                                     scheduler=args.scheduler)
    except ResumeMismatch as exc:
        option = _FIELD_OPTIONS.get(exc.field, "--chip" if exc.field.startswith("chips.") else exc.field)
        raise CLIError(f"{option} differs from the run in {out} ({exc.field}: stored {exc.stored!r}, given "
                       f"{exc.given!r}); drop {option} to continue that run, or pass --force to start again") from None
    except KeyboardInterrupt as exc:
        ignore_further_signals()
        signum = exc.signum if isinstance(exc, Interrupted) else 2
        print(f"picffm: stopped by {signal_name(signum)}; finished units, checkpoints and reports are in {out}; "
              f"continue with 'picffm train {args.task} --out {out} --resume'", file=sys.stderr)
        return exc.exit_code if isinstance(exc, Interrupted) else EXIT_INTERRUPTED
    if args.json:
        emit_json({**summary, "run_dir": str(out)})
    else:
        from ..training.report import format_table

        print(format_table(summary))
        print(f"\nrun directory: {out} ({summary['elapsed_s']:.1f} s)")
    return 0


#: the earlier name of :func:`run_train`
run_iris = run_train
