"""The power engine of chapters/03-power-analysis.qmd against exact answers.

The engine's code lives in the chapter (cells labelled ``power-engine-*``);
``tools/bench_power.py`` knows how to execute them outside the notebook.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

import bench_power  # tools/ is on sys.path (conftest.py)


@pytest.fixture(scope="module")
def engine():
    return bench_power.load_cells(("power-engine",))


def beta_hdi(a, b, prob):
    """Kruschke's HDIofICDF: the shortest interval holding `prob` of Beta(a, b)."""
    width = lambda lo: stats.beta.ppf(lo + prob, a, b) - stats.beta.ppf(lo, a, b)  # noqa: E731
    lo = optimize.minimize_scalar(width, bounds=(0, 1 - prob), method="bounded", options={"xatol": 1e-12}).x
    return stats.beta.ppf(lo, a, b), stats.beta.ppf(lo + prob, a, b)


def test_coin_hdi_matches_inverse_cdf(engine):
    n = np.array([10, 10, 50, 150, 150, 450, 450])
    z = np.array([0, 7, 30, 98, 75, 300, 449])
    lo, hi, edge = engine["chunked"](engine["coin_hdi"], z, n, a0=2.625, b0=2.625, prob=0.95, chunk=8)
    for i in range(len(n)):
        ref = beta_hdi(2.625 + z[i], 2.625 + n[i] - z[i], 0.95)
        sd = stats.beta.std(2.625 + z[i], 2.625 + n[i] - z[i])
        assert abs(lo[i] - ref[0]) < 0.005 * sd and abs(hi[i] - ref[1]) < 0.005 * sd
    assert edge.max() < 1e-5


@pytest.mark.parametrize("prior", ["flat", "informative"])
def test_ab_hdi_matches_independent_beta_draws(engine, prior):
    a0, b0 = (1, 1) if prior == "flat" else (15, 600)
    n, nc, nt = np.array([2_000.0, 40_050.0]), np.array([45.0, 980.0]), np.array([60.0, 1_150.0])
    lo, hi, _ = engine["chunked"](engine["ab_hdi"], nc, nt, n, prior=prior, prob=0.94, chunk=2)
    rng = np.random.default_rng(0)
    for i in range(len(n)):
        draws = rng.beta(a0 + nt[i], b0 + n[i] - nt[i], 400_000) / rng.beta(a0 + nc[i], b0 + n[i] - nc[i], 400_000) - 1
        s = np.sort(draws)
        k = int(0.94 * len(s))
        j = np.argmin(s[k:] - s[:-k])
        assert abs(s[j] - lo[i]) < 0.03 * draws.std() and abs(s[j + k] - hi[i]) < 0.03 * draws.std()
