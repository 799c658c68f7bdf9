#!/bin/sh
# posbt on macOS (Excel) or Linux (headless server): a Python 3.11+ environment, posbt with
# the excel extra, then `posbt excel install` (add-in, posbt.conf, server at login) and
# `posbt excel doctor`. Stops at the first failing step (set -e) and says which.
#   sh installer/install.sh [WHEEL_OR_SOURCE]     (default: this checkout)
set -eu
SOURCE="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
PORT="${PORT:-8765}"
case "$(uname -s)" in
    Darwin) ROOT="$HOME/Library/Application Support/posbt" ;;
    *) ROOT="${XDG_DATA_HOME:-$HOME/.local/share}/posbt" ;;
esac
VENV="$ROOT/venv"
PY="${PYTHON:-python3}"
fail() { echo "posbt install FAILED at: $1" >&2; exit 1; }
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || fail "Python 3.11 or newer is needed ($PY)"
echo "environment: $VENV"
"$PY" -m venv "$VENV" || fail "creating the environment"
"$VENV/bin/python" -m pip install -q --upgrade pip || fail "upgrading pip"
SPEC="$SOURCE[excel]"   # a wheel file or a source folder
"$VENV/bin/python" -m pip install -q "$SPEC" || fail "pip install $SPEC"
"$VENV/bin/posbt" excel install --port "$PORT" || fail "posbt excel install"
"$VENV/bin/posbt" excel doctor || fail "posbt excel doctor"
