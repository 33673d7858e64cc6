"""``picffm program NETLIST TARGET -o PARAMS``: phases that make a mesh implement a matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CompileError, ParamsError, ProgrammingError
from ..netlist import JSON_SUFFIXES, YAML_SUFFIXES, load_netlist
from ..programming import load_target, program_matrix, relative_symmetry_error
from ..programming.plans import as_schedule, mesh_plan
from .common import CLIError, check_output_file, emit_json

ERROR_DEFINITION = "||M - target/scale||_F / ||target/scale||_F (M: ideal compiled mesh)"
#: default largest relative error of a programmed mesh (exact decompositions reach ~1e-13)
DEFAULT_TOLERANCE = 1e-6
#: default measured refinement iterations of ``--twin``
DEFAULT_ITERATIONS = 3


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "program",
        help="find the phases that make a mesh implement a target matrix",
        description="Program TARGET onto the mesh NETLIST and write the phases as a parameter file "
        "keyed by instance name (use it with 'picffm compile NETLIST --params PARAMS'). Clements and "
        "Reck meshes take unitary targets; a symmetric core takes a complex symmetric target and "
        "implements target/scale with scale = spectral norm ||target||_2 (the electronic gain); an "
        "SVD mesh takes any matrix (same scale). Prints the relative reconstruction error "
        "||M - target/scale||_F / ||target/scale||_F of the ideal compiled mesh (scale = 1 for "
        "unitary meshes). TARGET is .npy or .csv: one row per line, entries separated by commas "
        "(or spaces), real (0.5) or complex (0.5-0.25j, or (5e-01-2.5e-01j) as np.savetxt writes).",
    )
    p.add_argument("netlist", metavar="NETLIST", help="mesh netlist (.pic.yml/.yml/.yaml or .json)")
    p.add_argument("target", metavar="TARGET",
                   help="target matrix (.npy or .csv, N x N) or a Touchstone .sNp (its T[outputs, inputs] block)")
    p.add_argument("--wavelength", type=float, metavar="UM",
                   help="Touchstone target with several frequency points: the wavelength (um) to use")
    p.add_argument("-o", "--out", dest="output", metavar="PARAMS", required=True,
                   help="parameter file to write (.yml/.yaml or .json)")
    p.add_argument("--symmetrize", action="store_true",
                   help="symmetric core: program (T + T^T)/2 of a non-symmetric target instead of failing")
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="TOL",
                   help=f"largest accepted relative error (default {DEFAULT_TOLERANCE:g}); a larger error (e.g. a "
                   "netlist whose connections are not the mesh its names suggest) is an error, exit 2, nothing "
                   "written")
    p.add_argument("--allow-error", action="store_true",
                   help="write the parameter file even if the error exceeds --tolerance (exit 0)")
    p.add_argument("--twin", metavar="TWIN",
                   help="program through a calibrated twin (.json from 'picffm chip calibrate'): decomposition "
                   "corrected for the fitted couplers, heaters and losses, then measured refinement on the chip "
                   "the twin was measured on; prints the fidelity achieved on that chip")
    p.add_argument("--iterations", type=int, default=None, metavar="K",
                   help=f"with --twin: measured refinement iterations on the chip (default {DEFAULT_ITERATIONS}; "
                   "0: twin only)")
    p.add_argument("--json", action="store_true", help="print machine-readable results")
    p.set_defaults(func=run)


def _load_target(args, net) -> np.ndarray:
    """The target matrix: a matrix file, or the T[outputs, inputs] block of a Touchstone file."""
    from ..interop.touchstone import touchstone_ports, transfer_target

    if touchstone_ports(args.target) is None:
        if args.wavelength is not None:
            raise ProgrammingError(f"--wavelength applies to Touchstone targets (.sNp), not {args.target}")
        return load_target(args.target)
    return transfer_target(args.target, net.input_ports, net.output_ports, args.wavelength)


def run(args) -> int:
    out = Path(args.output)
    if out.suffix.lower() not in YAML_SUFFIXES + JSON_SUFFIXES:  # fail before the work
        raise ParamsError(f"{out}: unknown parameter file type {out.suffix or '(none)'!r}; "
                          "use .yml, .yaml or .json")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise ParamsError(f"{out}: directory {str(out.parent)!r} does not exist")
    if not (args.tolerance >= 0 and args.tolerance <= 1e300):
        raise CLIError(f"--tolerance {args.tolerance} is invalid; give a finite number >= 0")
    check_output_file(out, {"the netlist": args.netlist, "the target": args.target, "the twin": args.twin})
    if args.iterations is None:
        args.iterations = DEFAULT_ITERATIONS
    elif args.twin is None:
        raise CLIError(f"--iterations {args.iterations}: measured refinement needs a chip to measure; it applies "
                       "with --twin TWIN only")
    if not 0 <= args.iterations <= 100:
        raise CLIError(f"--iterations {args.iterations} is invalid; give an integer in 0 .. 100")
    net = load_netlist(args.netlist)
    twin = None
    if args.twin is not None:
        from ..calibration import Twin

        twin = Twin.load(args.twin, net)  # refused with one line on another netlist or a bad file
    try:
        schedule = as_schedule(net)
    except CompileError as exc:  # e.g. a ring: no schedule, so no mesh to decompose onto
        msg = str(exc).removeprefix(f"{args.netlist}: ")
        raise ProgrammingError(f"{args.netlist}: cannot program this netlist: {msg}; 'picffm program' programs "
                               "the feed-forward meshes 'picffm mesh' makes (clements, reck, symmetric, svd)"
                               ) from None
    try:
        kind = mesh_plan(schedule).kind
    except ProgrammingError:  # no known mesh: said by program_matrix, after the target is read
        kind = None
    if args.symmetrize and kind not in (None, "symmetric"):
        what = "implements unitary targets" if kind in ("clements", "reck") else "takes any matrix"
        raise CLIError(f"--symmetrize applies to a symmetric core; {args.netlist} is "
                       f"{'an' if kind == 'svd' else 'a'} {kind} mesh, which {what}")
    target = _load_target(args, net)
    try:
        res = program_matrix(schedule, target, symmetrize=args.symmetrize)
    except ProgrammingError as exc:  # name the file for problems with the target itself
        msg = str(exc)
        raise ProgrammingError(f"{args.target}: {msg}" if msg.startswith("target") else msg) from None
    if not np.isfinite(res.error) or not np.isfinite(res.scale):
        raise ProgrammingError(f"{args.target}: programming {args.netlist} gave no finite error or scale "
                               "(is the target numerically degenerate?); nothing written")
    if res.error > args.tolerance and not args.allow_error:
        raise ProgrammingError(
            f"{args.netlist}: the programmed mesh misses the target by a relative error of {res.error:.3g}, above "
            f"--tolerance {args.tolerance:g} (are its connections the {res.kind} mesh its instance names "
            "suggest?); nothing written; --allow-error writes it anyway")
    symmetrized = bool(args.symmetrize and res.kind == "symmetric")
    n = res.schedule.n_modes
    info = {
        "kind": res.kind,
        "n": n,
        "scale": res.scale,
        "relative_error": res.error,
        "tolerance": args.tolerance,
        "within_tolerance": bool(res.error <= args.tolerance),
        "netlist": str(args.netlist),
        "target": str(args.target),
        "symmetrized": symmetrized,
    }
    if symmetrized:
        info["target_asymmetry"] = relative_symmetry_error(target)
    settings = res.params
    if twin is not None:
        settings, through = _through_twin(args, net, twin, target, res)
        info.update(through)
    params = settings.save(out, info=info).params
    if args.json:
        emit_json({**info, "params": str(out), "instances": len(params), "error_definition": ERROR_DEFINITION})
        return 0
    if twin is not None:
        print(f"programmed {args.target} onto the chip of twin {args.twin} ({info['chip']}) through the twin: "
              f"{len(params)} instances -> {out}")
        print(f"fidelity on the chip, measured through the protocol (transceiver corrected by the twin): "
              f"{info['fidelity']:.5f} after {args.iterations} measured iteration(s) "
              f"(twin only: {info['fidelity_twin_only']:.5f}; ideal decomposition: {info['fidelity_ideal']:.5f}); "
              f"{info['passes']} optical passes")
        print(f"scale (the chip realises about target/scale): {info['scale']:.6g}")
        return 0
    print(f"programmed {args.target} onto {args.netlist} ({res.kind} mesh, N = {n}): "
          f"{len(params)} instances -> {out}")
    if res.kind in ("symmetric", "svd"):
        print(f"scale (spectral norm ||target||_2; the chip implements target/scale): {res.scale:.6g}")
        if symmetrized:
            print(f"target asymmetry ||T - T^T||_F / ||T||_F = {info['target_asymmetry']:.3g}: "
                  "programmed its symmetric part (T + T^T)/2 = target below")
        if res.scale == 0.0:  # W = 0: the error is ||M||_F (target/scale is undefined)
            print(f"zero target: every attenuator blocks; the chip's matrix ||M||_F = {res.error:.3g}")
        else:
            print(f"relative error ||M - target/scale||_F / ||target/scale||_F: {res.error:.3g}")
    else:
        print("scale: 1 (unitary mesh)")
        print(f"relative error ||M - target||_F / ||target||_F: {res.error:.3g}")
    return 0


def _through_twin(args, net, twin, target, res):
    """Program through ``twin`` on the chip it identifies; ``(settings, info entries)``."""
    from ..calibration import measure_corrected, program_through_twin
    from ..calibration.identity import chip_from_identity
    from ..chip.calibration import fidelity

    chip = chip_from_identity(twin.chip_identity, net, source=str(args.twin))
    goal = res.matrix()
    chip.program(res.params)
    ideal = fidelity(measure_corrected(chip, twin), goal)
    out = program_through_twin(chip, twin, target, iterations=args.iterations, symmetrize=args.symmetrize)
    ident = twin.chip_identity
    return out.params, {"twin": str(args.twin), "chip": f"{ident.get('spec')}, seed {ident.get('seed')}",
                        "scale": out.scale, "fidelity": out.fidelity, "fidelity_twin_only": out.fidelity_twin_only,
                        "fidelity_ideal": ideal, "fidelities": list(out.fidelities), "passes": out.passes,
                        "iterations": args.iterations,
                        "fidelity_definition": "|Tr(A^H B)|^2 / (||A||^2 ||B||^2), A = decode(chip.run(encode(I))), "
                                               "B = target/||target||_2"}
