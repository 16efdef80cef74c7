"""Fast checks of the numbers chapters/05-lalonde.qmd builds on (no sampling)."""

import numpy as np
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
