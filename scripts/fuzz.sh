#!/usr/bin/env bash
# A schema-driven fuzz run of /openapi.json against the running API (schemathesis).
#
#   scripts/fuzz.sh quick   # bounded: a few examples per operation, a time budget (make test)
#   scripts/fuzz.sh long    # at length (make fuzz)
#   scripts/fuzz.sh long --seed 1234 --include-path /v1/clients   # extra flags go to schemathesis
#
# Builds the API, starts it on the embedded default (in-memory store, demo clients, offline
# analyst) on a free loopback port, creates real ids (a client, a conversation, an assistant
# message), runs `schemathesis run` authenticated with the dev user's token and those ids, and stops
# the server whatever happens. Reports (JUnit, and a VCR cassette of every request) land in
# target/fuzz/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"

mode="${1:-quick}"
[ $# -gt 0 ] && shift
case "$mode" in
    quick) budget=(--max-examples 5 --max-time 120 --phases examples,coverage,fuzzing) ;;
    long) budget=(--max-examples 300 --max-time 1200) ;;
    *) echo "usage: $0 quick|long [schemathesis flags]" >&2; exit 2 ;;
esac

SCHEMATHESIS_VERSION=4.32.5
venv="$root/.venv-fuzz"
if [ ! -x "$venv/bin/schemathesis" ] || [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    echo "fuzz: installing schemathesis $SCHEMATHESIS_VERSION into .venv-fuzz/"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# FUZZ_API_BIN runs an API binary already built (elsewhere) instead of building this tree's.
if [ -n "${FUZZ_API_BIN:-}" ]; then
    api="$FUZZ_API_BIN"
else
    cargo build --quiet -p api
    # Where cargo put it: CARGO_TARGET_DIR when the caller set one.
    api="${CARGO_TARGET_DIR:-$root/target}/debug/api"
fi
out="$root/target/fuzz"
mkdir -p "$out"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
dev_user=64b000000000000000000001

# The embedded default, with the dev user's demo clients, and rate limits high enough that the
# fuzzer is not refused (429) for most of its run.
export BIND_ADDR="127.0.0.1:$port" SEED_DEMO_CLIENTS=true DEV_USER_ID="$dev_user" \
    RATE_LIMIT_PER_MINUTE=100000 RATE_LIMIT_PER_DAY=1000000 LOG_FORMAT=text RUST_LOG=warn
unset MONGODB_URI
# Every platform's app is configured with made-up credentials, so that `connect` answers 200 rather
# than 503 "not configured", and every platform URL points at a closed loopback port: nothing leaves
# the machine, and a call to a platform (the seeded connections' accounts, a sync) fails at once.
nowhere=http://127.0.0.1:9
export GOOGLE_CLIENT_ID=fuzz-google GOOGLE_CLIENT_SECRET=fuzz-google-secret GOOGLE_ADS_DEVELOPER_TOKEN=fuzz-dev-token \
    META_APP_ID=fuzz-meta META_APP_SECRET=fuzz-meta-secret LINKEDIN_CLIENT_ID=fuzz-linkedin LINKEDIN_CLIENT_SECRET=fuzz-linkedin-secret \
    GOOGLE_AUTH_URL=$nowhere GOOGLE_TOKEN_URL=$nowhere GA4_DATA_API_URL=$nowhere GA4_ADMIN_API_URL=$nowhere \
    GOOGLE_ADS_API_URL=$nowhere META_AUTH_URL=$nowhere META_GRAPH_URL=$nowhere \
    LINKEDIN_AUTH_URL=$nowhere LINKEDIN_TOKEN_URL=$nowhere LINKEDIN_API_URL=$nowhere
"$api" serve >"$out/server.log" 2>&1 &
server=$!
stop_server() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
trap stop_server EXIT

for _ in $(seq 1 100); do
    curl -fsS "$base/health" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { echo "fuzz: the server exited; see $out/server.log" >&2; cat "$out/server.log" >&2; exit 1; }
    sleep 0.2
done
curl -fsS "$base/health" >/dev/null

token="$("$api" dev-token --user "$dev_user")"
auth="Authorization: Bearer $token"
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

clients="$(curl -fsS -H "$auth" "$base/v1/clients")"
FUZZ_CLIENT_ID="$(json '["items"][0]["id"]' <<<"$clients")"
FUZZ_OTHER_CLIENT_ID="$(json '["items"][1]["id"]' <<<"$clients")"
FUZZ_CONVERSATION_ID="$(curl -fsS -H "$auth" -H 'Content-Type: application/json' -d '{"title":"fuzz"}' \
    "$base/v1/clients/$FUZZ_CLIENT_ID/conversations" | json '["conversationId"]')"
FUZZ_MESSAGE_ID="$(curl -fsS -H "$auth" -H 'Content-Type: application/json' -d '{"content":"How did sessions do last week?"}' \
    "$base/v1/conversations/$FUZZ_CONVERSATION_ID/messages" | json '["answer"]["messageId"]')"
FUZZ_DOOMED_CONVERSATION_ID="$(curl -fsS -X POST -H "$auth" "$base/v1/clients/$FUZZ_CLIENT_ID/conversations" | json '["conversationId"]')"
export FUZZ_CLIENT_ID FUZZ_OTHER_CLIENT_ID FUZZ_CONVERSATION_ID FUZZ_MESSAGE_ID FUZZ_DOOMED_CONVERSATION_ID
echo "fuzz: $base, client $FUZZ_CLIENT_ID, conversation $FUZZ_CONVERSATION_ID, answer $FUZZ_MESSAGE_ID"

"$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$base/openapi.json" \
    -H "$auth" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --workers 1 `# one worker: Hypothesis parses lambdas with ast.parse, which breaks when threads call it at once on Python 3.11.7 (SystemError: AST constructor recursion depth mismatch)` \
    --generation-database none \
    --report junit,vcr --report-dir "$out" \
    "${budget[@]}" "$@"
