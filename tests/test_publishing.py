"""The book as a published project: licences, citation, credit and the Pages workflow.

The workflow cannot run here; it is validated against GitHub's workflow schema
(vendored in check-jsonschema, no network) and checked to run the README's
commands. CITATION.cff is validated against the Citation File Format schema.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from book import ROOT, quarto_config

WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"


def _validate(schema: str, path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema's own command line, run in this process (its import costs seconds; each
    subprocess paid it again)."""
    from click.testing import CliRunner
    from check_jsonschema.cli.main_command import main

    result = CliRunner().invoke(main, ["--builtin-schema", schema, str(path)])
    return subprocess.CompletedProcess(["check-jsonschema", schema, str(path)], result.exit_code,
                                       stdout=result.output, stderr=repr(result.exception or ""))


@pytest.mark.parametrize("schema, path", [
    ("vendor.citation-file-format", ROOT / "CITATION.cff"),
    ("vendor.github-workflows", WORKFLOW),
])
def test_file_is_valid_against_its_schema(schema, path):
    proc = _validate(schema, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("schema, path, breakage", [
    ("vendor.citation-file-format", ROOT / "CITATION.cff", ("cff-version: 1.2.0", "cff-version: 9")),
    ("vendor.github-workflows", WORKFLOW, ("runs-on: ubuntu-latest", "runs-on: [[]")),
])
def test_schema_check_can_fail(schema, path, breakage, tmp_path):
    broken = tmp_path / path.name
    text = path.read_text()
    assert breakage[0] in text
    broken.write_text(text.replace(breakage[0], breakage[1], 1))
    assert _validate(schema, broken).returncode != 0


def test_citation_credits_the_talk_and_its_author():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["license"] == "MIT"
    talk = [r for r in cff["references"] if "PyCon DE" in r.get("conference", {}).get("name", "")]
    assert talk and talk[0]["authors"][0]["family-names"] == "Orduz"


def test_workflow_runs_the_readme_commands_and_deploys_book():
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on` as True
    assert triggers["push"]["branches"] == ["main"]
    steps = flow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = [s.get("run", "") for s in steps]
    assert any(u.startswith("quarto-dev/quarto-actions/setup@") for u in uses)
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert str(python["with"]["python-version"]) == "3.12"
    assert runs.index("make book") < runs.index("make slides")
    # The published site carries the seed study: it runs before the book that cites it.
    assert runs.index("make seeds") < runs.index("make book")
    # and each chapter compiles on the book's own path before the long study (make test uses faster ones)
    assert runs.index("make test-numba") < runs.index("make seeds")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_book"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in flow["jobs"]["deploy"]["steps"])
    slides = quarto_config("slides")["project"]["output-dir"]
    assert slides == "_book/slides", "the deck must land inside the uploaded site, under slides/"


def test_licences_named_where_readers_see_them():
    for name in ("LICENSE", "LICENSE-text", "LICENSE-data"):
        assert (ROOT / name).exists(), name
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-text").read_text()
    assert "CC0 1.0" in (ROOT / "LICENSE-data").read_text()
    readme = (ROOT / "README.md").read_text()
    footer = str(quarto_config("book")["book"].get("page-footer", ""))
    for text, where in ((readme, "README.md"), (footer, "the book's page footer")):
        for licence in ("MIT", "CC BY 4.0", "CC0"):
            assert licence in text, f"{where} does not name {licence}"


def test_preface_says_how_to_cite_and_credits_the_talk():
    preface = (ROOT / "index.qmd").read_text()
    assert "## How to cite" in preface
    assert "Juan Orduz" in preface and "PyCon DE & PyData 2026" in preface
    assert "Juan Orduz" in str(quarto_config("book")["book"]["author"])
    front = yaml.safe_load((ROOT / "talk.qmd").read_text().split("---\n", 2)[1])
    assert "Juan Orduz" in str(front.get("author")), "the deck's title slide must credit the talk's author"
