#!/usr/bin/env bash
# Print the path of a Quarto binary, installing quarto-cli into the venv if needed.
# Order: $QUARTO, quarto on PATH, the venv's quarto, `pip install quarto-cli` into the venv.
set -u
VENV_BIN="${1:?usage: find-quarto.sh VENV_BIN}"
ok() { "$1" --version >/dev/null 2>&1; }
if [ -n "${QUARTO:-}" ]; then
  ok "$QUARTO" && { echo "$QUARTO"; exit 0; }
  echo "error: QUARTO=$QUARTO does not run ('$QUARTO --version' failed)." >&2
  exit 1
fi
command -v quarto >/dev/null 2>&1 && ok quarto && { command -v quarto; exit 0; }
[ -x "$VENV_BIN/quarto" ] && ok "$VENV_BIN/quarto" && { echo "$VENV_BIN/quarto"; exit 0; }
echo "Quarto not found; trying 'pip install quarto-cli' into the venv..." >&2
log=$(mktemp)
if "$VENV_BIN/pip" install quarto-cli >"$log" 2>&1 && [ -x "$VENV_BIN/quarto" ] && ok "$VENV_BIN/quarto"; then
  echo "$VENV_BIN/quarto"; exit 0
fi
cat >&2 <<MSG
error: Quarto is needed to render the book and could not be found or installed.
  'pip install quarto-cli' failed (it downloads the Quarto binary from GitHub; last lines below).
Provide Quarto in one of three ways, then re-run:
  1. make book QUARTO=/path/to/quarto
  2. put quarto on your PATH (https://quarto.org/docs/get-started/)
  3. let 'pip install quarto-cli' succeed into .venv (needs access to github.com)
Everything else works without Quarto: make test, make notebooks, make chapter CH=...
MSG
tail -n 3 "$log" | sed 's/^/  pip: /' >&2
exit 1
