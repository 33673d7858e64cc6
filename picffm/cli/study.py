"""``picffm study {drift,asymmetry}``: robustness studies, local or on a Dask cluster.

The sweep comes from options, a TOML file (``--sweep FILE``, table
``[drift]`` / ``[asymmetry]``) or both (options win). Points run in a local
process pool (``--workers``, default all cores) or on an existing Dask
cluster (``--scheduler tcp://host:8786``). Every finished point is saved in
``--out`` at once and a running point checkpoints itself, so Ctrl-C loses
nothing; ``--out DIR --resume`` continues an interrupted study with the
options stored in ``DIR/study.json`` (options given again must equal them).
"""

from __future__ import annotations

import shlex
import sys

from ..runs.signals import Interrupted, signal_name
from ..studies.store import stored_sweep
from ..studies.sweep import ASYMMETRY_METHODS, DRIFT_METHODS, SWEEPS, load_sweep, option_name, parse_list
from .common import (EXIT_INTERRUPTED, SCHEDULER_HELP, CLIError, check_out_dir, check_scheduler, emit_json,
                     ignore_further_signals, parse_workers, table)


def _default(study: str, key: str) -> str:
    """A sweep key's default as the help prints it (from the sweep model, so the help cannot go stale)."""
    value = SWEEPS[study].model_fields[key].default
    if isinstance(value, list):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "study",
        help="robustness studies (drift, mirror asymmetry), locally or on a Dask cluster",
        description="Robustness studies: how long a trained network survives drift, and how much "
        "mirror symmetry fully forward (FFM) training needs. Each sweep point is an independent task. "
        "Ctrl-C stops cleanly: finished points are kept and running points save checkpoints; "
        "'--out DIR --resume' continues with the stored options, bit for bit.",
    )
    sub = p.add_subparsers(dest="study", metavar="STUDY", parser_class=type(p))
    sub.required = True

    d = sub.add_parser(
        "drift", help="accuracy vs time under phase drift: in silico, recalibrated, FFM online",
        description="Sweep drift rate x method x seed. Methods: insilico (trained on the ideal model, "
        "programmed once), recal (in silico, re-measured and reprogrammed every --recal-interval-s), "
        "ffm (trained on the chip, then a few FFM steps per time step). Writes accuracy vs time "
        "(CSV, results.json, PNG per drift rate), time above --threshold and optical passes.",
    )
    _common(d, "drift")
    d.add_argument("--drift-rates", metavar="LIST",
                   help="phase drift rates, rad/sqrt(s), comma-separated (random walk; default "
                   f"{_default('drift', 'drift_rates')})")
    d.add_argument("--method", dest="methods", action="append", metavar="M[,M...]",
                   help=f"methods (repeatable or comma list) from {', '.join(DRIFT_METHODS)}; default all")
    d.add_argument("--duration-s", type=float, metavar="S", help=f"time span in s (default {_default('drift', 'duration_s')})")
    d.add_argument("--step-s", type=float, metavar="S", help="time between accuracy checks in s "
                   f"(default {_default('drift', 'step_s')})")
    d.add_argument("--recal-interval-s", type=float, metavar="S", help="recalibration interval of recal in s "
                   f"(default {_default('drift', 'recal_interval_s')})")
    d.add_argument("--recal-iterations", type=int, metavar="N", help="measure-and-correct rounds per "
                   f"recalibration (default {_default('drift', 'recal_iterations')})")
    d.add_argument("--ffm-steps", type=int, metavar="N", help="FFM training steps per time step "
                   f"(default {_default('drift', 'ffm_steps')})")
    d.add_argument("--threshold", type=float, metavar="ACC", help="accuracy threshold, 0..1 "
                   f"(default {_default('drift', 'threshold')})")
    d.set_defaults(func=run, lists={"drift_rates": float, "methods": str})

    a = sub.add_parser(
        "asymmetry", help="FFM accuracy and gradient error vs the symmetric core's mirror asymmetry",
        description="Sweep mirror asymmetry (0: mirror half identical to the first half, 1: independent "
        "fabrication errors) x method x seed. FFM accuracy and FFM gradient error vs the chip's true "
        "gradient, with in silico and ideal as references.",
    )
    _common(a, "asymmetry")
    a.add_argument("--asymmetries", metavar="LIST", help="mirror asymmetries in [0, 1], comma-separated "
                   f"(default {_default('asymmetry', 'asymmetries')})")
    a.add_argument("--method", dest="methods", action="append", metavar="M[,M...]",
                   help=f"methods (repeatable or comma list) from {', '.join(ASYMMETRY_METHODS)}; default all")
    a.add_argument("--grad-probe-step", type=int, metavar="K",
                   help="training update at which the gradient error is measured (default 80)")
    a.set_defaults(func=run, lists={"asymmetries": float, "methods": str})


