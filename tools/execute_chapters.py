"""Execute the book's chapters on every core before Quarto assembles the book.

    .venv/bin/python tools/execute_chapters.py QUARTO_BIN CHAPTER.qmd... [--jobs N]   # `make book` runs it

A book render executes its chapters one after another, and a chapter is mostly one
busy core (model compilation, NumPy, JAX), so on a laptop the other cores idle. This
renders the chapters as separate ``quarto render chapters/NN.qmd --use-freezer``
processes, ``--jobs`` at a time (default: the number of cores), longest first (by the
time each took last, ``.cache/chapter-times.json``). A chapter whose frozen result is
current is skipped, by Quarto's own rule (the MD5 of its source, line endings made LF,
equals the ``hash`` in ``_freeze/<path>/execute-results/html.json``); ``--use-freezer``
keeps that rule inside Quarto too. The frozen results land in ``_freeze/``; the book
render that follows (``quarto render``) then executes no chapter and only assembles
the site.

Each process's output goes to ``.cache/render-logs/NN-name.log``; a failing chapter
stops the build with the end of its log.

One input Quarto cannot see is the seed study (``make seeds`` writes
``_results/seed-study.json`` and ``seed-study-runs.json``): a chapter that records a
fragile claim prints how often the study found it holding. When the study's files
change (or appear, or go), the frozen results of exactly those chapters are dropped, so
they execute again; the rest of the book stays frozen.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMES = ROOT / ".cache" / "chapter-times.json"
LOGS = ROOT / ".cache" / "render-logs"
#: The seed study's output, read by chapters with fragile claims (helpers.study_frequency).
STUDY_FILES = ("_results/seed-study.json", "_results/seed-study-runs.json")
STUDY_KEY = Path(".cache") / "study-key"
#: How a chapter shows it reads the study: a ledger entry marked fragile, or a direct read.
READS_STUDY = re.compile(rb"\bfragile\s*=|\bstudy_frequency\s*\(")


def freeze_dir(chapter: Path, root: Path = ROOT) -> Path:
    """Where Quarto keeps a chapter's frozen results: _freeze/<path without .qmd>/."""
    return root / "_freeze" / chapter.resolve().relative_to(root.resolve()).with_suffix("")


def frozen_is_current(chapter: Path, root: Path = ROOT) -> bool:
    """Quarto's freeze test (src/command/render/freeze.ts, freezeInputHash): the frozen
    result is reused when it records the MD5 of the chapter's source with LF line endings."""
    frozen = freeze_dir(chapter, root) / "execute-results" / "html.json"
    try:
        recorded = json.loads(frozen.read_text())["hash"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return recorded == hashlib.md5(chapter.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def study_key(root: Path = ROOT) -> str:
    """MD5 of the seed study's files as they are now ('absent' for a missing one)."""
    digest = hashlib.md5()
    for name in STUDY_FILES:
        path = root / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"absent")
    return digest.hexdigest()


def forget_stale_study(chapters: list[Path], root: Path = ROOT) -> list[Path]:
    """Drop the frozen results of the chapters that read the seed study when its files
    changed since the last build, or when no build recorded which study they saw; return
    the chapters whose frozen results were dropped."""
    key_path = root / STUDY_KEY
    key = study_key(root)
    try:
        previous = key_path.read_text().strip()
    except OSError:
        previous = None
    dropped: list[Path] = []
    if previous != key:
        for chapter in chapters:
            if not READS_STUDY.search(chapter.read_bytes()):
                continue
            frozen = freeze_dir(chapter, root)
            # the same relative path under .quarto/_freeze, which the Makefile empties with _freeze/
            present = [d for d in (frozen, root / ".quarto" / frozen.relative_to(root)) if d.exists()]
            for directory in present:
                shutil.rmtree(directory)
            if present:
                dropped.append(chapter)
        key_path.parent.mkdir(parents=True, exist_ok=True)
        key_path.write_text(key + "\n")
    return dropped


def load_times() -> dict[str, float]:
    """Seconds each chapter took when it last executed; a missing or damaged record is empty."""
    try:
        return json.loads(TIMES.read_text())
    except (OSError, ValueError):
        return {}


def longest_first(paths: list[Path], seconds: dict[str, float]) -> list[Path]:
    """Order by the last measured time, longest first (unknown chapters lead): with
    two workers the long chapters then do not end up together at the end."""
    return sorted(paths, key=lambda p: -float(seconds.get(p.stem, float("inf"))))


def render(quarto: str, chapter: Path, profile: str) -> tuple[Path, int, float]:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{chapter.stem}.log"
    start = time.monotonic()
    with log.open("w") as out:
        rc = subprocess.call(
            [quarto, "render", str(chapter.relative_to(ROOT)), "--profile", profile, "--use-freezer"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    return chapter, rc, time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("quarto", help="the Quarto binary")
    parser.add_argument("chapters", nargs="+", type=Path, help="the chapters' .qmd files")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="chapters rendered at once (default: the number of cores)")
    parser.add_argument("--profile", default="book")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    missing = [str(ch) for ch in args.chapters if not ch.is_file()]
    if missing:
        parser.error(f"no such chapter: {', '.join(missing)}")
    for chapter in forget_stale_study(args.chapters):
        print(f"the seed study changed: {chapter} executes again (it reports the study's frequencies)",
              flush=True)
    times = load_times()
    todo = longest_first([ch.resolve() for ch in args.chapters if not frozen_is_current(ch.resolve())], times)
    if not todo:
        print("every chapter's frozen result is current: nothing to execute", flush=True)
        return 0
    print(f"executing {len(todo)} chapters, {args.jobs} at a time (logs: {LOGS.relative_to(ROOT)}/)",
          flush=True)
    start = time.monotonic()
    seconds: dict[str, float] = {}
    failed: list[Path] = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(render, args.quarto, ch, args.profile) for ch in todo]
        for future in as_completed(futures):
            chapter, rc, took = future.result()
            seconds[chapter.stem] = round(took, 1)
            print(f"  {chapter.stem:<28} {took:7.1f} s  {'ok' if rc == 0 else f'FAILED (exit {rc})'}",
                  flush=True)
            if rc != 0:
                failed.append(chapter)
    print(f"chapters done in {time.monotonic() - start:.0f} s", flush=True)

    # Every chapter rendered here was stale, so each time is an execution's.
    times.update(seconds)
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    TIMES.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")

    for chapter in failed:
        lines = (LOGS / f"{chapter.stem}.log").read_text(errors="replace").splitlines()
        print(f"\n--- {chapter.stem} failed; last lines of {LOGS.relative_to(ROOT)}/{chapter.stem}.log ---",
              file=sys.stderr)
        print("\n".join(lines[-40:]), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
