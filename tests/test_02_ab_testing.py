"""Chapter 02 (A/B testing): its data set and the closed forms the chapter relies on."""

from __future__ import annotations

import numpy as np
from scipy import stats

import helpers

ab_test = helpers.data_generator("ab_test")  # CSV == generator, byte for byte: tests/test_data.py


def test_the_experiment_is_the_one_the_chapter_describes():
    frame = ab_test.generate()["ab_test"].set_index("variant")
    assert list(frame.index) == ["control", "treatment"]
    assert (frame["users"] == 10_000).all()
    assert frame.loc["control", "conversions"] == 200
    assert frame.loc["treatment", "conversions"] == 350
    rates = frame["conversions"] / frame["users"]
    assert np.isclose(rates["treatment"] / rates["control"] - 1, 0.75)


def test_flat_prior_mass_on_large_lifts_closed_form():
    """P(|U1/U2 - 1| > t) for independent uniforms, as derived in the chapter's callout."""
    rng = np.random.default_rng(0)
    lift = rng.uniform(size=400_000) / rng.uniform(size=400_000) - 1
    for t in (0.1, 0.5, 0.6):
        exact = (1 - t) / 2 + 1 / (2 * (1 + t))
        assert abs(np.mean(np.abs(lift) > t) - exact) < 0.005


def test_exact_posterior_mean_of_a_ratio_of_betas():
    """E[X_t / X_c] = E[X_t] (a_c + b_c - 1) / (a_c - 1), used as the ledger reference."""
    a_c, b_c, a_t, b_t = 201, 9801, 351, 9651
    closed = a_t / (a_t + b_t) * (a_c + b_c - 1) / (a_c - 1)
    inv_mean = stats.beta(a_c, b_c).expect(lambda x: 1 / x)
    assert np.isclose(closed, stats.beta(a_t, b_t).mean() * inv_mean, rtol=1e-8)


# --- The functions a reader calls on their own data ("Using this on your own data"), loaded from
# the chapter's cells tagged reader-api (the setup cell is skipped, so no ledger is opened) ---------
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from book import CHAPTERS_DIR, code_cells  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    namespace = {"__name__": "chapter_02_under_test", "helpers": helpers}
    cells = code_cells((CHAPTERS_DIR / "02-ab-testing.qmd").read_text())
    tagged = [src for opts, src in cells if "reader-api" in opts.get("tags", "")]
    assert len(tagged) >= 4, "imports, check_arms, the two models and arm_table are tagged reader-api"
    for source in tagged:
        exec(compile(source, "02-ab-testing.qmd", "exec"), namespace)
    return namespace


@pytest.fixture
def rows():
    return pd.DataFrame({"variant": ["old"] * 4 + ["new"] * 4, "converted": [0, 1, 0, 0, 1, 1, 0, 1]})


def test_arm_table_counts_users_and_conversions(chapter, rows):
    arms = chapter["arm_table"](rows, arm="variant", outcome="converted", control="old", treatment="new")
    assert list(arms.index) == ["control", "treatment"]
    assert arms.loc["control"].tolist() == [4, 1] and arms.loc["treatment"].tolist() == [4, 3]
    assert chapter["check_arms"](arms) == ((4, 1), (4, 3))


def test_models_build_from_the_table(chapter, rows):
    arms = chapter["arm_table"](rows, arm="variant", outcome="converted", control="old", treatment="new")
    for model in (chapter["independent_rates_model"](arms), chapter["lift_model"](arms, alpha=1, beta=1)):
        assert {"conversion_rate_control", "conversion_rate_treatment", "relative_lift"} <= set(model.named_vars)


