"""The online-game generator, and the chapter's reusable CEVAE functions (no training)."""

import numpy as np
import pandas as pd
import pytest

import helpers
from book import chapter_functions

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


# --- The chapter's CEVAE functions, loaded from its seed-study cells (the setup cell is skipped,
# so no ledger is opened) ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def chapter():
    return chapter_functions("07-cevae")


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    n = 40
    return pd.DataFrame({
        "t": rng.integers(0, 2, n),
        "covariate": rng.normal(size=n),
        "binary_proxy": rng.integers(0, 2, n),
        "count_proxy": rng.poisson(3.0, n),
        "real_proxy": rng.normal(size=n),
        "m": rng.poisson(2.0, n),
        "y": np.exp(rng.normal(size=n)),
    })


ROLES = {"treatment": "t", "outcome": "y", "covariates": ["covariate"],
         "proxies": ["binary_proxy", "count_proxy", "real_proxy"], "mediators": ["m"],
         "kinds": {"y": "positive"}}


def test_column_kinds_are_read_from_the_data(chapter, table):
    kind = chapter["column_kind"]
    assert kind(table["t"]) == "binary"
    assert kind(table["count_proxy"]) == "count"
    assert kind(table["real_proxy"]) == "continuous"
    assert kind(table["y"]) == "continuous"  # positive must be asked for
    spec = chapter["cevae_spec"](table, ROLES)
    assert spec["kinds"] == {"covariate": "continuous", "binary_proxy": "binary", "count_proxy": "count",
                             "real_proxy": "continuous", "t": "binary", "m": "count", "y": "positive"}


def test_treatment_must_be_binary(chapter, table):
    with pytest.raises(ValueError, match="binary"):
        chapter["cevae_spec"](table, {**ROLES, "treatment": "count_proxy",
                                      "proxies": ["binary_proxy", "real_proxy"]})


def _trace(chapter, table, roles, batch_size=None):
    import functools

    import jax
    from numpyro import handlers

    spec = chapter["cevae_spec"](table, roles)
    data = chapter["cevae_data"](table, spec)
    networks = chapter["cevae_networks"](spec, 0)
    guide = functools.partial(chapter["cevae_guide"], spec=spec, networks=networks, batch_size=batch_size)
    model = functools.partial(chapter["cevae_model"], spec=spec, networks=networks, batch_size=batch_size)
    guide_trace = handlers.trace(handlers.seed(guide, jax.random.key(0))).get_trace(data)
    return handlers.trace(handlers.replay(handlers.seed(model, jax.random.key(1)), guide_trace)).get_trace(data)


def test_each_column_gets_the_likelihood_of_its_kind(chapter, table):
    import numpyro.distributions as dist

    trace = _trace(chapter, table, ROLES)
    expected = {"binary_proxy": dist.BernoulliLogits, "count_proxy": dist.Poisson, "real_proxy": dist.Normal,
                "t": dist.BernoulliLogits, "m": dist.Poisson, "y": dist.LogNormal}
    for column, family in expected.items():
        fn = trace[column]["fn"]
        while isinstance(fn, dist.ExpandedDistribution):
            fn = fn.base_dist
        assert isinstance(fn, family), (column, type(fn))
        assert trace[column]["is_observed"], column
    assert "covariate" not in trace  # covariates are conditioned on, not modelled


def test_plate_subsamples_and_scales_the_minibatch(chapter, table):
    trace = _trace(chapter, table, ROLES, batch_size=8)
    assert trace["unit"]["type"] == "plate" and trace["unit"]["value"].shape == (8,)
    assert trace["y"]["value"].shape == (8,)
    assert trace["y"]["scale"] == pytest.approx(len(table) / 8)
    full = _trace(chapter, table, ROLES)
    assert full["y"]["value"].shape == (len(table),) and full["y"]["scale"] in (None, 1.0)


def test_do_sets_the_treatment_and_leaves_the_rest_random(chapter, table):
    import functools

    import jax
    import jax.numpy as jnp
    from numpyro import handlers

    spec = chapter["cevae_spec"](table, ROLES)
    data = chapter["cevae_data"](table, spec)
    model = functools.partial(chapter["cevae_model"], spec=spec, networks=chapter["cevae_networks"](spec, 0))
    intervened = handlers.do(model, data={"t": jnp.ones(len(table))})
    trace = handlers.trace(handlers.seed(intervened, jax.random.key(0))).get_trace(data, observed=False)
    assert not trace["m"]["is_observed"] and not trace["y"]["is_observed"]
    assert np.all(np.asarray(trace["outcome_mean"]["value"]) > 0)


# --- fit_cevae's entry point (cevae_spec) rejects what it cannot handle, naming the column ---------
@pytest.mark.parametrize("roles, error, match", [
    ({**ROLES, "confounders": ["covariate"]}, ValueError, "unknown role.*confounders"),
    ({**ROLES, "covariates": ["guild"]}, ValueError, "'guild' \\(covariates\\) not in the table"),
    ({**ROLES, "outcome": "spend"}, ValueError, "'spend' \\(outcome\\) not in the table"),
    ({**ROLES, "kinds": {"y": "lognormal"}}, ValueError, "column 'y': unknown kind 'lognormal'"),
    ({**ROLES, "kinds": {"guild": "binary"}}, ValueError, "'guild', which has no role"),
    ({**ROLES, "covariates": "covariate"}, TypeError, "must be a list of column names"),
    ({**ROLES, "mediators": ["m", "covariate"]}, ValueError, "more than one role"),
    ({k: v for k, v in ROLES.items() if k != "treatment"}, ValueError, "roles\\['treatment'\\] must name"),
])
def test_bad_roles_are_rejected(chapter, table, roles, error, match):
    with pytest.raises(error, match=match):
        chapter["cevae_spec"](table, roles)


