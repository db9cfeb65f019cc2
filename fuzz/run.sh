#!/usr/bin/env bash
# The schemathesis fuzzer against the worker under `wrangler dev` (make test, make fuzz).
#
# Serves a snapshot of the built worker (build/, js/, migrations/ copied to a temp dir, so
# a rebuild during the run changes nothing), on a free port, with fresh local state; makes
# an enterprise workspace and a read+write token; runs `st run` on the /v1 operations of
# the served OpenAPI document with every check and every phase; stops the worker always.
#
# Environment:
#   FUZZ_EXAMPLES   max examples per operation (fuzzing) and per stateful run   (default 10)
#   FUZZ_SEED       hypothesis seed                                              (default 1)
#   FUZZ_TIMEOUT    bound on the run after venv and build, as for sleep(1)       (default 10m)
#   FUZZ_WORKERS    schemathesis workers                                         (default 1)
#   FUZZ_NO_BUILD=1 skip `make -s build` (the caller has built)
#   FUZZ_KEEP=1     keep the temp dir (worker snapshot, state, wrangler.log)
#   FUZZ_LOG_LEVEL  wrangler dev's --log-level (default warn; `log` shows the worker's console)
# Arguments are passed on to `st run`, e.g. fuzz/run.sh --include-name 'GET /v1/agents'.
# Exit status: st's (non-zero on any failure or error), 124 past FUZZ_TIMEOUT, 1 on a
# setup error.
# Report: fuzz/last-report/ (output.txt, junit.xml, events.ndjson, wrangler.log),
# git-ignored, written when the run ends.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export CI=true WRANGLER_SEND_METRICS=false VSCODE_INSPECTOR_OPTIONS=off

FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-10}
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10m}
# One worker thread: CPython 3.11 (before 3.11.8) raises "SystemError: AST constructor
# recursion depth mismatch" when two threads use the ast module at once (gh-106905), which
# hypothesis does while it explains a case.
FUZZ_WORKERS=${FUZZ_WORKERS:-1}
VENV="$ROOT/.venv-fuzz"
REPORT="$ROOT/fuzz/last-report"

log() { echo "fuzz: $*" >&2; }

# 1. Outside the time bound: the fuzzer's venv and the build -------------------------------
# shellcheck source=../scripts/venv.sh
source "$ROOT/scripts/venv.sh"
ensure_venv "$VENV" fuzz/requirements.txt schemathesis
command -v wrangler >/dev/null || { log "wrangler is missing: run make tools (npm ci) first"; exit 1; }
[ -n "${FUZZ_NO_BUILD:-}" ] || make -s build

# 2. A snapshot of the built worker ------------------------------------------------------
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/weav-fuzz.XXXXXX")
WRANGLER_PID= ST_PID= TAIL_PID= WATCHDOG_PID=
stop() { [ -z "$1" ] || kill -TERM "$1" 2>/dev/null || true; }
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  stop "$ST_PID"
  stop "$WATCHDOG_PID"
  if [ -n "$WRANGLER_PID" ]; then
    kill -TERM -- "-$WRANGLER_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 -- "-$WRANGLER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$WRANGLER_PID" 2>/dev/null || true
  fi
  [ -z "$ST_PID" ] || wait "$ST_PID" 2>/dev/null
  stop "$TAIL_PID"
  if [ -f "$SCRATCH/timed-out" ]; then
    log "stopped: FUZZ_TIMEOUT=$FUZZ_TIMEOUT reached"
    rc=124
  fi
  # The report replaces fuzz/last-report whole at the end: runs side by side do not mix.
  if [ -d "$SCRATCH/report" ]; then
    cp "$SCRATCH/wrangler.log" "$SCRATCH/report/" 2>/dev/null
    rm -rf "$REPORT" && cp -r "$SCRATCH/report" "$REPORT"
  fi
  if [ -n "${FUZZ_KEEP:-}" ]; then log "kept $SCRATCH"; else rm -rf "$SCRATCH"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
# The time bound: a watchdog that signals this script, whose traps stop everything.
(
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep "$FUZZ_TIMEOUT" & sleeper=$!
  wait "$sleeper"
  touch "$SCRATCH/timed-out"
  kill -TERM $$
) >/dev/null 2>&1 </dev/null &
WATCHDOG_PID=$!
mkdir -p "$SCRATCH/report" && : >"$SCRATCH/report/output.txt"

# make touches build/worker/shim.mjs last: a copy in which some file is newer than it was
# taken during a rebuild. Retry until a consistent one is had.
APP="$SCRATCH/app"
for attempt in $(seq 1 60); do
  [ -f build/worker/shim.mjs ] && [ -f build/openapi.mjs ] || { sleep 5; continue; }
  rm -rf "$APP" && mkdir -p "$APP"
  before=$(stat -c %Y build/worker/shim.mjs)
  cp -a build js migrations "$APP/"
  after=$(stat -c %Y build/worker/shim.mjs)
  if [ "$before" = "$after" ] && [ -z "$(find "$APP/build" -type f -newer "$APP/build/worker/shim.mjs" -print -quit)" ]; then
    break
  fi
  [ "$attempt" = 60 ] && { log "build/ kept changing: no consistent snapshot"; exit 1; }
  log "build/ is being rebuilt: waiting"
  sleep 5
