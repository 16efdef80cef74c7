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
