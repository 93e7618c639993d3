#!/usr/bin/env bash
# Runs a command with the test servers started (installed on first use) and stops them afterwards,
# whatever the command's outcome: the MongoDB-wire servers (CONGO_URI, JONGO_URI), the real
# OpenAI-compatible model server (LLAMA_URI) and ChromeDriver with Debian's Chromium for the browser
# tests (CHROMEDRIVER_URL, CHROME_BIN).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

stop_all() {
    "$here/browser.sh" stop || true
    "$here/llm-test-server.sh" stop || true
    "$here/test-servers.sh" stop
}
trap stop_all EXIT
"$here/test-servers.sh" start
"$here/llm-test-server.sh" start
"$here/browser.sh" start
# shellcheck source=/dev/null
source "$root/.test-servers/env"
# shellcheck source=/dev/null
source "$root/.test-servers/llm.env"
# shellcheck source=/dev/null
source "$root/.test-servers/browser/env"
"$@"
