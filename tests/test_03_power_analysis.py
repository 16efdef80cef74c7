"""The power engine of chapters/03-power-analysis.qmd against exact answers.

The engine's code lives in the chapter (cells labelled ``power-engine-*``);
``tools/bench_power.py`` knows how to execute them outside the notebook.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

import bench_power  # tools/ is on sys.path (conftest.py)

#: DBDA2 Table 13.1 (Kruschke 2015, p. 367): minimal N for the 95% HDI to exclude the ROPE
#: (0.48, 0.52), generating prior mode omega and concentration 2000, uniform audience prior.
TABLE_13_1 = {
    0.7: {0.60: 238, 0.65: 83, 0.70: 40, 0.75: 25, 0.80: 16, 0.85: 7},
    0.8: {0.60: 309, 0.65: 109, 0.70: 52, 0.75: 30, 0.80: 19, 0.85: 14},
    0.9: {0.60: 430, 0.65: 150, 0.70: 74, 0.75: 43, 0.80: 27, 0.85: 16},
}


@pytest.fixture(scope="module")
def engine():
    return bench_power.load_cells(("power-engine",))


def beta_hdi(a, b, prob):
    """Kruschke's HDIofICDF: the shortest interval holding `prob` of Beta(a, b)."""
    width = lambda lo: stats.beta.ppf(lo + prob, a, b) - stats.beta.ppf(lo, a, b)  # noqa: E731
    lo = optimize.minimize_scalar(width, bounds=(0, 1 - prob), method="bounded", options={"xatol": 1e-12}).x
    return stats.beta.ppf(lo, a, b), stats.beta.ppf(lo + prob, a, b)


@pytest.mark.parametrize("a0", [1.0, 2.625])
def test_coin_hdi_matches_inverse_cdf(engine, a0):
    n = np.array([10, 10, 10, 50, 150, 150, 450, 450])
    z = np.array([0, 7, 10, 30, 98, 75, 300, 449])
    lo, hi, edge = engine["chunked"](engine["coin_hdi"], z, n, a0=a0, b0=a0, prob=0.95, chunk=8)
    for i in range(len(n)):
        ref = beta_hdi(a0 + z[i], a0 + n[i] - z[i], 0.95)
        sd = stats.beta.std(a0 + z[i], a0 + n[i] - z[i])
        assert abs(lo[i] - ref[0]) < 0.005 * sd and abs(hi[i] - ref[1]) < 0.005 * sd
    assert edge.max() < 1e-5


def hdi_of_icdf(a, b, prob, n_iter=60):
    """Kruschke's HDIofICDF, vectorised: the lower tail probability that minimises the width
    of the interval holding `prob`, by golden-section search (the width is convex in it)."""
    from scipy import special

    width = lambda lo: special.betaincinv(a, b, lo + prob) - special.betaincinv(a, b, lo)  # noqa: E731
    lo, hi = np.zeros_like(a), np.full_like(a, 1 - prob)
    g = (np.sqrt(5) - 1) / 2
    for _ in range(n_iter):
        x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
        left = width(x1) <= width(x2)
        lo, hi = np.where(left, lo, x1), np.where(left, x2, hi)
    tail = (lo + hi) / 2
    return special.betaincinv(a, b, tail), special.betaincinv(a, b, tail + prob)


def test_hdi_of_icdf_matches_the_optimiser():
    a, b = np.array([3.0, 11.0, 1.0, 40.0]), np.array([5.0, 2.0, 9.0, 61.0])
    lo, hi = hdi_of_icdf(a, b, 0.95)
    for i in range(len(a)):
        ref = beta_hdi(a[i], b[i], 0.95)
        assert abs(lo[i] - ref[0]) < 1e-6 and abs(hi[i] - ref[1]) < 1e-6


