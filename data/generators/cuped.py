"""A simulated online experiment with a pre-period metric, for the CUPED chapter.

- ``cuped_experiment``: 100 users, each randomised to treatment with probability
  1/2, with one metric measured before the experiment (``y_pre``) and during it
  (``y_post``). The data-generating process, with the true effect of 2:

      treatment ~ Bernoulli(0.5)
      y_pre     = 5 + Normal(0, 1)
      y_post    = y_pre + 3 + 2 * treatment + Normal(0, 1)

The generator seeds itself (seed 2; see data/README.cuped.md for why),
so ``python data/make_data.py`` rewrites the same file byte for byte.
"""

import numpy as np
import pandas as pd

SEED = 2
N_USERS = 100
TRUE_EFFECT = 2.0


def simulate(n_users: int, rng: np.random.Generator) -> pd.DataFrame:
    """One experiment drawn from the process in the module docstring."""
    treatment = rng.binomial(n=1, p=0.5, size=n_users)
    y_pre = 5 + rng.normal(loc=0, scale=1, size=n_users)
    y_post = y_pre + 3 + TRUE_EFFECT * treatment + rng.normal(loc=0, scale=1, size=n_users)
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
