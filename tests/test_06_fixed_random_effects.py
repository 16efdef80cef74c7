"""Chapter 6's simulator, model builders, claims and LOO rule, loaded from its seed-study cells (no sampling)."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import helpers
from book import chapter_functions

CHAPTER = "06-fixed-random-effects"


@pytest.fixture(scope="module")
def chapter():
    return chapter_functions(CHAPTER)


@pytest.fixture(scope="module")
def students(chapter):
    return chapter["simulate_schools"](1)


def test_design_many_small_schools(chapter, students):
    assert len(students) == chapter["N_STUDENTS"] == 1_000
    sizes = students.groupby("school").size()
    assert len(sizes) == chapter["N_SCHOOLS"] == 100
    assert (sizes == chapter["STUDENTS_PER_SCHOOL"]).all()
    # school-level variables are constant within a school
    assert (students.groupby("school")[["z", "u_hidden"]].nunique() == 1).all().all()
    assert set(students["y"].unique()) <= {0, 1}


def test_data_seed_decides_the_data(chapter):
    first, again, other = (chapter["simulate_schools"](s) for s in (7, 7, 8))
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["x"], other["x"])


def test_true_world_has_no_effect_of_x(chapter):
    true_model = chapter["true_model"]
    assert chapter["TRUE"]["b_xy"] == 0.0
    # pm.do fixed every parameter: only data nodes are random
    assert {rv.name for rv in true_model.free_RVs} == {"u", "z", "x", "y"}


def test_school_table(chapter, students):
    table = chapter["school_table"](students)
    assert len(table) == 100
    np.testing.assert_allclose(table["x_bar"], students.groupby("school")["x"].mean())


def test_fixed_effects_model_is_the_within_estimator(chapter, students):
    """x enters centred within schools, and a = s - b_zy z is the intercept the prior is on."""
    model = chapter["fixed_effects_model"](students)
    assert {rv.name for rv in model.free_RVs} == {"b_xy", "b_zy", "s"}
    point = {"b_zy": np.array(0.7), "s": np.linspace(-1, 1, 100)}
    a = model.compile_fn(model["a"], inputs=[model["b_zy"], model["s"]])(point)
    z_school = students.groupby("school")["z"].first().to_numpy()
    np.testing.assert_allclose(a, point["s"] - 0.7 * z_school)
    within = students["x"] - chapter["school_mean"](students, "x")
    assert np.allclose(within.groupby(students["school"]).mean(), 0)


@pytest.mark.parametrize("builder, extra", [
    ("naive_model", {"a"}),
    ("multilevel_model", {"a_bar", "tau", "a_z"}),
    ("mundlak_model", {"a_bar", "tau", "a_z", "b_xbar"}),
    ("latent_mundlak_model", {"a_bar", "tau", "a_z", "b_uy", "u", "sigma_u", "alpha_x", "sigma_x"}),
])
def test_model_builders(chapter, students, builder, extra):
    model = chapter[builder](students)
    assert {rv.name for rv in model.free_RVs} == {"b_xy", "b_zy"} | extra
    # the seed study swaps fresh data into these containers
    assert {"school_idx", "y_obs"} <= {var.name for var in model.data_vars}
    np.testing.assert_array_equal(model["y_obs"].get_value(), students["y"])


def _fake_idatas(means: dict[str, float], sd=0.05, b_zy=1.0):
    rng = np.random.default_rng(0)
    return {
        name: xr.DataTree.from_dict({"posterior": xr.Dataset({
            "b_xy": (("chain", "draw"), rng.normal(mean, sd, (2, 500))),
            "b_zy": (("chain", "draw"), rng.normal(b_zy, 0.08, (2, 500))),
        })})
        for name, mean in means.items()
    }


def _verdicts(chapter, idatas):
    return {key: helpers.ledger_entry(key, values, **rule)["passes"]
            for key, (values, rule) in chapter["headline_entries"](idatas).items()}


TYPICAL = {"Naive": 0.6, "Fixed effects": 0.0, "Multilevel": 0.55, "Mundlak": 0.01, "Latent Mundlak": -0.01}


def test_claims_pass_on_the_story(chapter):
    assert all(_verdicts(chapter, _fake_idatas(TYPICAL)).values())


def test_claims_can_fail(chapter):
    """Each headline check fails for the wrong answer it names."""
    # a multilevel model that found the truth: its below_hdi check fails
    unbiased = _verdicts(chapter, _fake_idatas({**TYPICAL, "Multilevel": 0.0}))
    assert not unbiased["bxy_multilevel"]
    # confounded models biased the other way (downward): the one-sided checks fail too
    wrong_side = _verdicts(chapter, _fake_idatas({**TYPICAL, "Naive": -0.6, "Multilevel": -0.55}))
    assert not wrong_side["bxy_naive"] and not wrong_side["bxy_multilevel"]
    # the within estimators giving the random-effects answer: their in_hdi checks fail
    for name, key in [("Fixed effects", "bxy_fixed"), ("Mundlak", "bxy_mundlak"),
                      ("Latent Mundlak", "bxy_mundlak_latent")]:
        assert not _verdicts(chapter, _fake_idatas({**TYPICAL, name: 0.55}))[key]
    # a multilevel estimate so close to zero that the within estimators cannot tell it from the truth
    close = _verdicts(chapter, _fake_idatas({**TYPICAL, "Multilevel": 0.05}))
    assert not close["bxy_mundlak"]
    # funding with no effect: the b_zy check fails
    assert not _verdicts(chapter, _fake_idatas(TYPICAL, b_zy=0.0))["bzy_mundlak_latent"]


@pytest.mark.parametrize("gap, dse, verdict", [
    (0.0, 0.0, "tied with the best"),
    (3.9, 0.5, "tied with the best"),
    (10.0, 2.0, "behind the best"),
    (6.0, 4.0, "unclear"),
])
def test_loo_rule(chapter, gap, dse, verdict):
    row = pd.Series({"elpd_diff": -gap, "dse": dse})
    assert chapter["loo_verdict"](row) == verdict


def test_effect_world_changes_only_the_outcome(chapter):
    """The seed study's second world: same schools and app use, exams driven by b_xy = 0.5 too."""
    null_world, effect_world = chapter["simulate_schools"](3), chapter["simulate_schools"](3, b_xy=0.5)
    pd.testing.assert_frame_equal(null_world.drop(columns="y"), effect_world.drop(columns="y"))
    assert effect_world["y"].mean() > null_world["y"].mean()  # app use is positive on average here
    assert chapter["EFFECT_B_XY"] == 0.5