def test_exact_decision_matches_kruschkes_hdi(engine):
    """beta_hdi_side decides as HDIofICDF does, for every outcome of experiments up to 60 flips (checked once up to 200)."""
    rope = (0.48, 0.52)
    n = np.repeat(np.arange(1, 61), np.arange(2, 62)).astype(float)
    z = np.concatenate([np.arange(k + 1) for k in range(1, 61)]).astype(float)
    for a0, mass in ((1.0, 0.95), (2.625, 0.95), (1.0, 0.94)):
        side, _ = engine["beta_hdi_side"](a0 + z, a0 + n - z, rope, mass)
        lo, hi = hdi_of_icdf(a0 + z, a0 + n - z, mass)
        expected = np.where(lo > rope[1], 1, np.where(hi < rope[0], -1, 0))
        tie = np.minimum(np.abs(lo - rope[1]), np.abs(hi - rope[0])) < 1e-9  # no reference decision
        assert not tie.any() and np.array_equal(side, expected), (a0, mass, np.flatnonzero(side != expected))


def test_exact_decision_handles_monotone_densities(engine):
    """z = 0 and z = N under the uniform prior: the density is monotone and the HDI touches 0 or 1."""
    a = np.array([1.0, 1.0, 31.0, 11.0])
    b = np.array([31.0, 11.0, 1.0, 1.0])
    side, _ = engine["beta_hdi_side"](a, b, (0.48, 0.52), 0.95)
    # Beta(1, b): HDI [0, q95] lies below 0.48 iff P(theta <= 0.48) >= 0.95
    expected = [-1 if stats.beta.cdf(0.48, 1, bb) > 0.95 else 0 for bb in b[:2]]
    expected += [1 if stats.beta.sf(0.52, aa, 1) > 0.95 else 0 for aa in a[2:]]
    assert list(side) == expected == [-1, -1, 1, 1]


def test_min_n_reproduces_kruschkes_table_13_1(engine):
    for omega in TABLE_13_1[0.8]:
        power = engine["exact_coin_power"](omega, 450, 1.0, 1.0)["power"]
        for desired, row in TABLE_13_1.items():
            # Kruschke generated the table searching from N = 1 (the small entries are below 20)
            assert engine["min_n_for_hdi_power"](power, desired, start=1) == row[omega], (omega, desired)


def test_hdi_side_is_directional(engine):
    side = engine["hdi_side"](np.array([0.03, -0.1, -0.01, 0.01]), np.array([0.2, -0.03, 0.01, 0.5]), (-0.02, 0.02))
    assert list(side) == [1, -1, 0, 0]


@pytest.mark.parametrize("prior", ["flat", "informative"])
def test_ab_hdi_matches_independent_beta_draws(engine, prior):
    a0, b0 = (1, 1) if prior == "flat" else (15, 600)
    n, nc, nt = np.array([2_000.0, 40_050.0]), np.array([45.0, 980.0]), np.array([60.0, 1_150.0])
    lo, hi, _ = engine["chunked"](engine["ab_hdi"], nc, nt, n, prior=prior, prob=0.94, chunk=224)
    rng = np.random.default_rng(0)
    for i in range(len(n)):
        draws = rng.beta(a0 + nt[i], b0 + n[i] - nt[i], 400_000) / rng.beta(a0 + nc[i], b0 + n[i] - nc[i], 400_000) - 1
        s = np.sort(draws)
        k = int(0.94 * len(s))
        j = np.argmin(s[k:] - s[:-k])
        assert abs(s[j] - lo[i]) < 0.03 * draws.std() and abs(s[j + k] - hi[i]) < 0.03 * draws.std()


@pytest.mark.parametrize("prior", ["flat", "informative", "correlated"])
def test_ab_hdi_bounds_rise_with_treatment_count(engine, prior):
    """The chapter's exact A/B power relies on it: more treatment conversions, higher HDI bounds."""
    nt = np.arange(700.0, 1400.0, 3.0)[:224]
    nc = np.full(len(nt), 980.0)
    lo, hi, _ = engine["chunked"](engine["ab_hdi"], nc, nt, np.full(len(nt), 40_050.0), prior=prior, prob=0.94,
                                  chunk=224)
    assert np.all(np.diff(lo) > 0) and np.all(np.diff(hi) > 0)


# --- What a reader's own design gets: clear errors, not silent answers ---------------------------
@pytest.fixture(scope="module")
def planner():
    return bench_power.load_cells(("power-simulate", "power-engine"))


def _experiments(**overrides):
    import pandas as pd

    table = pd.DataFrame({"n_control": [20, 25], "n_treatment": [22, 30], "n": [1_000, 1_000]})
    for column, values in overrides.items():
        if values is None:
            table = table.drop(columns=column)
        else:
            table[column] = values
    return table


