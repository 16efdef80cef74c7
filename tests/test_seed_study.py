"""The seed study's tiny version: K = 1 fresh data set per chapter, smoke sampling.

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
    """K = 1 per chapter, smoke sampling; the chapters split between two processes (one per core).

    One fresh data set per chapter runs every chapter's own ``seed_study`` function and the
    study's machinery (spawned worker, tagged cells, counting, provenance, the JSON files);
    a second data set would only repeat the same code. Data seeds are tested above.
    """
    chapters = sorted(SIMULATED)
    halves = [chapters[0::2], chapters[1::2]]
    procs = [subprocess.Popen([sys.executable, str(ROOT / "tools" / "seed_study.py"), "--k", "1", "--smoke",
                               "--jobs", "1", "--out", str(tmp_path / str(i)), "--chapters", *half],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, half in enumerate(halves)]
    summary, runs = {}, {}
    for i, proc in enumerate(procs):
        out, err = proc.communicate(timeout=1200)
        assert proc.returncode == 0, out[-3000:] + err[-5000:]
        summary.update(json.loads((tmp_path / str(i) / "seed-study.json").read_text()))
        runs.update(json.loads((tmp_path / str(i) / "seed-study-runs.json").read_text()))
    assert SIMULATED <= set(summary)
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
