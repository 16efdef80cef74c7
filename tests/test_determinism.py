"""Same seed, same draws, whatever the compile cache holds.

The cause of the intermittent ``make test`` failure (issue #30): PyTensor compiles models
with Numba, caching the pieces in ``base_compiledir``. Under Numba's ``fastmath`` a model
compiled in the running process and one loaded from the cache sum in different orders, so
a cold and a warm cache gave different NUTS draws for the same seed.
``helpers.deterministic_numerics`` (called by ``setup`` and ``sample_kwargs``) turns it off.

Smoke mode normally compiles with faster-compiling backends (``helpers.compile_settings``);
every run here sets ``BOOK_SMOKE_BACKEND=numba``, the book's own path, where the cause lived.

The chapter-level check is ``tests/test_results.py::test_same_seed_gives_identical_ledger``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from book import ROOT


def _root_conftest():
    """The repository's root conftest.py (its hook starts chapter 1's notebook), loaded by path:
    ``tests/conftest.py`` holds the name ``conftest``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ROOT_CONFTEST = _root_conftest()
compiledir_flags = _ROOT_CONFTEST.compiledir_flags
rerun_compile_cache = _ROOT_CONFTEST.rerun_compile_cache

#: One small regression sampled with the book's settings; prints the posterior mean of the
#: effect to all 17 digits. FASTMATH=1 switches fastmath back on after sample_kwargs, to show
#: that the comparison below can fail.
PROBE = """
import os, sys
import numpy as np
sys.path.insert(0, {chapters!r})
import helpers, pymc as pm, pytensor
rng = np.random.default_rng(1)
n = 2000
engagement = rng.normal(size=n)
coupon = (rng.random(n) < 1 / (1 + np.exp(-engagement))).astype(float)
spend = 50 + 10 * coupon + 15 * engagement + rng.normal(0, 10, n)
with pm.Model():
    a = pm.Normal("intercept", 50, 20)
    b = pm.Normal("effect", 0, 10)
    s = pm.HalfNormal("noise", 10)
    pm.Normal("spend", a + b * coupon, s, observed=spend)
    kwargs = helpers.sample_kwargs(123)
    if os.environ.get("FASTMATH") == "1":
        pytensor.config.numba__fastmath = True
    idata = pm.sample(**kwargs)
print(repr(float(idata["posterior"]["effect"].mean())))
"""


def environment(cache, **variables: str) -> dict[str, str]:
    """This process's environment with PyTensor's (and Numba's) compile cache in ``cache``."""
    flags = compiledir_flags(cache, os.environ.get("PYTENSOR_FLAGS"))
    return {**os.environ, "PYTENSOR_FLAGS": flags, "BOOK_SMOKE_BACKEND": "numba", **variables}


def probe(cache, fastmath: bool) -> str:
    env = environment(cache, BOOK_SMOKE="1", FASTMATH="1" if fastmath else "0")
    out = subprocess.run([sys.executable, "-c", PROBE.format(chapters=str(ROOT / "chapters"))], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("fastmath", [False, True], ids=["book-settings", "fastmath-on-must-differ"])
def test_cold_and_warm_compile_cache_give_the_same_draws(tmp_path, fastmath):
    """The first run compiles into an empty cache, the second loads from it.

    With the book's settings the two posterior means agree to the last bit. The second case
    is the wrong setting (fastmath on): there the two must differ, which shows the comparison
    can fail and that the cache state is what it exercises.
    """
    cold, warm = probe(tmp_path, fastmath), probe(tmp_path, fastmath)
    if fastmath:
        assert cold != warm, "fastmath on no longer changes the draws: this test no longer tests the cause"
    else:
        assert cold == warm


#: The chapter re-run in a fresh kernel on an empty compile cache, beside whatever else the
#: test session runs; ``test_results.py`` compares its ledger with the notebook run's, which
#: compiles on the same cache, warm. Both compile with Numba, the book's path (the notebook's
#: through the root ``conftest.py``, which names the chapter).
RERUN_CHAPTER = _ROOT_CONFTEST.RERUN_CHAPTER


def rerun_chapter(results_dir, cache_dir, smoke: bool = True) -> subprocess.CompletedProcess:
    """Run RERUN_CHAPTER again (the book's seed; smoke mode unless told) with its ledger in ``results_dir``."""
    env = environment(cache_dir, BOOK_SMOKE="1" if smoke else "0", BOOK_RESULTS_DIR=str(results_dir))
    return subprocess.run([sys.executable, str(ROOT / "tools" / "run_chapter.py"),
                           str(ROOT / "chapters" / f"{RERUN_CHAPTER}.qmd")],
                          env=env, capture_output=True, text=True, timeout=1200)


def test_the_rerun_chapter_runs_on_the_books_path():
    """The root conftest.py starts this chapter's notebook with Numba on the re-run's cache."""
    assert f"{RERUN_CHAPTER}.ipynb" in _ROOT_CONFTEST.BOOK_BACKEND_NOTEBOOKS


@pytest.mark.skipif(not os.environ.get("BOOK_RESULTS_DIR"), reason="runs inside make test's session only")
def test_rerun_chapter_on_an_empty_cache():
    """The re-run of the ledger comparison: an empty compile cache, filled as it runs.

    ``make test`` runs this early (Makefile HEAVY_FIRST) and chapter 1's notebook last; the
    root ``conftest.py`` starts the notebook's kernel on this cache, by then warm with the
    chapter's own compiled pieces. A cold and a warm cache for the same seed: the comparison
    ``test_results.py::test_same_seed_gives_identical_ledger`` fails if they give other draws.
    """
    import helpers

    cache = rerun_compile_cache(helpers.RESULTS_DIR)
    shutil.rmtree(cache, ignore_errors=True)
    out = rerun_chapter(helpers.RESULTS_DIR / "rerun", cache)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert (helpers.RESULTS_DIR / "rerun" / f"{RERUN_CHAPTER}.json").exists()
    assert any(cache.rglob("*")), "the re-run compiled nothing into its cache: the notebook would start cold"
