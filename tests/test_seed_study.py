"""The seed study's tiny version: K = 2 fresh data sets per chapter, smoke sampling.

``make seeds`` runs the real study (K = 20). This keeps its code alive in CI:
every chapter with simulated data takes part, each runs the chapter's own
tagged cells, and the output has the documented shape.
"""

from __future__ import annotations

import json
import subprocess
import sys

from book import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import seed_study  # noqa: E402

#: Chapters whose data are simulated, so a fresh data draw is possible.
SIMULATED = {"01-why-ppl", "04-cuped", "06-fixed-random-effects", "07-cevae", "08-mediation", "09-mmm"}
MCMC = SIMULATED - {"07-cevae"}  # chapter 7 trains by SVI: no r_hat to record


def test_every_simulated_chapter_takes_part():
    assert SIMULATED <= set(seed_study.taking_part())


def test_data_seeds_are_fixed_in_advance_and_distinct():
    seeds = seed_study.data_seeds("04-cuped", 20)
    assert seeds == seed_study.data_seeds("04-cuped", 20)
    assert len(set(seeds)) == 20
    assert set(seeds).isdisjoint(seed_study.data_seeds("06-fixed-random-effects", 20))


def test_tiny_study_runs_and_writes_the_documented_shape(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "seed_study.py"), "--k", "2", "--smoke",
                           "--jobs", "2", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    summary = json.loads((tmp_path / "seed-study.json").read_text())
    assert SIMULATED <= set(summary)
    for chapter, table in summary.items():
        assert table, f"{chapter}: no checked claims in the study"
        fits = json.loads((tmp_path / "seed-study-runs.json").read_text())[chapter]["fits"]
        ledger_keys = set(fits[0]["entries"])
        if chapter in MCMC:  # every MCMC fit's convergence is recorded (helpers.STUDY_LOG)
            assert all(run["convergence"] for run in fits), chapter
            assert {"name", "max_r_hat", "divergences", "min_ess_bulk"} == set(fits[0]["convergence"][0])
        for key, row in table.items():
            assert key in ledger_keys
            assert set(row) == {"n", "holds", "check"}, (chapter, key)
            assert row["n"] == 2 and 0 <= row["holds"] <= 2 and row["check"] != "none"
