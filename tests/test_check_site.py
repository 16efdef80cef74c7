"""tools/check_site.py on a fake render: the page checks can fail."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import check_site  # noqa: E402


def _fake_book(tmp_path: Path, broken: str | None = None) -> Path:
    for rel in check_site.book_pages():
        page = tmp_path / rel
        page.parent.mkdir(parents=True, exist_ok=True)
        body = "<p>fine</p>"
        if rel == broken:
            body = '<p>see <span class="quarto-unresolved-ref">?sec-seed-study</span></p>'
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
