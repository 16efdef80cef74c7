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


def test_interventional_effects_decompose_as_defined():
    """true_effects are contrasts of the eight interventional means E_{t,t1,t2}."""
    e = {(t, a, b): fi.expected_outcome(t, a, b) for t in (0, 1) for a in (0, 1) for b in (0, 1)}
    truth = fi.true_effects()
    assert truth["te"] == pytest.approx(e[1, 1, 1] - e[0, 0, 0])
    assert truth["de"] == pytest.approx(e[1, 0, 0] - e[0, 0, 0])
    assert truth["iie_dev_peer"] == pytest.approx(e[0, 1, 0] - e[0, 0, 0])
    assert truth["iie_sub_exp"] == pytest.approx(e[0, 0, 1] - e[0, 0, 0])
    assert truth["interaction"] == pytest.approx(e[0, 1, 1] - e[0, 1, 0] - e[0, 0, 1] + e[0, 0, 0])


def test_randomised_analogue_by_simulation():
    """E_{t,t1,t2} is what you get by drawing each mediator from its do(T) distribution
    given the covariates, independently of everything else (the interventional setting)."""
    n = 400_000
    rng = np.random.default_rng(1)
    gender = rng.binomial(1, fi.P_MALE, size=n)
    conflict = rng.choice(fi.CONFLICT_LEVELS, size=n, p=fi.CONFLICT_PROBS)
    for t, t1, t2 in [(1, 0, 0), (0, 1, 0), (0, 1, 1)]:
        m1 = rng.binomial(1, fi.p_dev_peer(gender, conflict, t1))
        m2 = rng.binomial(1, fi.p_sub_exp(gender, conflict, t2))
        y = rng.binomial(1, fi.p_sub_disorder(gender, conflict, t, m1, m2))
        exact = fi.expected_outcome(t, t1, t2)
        assert abs(y.mean() - exact) < 5 * np.sqrt(exact * (1 - exact) / n)


def test_natural_effects_coincide_in_this_generator():
    """With independent structural errors, the natural (cross-world) effects, built from each
    adolescent's own counterfactual mediators M(0), M(1) (shared uniforms), equal the
    interventional ones. The chapter estimates the interventional effects; this is why the
    generator's truth serves for both, and would not in a generator with, say, an unmeasured
    common cause of a mediator and the outcome."""
    n = 400_000
    rng = np.random.default_rng(2)
    gender = rng.binomial(1, fi.P_MALE, size=n)
    conflict = rng.choice(fi.CONFLICT_LEVELS, size=n, p=fi.CONFLICT_PROBS)
    u1, u2, uy = rng.uniform(size=(3, n))
    m1 = {t: (u1 < fi.p_dev_peer(gender, conflict, t)).astype(int) for t in (0, 1)}
    m2 = {t: (u2 < fi.p_sub_exp(gender, conflict, t)).astype(int) for t in (0, 1)}

    def y(t, t1, t2):  # Y(t, M1(t1), M2(t2)) for every adolescent: a cross-world potential outcome
        return (uy < fi.p_sub_disorder(gender, conflict, t, m1[t1], m2[t2])).astype(int)

    truth = fi.true_effects()
    for key, (world, reference) in {"de": ((1, 0, 0), (0, 0, 0)), "iie_dev_peer": ((0, 1, 0), (0, 0, 0))}.items():
        difference = y(*world) - y(*reference)  # one adolescent's cross-world contrast
        se = difference.std() / np.sqrt(n)
        assert abs(difference.mean() - truth[key]) < 5 * se, (key, difference.mean(), truth[key], se)


# --- The chapter's linear mediation model for a reader's own table (JOBS II section), loaded from
# its seed-study cells; the setup cell is skipped, so no ledger is opened ----------------------
import pandas as pd  # noqa: E402

from book import chapter_functions  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return chapter_functions("08-mediation")


ROLES = dict(treatment="t", mediator="m", outcome="y", covariates=["x1", "x2"])


@pytest.fixture()
def table():
    rng = np.random.default_rng(0)
    n = 30
    return pd.DataFrame({"t": rng.integers(0, 2, n), "m": rng.normal(size=n), "y": rng.normal(size=n),
                         "x1": rng.normal(size=n), "x2": rng.integers(0, 2, n)})


