"""Convert the book's Quarto chapters into Jupyter notebooks, without Quarto.

    python tools/qmd_to_ipynb.py chapters/*.qmd --out notebooks/

``quarto convert`` needs the Quarto binary; this does the part the book needs:

- each ```{python} block becomes a code cell (its ``#|`` options stay in the
  source, where Jupyter ignores them and Quarto would read them again);
- a block with ``#| eval: false`` becomes a Markdown code listing, so "Run All"
  in JupyterLab leaves it unexecuted, as Quarto does;
- prose becomes Markdown cells; inline ```{python} expr``` shows as ``expr``;
  heading anchors ``{#sec-...}``, callout fences (:::) and shortcodes are
  dropped because Jupyter cannot render them;
- a first cell puts ``chapters/`` on ``sys.path`` so that ``import helpers``
  works from ``notebooks/`` or ``chapters/``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

BOOT_CELL = """\
# Added by tools/qmd_to_ipynb.py: find chapters/helpers.py from wherever the notebook runs.
import sys, pathlib
for _dir in (pathlib.Path.cwd(), pathlib.Path.cwd() / "chapters", pathlib.Path.cwd().parent / "chapters"):
    if (_dir / "helpers.py").exists():
        sys.path.insert(0, str(_dir))
        break
else:
    raise FileNotFoundError("helpers.py not found: run this notebook from the book's notebooks/ or chapters/ folder")"""

CODE_OPEN = re.compile(r"^```\{python\}\s*$")
FENCE = re.compile(r"^(`{3,})")
HEADING_ATTR = re.compile(r"^(#{1,6} .*?)\s*\{[^}]*\}\s*$")
DIV_FENCE = re.compile(r"^:::+.*$")
SHORTCODE_LINE = re.compile(r"^\s*\{\{<.*>\}\}\s*$")
INLINE_PY = re.compile(r"`\{python\}\s+([^`]+)`")
CALLOUT = re.compile(r"^:::+\s*\{\.callout-(\w+)[^}]*\}")
EVAL_FALSE = re.compile(r"^#\|\s*eval:\s*false\s*$")
CALLOUT_TITLE = re.compile(r'title="([^"]*)"')


CELL_BLOCK = re.compile(r"^```\{python\}\s*\n(.*?)^```\s*$", re.S | re.M)
OPTION = re.compile(r"^#\|\s*([\w-]+):\s*(.*)$")


def code_cells(text: str) -> list[tuple[dict[str, str], str]]:
    """(options, code) for each ```{python} block; options from its '#|' lines.

    The one parser of chapter cells that the tests and tools/bench_power.py share.
    """
    cells = []
    for match in CELL_BLOCK.finditer(text):
        body = match.group(1)
        options = {}
        for line in body.splitlines():
            option = OPTION.match(line)
            if option:
                options[option.group(1)] = option.group(2).strip()
        cells.append((options, body))
    return cells


def _strip_front_matter(lines: list[str]) -> list[str]:
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return lines[i + 1 :]
        raise ValueError("unterminated YAML front matter")
    return lines


def _markdown(lines: list[str]) -> str:
    out: list[str] = []
    in_fence = False
    for line in lines:
        if FENCE.match(line):
            in_fence = not in_fence
            out.append(line)
            continue
        if in_fence:
            out.append(line)
            continue
        callout = CALLOUT.match(line)
        if callout:
            title = CALLOUT_TITLE.search(line)
            label = title.group(1) if title else callout.group(1).capitalize()
            out.append(f"**{label}.**")
            continue
        if DIV_FENCE.match(line) or SHORTCODE_LINE.match(line):
            continue
        heading = HEADING_ATTR.match(line)
        if heading:
            line = heading.group(1)
        out.append(INLINE_PY.sub(r"`\1`", line))
    return "\n".join(out).strip("\n")


def inline_check_cell(markdown: str):
    """A code cell that evaluates the inline ``{python}`` expressions of ``markdown``.

    Jupyter cannot render inline code, so the test suite adds these cells (option
    ``--check-inline``) to make every number quoted in the prose execute, in the
    order Quarto evaluates them: after the cells that precede the paragraph.
    """
    exprs = [e.strip() for e in INLINE_PY.findall(markdown)]
    if not exprs:
        return None
    body = "\n".join(f"    {e}," for e in exprs)
    return nbformat.v4.new_code_cell(
        "# added by --check-inline: the inline expressions of the prose above\n"
        f"_inline_values = (\n{body}\n)\nprint(_inline_values)"
    )


def convert(text: str, check_inline: bool = False) -> nbformat.NotebookNode:
    """Convert the text of one ``.qmd`` file to a notebook."""
    lines = _strip_front_matter(text.splitlines())
    cells = []
    prose: list[str] = []

    def flush_prose() -> None:
        md = _markdown(prose)
        if md.strip():
            cells.append(nbformat.v4.new_markdown_cell(md))
        if check_inline:
            check = inline_check_cell("\n".join(prose))
            if check is not None:
                cells.append(check)
        prose.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if CODE_OPEN.match(line):
            flush_prose()
            j = i + 1
            while j < len(lines) and lines[j].rstrip() != "```":
                j += 1
            if j == len(lines):
                raise ValueError(f"unterminated ```{{python}} block opened on line {i + 1}")
            body = "\n".join(lines[i + 1 : j]).strip("\n")
            if any(EVAL_FALSE.match(b.strip()) for b in lines[i + 1 : j]):
                shown = "\n".join(b for b in lines[i + 1 : j] if not b.startswith("#|")).strip("\n")
                cells.append(
                    nbformat.v4.new_markdown_cell(
                        "*Not executed in the book (`eval: false`):*\n\n```python\n" + shown + "\n```"
                    )
                )
            else:
                cells.append(nbformat.v4.new_code_cell(body))
            i = j + 1
            continue
        prose.append(line)
        i += 1
    flush_prose()
    cells.insert(0, nbformat.v4.new_code_cell(BOOT_CELL))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Convert Quarto chapters to notebooks")
    parser.add_argument("sources", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--check-inline", action="store_true",
                        help="add cells that evaluate the prose's inline expressions (for tests)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for src in args.sources:
        if src.suffix != ".qmd":
            raise SystemExit(f"{src}: not a .qmd file")
        nb = convert(src.read_text(), check_inline=args.check_inline)
        dest = args.out / f"{src.stem}.ipynb"
        nbformat.validate(nb)
        nbformat.write(nb, dest)
        print(f"wrote {dest}")


if __name__ == "__main__":
    main()
