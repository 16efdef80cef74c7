"""Benchmark the power engine of chapters/03-power-analysis.qmd.

    .venv/bin/python tools/bench_power.py [--runs 5] [--nuts-subset 20]

The engine is not copied here: the script executes the chapter's own code
cells whose ``#| label:`` starts with ``power-simulate`` or ``power-engine``
(and the ``power-nuts-model`` cell for the NUTS comparison), so what is timed
is what the reader sees. It then

1. runs both studies at full size (Kruschke's coin: 8 x 23 x 3,000 = 552,000
   experiments under his uniform audience prior, plus the exact minimal sample
   sizes of his Table 13.1; the A/B design: 5 x 9 x 700 = 31,500 experiments
   x 3 priors) ``--runs`` times after one warm-up run (JIT compilation), and
   prints the median wall and CPU time;
2. fits a random subset of the A/B experiments with NUTS (the chapter's
   vectorised PyMC models, book sampling defaults) and with the engine, and
   prints the speed-up on that subset and the extrapolated NUTS time for the
   full study.

Wall times depend on what else the machine is running; CPU time divided by
the number of cores is a load-independent estimate of idle wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "03-power-analysis.qmd"
sys.path.insert(0, str(ROOT / "chapters"))

sys.path.insert(0, str(ROOT / "tools"))
from qmd_to_ipynb import code_cells  # noqa: E402  (the book's one parser of chapter cells)


def load_cells(prefixes: tuple[str, ...]) -> dict:
    """Execute the chapter's cells whose label starts with one of ``prefixes``."""
    import numpy as np
    import pandas as pd
    import pymc as pm  # the power-nuts-model cell uses the chapter's `pm`

    # the chapter's Prerequisites cell imports these before any labelled cell runs
    namespace: dict = {"__name__": "power_engine", "pm": pm, "np": np, "pd": pd}
    found = []
    for options, source in code_cells(CHAPTER.read_text()):
        label = options.get("label", "")
        if label.startswith(prefixes):
            found.append(label)
            exec(compile(source, f"{CHAPTER.name}#{label}", "exec"), namespace)
    if not found:
        raise RuntimeError(f"no cells labelled {prefixes} in {CHAPTER}")
    print("loaded chapter cells:", ", ".join(found))
    return namespace


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed full-size runs after a warm-up")
    parser.add_argument("--nuts-subset", type=int, default=20, help="A/B experiments refitted with NUTS per prior")
    parser.add_argument("--seed", type=int, default=20260415)
    args = parser.parse_args()

    import numpy as np

    eng = load_cells(("power-simulate", "power-engine", "power-nuts-model"))
    priors = ["flat", "informative", "correlated"]
    coin_omegas = np.round(np.arange(0.50, 0.851, 0.05), 2)
    coin_sizes = np.arange(10, 451, 20)
    ab_lifts = np.array([-0.25, -0.125, 0.0, 0.125, 0.25])
    ab_sizes = np.linspace(100, 80_000, 9).astype(int)

    def full_run(seed):
        rng = np.random.default_rng(seed)
        eng["coin_decisions"].cache_clear()  # time the exact table from scratch in every run
        table = [eng["min_n_for_hdi_power"](eng["exact_coin_power"](omega, 450, 1.0, 1.0)["power"], desired)
                 for omega in (0.60, 0.65, 0.70) for desired in (0.8, 0.9)]
        assert table == [309, 430, 109, 150, 52, 74], table  # DBDA2 Table 13.1
        coin = eng["coin_study"](eng["simulate_coin"](rng, coin_omegas, coin_sizes, 3000), 1.0, 1.0, (0.48, 0.52), 0.95)
        sim = eng["simulate_ab"](rng, ab_lifts, ab_sizes, 700)
        ab = [eng["ab_study"](sim, prior, (-0.02, 0.02), 0.94) for prior in priors]
        return len(coin) + sum(len(a) for a in ab)

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    n_post, wall, cpu = timed(lambda: full_run(args.seed))
    print(f"warm-up (includes JIT compilation): {wall:.1f} s wall, {cpu:.1f} s CPU, {n_post:,} posteriors")
    walls, cpus = [], []
    for run in range(args.runs):
        _, wall, cpu = timed(lambda: full_run(args.seed + 1 + run))
        walls.append(wall)
        cpus.append(cpu)
        print(f"run {run + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU")
    med_wall, med_cpu = statistics.median(walls), statistics.median(cpus)
    print(f"MEDIAN full size (both studies): {med_wall:.1f} s wall, {med_cpu:.1f} s CPU "
          f"(~{med_cpu / os.cpu_count():.1f} s on {os.cpu_count()} idle cores)")

    # --- NUTS on a subset, against the engine on the same experiments --------------
    import helpers
    import pymc as pm

    rng = np.random.default_rng(args.seed)
    sim = eng["simulate_ab"](rng, ab_lifts, ab_sizes, 700)
    subset = sim.iloc[rng.choice(len(sim), size=args.nuts_subset, replace=False)]
    nuts_total = engine_total = 0.0
    for prior in priors:
        def fit():
            with eng["build_batched_model"](prior, subset.n.to_numpy(), subset.n_control.to_numpy(),
                                            subset.n_treatment.to_numpy()):
                return pm.sample(**helpers.sample_kwargs(args.seed))
        idata, nuts_wall, _ = timed(fit)
        helpers.check_convergence(idata, ["conversion_rate_control", "relative_lift"], name=f"NUTS {prior}")
        eng["ab_study"](subset, prior, (-0.02, 0.02), 0.94)  # warm (compiled above; same chunk shape)
        _, engine_wall, _ = timed(lambda: eng["ab_study"](subset, prior, (-0.02, 0.02), 0.94))
        nuts_total += nuts_wall
        engine_total += engine_wall
        print(f"{prior:12s} NUTS {nuts_wall:6.1f} s, engine {engine_wall:6.3f} s on {args.nuts_subset} experiments")
    per_experiment = nuts_total / (args.nuts_subset * len(priors))
    print(f"SPEED-UP on the same subset: {nuts_total / engine_total:,.0f}x "
          f"(NUTS {nuts_total:.1f} s vs engine {engine_total:.2f} s; the engine pads to a 2,048-row chunk)")
    print(f"NUTS extrapolated to the A/B study ({len(sim) * len(priors):,} posteriors, batches of "
          f"{args.nuts_subset}): {per_experiment * len(sim) * len(priors) / 60:,.0f} min wall here")


if __name__ == "__main__":
    main()
