"""The CUPED chapter's data set: deterministic, and the process it claims."""

from __future__ import annotations

import numpy as np

import helpers

cuped = helpers.data_generator("cuped")  # CSV == generator, byte for byte: tests/test_data.py


def test_process_matches_the_documented_truth():
    # A large draw from the same process: the documented effect and within-arm corr(y_pre, y_post) = RHO (0.8).
    big = cuped.simulate(200_000, np.random.default_rng(0))
    arms = big.groupby("treatment")
    gap = arms["y_post"].mean().diff().iloc[-1] - arms["y_pre"].mean().diff().iloc[-1]
    assert abs(gap - cuped.TRUE_EFFECT) < 0.02
    centred = arms[["y_pre", "y_post"]].transform(lambda c: c - c.mean())
    rho = np.corrcoef(centred["y_pre"], centred["y_post"])[0, 1]
    assert abs(rho - cuped.RHO) < 0.01 and abs(cuped.RHO - 0.8) < 1e-12
    assert set(big["treatment"].unique()) == {0, 1}
