"""What can be checked of the book, the slides and the appendices without Quarto."""

from __future__ import annotations

import re

import pytest
import yaml

import helpers
import numpy as np
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


def _main_deck_slides() -> list[str]:
    """The slides before the backup section, each from its '## ' heading."""
    talk = (ROOT / "talk.qmd").read_text()
    main = re.split(r"^# Backup", talk, flags=re.M)[0]
    return re.split(r"^## ", main, flags=re.M)[1:]


def test_slides_have_speaker_notes_to_speak_from():
    """Every slide of the main deck has notes of 30-90 seconds (about 55-230 words at 110-150 a minute),
    written to be said, not editor's commentary."""
    problems = []
    for slide in _main_deck_slides():
        title = slide.splitlines()[0]
        notes = re.search(r"^::: \{\.notes\}\n(.*?)^:::", slide, re.S | re.M)
        if not notes:
            problems.append(f"{title}: no notes")
            continue
        words = len(re.sub(r"`\{python\}[^`]*`", "N", notes.group(1)).split())
        if not 55 <= words <= 230:
            problems.append(f"{title}: notes of {words} words (30-90 seconds is about 55-230)")
        if re.search(r"the talk called|changes? from the talk|the book qualifies", notes.group(1), re.I):
            problems.append(f"{title}: editor's commentary in the notes")
    assert not problems, "\n".join(problems)


def test_main_deck_fits_the_slot_and_closes():
    """At most 32 slides before the backup section (about 35 minutes); the last one closes
    with the take-aways and the QR code of the book's address."""
    slides = _main_deck_slides()
    assert 1 + len(slides) <= 32, f"{1 + len(slides)} slides in the main deck"
    assert "fig-slide-qr" in slides[-1] and "book_url()" in slides[-1], "the closing slide needs the QR code"


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


def _run_appendix(name: str, results_dir, monkeypatch) -> str:
    """Execute an appendix's code cells (as Quarto would) and return what they print."""
    import contextlib
    import io

    monkeypatch.setattr(helpers, "RESULTS_DIR", results_dir)
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for _, code in code_cells((ROOT / name).read_text()):
            exec(compile(code.replace('sys.path.insert(0, "chapters")', ""), name, "exec"), namespace)
    return out.getvalue()


def test_results_appendix_builds_a_row_per_ledger_entry(tmp_path, monkeypatch):
    """Labels with $ and | (which broke the pipe table) stay in their own row and cell."""
    import json

    from bs4 import BeautifulSoup

    chapter = CHAPTER_FILES[0].stem
    entries = {
        "a": helpers.ledger_entry("a", np.linspace(1.0, 2.0, 200), label="Earnings ($) under E[Y|do(T=1)]",
                                  reference=1.2, contrast=5.0, contrast_label="naive ($)"),
        "b": helpers.ledger_entry("b", -635.03, label="B thing ($)", reference=-635.0, check="abs",
                                  tolerance=0.1, contrast=-600.0, contrast_label="talk"),
        "c": helpers.ledger_entry("c", 3.0, label="C thing", reference=1.0, why="model extrapolation", check="none"),
        "d": helpers.ledger_entry("d", np.linspace(1.0, 2.0, 200), label="D thing", reference=9.0,
                                  contrast=20.0, contrast_label="null"),
        "e": helpers.ledger_entry("e", np.linspace(1.0, 2.0, 200), label="E thing", reference=9.0,
                                  contrast=20.0, contrast_label="null", fragile="two lift tests"),
    }
    (tmp_path / f"{chapter}.json").write_text(json.dumps({
        "chapter": chapter, "smoke": False, "base_seed": 1, "hdi_prob": 0.94, "results": entries}))
    printed = _run_appendix("results.qmd", tmp_path, monkeypatch)
    # raw HTML, which pandoc leaves alone, in a div wider than the text column
    assert printed.startswith("::: {.column-page-right}\n```{=html}"), printed[:80]
    html = printed.split("```{=html}\n", 1)[1].split("\n```", 1)[0]
    assert "$" not in html and "|" not in html, "no character pandoc could read as math or a pipe table"
    rows = BeautifulSoup(html, "html.parser").select("table#results-table tbody tr")
    assert [r["data-key"] for r in rows] == [f"{chapter}/{k}" for k in entries]
    text = [[td.get_text(" ", strip=True) for td in r.find_all("td")] for r in rows]
    assert text[0][1].startswith("Earnings ($) under E[Y|do(T=1)]")
    low, high = entries["a"]["hdi_low"], entries["a"]["hdi_high"]
    assert text[0][3] == f"[{low:.2f}, {high:.2f}]" and text[0][5] == "5 (naive ($))" and text[0][7] == "✓"
    assert text[1][6] == "within ±0.100" and "-635" in text[1][2]
    assert text[2][7] == "— model extrapolation"
    assert text[3][7] == "✗ FAILS" and "table-danger" in rows[3]["class"]
    # a fragile claim reports its frequency (none here: no seed study) and is not counted as failing
    assert text[4][7] == "fragile: seed study not run in this build; this data set ✗. two lift tests"
    assert "table-warning" in rows[4]["class"]
    assert rows[0].find("a")["href"] == f"chapters/{chapter}.html"