@pytest.mark.parametrize("overrides, error, message", [
    ({"n_treatment": None}, ValueError, "no column 'n_treatment'"),
    ({"n_control": ["20", "25"]}, TypeError, "'n_control' must be numeric"),
    ({"n_control": [True, False]}, TypeError, "'n_control' must be numeric"),
    ({"n_treatment": [22.0, np.nan]}, ValueError, "'n_treatment' has 1 missing"),
    ({"n_control": [20.5, 25.0]}, ValueError, "'n_control' must hold whole numbers"),
    ({"n_treatment": [22, 1_001]}, ValueError, "'n_treatment' must lie between 0 and n"),
    ({"n_control": [-1, 25]}, ValueError, "'n_control' must lie between 0 and n"),
    ({"n": [0, 1_000]}, ValueError, "'n' (users per arm) must be at least 1"),
])
def test_ab_study_rejects_a_bad_experiments_table(planner, overrides, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        planner["ab_study"](_experiments(**overrides), "flat", (-0.02, 0.02), 0.94)


@pytest.mark.parametrize("kwargs, message", [
    ({"prior": "uniform"}, "prior must be 'flat', 'informative' or 'correlated'"),
    ({"rope": (0.02, -0.02)}, "rope must be"),
    ({"prob": 94}, "prob, the HDI's mass"),
])
def test_ab_study_rejects_bad_settings(planner, kwargs, message):
    settings = {"prior": "flat", "rope": (-0.02, 0.02), "prob": 0.94, **kwargs}
    with pytest.raises(ValueError, match=message):
        planner["ab_study"](_experiments(), settings["prior"], settings["rope"], settings["prob"])


@pytest.mark.parametrize("kwargs, message", [
    ({"lifts": [0.1, -1.5]}, "lifts must be finite relative lifts above -1"),
    ({"lifts": [0.1, np.nan]}, "lifts must be finite"),
    ({"sizes": [1_000.5]}, "sizes must be whole numbers"),
    ({"sizes": [0, 1_000]}, "sizes must be whole numbers"),
    ({"baseline": (15, -600)}, "baseline must be the"),
    ({"baseline": (15,)}, "baseline must be the"),
    ({"n_sim": 0}, "n_sim must be a positive integer"),
    ({"prior": "Flat"}, "prior must be"),
    ({"rope": (0.02, -0.02)}, "rope must be"),
])
def test_plan_ab_test_rejects_bad_inputs(planner, kwargs, message):
    args = {"lifts": [0.0, 0.1], "sizes": [1_000], **kwargs}
    lifts, sizes = args.pop("lifts"), args.pop("sizes")
    with pytest.raises(ValueError, match=message):
        planner["plan_ab_test"](lifts, sizes, n_sim=args.pop("n_sim", 50), **args)


def test_plan_ab_test_returns_power_by_lift_and_size(planner):
    plan = planner["plan_ab_test"]([0.0, 0.25], [100, 40_000], prior="flat", n_sim=200, seed=1)
    assert list(plan.columns) == ["lift", "n", "power", "mc_se"] and len(plan) == 4
    big = plan.set_index(["lift", "n"]).power
    assert big.loc[(0.25, 40_000)] > 0.9 and big.loc[(0.25, 100)] < 0.3
    assert (plan.mc_se <= 0.5 / np.sqrt(200) + 1e-12).all()


def test_plan_ab_test_gives_the_assurance_with_one_experiment_per_lift(planner):
    """The chapter's recipe for assurance: lifts drawn from a prior, one experiment each."""
    lifts = np.random.default_rng(2).normal(0, 0.1, 400)
    plan = planner["plan_ab_test"](lifts, [40_050], prior="correlated", n_sim=1, seed=3)
    assert len(plan) == len(lifts) and set(plan.power.unique()) <= {0.0, 1.0}
    # the chapter's exact assurance of a "helps" at this design is about 0.13; 400 experiments:
    # 4 s.e. is about 0.07. The share deciding on their own lift's side (either way) is larger.
    helps = (plan.power * (plan.lift > 0)).mean()
    assert 0.05 < helps < 0.22 and plan.power.mean() > helps
