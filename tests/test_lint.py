"""Chapter lint: structure, figure labels/captions/alt text, no network, citations."""

from __future__ import annotations

import re

import pytest

from book import CHAPTER_FILES, ROOT, book_chapters, code_cells, prose

PLOTTING = re.compile(r"\bplt\.|\baz\.plot_|\bsns\.(?!__version__)|\.plot\(|\.plot\.|graphviz\.|model_to_graphviz|Digraph\(|\bfig, |\bplot_\w+\(")
NETWORK = re.compile(r"https?://|\brequests\b|\burllib\b|\bwget\b|\bcurl\b|fetch_openml|load_dataset\(")
CITATION = re.compile(r"(?<![\w.])@([A-Za-z][\w:-]*\d{4}[\w-]*)")


def test_chapters_exist():
    assert CHAPTER_FILES, "no chapters found under chapters/"


def test_book_lists_exactly_the_existing_chapters():
    listed = [c for c in book_chapters() if c.startswith("chapters/")]
    on_disk = [f"chapters/{p.name}" for p in CHAPTER_FILES]
    assert sorted(listed) == on_disk, "the book must list every chapter that exists, and only those"
    assert listed == sorted(listed), "chapters are listed in reading order (by number)"
    for other in book_chapters():
        assert (ROOT / other).exists(), f"_quarto.yml lists {other}, which does not exist"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_one_title_with_section_id(path):
    titles = [line for line in prose(path.read_text()).splitlines() if re.match(r"^# ", line)]
    assert len(titles) == 1, f"{path.name}: expected exactly one level-1 heading, found {titles}"
    assert re.match(r"^# .+ \{#sec-[\w-]+\}\s*$", titles[0]), f"{path.name}: title needs a {{#sec-...}} id"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_setup_cell_first(path):
    cells = code_cells(path.read_text())
    assert cells, f"{path.name} has no code"
    options, code = cells[0]
    assert options.get("include") == "false", f"{path.name}: the first cell must be hidden (#| include: false)"
    assert f'helpers.setup("{path.stem}")' in code, f"{path.name}: first cell must call helpers.setup(\"{path.stem}\")"


def _top_level(code: str) -> str:
    """The code outside function definitions: a def that plots draws nothing until called."""
    kept, in_def = [], False
    for line in code.splitlines():
        if re.match(r"^(async\s+)?def |^@", line):
            in_def = True
            continue
        if in_def and line.strip() and not line[0].isspace():
            in_def = False
        if not in_def:
            kept.append(line)
    return "\n".join(kept)


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_every_figure_is_labelled_captioned_and_described(path):
    problems = []
    for options, code in code_cells(path.read_text()):
        label = options.get("label", "")
        is_fig = label.startswith("fig-")
        if is_fig:
            for key in ("fig-cap", "fig-alt"):
                if len(options.get(key, "").strip('"\' ')) < 10:
                    problems.append(f"{label}: missing or too short {key}")
        elif "fig-cap" in options:
            problems.append(f"cell {label or code[:40]!r} has fig-cap but no fig- label")
        executable = _top_level("\n".join(l for l in code.splitlines() if not l.startswith("#")))
        plots = PLOTTING.search(executable)
        if plots and not is_fig and options.get("eval") != "false" and "plt.close" not in executable:
            problems.append(f"cell {label or executable.strip()[:50]!r} plots ({plots.group(0)!r}) but is not a fig- cell")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_figure_labels_unique_and_referenced(path):
    text = path.read_text()
    labels = [o["label"] for o, _ in code_cells(text) if o.get("label", "").startswith("fig-")]
    assert len(labels) == len(set(labels)), f"{path.name}: duplicate figure labels"
    body = prose(text)
    unreferenced = [l for l in labels if f"@{l}" not in body]
    assert not unreferenced, f"{path.name}: figures never cross-referenced in the text: {unreferenced}"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_no_network_in_code(path):
    for _, code in code_cells(path.read_text()):
        hit = NETWORK.search(code)
        assert not hit, f"{path.name}: network use in code: {hit.group(0)!r}"


def _bib_keys() -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(), re.M))


def test_bibliography_keys_unique():
    keys = re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(), re.M)
    assert len(keys) == len(set(keys)), "duplicate keys in references.bib"