@pytest.mark.parametrize("column, values, error, match", [
    ("y", lambda t: t["y"].where(t.index != 3), ValueError, "'y' has 1 missing"),
    ("covariate", lambda t: t["covariate"].where(t.index != 5), ValueError, "'covariate' has 1 missing"),
    ("y", lambda t: t["y"] - 2.0, ValueError, "'y' is positive \\(LogNormal\\) but has"),
    ("real_proxy", lambda t: t["real_proxy"].astype(str), TypeError, "'real_proxy' must be numeric"),
    ("m", lambda t: t["m"] + 0.5, ValueError, None),  # a non-integer mediator is continuous: accepted
])
def test_bad_values_are_rejected(chapter, table, column, values, error, match):
    bad = table.assign(**{column: values(table)})
    if match is None:
        assert chapter["cevae_spec"](bad, ROLES)["kinds"][column] == "continuous"
        return
    with pytest.raises(error, match=match):
        chapter["cevae_spec"](bad, ROLES)


def test_declared_kinds_are_checked_against_the_values(chapter, table):
    with pytest.raises(ValueError, match="'real_proxy' is binary but"):
        chapter["cevae_spec"](table, {**ROLES, "kinds": {"y": "positive", "real_proxy": "binary"}})
    with pytest.raises(ValueError, match="'real_proxy' is a count but"):
        chapter["cevae_spec"](table, {**ROLES, "kinds": {"y": "positive", "real_proxy": "count"}})


def test_fit_cevae_rejects_bad_input_before_training(chapter, table):
    with pytest.raises(ValueError, match="unknown role.*confounders"):
        chapter["fit_cevae"](table, {"treatment": "t", "outcome": "y", "confounders": ["guild"]},
                             n_fits=1, n_steps=1, seed=0)
    with pytest.raises(ValueError, match="n_fits must be a positive integer"):
        chapter["fit_cevae"](table, ROLES, n_fits=0, n_steps=1, seed=0)


# --- frontdoor_binary: the front door with a binary treatment and mediator --------------------------
def _front_door_table(rng, n=4000, empty_cell=True):
    u = rng.normal(size=n)
    x = (rng.uniform(size=n) < 1 / (1 + np.exp(-u))).astype(int)
    m = (rng.uniform(size=n) < (0.6 * x if empty_cell else 0.2 + 0.5 * x)).astype(int)
    y = 10 + 5 * m + 3 * u + rng.normal(size=n)
    return x, m, y


def test_frontdoor_binary_is_the_two_stage_regression_when_k_is_1(chapter):
    import statsmodels.api as sm
    x, m, y = _front_door_table(np.random.default_rng(3))
    assert (m[x == 0] == 0).all()  # the empty cell of Ness's data
    two_stage = (sm.OLS(m, sm.add_constant(x)).fit().params[1]
                 * sm.OLS(y, sm.add_constant(np.column_stack([m, x]))).fit().params[1])
    assert chapter["frontdoor_binary"](x, m, y) == pytest.approx(two_stage, rel=1e-9)
    # linear in k, and k = 0 drops the never-treated's share
    at = {k: chapter["frontdoor_binary"](x, m, y, k) for k in (0.0, 1.0, 2.0)}
    assert at[2.0] - at[1.0] == pytest.approx(at[1.0] - at[0.0])
    assert at[0.0] == pytest.approx(at[1.0] * x.mean())


def test_frontdoor_binary_recovers_the_effect_with_both_cells(chapter):
    x, m, y = _front_door_table(np.random.default_rng(4), n=200_000, empty_cell=False)
    # true ATE: 5 * (P(m | do(x=1)) - P(m | do(x=0))) = 5 * 0.5; k is ignored when both cells exist
    for k in (0.0, 1.0):
        assert chapter["frontdoor_binary"](x, m, y, k) == pytest.approx(2.5, abs=0.1)


@pytest.mark.parametrize("change, match", [
    (lambda x, m, y: (x + 1, m, y), "treatment x must be binary"),
    (lambda x, m, y: (x, m * 2, y), "mediator m must be binary"),
    (lambda x, m, y: (x, m, np.where(np.arange(y.size) == 7, np.nan, y)), "outcome y has 1 missing"),
    (lambda x, m, y: (x, m[:-1], y), "mediator m must be one value per unit"),
    (lambda x, m, y: (np.ones_like(x), m, y), "one value only"),
    (lambda x, m, y: (x, np.zeros_like(m), y), "not estimable"),
])
def test_frontdoor_binary_rejects_bad_input(chapter, change, match):
    x, m, y = _front_door_table(np.random.default_rng(5), n=200)
    with pytest.raises(ValueError, match=match):
        chapter["frontdoor_binary"](*change(x, m, y))
