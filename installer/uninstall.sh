#!/bin/sh
# Remove what install.sh set up (`posbt excel uninstall`, then the environment).
# ~/.posbt (market data, results, token) stays. Stops at the first failing step.
set -eu
case "$(uname -s)" in
    Darwin) ROOT="$HOME/Library/Application Support/posbt" ;;
    *) ROOT="${XDG_DATA_HOME:-$HOME/.local/share}/posbt" ;;
esac
if [ -x "$ROOT/venv/bin/posbt" ]; then
    "$ROOT/venv/bin/posbt" excel uninstall || { echo "posbt uninstall FAILED" >&2; exit 1; }
fi
rm -rf "$ROOT"
echo "Removed. Delete ~/.posbt yourself to drop market data, results and the token."
