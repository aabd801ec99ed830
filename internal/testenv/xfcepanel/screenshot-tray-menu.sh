#!/usr/bin/env bash
# Takes docs/screenshot-tray-menu.png: Mailbell's demo in a real Xfce panel
# (xfce4-panel's systray plugin, a StatusNotifierItem host that draws the
# dbusmenu itself) on a private Xvfb and D-Bus, its menu opened by a real
# right click (xdotool), the screen captured with ImageMagick's import.
#
#   internal/testenv/xfcepanel/screenshot-tray-menu.sh [OUT.png]
#
# Needs xvfb, xfce4-panel, xfconf, dbus, xdotool and imagemagick (in the
# Makefile's TEST_PKGS); make screenshot-tray-menu installs them and runs this.
# e2e/xfcepanel_test.go runs the same panel in make test.
# Nothing of the user's is touched: HOME and the XDG folders are a temporary
# directory, removed at the end with every process started here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=${1:-$repo/docs/screenshot-tray-menu.png}
root=$(mktemp -d /tmp/mailbell-xfce.XXXXXX)
pids=()
cleanup() {
  local p
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    p=${pids[i]}
    kill "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$root"
}
trap cleanup EXIT

# wait_for WHAT CMD...: run CMD every 0.1 s until it succeeds, for 40 s.
wait_for() {
  local what=$1; shift
  for _ in $(seq 400); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "screenshot-tray-menu: no $what after 40 s" >&2
  for f in "$root"/*.log; do echo "== $f" >&2; tail -20 "$f" >&2; done
  return 1
}

(cd "$repo" && go build -o "$root/mailbell" .) # with the caller's Go caches

export HOME=$root/home XDG_CONFIG_HOME=$root/home/.config XDG_CACHE_HOME=$root/home/.cache
export XDG_DATA_HOME=$root/home/.local/share XDG_RUNTIME_DIR=$root/run
export NO_AT_BRIDGE=1 LANG=C.UTF-8
unset SESSION_MANAGER
mkdir -p "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
cp "$here/panel.xml" "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml"

# The X server picks a free display and says which.
exec 3<> >(:)
Xvfb -displayfd 3 -screen 0 800x500x24 -nolisten tcp >"$root/xvfb.log" 2>&1 &
pids+=($!)
read -r -t 20 disp <&3 || { echo "Xvfb did not start" >&2; exit 1; }
export DISPLAY=:$disp
# A private session bus; services it starts on demand (xfconfd, dunst)
# inherit this environment and exit with it.
dbus-daemon --session --nofork --address="unix:path=$XDG_RUNTIME_DIR/bus" >"$root/dbus.log" 2>&1 &
pids+=($!)
export DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus
wait_for "session bus" test -S "$XDG_RUNTIME_DIR/bus"

busname() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner "string:$1" | grep -q 'boolean true'
}
# A calm backdrop instead of X's black.
convert -size 800x500 xc:'#4c566a' "$root/bg.png"
display -window root "$root/bg.png" || true # sets it, then exits 1
xfce4-panel --disable-wm-check >"$root/panel.log" 2>&1 &
pids+=($!)
wait_for "tray host (org.kde.StatusNotifierWatcher)" busname org.kde.StatusNotifierWatcher

"$root/mailbell" --demo >"$root/mailbell.log" 2>&1 &
pids+=($!)
item=org.kde.StatusNotifierItem-$!-1 # the name fyne.io/systray takes
registered() {
  dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
    org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher string:RegisteredStatusNotifierItems |
    grep -q StatusNotifierItem
}
wait_for "Mailbell tray item" registered
# The demo delivers mail every few seconds: wait until the tooltip counts
# three, so the menu lists a few.
has_mail() {
  dbus-send --session --print-reply --dest="$item" /StatusNotifierItem \
    org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierItem string:ToolTip | grep -qE '[3-9] unread messages'
}
wait_for "demo mail" has_mail
sleep 2 # the panel draws the icon and badge it was just sent
if busname org.freedesktop.Notifications; then dunstctl close-all 2>/dev/null || true; fi

# The tray sits at the panel's right end: right-click its one icon.
xdotool mousemove 789 16 click 3
# The plugin's process (wrapper-2.0) maps the menu: a window of its over
# 100 px tall.
menu_shown() {
  local w
  for w in $(xdotool search --onlyvisible --class Wrapper-2.0); do
    xwininfo -id "$w" | grep -qE 'Height: [1-9][0-9]{2}' && return 0
  done
  return 1
}
wait_for "menu window" menu_shown
sleep 0.5 # the menu's first frame is drawn
import -window root "$root/full.png"
convert "$root/full.png" -crop 440x305+360+0 +repage "$out"
xdotool key Escape
echo "wrote $out"
