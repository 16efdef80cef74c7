"""Pytest hooks for the whole repository (``tests/conftest.py`` holds the unit tests' setup).

The hook lives at the root because ``make test`` also collects the notebooks under
``.test-notebooks/``, outside ``tests/``, where a conftest in ``tests/`` does not reach.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The chapter whose ledger is compared with its re-run (tests/test_determinism.py,
#: test_results.py); ``make test`` runs its notebook on the book's own compile path (Numba)
#: rather than smoke mode's fast-compiling backends (``helpers.compile_settings``).
RERUN_CHAPTER = "01-why-ppl"
BOOK_BACKEND_NOTEBOOKS = {f"{RERUN_CHAPTER}.ipynb"}


def compiledir_flags(cache, flags: str | None = None) -> str:
    """``PYTENSOR_FLAGS`` with PyTensor's (and Numba's) compile cache in ``cache``, after ``flags``."""
    return ",".join(f for f in (flags, f"base_compiledir={cache}") if f)


def rerun_compile_cache(results_dir) -> Path:
    """The compile cache chapter 1's re-run fills from empty (tests/test_determinism.py). The
    notebook run then compiles on it warm: a cold and a warm cache, the two sides of issue #30."""
    return Path(results_dir) / "rerun" / "compile-cache"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Start a listed notebook's kernel (nbval starts it in the first cell's setup) with
    ``BOOK_SMOKE_BACKEND=numba`` and, inside ``make test`` (``BOOK_RESULTS_DIR`` set), the
    re-run's compile cache; the kernel keeps the environment it started with."""
    if item.path.suffix != ".ipynb" or item.path.name not in BOOK_BACKEND_NOTEBOOKS:
        yield
        return
    before = {name: os.environ.get(name) for name in ("BOOK_SMOKE_BACKEND", "PYTENSOR_FLAGS")}
    os.environ["BOOK_SMOKE_BACKEND"] = "numba"
    if os.environ.get("BOOK_RESULTS_DIR"):
        cache = rerun_compile_cache(os.environ["BOOK_RESULTS_DIR"])
        os.environ["PYTENSOR_FLAGS"] = compiledir_flags(cache, before["PYTENSOR_FLAGS"])
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