done
[ -f "$APP/build/worker/shim.mjs" ] || { log "no build/worker/shim.mjs: run make build"; exit 1; }
# The project's wrangler.toml less its [build] section (the snapshot is never rebuilt) and
# its queue consumers: the fuzzer checks the HTTP contract, and every write it makes would
# otherwise fan out to the dozens of webhook subscriptions (and training URLs) it created,
# each a DNS lookup of a made-up host, slowing the worker to a crawl. Events and training
# items are still enqueued; their delivery has its own end-to-end tests.
awk '/^\[/ { skip = ($0 == "[build]" || $0 == "[[queues.consumers]]") } !skip' wrangler.toml > "$APP/wrangler.toml"

# 3. Fresh local state, the worker -------------------------------------------------------
STATE="$SCRATCH/state"
export WRANGLER_LOG_PATH="$SCRATCH/wrangler-logs"
(cd "$APP" && wrangler d1 migrations apply DB --local --persist-to "$STATE" >"$SCRATCH/migrations.log" 2>&1) ||
  { cat "$SCRATCH/migrations.log" >&2; exit 1; }

ADMIN_TOKEN="adm_$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
CREDENTIALS_KEY=$(python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
# wrangler dev has no switch to turn the inspector off: it listens on 127.0.0.1 on a port
# of its own, not the default 9229 another wrangler may hold.
INSPECTOR_PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
# workerd is wrangler's grandchild: a session (and process group) of its own, stopped whole.
(cd "$APP" && exec setsid wrangler dev --ip 127.0.0.1 --port "$PORT" --log-level "${FUZZ_LOG_LEVEL:-warn}" \
  --inspector-ip 127.0.0.1 --inspector-port "$INSPECTOR_PORT" \
  --persist-to "$STATE" --show-interactive-dev-session=false \
  --var "ADMIN_TOKEN:$ADMIN_TOKEN" --var "CREDENTIALS_KEY:$CREDENTIALS_KEY" \
  --var OUTBOUND_TIMEOUT_MS:1000 --var WEBHOOK_RETRY_SCHEDULE:1,1 --var TRAINING_RETRY_SCHEDULE:1,1 \
  --var ALLOW_PRIVATE_UPSTREAMS:false \
  </dev/null >"$SCRATCH/wrangler.log" 2>&1) &
WRANGLER_PID=$!
for i in $(seq 1 240); do
  curl -sf "$BASE/v1/health" >/dev/null 2>&1 && break
  kill -0 "$WRANGLER_PID" 2>/dev/null || { tail -c 4000 "$SCRATCH/wrangler.log" >&2; log "wrangler dev exited"; exit 1; }
  [ "$i" = 240 ] && { tail -c 4000 "$SCRATCH/wrangler.log" >&2; log "wrangler dev not ready after 120 s"; exit 1; }
  sleep 0.5
done
log "worker on $BASE (snapshot and state in $SCRATCH)"

# 4. An enterprise workspace and a read+write token --------------------------------------
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
WS=$(curl -sf -X POST "$BASE/admin/v1/workspaces" -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"name":"fuzz","plan":"enterprise"}' | json_field id)
TOKEN=$(curl -sf -X POST "$BASE/admin/v1/workspaces/$WS/tokens" -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"name":"fuzz"}' | json_field token)
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/workspace" -H "Authorization: Bearer $TOKEN")" = 200 ] ||
  { log "the fuzz token is refused"; exit 1; }

# 5. The fuzzer --------------------------------------------------------------------------
# Only the /v1 operations: /admin/v1 has another auth, and the /api/... seed aliases are the
# same handlers. fuzz/schemathesis.toml holds the per-operation settings (see there).
# A background job, so that the traps run at once on a signal (or the watchdog's).
# fuzz/hooks.py: a unique Idempotency-Key per request (see there). Run from the temp dir:
# hypothesis keeps its .hypothesis/ in the working directory.
# The token goes in as the document's `bearerToken` scheme (fuzz/schemathesis.toml,
# FUZZ_TOKEN), so the auth checks know which header it is.
(cd "$SCRATCH" && export HYPOTHESIS_STORAGE_DIRECTORY="$SCRATCH/hypothesis" && FUZZ_TOKEN="$TOKEN" SCHEMATHESIS_HOOKS=fuzz.hooks PYTHONPATH="$ROOT" exec "$VENV/bin/st" --config-file "$ROOT/fuzz/schemathesis.toml" run "$BASE/v1/openapi.json" \
  --url "$BASE" \
  --include-path-regex '^/v1/' \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --mode all \
  --max-examples "$FUZZ_EXAMPLES" \
  --seed "$FUZZ_SEED" \
  --workers "$FUZZ_WORKERS" \
  --generation-database none \
  --request-timeout 30 \
  --continue-on-failure \
  --report junit,ndjson --report-dir "$SCRATCH/report" \
  --report-junit-path "$SCRATCH/report/junit.xml" --report-ndjson-path "$SCRATCH/report/events.ndjson" \
  --no-color \
  "$@" \
  >"$SCRATCH/report/output.txt" 2>&1 </dev/null) &
ST_PID=$!
tail -n +1 -f --pid="$ST_PID" "$SCRATCH/report/output.txt" &
TAIL_PID=$!
rc=0
wait "$ST_PID" || rc=$?
ST_PID=
wait "$TAIL_PID" 2>/dev/null || true
TAIL_PID=
log "report in fuzz/last-report/ (st exit status $rc)"
exit "$rc"
