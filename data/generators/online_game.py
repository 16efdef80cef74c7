"""A synthetic online game: does side-quest engagement increase in-game purchases?

The structure follows the latent-confounder example of the talk (after Ness,
*Causal AI*): player motivation ``Z`` is never observed by the analyst and
drives both side-quest engagement (the treatment) and purchases (the outcome).
Engagement acts on purchases only through the items a player wins, which is
what makes the front-door criterion (and the CEVAE's decoder) work.

Structural equations (one row per player)::

    motivation  Z ~ Normal(0, 1)
    guild       G ~ Bernoulli(0.35)
    engagement  E ~ Bernoulli(sigmoid(-0.6 + 0.8 G + 1.6 Z))
    won_items   W ~ Poisson(exp(0.7 + 0.9 E))
    purchases   Y = exp(2.3 + 0.08 W + 0.3 G + 0.6 Z + 0.5 eps),  eps ~ Normal(0, 1)

``simulate`` runs these equations; passing ``engagement=0`` or ``1`` performs
the intervention do(E = e): the engagement equation is cut and everything
downstream is recomputed from the same exogenous noise. The book computes the
true average treatment effect from it instead of typing a number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20260415
N_PLAYERS = 10_000

PARAMS = {
    "p_guild": 0.35,
    "engagement_intercept": -0.6,
    "engagement_guild": 0.8,
    "engagement_motivation": 1.6,
    "won_items_log_rate": 0.7,
    "won_items_engagement": 0.9,
    "purchases_log_intercept": 2.3,
    "purchases_won_items": 0.08,
    "purchases_guild": 0.3,
    "purchases_motivation": 0.6,
    "purchases_log_sd": 0.5,
}


def simulate(rng: np.random.Generator, n: int, engagement: int | None = None) -> pd.DataFrame:
    """Draw ``n`` players; ``engagement=0/1`` applies do(engagement = value)."""
    p = PARAMS
    # exogenous noise, drawn in a fixed order so interventions share it
    motivation = rng.normal(0.0, 1.0, n)
    u_guild = rng.uniform(size=n)
    u_engagement = rng.uniform(size=n)
    u_won = rng.uniform(size=n)
    eps = rng.normal(0.0, 1.0, n)

    guild = (u_guild < p["p_guild"]).astype(int)
    if engagement is None:
        logit = (
            p["engagement_intercept"]
            + p["engagement_guild"] * guild
            + p["engagement_motivation"] * motivation
        )
        engaged = (u_engagement < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    else:
        engaged = np.full(n, int(engagement))
    rate = np.exp(p["won_items_log_rate"] + p["won_items_engagement"] * engaged)
    # inverse-CDF Poisson draw from a uniform, so do(E=0) and do(E=1) share u_won
    won_items = _poisson_ppf(u_won, rate)
    log_purchases = (
        p["purchases_log_intercept"]
        + p["purchases_won_items"] * won_items
        + p["purchases_guild"] * guild
        + p["purchases_motivation"] * motivation
        + p["purchases_log_sd"] * eps
    )
    return pd.DataFrame(
        {
            "guild": guild,
            "engagement": engaged,
            "won_items": won_items,
            "purchases": np.round(np.exp(log_purchases), 2),
            "motivation": np.round(motivation, 6),
        }
    )


def _poisson_ppf(u: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Poisson inverse CDF: the smallest k with P(W <= k) >= u (rates take few values)."""
    out = np.empty(u.shape, dtype=int)
    ks = np.arange(1, 200)
    for r in np.unique(rate):
        at = rate == r
        pmf = np.exp(-r) * np.cumprod(np.concatenate([[1.0], r / ks]))
        out[at] = np.searchsorted(np.cumsum(pmf), u[at], side="left")
    return out


def true_ate(n: int = 1_000_000, seed: int = SEED + 1) -> float:
    """E[purchases | do(E=1)] - E[purchases | do(E=0)] by simulation, in dollars."""
    treated = simulate(np.random.default_rng(seed), n, engagement=1)
    control = simulate(np.random.default_rng(seed), n, engagement=0)
    return float(treated["purchases"].mean() - control["purchases"].mean())


def generate() -> dict[str, pd.DataFrame]:
    players = simulate(np.random.default_rng(SEED), N_PLAYERS)
    players.insert(0, "player_id", np.arange(1, N_PLAYERS + 1))
    return {"online_game": players}
