"""Check a rendered site: what a reader and a speaker see, parsed from ``_book/``.

    .venv/bin/python tools/check_site.py            # after `make book` and `make slides`
    .venv/bin/python tools/check_site.py --book DIR

Checks, each naming what is wrong:

1. every page the book lists exists and shows no error output (tracebacks,
   ``cell-output-error``, failed executions);
2. every image a page references exists;
3. nothing loads from the network: no ``<script src="http...">`` and no
   remote stylesheet, in any page of the book or the deck;
4. the deck (``slides/talk.html``): its ``<section>`` tags balance, its slide
   count equals the slides ``talk.qmd`` defines, and every embedded chapter
   output is non-empty (a figure, a table or text);
5. the results appendix has exactly one table row per ledger entry in
   ``_results/``;
6. the deck reads offline for real: no ``@import url(http...)`` and no web-font link in
   its pages or stylesheets (a theme that imports Google Fonts falls back to other fonts
   offline and breaks titles differently than in rehearsal);
7. what a reader sees (needs Chromium; skipped, saying so, where it is absent): every
   chapter and appendix page loaded in headless Chromium at 1,280 px and at a 390-px
   phone width, with a measuring script injected; no figure image or table may be wider
   than its column or scroll sideways, and visible (unfolded) code may fill at most 30% of
   a chapter page's height at 1,280 px (``--no-layout`` skips it).

With no rendered site (CI has no Quarto) it prints that it skipped and exits 0;
with ``--require`` a missing site is an error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

REMOTE = re.compile(r"^(https?:)?//", re.I)
ERROR_MARKERS = ("cell-output-error", "Traceback (most recent call last)", "ExecutableNotFound",
                 "An error occurred while executing")


def _soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def book_pages() -> list[str]:
    """Output pages of every .qmd the book lists (chapters and appendices)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from book import book_chapters

    return [str(Path(p).with_suffix(".html")) for p in book_chapters()]


def talk_slide_count(text: str) -> int:
    """Slides talk.qmd defines: the title slide, one per '# ' and one per '## ' heading."""
    from qmd_to_ipynb import CELL_BLOCK

    body = CELL_BLOCK.sub("", text.split("\n---\n", 1)[1] if text.startswith("---") else text)
    body = re.sub(r"^```.*?^```", "", body, flags=re.S | re.M)
    return 1 + len(re.findall(r"^#{1,2} \S", body, flags=re.M))


def check_pages(book: Path, problems: list[str]) -> None:
    for rel in book_pages():
        page = book / rel
        if not page.exists():
            problems.append(f"{rel}: page missing")
            continue
        html = page.read_text(encoding="utf-8")
        for marker in ERROR_MARKERS:
            if marker in html:
                problems.append(f"{rel}: shows error output ({marker!r})")
        unresolved = sorted(set(re.findall(r'quarto-unresolved-ref">\?([^<]+)<', html)))
        if unresolved:  # Quarto renders a reference it cannot resolve as "?sec-..."
            problems.append(f"{rel}: unresolved cross-references {unresolved}")
        # A citation key missing from references.bib renders as a bold "key?" link: also what
        # a cross-reference becomes when Quarto reads "@sec" as a citation (an inline result did).
        missing = sorted(set(re.findall(r'role="doc-biblioref"><strong>([^<]+)\?</strong>', html)))
        if missing:
            problems.append(f"{rel}: citations not in references.bib {missing}")


def check_assets(book: Path, problems: list[str]) -> int:
    pages = sorted(book.rglob("*.html"))
    for page in pages:
        soup = _soup(page)
        rel = page.relative_to(book)
        for tag in soup.find_all("script", src=True):
            if REMOTE.match(tag["src"]):
                problems.append(f"{rel}: loads a script from the network: {tag['src']}")
        for tag in soup.find_all("link", href=True):
            if "stylesheet" in (tag.get("rel") or []) and REMOTE.match(tag["href"]):
                problems.append(f"{rel}: loads a stylesheet from the network: {tag['href']}")
        for tag in soup.find_all("img", src=True):
            src = tag["src"]
            if src.startswith("data:"):
                continue
            if REMOTE.match(src):
                problems.append(f"{rel}: image from the network: {src}")
                continue
            target = (page.parent / unquote(urlparse(src).path)).resolve()
            if not target.exists():
                problems.append(f"{rel}: image missing: {src}")
    return len(pages)


