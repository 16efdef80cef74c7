"""Model graphs render on a machine without Graphviz's ``dot`` (nothing but Python 3.12).

The render runs in a subprocess whose PATH holds only the interpreter's own
folder, so a system Graphviz (which CI installs) cannot be found. The chapter
idiom, ``pm.model_to_graphviz(model)`` shown in Jupyter, must still produce SVG.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import shutil, sys
sys.path.insert(0, "chapters")
assert shutil.which("dot") is None, "dot is on this PATH: the test would not test the fallback"
import helpers, pymc as pm
assert helpers.ensure_graphviz() == "wasm"
with pm.Model() as model:
    mu = pm.Normal("mu")
    pm.Normal("y", mu, 1.0, observed=[0.1, -0.3])
bundle = pm.model_to_graphviz(model)._repr_mimebundle_()
svg = bundle["image/svg+xml"]
assert "<svg" in svg and ">mu<" in svg.replace("\\n", "") and ">y<" in svg.replace("\\n", ""), svg[:300]
print("SVG", len(svg))
"""


def test_model_graph_renders_without_system_dot():
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(Path(sys.executable).parent)
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("SVG"), proc.stdout
