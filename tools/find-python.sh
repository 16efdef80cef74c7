#!/usr/bin/env bash
# Print the path of a working Python 3.12 interpreter, or explain and fail.
# Order: $PYTHON, python3.12 on PATH, a pyenv-installed 3.12.
set -u
try() { "$1" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { "$1" -c 'import sys; print(sys.executable)'; exit 0; }; }
[ -n "${PYTHON:-}" ] && try "$PYTHON"
try python3.12
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.|$)' | sort -V -r); do
    try "$(pyenv root)/versions/$v/bin/python3.12"
  done
fi
echo "error: Python 3.12 not found. Install it, or point PYTHON=/path/to/python3.12 at it." >&2
exit 1
