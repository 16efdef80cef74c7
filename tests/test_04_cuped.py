"""The CUPED chapter's data set: deterministic, and the process it claims."""

from __future__ import annotations

import numpy as np
import pytest

import helpers
from book import chapter_functions

cuped = helpers.data_generator("cuped")  # CSV == generator, byte for byte: tests/test_data.py


@pytest.fixture(scope="module")
def big():
    return cuped.simulate(200_000, np.random.default_rng(0))


def test_process_matches_the_documented_truth(big):
    # A large draw from the same process: effect 0.6, within-arm slope 1 and correlation 0.8, season +2.
    arms = big.groupby("treatment")
    gap = arms["y_post"].mean().diff().iloc[-1] - arms["y_pre"].mean().diff().iloc[-1]
    assert abs(gap - cuped.TRUE_EFFECT) < 0.03
    centred = arms[["y_pre", "y_post"]].transform(lambda c: c - c.mean())
    rho = np.corrcoef(centred["y_pre"], centred["y_post"])[0, 1]
    slope = np.cov(centred["y_pre"], centred["y_post"])[0, 1] / centred["y_pre"].var()
    assert abs(rho - 0.8) < 0.005 and abs(cuped.RHO - 0.8) < 1e-12
    assert abs(slope - cuped.THETA) < 0.01
    control = big[big["treatment"] == 0]
    assert abs((control["y_post"] - control["y_pre"]).mean() - cuped.DRIFT) < 0.02
    assert set(big["treatment"].unique()) == {0, 1}


def test_design_makes_cuped_change_the_decision():
    # The difference in means' standard error is about 0.35 h, so a 0.6 h effect is about 1.7 se
    # from zero (often not detected); CUPED's is sqrt(1 - rho^2) = 0.6 times that (about 2.8 se).
    sd_within = np.hypot(cuped.PRE_SD, cuped.NOISE_SD)
    se_difference = sd_within * np.sqrt(4 / cuped.N_USERS)
    se_cuped = cuped.NOISE_SD * np.sqrt(4 / cuped.N_USERS)
    assert 1.2 < cuped.TRUE_EFFECT / se_difference < 1.9
    assert 2.5 < cuped.TRUE_EFFECT / se_cuped
    assert np.isclose(se_cuped / se_difference, np.sqrt(1 - cuped.RHO**2))


def test_one_experiment_is_the_first_row_of_many():
    # simulate() (the committed CSV, the seed study) and simulate_arrays() (the repeated experiments)
    # draw from the same stream in the same order.
    table = cuped.simulate(50, np.random.default_rng(7))
    treatment, y_pre, y_post = cuped.simulate_arrays(1, 50, np.random.default_rng(7))
    assert (table["treatment"].to_numpy() == treatment[0]).all()
    assert np.allclose(table["y_pre"], y_pre[0].round(4)) and np.allclose(table["y_post"], y_post[0].round(4))


def test_seed_follows_the_documented_rule():
    # The talk's date (2026-04-15) plus the chapter number, fixed in advance (data/README.md).
    assert cuped.SEED == helpers.DEFAULT_BASE_SEED + 4


# --- The chapter's model functions, loaded from its seed-study cells (the setup cell is skipped,
# so no ledger is opened; no sampling here).
@pytest.fixture(scope="module")
def chapter():
    return chapter_functions("04-cuped", cuped=cuped)


@pytest.fixture()
def table():
    return cuped.simulate(40, np.random.default_rng(3))


BUILDERS = ["bayesian_cuped_model", "difference_in_means_model"]


def test_models_build_on_the_chapter_table_and_on_renamed_columns(chapter, table):
    model = chapter["bayesian_cuped_model"](table)
    assert {rv.name for rv in model.free_RVs} == {"alpha", "beta", "theta", "sigma"}
    renamed = table.rename(columns={"treatment": "treat", "y_pre": "depress1", "y_post": "depress2"})
    model = chapter["bayesian_cuped_model"](renamed, treatment="treat", covariate="depress1", outcome="depress2",
                                            priors={"intercept_mu": 3.0, "effect_sigma": 0.5})
    assert [rv.name for rv in model.observed_RVs] == ["depress2"]
    plain = chapter["difference_in_means_model"](renamed, treatment="treat", outcome="depress2")
    assert {rv.name for rv in plain.free_RVs} == {"alpha", "beta", "sigma"}


@pytest.mark.parametrize("builder", BUILDERS)
def test_rejects_a_treatment_coded_1_2(chapter, table, builder):
    bad = table.assign(treatment=table["treatment"] + 1)
    with pytest.raises(ValueError, match=r"'treatment' \(the treatment\) must be coded 0 \(control\) and 1"):
        chapter[builder](bad)


@pytest.mark.parametrize("builder", BUILDERS)
def test_rejects_a_single_arm(chapter, table, builder):
    with pytest.raises(ValueError, match="'treatment'.*only one arm"):
        chapter[builder](table.assign(treatment=1))


@pytest.mark.parametrize("builder", BUILDERS)
def test_rejects_a_nan_outcome(chapter, table, builder):
    bad = table.copy()
    bad.loc[3, "y_post"] = np.nan
    with pytest.raises(ValueError, match=r"'y_post' \(the outcome\) has 1 missing values"):
        chapter[builder](bad)


def test_rejects_a_nan_covariate(chapter, table):
    bad = table.copy()
    bad.loc[[1, 5], "y_pre"] = np.nan
    with pytest.raises(ValueError, match=r"'y_pre' \(the pre-period covariate\) has 2 missing values"):
        chapter["bayesian_cuped_model"](bad)


def test_rejects_an_infinite_value(chapter, table):
    bad = table.copy()
    bad.loc[0, "y_pre"] = np.inf
    with pytest.raises(ValueError, match="'y_pre'.*infinite"):
        chapter["bayesian_cuped_model"](bad)


@pytest.mark.parametrize("column", ["treatment", "y_pre", "y_post"])
def test_rejects_a_missing_column(chapter, table, column):
    with pytest.raises(ValueError, match=f"missing column '{column}'"):
        chapter["bayesian_cuped_model"](table.drop(columns=column))


def test_rejects_a_misspelled_column_argument(chapter, table):
    with pytest.raises(ValueError, match=r"missing column 'pre_usage' \(the pre-period covariate\)"):
        chapter["bayesian_cuped_model"](table, covariate="pre_usage")


@pytest.mark.parametrize("column", ["treatment", "y_pre", "y_post"])
def test_rejects_a_non_numeric_column(chapter, table, column):
    bad = table.assign(**{column: table[column].astype(str)})
    with pytest.raises(TypeError, match=f"column '{column}' .* must be numeric"):
        chapter["bayesian_cuped_model"](bad)


def test_rejects_a_treatment_given_as_labels(chapter, table):
    bad = table.assign(treatment=table["treatment"].map({0: "control", 1: "focus mode"}))
    with pytest.raises(TypeError, match="'treatment' .* must be numeric"):
        chapter["difference_in_means_model"](bad)


def test_rejects_what_is_not_a_table_and_unknown_priors(chapter, table):
    with pytest.raises(TypeError, match="DataFrame"):
        chapter["bayesian_cuped_model"](table.to_numpy())
    with pytest.raises(ValueError, match="unknown prior names"):
        chapter["bayesian_cuped_model"](table, priors={"effect_sd": 1.0})
    with pytest.raises(ValueError, match="positive"):
        chapter["bayesian_cuped_model"](table, priors={"effect_sigma": 0.0})
