# Causal Inference Through the Lens of Probabilistic Programming: build and test.
# `make help` lists the targets.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHAPTERS := $(sort $(wildcard chapters/[0-9][0-9]-*.qmd))
NB_TIMEOUT ?= 1800

.DEFAULT_GOAL := help
.PHONY: help venv book slides notebooks test test-unit test-chapters test-numba test-seeds test-results chapter data bench seeds check-site clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	@if [ ! -x $(PY) ]; then \
	  PYTHON312=$$(tools/find-python.sh) || exit 1; \
	  echo "creating $(VENV) with $$PYTHON312"; \
	  "$$PYTHON312" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(STAMP) ## create .venv from the pinned requirements (once)

# Renders reuse executions. Quarto's freeze (`freeze: auto`) re-executes a chapter only
# when its source changed; it cannot see helpers.py, the data, the requirements or
# BOOK_SEED, so the recipe empties _freeze/ when any of them changed since the last
# render. The book keeps each chapter's executed notebook (keep-ipynb), and
# tools/embed_cache.py hands it to Quarto's embed cache, so the deck's embeds reuse the
# book's executions: `make slides` after `make book` executes nothing. Without a fresh
# book, Quarto executes the embedded chapters itself (slower, never stale).
# Chapters execute JOBS at a time first (tools/execute_chapters.py, one Quarto process
# per chapter, freeze respected), then one book render assembles the site from _freeze/.
# A chapter that prints the seed study's frequencies (ch9) executes again when
# _results/seed-study*.json changed (tools/execute_chapters.py); the rest stays frozen.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RENDER_DEPS := chapters/helpers.py requirements.txt $(wildcard data/*.csv data/generators/*.py)
RENDER_KEY := seed=$(or $(BOOK_SEED),default)
QUARTO_ENV = PATH="$(CURDIR)/$(VENV)/bin:$$PATH" QUARTO_PYTHON="$(CURDIR)/$(PY)" BOOK_SMOKE=0
FORGET_OTHER_SEED = if [ "$$(cat .cache/render-key 2>/dev/null)" != "$(RENDER_KEY)" ]; then \
	  rm -rf _freeze .quarto/_freeze .quarto/embed; mkdir -p .cache; echo "$(RENDER_KEY)" > .cache/render-key; fi

.cache/render-deps: $(RENDER_DEPS)
	rm -rf _freeze .quarto/_freeze .quarto/embed
	mkdir -p .cache && touch $@

