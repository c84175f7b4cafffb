#!/usr/bin/env bash
# Stops the broker started by deploy/kafka/start.sh: SIGTERM (clean shutdown),
# a bounded wait, then SIGKILL. Exits 0 when it was not running.
set -euo pipefail
# shellcheck source=deploy/kafka/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STOP_TIMEOUT="${MERCATO_KAFKA_STOP_TIMEOUT:-30}"

log() { echo "kafka: $*"; }

if ! pid="$(kafka_running_pid)"; then
  rm -f "$KAFKA_PID_FILE"
  if kafka_port_open "$KAFKA_PORT"; then
    log "not started by start.sh with this data dir ($KAFKA_DATA), though something listens on $KAFKA_HOST:$KAFKA_PORT; leaving it alone"
  else
    log "not running"
  fi
  exit 0
fi

log "stopping broker (pid $pid)"
t0=$SECONDS
kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + STOP_TIMEOUT))
while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
  sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
  log "still alive after ${STOP_TIMEOUT} s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
fi
rm -f "$KAFKA_PID_FILE"
if kill -0 "$pid" 2>/dev/null; then
  log "pid $pid did not exit" >&2
  exit 1
fi
log "stopped ($((SECONDS - t0)) s)"
