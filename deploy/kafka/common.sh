# shellcheck shell=bash
# Shared settings for deploy/kafka/start.sh and stop.sh (sourced, not run).

KAFKA_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_POM="$KAFKA_SCRIPT_DIR/pom.xml"
# Single source of truth for the version: <kafka.version> in pom.xml.
KAFKA_VERSION="$(sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$KAFKA_POM" | head -n 1)"
if [[ -z "$KAFKA_VERSION" ]]; then
  echo "kafka: cannot read <kafka.version> from $KAFKA_POM" >&2
  exit 1
fi

# Jars: outside the clone, shared by every checkout, CI run and later session.
KAFKA_HOME="${MERCATO_KAFKA_HOME:-$HOME/.cache/mercato-kafka/$KAFKA_VERSION}"
KAFKA_LIBS="$KAFKA_HOME/libs"
# Broker state: config, KRaft metadata + topic data, logs, pid file.
KAFKA_DATA="${MERCATO_KAFKA_DATA:-$HOME/.cache/mercato-kafka/data}"
KAFKA_CONFIG_DIR="$KAFKA_DATA/config"
KAFKA_SERVER_PROPERTIES="$KAFKA_CONFIG_DIR/server.properties"
KAFKA_LOG4J_PROPERTIES="$KAFKA_CONFIG_DIR/log4j.properties"
KAFKA_LOG_DIRS="$KAFKA_DATA/kraft-combined-logs"
KAFKA_APP_LOGS="$KAFKA_DATA/logs"
KAFKA_PID_FILE="$KAFKA_DATA/kafka.pid"

# Loopback only. The default broker is the shared one on 9092; a second one (another data dir and
# ports, e.g. the SASL broker of the tests) can run beside it.
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${MERCATO_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${MERCATO_KAFKA_CONTROLLER_PORT:-9093}"
# MERCATO_KAFKA_SASL=1: the client listener is SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512)
# instead of PLAINTEXT, with the users below. For tests of client authentication; not a production setup.
KAFKA_SASL="${MERCATO_KAFKA_SASL:-}"
KAFKA_SASL_ADMIN_PASSWORD="${MERCATO_KAFKA_SASL_ADMIN_PASSWORD:-admin-secret}"
KAFKA_SASL_USER="${MERCATO_KAFKA_SASL_USER:-mercato}"
KAFKA_SASL_PASSWORD="${MERCATO_KAFKA_SASL_PASSWORD:-mercato-secret}"

# True when something accepts TCP connections on 127.0.0.1:$1.
kafka_port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$KAFKA_HOST/$1" 2>/dev/null
}

# The command line of process $1, empty if it does not exist.
kafka_cmdline() {
  if [[ -r "/proc/$1/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -p "$1" -o args= 2>/dev/null || true
  fi
}

# Prints the pid of the broker this data dir belongs to and succeeds, or fails
# (the pid file is missing, or stale: its process is gone or is something else).
kafka_running_pid() {
  [[ -f "$KAFKA_PID_FILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$KAFKA_PID_FILE")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local cmd
  cmd="$(kafka_cmdline "$pid")"
  [[ "$cmd" == *kafka.Kafka*"$KAFKA_SERVER_PROPERTIES"* ]] || return 1
  echo "$pid"
}

kafka_log_tail() {
  local f
  for f in "$KAFKA_APP_LOGS/kafka.out" "$KAFKA_APP_LOGS/server.log"; do
    if [[ -s "$f" ]]; then
      echo "----- last lines of $f -----" >&2
      tail -n "${1:-40}" "$f" >&2
    fi
  done
}
