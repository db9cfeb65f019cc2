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

install() {
  local n=$1 venv="$ROOT/.venv-mcp$1" req="tests/mcp/requirements-$1.txt" hash
  hash=$(sha256sum "$req" | cut -d' ' -f1)
  if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null || true)" = "$hash" ] && [ -x "$venv/bin/python" ]; then
    return
  fi
  echo "mcp: installing the $n.x SDK into .venv-mcp$n" >&2
  rm -rf "$venv"
  local pip
  if python3 -m venv "$venv" >/dev/null 2>&1 && [ -x "$venv/bin/pip" ]; then
    pip=("$venv/bin/python" -m pip)
  elif rm -rf "$venv" && python3 -m venv --without-pip "$venv" >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    # Debian without python3-venv has no ensurepip: the system pip installs into the venv.
    pip=(python3 -m pip --python "$venv/bin/python")
  else
    rm -rf "$venv"
    python3 -m pip install --user --quiet virtualenv 2>/dev/null ||
      python3 -m pip install --user --quiet --break-system-packages virtualenv
    python3 -m virtualenv --quiet "$venv"
    pip=("$venv/bin/python" -m pip)
  fi
  "${pip[@]}" install --quiet --disable-pip-version-check -r "$req"
  echo "$hash" > "$venv/.requirements.sha256"
}

case "${1:-}" in
  --install) install 1; install 2 ;;
  1|2)
    install "$1"
    exec timeout --kill-after=5 "${MCP_CLIENT_TIMEOUT:-120}" "$ROOT/.venv-mcp$1/bin/python" tests/mcp/client.py "$1"
    ;;
  *) echo "usage: tests/mcp/run.sh 1|2|--install" >&2; exit 2 ;;
esac