book: notebooks .cache/render-deps ## render the HTML book into _book/ at full quality (needs Quarto)
	@QUARTO_BIN=$$(tools/find-quarto.sh $(VENV)/bin) || exit 1; \
	$(FORGET_OTHER_SEED); \
	rm -f chapters/*.quarto_ipynb chapters/*.quarto_ipynb_* *.quarto_ipynb *.quarto_ipynb_*; \
	$(QUARTO_ENV) $(PY) tools/execute_chapters.py "$$QUARTO_BIN" $(CHAPTERS) --jobs $(JOBS) && \
	$(QUARTO_ENV) "$$QUARTO_BIN" render --profile book && $(PY) tools/embed_cache.py

slides: $(STAMP) .cache/render-deps ## render the talk (talk.qmd) as revealjs slides into _book/slides/ (needs Quarto)
	@QUARTO_BIN=$$(tools/find-quarto.sh $(VENV)/bin) || exit 1; \
	$(FORGET_OTHER_SEED); \
	$(QUARTO_ENV) "$$QUARTO_BIN" render --profile slides

notebooks: $(STAMP) ## write a Jupyter notebook per chapter into notebooks/
	$(PY) tools/qmd_to_ipynb.py $(CHAPTERS) --out notebooks

chapter: $(STAMP) ## run one chapter without Quarto and time it: make chapter CH=02-ab-testing [BOOK_SMOKE=1]
	@test -n "$(CH)" || { echo "usage: make chapter CH=02-ab-testing" >&2; exit 2; }
	$(PY) tools/run_chapter.py chapters/$(CH).qmd

bench: $(STAMP) ## time the power-analysis engine at full size (median of several runs, speed-up vs NUTS)
	$(PY) tools/bench_power.py

data: $(STAMP) ## regenerate every committed CSV under data/ (byte for byte)
	$(PY) data/make_data.py

test: $(STAMP) ## run the whole test suite (no Quarto needed)
	$(PREPARE_NOTEBOOKS)
	BOOK_SMOKE=1 BOOK_RESULTS_DIR=$(TEST_RESULTS) $(PY) -m pytest -q -p no:cacheprovider $(XDIST) --no-loadscope-reorder $(NBVAL) $(HEAVY_FIRST) tests --ignore=tests/test_results.py
	$(MAKE) --no-print-directory test-results check-site

# Both cores: -n 2 runs two test files (two notebooks) at once; loadfile keeps a
# notebook's cells together on one worker, in order.
XDIST ?= -n $(shell nproc 2>/dev/null || echo 2) --dist loadfile
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=$(NB_TIMEOUT)

# `make test` is one pytest session: the notebooks, the seed study's tiny version, chapter 1's
# re-run on an empty compile cache (tests/test_determinism.py) and the unit tests, handed to
# the two workers longest first (--no-loadscope-reorder keeps this order), so that neither
# core idles while the other finishes a stage. The tested notebooks also evaluate every
# inline {python} expression of the prose. Their smoke-mode ledgers go to .test-results/,
# never over the book's _results/; tests/test_results.py reads them after the session.
TEST_RESULTS := $(CURDIR)/.test-results
HEAVY_FIRST = tests/test_seed_study.py tests/test_determinism.py \
	$(addprefix .test-notebooks/,$(addsuffix .ipynb,09-mmm 06-fixed-random-effects 05-lalonde 04-cuped 03-power-analysis 07-cevae 08-mediation 02-ab-testing 01-why-ppl))
define PREPARE_NOTEBOOKS
rm -rf .test-notebooks $(TEST_RESULTS)
$(PY) tools/qmd_to_ipynb.py $(CHAPTERS) --out .test-notebooks --check-inline
endef

test-unit: $(STAMP) ## the unit tests alone
	$(PY) -m pytest -q $(XDIST) tests --ignore=tests/test_results.py --ignore=tests/test_seed_study.py

test-chapters: $(STAMP) ## every chapter as a notebook (smoke mode), the tiny seed study and the re-run
	$(PREPARE_NOTEBOOKS)
	BOOK_SMOKE=1 BOOK_RESULTS_DIR=$(TEST_RESULTS) $(PY) -m pytest -q -p no:cacheprovider $(XDIST) --no-loadscope-reorder $(NBVAL) tests/test_seed_study.py tests/test_determinism.py .test-notebooks

# Smoke mode compiles with fast-compiling backends (helpers.compile_settings); this runs the
# chapters, the tiny study and the re-run on the book's own (Numba) instead, which `make test`
# exercises only in chapter 1 and the cache probes. The publish workflow runs it before the study.
test-numba: $(STAMP) ## every chapter as a notebook in smoke mode, compiled with Numba as the book is
	BOOK_SMOKE_BACKEND=numba $(MAKE) --no-print-directory test-chapters
	$(MAKE) --no-print-directory test-results

# The seed study's tiny version alone (K = 1, smoke sampling, three chapters): keeps
# `make seeds` alive. `make test` runs it inside its session.
test-seeds: $(STAMP)
	$(PY) -m pytest -q tests/test_seed_study.py

test-results: $(STAMP) ## re-check the ledgers the tested notebooks wrote
	BOOK_RESULTS_DIR=$(TEST_RESULTS) $(PY) -m pytest -q tests/test_results.py

seeds: $(STAMP) ## the seed study: every simulated chapter refitted on K=20 fresh data sets -> _results/seed-study.json
	$(PY) tools/seed_study.py --k $(or $(K),20)

check-site: ## check a rendered _book/ (pages, images, deck, embeds, offline); skipped when nothing was rendered
	@$(PY) tools/check_site.py

clean: ## remove generated files (keeps .venv)
	rm -rf _book _freeze .quarto notebooks .test-notebooks .test-results _results _executed .pytest_cache .cache/render-deps .cache/render-key .cache/study-key chapters/*.quarto_ipynb
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
