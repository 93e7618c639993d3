#!/usr/bin/env bash
# Runs a command with the MongoDB-wire test servers started (installed on first use) and stops them
# afterwards, whatever the command's outcome. The servers' URIs reach the command as CONGO_URI and
# JONGO_URI.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

"$here/test-servers.sh" start
trap '"$here/test-servers.sh" stop' EXIT
# shellcheck source=/dev/null
source "$root/.test-servers/env"
"$@"
