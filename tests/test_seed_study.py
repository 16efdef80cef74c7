"""The seed study's tiny version: K = 1 fresh data set, smoke sampling, three chapters.

``make seeds`` runs the real study (K = 20). This keeps its code alive in CI. The study's
machinery (spawned worker, a chapter's tagged cells, counting, provenance, the JSON files)
runs end to end on the three cheapest chapters with simulated data (1, 4 and 8: an MCMC fit
each, about 20 s a chapter). For the other three (6, 7, 9: 30 to 45 s each, a fifth of
``make test``), the code their ``seed_study`` runs is the chapter's own fitting and claims
code, which their notebooks execute in the same session; what only the study runs is the
glue in ``seed_study`` itself, and the test below checks that every name it uses is
defined by the chapter's tagged cells (a renamed function is how such glue breaks).
"""

from __future__ import annotations

import ast
import builtins
import json
import subprocess
import sys

import pytest

from book import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import seed_study  # noqa: E402

#: Chapters whose data are simulated, so a fresh data draw is possible.
SIMULATED = {"01-why-ppl", "04-cuped", "06-fixed-random-effects", "07-cevae", "08-mediation", "09-mmm"}
MCMC = SIMULATED - {"07-cevae"}  # chapter 7 trains by SVI: no r_hat to record
#: The chapters the tiny study runs end to end (the cheapest; see the module's docstring).
TINY = ("01-why-ppl", "04-cuped", "08-mediation")


def test_every_simulated_chapter_takes_part():
    assert SIMULATED <= set(seed_study.taking_part())


def test_data_seeds_are_fixed_in_advance_and_distinct():
    seeds = seed_study.data_seeds("04-cuped", 20)
    assert seeds == seed_study.data_seeds("04-cuped", 20)
    assert len(set(seeds)) == 20
    assert set(seeds).isdisjoint(seed_study.data_seeds("06-fixed-random-effects", 20))


@pytest.mark.parametrize("chapter", sorted(SIMULATED))
def test_seed_study_uses_only_names_the_tagged_cells_define(chapter):
    """Every global name ``seed_study`` reads is defined by the cells the study executes (or is a builtin)."""
    cells = [ast.parse(source) for _name, source in seed_study.study_cells(chapter)]
    defined = set(dir(builtins))
    for tree in cells:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                defined |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            else:
                defined |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    functions = [node for tree in cells for node in tree.body
                 if isinstance(node, ast.FunctionDef) and node.name == "seed_study"]
    assert len(functions) == 1, f"{chapter}: one seed_study function expected"
    undefined = undefined_names(functions[0], defined)
    assert not undefined, f"{chapter}: seed_study uses names no tagged cell defines: {undefined}"


def undefined_names(function: ast.FunctionDef, defined: set[str]) -> list[str]:
    """The names ``function`` reads that are neither its own (arguments, assignments) nor in ``defined``."""
    local = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    used = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return sorted(used - local - defined)


def test_the_name_check_can_fail():
    """The check above rejects a seed_study that calls a function no cell defines."""
    function = ast.parse("def seed_study(data_seed):\n    fit = fit_renamed(data_seed)\n    return len(fit)\n").body[0]
    assert undefined_names(function, set(dir(builtins))) == ["fit_renamed"]


def test_tiny_study_runs_and_writes_the_documented_shape(tmp_path):
    """K = 1 on the TINY chapters, smoke sampling, one process.

    One fresh data set per chapter runs the chapter's own ``seed_study`` function and the
    study's machinery (spawned worker, tagged cells, counting, provenance, the JSON files);
    a second data set would only repeat the same code. Data seeds are tested above.
    """
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "seed_study.py"), "--k", "1", "--smoke",
                          "--jobs", "1", "--out", str(tmp_path), "--chapters", *TINY],
                         cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-5000:]
    summary = json.loads((tmp_path / "seed-study.json").read_text())
    runs = json.loads((tmp_path / "seed-study-runs.json").read_text())
    assert set(TINY) == set(summary)
    for chapter, table in summary.items():
        assert table, f"{chapter}: no checked claims in the study"
        meta = runs[chapter]
        assert {"date", "commit", "cores", "jobs", "k", "wall_s"} <= set(meta), chapter
        fits = meta["fits"]
        ledger_keys = set(fits[0]["entries"])
        if chapter in MCMC:  # every MCMC fit's convergence is recorded (helpers.STUDY_LOG)
            assert all(run["convergence"] for run in fits), chapter
            assert {"name", "max_r_hat", "divergences", "min_ess_bulk"} == set(fits[0]["convergence"][0])
        for key, row in table.items():
            assert key in ledger_keys
            assert set(row) == {"n", "holds", "check"}, (chapter, key)
            assert row["n"] == 1 and 0 <= row["holds"] <= 1 and row["check"] != "none"
