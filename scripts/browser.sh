#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the console's browser tests, and starts and stops
# one ChromeDriver that the tests drive (`cargo test -p black-box-tests --test browser`).
#
# Usage: scripts/browser.sh install|start|stop|status|env
#
#   install  apt-get install chromium chromium-driver when either is missing (non-interactive;
#            through sudo only when not root); a no-op when both are there
#   start    install if needed, start ChromeDriver on a free loopback port, wait until it answers,
#            write .test-servers/browser/env (export CHROMEDRIVER_URL=... CHROME_BIN=...)
#   stop     stop that ChromeDriver (idempotent)
#   status   say whether it runs, and its URL
#   env      print the export lines (for `eval "$(scripts/browser.sh env)"`)
#
# After `start`:  source .test-servers/browser/env
#
# Without CHROMEDRIVER_URL the browser tests start a ChromeDriver of their own from PATH (or
# /usr/bin/chromedriver), so `install` alone is enough to run them by hand.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
STATE_DIR="$REPO_ROOT/.test-servers/browser"
PID_FILE="$STATE_DIR/chromedriver.pid"
ENV_FILE="$STATE_DIR/env"
LOG_FILE="$STATE_DIR/chromedriver.log"
START_TIMEOUT_SECS=${BROWSER_START_TIMEOUT:-20}

log() { echo "browser: $*" >&2; }
die() { log "error: $*"; exit 1; }

chromium_bin() {
  local candidate
  for candidate in "${CHROME_BIN:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then echo "$candidate"; return 0; fi
  done
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || return 1
}

chromedriver_bin() {
  if [[ -x /usr/bin/chromedriver ]]; then echo /usr/bin/chromedriver; return 0; fi
  command -v chromedriver 2>/dev/null || return 1
}

is_installed() { chromium_bin >/dev/null && chromedriver_bin >/dev/null; }

install() {
  if is_installed; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 \
    || die "Chromium and ChromeDriver are missing and apt-get is not available; install chromium and chromium-driver"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "installing chromium needs root, and sudo is not available"
    sudo=(sudo)
  fi
  log "installing Debian's chromium and chromium-driver (apt-get)"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
  is_installed || die "apt-get finished but chromium or chromedriver is still missing"
  log "installed: $("$(chromium_bin)" --version 2>/dev/null || echo chromium), $("$(chromedriver_bin)" --version)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

start() {
  install
  if running_pid >/dev/null; then
    log "ChromeDriver already runs ($(grep -o 'http://[^ ]*' "$ENV_FILE" | head -1))"
    return 0
  fi
  mkdir -p "$STATE_DIR"
  local port driver url
  port=$(free_port)
  driver=$(chromedriver_bin)
  url="http://127.0.0.1:$port"
  "$driver" --port="$port" --allowed-ips=127.0.0.1 >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  local waited=0
  until curl -fsS "$url/status" >/dev/null 2>&1; do
    running_pid >/dev/null || die "ChromeDriver exited at start; see $LOG_FILE"
    (( waited >= START_TIMEOUT_SECS * 10 )) && die "ChromeDriver did not answer on $url within ${START_TIMEOUT_SECS}s"
    sleep 0.1
    waited=$((waited + 1))
  done
  {
    echo "export CHROMEDRIVER_URL=$url"
    echo "export CHROME_BIN=$(chromium_bin)"
  } >"$ENV_FILE"
  log "ChromeDriver on $url (pid $(cat "$PID_FILE"))"
}

stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid" 2>/dev/null || true
    log "stopped ChromeDriver (pid $pid)"
  fi
  rm -f "$PID_FILE" "$ENV_FILE"
}

status() {
  if running_pid >/dev/null; then
    log "ChromeDriver runs: $(grep CHROMEDRIVER_URL "$ENV_FILE" | cut -d= -f2)"
  else
    log "ChromeDriver does not run"
    return 1
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) [[ -f "$ENV_FILE" ]] && cat "$ENV_FILE" || die "not started; run scripts/browser.sh start" ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