def check_deck(book: Path, problems: list[str]) -> int:
    deck = book / "slides" / "talk.html"
    if not deck.exists():
        problems.append("slides/talk.html missing: run `make slides`")
        return 0
    html = deck.read_text(encoding="utf-8")
    opened, closed = len(re.findall(r"<section\b", html)), html.count("</section>")
    if opened != closed:
        problems.append(f"slides/talk.html: {opened} <section> tags but {closed} </section>: a stray tag breaks the deck")
    soup = _soup(deck)
    slides_root = soup.find("div", class_="slides")
    if slides_root is None:
        problems.append("slides/talk.html: no div.slides")
        return 0
    leaves = [s for s in slides_root.find_all("section") if not s.find("section")]
    outside = [s for s in soup.find_all("section") if slides_root not in s.parents]
    if outside:
        problems.append(f"slides/talk.html: {len(outside)} slides fall outside the deck's div.slides")
    expected = talk_slide_count((ROOT / "talk.qmd").read_text())
    if len(leaves) != expected:
        problems.append(f"slides/talk.html: {len(leaves)} slides, talk.qmd defines {expected}")
    for embed in soup.select(".quarto-embed-nb-cell"):
        has_output = embed.find(["img", "table", "svg"]) or embed.get_text(strip=True)
        if not has_output:
            slide = embed.find_parent("section")
            problems.append(f"slides/talk.html: empty embed on slide {slide.get('id') if slide else '?'}")
    return len(leaves)


def check_results(book: Path, problems: list[str]) -> int:
    page = book / "results.html"
    if not page.exists():
        problems.append("results.html missing")
        return 0
    rows = _soup(page).select("table#results-table tbody tr")
    keys = [row.get("data-key") for row in rows]
    results_dir = ROOT / "_results"
    ledger = [f"{p.stem}/{k}" for p in sorted(results_dir.glob("[0-9][0-9]-*.json"))
              for k in json.loads(p.read_text())["results"]]
    if sorted(keys) != sorted(ledger):
        missing = sorted(set(ledger) - set(keys))[:5]
        extra = sorted(set(keys) - set(ledger))[:5]
        problems.append(f"results.html: {len(rows)} rows for {len(ledger)} ledger entries "
                        f"(missing {missing}, extra {extra})")
    return len(rows)


WEB_FONT = re.compile(r"@import\s+(?:url\()?\s*['\"]?(?:https?:)?//|fonts\.googleapis\.com|fonts\.gstatic\.com"
                      r"|use\.typekit\.net", re.I)


def check_deck_offline(book: Path, problems: list[str]) -> None:
    """No web font and no CSS import from the network in the deck's page or stylesheets."""
    deck_dir = book / "slides"
    for path in sorted(deck_dir.rglob("*.css")) + sorted(deck_dir.glob("*.html")):
        text = path.read_text(encoding="utf-8", errors="replace")
        hits = sorted(set(m.group(0) for m in WEB_FONT.finditer(text)))
        if hits:
            problems.append(f"{path.relative_to(book)}: loads fonts or CSS from the network ({', '.join(hits)})")


