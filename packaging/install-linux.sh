#!/bin/sh
# Install LabelDesk for you alone (no root, no terminal knowledge needed beyond running this once):
# the app goes to ~/.local/share/labeldesk, its icon and menu entry to the usual per-user folders.
#   ./install-linux.sh            (from the unpacked LabelDesk folder)
#   ./install-linux.sh PATH       (PATH: a LabelDesk folder built by packaging/build.py)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bundle=${1:-$here}
[ -x "$bundle/LabelDesk" ] || bundle="$here/../dist/LabelDesk"
if [ ! -x "$bundle/LabelDesk" ]; then
    echo "Can't find the LabelDesk program next to this script (or in dist/LabelDesk)." >&2
    exit 1
fi
bundle=$(cd "$bundle" && pwd)

data=${XDG_DATA_HOME:-$HOME/.local/share}
app="$data/labeldesk/app"
template="$bundle/labeldesk.desktop"
[ -f "$template" ] || template="$here/labeldesk.desktop"

if [ "$bundle" != "$app" ]; then
    rm -rf "$app.new"
    mkdir -p "$app.new"
    cp -a "$bundle/." "$app.new/"
    rm -rf "$app"
    mv "$app.new" "$app"
fi

icons="$app/_internal/labeldesk/resources"
for size in 16 24 32 48 64 128 256 512; do
    if [ -f "$icons/labeldesk-$size.png" ]; then
        mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
        cp "$icons/labeldesk-$size.png" "$data/icons/hicolor/${size}x${size}/apps/labeldesk.png"
    fi
done
mkdir -p "$data/icons/hicolor/scalable/apps"
cp "$icons/labeldesk.svg" "$data/icons/hicolor/scalable/apps/labeldesk.svg"

mkdir -p "$data/applications"
sed "s|@EXEC@|\"$app/LabelDesk\"|" "$template" > "$data/applications/labeldesk.desktop"
chmod 644 "$data/applications/labeldesk.desktop"

command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" 2>/dev/null || true

echo "LabelDesk is installed. Open it from your applications menu, or run: $app/LabelDesk"
