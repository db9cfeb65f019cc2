#!/usr/bin/env bash
# `make soak` / `make soak-smoke`: the soak test (tests/soak.rs), bounded end to end.
# The worker and the test binary are built first, each under its own time limit; the run
# then gets a session of its own under `timeout`. However it ends (pass, fail, time-out,
# Ctrl-C), whatever is left in that session is stopped by process id: the harness starts
# `wrangler dev` (and workerd under it) in process groups of their own, which `timeout`
# does not reach, and which the harness only stops itself when it gets to drop the world.
set -uo pipefail
cd "$(dirname "$0")/.."
export SOAK_SECONDS="${SOAK_SECONDS:-210}" SOAK_CHECK_P99="${SOAK_CHECK_P99:-1}"
build_limit="${SOAK_BUILD_TIMEOUT:-20m}"
# Two workers to start (up to a minute), the load, up to 60 s of drain and checks, a margin.
run_limit="${SOAK_RUN_LIMIT:-$((SOAK_SECONDS + 300))}"

timeout --kill-after=30s "$build_limit" make -s build || exit $?
timeout --kill-after=30s "$build_limit" cargo test --test soak --no-run || exit $?

# The harness's scratch directory (throwaway D1, logs) goes under a temporary directory of
# this run's, removed at the end even when the run was cut short.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/weav-soak.XXXXXX")
# In a script, a background job stays in the shell's process group, so `setsid` makes the
# job itself the session leader: its pid is the session id.
TMPDIR="$scratch" setsid timeout --kill-after=15s "${run_limit}s" cargo test --test soak &
session=$!
stop_session() {
    local left
    # Zombies (already dead, waiting for init to reap them) are left alone.
    left=$(ps -o pid=,stat= -s "$session" 2>/dev/null | awk '$2 !~ /^Z/ {printf "%s ", $1}')
    if [ -n "$left" ]; then
        echo "soak: stopping what the run left behind: $left" >&2
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
    fi
}
trap 'stop_session; rm -rf "$scratch"; exit 130' INT TERM
rc=0
wait "$session" || rc=$?
stop_session
rm -rf "$scratch"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "soak: FAIL did not finish within ${run_limit} s" >&2
fi
exit "$rc"
