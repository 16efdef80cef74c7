"""What can be checked of the book, the slides and the appendices without Quarto."""

from __future__ import annotations

import re

import pytest
import yaml

import helpers
from book import CHAPTER_FILES, ROOT, book_chapters, code_cells, quarto_config

EMBED = re.compile(r"\{\{<\s*embed\s+([^#\s>]+)#([\w,-]+)(?:\s+[^>]*)?>\}\}")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def test_default_profile_is_the_book():
    assert yaml.safe_load((ROOT / "_quarto.yml").read_text())["profile"]["default"] == "book"


def test_book_profile():
    config = quarto_config("book")
    assert config["project"]["type"] == "book"
    assert config["project"]["output-dir"] == "_book"
    assert "html" in config["format"]
    assert config["book"]["search"] is True
    assert "results.qmd" in config["book"]["appendices"] and "references.qmd" in config["book"]["appendices"]


def test_slides_profile_renders_only_the_talk_as_revealjs():
    config = quarto_config("slides")
    assert config["project"]["type"] == "default", "a book project cannot render revealjs"
    assert config["project"]["output-dir"] == "_book/slides"
    assert config["project"]["render"] == ["talk.qmd"]
    assert "revealjs" in config["format"]
    assert (ROOT / "talk.qmd").exists()


def _embeds(text: str):
    return EMBED.findall(text)


def test_every_embed_names_an_existing_chapter_and_label():
    sources = [ROOT / "talk.qmd", *CHAPTER_FILES, ROOT / "index.qmd"]
    found = 0
    for source in sources:
        for target, labels in _embeds(source.read_text()):
            path = (source.parent / target).resolve()
            assert path.exists(), f"{source.name}: embed target {target} does not exist"
            cell_labels = {o.get("label") for o, _ in code_cells(path.read_text())}
            for label in labels.split(","):
                assert label in cell_labels, f"{source.name}: {target} has no cell labelled {label}"
            found += 1
    assert found > 0, "the slides embed the chapters' figures"


def test_slides_cover_every_chapter_in_order():
    talk = (ROOT / "talk.qmd").read_text()
    positions = []
    for chapter in CHAPTER_FILES:
        name = f"chapters/{chapter.name}"
        assert name in talk, f"talk.qmd does not embed or link {name}"
        positions.append(talk.index(name))
    assert positions == sorted(positions), "the slides follow the book's order"


def test_slides_have_speaker_notes():
    talk = (ROOT / "talk.qmd").read_text()
    slides = [s for s in re.split(r"^## ", talk, flags=re.M)[1:]]
    with_notes = [s for s in slides if "::: {.notes}" in s]
    assert len(with_notes) >= 0.8 * len(slides), f"only {len(with_notes)} of {len(slides)} slides have notes"


def test_every_listed_chapter_is_in_the_book():
    listed = book_chapters()
    for chapter in CHAPTER_FILES:
        assert f"chapters/{chapter.name}" in listed


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_chapter_offers_its_notebook(path):
    match = FRONT_MATTER.match(path.read_text())
    assert match, f"{path.name}: needs front matter with the notebook download link"
    meta = yaml.safe_load(match.group(1))
    hrefs = [link.get("href") for link in meta.get("other-links", [])]
    assert f"../notebooks/{path.stem}.ipynb" in hrefs, f"{path.name}: no download link to its notebook"
    assert "{{< include _run-this-chapter.qmd >}}" in path.read_text(), f"{path.name}: no 'run this chapter' note"


def test_run_this_chapter_note_exists():
    text = (ROOT / "chapters" / "_run-this-chapter.qmd").read_text()
    assert "make notebooks" in text and "BOOK_SMOKE" in text


def test_results_appendix_builds_a_row_per_ledger_entry(tmp_path, monkeypatch):
    """Run results.qmd's code against a fake ledger and check the table it prints."""
    import contextlib
    import io
    import json

    monkeypatch.setattr(helpers, "RESULTS_DIR", tmp_path)
    chapter = CHAPTER_FILES[0].stem
    (tmp_path / f"{chapter}.json").write_text(json.dumps({
        "chapter": chapter, "smoke": False, "base_seed": 1, "hdi_prob": 0.94,
        "results": {
            "a": {"estimate": 1.5, "hdi_low": 1.0, "hdi_high": 2.0, "reference": 1.2, "label": "A thing",
                  "check": "in_hdi", "tolerance": None, "why": None, "passes": True},
            "b": {"estimate": -635.03, "hdi_low": None, "hdi_high": None, "reference": -635.03,
                  "label": "B thing", "check": "abs", "tolerance": 0.01, "why": None, "passes": True},
        },
    }))
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for _, code in code_cells((ROOT / "results.qmd").read_text()):
            exec(compile(code.replace('sys.path.insert(0, "chapters")', ""), "results.qmd", "exec"), namespace)
    printed = out.getvalue()
    assert "A thing (`a`)" in printed and "B thing (`b`)" in printed
    assert "[1.00, 2.00]" in printed and "-635" in printed and "within ±0.010" in printed
    assert f"(chapters/{chapter}.qmd)" in printed
    assert printed.count("\n| [") == 2
