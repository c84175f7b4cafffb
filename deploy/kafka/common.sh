# shellcheck shell=bash
# Shared settings for deploy/kafka/start.sh and stop.sh (sourced, not run).

KAFKA_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_POM="$KAFKA_SCRIPT_DIR/pom.xml"
# The default version is <kafka.version> in pom.xml; MERCATO_KAFKA_VERSION picks another one
# (e.g. 3.9.2, which is still supported), passed to mvn as -Dkafka.version.
KAFKA_DEFAULT_VERSION="$(sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$KAFKA_POM" | head -n 1)"
KAFKA_VERSION="${MERCATO_KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}"
if [[ -z "$KAFKA_VERSION" ]]; then
  echo "kafka: cannot read <kafka.version> from $KAFKA_POM" >&2
  exit 1
fi
if [[ ! "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "kafka: MERCATO_KAFKA_VERSION must look like 4.1.1, not '$KAFKA_VERSION'" >&2
  exit 1
fi

# Jars: outside the clone, shared by every checkout, CI run and later session.
KAFKA_HOME="${MERCATO_KAFKA_HOME:-$HOME/.cache/mercato-kafka/$KAFKA_VERSION}"
KAFKA_LIBS="$KAFKA_HOME/libs"
# Broker state: config, KRaft metadata + topic data, logs, pid file. One per version by default:
# a data dir is never handed to another broker version behind the user's back.
KAFKA_DATA="${MERCATO_KAFKA_DATA:-$HOME/.cache/mercato-kafka/data-$KAFKA_VERSION}"
KAFKA_CONFIG_DIR="$KAFKA_DATA/config"
KAFKA_SERVER_PROPERTIES="$KAFKA_CONFIG_DIR/server.properties"
KAFKA_LOG4J_PROPERTIES="$KAFKA_CONFIG_DIR/log4j.properties"
KAFKA_LOG4J2_PROPERTIES="$KAFKA_CONFIG_DIR/log4j2.properties"
KAFKA_LOG_DIRS="$KAFKA_DATA/kraft-combined-logs"
KAFKA_APP_LOGS="$KAFKA_DATA/logs"
KAFKA_PID_FILE="$KAFKA_DATA/kafka.pid"

# Loopback only. A second broker (another version, say) needs its own ports and data dir:
#   MERCATO_KAFKA_PORT=19092 MERCATO_KAFKA_DATA=/tmp/kafka-b npm run kafka:start
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${MERCATO_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${MERCATO_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  if [[ ! "$p" =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then
    echo "kafka: invalid port '$p' (MERCATO_KAFKA_PORT / MERCATO_KAFKA_CONTROLLER_PORT)" >&2
    exit 1
  fi
done
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

# Makes sure $KAFKA_LIBS holds the jars of $KAFKA_VERSION: downloads them (mvn, Maven Central)
# only when missing or when pom.xml or the version changed. Used by start.sh and by
# scripts/images-offline.sh (the Kafka stand-in image is built from the same jars).
kafka_fetch_jars() {
  local pom_sum stamp tmp t0
  pom_sum="$( (sha256sum "$KAFKA_POM" | cut -d ' ' -f 1; echo "$KAFKA_VERSION") | sha256sum | cut -d ' ' -f 1)"
  stamp="$KAFKA_LIBS/.pom.sha256"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$pom_sum" ]] && return 0
  if ! command -v mvn >/dev/null 2>&1; then
    echo "kafka: mvn not found on PATH: needed once to fetch the Kafka jars into $KAFKA_LIBS" >&2
    return 1
  fi
  echo "kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  t0=$SECONDS
  mkdir -p "$KAFKA_HOME"
  tmp="$(mktemp -d "$KAFKA_HOME/libs.tmp.XXXXXX")"
  if ! timeout "${MERCATO_KAFKA_FETCH_TIMEOUT:-600}" mvn -B -f "$KAFKA_POM" dependency:copy-dependencies -Dkafka.version="$KAFKA_VERSION" \
       -DincludeScope=runtime -DoutputDirectory="$tmp" >"$KAFKA_HOME/mvn.log" 2>&1; then
    tail -n 40 "$KAFKA_HOME/mvn.log" >&2
    rm -rf "$tmp"
    echo "kafka: mvn failed to fetch the Kafka $KAFKA_VERSION jars (full log: $KAFKA_HOME/mvn.log)" >&2
    return 1
  fi
  echo "$pom_sum" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  echo "kafka: jars ready ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars, $((SECONDS - t0)) s)"
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
