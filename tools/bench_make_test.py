"""Time `make test` as a new reader meets it: fresh clones, empty compile caches.

    .venv/bin/python tools/bench_make_test.py [--runs 3] [--rev HEAD] [--keep DIR]

Each run clones the repository at ``--rev`` into a new temporary directory, links this
checkout's built ``.venv`` into it (the target is "the venv built"; ``make -o`` keeps it
as it is), points PyTensor's
compile cache (which holds Numba's) at an empty directory inside the clone, and runs
``make test`` with ``CI=true`` and ``--durations=0``. It prints, per run, the wall time
and the time of each stage (the sum of its tests' durations, which on two workers is
about twice its share of the wall time), then the median wall time. The runs are
sequential; the numbers depend on what else the machine runs, so run it on a quiet
machine, or say that it was not.

Stages: the notebooks (``.test-notebooks/``), the tiny seed study
(``tests/test_seed_study.py``), the determinism checks (``tests/test_determinism.py``:
chapter 1 re-run on an empty cache, cold and warm cache probes) and the unit tests
(everything else). ``--keep DIR`` copies each run's smoke ledgers to ``DIR/run-N/`` so
that runs can be compared file by file.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATION = re.compile(r"^([0-9.]+)s (?:call|setup|teardown)\s+(\S+)")


def stage(test_id: str) -> str:
    path = test_id.split("::")[0]
    if path.startswith(".test-notebooks/"):
        return "notebooks"
    return {"tests/test_seed_study.py": "seed study", "tests/test_determinism.py": "determinism"}.get(path, "unit")


def one_run(rev: str, keep: Path | None, number: int) -> tuple[float, dict[str, float], str]:
    venv = ROOT / ".venv"
    if not (venv / "bin" / "python").exists():
        sys.exit("no built .venv in this checkout: run `make venv` first")
    with tempfile.TemporaryDirectory(prefix="bench-make-test-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", rev], check=True)
        (clone / ".venv").symlink_to(venv)
        env = {**os.environ, "CI": "true", "MPLBACKEND": "Agg", "PYTEST_ADDOPTS": "--durations=0",
               "PYTENSOR_FLAGS": f"base_compiledir={clone / '.cache' / 'pytensor'}"}
        start = time.perf_counter()
        out = subprocess.run(["make", "-o", ".venv/.installed", "test"], cwd=clone, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        stages: dict[str, float] = collections.Counter()
        for line in out.stdout.splitlines():
            match = DURATION.match(line.strip())
            if match:
                stages[stage(match.group(2))] += float(match.group(1))
        summary = [line for line in out.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
        if out.returncode != 0:
            print(out.stdout[-5000:], out.stderr[-3000:], sep="\n")
            sys.exit(f"run {number}: make test failed (exit {out.returncode})")
        if keep is not None:
            target = keep / f"run-{number}"
            target.mkdir(parents=True, exist_ok=True)
            for ledger in (clone / ".test-results").rglob("*.json"):
                dest = target / ledger.relative_to(clone / ".test-results")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(ledger, dest)
        return wall, dict(stages), "; ".join(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--keep", type=Path, default=None, help="copy each run's smoke ledgers here")
    args = parser.parse_args()
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.rev],
                         check=True, capture_output=True, text=True).stdout.strip()
    print(f"make test on fresh clones of {rev}, {os.cpu_count()} cores, empty compile caches")
    walls = []
    for number in range(1, args.runs + 1):
        wall, stages, summary = one_run(rev, args.keep, number)
        walls.append(wall)
        parts = ", ".join(f"{name} {stages.get(name, 0):.0f} s" for name in
                          ("notebooks", "seed study", "determinism", "unit"))
        print(f"run {number}: {wall:.0f} s wall ({summary}); test time by stage: {parts}", flush=True)
    print(f"median of {len(walls)}: {statistics.median(walls):.0f} s "
          f"(runs: {', '.join(f'{w:.0f}' for w in walls)} s)")


if __name__ == "__main__":
    main()
