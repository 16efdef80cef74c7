"""Unit tests of chapters/helpers.py, bad-input errors included."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

import helpers


@pytest.fixture
def fresh_helpers(monkeypatch):
    """Re-import helpers under a given environment; restore afterwards."""
    def load(**env):
        for key in ("BOOK_SMOKE", "BOOK_SEED", "BOOK_STUDY", "BOOK_RESULTS_DIR", "BOOK_SMOKE_BACKEND"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return importlib.reload(helpers)
    yield load
    for key in ("BOOK_SMOKE", "BOOK_SEED", "BOOK_STUDY", "BOOK_RESULTS_DIR", "BOOK_SMOKE_BACKEND"):
        monkeypatch.delenv(key, raising=False)
    importlib.reload(helpers)


def test_paths_from_module_location():
    assert (helpers.CHAPTERS_DIR / "helpers.py").exists()
    assert helpers.DATA_DIR == helpers.ROOT / "data"
    assert (helpers.ROOT / "_quarto.yml").exists()


def test_chapter_seed_is_stable_and_distinct():
    a = helpers.chapter_seed("01-why-ppl", base=1)
    assert a == helpers.chapter_seed("01-why-ppl", base=1)
    assert a != helpers.chapter_seed("02-ab-testing", base=1)
    assert a != helpers.chapter_seed("01-why-ppl", base=2)
    # pinned value: SHA-256 based, identical on every machine and process
    assert helpers.chapter_seed("01-why-ppl", base=20260415) == helpers.chapter_seed("01-why-ppl")
    assert 0 <= a < 2**32


def test_book_seed_env_changes_every_chapter(fresh_helpers):
    default = fresh_helpers().chapter_seed("01-why-ppl")
    other = fresh_helpers(BOOK_SEED="7").chapter_seed("01-why-ppl")
    assert default != other
    assert other == helpers.chapter_seed("01-why-ppl", base=7)


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5"])
def test_bad_book_seed_names_the_problem(fresh_helpers, bad):
    with pytest.raises(ValueError, match="BOOK_SEED"):
        fresh_helpers(BOOK_SEED=bad)


def test_bad_smoke_flag_names_the_problem(fresh_helpers):
    with pytest.raises(ValueError, match="BOOK_SMOKE"):
        fresh_helpers(BOOK_SMOKE="maybe")


@pytest.mark.parametrize("bad", ["", "  ", None, 3])
def test_chapter_seed_rejects_bad_names(bad):
    with pytest.raises(ValueError, match="chapter"):
        helpers.chapter_seed(bad)


def test_sample_kwargs_full_and_smoke(fresh_helpers):
    full = fresh_helpers(BOOK_SMOKE="0").sample_kwargs(5, target_accept=0.9)
    assert full["draws"] == 1000 and full["chains"] == 4 and full["random_seed"] == 5
    assert full["target_accept"] == 0.9 and full["progressbar"] is False
    smoke = fresh_helpers(BOOK_SMOKE="1").sample_kwargs(5, draws=2000, tune=50)
    assert smoke["draws"] == helpers.SMOKE_SAMPLING["draws"]
    assert smoke["tune"] == 50  # below the cap: kept
    assert smoke["chains"] == helpers.SMOKE_SAMPLING["chains"]


@pytest.mark.parametrize("kwargs, match", [({"draws": 0}, "draws"), ({"chains": -2}, "chains"), ({"tune": 1.5}, "tune")])
def test_sample_kwargs_rejects_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        helpers.sample_kwargs(1, **kwargs)


def test_sample_kwargs_rejects_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        helpers.sample_kwargs(-1)


def test_n_draws(fresh_helpers):
    assert fresh_helpers().n_draws(1000, 10) == 1000
    assert fresh_helpers(BOOK_SMOKE="1").n_draws(1000, 10) == 10
    with pytest.raises(ValueError, match="smoke size"):
        helpers.n_draws(10, 1000)
    with pytest.raises(ValueError, match="full"):
        helpers.n_draws(0, 0)


def test_hdi_of_normal_matches_theory():
    draws = np.random.default_rng(0).normal(size=200_000)
    low, high = helpers.hdi(draws, 0.94)
    assert low == pytest.approx(-1.8808, abs=0.02) and high == pytest.approx(1.8808, abs=0.02)


def test_hdi_of_skewed_sample_is_shorter_than_equal_tails():
    draws = np.random.default_rng(1).exponential(size=100_000)
    low, high = helpers.hdi(draws, 0.9)
    eq_low, eq_high = np.quantile(draws, [0.05, 0.95])
    assert high - low < eq_high - eq_low
    assert low < 0.01


@pytest.mark.parametrize("draws, prob, match", [
    (np.array([]), 0.94, "no draws"),
    (np.array([1.0, np.nan, 2.0]), 0.94, "non-finite"),
    (np.arange(10.0), 1.5, "prob"),
    (np.arange(10.0), 0.0, "prob"),
    (np.arange(3.0), 0.2, "too few"),
])
def test_hdi_bad_input(draws, prob, match):
    with pytest.raises(ValueError, match=match):
        helpers.hdi(draws, prob)


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    monkeypatch.setattr(helpers, "RESULTS_DIR", tmp_path)
    return helpers.Ledger("01-why-ppl")


def test_ledger_writes_entries(ledger, tmp_path):
    draws = np.random.default_rng(0).normal(2.0, 0.1, 4000)
    entry = ledger.record("ate", draws, label="ATE", reference=2.0, contrast=3.0, contrast_label="naive")
    assert entry["check"] == "in_hdi" and entry["passes"]
    ledger.record("naive", 3.5, label="naive", reference=2.0, check="abs", tolerance=2.0,
                  contrast=5.0, contrast_label="talk")
    data = json.loads((tmp_path / "01-why-ppl.json").read_text())
    assert data["chapter_seed"] == helpers.chapter_seed("01-why-ppl")
    assert data["results"]["ate"]["contrast"] == 3.0
    assert set(data["results"]) == {"ate", "naive"}
    ate = data["results"]["ate"]
    assert ate["hdi_low"] < 2.0 < ate["hdi_high"]
    assert ate["estimate"] == pytest.approx(2.0, abs=0.01)
    assert data["results"]["naive"]["hdi_low"] is None


def test_ledger_starts_clean(tmp_path, monkeypatch):
    monkeypatch.setattr(helpers, "RESULTS_DIR", tmp_path)
    helpers.Ledger("01-why-ppl").record("x", 1.0, label="x", why="a test")
    assert helpers.Ledger("01-why-ppl").entries == {}
    assert json.loads((tmp_path / "01-why-ppl.json").read_text())["results"] == {}


def test_ledger_flags_failing_check(ledger):
    draws = np.random.default_rng(0).normal(0.0, 0.1, 4000)
    assert ledger.record("biased", draws, label="b", reference=1.0, contrast=5.0,
                         contrast_label="c")["passes"] is False
    assert ledger.record("ok", draws, label="b", reference=1.0, check="outside_hdi")["passes"] is True


@pytest.mark.parametrize("kwargs, match", [
    ({"key": "bad key"}, "identifier"),
    ({"label": ""}, "label"),
    ({"check": "maybe", "reference": 1.0}, "check must be one of"),
    ({"check": "in_hdi"}, "needs a reference"),
    ({"check": "abs", "reference": 1.0}, "positive tolerance"),
    ({"tolerance": 1.0}, "tolerance only applies"),
    ({"reference": 1.0, "check": "none"}, "why"),
    ({"check": "none"}, "why"),
    ({"reference": 1.0}, "needs a contrast"),
    ({"reference": 1.0, "check": "abs", "tolerance": 0.1}, "needs a contrast"),
    ({"reference": 1.0, "contrast": 3.0}, "contrast_label"),
    ({"reference": 1.0, "contrast": float("inf"), "contrast_label": "x"}, "finite"),
    ({"contrast_label": "x", "why": "w"}, "without a contrast"),
    ({"reference": float("nan")}, "finite"),
    ({"value": 2.0, "reference": 1.0, "check": "in_hdi"}, "needs posterior draws"),
])
def test_ledger_bad_input(ledger, kwargs, match):
    args = {"key": "k", "value": np.arange(100.0), "label": "a label"}
    args.update(kwargs)
    key, value = args.pop("key"), args.pop("value")
    with pytest.raises(ValueError, match=match):
        ledger.record(key, value, **args)


def test_ledger_rejects_duplicate_keys(ledger):
    ledger.record("k", 1.0, label="first", why="a test")
    with pytest.raises(KeyError, match="twice"):
        ledger.record("k", 2.0, label="second", why="a test")


@pytest.mark.parametrize("contrast, passes", [(5.0, True), (2.05, False)])
def test_in_hdi_fails_when_the_contrast_also_passes(ledger, contrast, passes):
    """A check that the wrong answer would also pass proves nothing: it fails."""
    draws = np.random.default_rng(0).normal(2.0, 0.1, 4000)
    entry = ledger.record("k", draws, label="x", reference=2.0, contrast=contrast, contrast_label="naive")
    assert entry["passes"] is passes
    assert ("INSIDE" in entry["message"]) is (not passes)


@pytest.mark.parametrize("contrast, passes", [(2.5, True), (2.1, False)])
def test_abs_fails_when_the_contrast_is_within_tolerance(ledger, contrast, passes):
    entry = ledger.record("k", 2.01, label="x", reference=2.0, check="abs", tolerance=0.2,
                          contrast=contrast, contrast_label="flat prior")
    assert entry["passes"] is passes


def test_outside_hdi_needs_no_contrast(ledger):
    draws = np.random.default_rng(0).normal(0.0, 0.1, 4000)
    assert ledger.record("k", draws, label="x", reference=1.0, check="outside_hdi")["passes"]


def test_ledger_entry_is_what_record_stores(ledger):
    draws = np.random.default_rng(1).normal(0.0, 1.0, 1000)
    kwargs = dict(label="x", reference=0.0, contrast=5.0, contrast_label="naive")
    assert helpers.ledger_entry("k", draws, **kwargs) == ledger.record("k", draws, **kwargs)


def test_study_mode_caps_sampling_and_uses_one_core(fresh_helpers):
    h = fresh_helpers(BOOK_STUDY="1")
    kw = h.sample_kwargs(1, draws=4000, tune=3000)
    assert kw["draws"] == h.STUDY_SAMPLING["draws"] and kw["cores"] == 1
    h = fresh_helpers(BOOK_STUDY="1", BOOK_SMOKE="1")
    assert h.sample_kwargs(1)["draws"] == h.SMOKE_SAMPLING["draws"]


def test_results_dir_from_environment(fresh_helpers, tmp_path):
    assert fresh_helpers(BOOK_RESULTS_DIR=str(tmp_path)).RESULTS_DIR == tmp_path.resolve()


def test_deprecations_in_the_books_own_code_are_errors():
    import warnings

    with warnings.catch_warnings():
        helpers.configure_warnings()
        with pytest.raises(FutureWarning):
            exec("import warnings; warnings.warn('old', FutureWarning)", {"__name__": "__main__"})
        with pytest.raises(DeprecationWarning):
            exec("import warnings; warnings.warn('old', DeprecationWarning)", {"__name__": "__main__"})


def test_wasm_graphviz_renders_svg_and_names_what_it_cannot(tmp_path):
    svg = helpers._wasm_run_check(["dot", "-Kdot", "-Tsvg"], input=b"digraph { a -> b }").stdout
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    source = tmp_path / "g.gv"
    source.write_text("digraph { a -> b }")
    helpers._wasm_run_check(["dot", "-Kdot", "-Tsvg", "-O", "g.gv"], cwd=tmp_path)
    assert (tmp_path / "g.gv.svg").read_text().count("<g id=\"node") == 2
    with pytest.raises(ValueError, match="SVG only"):
        helpers._wasm_run_check(["dot", "-Kdot", "-Tpng"], input=b"digraph { a -> b }")
    with pytest.raises(ValueError, match="does not support the option"):
        helpers._wasm_run_check(["dot", "-Kdot", "-Tsvg", "-y"], input=b"digraph { a -> b }")


def test_ledger_needs_existing_chapter():
    with pytest.raises(FileNotFoundError, match="no chapter file"):
        helpers.Ledger("99-not-a-chapter")


def test_load_csv_and_errors():
    frame = helpers.load_csv("lalonde")
    assert frame.shape == (614, 9)
    with pytest.raises(FileNotFoundError, match="known"):
        helpers.load_csv("nope")
    with pytest.raises(ValueError, match="bare name"):
        helpers.load_csv("lalonde.csv")


def test_load_results_error_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(helpers, "RESULTS_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="run chapters/01-why-ppl.qmd first"):
        helpers.load_results("01-why-ppl")


def _fake_idata(rhat_bad=False, divergences=0):
    import xarray as xr

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 500))
    if rhat_bad:
        x[0] += 5.0
    div = np.zeros((4, 500), dtype=bool)
    div.flat[:divergences] = True
    coords = {"chain": np.arange(4), "draw": np.arange(500)}
    return xr.DataTree.from_dict({
        "posterior": xr.Dataset({"mu": (("chain", "draw"), x)}, coords=coords),
        "sample_stats": xr.Dataset({"diverging": (("chain", "draw"), div)}, coords=coords),
    })


def test_convergence_report_columns():
    table = helpers.convergence_report(_fake_idata())
    assert list(table.columns) == ["r_hat", "ess_bulk", "ess_tail"]
    assert table.loc["mu", "r_hat"] < 1.01 and table.attrs["divergences"] == 0


def test_check_convergence_full_quality_raises(fresh_helpers):
    h = fresh_helpers(BOOK_SMOKE="0")
    h.check_convergence(_fake_idata())
    with pytest.raises(RuntimeError, match="r_hat"):
        h.check_convergence(_fake_idata(rhat_bad=True))
    with pytest.raises(RuntimeError, match="divergent"):
        h.check_convergence(_fake_idata(divergences=3))


def test_check_convergence_smoke_tolerates_divergences_not_gross_failure(fresh_helpers):
    h = fresh_helpers(BOOK_SMOKE="1")
    h.check_convergence(_fake_idata(divergences=3))
    with pytest.raises(RuntimeError, match="smoke"):
        h.check_convergence(_fake_idata(rhat_bad=True))


def test_convergence_report_bad_input():
    with pytest.raises(ValueError, match="posterior"):
        helpers.convergence_report({"not": "idata"})
    with pytest.raises(KeyError, match="not in the posterior"):
        helpers.convergence_report(_fake_idata(), ["sigma"])


def test_colors_are_distinct():
    assert len(set(helpers.COLORS.values())) == len(helpers.COLORS)


def test_data_generator_loads_the_module_that_wrote_the_csv():
    module = helpers.data_generator("lalonde")
    assert set(module.generate()) == {"lalonde", "nsw_experimental"}
    with pytest.raises(FileNotFoundError, match="known"):
        helpers.data_generator("nope")
    with pytest.raises(ValueError, match="module name"):
        helpers.data_generator("../lalonde")


def test_dataframe_markdown_escapes_what_pandoc_would_read():
    import pandas as pd

    frame = pd.DataFrame({"quantity": ["Earnings ($)", "E[Y|do(T=1)]"], "value": [1.5, 2.25]})
    text = helpers.dataframe_markdown(frame)
    lines = text.splitlines()
    assert len(lines) == 4 and all(line.count("|") - line.count("\\|") == 3 for line in lines)
    assert "Earnings (\\$)" in text and "E[Y\\|do(T=1)]" in text and "2.25" in text
    indexed = helpers.dataframe_markdown(frame.set_index("quantity"))
    assert indexed.splitlines()[0].split("|")[1].strip() == "quantity"  # the index becomes a column
    with pytest.raises(TypeError, match="DataFrame"):
        helpers.dataframe_markdown([1, 2])


def test_show_tables_as_markdown_outside_ipython_is_a_no_op():
    assert helpers.show_tables_as_markdown() is False


def test_styler_markdown_keeps_formats_and_escapes():
    import pandas as pd

    frame = pd.DataFrame({"quantity": ["Earnings ($)", "E[Y|do(T=1)]"], "value": [1.5, 2.25]})
    text = helpers.styler_markdown(frame.style.format({"value": "{:.1%}"}).hide(axis="index"))
    assert text.splitlines() == ["| quantity | value |", "|---|---|", "| Earnings (\\$) | 150.0% |",
                                 "| E[Y\\|do(T=1)] | 225.0% |"]
    named = helpers.styler_markdown(frame.set_index("quantity").style.format("{:.3f}"))
    assert named.splitlines()[0] == "| quantity | value |" and named.splitlines()[2].endswith("| 1.500 |")


@pytest.mark.parametrize("check, reference, passes", [
    ("below_hdi", -1.0, True),   # the whole HDI lies above the reference
    ("below_hdi", 1.0, False),   # the HDI lies below it: the wrong side
    ("below_hdi", 0.0, False),   # inside the HDI
    ("above_hdi", 1.0, True),
    ("above_hdi", -1.0, False),
    ("above_hdi", 0.0, False),
])
def test_one_sided_checks_fail_on_the_wrong_side(check, reference, passes):
    # outside_hdi would pass both -1 and 1: a one-sided check tells the sign of the bias
    draws = np.random.default_rng(0).normal(0.0, 0.1, 4000)
    entry = helpers.ledger_entry("k", draws, label="x", reference=reference, check=check)
    assert entry["passes"] is passes
    with pytest.raises(ValueError, match="needs posterior draws"):
        helpers.ledger_entry("k", 0.5, label="x", reference=reference, check=check)


def test_fragile_claims_must_be_checked_and_say_why():
    draws = np.random.default_rng(0).normal(0.0, 0.1, 4000)
    kwargs = dict(label="x", reference=0.0, contrast=1.0, contrast_label="naive")
    assert helpers.ledger_entry("k", draws, **kwargs)["fragile"] is None
    assert helpers.ledger_entry("k", draws, fragile="  two lift tests  ", **kwargs)["fragile"] == "two lift tests"
    with pytest.raises(ValueError, match="must say why"):
        helpers.ledger_entry("k", draws, fragile=" ", **kwargs)
    with pytest.raises(ValueError, match="only a checked claim"):
        helpers.ledger_entry("k", draws, label="x", check="none", why="a fact", fragile="reason")


@pytest.mark.parametrize("smoke, expected", [(False, {"n": 20, "holds": 12}), (True, None)])
def test_fragile_entries_record_the_full_study_frequency(ledger, tmp_path, smoke, expected):
    (tmp_path / "seed-study.json").write_text(json.dumps(
        {"01-why-ppl": {"k": {"n": 20, "holds": 12, "check": "in_hdi"}}}))
    (tmp_path / "seed-study-runs.json").write_text(json.dumps({"01-why-ppl": {"smoke": smoke}}))
    draws = np.random.default_rng(0).normal(0.0, 0.1, 4000)
    entry = ledger.record("k", draws, label="x", reference=0.0, contrast=1.0, contrast_label="naive",
                          fragile="reason")
    assert entry["frequency"] == expected  # a smoke-mode study (CI's K = 2) measures nothing
    assert "frequency" not in ledger.record("j", draws, label="x", reference=0.0, contrast=1.0,
                                            contrast_label="naive")


def test_sampling_turns_numba_fastmath_off():
    """Same seed, same draws with a cold or a warm compile cache: fastmath must be off before compiling."""
    import pytensor

    pytensor.config.numba__fastmath = True
    helpers.sample_kwargs(1)
    assert pytensor.config.numba__fastmath is False


@pytest.fixture
def pytensor_mode():
    """PyTensor's config, its mode set to the default ("Mode"); conftest.py restores it after."""
    import pytensor

    pytensor.config.mode = "Mode"
    return pytensor.config


