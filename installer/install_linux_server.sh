#!/bin/sh
# Headless posbt server on Linux (no Excel): environment, token, systemd user service.
set -eu
SOURCE="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
PORT="${PORT:-8765}"
VENV="${XDG_DATA_HOME:-$HOME/.local/share}/posbt/venv"
POSBT_HOME="${POSBT_HOME:-$HOME/.posbt}"
python3.11 -m venv "$VENV"
"$VENV/bin/python" -m pip install "$SOURCE[server]"
mkdir -p "$POSBT_HOME"
"$VENV/bin/python" -c "from pathlib import Path; from xlbridge.settings import ensure_token; ensure_token(Path('$POSBT_HOME'))"
UNIT="$HOME/.config/systemd/user/posbt.service"
mkdir -p "$(dirname "$UNIT")"
cat > "$UNIT" <<U
[Unit]
Description=posbt local server (127.0.0.1:$PORT)
[Service]
Environment=POSBT_HOME=$POSBT_HOME
ExecStart=$VENV/bin/posbt serve --port $PORT
Restart=on-failure
[Install]
WantedBy=default.target
U
systemctl --user daemon-reload
systemctl --user enable --now posbt.service
echo "posbt server on 127.0.0.1:$PORT; token in $POSBT_HOME/server.token"
