#!/bin/sh
# Remove what install_macos.sh added; ~/.posbt (data, results, token) stays.
set -u
PLIST="$HOME/Library/LaunchAgents/in.posbt.server.plist"
launchctl unload "$PLIST" 2>/dev/null; rm -f "$PLIST"
VENV="$HOME/Library/Application Support/posbt/venv"
[ -x "$VENV/bin/xlwings" ] && "$VENV/bin/xlwings" addin remove
rm -f "$HOME/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Add-Ins.localized/posbt.xlam"
rm -rf "$HOME/Library/Application Support/posbt"
echo "Removed. Delete ~/.posbt yourself to drop data, results and the token."