def test_smoke_mode_compiles_with_fast_backends(fresh_helpers, pytensor_mode, tmp_path, monkeypatch):
    """Smoke mode: NUTS on nutpie's JAX backend, other functions on the Python linker; the
    caller's compile_kwargs are kept. Full mode and BOOK_SMOKE_BACKEND=numba: the book's Numba."""
    from pymc.pytensorf import get_mode
    from pytensor.link.jax.linker import JAXLinker

    h = fresh_helpers(BOOK_SMOKE="1")
    assert h.FAST_SMOKE
    kwargs = h.sample_kwargs(1, compile_kwargs={"jitter_rvs": set()})
    assert kwargs["compile_kwargs"] == {"mode": "JAX", "jitter_rvs": set()}
    assert isinstance(get_mode(kwargs["compile_kwargs"]["mode"]).linker, JAXLinker)  # what pm.sample reads
    assert h.sample_kwargs(1, compile_kwargs={"mode": "NUMBA"})["compile_kwargs"] == {"mode": "NUMBA"}
    assert pytensor_mode.mode == "FAST_COMPILE"
    pytensor_mode.mode = "Mode"
    monkeypatch.setattr(h, "RESULTS_DIR", tmp_path)  # setup() opens the chapter's ledger
    h.setup("01-why-ppl")  # a chapter's first cell sets the backends before any model compiles
    assert pytensor_mode.mode == "FAST_COMPILE"
    for env in ({"BOOK_SMOKE": "1", "BOOK_SMOKE_BACKEND": "numba"}, {"BOOK_SMOKE": "0"},
                {"BOOK_SMOKE": "0", "BOOK_SMOKE_BACKEND": "fast"}):
        pytensor_mode.mode = "Mode"
        h = fresh_helpers(**env)
        assert not h.FAST_SMOKE, env
        assert "compile_kwargs" not in h.sample_kwargs(1), env
        # full mode passes the caller's compile_kwargs through untouched (chapter 9's jitter_rvs)
        assert h.sample_kwargs(1, compile_kwargs={"jitter_rvs": set()})["compile_kwargs"] == {"jitter_rvs": set()}
        h.compile_settings()  # what setup() calls first
        assert pytensor_mode.mode == "Mode", env