def _common(p, name: str) -> None:
    p.add_argument("--sweep", metavar="FILE", help=f"TOML sweep file with a [{name}] table (options override it)")
    p.add_argument("-o", "--out", metavar="DIR", default=f"{name}-study",
                   help=f"study directory: its settings, points, checkpoints, CSV, results.json, PNG "
                   f"(default ./{name}-study)")
    p.add_argument("--chip", metavar="PRESET|FILE", help="chip preset or chip spec file "
                   f"(default {_default(name, 'chip')})")
    p.add_argument("--layers", type=int, metavar="N", help="network layers, one 16-mode "
                   f"symmetric core each (default {_default(name, 'layers')})")
    p.add_argument("--ffm-trainer", choices=("ffm-phase", "ffm"), help="FFM flavour "
                   f"(default {_default(name, 'ffm_trainer')})")
    p.add_argument("--epochs", type=int, metavar="N", help="training epochs before the study "
                   f"(default {_default(name, 'epochs')})")
    p.add_argument("--seeds", type=int, metavar="N", help="replicate chips per point "
                   f"(default {_default(name, 'seeds')})")
    p.add_argument("--seed", type=int, metavar="N", help=f"study seed (default {_default(name, 'seed')})")
    p.add_argument("--workers", metavar="N", help="local worker processes (default: all cores; 1: serial)")
    p.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    p.add_argument("--resume", action="store_true",
                   help="continue the study in --out with the settings it was started with: finished points are "
                   "reused, interrupted ones continue from their checkpoints; options given again must equal the "
                   "stored ones")
    p.add_argument("--force", action="store_true",
                   help="delete an earlier study in --out (only the files a study writes) and start clean")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print results.json's summary as JSON")


def _options(args) -> dict:
    """Sweep keys given on the command line (``None``: not given)."""
    skip = {"command", "study", "func", "lists", "sweep", "out", "workers", "scheduler", "resume", "force",
            "quiet", "json"}
    opts = {k: v for k, v in vars(args).items() if k not in skip}
    for key, kind in args.lists.items():
        value = opts.get(key)
        if value is not None:
            opts[key] = parse_list(",".join(value) if isinstance(value, list) else value, option_name(key), kind)
    return opts


def _check_run_options(args) -> None:
    if not args.out.strip():  # '' used to mean the current directory
        raise CLIError(f"-o/--out is empty; give a directory (or drop it: the default is ./{args.study}-study)")
    check_out_dir(args.out, "--out")
    if args.workers is not None:  # the one --workers parser of train, study and freespace
        args.workers = parse_workers(args.workers)
    check_scheduler(args.scheduler)


def run(args) -> int:
    from ..studies import asymmetry, drift
    from ..studies.runner import run_study

    module = {"drift": drift, "asymmetry": asymmetry}[args.study]
    _check_run_options(args)
    stored = stored_sweep(args.out, args.study) if args.resume else None
    sweep = load_sweep(args.study, args.sweep, _options(args), stored=stored, where=f"the study in {args.out}")
    try:
        res = run_study(module, sweep, args.out, workers=args.workers, scheduler=args.scheduler,
                        resume=args.resume, force=args.force, progress=False if args.quiet else None)
    except KeyboardInterrupt as exc:
        ignore_further_signals()
        signum = exc.signum if isinstance(exc, Interrupted) else 2
        print(f"picffm: stopped by {signal_name(signum)}; every finished point is saved in {args.out}, and the "
              "points that were running saved checkpoints there; continue with "
              f"'picffm study {args.study} --out {shlex.quote(args.out)} --resume'", file=sys.stderr)
        return exc.exit_code if isinstance(exc, Interrupted) else EXIT_INTERRUPTED
    if args.json:
        emit_json({"study": args.study, "out": args.out, "ran": res.ran, "reused": res.reused,
                   "files": res.files, "summary": res.doc["summary"]})
        return 0
    header, rows = module.summary_table(res.doc)
    print(table(rows, header))
    print(f"\n{res.ran} point(s) computed, {res.reused} reused; wrote {len(res.files)} files to {args.out}: "
          + ", ".join(sorted({f.rsplit('/', 1)[-1] for f in res.files})))
    return 0
