"""The seed study: how often does each chapter's headline claim hold on fresh data?

    .venv/bin/python tools/seed_study.py                 # every taking-part chapter, K = 20
    .venv/bin/python tools/seed_study.py --k 2 --smoke   # what CI runs: keeps the code alive
    .venv/bin/python tools/seed_study.py --chapters 06-fixed-random-effects --k 20

A chapter whose data are simulated takes part by tagging cells
``#| tags: [seed-study]``. The study executes the chapter's first (setup) cell
and its tagged cells, in order, so the model code is the chapter's own and is
never written twice. The last tagged cell must define

    seed_study(data_seed: int) -> dict[str, dict]

which regenerates the chapter's data set with ``data_seed`` (a *data* seed:
the generator draws a new data set), refits the headline models and returns
ledger entries made with ``helpers.ledger_entry`` (the same rule, reference
and contrast as the chapter's ledger).

Data seeds are ``helpers.chapter_seed("<chapter>:data", base=k)`` for
k = 1..K: fixed in advance, never chosen for their result, and different from
the seed of the committed CSV. Sampling runs under ``BOOK_STUDY=1`` (the
book's sampler with ``helpers.STUDY_SAMPLING``, one core per fit; the study
runs ``--jobs`` fits at once).

Writes ``_results/seed-study.json``:
``{"<chapter>": {"<ledger key>": {"n": K, "holds": k, "check": "<rule>"}}}``
(entries with ``check="none"`` claim nothing and are left out), merged into
an existing file chapter by chapter, and ``_results/seed-study-runs.json``
with every entry of every fit and, per chapter, the wall time and where the study
ran (date, commit, cores, jobs): the appendix prints them.

A claim must hold in at least 90% of the data sets (``helpers.STUDY_MIN_SHARE``)
or be marked fragile in its chapter (``ledger_entry(..., fragile="why")``); a
full-quality study with K >= 20 exits non-zero on a claim that is neither.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS_DIR = ROOT / "chapters"
TAG = "seed-study"
sys.path.insert(0, str(ROOT / "tools"))
from qmd_to_ipynb import code_cells  # noqa: E402  (the book's one parser of chapter cells)

_NAMESPACE: dict = {}


def study_cells(chapter: str) -> list[tuple[str, str]]:
    """(name, source) of the setup cell and every cell tagged ``seed-study``."""
    path = CHAPTERS_DIR / f"{chapter}.qmd"
    if not path.exists():
        raise FileNotFoundError(f"no chapter {path}")
    cells = code_cells(path.read_text())
    tagged = [(opts.get("label", f"cell {i}"), src) for i, (opts, src) in enumerate(cells)
              if TAG in opts.get("tags", "")]
    if not tagged:
        return []
    first_opts, first_src = cells[0]
    return [(first_opts.get("label", "setup"), first_src), *tagged]


def taking_part() -> list[str]:
    return [p.stem for p in sorted(CHAPTERS_DIR.glob("[0-9][0-9]-*.qmd")) if study_cells(p.stem)]


def data_seeds(chapter: str, k: int) -> list[int]:
    import helpers

    return [helpers.chapter_seed(f"{chapter}:data", base=i) for i in range(1, k + 1)]


def _load(chapter: str) -> None:
    """Worker start-up: execute the chapter's study cells once (models compile once)."""
    import matplotlib

    matplotlib.use("Agg")
    sys.path.insert(0, str(CHAPTERS_DIR))
    os.chdir(CHAPTERS_DIR)
    namespace: dict = {"__name__": f"seed_study_{chapter.replace('-', '_')}"}
    for name, source in study_cells(chapter):
        exec(compile(source, f"{chapter}.qmd#{name}", "exec"), namespace)
    if not callable(namespace.get("seed_study")):
        raise RuntimeError(f"{chapter}: the cells tagged {TAG} define no seed_study(data_seed)")
    _NAMESPACE.clear()
    _NAMESPACE.update(namespace)


def _run(data_seed: int) -> tuple[dict, list[dict]]:
    """One data set: the ledger entries and the convergence of every fit (helpers.STUDY_LOG)."""
    import helpers
    import matplotlib.pyplot as plt

    helpers.STUDY_LOG.clear()
    entries = _NAMESPACE["seed_study"](int(data_seed))
    plt.close("all")
    if not isinstance(entries, dict) or not entries:
        raise RuntimeError("seed_study must return a non-empty dict of ledger entries")
    return entries, list(helpers.STUDY_LOG)


