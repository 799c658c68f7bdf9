#!/bin/sh
# posbt for macOS Excel: environment, posbt[excel,server], xlwings add-in, posbt.xlam,
# xlwings settings, token, and the server at login (launchd). Cell functions (UDFs) need
# Windows Excel; on macOS the ribbon (RunPython) works.
set -eu
SOURCE="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
PORT="${PORT:-8765}"
ROOT="$HOME/Library/Application Support/posbt"
VENV="$ROOT/venv"
POSBT_HOME="${POSBT_HOME:-$HOME/.posbt}"
echo "1/6 Python environment in $VENV"
python3.11 -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
echo "2/6 posbt with the excel and server extras"
"$VENV/bin/python" -m pip install "$SOURCE[excel,server]"
echo "3/6 xlwings add-in"
"$VENV/bin/xlwings" addin install
"$VENV/bin/xlwings" runpython install
echo "4/6 posbt.xlam"
ADDINS="$HOME/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Add-Ins.localized"
mkdir -p "$ADDINS"
"$VENV/bin/python" -m xlbridge.addin.build "$ADDINS/posbt.xlam"
echo "5/6 xlwings settings"
mkdir -p "$HOME/.xlwings"
printf '"INTERPRETER_MAC","%s"\n' "$VENV/bin/python" > "$HOME/.xlwings/xlwings.conf"
echo "6/6 token and launchd agent"
mkdir -p "$POSBT_HOME"
"$VENV/bin/python" -c "from pathlib import Path; from xlbridge.settings import ensure_token; ensure_token(Path('$POSBT_HOME'))"
chmod 600 "$POSBT_HOME/server.token"
PLIST="$HOME/Library/LaunchAgents/in.posbt.server.plist"
mkdir -p "$(dirname "$PLIST")"
cat > "$PLIST" <<PL
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>Label</key><string>in.posbt.server</string>
  <key>ProgramArguments</key><array><string>$VENV/bin/posbt</string><string>serve</string><string>--port</string><string>$PORT</string></array>
  <key>EnvironmentVariables</key><dict><key>POSBT_HOME</key><string>$POSBT_HOME</string></dict>
  <key>RunAtLoad</key><true/><key>KeepAlive</key><true/>
</dict></plist>
PL
launchctl unload "$PLIST" 2>/dev/null || true
launchctl load "$PLIST"
echo "Done. In Excel: Tools > Excel Add-ins > Browse > posbt.xlam."
