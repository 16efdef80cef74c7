"""The A/B test of @sec-ab-testing: a checkout-page experiment, as aggregated counts.

- ``ab_test``: one row per arm of a two-arm online experiment, 10,000 randomised
  users per arm, 200 conversions in control and 350 in treatment.

The counts are illustrative (they are the example of the talk the book follows,
chosen so that the raw lift, +75%, is implausibly large for a real product
change). Nothing here is random, so the generator needs no seed: it writes the
same two rows on every machine.
"""

import pandas as pd

USERS_PER_ARM = 10_000
CONVERSIONS = {"control": 200, "treatment": 350}


def generate():
    frame = pd.DataFrame(
        {
            "variant": list(CONVERSIONS),
            "users": [USERS_PER_ARM] * len(CONVERSIONS),
            "conversions": list(CONVERSIONS.values()),
        }
    )
    if (frame["conversions"] > frame["users"]).any():
        raise ValueError("more conversions than users in an arm")
    return {"ab_test": frame}