def study_chapter(chapter: str, k: int, jobs: int) -> tuple[dict, list[dict], float]:
    seeds = data_seeds(chapter, k)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=min(jobs, k), mp_context=get_context("spawn"),
                             initializer=_load, initargs=(chapter,)) as pool:
        results = list(pool.map(_run, seeds))
    wall = time.perf_counter() - start
    runs = [entries for entries, _ in results]
    summary: dict[str, dict] = {}
    for entries in runs:
        for key, entry in entries.items():
            if entry["check"] == "none":
                continue
            row = summary.setdefault(key, {"n": 0, "holds": 0, "check": entry["check"]})
            row["n"] += 1
            row["holds"] += int(bool(entry["passes"]))
    fits = [{"data_seed": s, "entries": e, "convergence": c} for s, (e, c) in zip(seeds, results)]
    return summary, fits, wall


def provenance(jobs: int) -> dict:
    """When and on what the study ran: the appendix prints it beside each chapter's table."""
    import datetime
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit, "cores": os.cpu_count() or 1, "jobs": jobs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=20, help="fresh data sets per chapter (default 20)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="fits at once")
    parser.add_argument("--chapters", nargs="*", help="chapter stems (default: every taking part)")
    parser.add_argument("--smoke", action="store_true", help="smoke-mode sampling (CI)")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default _results/)")
    args = parser.parse_args(argv)
    if args.k < 1 or args.jobs < 1:
        parser.error("--k and --jobs must be positive")
    os.environ["BOOK_STUDY"] = "1"
    os.environ["BOOK_SMOKE"] = "1" if args.smoke else "0"
    os.environ.setdefault("MPLBACKEND", "Agg")
    # Workers' setup cells open ledgers: keep them away from the book's own.
    os.environ["BOOK_RESULTS_DIR"] = tempfile.mkdtemp(prefix="seed-study-ledgers-")
    sys.path.insert(0, str(CHAPTERS_DIR))
    chapters = args.chapters or taking_part()
    unknown = [c for c in chapters if not study_cells(c)]
    if unknown:
        parser.error(f"chapters without cells tagged {TAG}: {unknown}")
    out = args.out or ROOT / "_results"
    out.mkdir(parents=True, exist_ok=True)
    summary_path, runs_path = out / "seed-study.json", out / "seed-study-runs.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    runs = json.loads(runs_path.read_text()) if runs_path.exists() else {}
    total = time.perf_counter()
    unmarked = []
    for chapter in chapters:
        table, fits, wall = study_chapter(chapter, args.k, args.jobs)
        summary[chapter] = table
        runs[chapter] = {"k": args.k, "smoke": args.smoke, "wall_s": round(wall, 1),
                         **provenance(args.jobs), "fits": fits}
        summary_path.write_text(json.dumps(summary, indent=2) + "\n")
        runs_path.write_text(json.dumps(runs, indent=2) + "\n")
        print(f"{chapter}: K = {args.k} data sets in {wall:.0f} s")
        sampled = [fit for run in fits for fit in run["convergence"]]
        if sampled:
            import helpers

            print(f"  {helpers.study_convergence_summary(sampled)}")
        import helpers

        marked = {key for run in fits for key, entry in run["entries"].items() if entry.get("fragile")}
        for key, row in table.items():
            share = row["holds"] / row["n"]
            flag = ""
            if share < helpers.STUDY_MIN_SHARE:
                flag = "   < 90%, marked fragile" if key in marked else "   < 90%, NOT MARKED FRAGILE"
                if key not in marked:
                    unmarked.append(f"{chapter}/{key}")
            elif key in marked:
                flag = "   marked fragile, held in >= 90% this time"
            print(f"  {key:<40} {row['check']:<12} {row['holds']:>3}/{row['n']:<3} {share:6.0%}{flag}")
    print(f"seed study: {len(chapters)} chapters in {time.perf_counter() - total:.0f} s -> {summary_path}")
    # A claim the book makes holds in >= 90% of fresh data sets, or its chapter marks it fragile
    # (ledger_entry(fragile=...)) and says why. Only a full-quality study with K >= 20 can tell.
    if unmarked and not args.smoke and args.k >= 20:
        raise SystemExit(f"claims below 90% that their chapters do not mark fragile: {', '.join(unmarked)}")


if __name__ == "__main__":
    main()