def test_seed_study_appendix_without_and_with_a_study(tmp_path, monkeypatch):
    import json

    assert "The seed study has not run in this build" in _run_appendix("seeds.qmd", tmp_path, monkeypatch)
    chapter = CHAPTER_FILES[0].stem
    (tmp_path / "seed-study.json").write_text(json.dumps(
        {chapter: {"ate": {"n": 20, "holds": 17, "check": "in_hdi"}}}))
    (tmp_path / "seed-study-runs.json").write_text(json.dumps(
        {chapter: {"k": 20, "smoke": False, "wall_s": 61.0,
                   "fits": [{"data_seed": 1, "entries": {"ate": {"label": "ATE ($)"}},
                             "convergence": [{"name": "m", "max_r_hat": 1.004, "divergences": 0, "min_ess_bulk": 300},
                                             {"name": "m", "max_r_hat": 1.02, "divergences": 2, "min_ess_bulk": 90}]}]}}))
    printed = _run_appendix("seeds.qmd", tmp_path, monkeypatch)
    assert f"1 hold in fewer than 90% of them: `{chapter}/ate`" in printed
    assert f"Not marked fragile in their chapters:** {chapter}/ate" in printed
    runs = json.loads((tmp_path / "seed-study-runs.json").read_text())
    runs[chapter]["fits"][0]["entries"]["ate"]["fragile"] = "one intercept per school"
    (tmp_path / "seed-study-runs.json").write_text(json.dumps(runs))
    marked = _run_appendix("seeds.qmd", tmp_path, monkeypatch)
    assert "Each of those is marked fragile" in marked and "<td>one intercept per school</td>" in marked
    assert "<td>ATE (&#36;) <code>ate</code></td><td>in_hdi</td>" in printed and "85%" in printed
    # convergence of the study's fits is reported: one of two clean, the worst r_hat, the divergences
    assert "its 2 MCMC fits: 1 with every r_hat below 1.01" in printed and "worst r_hat 1.020, 2 divergent" in printed
    # where and when the study ran, when the runs file records it (tools/seed_study.py writes it)
    assert "Run on" not in printed
    runs[chapter].update({"date": "2026-12-07 18:00 UTC", "commit": "abc123", "cores": 2, "jobs": 2})
    (tmp_path / "seed-study-runs.json").write_text(json.dumps(runs))
    dated = _run_appendix("seeds.qmd", tmp_path, monkeypatch)
    assert "Run on 2026-12-07 18:00 UTC at commit `abc123`, 2 cores (2 fits at once)." in dated


def test_embed_cache_hands_over_executed_notebooks_only(tmp_path):
    # A chapter taken from Quarto's freeze leaves an unexecuted .quarto_ipynb; handing it to the
    # deck's embed cache would show empty embeds, so only executed notebooks are copied.
    import json
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import embed_cache

    cell = {"cell_type": "code", "source": "1 + 1", "metadata": {}, "outputs": []}
    frozen, executed = tmp_path / "frozen.quarto_ipynb", tmp_path / "executed.quarto_ipynb"
    frozen.write_text(json.dumps({"cells": [{**cell, "execution_count": None}]}))
    executed.write_text(json.dumps({"cells": [{**cell, "execution_count": 1}]}))
    assert not embed_cache.was_executed(frozen) and embed_cache.was_executed(executed)


def test_embed_cache_finds_the_executed_copy_among_numbered_ones(tmp_path):
    # Parallel chapter renders leave NN.quarto_ipynb, _1, _2...: the executed one can be any.
    # The newest executed copy not older than the chapter wins; stale or unexecuted copies never.
    import json
    import os
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import embed_cache

    cell = {"cell_type": "code", "source": "1 + 1", "metadata": {}, "outputs": []}
    source = tmp_path / "01-x.qmd"
    source.write_text("x")
    t = source.stat().st_mtime

    def notebook(name: str, executed: bool, age: float) -> None:
        path = tmp_path / name
        path.write_text(json.dumps({"cells": [{**cell, "execution_count": 1 if executed else None}]}))
        os.utime(path, (t + age, t + age))

    notebook("01-x.quarto_ipynb", False, 1)
    assert embed_cache.executed_notebook(source) is None  # nothing executed: nothing handed over
    notebook("01-x.quarto_ipynb_1", True, -10)  # executed before the chapter was edited: stale
    assert embed_cache.executed_notebook(source) is None
    notebook("01-x.quarto_ipynb_2", True, 2)
    notebook("01-x.quarto_ipynb_3", False, 3)  # a later frozen copy does not hide the executed one
    notebook("01-x.quarto_ipynb_old", True, 4)  # not one of Quarto's names
    assert embed_cache.executed_notebook(source) == tmp_path / "01-x.quarto_ipynb_2"


