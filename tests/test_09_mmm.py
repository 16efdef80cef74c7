"""The MMM chapter's data generator: deterministic, and its truth is self-consistent."""

import numpy as np

import helpers
from book import chapter_functions

gen = helpers.data_generator("mmm_confounded")  # CSV == generator, byte for byte: tests/test_data.py


def test_generated_tables():
    a = gen.generate()
    assert set(a) == {"mmm_confounded", "mmm_confounded_lift_tests"}
    assert a["mmm_confounded"].shape == (gen.N_WEEKS, 5)


def test_x1_is_confounded_and_x2_is_not():
    df = gen.generate()["mmm_confounded"]
    assert df["x1"].corr(df["z"]) > 0.5
    assert abs(df["x2"].corr(df["z"])) < 0.2


def test_true_roas_matches_contribution_over_spend():
    df = gen.generate()["mmm_confounded"]
    roas = gen.true_roas(df)
    for ch in gen.CHANNELS:
        contribution = gen.channel_contribution(df[ch].to_numpy(), ch).sum()
        assert np.isclose(roas[ch], contribution / df[ch].sum())
    assert roas["x2"] > roas["x1"] > 0


def test_adstock_is_normalised():
    constant = np.full(30, 7.0)
    assert np.allclose(gen.geometric_adstock(constant, 0.5)[gen.L_MAX:], 7.0)


def test_lift_tests_are_near_the_true_curve():
    lifts = gen.generate()["mmm_confounded_lift_tests"]
    for _, row in lifts.iterrows():
        sat = lambda s: gen.TRUE["beta"]["x1"] * gen.logistic_saturation(s, gen.TRUE["lam"]["x1"])  # noqa: E731
        true_lift = sat(row["x"] + row["delta_x"]) - sat(row["x"])
        assert abs(row["delta_y"] - true_lift) < 4 * row["sigma"]


def test_generate_with_a_fresh_rng_draws_a_new_data_set_of_the_same_design():
    committed = gen.generate()
    again = gen.generate(np.random.default_rng(gen.SEED))
    fresh = gen.generate(np.random.default_rng(gen.SEED + 1))
    assert committed["mmm_confounded"].equals(again["mmm_confounded"])
    assert committed["mmm_confounded_lift_tests"].equals(again["mmm_confounded_lift_tests"])
    df = fresh["mmm_confounded"]
    assert df.shape == committed["mmm_confounded"].shape
    assert not df["y"].equals(committed["mmm_confounded"]["y"])
    assert df["x1"].corr(df["z"]) > 0.5  # the confounding is structural, not a property of one draw
    roas = gen.true_roas(df)
    assert roas["x2"] > roas["x1"] > 0


def test_lift_tests_are_at_the_design_spend_levels():
    lifts = gen.generate()["mmm_confounded_lift_tests"]
    assert list(zip(lifts["x"], lifts["delta_x"])) == gen.LIFT_TESTS
    assert np.allclose(lifts["x"] + lifts["delta_x"], [0.0, 1.5 * lifts["x"].iloc[1]])


# --- The chapter's functions, loaded from its seed-study cells (the setup cell is skipped, so no
# ledger is opened; nothing here samples: every rejection happens before the model is built).
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return chapter_functions("09-mmm", SEED=1)


@pytest.fixture()
def weeks(chapter):
    return chapter["df"].copy()


@pytest.fixture()
def tests_table():
    return gen.generate()["mmm_confounded_lift_tests"].copy()


def test_the_chapter_table_and_lift_tests_are_accepted(chapter, weeks, tests_table):
    chapter["check_weekly_table"](weeks, ["trend", "z"])
    chapter["check_lift_tests"](tests_table)


@pytest.mark.parametrize("change, error, message", [
    (lambda f: f.drop(columns="x2"), ValueError, r"no column \['x2'\]"),
    (lambda f: f.drop(columns="trend"), ValueError, r"no column \['trend'\]"),
    (lambda f: f.assign(y=f["y"].astype(str)), TypeError, "column 'y' must be numeric"),
    (lambda f: f.assign(x1=f["x1"].where(f.index != 3)), ValueError, "column 'x1' has 1 missing values"),
    (lambda f: f.assign(x2=-f["x2"]), ValueError, r"column 'x2' \(spend\) has negative values"),
    (lambda f: f.iloc[::-1], ValueError, "column 'date' must list each week once, in increasing order"),
    (lambda f: f.assign(date="not a date"), ValueError, "column 'date' has missing values or values that are not dates"),
])
def test_fit_mmm_rejects_a_bad_weekly_table(chapter, weeks, change, error, message):
    mmm = chapter["make_mmm"](["trend"])
    with pytest.raises(error, match=message):
        chapter["fit_mmm"](mmm, change(weeks), 1)


@pytest.mark.parametrize("change, message", [
    (lambda t: t.drop(columns="sigma"), r"no column \['sigma'\]"),
    (lambda t: t.assign(channel="tv"), r"column 'channel' names \['tv'\]"),
    (lambda t: t.assign(sigma=0.0), "column 'sigma'.*must be positive"),
    (lambda t: t.assign(delta_y=[1.0, float("nan")]), "column 'delta_y' must be numeric with no missing values"),
    (lambda t: t.assign(delta_x=-100.0), "cannot be negative"),
])
def test_lift_tests_are_rejected_before_any_model_is_built(chapter, weeks, tests_table, change, message):
    with pytest.raises(ValueError, match=message):
        chapter["check_lift_tests"](change(tests_table))
    # the same check guards both entry points that take lift tests
    with pytest.raises(ValueError, match=message):
        chapter["fit_mmm"](chapter["make_mmm"](["trend"]), weeks, 1, lift_tests=change(tests_table))
    with pytest.raises(ValueError, match=message):
        chapter["lift_only_curve"](None, change(tests_table), 1)


def test_the_lift_test_likelihood_is_passed_explicitly_as_a_normal(chapter):
    assert chapter["LIFT_LIKELIHOOD"].distribution == "Normal"


@pytest.mark.parametrize("data_seed", [None, 1, 2])
def test_the_best_plan_lies_inside_the_budget_bounds(chapter, data_seed):
    """The budget check is more than a ranking check: the oracle is interior, not on a bound."""
    tables = gen.generate(None if data_seed is None else np.random.default_rng(data_seed))
    frame = chapter["add_trend"](tables["mmm_confounded"])
    plans = chapter["price_plans"](frame, {})
    weekly_budget, _, bounds = chapter["plan_constraints"](frame)
    low = max(bounds["x1"][0], weekly_budget - bounds["x2"][1])
    high = min(bounds["x1"][1], weekly_budget - bounds["x2"][0])
    assert low + 0.5 < plans.loc["oracle", "x1"] < high - 0.5
    assert plans.loc["historical split", "loss vs oracle (k€)"] > 0
