"""Hand the book's executed chapters to Quarto's embed cache, so the deck reuses them.

    .venv/bin/python tools/embed_cache.py      # `make book` runs it after rendering

The book renders with ``keep-ipynb: true``: every chapter it executed leaves its
executed notebook, ``chapters/NN-name.quarto_ipynb`` (``make book`` deletes the
previous render's first: Quarto never overwrites one, it writes ``..._1`` beside it, and
the parallel chapter renders leave several per chapter). A chapter taken from the freeze
leaves an unexecuted notebook, which is skipped. The deck embeds figures with
``{{< embed chapters/NN-name.qmd#fig-... >}}``; for each embedded chapter Quarto looks
for ``.quarto/embed/chapters/NN-name.embed.ipynb`` and, when it is newer than the
chapter, uses its outputs instead of executing the chapter again. This copies each
executed notebook there. A chapter edited after the book was rendered is newer than
its copy, so Quarto executes it again: the deck is never stale.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def was_executed(notebook: Path) -> bool:
    """Did this render execute the notebook? A chapter Quarto took from its freeze also
    leaves a ``.quarto_ipynb``, with no outputs: handing that over would blank the deck."""
    cells = json.loads(notebook.read_text()).get("cells", [])
    return any(c.get("cell_type") == "code" and c.get("execution_count") is not None for c in cells)


def executed_notebook(source: Path) -> Path | None:
    """The newest notebook this render executed for ``source``, or None.

    Quarto never overwrites a ``.quarto_ipynb``: it writes ``NN.quarto_ipynb_1``, ``_2``...
    beside it. ``make book`` renders chapters in parallel processes (each one writes a
    notebook for every chapter of the book) and then the whole book from the freeze, so
    a chapter has several copies and the executed one can be any of them.
    """
    candidates = [
        nb for nb in source.parent.glob(f"{source.stem}.quarto_ipynb*")
        if nb.name == f"{source.stem}.quarto_ipynb"
        or nb.name.removeprefix(f"{source.stem}.quarto_ipynb_").isdigit()
    ]
    fresh = [nb for nb in candidates if nb.stat().st_mtime >= source.stat().st_mtime]  # older: stale
    executed = [nb for nb in fresh if was_executed(nb)]  # unexecuted: frozen or another process's
    return max(executed, key=lambda nb: nb.stat().st_mtime, default=None)


def main() -> None:
    cache = ROOT / ".quarto" / "embed" / "chapters"
    cache.mkdir(parents=True, exist_ok=True)
    handed = 0
    for source in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.qmd")):
        executed = executed_notebook(source)
        if executed is None:
            continue  # not executed by this render: the copy an earlier render handed over stays
        target = cache / f"{source.stem}.embed.ipynb"
        if not target.exists() or target.stat().st_mtime < executed.stat().st_mtime:
            shutil.copyfile(executed, target)
            handed += 1
    print(f"embed cache: {handed} executed chapters handed to the deck ({cache.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