@pytest.mark.parametrize("path", sorted(ROOT.glob("*.qmd")) + CHAPTER_FILES, ids=lambda p: p.stem)
def test_citations_resolve(path):
    cited = set(CITATION.findall(prose(path.read_text())))
    missing = cited - _bib_keys()
    assert not missing, f"{path.name} cites keys missing from references.bib: {sorted(missing)}"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_cross_references_resolve(path):
    """Every @sec-/@fig-/@tbl- reference names an id that exists somewhere in the book."""
    ids, unnumbered = set(), set()
    for other in CHAPTER_FILES + sorted(ROOT.glob("*.qmd")):
        text = other.read_text()
        ids |= set(re.findall(r"\{#((?:sec|fig|tbl|eq)-[\w-]+)", text))
        ids |= {o["label"] for o, _ in code_cells(text) if "label" in o}
        # Quarto cannot number an .unnumbered section, so a reference to one renders as "?sec-..."
        unnumbered |= set(re.findall(r"\{#(sec-[\w-]+)[^}]*\.unnumbered", text))
    refs = set(re.findall(r"@((?:sec|fig|tbl|eq)-[\w-]*\w)", prose(path.read_text())))
    missing = refs - ids
    assert not missing, f"{path.name}: cross-references to unknown ids: {sorted(missing)}"
    assert not refs & unnumbered, f"{path.name}: references to unnumbered sections: {sorted(refs & unnumbered)}"


def test_labels_unique_across_the_book():
    """Quarto cross-references are book-wide: a label may exist in one chapter only."""
    seen: dict[str, str] = {}
    clashes = []
    for path in CHAPTER_FILES:
        text = path.read_text()
        labels = [o["label"] for o, _ in code_cells(text) if "label" in o]
        labels += re.findall(r"\{#((?:sec|fig|tbl|eq)-[\w-]+)", text)
        for label in labels:
            if label in seen and seen[label] != path.name:
                clashes.append(f"{label}: {seen[label]} and {path.name}")
            seen.setdefault(label, path.name)
    assert not clashes, "labels used in more than one chapter:\n" + "\n".join(clashes)


# A decimal typed by hand in prose goes stale when the code changes: numbers come from
# inline code. Math, inline code, citations, versions ("PyMC 6.3") and numbered references
# to other works ("Table 13.1") are not results and are allowed.
HAND_DECIMAL = re.compile(r"(?<![\w.\\/-])[-−+]?\d+\.\d+(?![\w.%]*[\w])")
NOT_RESULTS = [
    re.compile(r"^---\n.*?\n---\n", re.S),          # front matter
    re.compile(r"<!--.*?-->", re.S),                 # comments
    re.compile(r"^(`{3,}).*?^\1", re.S | re.M),      # code listings (```python ...)
    re.compile(r"\$\$.*?\$\$", re.S),                # display math
    re.compile(r"(?<!\\)\$[^$\n]+\$"),               # inline math
    re.compile(r"`[^`\n]*`"),                        # inline code, {python} expressions included
    re.compile(r"\{\{<.*?>\}\}"),                    # shortcodes
    re.compile(r"\]\([^)]*\)"),                      # link targets
    re.compile(r"\{[#.][^}]*\}"),                    # attributes
    re.compile(r"\b(?:PyMC|pymc|PyTensor|pytensor|NumPyro|JAX|Flax|ArviZ|Quarto|Python|pymc-marketing|"
               r"nutpie|seaborn|CausalPy|pandas|NumPy|matplotlib|version|v)\s+\d+(?:\.\d+)+"),
    re.compile(r"\bCC(?:0| BY(?:-SA)?)\s*\d+\.\d+"),       # licence names
    re.compile(r"\b(?:Table|Tables|Section|Sections|Chapter|Figure|Eq\.|Equation|Exercise|§)\s*\d+(?:\.\d+)+"),
]


def hand_typed_decimals(text: str) -> list[str]:
    body = prose(text)
    for pattern in NOT_RESULTS:
        body = pattern.sub(" ", body)
    return [m.group(0) for m in HAND_DECIMAL.finditer(body)]


def test_hand_typed_decimal_lint_catches_and_allows():
    assert hand_typed_decimals("The lift is 0.94 here.") == ["0.94"]
    assert hand_typed_decimals("A 94% HDI, about 2.5 times wider.") == ["2.5"]
    assert hand_typed_decimals("With PyMC 6.3, see Table 13.1, `{python} f'{x:.2f}'` and $\\sigma = 0.5$.") == []