@pytest.mark.parametrize(
    "change, error, words",
    [
        (lambda r: r.drop(columns="converted"), ValueError, "missing column 'converted'"),
        (lambda r: r.assign(converted=r["converted"].astype(str)), TypeError, "'converted' must be numeric"),
        (lambda r: r.assign(converted=r["converted"].replace(1, 2)), ValueError, "coded 0/1"),
        (lambda r: r.assign(converted=r["converted"].astype(float).where(r.index != 0)), ValueError, "missing values"),
        (lambda r: r.assign(variant=r["variant"].where(r.index != 0)), ValueError, "'variant' has 1 missing"),
        (lambda r: r.assign(variant=r["variant"].replace("new", "New")), ValueError, "no rows with 'new'"),
        (lambda r: r.assign(converted=r["converted"].astype(bool)), TypeError, "must be numeric 0/1"),
    ],
)
def test_arm_table_rejects_bad_rows(chapter, rows, change, error, words):
    with pytest.raises(error, match=words):
        chapter["arm_table"](change(rows), arm="variant", outcome="converted", control="old", treatment="new")


def test_arm_table_rejects_a_non_table(chapter):
    with pytest.raises(TypeError, match="DataFrame"):
        chapter["arm_table"]([0, 1], arm="variant", outcome="converted", control="old", treatment="new")


@pytest.mark.parametrize(
    "arms, error, words",
    [
        (pd.DataFrame({"users": [10, 10]}, index=["control", "treatment"]), ValueError, "missing column 'conversions'"),
        (pd.DataFrame({"users": [10, 10], "conversions": ["1", "2"]}, index=["control", "treatment"]), TypeError, "numeric"),
        (pd.DataFrame({"users": [10, 10], "conversions": [1.5, 2]}, index=["control", "treatment"]), ValueError, "whole numbers"),
        (pd.DataFrame({"users": [10, 10], "conversions": [-1, 2]}, index=["control", "treatment"]), ValueError, "non-negative"),
        (pd.DataFrame({"users": [10, 10], "conversions": [1, None]}, index=["control", "treatment"]), ValueError, "missing values"),
        (pd.DataFrame({"users": [10, 10], "conversions": [1, 2]}, index=["control", "new"]), ValueError, "no row 'treatment'"),
        (pd.DataFrame({"users": [10, 10], "conversions": [1, 12]}, index=["control", "treatment"]), ValueError, "conversions <= users"),
        (pd.DataFrame({"users": [0, 10], "conversions": [0, 2]}, index=["control", "treatment"]), ValueError, "users >= 1"),
    ],
)
def test_models_reject_bad_arm_tables(chapter, arms, error, words):
    for build in (chapter["independent_rates_model"], chapter["lift_model"]):
        with pytest.raises(error, match=words):
            build(arms)


def test_resume_callbacks_reproduce_the_paper_and_the_delta_method():
    """The résumé data give Bertrand & Mullainathan's (2004, Table 1) callback rates, 9.65% and
    6.45% (235 and 157 of 2,435 each), a ratio of 1.50; and the chapter's delta-method standard error
    of the lift, (1 + lift) * sqrt(sum (se_r / r)^2), matches the spread of a parametric bootstrap."""
    resumes = helpers.load_csv("resume_names")
    counts = resumes.groupby("ethnicity")["call"].agg(["size", "sum"])
    assert counts.loc["cauc"].tolist() == [2435, 235] and counts.loc["afam"].tolist() == [2435, 157]
    rate = counts["sum"] / counts["size"]
    lift = rate["cauc"] / rate["afam"] - 1
    assert round(1 + lift, 2) == 1.50
    se = np.sqrt(rate * (1 - rate) / counts["size"])
    delta_se = (1 + lift) * np.sqrt(((se / rate) ** 2).sum())
    rng = np.random.default_rng(1)
    boot = rng.binomial(2435, rate["cauc"], 200_000) / rng.binomial(2435, rate["afam"], 200_000) - 1
    assert abs(boot.std() / delta_se - 1) < 0.05  # first order: within 5% at these counts
    assert not np.isclose(delta_se, np.sqrt((se**2).sum()))  # not the s.e. of the difference in rates
