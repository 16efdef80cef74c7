"""The qmd -> ipynb conversion that `make notebooks` uses (no Quarto needed)."""

import nbformat
import pytest

from book import CHAPTER_FILES
from qmd_to_ipynb import convert

SAMPLE = '''# A title {#sec-x}

Some prose with `{python} f"{x:.1f}"` inline.

::: {.callout-note title="Careful"}
Inside a callout.
:::

```{python}
#| include: false
import helpers
SEED, rng, ledger = helpers.setup("01-why-ppl")
```

```{python}
#| eval: false
raise RuntimeError("must not run")
```

```python
not_a_cell = 1
```
'''


def test_conversion_structure():
    nb = convert(SAMPLE)
    nbformat.validate(nb)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["code", "markdown", "code", "markdown", "markdown"]
    first_md = nb.cells[1].source
    assert first_md.startswith("# A title\n") and "{#sec-x}" not in first_md
    assert '`f"{x:.1f}"`' in first_md and "{python}" not in first_md
    assert "**Careful.**" in first_md and ":::" not in first_md
    assert "helpers.setup" in nb.cells[2].source
    assert "Not executed" in nb.cells[3].source and 'raise RuntimeError' in nb.cells[3].source
    assert "not_a_cell = 1" in nb.cells[4].source


def test_eval_false_never_becomes_code():
    nb = convert(SAMPLE)
    assert all("must not run" not in c.source for c in nb.cells if c.cell_type == "code")


def test_unterminated_block_is_an_error():
    with pytest.raises(ValueError, match="unterminated"):
        convert("```{python}\nx = 1\n")


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_every_chapter_converts(path):
    nb = convert(path.read_text())
    nbformat.validate(nb)
    assert sum(c.cell_type == "code" for c in nb.cells) >= 3


def test_check_inline_adds_a_cell_that_evaluates_the_prose_numbers():
    nb = convert(SAMPLE, check_inline=True)
    checks = [c for c in nb.cells if c.cell_type == "code" and "_inline_values" in c.source]
    assert len(checks) == 1
    assert 'f"{x:.1f}",' in checks[0].source
    namespace = {"x": 2.345}
    exec(checks[0].source.replace("print(_inline_values)", ""), namespace)
    assert namespace["_inline_values"] == ("2.3",)
    assert not any("_inline_values" in c.source for c in convert(SAMPLE).cells)
