"""``picffm freespace focus|classify``: free-space FFM (thin layer over :mod:`picffm.freespace`)."""

from __future__ import annotations

import sys
import time

from .common import (SCHEDULER_HELP, parse_workers, MAX_SEEDS, CLIError, check_out_dir, check_output, check_range,
                     check_scheduler, check_seed, emit_json, ignore_further_signals)


def register(subparsers) -> None:
    p = subparsers.add_parser("freespace", help="free-space FFM: focusing through scattering media, diffractive networks",
                              description="Fully forward mode training of free-space optics (SLMs, cameras, "
                              "angular-spectrum propagation) on simulated systems with hidden imperfections.")
    sub = p.add_subparsers(dest="freespace_command", metavar="TASK")
    sub.required = True
    from ..freespace.media import MEDIA

    f = sub.add_parser("focus", help="focus light through a scattering medium: FFM vs PSO vs random search",
                       description="Focus a 532 nm beam through a thin scattering medium onto a camera 0.388 m away "
                       "(3.2 mm SLM aperture) with FFM (a data pass and an error pass per iteration), particle swarm "
                       "optimisation and random-partition search; prints convergence, focus FWHM against the "
                       "diffraction limit and PSNR, and writes a run directory (config.json, metrics.json, "
                       "history.csv, masks.npz, PNG images of the focus as it forms and across the field of view).")
    f.add_argument("--medium", choices=MEDIA, default="phase-plate", help="scattering medium (default phase-plate)")
    f.add_argument("--iterations", type=int, default=100, metavar="N", help="FFM iterations (default 100)")
    f.add_argument("--pso-iterations", type=int, default=400, metavar="N", help="PSO iterations (default 400)")
    f.add_argument("--particles", type=int, default=20, metavar="N", help="PSO swarm size (default 20)")
    f.add_argument("--random-iterations", type=int, default=400, metavar="N",
                   help="random-partition search iterations, one trial each (default 400)")
    f.add_argument("--lr", type=float, default=0.2, metavar="RAD", help="FFM Adam step size in rad (default 0.2)")
    f.add_argument("--fov-mm", type=float, default=0.8, metavar="MM",
                   help="offset of the outer field-of-view targets in mm (default 0.8)")
    f.add_argument("--fov-iterations", type=int, default=50, metavar="N",
                   help="FFM iterations per field-of-view target (default 50)")
    _common(f, "runs/focus-YYYYmmdd-HHMMSS", resume=False)
    f.set_defaults(func=run_focus_cmd)

    from ..freespace.ffm import ACTIVATIONS

    c = sub.add_parser("classify", help="diffractive image classifier: ideal vs in silico deployed vs FFM",
                       description="Train a diffractive network of phase masks (1-8 layers; each stage an SLM, "
                       "free space and a camera, an electronic nonlinearity between stages) to classify images: "
                       "on the ideal system (ideal), deployed from it onto the imperfect system (insilico), and "
                       "on the imperfect system itself by fully forward mode training (ffm). Default data: "
                       "scikit-learn's 8 x 8 digits (shipped); --data reads MNIST or Fashion-MNIST from local "
                       "IDX files or an NPZ (never downloaded). Writes a run directory (config.json, "
                       "metrics.json, history.csv, units/, PNG plots); Ctrl-C stops with finished units saved, "
                       "--resume continues.")
    c.add_argument("--layers", default="2", metavar="L[,L...]", help="number(s) of layers, 1..8 (default 2)")
    c.add_argument("--epochs", type=int, default=None, metavar="E", help="epochs (default 4)")
    c.add_argument("--batch-size", type=int, default=None, metavar="B", help="samples per update (default 32)")
    c.add_argument("--lr", type=float, default=None, metavar="RAD", help="Adam step size in rad (default 0.1)")
    c.add_argument("--activation", choices=ACTIVATIONS, default=None,
                   help="electronic activation between stages (default intensity)")
    c.add_argument("--data", default=None, metavar="DIR|FILE.npz",
                   help="local MNIST-format data: a directory of the four IDX files (.gz or not) or an NPZ with "
                   "x_train, y_train, x_test, y_test (default: scikit-learn's digits)")
    c.add_argument("--train-samples", type=int, default=None, metavar="N", help="use N training samples (default all)")
    c.add_argument("--test-samples", type=int, default=None, metavar="N", help="use N test samples (default all)")
    c.add_argument("--workers", default=None, metavar="N",
                   help="worker processes for the independent units (default: all cores; 1: serial); "
                   "results are identical for any N")
    c.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    _common(c, "runs/classify-YYYYmmdd-HHMMSS", resume=True, seeds="3")
    c.set_defaults(func=run_classify_cmd)


def _common(p, default_out: str, *, resume: bool, seeds: str = "1") -> None:
    p.add_argument("--seeds", default=seeds, metavar="N|S,S,...",
                   help=f"number of seeds (0..N-1) or a comma list of seeds (default {seeds})")
    p.add_argument("-o", "--out", default=None, metavar="DIR", help=f"run directory (default {default_out})")
    if resume:
        p.add_argument("--resume", action="store_true",
                       help="continue the interrupted run in --out (its options are reused)")
    p.add_argument("--force", action="store_true",
                   help="delete the earlier run in --out (only the files a run writes) and start clean")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of the table")
    p.add_argument("--quiet", action="store_true", help="no progress messages")


def _check_out_given(args) -> None:
    """``-o ''`` is refused (it used to fall back to the default directory silently)."""
    if args.out is not None and not args.out.strip():
        raise CLIError(f"-o/--out is empty; give a directory (or drop it: the default is "
                       f"runs/{args.freespace_command}-<time>)")


