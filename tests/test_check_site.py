"""tools/check_site.py on a fake render: the page checks can fail."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import check_site  # noqa: E402


def _fake_book(tmp_path: Path, broken: str | None = None, body_if_broken: str | None = None) -> Path:
    for rel in check_site.book_pages():
        page = tmp_path / rel
        page.parent.mkdir(parents=True, exist_ok=True)
        body = "<p>fine</p>"
        if rel == broken:
            body = body_if_broken or '<p>see <span class="quarto-unresolved-ref">?sec-seed-study</span></p>'
        page.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    return tmp_path


def test_pages_pass_when_every_reference_resolves(tmp_path):
    problems: list[str] = []
    check_site.check_pages(_fake_book(tmp_path), problems)
    assert problems == []


def test_an_unresolved_cross_reference_is_a_problem(tmp_path):
    page = check_site.book_pages()[1]
    problems: list[str] = []
    check_site.check_pages(_fake_book(tmp_path, broken=page), problems)
    assert problems == [f"{page}: unresolved cross-references ['sec-seed-study']"]


def test_a_citation_missing_from_the_bibliography_is_a_problem(tmp_path):
    # what "@sec-seed-study" inside an inline result became: the citation "sec", then "-seed-study"
    page = check_site.book_pages()[1]
    broken = ('<span class="citation" data-cites="sec">(<a href="../references.html#ref-sec" '
              'role="doc-biblioref"><strong>sec?</strong></a>)</span>-seed-study')
    problems: list[str] = []
    check_site.check_pages(_fake_book(tmp_path, broken=page, body_if_broken=broken), problems)
    assert problems == [f"{page}: citations not in references.bib ['sec']"]


def _fake_deck(tmp_path: Path, *, stray_div: bool = False, empty_embed: bool = False, drop: int = 0) -> Path:
    """A deck with as many slides as talk.qmd defines, one of them holding an embed."""
    n = check_site.talk_slide_count((ROOT / "talk.qmd").read_text()) - drop
    embed = '<div class="quarto-embed-nb-cell">{}</div>'.format("" if empty_embed else "<img src='a.png'>")
    slides = [f'<section id="s{i}"><h2>s{i}</h2>{embed if i == 1 else ""}{"</div>" if stray_div and i == 1 else ""}'
              f"</section>" for i in range(n)]
    deck = tmp_path / "slides" / "talk.html"
    deck.parent.mkdir(parents=True, exist_ok=True)
    (deck.parent / "a.png").write_bytes(b"")
    deck.write_text(f'<html><body><div class="reveal"><div class="slides">{"".join(slides)}</div></div></body></html>',
                    encoding="utf-8")
    return tmp_path


def test_a_whole_deck_passes(tmp_path):
    problems: list[str] = []
    check_site.check_deck(_fake_deck(tmp_path), problems)
    assert problems == []


def test_a_stray_div_that_closes_the_deck_is_a_problem(tmp_path):
    # The first version's failure: an embedded table left a stray </div> that closed div.slides
    problems: list[str] = []
    check_site.check_deck(_fake_deck(tmp_path, stray_div=True), problems)
    assert any("fall outside the deck" in p for p in problems), problems


def test_an_empty_embed_and_a_missing_slide_are_problems(tmp_path):
    problems: list[str] = []
    check_site.check_deck(_fake_deck(tmp_path, empty_embed=True, drop=1), problems)
    assert any("empty embed on slide s1" in p for p in problems), problems
    assert any("talk.qmd defines" in p for p in problems), problems


def test_network_scripts_and_missing_images_are_problems(tmp_path):
    page = tmp_path / "index.html"
    page.write_text('<html><head><script src="https://cdn.example.org/x.js"></script>'
                    '<link rel="stylesheet" href="//cdn.example.org/x.css"></head>'
                    '<body><img src="figures/missing.png"><img src="data:image/png;base64,AA=="></body></html>',
                    encoding="utf-8")
    problems: list[str] = []
    assert check_site.check_assets(tmp_path, problems) == 1
    assert sorted(problems) == sorted([
        "index.html: loads a script from the network: https://cdn.example.org/x.js",
        "index.html: loads a stylesheet from the network: //cdn.example.org/x.css",
        "index.html: image missing: figures/missing.png",
    ])


def test_deck_web_fonts_are_reported(tmp_path):
    """A theme that imports Google Fonts (revealjs 'simple') fails the offline check."""
    import check_site

    css = tmp_path / "slides" / "talk_files" / "libs" / "revealjs" / "dist" / "theme"
    css.mkdir(parents=True)
    (css / "quarto.css").write_text("@import url(https://fonts.googleapis.com/css?family=News+Cycle:400,700);\n"
                                    "body { color: black }\n")
    problems: list[str] = []
    check_site.check_deck_offline(tmp_path, problems)
    assert len(problems) == 1 and "from the network" in problems[0], problems
    (css / "quarto.css").write_text("@import url(./fonts/local.css);\nbody { font-family: system-ui }\n")
    problems = []
    check_site.check_deck_offline(tmp_path, problems)
    assert problems == []


def _fake_browser(tmp_path: Path, outputs: list[str]) -> str:
    """A stand-in for Chromium that prints outputs[i] on its i-th call (the last one after that)."""
    for i, text in enumerate(outputs):
        (tmp_path / f"dom{i}.html").write_text(text)
    script = tmp_path / "browser"
    script.write_text("#!/bin/bash\n"
                      f"n=$(cat {tmp_path}/calls 2>/dev/null || echo 0); echo $((n + 1)) > {tmp_path}/calls\n"
                      f"i=$(( n < {len(outputs) - 1} ? n : {len(outputs) - 1} )); cat {tmp_path}/dom$i.html\n")
    script.chmod(0o755)
    return str(script)


def _calls(tmp_path: Path) -> int:
    return int((tmp_path / "calls").read_text())


def test_probe_retries_until_the_page_has_loaded(tmp_path):
    """The first dump has no probe output, the second an empty one, the third the measurements."""
    browser = _fake_browser(tmp_path, ["<html></html>", '<pre id="P"></pre>', '<pre id="P">img a 1</pre>'])
    assert check_site._run_probe(browser, "file:///x", "P", width=10, height=10, budget_ms=1) == "img a 1"
    assert _calls(tmp_path) == 3


def test_probe_gives_up_and_says_whether_it_ran(tmp_path):
    """Never any output: None (the probe did not run). Always empty: '' (it ran and measured nothing)."""
    never = tmp_path / "never"
    never.mkdir()
    assert check_site._run_probe(_fake_browser(never, ["<html></html>"]), "file:///x", "P",
                                 width=10, height=10, budget_ms=1) is None
    assert _calls(never) == 4
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_site._run_probe(_fake_browser(empty, ['<pre id="P"> </pre>']), "file:///x", "P",
                                 width=10, height=10, budget_ms=1) == " "
    assert _calls(empty) == 4


def test_probe_reports_a_page_that_never_loads(tmp_path):
    """A browser that hangs (a page redirecting to itself) is stopped once, not retried: None."""
    script = tmp_path / "browser"
    script.write_text(f"#!/bin/bash\necho x >> {tmp_path}/calls\nsleep 30\n")
    script.chmod(0o755)
    assert check_site._run_probe(str(script), "file:///x", "P", width=10, height=10, budget_ms=1, timeout_s=1) is None
    assert len((tmp_path / "calls").read_text().split()) == 1
