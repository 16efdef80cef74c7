"""A synthetic study of a family intervention and adolescent substance use (mediation).

410 adolescents. Two pre-treatment covariates (``gender``, ``conflict``), a
binary treatment (``fam_int``: the family took part in the intervention
programme), two binary mediators (``dev_peer``: engages with deviant peers;
``sub_exp``: has experimented with drugs) and a binary outcome
(``sub_disorder``: diagnosed with a substance use disorder at follow-up).

The causal graph, every arrow a logistic regression::

    gender, conflict -> fam_int, dev_peer, sub_exp, sub_disorder
    fam_int -> dev_peer, sub_exp, sub_disorder
    dev_peer -> sub_disorder
    sub_exp -> sub_disorder

There is no arrow between the two mediators. Families with more conflict
are more likely to enrol (the treatment is not randomised), so the covariates
confound treatment and outcome.

The module is the ground truth of the book's mediation chapter: besides
``generate()`` it exposes the structural equations (``p_*``), a simulator that
accepts interventions (``simulate``), and the exact interventional quantity
``expected_outcome(t, t1, t2)`` = P(sub_disorder = 1) when the outcome
equation sees fam_int = t, dev_peer is a random draw from its distribution
under do(fam_int = t1) and sub_exp an independent random draw from its
distribution under do(fam_int = t2), each given the adolescent's covariates,
averaged over the covariates. Contrasts of these eight numbers are the
*interventional* (randomised-analogue) direct and indirect effects of
Vansteelandt and Daniel (2017, Epidemiology 28(2):258-265), not the natural
(cross-world) ones, which are defined by each adolescent's own counterfactual
mediator values. In this generator every structural error is an independent
draw (no unmeasured common cause of the mediators or of a mediator and the
outcome, no mediator-outcome confounder affected by the programme), so the
natural effects happen to take the same values; ``true_effects`` returns the
interventional ones, which is what the chapter estimates.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

N = 410
SEED = 20260415 + 8  # the talk's date, plus the chapter number

#: Family-conflict level, an ordinal score 1 (calm) .. 5 (severe), and its distribution.
CONFLICT_LEVELS = np.array([1, 2, 3, 4, 5])
CONFLICT_PROBS = np.array([0.15, 0.30, 0.30, 0.17, 0.08])
#: Share of boys (gender = 1).
P_MALE = 0.5
#: Centre of the conflict scale in the structural equations.
CONFLICT_CENTRE = 3.0

#: Logistic-regression coefficients of each structural equation.
COEF = {
    "fam_int": {"intercept": -0.45, "gender": -0.10, "conflict": 0.40},
    "dev_peer": {"intercept": -0.85, "gender": 0.45, "conflict": 0.35, "fam_int": -0.80},
    "sub_exp": {"intercept": -0.55, "gender": 0.30, "conflict": 0.30, "fam_int": -0.55},
    "sub_disorder": {
        "intercept": -2.70,
        "gender": 0.25,
        "conflict": 0.30,
        "fam_int": -0.25,
        "dev_peer": 1.10,
        "sub_exp": 0.95,
    },
}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _base(eq: str, gender, conflict):
    c = COEF[eq]
    return c["intercept"] + c["gender"] * np.asarray(gender) + c["conflict"] * (
        np.asarray(conflict) - CONFLICT_CENTRE
    )


def p_fam_int(gender, conflict):
    """P(fam_int = 1 | gender, conflict)."""
    return _sigmoid(_base("fam_int", gender, conflict))


def p_dev_peer(gender, conflict, fam_int):
    """P(dev_peer = 1 | gender, conflict, fam_int)."""
    return _sigmoid(_base("dev_peer", gender, conflict) + COEF["dev_peer"]["fam_int"] * np.asarray(fam_int))


def p_sub_exp(gender, conflict, fam_int):
    """P(sub_exp = 1 | gender, conflict, fam_int)."""
    return _sigmoid(_base("sub_exp", gender, conflict) + COEF["sub_exp"]["fam_int"] * np.asarray(fam_int))


def p_sub_disorder(gender, conflict, fam_int, dev_peer, sub_exp):
    """P(sub_disorder = 1 | gender, conflict, fam_int, dev_peer, sub_exp)."""
    c = COEF["sub_disorder"]
    return _sigmoid(
        _base("sub_disorder", gender, conflict)
        + c["fam_int"] * np.asarray(fam_int)
        + c["dev_peer"] * np.asarray(dev_peer)
        + c["sub_exp"] * np.asarray(sub_exp)
    )


def simulate(n: int, rng: np.random.Generator, treatment: dict[str, int] | None = None) -> pd.DataFrame:
    """Draw ``n`` adolescents from the structural model.

    ``treatment`` intervenes on the programme as each equation sees it: a dict
    with any of the keys ``"dev_peer"``, ``"sub_exp"``, ``"sub_disorder"``
    mapping to 0 or 1 (the value of ``fam_int`` that equation reads). Keys not
    given read the naturally assigned ``fam_int``. ``{"dev_peer": 1,
    "sub_exp": 1, "sub_disorder": 1}`` is the plain intervention do(fam_int=1).
    """
    treatment = dict(treatment or {})
    unknown = set(treatment) - {"dev_peer", "sub_exp", "sub_disorder"}
    if unknown:
        raise ValueError(f"unknown equations in treatment: {sorted(unknown)}")
    if any(v not in (0, 1) for v in treatment.values()):
        raise ValueError(f"interventions must be 0 or 1, got {treatment}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    gender = rng.binomial(1, P_MALE, size=n)
    conflict = rng.choice(CONFLICT_LEVELS, size=n, p=CONFLICT_PROBS)
    fam_int = rng.binomial(1, p_fam_int(gender, conflict))
    t_dev = treatment.get("dev_peer", fam_int)
    t_exp = treatment.get("sub_exp", fam_int)
    t_out = treatment.get("sub_disorder", fam_int)
    dev_peer = rng.binomial(1, p_dev_peer(gender, conflict, t_dev))
    sub_exp = rng.binomial(1, p_sub_exp(gender, conflict, t_exp))
    sub_disorder = rng.binomial(1, p_sub_disorder(gender, conflict, t_out, dev_peer, sub_exp))
    return pd.DataFrame(
        {
            "gender": gender,
            "conflict": conflict,
            "fam_int": fam_int,
            "dev_peer": dev_peer,
            "sub_exp": sub_exp,
            "sub_disorder": sub_disorder,
        }
    )


def expected_outcome(t: int, t1: int, t2: int, gender=None, conflict=None) -> float:
    """E_{t,t1,t2}: P(sub_disorder = 1) with fam_int = t in the outcome equation,
    dev_peer drawn from its distribution under do(fam_int = t1) and sub_exp,
    independently, from its distribution under do(fam_int = t2), given the
    covariates (the interventional, randomised-analogue setting).

    Exact (no simulation): the sum over the four mediator values of
    P(dev_peer | do(t1), c) P(sub_exp | do(t2), c) P(sub_disorder | t, dev_peer, sub_exp, c).
    Averaged over the generator's covariate distribution, or over the rows
    ``gender``/``conflict`` when they are given.
    """
    if gender is None and conflict is None:
        cells = list(itertools.product([0, 1], CONFLICT_LEVELS))
        gender = np.array([g for g, _ in cells])
        conflict = np.array([c for _, c in cells])
        weight = np.array([(P_MALE if g else 1 - P_MALE) for g, _ in cells]) * np.tile(CONFLICT_PROBS, 2)
    elif gender is not None and conflict is not None:
        gender, conflict = np.asarray(gender), np.asarray(conflict)
        weight = np.full(gender.shape, 1.0 / gender.size)
    else:
        raise ValueError("give both gender and conflict, or neither")
    q1 = p_dev_peer(gender, conflict, t1)
    q2 = p_sub_exp(gender, conflict, t2)
    total = np.zeros(gender.shape)
    for m1, m2 in itertools.product([0, 1], [0, 1]):
        pm1 = q1 if m1 else 1 - q1
        pm2 = q2 if m2 else 1 - q2
        total = total + pm1 * pm2 * p_sub_disorder(gender, conflict, t, m1, m2)
    return float(np.sum(weight * total))


def true_effects(**rows) -> dict[str, float]:
    """The five interventional effects of the chapter's decomposition, from the true equations.

    te: total; de: interventional direct effect (both mediators at their
    no-programme distribution); iie_dev_peer, iie_sub_exp: interventional
    indirect effects (IIE) through each mediator, with the programme held at 0
    in the outcome equation; interaction: what shifting both mediators adds
    beyond shifting each alone.
    """
    e = {(t, a, b): expected_outcome(t, a, b, **rows) for t, a, b in itertools.product([0, 1], repeat=3)}
    return {
        "te": e[1, 1, 1] - e[0, 0, 0],
        "de": e[1, 0, 0] - e[0, 0, 0],
        "iie_dev_peer": e[0, 1, 0] - e[0, 0, 0],
        "iie_sub_exp": e[0, 0, 1] - e[0, 0, 0],
        "interaction": e[0, 1, 1] - e[0, 1, 0] - e[0, 0, 1] + e[0, 0, 0],
    }


def generate() -> dict[str, pd.DataFrame]:
    return {"family_intervention": simulate(N, np.random.default_rng(SEED))}
