#!/usr/bin/env bash
# Installs, starts and stops the two MongoDB-wire-protocol test servers that
# our Rust tests talk to. A real mongod cannot be installed on our machines
# (only package registries are reachable), so we use:
#
#   CongoDB - in-memory TypeScript server inside npm @push.rocks/smartmongo,
#             run by scripts/congo-server.mjs
#   jongodb - native (GraalVM) binary from npm @jongodb/memory-server-bin-linux-x64-gnu
#
# Usage: scripts/test-servers.sh install|start|stop|status
#
#   install  download the pinned packages into .test-servers/ (no-op when present)
#   start    install if needed, start both servers on free loopback ports,
#            wait until they accept connections, write .test-servers/env
#   stop     stop both servers (idempotent)
#   status   show whether they run and the URIs
#
# After `start`:  source .test-servers/env   # exports CONGO_URI and JONGO_URI
#
# Everything lives in the git-ignored folder .test-servers/ at the repo root:
#   congo/    npm package dir: node_modules/ + package/ (unpacked smartmongo)
#   jongodb/  package/bin/jongodb
#   logs/     server stdout/stderr
#   run/      pid files
#   env       export lines for the URIs
#   installed marker holding the pinned versions that were installed
set -euo pipefail

# --- pinned versions ---------------------------------------------------------
SMARTMONGO_VERSION=2.2.0
# `npm install @push.rocks/smartmongo` fails (ETARGET: transitive ranges such as
# @push.rocks/lik@^6.4.1 match no published version), and it would also pull in
# mongodb-memory-server, which downloads a mongod. CongoDB (dist_ts/congodb)
# only imports the packages below, so we install exactly them next to the
# unpacked tarball instead.
CONGO_DEPS=(
  bson@6.10.4
  mingo@7.2.7
  @push.rocks/smartfs@1.5.0
  @push.rocks/smartpath@6.0.0
  @push.rocks/smartpromise@4.2.3
  @push.rocks/smartrx@3.0.10
)
JONGODB_VERSION=0.1.6
JONGODB_PKG=@jongodb/memory-server-bin-linux-x64-gnu
# The marker content: changing any pin above triggers a reinstall.
INSTALL_STAMP="smartmongo@${SMARTMONGO_VERSION} ${CONGO_DEPS[*]} ${JONGODB_PKG}@${JONGODB_VERSION}"

# How long `start` waits for a server to accept TCP connections.
START_TIMEOUT_SECS=${TEST_SERVERS_START_TIMEOUT:-30}
# URI options for the Rust driver. Both servers answer `hello` as a standalone,
# so the driver works without options; directConnection=true just pins it to
# this one server so it never attempts replica-set discovery.
URI_OPTS='?directConnection=true'

# --- paths (independent of the caller's cwd) ---------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
TS_DIR="$REPO_ROOT/.test-servers"
CONGO_DIR="$TS_DIR/congo"
CONGO_ENTRY="$CONGO_DIR/package/dist_ts/congodb/index.js"
JONGO_DIR="$TS_DIR/jongodb"
JONGO_BIN="$JONGO_DIR/package/bin/jongodb"
LOG_DIR="$TS_DIR/logs"
RUN_DIR="$TS_DIR/run"
ENV_FILE="$TS_DIR/env"
MARKER="$TS_DIR/installed"

log() { echo "test-servers: $*" >&2; }
die() { log "error: $*"; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH"; }

# --- install -----------------------------------------------------------------
is_installed() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "$INSTALL_STAMP" \
     && -f "$CONGO_ENTRY" && -x "$JONGO_BIN" ]]
}

# npm pack SPEC into DIR and unpack it there (creates DIR/package/).
# `npm pack` just downloads the tarball: no install scripts, no dependency
# resolution, which is exactly what we want for both packages.
npm_pack_unpack() {
  local spec=$1 dir=$2 tgz
  mkdir -p "$dir"
  tgz=$(cd "$dir" && npm pack "$spec" --silent --no-audit --no-fund | tail -n 1)
  [[ -f "$dir/$tgz" ]] || die "npm pack $spec produced no tarball"
  tar -xzf "$dir/$tgz" -C "$dir"
  rm -f "$dir/$tgz"
}

install_congo() {
  log "installing CongoDB (@push.rocks/smartmongo@$SMARTMONGO_VERSION)"
  rm -rf "$CONGO_DIR"
  mkdir -p "$CONGO_DIR"
  # A private package dir: node resolves bare imports from
  # congo/package/dist_ts/congodb/*.js by walking up to congo/node_modules.
  echo '{ "name": "congo-test-server", "private": true }' >"$CONGO_DIR/package.json"
  (cd "$CONGO_DIR" && npm install --no-audit --no-fund --save-exact --loglevel=error "${CONGO_DEPS[@]}" >/dev/null)
  npm_pack_unpack "@push.rocks/smartmongo@$SMARTMONGO_VERSION" "$CONGO_DIR"
  [[ -f "$CONGO_ENTRY" ]] || die "CongoDB entry point missing: $CONGO_ENTRY"
}

install_jongodb() {
  log "installing jongodb ($JONGODB_PKG@$JONGODB_VERSION)"
  rm -rf "$JONGO_DIR"
  npm_pack_unpack "$JONGODB_PKG@$JONGODB_VERSION" "$JONGO_DIR"
  [[ -f "$JONGO_BIN" ]] || die "jongodb binary missing: $JONGO_BIN"
  chmod +x "$JONGO_BIN"
  # The package.json records the binary's sha256; check it when we can.
  local want got
  want=$(node -e 'console.log(require(process.argv[1]).jongodb?.sha256 ?? "")' "$JONGO_DIR/package/package.json")
  if [[ -n "$want" ]] && command -v sha256sum >/dev/null; then
    got=$(sha256sum "$JONGO_BIN" | cut -d' ' -f1)
    [[ "$got" == "$want" ]] || die "jongodb sha256 mismatch: got $got, want $want"
  fi
}

