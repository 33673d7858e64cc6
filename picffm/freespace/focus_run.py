"""``picffm freespace focus``: FFM vs particle swarm vs random-partition search through a scattering medium.

One run = one or more media (seeds). For each: FFM (data + error pass per
iteration), PSO and random-partition search start from a flat mask on the
same hidden system (medium + SLM errors + camera noise); the final foci are
measured (FWHM, PSNR against the clear system's phase-conjugated focus); for
the first seed FFM also focuses on a 3 x 3 grid of targets across the field
of view. Results go to a run directory (see :mod:`picffm.freespace.rundir`).
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .devices import EXACT_CAMERA
from .errors import FreespaceError
from .focus_metrics import fwhm_um, psnr_db
from .focusing import FocusDesign, FocusSystem, SpotLoss, run_ffm, run_pso, run_random_search
from .imperfections import NONE, TYPICAL, Imperfections
from .media import MEDIA
from .plots import plot_focus
from .rundir import CONFIG, RunDir

__all__ = ["FocusConfig", "run_focus", "format_focus"]

SNAPSHOTS = (0, 1, 2, 5, 10, 25)
#: every entry a focus run writes (what --force deletes)
OWNED = (CONFIG, "metrics.json", "history.csv", "masks.npz", "convergence.png", "focus_forming.png",
         "final_focus.png", "field_of_view.png")


@dataclass(frozen=True)
class FocusConfig:
    """Options of a focusing run (iteration counts, optimiser settings, targets)."""

    medium: str = "phase-plate"
    seeds: tuple[int, ...] = (0,)
    iterations: int = 100
    pso_iterations: int = 400
    particles: int = 20
    random_iterations: int = 400
    lr: float = 0.2
    fov_mm: float = 0.8
    fov_iterations: int = 50
    imperfections: Imperfections = TYPICAL
    design: FocusDesign = field(default_factory=FocusDesign)

    def __post_init__(self):
        if self.medium not in MEDIA:
            raise FreespaceError(f"unknown medium {self.medium!r}; valid: {', '.join(MEDIA)}")
        for k in ("iterations", "pso_iterations", "particles", "random_iterations", "fov_iterations"):
            v = getattr(self, k)
            if not (isinstance(v, int) and v >= (2 if k == "particles" else 1)):
                raise FreespaceError(f"{k.replace('_', '-')} must be an integer >= {2 if k == 'particles' else 1}, "
                                     f"got {v!r}")
        if not self.lr > 0:
            raise FreespaceError(f"lr must be > 0, got {self.lr}")
        if not self.seeds or any(s < 0 for s in self.seeds):
            raise FreespaceError("seeds must be integers >= 0")
        half_mm = self.design.aperture_um / 2000
        if not 0 <= self.fov_mm < half_mm:
            raise FreespaceError(f"fov-mm must be in [0, {half_mm:g}) mm (half the {2 * half_mm:g} mm window), "
                                 f"got {self.fov_mm}")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["design"]["grid"] = asdict(self.design.grid)
        return d


def _reference(design: FocusDesign, loss: SpotLoss) -> np.ndarray:
    """Camera field of the clear system (no medium, ideal devices) focused by phase conjugation."""
    clear = FocusSystem(FocusDesign(**{**design.__dict__, "camera": EXACT_CAMERA}), 0, NONE, with_medium=False)
    point = loss.window.astype(complex)[None]
    back = clear.error_pass(point)[0]  # T^T delta: the conjugate of the ideal SLM field
    k = design.segment
    s = design.n_segments
    seg = back.reshape(s, k, s, k).sum(axis=(1, 3))
    clear.program(-np.angle(seg))
    return clear.fields()[0]


def _measure(system: FocusSystem, phases: np.ndarray, reference: np.ndarray) -> dict:
    system.program(phases)
    y = system.fields()[0]
    p = system.design.grid.pitch_um
    return {"fwhm_um": fwhm_um(y, p), "psnr_db": psnr_db(np.abs(y) ** 2, reference), "image": np.abs(y) ** 2}


def _first_below(history: np.ndarray, level: float) -> int | None:
    hit = np.nonzero(history <= level)[0]
    return int(hit[0]) if len(hit) else None


def run_focus(config: FocusConfig, out: str, *, force: bool = False, progress=None) -> dict:
    """Run the focusing comparison, write the run directory, return the summary."""
    t0 = time.perf_counter()
    with RunDir(out, config.as_dict(), owned=OWNED, command="freespace focus", force=force) as run:
        return _focus(run, config, progress, t0)


def _focus(run: RunDir, config: FocusConfig, progress, t0: float) -> dict:
    design = FocusDesign(**{**config.design.__dict__, "medium": config.medium})
    loss = SpotLoss.at(design)
    ref_field = _reference(design, loss)
    ref_fwhm = fwhm_um(ref_field, design.grid.pitch_um)
    reference = np.abs(ref_field) ** 2
    per_seed, histories, images, masks = [], {}, {}, {}
    say = progress or (lambda msg: None)
    for seed in config.seeds:
        say(f"seed {seed}: FFM")
        sys_f = FocusSystem(design, seed, config.imperfections)
        h_ffm, ph_ffm, snaps = run_ffm(sys_f, loss, config.iterations, lr=config.lr,
                                       snapshots=SNAPSHOTS + (config.iterations,))
        ffm_passes = sys_f.passes
        say(f"seed {seed}: PSO")
        sys_p = FocusSystem(design, seed, config.imperfections)
        h_pso, ph_pso = run_pso(sys_p, loss, config.pso_iterations, np.random.default_rng([seed, 1]),
                                particles=config.particles)
        pso_passes = sys_p.passes
        say(f"seed {seed}: random search")
        sys_r = FocusSystem(design, seed, config.imperfections)
        h_rs, ph_rs = run_random_search(sys_r, loss, config.random_iterations, np.random.default_rng([seed, 2]))
        rs_passes = sys_r.passes
        meas = {m: _measure(FocusSystem(design, seed, config.imperfections), ph, reference)
                for m, ph in (("ffm", ph_ffm), ("pso", ph_pso), ("random", ph_rs))}
        pso_final = float(h_pso[-1])
        row = {"seed": seed}
        for m, h, passes in (("ffm", h_ffm, ffm_passes), ("pso", h_pso, pso_passes), ("random", h_rs, rs_passes)):
            row[m] = {"iterations": len(h) - 1, "passes": int(passes), "initial_loss": float(h[0]),
                      "final_loss": float(h[-1]), "iterations_to_pso_final": _first_below(h, pso_final),
                      "fwhm_um": meas[m]["fwhm_um"], "psnr_db": meas[m]["psnr_db"]}
        per_seed.append(row)
        histories[seed] = (h_ffm, h_pso, h_rs)
        if seed == config.seeds[0]:
            images = {"snapshots": snaps, "final": {m: meas[m]["image"] for m in meas}}
        masks[f"seed{seed}_ffm"], masks[f"seed{seed}_pso"], masks[f"seed{seed}_random"] = ph_ffm, ph_pso, ph_rs
    say("field of view")
    fov = _field_of_view(design, config, reference)
    summary = _summarise(config, design, per_seed, fov, ref_fwhm, time.perf_counter() - t0)
    _write(run, config, summary, histories, images, masks, fov, reference)
    return summary


def _field_of_view(design: FocusDesign, config: FocusConfig, reference: np.ndarray) -> dict:
    offs = np.array([-1.0, 0.0, 1.0]) * config.fov_mm * 1000
    seed = config.seeds[0]
    out = {"targets_um": [], "fwhm_um": [], "final_loss": [], "images": []}
    for ty in offs[::-1]:
        for tx in offs:
            loss = SpotLoss.at(design, (float(tx), float(ty)))
            system = FocusSystem(design, seed, config.imperfections)
            _, ph, _ = run_ffm(system, loss, config.fov_iterations, lr=config.lr)
            system.program(ph)
            y = system.fields()[0]
            out["targets_um"].append([float(tx), float(ty)])
            out["fwhm_um"].append(fwhm_um(y, design.grid.pitch_um))
            out["final_loss"].append(float(loss(np.abs(y[None]) ** 2)[0]))
            out["images"].append(np.abs(y) ** 2)
    return out


def _stat(vals):
    v = [x for x in vals if x is not None and np.isfinite(x)]
    if not v:
        return None
    return {"mean": float(np.mean(v)), "std": float(np.std(v)), "min": float(np.min(v)), "n": len(v)}


def _summarise(config, design, per_seed, fov, ref_fwhm, elapsed):
    methods = {}
    for m in ("ffm", "pso", "random"):
        rows = [r[m] for r in per_seed]
        methods[m] = {k: _stat([r[k] for r in rows]) for k in
                      ("final_loss", "fwhm_um", "psnr_db", "iterations_to_pso_final")}
        methods[m]["iterations"] = rows[0]["iterations"]
        methods[m]["passes"] = rows[0]["passes"]
    ffm_hit = methods["ffm"]["iterations_to_pso_final"]
    speedup = (config.pso_iterations / max(ffm_hit["mean"], 1)) if ffm_hit else None
    lim = design.diffraction_limit_um
    return {"task": "focus", "medium": config.medium, "seeds": list(config.seeds),
            "aperture_mm": design.aperture_um / 1000, "distance_m": design.z_camera_um / 1e6,
            "wavelength_nm": design.grid.wavelength_um * 1000, "diffraction_limit_um": lim,
            "reference_fwhm_um": ref_fwhm, "segments": design.n_segments ** 2,
            "methods": methods, "per_seed": per_seed, "ffm_speedup_vs_pso": speedup,
            "fov": {"targets_um": fov["targets_um"], "fwhm_um": fov["fwhm_um"], "final_loss": fov["final_loss"],
                    "fwhm": _stat(fov["fwhm_um"])},
            "elapsed_s": round(float(elapsed), 2)}


def _pm(s, digits=1):
    if s is None:
        return "-"
    return f"{s['mean']:.{digits}f}" if s["n"] == 1 else f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def format_focus(summary: dict) -> str:
    """The text table printed by ``picffm freespace focus``."""
    lim = summary["diffraction_limit_um"]
    lines = [f"Focusing through {summary['medium']} ({summary['segments']} SLM segments): "
             f"{summary['aperture_mm']:.1f} mm aperture, {summary['distance_m']:.3f} m, "
             f"{summary['wavelength_nm']:.0f} nm; seeds {','.join(map(str, summary['seeds']))}",
             f"diffraction limit lambda z / D = {lim:.1f} um (clear system, phase conjugation: "
             f"FWHM {summary['reference_fwhm_um']:.1f} um)", ""]
    header = ["method", "iterations", "passes", "final loss", "iters to PSO final", "FWHM (um)", "FWHM/limit",
              "PSNR (dB)"]
    rows = []
    for m, label in (("ffm", "ffm"), ("pso", "pso"), ("random", "random search")):
        e = summary["methods"][m]
        f = e["fwhm_um"]
        rows.append([label, str(e["iterations"]), str(e["passes"]), _pm(e["final_loss"], 2),
                     _pm(e["iterations_to_pso_final"], 0) if e["iterations_to_pso_final"] else "never",
                     _pm(f), "-" if f is None else f"{f['mean'] / lim:.2f}", _pm(e["psnr_db"], 2)])
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    lines += [fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows]
    fv = summary["fov"]["fwhm"]
    if fv:
        lines += ["", f"FFM across the field of view (3 x 3 targets): FWHM {fv['mean']:.1f} ± {fv['std']:.1f} um, "
                      f"best {fv['min']:.1f} um ({fv['mean'] / lim:.2f} x the limit)"]
    if summary["ffm_speedup_vs_pso"]:
        lines.append(f"FFM reaches PSO's final loss in {summary['ffm_speedup_vs_pso']:.0f}x fewer iterations")
    return "\n".join(lines)


def _write(run: RunDir, config, summary, histories, images, masks, fov, reference):
    run.write_json("metrics.json", summary)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["seed", "method", "iteration", "loss"])
    for seed, hs in histories.items():
        for m, h in zip(("ffm", "pso", "random"), hs):
            w.writerows([seed, m, i, f"{v:.6g}"] for i, v in enumerate(h))
    run.write_text("history.csv", buf.getvalue())
    run.write_npz("masks.npz", **masks)
    plot_focus(run, config, summary, histories, images, fov, reference)