def test_linear_mediation_model_accepts_a_clean_table(chapter, table):
    model = chapter["make_linear_mediation_model"](table, **ROLES)
    assert {"mu_m", "mu_y", "t", "m", "y"} <= set(model.named_vars)
    assert {"beta_t_m", "beta_t_y", "beta_m_y", "sigma_m", "sigma_y"} <= {rv.name for rv in model.free_RVs}


@pytest.mark.parametrize("mutate, roles, error, words", [
    (lambda d: d.drop(columns="m"), {}, ValueError, ["'m'", "not in the table"]),
    (lambda d: d, {"covariates": ["x1", "x3"]}, ValueError, ["'x3'", "not in the table"]),
    (lambda d: d.assign(y=d["y"].astype(str)), {}, TypeError, ["'y'", "numeric"]),
    (lambda d: d.assign(t=d["t"] + 1), {}, ValueError, ["'t'", "0/1"]),
    (lambda d: d.assign(t=0), {}, ValueError, ["'t'", "0/1"]),
    (lambda d: d.assign(y=d["y"].where(d.index > 2)), {}, ValueError, ["'y'", "3 missing"]),
    (lambda d: d.assign(x1=d["x1"].where(d.index > 0)), {}, ValueError, ["'x1'", "1 missing"]),
    (lambda d: d.assign(m=1.0), {}, ValueError, ["'m'", "constant"]),
    (lambda d: d, {"covariates": []}, ValueError, ["covariates"]),
    (lambda d: d, {"covariates": "x1"}, ValueError, ["covariates"]),
    (lambda d: d, {"covariates": ["x1", "m"]}, ValueError, ["two roles"]),
    (lambda d: d, {"mediator": 3}, TypeError, ["mediator", "column name"]),
])
def test_linear_mediation_model_rejects_bad_tables(chapter, table, mutate, roles, error, words):
    with pytest.raises(error) as info:
        chapter["make_linear_mediation_model"](mutate(table), **{**ROLES, **roles})
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_linear_mediation_model_rejects_a_non_table(chapter, table):
    with pytest.raises(TypeError, match="DataFrame"):
        chapter["make_linear_mediation_model"](table.to_dict(), **ROLES)


def test_acme_sensitivity_recovers_the_acme_under_correlated_errors(chapter):
    # Linear mediator and outcome models whose errors correlate at rho = -0.3 (a resilience-like
    # confounder). The product of OLS coefficients (rho = 0) is then biased; acme_sensitivity at the
    # true rho recovers the true ACME, and its zero lies at the correlation of the residuals of the
    # total-effect and mediator regressions (Imai, Keele & Yamamoto 2010). A flipped sign of rho or a
    # missing sqrt(1 - rho^2) fails the first assertion.
    rng = np.random.default_rng(1)
    n, beta, gamma, rho_true, s_m, s_y = 400_000, 0.5, -0.3, -0.3, 1.0, 0.8
    t = rng.integers(0, 2, n).astype(float)
    e_m = rng.normal(size=n)
    e_y = rho_true * e_m + np.sqrt(1 - rho_true**2) * rng.normal(size=n)
    m = beta * t + s_m * e_m
    y = 0.2 * t + gamma * m + s_y * e_y
    X_m = np.column_stack([np.ones(n), t])
    X_y = np.column_stack([np.ones(n), t, m])
    coef_m, *_ = np.linalg.lstsq(X_m, m, rcond=None)
    coef_y, *_ = np.linalg.lstsq(X_y, y, rcond=None)
    resid_m, resid_y = m - X_m @ coef_m, y - X_y @ coef_y
    args = (coef_m[1], coef_y[2], resid_m.std(), resid_y.std())
    true_acme = beta * gamma
    assert abs(chapter["acme_sensitivity"](*args, rho_true) - true_acme) < 0.01
    assert abs(chapter["acme_sensitivity"](*args, 0.0) - true_acme) > 0.1  # the naive product is wrong here
    coef_total, *_ = np.linalg.lstsq(X_m, y, rcond=None)
    rho_tilde = np.corrcoef(y - X_m @ coef_total, resid_m)[0, 1]
    assert abs(chapter["acme_sensitivity"](*args, rho_tilde)) < 1e-9
