"""The MMM chapter's data generator: deterministic, and its truth is self-consistent."""

import numpy as np

import helpers

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
