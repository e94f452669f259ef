#!/usr/bin/env bash
# Runs a command with moto's server on a free port of 127.0.0.1, exported as MOTO_ENDPOINT,
# and stops the server afterwards: `scripts/with-moto.sh cargo test --workspace`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/venv.sh"
python=$root/.venv/bin/python

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp -t moto-server.XXXXXX.log)
"$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; rm -f "$log"' EXIT

endpoint=http://127.0.0.1:$port
for _ in $(seq 1 150); do
  if "$python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1] + '/moto-api/', timeout=1)" "$endpoint" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "error: moto_server exited; its log follows" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done

export MOTO_ENDPOINT=$endpoint
"$@"