def test_execute_chapters_runs_the_longest_first(tmp_path, monkeypatch):
    # Two workers finish soonest when the long chapters start first; a chapter with no
    # recorded time (new, or a fresh clone) is treated as long, so it never trails alone.
    import json
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import execute_chapters

    times = tmp_path / "chapter-times.json"
    monkeypatch.setattr(execute_chapters, "TIMES", times)
    from pathlib import Path

    paths = [Path(f"chapters/0{i}-c.qmd") for i in (1, 2, 3)]
    times.write_text(json.dumps({"01-c": 50.0, "02-c": 300.0}))
    order = execute_chapters.longest_first(paths, execute_chapters.load_times())
    assert [p.stem for p in order] == ["03-c", "02-c", "01-c"]
    times.write_text("not json")  # a damaged record only loses the order, never the build
    order = execute_chapters.longest_first(paths, execute_chapters.load_times())
    assert [p.stem for p in order] == ["01-c", "02-c", "03-c"]
    with pytest.raises(SystemExit):
        execute_chapters.main(["quarto", str(ROOT / "chapters" / "01-why-ppl.qmd"), "--jobs", "0"])
    with pytest.raises(SystemExit):  # a chapter that does not exist is named, not skipped
        execute_chapters.main(["quarto", "chapters/99-missing.qmd"])


def test_execute_chapters_skips_exactly_what_quarto_would_thaw(tmp_path):
    # Quarto reuses a frozen result when it records the MD5 of the source (LF line endings);
    # the pre-execution step must agree, or it executes twice or, worse, never.
    import hashlib
    import json
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import execute_chapters

    chapter = tmp_path / "chapters" / "01-x.qmd"
    chapter.parent.mkdir()
    chapter.write_bytes(b"# x\r\n\r\n```{python}\r\n1 + 1\r\n```\r\n")
    assert not execute_chapters.frozen_is_current(chapter, root=tmp_path)  # never rendered
    frozen = tmp_path / "_freeze" / "chapters" / "01-x" / "execute-results" / "html.json"
    frozen.parent.mkdir(parents=True)
    lf = chapter.read_bytes().replace(b"\r\n", b"\n")
    frozen.write_text(json.dumps({"hash": hashlib.md5(lf).hexdigest(), "result": {}}))
    assert execute_chapters.frozen_is_current(chapter, root=tmp_path)  # CRLF source, LF hash: same
    chapter.write_bytes(chapter.read_bytes() + b"2 + 2\r\n")
    assert not execute_chapters.frozen_is_current(chapter, root=tmp_path)  # edited: execute again
    frozen.write_text("{broken")
    assert not execute_chapters.frozen_is_current(chapter, root=tmp_path)


def test_execute_chapters_thaws_the_chapters_that_read_a_changed_seed_study(tmp_path):
    # ch9 prints the seed study's frequencies but its freeze cannot see _results/; after
    # `make seeds` it must execute again, and only it (the rest of the book stays frozen).
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import execute_chapters

    chapters = tmp_path / "chapters"
    chapters.mkdir()
    reader = chapters / "09-reader.qmd"
    reader.write_text('```{python}\nledger.record("k", x, fragile="why")\n```\n')
    other = chapters / "01-other.qmd"
    other.write_text("```{python}\nledger.record('k', x)\n```\n")

    def freeze_all():
        for ch in (reader, other):
            (tmp_path / "_freeze" / "chapters" / ch.stem / "execute-results").mkdir(parents=True, exist_ok=True)

    def frozen(ch):
        return (tmp_path / "_freeze" / "chapters" / ch.stem).exists()

    freeze_all()
    # No key recorded: which study the frozen reader saw is unknown, so it executes again.
    assert execute_chapters.forget_stale_study([reader, other], root=tmp_path) == [reader]
    assert not frozen(reader) and frozen(other)
    freeze_all()
    assert execute_chapters.forget_stale_study([reader, other], root=tmp_path) == []  # nothing changed
    results = tmp_path / "_results"
    results.mkdir()
    (results / "seed-study.json").write_text('{"09-reader": {"k": {"n": 20, "holds": 19}}}')
    assert execute_chapters.forget_stale_study([reader, other], root=tmp_path) == [reader]
    assert not frozen(reader) and frozen(other)
    freeze_all()
    assert execute_chapters.forget_stale_study([reader, other], root=tmp_path) == []  # same study
    (results / "seed-study.json").write_text('{"09-reader": {"k": {"n": 20, "holds": 12}}}')
    assert execute_chapters.forget_stale_study([reader, other], root=tmp_path) == [reader]
    freeze_all()
    (results / "seed-study.json").unlink()  # a study that goes is a change too
    assert execute_chapters.forget_stale_study([reader, other], root=tmp_path) == [reader]
    assert frozen(other)
