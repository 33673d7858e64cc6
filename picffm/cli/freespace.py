"""``picffm freespace focus|classify``: free-space FFM (thin layer over :mod:`picffm.freespace`)."""

from __future__ import annotations

import sys
import time

from .common import CLIError, emit_json


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


def _common(p, default_out: str, *, resume: bool) -> None:
    p.add_argument("--seeds", default="1", metavar="N|S,S,...",
                   help="number of seeds (0..N-1) or a comma list of seeds (default 1)")
    p.add_argument("-o", "--out", default=None, metavar="DIR", help=f"run directory (default {default_out})")
    if resume:
        p.add_argument("--resume", default=None, metavar="DIR",
                       help="continue an interrupted run in DIR (its options are reused)")
    p.add_argument("--force", action="store_true", help="overwrite an existing run directory")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of the table")
    p.add_argument("--quiet", action="store_true", help="no progress messages")


def seeds_option(text: str) -> tuple[int, ...]:
    """``--seeds``: a count N (seeds 0..N-1) or a comma list of seeds >= 0."""
    msg = f"--seeds {text!r} is invalid; give a count >= 1 or a comma list of seeds >= 0"
    try:
        if "," not in text:
            n = int(text)
            if n < 1:
                raise ValueError
            return tuple(range(n))
        seeds = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise CLIError(msg) from None
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise CLIError(msg)
    return seeds


def _progress(args):
    if args.quiet:
        return None
    return lambda msg: print(f"picffm freespace: {msg}", file=sys.stderr, flush=True)


def run_focus_cmd(args) -> int:
    from ..freespace.focus_run import FocusConfig, format_focus, run_focus

    config = FocusConfig(medium=args.medium, seeds=seeds_option(args.seeds), iterations=args.iterations,
                         pso_iterations=args.pso_iterations, particles=args.particles,
                         random_iterations=args.random_iterations, lr=args.lr, fov_mm=args.fov_mm,
                         fov_iterations=args.fov_iterations)
    out = args.out or f"runs/focus-{time.strftime('%Y%m%d-%H%M%S')}"
    summary = run_focus(config, out, force=args.force, progress=_progress(args))
    if args.json:
        emit_json({**summary, "run_dir": str(out)})
    else:
        print(format_focus(summary))
        print(f"\nrun directory: {out} ({summary['elapsed_s']:.1f} s)")
    return 0