#: Visible (unfolded) code as a share of a chapter page's main column, at the desktop width.
MAX_CODE_SHARE = 0.30
LAYOUT_WIDTHS = (1280, 390)
# Injected into a copy of each page: measures after load, writes its findings into the DOM,
# which `chromium --dump-dom` prints. After ../shared/quarto-kit/layout_probe.py.
LAYOUT_PROBE = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const out = [];
  const check = (sel, kind) => document.querySelectorAll(sel).forEach(e => {
    if (e.closest('.callout.callout-titled .callout-collapse.collapse:not(.show)') && e.getBoundingClientRect().width === 0) return;
    const box = e.closest('figure, .cell-output-display, .quarto-figure, .table-responsive, div.sourceCode') || e.parentElement;
    const w = e.getBoundingClientRect().width, avail = (box.parentElement || box).clientWidth;
    const scrolls = box.scrollWidth > box.clientWidth + 2;
    if (w > avail + 2 || scrolls) out.push(kind + ' ' + Math.round(w) + '>' + avail + ' ' + (e.getAttribute('src') || e.id || e.className || '').slice(-60));
  });
  check('main img', 'img'); check('main table', 'table');
  const main = document.querySelector('main'); let code = 0;
  // Folded code (a closed <details>) and code in a collapsed callout is not on the page. Chromium
  // still lays out a closed <details>' content for getBoundingClientRect, so skip it explicitly.
  const hidden = e => e.closest('details:not([open])') || e.closest('.callout-collapse.collapse:not(.show)');
  document.querySelectorAll('main div.sourceCode').forEach(e => {
    if (!e.parentElement.closest('div.sourceCode') && !hidden(e)) code += e.getBoundingClientRect().height; });
  out.push('codeshare ' + (code / Math.max(1, main.getBoundingClientRect().height)).toFixed(3));
  const pre = document.createElement('pre'); pre.id = 'LAYOUT-PROBE'; pre.textContent = out.join('\\n');
  document.body.appendChild(pre);
}, 800));
</script>"""


def chromium() -> str | None:
    import shutil

    return next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)


def _run_probe(browser: str, url: str, marker: str, *, width: int, height: int, budget_ms: int,
               attempts: int = 4, timeout_s: float = 120) -> str | None:
    """Load ``url`` (a page with a probe script injected) in headless Chromium and return the
    text the probe wrote into ``<pre id=marker>``, or None when it never ran.

    Headless Chromium sometimes dumps the page before it has loaded (no probe output) or
    before its images have (an empty one): both are tried again, up to ``attempts`` times.
    A page that never finishes loading (a redirect to itself, as a partial render leaves in
    index.html) is not tried again: the probe did not run.
    """
    import subprocess

    text = None
    for _attempt in range(attempts):
        try:
            dom = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                                  f"--window-size={width},{height}", f"--virtual-time-budget={budget_ms}",
                                  "--dump-dom", url], capture_output=True, text=True, timeout=timeout_s).stdout
        except subprocess.TimeoutExpired:
            break
        found = re.search(rf'<pre id="{marker}">(.*?)</pre>', dom, re.S)
        if found:
            text = found.group(1)
            if text.strip():
                break
    return text


def measure_layout(book: Path, problems: list[str], widths=LAYOUT_WIDTHS) -> dict[str, float] | None:
    """Overflowing figures and tables per page and width, and each chapter's visible code share.

    Returns {page: code share at the widest width}, or None when no browser is installed.
    """
    import shutil
    import tempfile

    browser = chromium()
    if browser is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(book, copy, ignore=shutil.ignore_patterns("slides"))
        pages = [rel for rel in book_pages() if rel.endswith(".html") and (copy / rel).exists()]
        shares: dict[str, float] = {}
        for rel in pages:
            page = copy / rel
            page.write_text(page.read_text(encoding="utf-8").replace("</body>", LAYOUT_PROBE + "</body>"),
                            encoding="utf-8")
            for width in widths:
                found = _run_probe(browser, page.as_uri(), "LAYOUT-PROBE", width=width, height=900, budget_ms=8000)
                if found is None:
                    problems.append(f"{rel} @{width}px: the layout probe did not run")
                    continue
                items = [line for line in found.splitlines() if line.strip()]
                for item in items:
                    if item.startswith(("img", "table")):
                        problems.append(f"{rel} @{width}px: overflows its column: {item}")
                    elif item.startswith("codeshare") and width == max(widths) and "chapters/" in rel:
                        shares[rel] = float(item.split()[1])
        for rel, share in shares.items():
            if share > MAX_CODE_SHARE:
                problems.append(f"{rel}: visible code is {share:.0%} of the page (at most {MAX_CODE_SHARE:.0%})")
    return shares


#: Text on a 1280x720 slide readable from the back of the room.
MIN_SLIDE_TEXT_PX = 18
DECK_PROBE = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const out = [];
  document.querySelectorAll('.reveal .slides section').forEach((slide, i) => {
    if (slide.querySelector('section')) return;
    const id = slide.id || ('slide-' + i);
    slide.querySelectorAll('img').forEach(img => {
      const w = img.getBoundingClientRect().width;
      const fig = img.closest('[id^="fig-slide-"]');
      out.push(['img', id, fig ? fig.id : '', img.getAttribute('src') || '', w.toFixed(1), img.naturalWidth].join('\\t'));
    });
    slide.querySelectorAll('svg').forEach(svg => {
      let min = Infinity;
      svg.querySelectorAll('text').forEach(t => {
        const ctm = t.getScreenCTM(); const size = parseFloat(getComputedStyle(t).fontSize);
        if (ctm && size) min = Math.min(min, size * Math.hypot(ctm.a, ctm.b));
      });
      if (min < Infinity) out.push(['svg', id, '', '', min.toFixed(1), 0].join('\\t'));
    });
  });
  const pre = document.createElement('pre'); pre.id = 'DECK-PROBE'; pre.textContent = out.join('\\n');
  document.body.appendChild(pre);
}, 1500));
</script>"""


def _svg_min_text(path: Path) -> tuple[float, float] | None:
    """(smallest font-size, viewBox width) of an SVG file, in its own user units."""
    text = path.read_text(encoding="utf-8", errors="replace")
    sizes = [float(v) for v in re.findall(r'font-size="([0-9.]+)', text)]
    box = re.search(r'viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) [0-9.]+"', text)
    return (min(sizes), float(box.group(1))) if sizes and box else None


def _slide_constants() -> tuple[float, float]:
    talk = (ROOT / "talk.qmd").read_text()
    font = re.search(r"^SLIDE_FONT_PT = ([0-9.]+)", talk, re.M)
    dpi = re.search(r"^SLIDE_DPI = ([0-9.]+)", talk, re.M)
    return (float(font.group(1)) if font else 0.0, float(dpi.group(1)) if dpi else 72.0)


