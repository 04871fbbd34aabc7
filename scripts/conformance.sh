#!/usr/bin/env bash
# Run the Autobahn|Testsuite (../shared/autobahn) against this package's asyncio server and
# client, every case. Reports go to autobahn-reports/ (not committed); the summary of each
# run is printed. Extra arguments (e.g. --quick) are passed to both runs.
set -euo pipefail
cd "$(dirname "$0")/.."

AUTOBAHN=../shared/autobahn
PYTHON=.venv/bin/python
REPORTS=autobahn-reports
mkdir -p "$REPORTS"

"$AUTOBAHN/setup"

# The server testee picks a free port and announces it on its first line of output.
server_log="$REPORTS/server-testee.log"
"$PYTHON" "$AUTOBAHN/echo_server.py" --port 0 > "$server_log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'ws://[0-9.]*:[0-9]*' "$server_log" | head -n 1 || true)
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$server_log"; exit 2; }
  sleep 0.1
done
[ -n "$url" ] || { echo "server testee didn't start" >&2; cat "$server_log" >&2; exit 2; }

status=0
"$AUTOBAHN/run" server "$url" --outdir "$REPORTS/server" "$@" || status=$?
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
trap - EXIT

"$AUTOBAHN/run" client --outdir "$REPORTS/client" "$@" -- "$PYTHON" "$AUTOBAHN/echo_client.py" || status=$?
exit "$status"
