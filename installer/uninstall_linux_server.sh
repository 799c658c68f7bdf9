#!/bin/sh
# Stop and remove the headless server; ~/.posbt stays.
set -u
systemctl --user disable --now posbt.service 2>/dev/null
rm -f "$HOME/.config/systemd/user/posbt.service"
rm -rf "${XDG_DATA_HOME:-$HOME/.local/share}/posbt"
echo "Removed. Delete ~/.posbt yourself to drop data, results and the token."
