#!/usr/bin/env bash
# The official MCP Python SDK against a running worker (the e2e case mcp::python_sdk_clients
# runs it; `make test` installs the venvs first with `--install`).
#
#   tests/mcp/run.sh 1|2            run tests/mcp/client.py with the 1.x or the 2.x release
#   tests/mcp/run.sh --install      only install both venvs
#
# Each release lives in a venv of its own (.venv-mcp1, .venv-mcp2: 1.x and 2.x pin
# different dependencies), installed from tests/mcp/requirements-<n>.txt when that file's
# hash changed, as fuzz/run.sh installs schemathesis. The client run is bounded by
# MCP_CLIENT_TIMEOUT (default 120 s). The client reads MCP_URL, MCP_AGENT_URL, MCP_TOKEN,
# MCP_CONNECTION, MCP_CHANNEL, MCP_ECHO_URL and MCP_LIMIT.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

# shellcheck source=../../scripts/venv.sh
source "$ROOT/scripts/venv.sh"
install() {
  ensure_venv "$ROOT/.venv-mcp$1" "tests/mcp/requirements-$1.txt" "the $1.x MCP SDK"
}

case "${1:-}" in
  --install) install 1; install 2 ;;
  1|2)
    install "$1"
    exec timeout --kill-after=5 "${MCP_CLIENT_TIMEOUT:-120}" "$ROOT/.venv-mcp$1/bin/python" tests/mcp/client.py "$1"
    ;;
  *) echo "usage: tests/mcp/run.sh 1|2|--install" >&2; exit 2 ;;
esac