cmd_install() {
  if is_installed; then
    return 0
  fi
  need node
  need npm
  need tar
  # Drop the marker first: an interrupted install is redone next time.
  rm -f "$MARKER"
  mkdir -p "$TS_DIR"
  install_congo
  install_jongodb
  echo "$INSTALL_STAMP" >"$MARKER"
  log "installed into $TS_DIR"
}

# --- start / stop ------------------------------------------------------------
# A free loopback port: bind to port 0 and let the kernel choose. (There is a
# small window before the server binds it; start retries if that race is lost.)
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})'
}

# True if something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp,
# so no nc/curl needed).
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True while process $1 exists and is not a zombie. (The servers outlive this
# script and get reparented; where nothing reaps them, a dead server lingers as
# a zombie, which `kill -0` would still report as alive.)
alive() {
  local state
  read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" || return 1
  [[ "$state" != Z ]]
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

# Prints the pid of server $1 if its pid file names a live process that is
# really ours (guards against a stale pid file and pid reuse).
running_pid() {
  local name=$1 pf pid pattern cmdline
  pf=$(pid_file "$name")
  [[ -f "$pf" ]] || return 1
  pid=$(cat "$pf")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  case $name in
    congo) pattern=congo-server.mjs ;;
    jongo) pattern=jongodb ;;
  esac
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *"$pattern"* ]] || return 1
  echo "$pid"
}

# Start server $1 ("congo" or "jongo") on a free port; prints the port.
# Waits until the port accepts connections; fails early if the process dies.
start_one() {
  local name=$1 attempt port pid logf waited
  logf="$LOG_DIR/$name.log"
  for attempt in 1 2 3; do
    port=$(free_port)
    # stdin from /dev/null and output to the log: the process must not hold on
    # to the caller's terminal or pipes (CI waits for those to close).
    case $name in
      congo) node "$SCRIPT_DIR/congo-server.mjs" --host=127.0.0.1 --port="$port" --dist="$CONGO_ENTRY" \
               </dev/null >"$logf" 2>&1 & ;;
      jongo) "$JONGO_BIN" --host=127.0.0.1 --port="$port" </dev/null >"$logf" 2>&1 & ;;
    esac
    pid=$!
    echo "$pid" >"$(pid_file "$name")"
    # Poll every 0.1 s, bounded by START_TIMEOUT_SECS.
    waited=0
    while ! port_open "$port"; do
      if ! alive "$pid"; then
        break
      fi
      if (( waited >= START_TIMEOUT_SECS * 10 )); then
        kill "$pid" 2>/dev/null || true
        rm -f "$(pid_file "$name")"
        log "$name did not accept connections on port $port within ${START_TIMEOUT_SECS}s; log tail:"
        tail -n 20 "$logf" >&2 || true
        return 1
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
    if alive "$pid"; then
      echo "$port"
      return 0
    fi
    # Exited before listening: most likely the port was taken meanwhile.
    rm -f "$(pid_file "$name")"
    log "$name exited during startup (attempt $attempt); log tail:"
    tail -n 20 "$logf" >&2 || true
  done
  return 1
}

cmd_stop() {
  local name pid pids=() names=()
  # SIGTERM both first and then wait, so their shutdowns (1-2 s each) overlap.
  for name in congo jongo; do
    if pid=$(running_pid "$name"); then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("$name")
    fi
    rm -f "$(pid_file "$name")"
  done
  # Give them up to 5 s to exit cleanly, then force it.
  local i
  for i in "${!pids[@]}"; do
    for _ in $(seq 50); do
      alive "${pids[$i]}" || break
      sleep 0.1
    done
    if alive "${pids[$i]}"; then
      kill -9 "${pids[$i]}" 2>/dev/null || true
    fi
    log "stopped ${names[$i]} (pid ${pids[$i]})"
  done
  rm -f "$ENV_FILE"
}

print_uris() {
  # shellcheck disable=SC1090
  (source "$ENV_FILE" && echo "CONGO_URI=$CONGO_URI" && echo "JONGO_URI=$JONGO_URI")
}

cmd_start() {
  cmd_install
  need node
  # Already up (e.g. a second `start`)? Keep them and just report.
  if running_pid congo >/dev/null && running_pid jongo >/dev/null && [[ -f "$ENV_FILE" ]]; then
    log "already running"
    print_uris
    return 0
  fi
  cmd_stop
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  local congo_port jongo_port
  congo_port=$(start_one congo) || { cmd_stop; die "could not start CongoDB (log: $LOG_DIR/congo.log)"; }
  jongo_port=$(start_one jongo) || { cmd_stop; die "could not start jongodb (log: $LOG_DIR/jongo.log)"; }
  # Write via a temp file so a reader never sees half an env file.
  cat >"$ENV_FILE.tmp" <<EOF
export CONGO_URI=mongodb://127.0.0.1:${congo_port}/${URI_OPTS}
export JONGO_URI=mongodb://127.0.0.1:${jongo_port}/${URI_OPTS}
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  log "started; run: source $ENV_FILE"
  print_uris
}

cmd_status() {
  local name pid rc=0
  for name in congo jongo; do
    if pid=$(running_pid "$name"); then
      echo "$name: running (pid $pid)"
    else
      echo "$name: stopped"
      rc=1
    fi
  done
  [[ -f "$ENV_FILE" ]] && print_uris
  return $rc
}

case ${1:-} in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
