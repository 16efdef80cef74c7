"""Give every chapter its notebook download link and the 'run this chapter' note.

    python tools/add_chapter_links.py [chapters/NN-name.qmd ...]   # idempotent; default: all

Adds YAML front matter with ``other-links`` pointing at ``../notebooks/<stem>.ipynb``
(copied into the book by ``project.resources``) and includes
``_run-this-chapter.qmd`` after the hidden setup cell. tests/test_book.py checks both.
"""

from pathlib import Path

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
INCLUDE = "{{< include _run-this-chapter.qmd >}}"


def front_matter(stem: str) -> str:
    return (
        "---\n"
        "other-links:\n"
        "  - text: Download the notebook\n"
        "    icon: journal-code\n"
        f"    href: ../notebooks/{stem}.ipynb\n"
        "---\n\n"
    )


def main() -> None:
    import sys

    paths = [Path(a) for a in sys.argv[1:]] or sorted(CHAPTERS.glob("[0-9][0-9]-*.qmd"))
    for path in paths:
        text = path.read_text()
        if not text.startswith("---\n"):
            text = front_matter(path.stem) + text
        if INCLUDE not in text:
            start = text.index("```{python}")
            end = text.index("\n```\n", start) + len("\n```\n")
            text = text[:end] + "\n" + INCLUDE + "\n" + text[end:]
        path.write_text(text)
        print(f"updated {path.name}")


if __name__ == "__main__":
    main()
