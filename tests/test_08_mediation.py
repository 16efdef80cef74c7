"""Checks of the mediation chapter's data generator (fast; no sampling)."""

from __future__ import annotations

import numpy as np
import pytest

import helpers

fi = helpers.data_generator("family_intervention")  # CSV == generator, byte for byte: tests/test_data.py


def test_generated_shape():
    assert fi.generate()["family_intervention"].shape == (fi.N, 6) == (410, 6)


def test_columns_are_binary_or_ordinal():
    data = fi.generate()["family_intervention"]
    for column in ("gender", "fam_int", "dev_peer", "sub_exp", "sub_disorder"):
        assert set(data[column].unique()) <= {0, 1}
    assert set(data["conflict"].unique()) <= set(fi.CONFLICT_LEVELS)


def test_true_effects_are_realistic_and_negative():
    truth = fi.true_effects()
    assert -0.10 < truth["te"] < -0.02
    for key in ("de", "iie_dev_peer", "iie_sub_exp"):
        assert truth[key] < 0
    assert abs(truth["interaction"]) < 0.01


def test_exact_truth_matches_simulated_interventions():
    exact = {(t, a, b): fi.expected_outcome(t, a, b) for t in (0, 1) for a in (0, 1) for b in (0, 1)}
    n = 400_000
    for (t, a, b), value in exact.items():
        world = fi.simulate(n, np.random.default_rng(0), treatment={"sub_disorder": t, "dev_peer": a, "sub_exp": b})
        se = np.sqrt(value * (1 - value) / n)
        assert abs(world["sub_disorder"].mean() - value) < 5 * se


def test_simulate_rejects_bad_interventions():
    with pytest.raises(ValueError):
        fi.simulate(10, np.random.default_rng(0), treatment={"fam_int": 1})
    with pytest.raises(ValueError):
        fi.simulate(10, np.random.default_rng(0), treatment={"dev_peer": 2})
