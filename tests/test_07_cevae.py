"""The online-game generator: deterministic, and its do() really intervenes."""

import numpy as np

import helpers

online_game = helpers.data_generator("online_game")  # CSV == generator, byte for byte: tests/test_data.py


def test_generated_table():
    a = online_game.generate()["online_game"]
    assert len(a) == 10_000
    assert list(a.columns) == ["player_id", "guild", "engagement", "won_items", "purchases", "motivation"]
    assert (a["purchases"] > 0).all()


def test_do_cuts_engagement_and_keeps_exogenous_noise():
    treated = online_game.simulate(np.random.default_rng(1), 5000, engagement=1)
    control = online_game.simulate(np.random.default_rng(1), 5000, engagement=0)
    assert treated["engagement"].eq(1).all() and control["engagement"].eq(0).all()
    assert np.array_equal(treated["motivation"], control["motivation"])
    assert np.array_equal(treated["guild"], control["guild"])
    assert (treated["won_items"] >= control["won_items"]).all()  # same uniforms, higher rate


def test_true_ate_matches_closed_form():
    p = online_game.PARAMS
    lam = {e: np.exp(p["won_items_log_rate"] + p["won_items_engagement"] * e) for e in (0, 1)}
    k = np.exp(p["purchases_won_items"]) - 1
    base = (np.exp(p["purchases_log_intercept"])
            * (1 - p["p_guild"] + p["p_guild"] * np.exp(p["purchases_guild"]))
            * np.exp(p["purchases_motivation"] ** 2 / 2 + p["purchases_log_sd"] ** 2 / 2))
    exact = base * (np.exp(lam[1] * k) - np.exp(lam[0] * k))
    assert abs(online_game.true_ate(n=400_000) - exact) < 0.05 * exact
