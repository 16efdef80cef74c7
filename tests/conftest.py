import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "chapters"))
sys.path.insert(0, str(ROOT / "tools"))


@pytest.fixture(autouse=True)
def _restore_pytensor_settings():
    """A test that reloads or calls helpers may switch PyTensor's mode (smoke mode's fast
    backends) or fastmath; later tests on the same worker must not inherit it."""
    import pytensor

    before = pytensor.config.mode, pytensor.config.numba__fastmath
    yield
    pytensor.config.mode, pytensor.config.numba__fastmath = before