def test_smoke_backend_switch_rejects_unknown_values(fresh_helpers):
    with pytest.raises(ValueError, match="BOOK_SMOKE_BACKEND"):
        fresh_helpers(BOOK_SMOKE="1", BOOK_SMOKE_BACKEND="cuda")


def test_fragile_claim_can_carry_the_chapters_own_frequency():
    """A frequency the chapter measured itself (many repeated experiments) earns a fragile mark."""
    draws = np.linspace(0.2, 0.9, 400)
    entry = helpers.ledger_entry("k", draws, label="excludes 0", reference=0.0, check="below_hdi",
                                 fragile="power, not a guarantee",
                                 frequency={"holds": 250, "n": 300, "source": "simulated experiments"})
    assert entry["frequency"] == {"holds": 250, "n": 300, "source": "simulated experiments"}
    with pytest.raises(ValueError, match="marked fragile only"):
        helpers.ledger_entry("k", draws, label="x", reference=0.0, check="below_hdi",
                             frequency={"holds": 1, "n": 2, "source": "s"})
    with pytest.raises(ValueError, match="0 <= holds <= n"):
        helpers.ledger_entry("k", draws, label="x", reference=0.0, check="below_hdi", fragile="why",
                             frequency={"holds": 5, "n": 2, "source": "s"})
    with pytest.raises(ValueError, match="source"):
        helpers.ledger_entry("k", draws, label="x", reference=0.0, check="below_hdi", fragile="why",
                             frequency={"holds": 1, "n": 2})


def test_study_full_keeps_the_full_settings_in_the_seed_study(monkeypatch):
    monkeypatch.setattr(helpers, "STUDY", True)
    monkeypatch.setattr(helpers, "SMOKE", False)
    assert helpers.sample_kwargs(1)["draws"] == helpers.STUDY_SAMPLING["draws"]
    full = helpers.sample_kwargs(1, study_full=True)
    assert (full["draws"], full["chains"]) == (helpers.FULL_SAMPLING["draws"], helpers.FULL_SAMPLING["chains"])
    monkeypatch.setattr(helpers, "SMOKE", True)  # CI's tiny study stays tiny
    assert helpers.sample_kwargs(1, study_full=True)["draws"] == helpers.SMOKE_SAMPLING["draws"]
