"""A simulated online experiment with a pre-period metric, for the CUPED chapter.

- ``cuped_experiment``: 200 users, each randomised to treatment with probability
  1/2, with one metric (hours per week in the app) measured before the
  experiment (``y_pre``) and during it (``y_post``). The data-generating
  process, with a true effect of 0.6 hours (36 minutes) a week:

      treatment ~ Bernoulli(0.5)
      y_pre     = 8 + Normal(0, 2)
      y_post    = y_pre + 2 + 0.6 * treatment + Normal(0, 1.5)

  Within each arm the slope of ``y_post`` on ``y_pre`` is THETA = 1 and their
  correlation is RHO = 2 / sqrt(2**2 + 1.5**2) = 0.8. Usage rises by DRIFT = 2
  hours for everyone during the experiment (the season), which a before/after
  comparison of the treated users would mistake for the feature.

The design makes CUPED change a decision: the difference in means has a
standard error of about 0.35 hours, so its interval usually includes 0; CUPED's
is 0.6 times as wide (sqrt(1 - RHO**2)).

The generator seeds itself with SEED = 20260419, the talk's date (2026-04-15)
plus the chapter number (4), fixed before any result was seen (see
data/README.md), so ``python data/make_data.py`` rewrites the same file byte
for byte.
"""

import numpy as np
import pandas as pd

SEED = 20260415 + 4
N_USERS = 200
TRUE_EFFECT = 0.6
PRE_MEAN, PRE_SD = 8.0, 2.0
DRIFT = 2.0
NOISE_SD = 1.5
THETA = 1.0  # within-arm slope of y_post on y_pre
RHO = THETA * PRE_SD / np.hypot(THETA * PRE_SD, NOISE_SD)  # within-arm correlation of y_pre and y_post: 0.8


def simulate_arrays(n_experiments: int, n_users: int, rng: np.random.Generator):
    """``n_experiments`` independent experiments of ``n_users`` users each.

    Returns ``(treatment, y_pre, y_post)``, each of shape (n_experiments, n_users).
    """
    shape = (n_experiments, n_users)
    treatment = rng.binomial(n=1, p=0.5, size=shape)
    y_pre = PRE_MEAN + rng.normal(loc=0, scale=PRE_SD, size=shape)
    y_post = THETA * y_pre + DRIFT + TRUE_EFFECT * treatment + rng.normal(loc=0, scale=NOISE_SD, size=shape)
    return treatment, y_pre, y_post


def simulate(n_users: int, rng: np.random.Generator) -> pd.DataFrame:
    """One experiment drawn from the process in the module docstring, as a table."""
    treatment, y_pre, y_post = (a[0] for a in simulate_arrays(1, n_users, rng))
    return pd.DataFrame(
        {
            "user_id": np.arange(n_users),
            "treatment": treatment,
            "y_pre": y_pre.round(4),
            "y_post": y_post.round(4),
        }
    )


def generate():
    return {"cuped_experiment": simulate(N_USERS, np.random.default_rng(SEED))}
