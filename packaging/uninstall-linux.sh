#!/bin/sh
# Remove LabelDesk installed by install-linux.sh: the app, its menu entry and icons.
#   ./uninstall-linux.sh          keeps your settings and the offline copy of your labels
#   ./uninstall-linux.sh --purge  removes those too
# API keys live in your system keyring: use "Sign out of this site" in LabelDesk first to remove them.
set -eu

data=${XDG_DATA_HOME:-$HOME/.local/share}
rm -rf "$data/labeldesk"
rm -f "$data/applications/labeldesk.desktop"
for dir in "$data"/icons/hicolor/*/apps; do
    rm -f "$dir/labeldesk.png" "$dir/labeldesk.svg"
done
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true

if [ "${1:-}" = "--purge" ]; then
    rm -rf "${XDG_CONFIG_HOME:-$HOME/.config}/LabelDesk" "${XDG_CACHE_HOME:-$HOME/.cache}/LabelDesk" \
        "${XDG_STATE_HOME:-$HOME/.local/state}/LabelDesk"
    echo "LabelDesk and its settings and saved labels are removed."
else
    echo "LabelDesk is removed. Your settings are kept (run with --purge to remove them too)."
fi
