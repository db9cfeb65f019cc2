#!/usr/bin/env bash
# `make dev`: local secrets, migrations, a dev workspace and token, then `wrangler dev`.
# Running it again reuses the same local data (.wrangler/state) and the same token.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true WRANGLER_SEND_METRICS=false
PORT=${PORT:-8787}
BASE="http://127.0.0.1:$PORT"

# .dev.vars is written once, with fresh random secrets; edit it to override any variable.
if [ ! -f .dev.vars ]; then
  {
    echo "ADMIN_TOKEN=\"adm_$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))')\""
    echo "CREDENTIALS_KEY=\"$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))')\""
    echo 'ALLOW_PRIVATE_UPSTREAMS="true"'
  } > .dev.vars
  echo "wrote .dev.vars (ADMIN_TOKEN, CREDENTIALS_KEY)"
fi
ADMIN_TOKEN=$(sed -n 's/^ADMIN_TOKEN="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' .dev.vars)

make -s build
wrangler d1 migrations apply DB --local >/dev/null

# wrangler starts workerd as a grandchild: run it in its own process group and stop the
# whole group on exit, so no workerd is left holding the port.
setsid wrangler dev --test-scheduled --ip 127.0.0.1 --port "$PORT" &
WRANGLER=$!
trap 'kill -- -$WRANGLER 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -sf "$BASE/v1/health" >/dev/null 2>&1 && break
  kill -0 $WRANGLER 2>/dev/null || { echo "wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done

json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);process.stdout.write(String(v))})' "$1"; }

TOKEN=$(cat .dev-token 2>/dev/null || true)
if [ -z "$TOKEN" ] || [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/workspace" -H "Authorization: Bearer $TOKEN")" != 200 ]; then
  WS=$(curl -sf -X POST "$BASE/admin/v1/workspaces" -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -d '{"name":"Dev workspace","plan":"pro"}' | json_field id)
  TOKEN=$(curl -sf -X POST "$BASE/admin/v1/workspaces/$WS/tokens" -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -d '{"name":"make dev"}' | json_field token)
  echo "$TOKEN" > .dev-token
fi

cat <<MSG

  Weav Edge is serving on $BASE
  API token (read+write, dev workspace): $TOKEN
  Operator token (ADMIN_TOKEN, .dev.vars): $ADMIN_TOKEN

  curl $BASE/v1/workspace -H "Authorization: Bearer $TOKEN"

MSG
wait $WRANGLER
