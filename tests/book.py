"""What the tests know about the book's files (parsed without Quarto)."""

from __future__ import annotations

from pathlib import Path

import yaml
from qmd_to_ipynb import CELL_BLOCK, code_cells  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS_DIR = ROOT / "chapters"
CHAPTER_FILES = sorted(CHAPTERS_DIR.glob("[0-9][0-9]-*.qmd"))


def quarto_config(profile: str = "book") -> dict:
    """_quarto.yml with the profile's file merged over it (top-level keys)."""
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    config.update(yaml.safe_load((ROOT / f"_quarto-{profile}.yml").read_text()))
    return config


def book_chapters() -> list[str]:
    """Every .qmd the book lists (chapters and appendices, parts flattened)."""
    book = quarto_config()["book"]
    found: list[str] = []

    def walk(items):
        for item in items or []:
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                if "href" in item:
                    found.append(item["href"])
                walk(item.get("chapters"))
    walk(book.get("chapters"))
    walk(book.get("appendices"))
    return found


def prose(text: str) -> str:
    """The chapter without its code blocks."""
    return CELL_BLOCK.sub("", text)


def chapter_functions(chapter: str, **given) -> dict:
    """A chapter's functions, loaded from its cells tagged ``seed-study``.

    The setup cell is skipped, so no ledger is opened and nothing is sampled; ``given`` puts
    names the setup cell would define (``helpers``, a generator module, ``SEED``) in the namespace.
    """
    import helpers
    from seed_study import study_cells

    namespace = {"__name__": f"chapter_{chapter[:2]}_under_test", "helpers": helpers, **given}
    for _name, source in study_cells(chapter)[1:]:
        exec(compile(source, f"{chapter}.qmd", "exec"), namespace)
    return namespace
