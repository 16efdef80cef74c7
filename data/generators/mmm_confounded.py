"""A weekly marketing mix data set in which paid search (x1) is confounded by demand.

The story: a shop sells online and advertises on two channels. ``x1`` is paid
search: its spend follows how many people search for the product, so it rises
and falls with an unobserved demand driver ``z`` (a new competitor leaving the
market, a product going viral, a cold spell). ``z`` also raises sales directly,
whether or not anybody sees an ad. ``x2`` is social media, planned months ahead
in flights that have nothing to do with demand. Sales ``y`` add up a baseline,
a linear trend, yearly seasonality, the effect of demand ``z``, and each
channel's media effect: geometric adstock (normalised weights, as in
pymc-marketing) followed by logistic saturation.

Units: spends and sales are in thousands of euros per week; ``z`` is a
standardised demand index (mean 0, standard deviation 1).

Everything a chapter needs to know the truth lives here: the parameters
(:data:`TRUE`), the media transformations, :func:`expected_sales` (the mean of
``y`` for any spend plan, so a channel can be switched off) and
:func:`true_roas`. The generator draws from its own seeded generator, so the CSV
is the same on every machine. :data:`SEED` is the talk's date, the book's base
seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20260415
N_WEEKS = 131
START = "2023-01-02"  # a Monday
L_MAX = 8  # weeks of carryover the adstock kernel keeps

#: The data-generating parameters (spend and sales in thousands of euros).
TRUE = {
    "intercept": 300.0,
    "trend": 60.0,  # sales gained over the whole period (linear)
    "season_sin": 25.0,
    "season_cos": 12.0,
    "gamma_z": 45.0,  # sales per standard deviation of demand
    "sigma": 12.0,  # weekly noise
    "alpha": {"x1": 0.4, "x2": 0.2},  # geometric adstock retention
    "lam": {"x1": 1 / 30, "x2": 1 / 15},  # logistic saturation rate, per k-euro
    "beta": {"x1": 120.0, "x2": 160.0},  # sales at full saturation, k-euro per week
}
CHANNELS = ("x1", "x2")


def geometric_adstock(x: np.ndarray, alpha: float, l_max: int = L_MAX) -> np.ndarray:
    """Normalised geometric adstock: weights alpha**l / sum(alpha**l), l < l_max."""
    x = np.asarray(x, dtype=float)
    weights = alpha ** np.arange(l_max)
    weights = weights / weights.sum()
    out = np.zeros_like(x)
    for lag, w in enumerate(weights):
        out[lag:] += w * x[: len(x) - lag]
    return out


def logistic_saturation(x: np.ndarray, lam: float) -> np.ndarray:
    """(1 - exp(-lam x)) / (1 + exp(-lam x)), pymc-marketing's logistic saturation."""
    x = np.asarray(x, dtype=float)
    return (1 - np.exp(-lam * x)) / (1 + np.exp(-lam * x))


def channel_contribution(spend: np.ndarray, channel: str) -> np.ndarray:
    """A channel's true weekly effect on sales for a weekly spend series."""
    adstocked = geometric_adstock(spend, TRUE["alpha"][channel])
    return TRUE["beta"][channel] * logistic_saturation(adstocked, TRUE["lam"][channel])


def baseline(n: int = N_WEEKS, start: str = START) -> np.ndarray:
    """Intercept, trend and yearly seasonality: sales with no ads and average demand."""
    dates = pd.date_range(start, periods=n, freq="W-MON")
    t = np.arange(n) / (N_WEEKS - 1)
    angle = 2 * np.pi * dates.day_of_year.to_numpy() / 365.25
    return (
        TRUE["intercept"]
        + TRUE["trend"] * t
        + TRUE["season_sin"] * np.sin(angle)
        + TRUE["season_cos"] * np.cos(angle)
    )


def expected_sales(x1: np.ndarray, x2: np.ndarray, z: np.ndarray) -> np.ndarray:
    """E[y] for the given spends and demand: the generator without its noise."""
    n = len(x1)
    return (
        baseline(n)
        + TRUE["gamma_z"] * np.asarray(z, dtype=float)
        + channel_contribution(x1, "x1")
        + channel_contribution(x2, "x2")
    )


