"""Pytest hooks for the whole repository (``tests/conftest.py`` holds the unit tests' setup).

The hook lives at the root because ``make test`` also collects the notebooks under
``.test-notebooks/``, outside ``tests/``, where a conftest in ``tests/`` does not reach.
"""

import os

import pytest

#: Notebooks that ``make test`` runs on the book's own compile path (Numba) rather than smoke
#: mode's fast-compiling backends (``helpers.compile_settings``): chapter 1's ledger is compared
#: with a re-run on an empty compile cache (tests/test_determinism.py, test_results.py).
BOOK_BACKEND_NOTEBOOKS = {"01-why-ppl.ipynb"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Start a listed notebook's kernel (nbval starts it in the first cell's setup) with
    ``BOOK_SMOKE_BACKEND=numba``; the kernel keeps the environment it started with."""
    if item.path.suffix != ".ipynb" or item.path.name not in BOOK_BACKEND_NOTEBOOKS:
        yield
        return
    before = os.environ.get("BOOK_SMOKE_BACKEND")
    os.environ["BOOK_SMOKE_BACKEND"] = "numba"
    try:
        yield
    finally:
        if before is None:
            del os.environ["BOOK_SMOKE_BACKEND"]
        else:
            os.environ["BOOK_SMOKE_BACKEND"] = before
