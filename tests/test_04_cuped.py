"""The CUPED chapter's data set: deterministic, and the process it claims."""

from __future__ import annotations

import numpy as np
import pytest

import helpers

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
