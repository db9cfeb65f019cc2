# Sourced by fuzz/run.sh and tests/mcp/run.sh: a Python venv installed from a pinned
# requirements file, again only when that file's hash changed.
#
#   ensure_venv <venv dir> <requirements file> <what, for the log line>
#
# Works with or without Debian's python3-venv (no ensurepip: the system pip installs into
# the venv), and falls back to virtualenv.
ensure_venv() {
  local venv=$1 req=$2 what=$3 hash pip
  hash=$(sha256sum "$req" | cut -d' ' -f1)
  if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null || true)" = "$hash" ] && [ -x "$venv/bin/python" ]; then
    return
  fi
  echo "installing $what into $(basename "$venv")" >&2
  rm -rf "$venv"
  if python3 -m venv "$venv" >/dev/null 2>&1 && [ -x "$venv/bin/pip" ]; then
    pip=("$venv/bin/python" -m pip)
  elif rm -rf "$venv" && python3 -m venv --without-pip "$venv" >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
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
