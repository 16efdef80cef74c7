"""Hand the book's executed chapters to Quarto's embed cache, so the deck reuses them.

    .venv/bin/python tools/embed_cache.py      # `make book` runs it after rendering

The book renders with ``keep-ipynb: true``: every chapter it executed leaves its
executed notebook, ``chapters/NN-name.quarto_ipynb`` (``make book`` deletes the
previous render's first: Quarto never overwrites one, it writes ``..._1`` beside it).
A chapter taken from the freeze leaves an unexecuted notebook, which is skipped. The deck embeds figures with
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


def main() -> None:
    cache = ROOT / ".quarto" / "embed" / "chapters"
    cache.mkdir(parents=True, exist_ok=True)
    handed = 0
    for executed in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.quarto_ipynb")):
        source = executed.with_suffix(".qmd")
        if not source.exists() or executed.stat().st_mtime < source.stat().st_mtime:
            continue  # stale: the chapter changed after this execution
        if not was_executed(executed):
            continue  # frozen in this render: the copy an earlier render handed over stays
        target = cache / f"{source.stem}.embed.ipynb"
        if not target.exists() or target.stat().st_mtime < executed.stat().st_mtime:
            shutil.copyfile(executed, target)
            handed += 1
    print(f"embed cache: {handed} executed chapters handed to the deck ({cache.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