EFFECT_TYPICAL = {"Naive": 1.1, "Multilevel": 1.0, "Mundlak": 0.5, "Latent Mundlak": 0.48}


def _effect_verdicts(chapter, means):
    return {key: helpers.ledger_entry(key, values, **rule)["passes"]
            for key, (values, rule) in chapter["effect_entries"](_fake_idatas(means, sd=0.08)).items()}


def test_effect_claims_pass_on_the_story(chapter):
    assert all(_effect_verdicts(chapter, EFFECT_TYPICAL).values())


def test_effect_claims_reject_shrinkage_and_confounding(chapter):
    # a Mundlak model that over-shrinks b_xy to zero, or a slight shrink the null-world check would miss
    for name, key in [("Mundlak", "bxy05_mundlak"), ("Latent Mundlak", "bxy05_mundlak_latent")]:
        assert not _effect_verdicts(chapter, {**EFFECT_TYPICAL, name: 0.0})[key]
        assert not _effect_verdicts(chapter, {**EFFECT_TYPICAL, name: 0.2})[key]
        assert not _effect_verdicts(chapter, {**EFFECT_TYPICAL, name: 1.0})[key]  # the confounded answer
    # a multilevel (or naive) model that found the truth, or missed it on the low side
    for name, key in [("Multilevel", "bxy05_multilevel"), ("Naive", "bxy05_naive")]:
        assert not _effect_verdicts(chapter, {**EFFECT_TYPICAL, name: 0.5})[key]
        assert not _effect_verdicts(chapter, {**EFFECT_TYPICAL, name: 0.0})[key]


# --- panel_model: the chapter's models for a reader's own panel, and its input checks ---------
def _panel():
    rng = np.random.default_rng(0)
    n_groups, n_periods = 30, 4
    group = np.repeat(np.arange(n_groups), n_periods)
    table = pd.DataFrame({
        "person": group,
        "union": rng.integers(0, 2, group.size),
        "married": rng.integers(0, 2, group.size),
        "year_1": np.tile([0, 1, 0, 0], n_groups),
        "year_2": np.tile([0, 0, 1, 0], n_groups),
        "schooling": rng.integers(8, 17, n_groups)[group],
        "log_wage": rng.normal(1.5, 0.5, group.size),
    })
    table["passed"] = (table["log_wage"] > 1.5).astype(int)
    return table


PANEL_SPEC = dict(group="person", treatment="union", outcome="log_wage", controls=["married", "year_1", "year_2"],
                  group_covariates=["schooling"])


@pytest.mark.parametrize("kind, extra", [
    ("pooled", {"a"}),
    ("fixed", {"s"}),
    ("multilevel", {"a_bar", "tau", "s"}),
    ("mundlak", {"a_bar", "tau", "s", "b_xbar", "b_cbar"}),
])
def test_panel_model_kinds(chapter, kind, extra):
    model = chapter["panel_model"](_panel(), kind=kind, **PANEL_SPEC)
    assert {rv.name for rv in model.free_RVs} == {"b_xy", "b_q", "b_zy", "sigma"} | extra
    assert "b_c" in {v.name for v in model.deterministics}


def test_panel_model_bernoulli_is_non_centred(chapter):
    model = chapter["panel_model"](_panel(), kind="mundlak", family="bernoulli",
                                   **{**PANEL_SPEC, "outcome": "passed"})
    assert {"a_z", "tau"} <= {rv.name for rv in model.free_RVs} and "sigma" not in model.named_vars


