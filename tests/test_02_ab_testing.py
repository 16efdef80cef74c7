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
