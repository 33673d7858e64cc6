"""``picffm train iris``: FFM on the simulated chip vs in-silico training vs the ideal model.

Thin wrapper over :func:`picffm.training.run.run_experiment`: parses the
options, runs, prints the table (or ``--json``). See ``docs/training.md``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..chip.presets import PRESETS
from ..training.config import TrainConfig
from ..training.optim import OPTIMIZERS
from ..runs.signals import Interrupted, signal_name
from ..training.trainers import method_names
from ..training.experiment import DEFAULT_METHODS, DEFAULT_SPECS, Experiment, resolve_spec
from ..training.run import run_experiment
from ..training.store import ResumeMismatch, read_experiment
from .common import parse_workers, EXIT_INTERRUPTED, MAX_SEEDS, ignore_further_signals, CLIError, check_out_dir, check_seed, emit_json


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="train optical networks on simulated chips (FFM, in silico, ideal)",
                              description="Train optical neural networks of symmetric cores.")
    sub = p.add_subparsers(dest="train_command", metavar="TASK")
    sub.required = True
    q = sub.add_parser(
        "iris", help="the on-chip Iris classifier: FFM vs in-silico vs ideal over chip presets",
        description="Train a network of 16-port symmetric cores on the Iris data (shipped, no download) on "
        "simulated chips, with fully forward mode (FFM, matrix and phase level) and, for comparison, on the "
        "ideal model (ideal) and deployed from it (insilico). Prints test accuracy per chip configuration and "
        "method, gradient errors against the chip's true gradient and optical passes per update, and writes a "
        "run directory (config.json, metrics.json, history.csv, params/, PNG plots). Ctrl-C (or SIGTERM) stops "
        "cleanly at the end of the running epochs; a second Ctrl-C stops at once; --resume continues either "
        "to the same result, bit for bit, as a run never interrupted.")
    q.add_argument("--method", action="append", metavar="M[,M...]",
                   help=f"methods to train (repeatable or comma list) from {', '.join(method_names())}; "
                   f"default {','.join(DEFAULT_METHODS)}")
    q.add_argument("--chip", action="append", metavar="PRESET|FILE",
                   help=f"chip configurations (repeatable or comma list): presets {', '.join(PRESETS)} or "
                   f".toml/.json spec files; default {','.join(DEFAULT_SPECS)}")
    q.add_argument("--epochs", type=int, default=None, metavar="E", help="epochs (default 100)")
    q.add_argument("--seeds", default=None, metavar="N|S,S,...",
                   help="number of seeds (0..N-1) or a comma list of seeds (default 3)")
    q.add_argument("--folds", type=int, default=None, metavar="K",
                   help="stratified cross-validation folds per seed: every seed trains K networks per method and "
                   "chip, each tested on one fold, so every sample is tested once per seed (default 3; 1: a "
                   "single 105/45 stratified split)")
    q.add_argument("--lr", type=float, default=None, metavar="LR",
                   help="learning rate for every method (default with adam: 0.01 for ideal/ffm weights, "
                   "0.02 rad for the phase-space methods; ten times less with sgd)")
    q.add_argument("--optimizer", choices=OPTIMIZERS, default=None, help="optimizer (default adam)")
    q.add_argument("--layers", type=int, default=None, metavar="L", help="network layers = chips (default 2)")
    q.add_argument("--batch-size", type=int, default=None, metavar="B", help="samples per update (default 35)")
    q.add_argument("-o", "--out", default=None, metavar="DIR",
                   help="run directory (default runs/iris-YYYYmmdd-HHMMSS); must be new or empty unless --resume "
                   "or --force")
    q.add_argument("--resume", action="store_true",
                   help="continue the interrupted run in --out; options not given are taken from it, options "
                   "given must match it")
    q.add_argument("--force", action="store_true",
                   help="delete the earlier run in --out (only the files a run writes) and start clean")
    q.add_argument("--workers", default=None, metavar="N",
                   help="worker processes for the independent units (default: all cores; 1: serial in this "
                   "process); results are identical for any N")
    q.add_argument("--json", action="store_true", help="print the summary as JSON instead of the table")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    q.set_defaults(func=run_iris)


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
    return tuple(values)


#: option of each experiment field (for the one-line refusal of a --resume with other options)
_FIELD_OPTIONS = {"config.epochs": "--epochs", "config.grad_probe_step": "--epochs", "config.lr": "--lr",
                  "config.layers": "--layers", "config.batch_size": "--batch-size", "config.folds": "--folds",
                  "config.optimizer": "--optimizer", "methods": "--method", "chips": "--chip", "seeds": "--seeds"}


def _experiment(args, base: Experiment | None = None) -> Experiment:
    """The experiment the options describe; options not given come from ``base`` (a resumed run) or the defaults."""
    methods = _split(args.method) or list(base.methods if base else DEFAULT_METHODS)
    bad = [m for m in methods if m not in method_names()]
    if bad:
        raise CLIError(f"unknown method {bad[0]!r}; valid: {', '.join(method_names())}")
    methods = list(dict.fromkeys(methods))
    if args.chip:
        chips = [resolve_spec(s) for s in _split(args.chip)]
    else:
        chips = list(base.chips) if base else [resolve_spec(s) for s in DEFAULT_SPECS]
    overrides = {k: v for k, v in (("epochs", args.epochs), ("lr", args.lr), ("layers", args.layers),
                                   ("batch_size", args.batch_size), ("optimizer", args.optimizer),
                                   ("folds", args.folds)) if v is not None}
    if "epochs" in overrides and overrides["epochs"] <= 0:
        raise CLIError(f"--epochs must be >= 1, got {overrides['epochs']}")
    if "folds" in overrides and not 1 <= overrides["folds"] <= 10:
        raise CLIError(f"--folds {overrides['folds']} is invalid; valid: 1 (a single split) .. 10")
    config = base.config.replace(**overrides) if base else TrainConfig(**overrides)
    if base is None or "epochs" in overrides or "batch_size" in overrides or "folds" in overrides:
        # the gradient error is read at update 80 (as in Xue et al.), or at the last update of a shorter run
        probe = min(TrainConfig().grad_probe_step, config.epochs * config.updates_per_epoch())
        config = config.replace(grad_probe_step=probe)
    seeds = _seeds(args.seeds) if args.seeds is not None else (base.seeds if base else _seeds("3"))
    passes = base.passes_methods if base else Experiment.__dataclass_fields__["passes_methods"].default
    return Experiment(config, tuple(methods), tuple(chips), seeds, passes)


def run_iris(args) -> int:
    workers = parse_workers(args.workers)
    if args.resume:
        if args.out is None:
            raise CLIError("--resume needs the run directory: --out DIR")
        out = Path(args.out)
        exp = _experiment(args, base=read_experiment(out))
    else:
        exp = _experiment(args)
        out = Path(args.out or f"runs/iris-{time.strftime('%Y%m%d-%H%M%S')}")
    check_out_dir(out, "--out")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - declared dependency
        threadpool_limits = None
    try:
        if threadpool_limits is not None:
            # the matrices are 16 x 16: BLAS threads only contend (10x slower on a busy 2-core machine)
            with threadpool_limits(1):
                summary = run_experiment(exp, out, resume=args.resume, force=args.force,
                                         progress=False if args.quiet else None, workers=workers)
        else:  # pragma: no cover
            summary = run_experiment(exp, out, resume=args.resume, force=args.force,
                                     progress=False if args.quiet else None, workers=workers)
    except ResumeMismatch as exc:
        option = _FIELD_OPTIONS.get(exc.field, "--chip" if exc.field.startswith("chips.") else exc.field)
        raise CLIError(f"{option} differs from the run in {out} ({exc.field}: stored {exc.stored!r}, given "
                       f"{exc.given!r}); drop {option} to continue that run, or pass --force to start again") from None
    except KeyboardInterrupt as exc:
        ignore_further_signals()
        signum = exc.signum if isinstance(exc, Interrupted) else 2
        print(f"picffm: stopped by {signal_name(signum)}; finished units, checkpoints and reports are in {out}; "
              f"continue with 'picffm train iris --out {out} --resume'", file=sys.stderr)
        return exc.exit_code if isinstance(exc, Interrupted) else EXIT_INTERRUPTED
    if args.json:
        emit_json({**summary, "run_dir": str(out)})
    else:
        from ..training.report import format_table

        print(format_table(summary))
        print(f"\nrun directory: {out} ({summary['elapsed_s']:.1f} s)")
    return 0
