"""Execute one or more chapters as notebooks, without Quarto, and time them.

    python tools/run_chapter.py chapters/02-ab-testing.qmd          # full quality
    BOOK_SMOKE=1 python tools/run_chapter.py chapters/*.qmd          # smoke mode

Each chapter is converted with qmd_to_ipynb, run in a fresh kernel from
``chapters/`` and saved, executed, to ``_executed/<stem>.ipynb``. The wall time
of each chapter is printed, with every convergence line the chapter printed
(``helpers.check_convergence``: max r_hat, ESS, divergences per model); the
exit status is non-zero if any cell fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qmd_to_ipynb import convert  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def convergence_lines(nb) -> list[str]:
    """The lines ``helpers.check_convergence`` printed, in cell order."""
    lines = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                lines += [line for line in output.get("text", "").splitlines() if "max r_hat" in line]
    return lines


def run(path: Path, timeout: int) -> float:
    nb = convert(path.read_text(), check_inline=True)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.resolve().parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        out = ROOT / "_executed"
        out.mkdir(exist_ok=True)
        nbformat.write(nb, out / f"{path.stem}.ipynb")
        for line in convergence_lines(nb):
            print(f"  {path.stem}: {line}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=1800, help="per-cell timeout in seconds")
    args = parser.parse_args()
    failed = []
    for chapter in args.chapters:
        try:
            seconds = run(chapter, args.timeout)
            print(f"{chapter.stem}: ok in {seconds:.1f} s")
        except CellExecutionError as err:
            failed.append(chapter.stem)
            print(f"{chapter.stem}: FAILED\n{err}")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