def measure_deck(book: Path, problems: list[str]) -> list[str] | None:
    """The smallest text of every figure on the main deck's slides, in px on a 1280x720 slide.

    Figures drawn for slides (fig-slide-*): SLIDE_FONT_PT at SLIDE_DPI (talk.qmd), times the
    on-screen scale Chromium measures; SVG files (the chapters' causal graphs): their smallest
    font-size times the on-screen scale of their viewBox; inline SVG: each text's font-size
    times its screen transform. Other images (chapter figures) are reported as unmeasured.
    Returns one line per figure, or None without Chromium.
    """
    import shutil
    import tempfile

    browser = chromium()
    deck = book / "slides" / "talk.html"
    if browser is None or not deck.exists():
        return None
    font_pt, dpi = _slide_constants()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "slides"
        shutil.copytree(book / "slides", copy)
        page = copy / "talk.html"
        page.write_text(page.read_text(encoding="utf-8").replace("</body>", DECK_PROBE + "</body>"),
                        encoding="utf-8")
        found = _run_probe(browser, page.as_uri() + "?print-pdf", "DECK-PROBE", width=1280, height=720,
                           budget_ms=10000)
        if found is None:
            problems.append("slides/talk.html: the deck probe did not run")
            return []
        if not found.strip():
            problems.append("slides/talk.html: the deck probe measured no figure (Chromium laid out no image)")
            return []
        backup = _backup_slide_ids(deck)
        lines = []
        for row in found.splitlines():
            kind, slide, fig, src, width, natural = (row.split("\t") + [""] * 6)[:6]
            if slide in backup:
                continue
            width = float(width or 0)
            if kind == "svg":
                px, what = width, "inline SVG"
            elif fig:
                px, what = font_pt * dpi / 72 * width / max(1.0, float(natural or 1)), fig
            elif src.endswith(".svg") and (copy / unquote(src)).exists():
                measured = _svg_min_text(copy / unquote(src))
                if measured is None:
                    continue
                px, what = measured[0] * width / measured[1], Path(src).name
            else:
                lines.append(f"{slide}: {Path(src).name} not drawn for slides (unmeasured)")
                problems.append(f"slides/talk.html#{slide}: a figure not drawn for slides ({Path(src).name})")
                continue
            lines.append(f"{slide}: {what} smallest text {px:.0f} px")
            if px < MIN_SLIDE_TEXT_PX:
                problems.append(f"slides/talk.html#{slide}: {what} has text of {px:.0f} px (at least {MIN_SLIDE_TEXT_PX})")
        return lines


def _backup_slide_ids(deck: Path) -> set[str]:
    """Ids of the slides after the '# Backup' divider (not measured: shown on demand)."""
    soup = _soup(deck)
    root = soup.find("div", class_="slides")
    if root is None:
        return set()
    leaves = [s for s in root.find_all("section") if not s.find("section")]
    ids, after = set(), False
    for index, slide in enumerate(leaves):
        heading = slide.find(["h1", "h2"])
        if heading is not None and heading.name == "h1" and "Backup" in heading.get_text():
            after = True
        if after:
            ids.add(slide.get("id") or f"slide-{index}")
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=ROOT / "_book")
    parser.add_argument("--require", action="store_true", help="a missing site is an error")
    parser.add_argument("--no-layout", action="store_true", help="skip the Chromium layout measurement")
    args = parser.parse_args(argv)
    if not (args.book / "index.html").exists():
        reason = "CI has no Quarto" if os.environ.get("CI") else "no rendered site"
        message = f"check-site: skipped ({reason}: {args.book}/index.html does not exist; run `make book slides`)"
        if args.require:
            print(message.replace("skipped", "FAILED"))
            return 1
        print(message)
        return 0
    problems: list[str] = []
    check_pages(args.book, problems)
    n_pages = check_assets(args.book, problems)
    n_slides = check_deck(args.book, problems)
    if (args.book / "slides").exists():
        check_deck_offline(args.book, problems)
    n_rows = check_results(args.book, problems)
    layout = "layout not measured (--no-layout)"
    if not args.no_layout:
        shares = measure_layout(args.book, problems)
        if shares is None:
            layout = "layout skipped: no Chromium (apt-get install chromium) to measure the pages"
        else:
            layout = ("visible code per chapter: "
                      + ", ".join(f"{Path(rel).stem[:2]} {share:.0%}" for rel, share in sorted(shares.items())))
        print(f"check-site: {layout}")
        deck_lines = measure_deck(args.book, problems)
        if deck_lines is not None:
            print("check-site: deck figures, smallest text on a 1280x720 slide:")
            for line in deck_lines:
                print(f"  {line}")
    if problems:
        print(f"check-site: {len(problems)} problems")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"check-site: ok ({n_pages} pages, {n_slides} slides, {n_rows} result rows, nothing from the network)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
