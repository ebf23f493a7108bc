# Shared by scripts/serve and scripts/test: make .venv and install the project (once per change
# of pyproject.toml), using whatever Python 3.11+ is on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY=$candidate; break
    fi
  done
fi
[ -n "$PY" ] || { echo "trunkline needs Python 3.11 or newer on PATH" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
hash=$(sha256sum < pyproject.toml | cut -c1-16)
stamp=.venv/.installed-$hash-${TRUNKLINE_EXTRAS:-base}
# A dev install also satisfies the base one.
if [ ! -f "$stamp" ] && ! { [ -z "${TRUNKLINE_EXTRAS:-}" ] && [ -f ".venv/.installed-$hash-dev" ]; }; then
  echo "installing trunkline into .venv (first run only; log: .venv/install.log)" >&2
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -e ".${TRUNKLINE_EXTRAS:+[$TRUNKLINE_EXTRAS]}"; } \
       > .venv/install.log 2>&1; then
    tail -n 30 .venv/install.log >&2
    exit 1
  fi
  rm -f .venv/.installed-* && touch "$stamp"
fi