def true_roas(frame: pd.DataFrame) -> dict[str, float]:
    """Each channel's ROAS: sales lost when it is switched off, per euro it spent.

    Compares expected sales as observed with expected sales under do(channel = 0)
    over the weeks of ``frame``. (Carryover past the last week is not counted,
    exactly as an MMM fitted to these weeks cannot see it.)
    """
    x1, x2, z = (frame[c].to_numpy(dtype=float) for c in ("x1", "x2", "z"))
    observed = expected_sales(x1, x2, z)
    roas = {}
    for channel in CHANNELS:
        spends = {"x1": x1, "x2": x2}
        spends[channel] = np.zeros_like(spends[channel])
        switched_off = expected_sales(spends["x1"], spends["x2"], z)
        roas[channel] = float((observed - switched_off).sum() / frame[channel].sum())
    return roas


def generate(rng: np.random.Generator | None = None) -> dict[str, pd.DataFrame]:
    """Draw the weekly data set and the lift tests.

    With no ``rng`` the draw is the committed CSVs' (seed :data:`SEED`); the
    chapter's seed study passes ``np.random.default_rng(data_seed)`` for a fresh
    data set from the same design.
    """
    rng = np.random.default_rng(SEED) if rng is None else rng
    dates = pd.date_range(START, periods=N_WEEKS, freq="W-MON")

    # Demand: a slow AR(1) wander plus two bursts (a competitor's outage, a viral post).
    z = np.zeros(N_WEEKS)
    for t in range(1, N_WEEKS):
        z[t] = 0.85 * z[t - 1] + rng.normal(0, 0.5)
    weeks = np.arange(N_WEEKS)
    z += 1.6 * np.exp(-0.5 * ((weeks - 40) / 3) ** 2) + 1.3 * np.exp(-0.5 * ((weeks - 95) / 4) ** 2)
    z = (z - z.mean()) / z.std()

    # Paid search spend follows demand (bids and budgets scale with search volume).
    x1 = np.clip(22 + 5 * z + rng.normal(0, 5, N_WEEKS), 1.0, None)
    # Social spend comes in planned flights, independent of demand.
    on = rng.uniform(size=N_WEEKS) < 0.6
    x2 = np.where(on, rng.gamma(6.0, 4.0, N_WEEKS), rng.uniform(0, 3, N_WEEKS))

    # Round as the CSV stores them, so the truth is computed from the published columns.
    x1, x2, z = np.round(x1, 3), np.round(x2, 3), np.round(z, 4)
    mean = expected_sales(x1, x2, z)
    y = mean + rng.normal(0, TRUE["sigma"], N_WEEKS)

    frame = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "x1": x1,
            "x2": x2,
            "z": z,
            "y": np.round(y, 3),
        }
    )
    return {"mmm_confounded": frame, "mmm_confounded_lift_tests": lift_tests(rng)}


#: Two geo lift tests on paid search, as (weekly spend before, change in weekly
#: spend): a go-dark holdout that switched search off, and a scale-up test.
LIFT_TESTS = [(22.0, -22.0), (22.0, 11.0)]
#: Their standard errors, as a fraction of the true lift. Optimistic: a geo test
#: this precise needs many regions and weeks; real geo tests are often far noisier.
LIFT_TEST_RELATIVE_SE = 0.15


def lift_tests(rng: np.random.Generator) -> pd.DataFrame:
    """Results of lift tests on x1, as pymc-marketing's calibration expects them.

    Each test moved weekly search spend from ``x`` to ``x + delta_x`` for long
    enough that the adstock reached its steady state (normalised adstock of a
    constant spend is the spend itself), so the true weekly lift is the
    difference of the saturation curve. The reported ``delta_y`` is that true
    lift plus the experiment's own noise, with standard error ``sigma``.
    """
    rows = []
    for x, delta_x in LIFT_TESTS:
        lift = TRUE["beta"]["x1"] * (
            logistic_saturation(x + delta_x, TRUE["lam"]["x1"]) - logistic_saturation(x, TRUE["lam"]["x1"])
        )
        sigma = LIFT_TEST_RELATIVE_SE * abs(float(lift))
        rows.append(
            {
                "channel": "x1",
                "x": x,
                "delta_x": delta_x,
                "delta_y": round(float(lift) + rng.normal(0, sigma), 3),
                "sigma": round(sigma, 3),
            }
        )
    return pd.DataFrame(rows)
