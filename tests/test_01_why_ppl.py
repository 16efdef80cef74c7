"""Chapter 01 (why PPLs): the simulated world the chapter draws its data from.

The chapter simulates its data in its own cells (no CSV). These tests execute the
chapter's cells tagged ``seed-study`` (imports, the causal model, the true world and
the functions the chapter calls), without the setup cell, so no ledger is touched,
and check the design's structural facts that the chapter's prose and the deck rely on.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import helpers
from book import CHAPTERS_DIR, code_cells


@pytest.fixture(scope="module")
def chapter():
    namespace = {"helpers": helpers, "SEED": 1, "__name__": "chapter_01"}
    cells = code_cells((CHAPTERS_DIR / "01-why-ppl.qmd").read_text())
    tagged = [src for opts, src in cells if "seed-study" in opts.get("tags", "")]
    assert tagged, "the chapter tags its model and data cells for the seed study"
    for source in tagged:
        exec(compile(source, "01-why-ppl.qmd", "exec"), namespace)
    return namespace


def population_naive_difference(params: dict) -> float:
    """E[spend | coupon] - E[spend | no coupon] in the population, by quadrature over engagement."""
    engagement = np.linspace(-10, 10, 40_001)
    density = stats.norm.pdf(engagement)
    p_coupon = 1 / (1 + np.exp(-(params["alpha_coupon"] + params["gamma_engagement"] * engagement)))
    mean_treated = np.sum(engagement * density * p_coupon) / np.sum(density * p_coupon)
    mean_control = np.sum(engagement * density * (1 - p_coupon)) / np.sum(density * (1 - p_coupon))
    return params["tau"] + params["beta_engagement"] * (mean_treated - mean_control)


def test_data_are_reproducible_from_a_seed(chapter):
    first = chapter["simulate_customers"](np.random.default_rng(7))
    again = chapter["simulate_customers"](np.random.default_rng(7))
    other = chapter["simulate_customers"](np.random.default_rng(8))
    assert list(first.columns) == ["engagement", "coupon", "spend"]
    assert len(first) == chapter["N_CUSTOMERS"]
    assert first.equals(again)
    assert not first.equals(other)
    assert set(first["coupon"].unique()) == {0, 1}


def test_naive_bias_is_structural(chapter):
    """The naive difference is more than three times the effect in the population, not by luck of a draw."""
    params = chapter["TRUE_PARAMS"]
    population = population_naive_difference(params)
    assert population > 3 * params["tau"]
    draws = [chapter["difference_in_means"](chapter["simulate_customers"](np.random.default_rng(s)))
             for s in range(20)]
    # 20 data sets of 1,000 customers: their mean is the population value up to 4 standard errors.
    assert abs(np.mean(draws) - population) < 4 * np.std(draws, ddof=1) / np.sqrt(len(draws))
    assert min(draws) > 3 * params["tau"]


def test_counterfactuals_by_abduction_reproduce_the_data(chapter):
    """Each customer's own noise, with the coupon set both ways, gives back the observed spend."""
    import pymc as pm

    customers = chapter["simulate_customers"](np.random.default_rng(3))
    world = chapter["true_world"]

    def expected(coupon):
        fixed = pm.do(world, {"engagement": customers["engagement"].to_numpy(), "coupon": coupon})
        return pm.draw(fixed["mu_spend"])

    n = len(customers)
    noise = customers["spend"].to_numpy() - expected(customers["coupon"].to_numpy())
    y1 = expected(np.ones(n, dtype="int64")) + noise
    y0 = expected(np.zeros(n, dtype="int64")) + noise
    t = customers["coupon"].to_numpy()
    assert np.allclose(t * y1 + (1 - t) * y0, customers["spend"])
    assert np.allclose(y1 - y0, chapter["TRUE_ATE"])
    sigma = chapter["TRUE_PARAMS"]["sigma"]
    assert abs(noise.std() - sigma) < 4 * sigma / np.sqrt(2 * n)


def test_reversed_program_fits_as_well_and_answers_the_naive_difference(chapter):
    """The program's order is the causal order: coupon -> engagement fits the same data about as well,
    and its do() answer is the naive difference (omitted-variable identity), the chapter's is tau-hat."""
    for seed in (3, 11):
        raw = chapter["simulate_customers"](np.random.default_rng(seed))
        customers = chapter["standardise"](raw)
        assert abs(customers["engagement"].mean()) < 1e-12 and np.isclose(customers["engagement"].std(ddof=0), 1)
        forward, reverse = chapter["maximum_likelihood"](customers)
        forward_loglik = chapter["log_likelihood"](chapter["causal_model"], forward, customers)
        gap = forward_loglik - chapter["log_likelihood"](chapter["reverse_model"], reverse, customers)
        assert abs(gap.sum()) < 4 * gap.std() * np.sqrt(len(gap))
        # the same check rejects a program with no arrow between engagement and the coupon
        no_arrow = {**reverse, "engagement_mean": np.zeros(2), "engagement_sd": 1.0}
        no_arrow_gap = forward_loglik - chapter["log_likelihood"](chapter["reverse_model"], no_arrow, customers)
        assert no_arrow_gap.sum() > 4 * no_arrow_gap.std() * np.sqrt(len(no_arrow_gap))
        # standardising changes neither do() answer
        assert np.isclose(chapter["maximum_likelihood"](raw)[0]["tau"], forward["tau"])
        naive = chapter["difference_in_means"](customers)
        assert np.isclose(chapter["do_effect"](chapter["reverse_model"], reverse), naive)
        assert np.isclose(chapter["do_effect"](chapter["causal_model"], forward), forward["tau"])
        assert naive - forward["tau"] > 2 * chapter["TRUE_ATE"]
