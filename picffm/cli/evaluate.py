"""``picffm evaluate RUN_DIR``: deploy a training run's networks on other chips and print the accuracy table.

Thin wrapper over :func:`picffm.training.deployment.evaluate_run`; see
``docs/training.md``.
"""

from __future__ import annotations

from pathlib import Path

from ..chip.presets import PRESETS
from .common import CLIError, MAX_SEEDS, check_seed, emit_json

MAX_DRIFT_TIMES = 100


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "evaluate", help="deploy a training run's networks on other chips (preset, fabrication seed, drift time)",
        description="Program the trained settings of every finished unit of a 'picffm train' run directory onto "
        "fresh simulated chips (another preset or spec file, or 'model' for the ideal model; other fabrication "
        "seeds; after chip time has passed, so the phases have drifted) and print the test accuracy of each "
        "(method, chip trained on) on each target. The run directory is only read; nothing is retrained.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a 'picffm train' run directory")
    p.add_argument("--chip", action="append", metavar="PRESET|FILE",
                   help=f"target chips (repeatable or comma list): presets {', '.join(PRESETS)}, .toml/.json "
                   "spec files, or model (the ideal model); default: the run's own chips")
    p.add_argument("--seeds", default=None, metavar="S,S,...",
                   help="fabrication seeds of the target chips (comma list); default: each unit's own seed "
                   "(the chip it trained on, for the same spec)")
    p.add_argument("--drift-time", default=None, metavar="S[,S...]",
                   help="chip time(s) in s between programming and the test (default 0)")
    p.add_argument("--json", action="store_true", help="print the result as JSON instead of the table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_evaluate)


def _list(values) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


def run_evaluate(args) -> int:
    from ..training.deployment import evaluate_run, format_evaluation

    run_dir = Path(args.run_dir)
    if not (run_dir / "config.json").is_file():
        raise CLIError(f"{run_dir}: not a picffm training run directory (no config.json); give the --out "
                       "directory of a 'picffm train' run")
    seeds = None
    if args.seeds is not None:
        try:
            seeds = [int(s) for s in _list([args.seeds])]
        except ValueError:
            raise CLIError(f"--seeds {args.seeds!r} is invalid; give a comma list of seeds >= 0") from None
        if not seeds or len(seeds) > MAX_SEEDS:
            raise CLIError(f"--seeds {args.seeds!r} is invalid; give 1 .. {MAX_SEEDS} seeds >= 0")
        for s in seeds:
            check_seed("--seeds", s)
    times = [0.0]
    if args.drift_time is not None:
        try:
            times = [float(t) for t in _list([args.drift_time])]
        except ValueError:
            raise CLIError(f"--drift-time {args.drift_time!r} is invalid; give times in s >= 0 (comma list)") from None
        if not times or len(times) > MAX_DRIFT_TIMES or any(not (t >= 0 and t < float("inf")) for t in times):
            raise CLIError(f"--drift-time {args.drift_time!r} is invalid; give 1 .. {MAX_DRIFT_TIMES} finite "
                           "times in s >= 0")
    chips = _list(args.chip)
    if args.chip is not None and not chips:
        raise CLIError(f"--chip {' '.join(args.chip)!r} names no chip; valid: a preset ({', '.join(PRESETS)}), "
                       "a .toml/.json spec file or model")
    for option, values in (("--chip", chips), ("--seeds", seeds or []), ("--drift-time", [f"{t:g}" for t in times])):
        twice = [v for i, v in enumerate(values) if v in values[:i]]
        if twice:
            raise CLIError(f"{option} lists {twice[0]} more than once; give distinct values (a repeated one would "
                           "count the same deployments twice)")
    summary = evaluate_run(run_dir, chips or None, fab_seeds=seeds, drift_times_s=times,
                           progress=False if args.quiet else None)
    if args.json:
        emit_json(summary)
    else:
        print(format_evaluation(summary))
    return 0