def seeds_option(text: str) -> tuple[int, ...]:
    """``--seeds``: a count N (seeds 0..N-1) or a comma list of seeds >= 0."""
    msg = f"--seeds {text!r} is invalid; give a count >= 1 or a comma list of seeds >= 0"
    try:
        n = int(text) if "," not in text else None
        seeds = () if n is not None else tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise CLIError(msg) from None
    if n is not None:
        if n < 1:
            raise CLIError(msg)
        check_range("--seeds (count)", n, 1, MAX_SEEDS)  # before building the range: 1e9 seeds is GBs
        return tuple(range(n))
    if not seeds or any(s < 0 for s in seeds):
        raise CLIError(msg)
    twice = sorted({s for s in seeds if seeds.count(s) > 1})
    if twice:
        raise CLIError(f"--seeds {text!r} lists seed {twice[0]} more than once; give distinct seeds")
    check_range("--seeds (count)", len(seeds), 1, MAX_SEEDS)
    return tuple(check_seed("--seeds", s) for s in seeds)


def _progress(args):
    if args.quiet:
        return None
    return lambda msg: print(f"picffm freespace: {msg}", file=sys.stderr, flush=True)


def run_focus_cmd(args) -> int:
    from ..freespace.focus_run import FocusConfig, format_focus, run_focus

    for opt, v, hi in (("--iterations", args.iterations, 100_000), ("--pso-iterations", args.pso_iterations, 100_000),
                       ("--particles", args.particles, 10_000), ("--random-iterations", args.random_iterations, 100_000),
                       ("--fov-iterations", args.fov_iterations, 100_000)):
        check_range(opt, v, 1 if opt != "--particles" else 2, hi)
    check_range("--lr", args.lr, 1e-9, 100.0, " rad")
    config = FocusConfig(medium=args.medium, seeds=seeds_option(args.seeds), iterations=args.iterations,
                         pso_iterations=args.pso_iterations, particles=args.particles,
                         random_iterations=args.random_iterations, lr=args.lr, fov_mm=args.fov_mm,
                         fov_iterations=args.fov_iterations)
    _check_out_given(args)
    out = args.out or f"runs/focus-{time.strftime('%Y%m%d-%H%M%S')}"
    check_out_dir(out, "-o/--out")
    summary = run_focus(config, out, force=args.force, progress=_progress(args))
    if args.json:
        emit_json({**summary, "run_dir": str(out)})
    else:
        print(format_focus(summary))
        print(f"\nrun directory: {out} ({summary['elapsed_s']:.1f} s)")
    return 0


def _int_list(text: str, option: str, lo: int, hi: int) -> tuple[int, ...]:
    try:
        vals = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        vals = ()
    if not vals or any(not lo <= v <= hi for v in vals) or len(set(vals)) != len(vals):
        raise CLIError(f"{option} {text!r} is invalid; give distinct integers {lo}..{hi}, comma separated")
    return vals


def run_classify_cmd(args) -> int:
    from ..freespace.classify import ClassifyConfig
    from ..freespace.classify_run import format_classify, run_classify

    workers = parse_workers(args.workers)
    check_scheduler(args.scheduler)
    _check_out_given(args)
    if args.resume:
        given = [o for o, v in (("--layers", args.layers if args.layers != "2" else None), ("--epochs", args.epochs),
                                ("--batch-size", args.batch_size), ("--lr", args.lr), ("--data", args.data),
                                ("--activation", args.activation), ("--train-samples", args.train_samples),
                                ("--test-samples", args.test_samples),
                                ("--seeds", args.seeds if args.seeds != "3" else None),
                                ("--force", args.force or None)) if v is not None]
        if given:
            raise CLIError(f"--resume reuses the run's own options; drop {given[0]}")
        if args.out is None:
            raise CLIError("--resume needs the run directory: --out DIR")
        config, out = None, args.out
    else:
        for opt, v, lo, hi in (("--epochs", args.epochs, 1, 100_000), ("--batch-size", args.batch_size, 1, 100_000),
                               ("--lr", args.lr, 1e-9, 100.0), ("--train-samples", args.train_samples, 10, 10**7),
                               ("--test-samples", args.test_samples, 10, 10**7)):
            if v is not None:
                check_range(opt, v, lo, hi)
        over = {k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size), ("lr", args.lr),
                                  ("activation", args.activation), ("train_samples", args.train_samples),
                                  ("test_samples", args.test_samples)) if v is not None}
        config = ClassifyConfig(layers=_int_list(args.layers, "--layers", 1, 8), seeds=seeds_option(args.seeds),
                                data=args.data, **over)
        out = args.out or f"runs/classify-{time.strftime('%Y%m%d-%H%M%S')}"
        check_output(out, {"the --data input": args.data}, "-o/--out")
    check_out_dir(out, "-o/--out")
    try:
        summary = run_classify(config, out, resume=bool(args.resume), force=args.force, workers=workers,
                               scheduler=args.scheduler, progress=_progress(args))
    except KeyboardInterrupt as exc:
        from ..runs.signals import Interrupted, signal_name

        ignore_further_signals()
        signum = exc.signum if isinstance(exc, Interrupted) else 2
        print(f"picffm: stopped by {signal_name(signum)}; finished units and the running units' checkpoints are in "
              f"{out}; continue with 'picffm freespace classify --out {out} --resume'", file=sys.stderr)
        return exc.exit_code if isinstance(exc, Interrupted) else 130
    if args.json:
        emit_json({**summary, "run_dir": str(out)})
    else:
        print(format_classify(summary))
        print(f"\nrun directory: {out} ({summary['elapsed_s']:.1f} s)")
    return 0