@pytest.mark.parametrize("change, error, words", [
    (dict(treatment="unions"), ValueError, "no column 'unions'"),
    (dict(kind="random"), ValueError, "kind must be one of"),
    (dict(family="poisson"), ValueError, "family must be one of"),
    (dict(controls=["union"]), ValueError, "two roles"),
    (dict(family="bernoulli"), ValueError, "must be coded 0/1"),
    (dict(group_covariates=["married"], controls=["year_1", "year_2"]), ValueError, "vary within"),
    (dict(controls=[3]), TypeError, "column names as strings"),
])
def test_panel_model_rejects_bad_arguments(chapter, change, error, words):
    with pytest.raises(error, match=words):
        chapter["panel_model"](_panel(), **{**PANEL_SPEC, **change})


def test_panel_model_rejects_bad_tables(chapter):
    build = chapter["panel_model"]
    with pytest.raises(TypeError, match="DataFrame"):
        build(_panel().to_numpy(), **PANEL_SPEC)
    text = _panel().assign(married=lambda t: t["married"].map({0: "no", 1: "yes"}))
    with pytest.raises(TypeError, match="'married' must be numeric"):
        build(text, **PANEL_SPEC)
    missing = _panel()
    missing.loc[3, "log_wage"] = np.nan
    with pytest.raises(ValueError, match="'log_wage' has 1 missing"):
        build(missing, **PANEL_SPEC)
    never_changes = _panel().assign(union=lambda t: t["person"] % 2)
    with pytest.raises(ValueError, match="never changes within"):
        build(never_changes, kind="fixed", **{k: v for k, v in PANEL_SPEC.items()})
    build(never_changes, kind="multilevel", **PANEL_SPEC)  # a between-group comparison is allowed there
    # experience rises by one a year: within a person it is the year dummies over again
    trend = _panel().assign(year_3=lambda t: np.tile([0, 0, 0, 1], 30),
                            exper=lambda t: t["person"] + np.tile(np.arange(4), 30))
    with pytest.raises(ValueError, match="collinear"):
        build(trend, kind="fixed", **{**PANEL_SPEC, "controls": ["exper", "year_1", "year_2", "year_3"]})


def test_panel_model_multilevel_is_the_plain_random_intercepts_model(chapter):
    """The multilevel kind centres the covariates hierarchically: its intercepts s'_g are the plain
    model's s_g shifted by the group's mean of b_xy x + Q b_q. Its log density at (theta, s + shift)
    must equal the plain random-intercepts model's, written out here by hand, at (theta, s)."""
    from scipy import stats

    panel = _panel()
    spec = {k: v for k, v in PANEL_SPEC.items() if k != "outcome"}
    model = chapter["panel_model"](panel, kind="multilevel", **PANEL_SPEC)
    d = chapter["panel_design"](panel, kind="multilevel", **spec)
    g, x, y = d["group_idx"], d["x"], panel["log_wage"].to_numpy(float)
    Q = np.linalg.qr(d["C"])[0] * np.sqrt(len(panel))
    rng = np.random.default_rng(1)
    theta = {"b_xy": 0.3, "b_q": rng.normal(size=Q.shape[1]), "b_zy": rng.normal(size=1), "a_bar": 1.2,
             "tau": 0.7, "sigma": 0.4}
    s_plain = rng.normal(1.2, 0.7, len(d["groups"]))
    counts = np.bincount(g)
    group_means = np.stack([np.bincount(g, weights=column) for column in np.column_stack([x, Q]).T], axis=1)
    shift = group_means / counts[:, None] @ np.concatenate([[theta["b_xy"]], theta["b_q"]])
    plain = (stats.norm.logpdf(theta["b_xy"], 0, 1) + stats.norm.logpdf(theta["b_q"], 0, 1).sum()
             + stats.norm.logpdf(theta["b_zy"], 0, 1).sum() + stats.norm.logpdf(theta["a_bar"], 0, 2)
             + stats.expon.logpdf(theta["tau"]) + stats.expon.logpdf(theta["sigma"])
             + stats.norm.logpdf(s_plain, theta["a_bar"] + d["Z"] @ theta["b_zy"], theta["tau"]).sum()
             + stats.norm.logpdf(y, theta["b_xy"] * x + Q @ theta["b_q"] + s_plain[g], theta["sigma"]).sum())
    logp = model.compile_logp(jacobian=False)
    value = {**{k: v for k, v in theta.items() if k not in ("tau", "sigma")},
             "tau_log__": np.log(theta["tau"]), "sigma_log__": np.log(theta["sigma"])}
    assert np.isclose(logp({**value, "s": s_plain + shift}), plain, rtol=1e-9, atol=1e-9)
    # the comparison can fail: the unshifted intercepts give another density
    assert not np.isclose(logp({**value, "s": s_plain}), plain, rtol=1e-6)