@pytest.mark.parametrize("path", sorted(ROOT.glob("*.qmd")) + CHAPTER_FILES, ids=lambda p: p.stem)
def test_no_hand_typed_decimals_in_prose(path):
    found = hand_typed_decimals(path.read_text())
    assert not found, (f"{path.name}: decimal numbers typed by hand in prose: {found}; compute them "
                       "with inline code (`{python} ...`) or, for a design constant, put it in math ($0.5$)")


# --- The reader's edition: the chapter's shape, and the story before the proof --------------
REAL_DATA_CHAPTERS = {"02-ab-testing", "04-cuped", "06-fixed-random-effects", "07-cevae", "08-mediation"}
PROOF_TITLE = "How we know this is right"
HISTORY = re.compile(r"first edition|edition of this chapter|earlier version of this chapter|"
                     r"previous version of this chapter|this round\b", re.I)


def _headings(body: str) -> list[str]:
    return [line[3:].split("{")[0].strip() for line in body.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_chapter_shape(path):
    """Covers list first; Prerequisites; On real data (where there is one) before Using this on your
    own data, then Key ideas; one collapsed 'How we know this is right' callout."""
    body = prose(path.read_text())
    heads = _headings(body)
    first_section = body.find("\n## ")
    assert "This chapter covers" in body[:first_section], f"{path.name}: open with a 'This chapter covers' list"
    for needed in ("Prerequisites", "Using this on your own data", "Key ideas"):
        assert needed in heads, f"{path.name}: no '## {needed}' section (has {heads})"
    assert heads.index("Using this on your own data") < heads.index("Key ideas"), path.name
    if path.stem in REAL_DATA_CHAPTERS:
        assert "On real data" in heads, f"{path.name}: no '## On real data' section"
        assert heads.index("On real data") < heads.index("Using this on your own data"), path.name
    callouts = re.findall(r"^:::+ *\{[^}\n]*\}[^\n]*\n(?:#{2,3} [^\n]*\n)?", body, re.M)
    proof = [c for c in callouts if PROOF_TITLE in c]
    assert len(proof) == 1, f"{path.name}: expected one '{PROOF_TITLE}' callout, found {len(proof)}"
    assert 'collapse="true"' in proof[0], f"{path.name}: the '{PROOF_TITLE}' callout must be collapsed"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_no_chapter_narrates_its_own_history(path):
    found = HISTORY.findall(prose(path.read_text()))
    assert not found, f"{path.name}: the chapter narrates its own history: {found}"


INLINE_RESULT = re.compile(r"`\{python\}[^`\n]*`")


def sentences_with_many_numbers(text: str, limit: int = 3) -> list[str]:
    """Sentences of the prose carrying more than ``limit`` computed (inline) results.

    Table rows and math are not sentences; a sentence ends at . ! ? followed by a space and
    a capital, at a blank line, or at a list item.
    """
    body = prose(text)
    for pattern in NOT_RESULTS[:5]:  # front matter, comments, listings, math
        body = pattern.sub(" ", body)
    body = INLINE_RESULT.sub("\x00", body)
    body = re.sub(r"`[^`\n]*`", "code", body)
    lines = [line for line in body.splitlines() if not line.lstrip().startswith("|")]
    blocks = re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.) )", "\n".join(lines))
    found = []
    for block in blocks:
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z\x00(@*_])", block):
            if sentence.count("\x00") > limit:
                found.append(" ".join(sentence.replace("\x00", "<n>").split())[:160])
    return found


def test_number_lint_catches_and_allows():
    four = "The lift is `{python} a`, `{python} b`, `{python} c` and `{python} d`. Then `{python} e`."
    assert len(sentences_with_many_numbers(four)) == 1
    three = "The lift is `{python} a` [`{python} b`, `{python} c`]. Next `{python} d` and `{python} e`."
    assert sentences_with_many_numbers(three) == []
    assert sentences_with_many_numbers("| `{python} a` | `{python} b` | `{python} c` | `{python} d` |") == []


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_no_sentence_carries_more_than_three_computed_numbers(path):
    found = sentences_with_many_numbers(path.read_text())
    assert not found, (f"{path.name}: sentences with more than three computed numbers (move the "
                       f"proof into the '{PROOF_TITLE}' callout or split them):\n" + "\n".join(found))
