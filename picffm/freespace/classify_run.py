"""``picffm freespace classify``: units, run directory, resume, parallel workers, table and plots.

A run trains one *unit* per (layers, seed, method) with method ``ideal`` or
``ffm``; ``insilico`` deploys each finished ideal unit on the same seed's
real system. Every finished unit is written at once to ``units/<key>.npz``
(a state file of :mod:`picffm.runs.statefile`: history, accuracies, passes
and masks, read back without pickle), so an interrupted run keeps it and
``resume`` skips it; a file in ``units/`` that is not a unit of this run, or
cannot be read, is refused with one line naming it. The directory is locked
while the run writes (:mod:`picffm.freespace.rundir`). Units are independent
and seeded by (seed, layers), so results do not depend on the number of
worker processes or on the order they finish in.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import time

import numpy as np

from .classify import ClassifyConfig, UnitResult, deploy, train_unit
from .data import Dataset, load_digits, load_local
from ..runs.statefile import StateFileError
from .rundir import CONFIG, RunDir

__all__ = ["run_classify", "format_classify", "load_data", "unit_key"]

UNITS = "units"
#: every entry a classify run writes (what --force deletes)
OWNED = (CONFIG, UNITS, "metrics.json", "history.csv", "learning_curves.png", "masks.png")
_UNIT_KIND = "picffm-freespace-classify-unit"


def unit_key(layers: int, seed: int, method: str) -> str:
    return f"L{layers}-s{seed}-{method}"


def load_data(config: ClassifyConfig, seed: int) -> Dataset:
    """The unit's dataset: digits split with ``seed``, or the user's files (subset drawn with ``seed``)."""
    data = load_digits(seed) if config.data is None else load_local(config.data)
    return data.subset(config.train_samples, config.test_samples, np.random.default_rng([seed, 3]))


def _train(config_dict: dict, layers: int, seed: int, method: str) -> UnitResult:
    # worker entry point: a fresh process rebuilds everything from plain data
    from threadpoolctl import threadpool_limits

    config = ClassifyConfig.from_dict(config_dict)
    with threadpool_limits(1):
        return train_unit(config, load_data(config, seed), layers, seed, method)


def _save(run: RunDir, r: UnitResult) -> None:
    run.save_state(f"{UNITS}/{unit_key(r.layers, r.seed, r.method)}.npz", _UNIT_KIND,
                   {**r.as_json(), "masks": r.masks})


def _load(run: RunDir, key: str) -> UnitResult | None:
    name = f"{UNITS}/{key}.npz"
    if not run.file(name).is_file():
        return None
    doc = run.load_state(name, _UNIT_KIND)
    try:
        r = UnitResult(**doc)
        ok = unit_key(r.layers, r.seed, r.method) == key and isinstance(r.masks, np.ndarray)
    except TypeError:
        ok = False
    if not ok:
        raise StateFileError(f"{run.file(name)}: not the unit {key} of this run; delete it, or start again "
                             "with --force")
    return r


def _check_units(run: RunDir, keys: set[str]) -> None:
    """Refuse anything in ``units/`` that is not a unit of this run (temporary files aside)."""
    for p in sorted(run.file(UNITS).iterdir()):
        if not p.name.startswith(".") and (p.suffix != ".npz" or p.stem not in keys or not p.is_file()
                                           or p.is_symlink()):
            raise StateFileError(f"{p}: not a unit of this run (unknown file); remove it, or start again "
                                 "with --force")


def run_classify(config: ClassifyConfig | None, out: str, *, resume: bool = False, force: bool = False,
                 workers: int = 1, progress=None) -> dict:
    """Train every unit not yet in ``out`` (in ``workers`` processes), deploy in silico, report."""
    t0 = time.perf_counter()
    if not resume and config.data is not None:
        load_local(config.data)  # fail early, in one line, before anything is written
    with RunDir(out, None if resume else config.as_dict(), owned=OWNED, command="freespace classify",
                force=force, resume=resume) as run:
        if resume:
            config = ClassifyConfig.from_dict({k: v for k, v in run.config.items() if k != "command"})
        return _run(run, config, workers, progress, t0)


def _run(run: RunDir, config: ClassifyConfig, workers: int, progress, t0: float) -> dict:
    run.file(UNITS).mkdir(exist_ok=True)
    todo = [(L, s, m) for L in config.layers for s in config.seeds for m in ("ideal", "ffm")]
    _check_units(run, {unit_key(L, s, m) for L in config.layers for s in config.seeds
                       for m in ("ideal", "ffm", "insilico")})
    results = {}
    for L, s, m in todo:
        r = _load(run, unit_key(L, s, m))
        if r is not None:
            results[(L, s, m)] = r
    pending = [u for u in todo if u not in results]
    say = progress or (lambda msg: None)
    say(f"{len(results)} unit(s) done, {len(pending)} to train with {workers} worker(s)")
    if workers <= 1 or len(pending) <= 1:
        for L, s, m in pending:
            r = train_unit(config, load_data(config, s), L, s, m)
            _save(run, r)
            results[(L, s, m)] = r
            say(f"{unit_key(L, s, m)}: test accuracy {100 * r.test_acc:.1f} % ({r.seconds:.0f} s)")
    else:
        ctx = mp.get_context("spawn")
        pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=ctx)
        try:
            futs = {pool.submit(_train, config.as_dict(), *u): u for u in pending}
            for fut in cf.as_completed(futs):
                u = futs[fut]
                r = fut.result()
                _save(run, r)
                results[u] = r
                say(f"{unit_key(*u)}: test accuracy {100 * r.test_acc:.1f} % ({r.seconds:.0f} s)")
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    for L in config.layers:
        for s in config.seeds:
            key = unit_key(L, s, "insilico")
            r = _load(run, key)
            if r is None:
                r = deploy(config, load_data(config, s), results[(L, s, "ideal")])
                _save(run, r)
            results[(L, s, "insilico")] = r
    summary = summarise(config, results, time.perf_counter() - t0)
    run.write_json("metrics.json", summary)
    _history_csv(run, config, results)
    _plots(run, config, results, summary)
    return summary


def _stat(vals):
    v = [float(x) for x in vals]
    return {"mean": float(np.mean(v)), "std": float(np.std(v)), "per_seed": v, "n": len(v)}


def summarise(config: ClassifyConfig, results: dict, elapsed: float) -> dict:
    layers = {}
    for L in config.layers:
        layers[str(L)] = {m: {"test_acc": _stat([100 * results[(L, s, m)].test_acc for s in config.seeds]),
                              "train_acc": _stat([100 * results[(L, s, m)].train_acc for s in config.seeds]),
                              "passes_per_sample": results[(L, config.seeds[0], m)].passes_per_sample,
                              "seconds": float(sum(results[(L, s, m)].seconds for s in config.seeds))}
                          for m in ("ideal", "insilico", "ffm")}
    return {"task": "classify", "data": config.data or "digits", "layers": list(config.layers),
            "seeds": list(config.seeds), "epochs": config.epochs, "grid": config.grid_n,
            "pitch_um": config.pitch_um, "z_mm": config.z_um / 1000, "activation": config.activation,
            "imperfections": config.imperfections.as_dict(), "results": layers, "elapsed_s": round(elapsed, 2)}


def _pm(s):
    return f"{s['mean']:.1f}" if s["n"] == 1 else f"{s['mean']:.1f} ± {s['std']:.1f}"


def format_classify(summary: dict) -> str:
    """The text table printed by ``picffm freespace classify``."""
    lines = [f"Diffractive network on {summary['data']} ({summary['grid']} x {summary['grid']} grid, "
             f"{summary['pitch_um']:g} um pitch, {summary['z_mm']:g} mm per stage, {summary['activation']} "
             f"between stages), {summary['epochs']} epochs, seeds {','.join(map(str, summary['seeds']))}", "",
             "Test accuracy (%), mean ± std over seeds"]
    header = ["layers", "ideal", "insilico", "ffm", "ffm - ideal", "insilico - ideal"]
    rows = []
    for L, r in summary["results"].items():
        i, s, f = (r[m]["test_acc"]["mean"] for m in ("ideal", "insilico", "ffm"))
        rows.append([L, _pm(r["ideal"]["test_acc"]), _pm(r["insilico"]["test_acc"]), _pm(r["ffm"]["test_acc"]),
                     f"{f - i:+.1f}", f"{s - i:+.1f}"])
    widths = [max(len(x[k]) for x in [header] + rows) for k in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    lines += [fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows]
    ppu = {L: r["ffm"]["passes_per_sample"] for L, r in summary["results"].items()}
    lines += ["", "Optical passes per training sample with FFM (L data + 2L - 1 error passes): "
              + ", ".join(f"{L} layers {v:.2f}" for L, v in ppu.items())]
    return "\n".join(lines)


def _history_csv(run: RunDir, config: ClassifyConfig, results: dict) -> None:
    rows = ["layers,seed,method,epoch,train_loss,test_acc"]
    for (L, s, m), r in sorted(results.items()):
        for e, (loss, acc) in enumerate(zip(r.train_loss, r.test_acc_history), 1):
            rows.append(f"{L},{s},{m},{e},{loss:.6g},{acc:.6g}")
    run.write_text("history.csv", "\n".join(rows) + "\n")


def _plots(run: RunDir, config: ClassifyConfig, results: dict, summary: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..palette import method_color

    fig, axes = plt.subplots(1, len(config.layers), figsize=(4.2 * len(config.layers), 3.9), squeeze=False,
                             layout="constrained")
    for ax, L in zip(axes[0], config.layers):
        for m in ("ideal", "ffm"):
            for k, s in enumerate(config.seeds):
                h = results[(L, s, m)].test_acc_history
                ax.plot(np.arange(1, len(h) + 1), 100 * np.array(h), color=method_color(m), alpha=0.8,
                        label=m if k == 0 else None)
        ins = summary["results"][str(L)]["insilico"]["test_acc"]["mean"]
        ax.axhline(ins, color=method_color("insilico"), ls="--", label="insilico (deployed, mean)")
        ax.set_title(f"{L} layer(s)")
        ax.set_xlabel("epoch")
        ax.set_ylabel("test accuracy (%)")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    fig.suptitle("Free-space classification: test accuracy per epoch, one line per seed", fontsize=10)
    run.save_figure(fig, "learning_curves.png")
    plt.close(fig)

    L, s = config.layers[0], config.seeds[0]
    fig, axes = plt.subplots(2, L, figsize=(2.6 * L, 5.0), squeeze=False)
    for k in range(L):
        for row, m in enumerate(("ideal", "ffm")):
            a = axes[row][k]
            a.imshow(np.mod(results[(L, s, m)].masks[k], 2 * np.pi), cmap="twilight", vmin=0, vmax=2 * np.pi)
            a.set_title(f"{m} mask {k + 1}", fontsize=8)
            a.set_xticks([]), a.set_yticks([])
    run.save_figure(fig, "masks.png")
    plt.close(fig)

