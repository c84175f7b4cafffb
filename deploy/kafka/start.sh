#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker for development and tests:
# KRaft combined mode (broker + controller in one JVM, no ZooKeeper, no Docker),
# PLAINTEXT on 127.0.0.1:${MERCATO_KAFKA_PORT:-9092}, controller on the next port.
# Version: <kafka.version> in pom.xml (4.1.1), or MERCATO_KAFKA_VERSION (e.g. 3.9.2).
#
# Jars come from Maven Central via deploy/kafka/pom.xml and are cached in
#   ${MERCATO_KAFKA_HOME:-$HOME/.cache/mercato-kafka/<version>}/libs
# Broker state (config, data, logs, pid file) lives in
#   ${MERCATO_KAFKA_DATA:-$HOME/.cache/mercato-kafka/data-<version>}
# Returns once the broker accepts connections (bounded wait), or exits 1.
# Stop it with deploy/kafka/stop.sh.
set -euo pipefail
# shellcheck source=deploy/kafka/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

START_TIMEOUT="${MERCATO_KAFKA_START_TIMEOUT:-90}"
# Fixed cluster id used when formatting a new data dir: a base64url UUID
# (22 chars = 16 bytes, here the bytes of "mercato-dev-0001").
CLUSTER_ID="${MERCATO_KAFKA_CLUSTER_ID:-bWVyY2F0by1kZXYtMDAwMQ}"

log() { echo "kafka: $*"; }

# --- already running? ---------------------------------------------------------
pid=""
if pid="$(kafka_running_pid)"; then
  if kafka_port_open "$KAFKA_PORT"; then
    log "already running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
    exit 0
  fi
  log "pid $pid is still starting, waiting for it"
else
  pid=""
  rm -f "$KAFKA_PID_FILE"
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if kafka_port_open "$p"; then
      log "port $KAFKA_HOST:$p is already in use by a process this script did not start" >&2
      log "(another broker, or one started with a different MERCATO_KAFKA_DATA); not starting" >&2
      exit 1
    fi
  done
fi

if [[ -z "$pid" ]]; then
  if ! command -v java >/dev/null 2>&1; then
    log "java not found on PATH (Kafka $KAFKA_VERSION needs Java 11+; 17 is used here)" >&2
    exit 1
  fi

  # --- jars: download only when missing (or when pom.xml or the version changed)
  kafka_fetch_jars || exit 1

  # --- config (rewritten on every start, so it always matches this script) ----
  mkdir -p "$KAFKA_CONFIG_DIR" "$KAFKA_LOG_DIRS" "$KAFKA_APP_LOGS"
  format_opts=()
  if [[ -n "$KAFKA_SASL" ]]; then
    # Clients authenticate with SASL on the broker port (the broker talks to itself the same way);
    # the controller port stays plain, on loopback. SCRAM credentials are written when formatting.
    listener_props="listeners=SASL_PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$KAFKA_SASL_ADMIN_PASSWORD\" user_admin=\"$KAFKA_SASL_ADMIN_PASSWORD\" user_$KAFKA_SASL_USER=\"$KAFKA_SASL_PASSWORD\";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
    for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
      format_opts+=(--add-scram "$mechanism=[name=$KAFKA_SASL_USER,password=$KAFKA_SASL_PASSWORD]")
    done
  else
    listener_props="listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  fi
  cat >"$KAFKA_SERVER_PROPERTIES" <<PROPS
# Written by deploy/kafka/start.sh on every start: edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
$listener_props
log.dirs=$KAFKA_LOG_DIRS
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=67108864
PROPS
  cat >"$KAFKA_LOG4J_PROPERTIES" <<PROPS
# Written by deploy/kafka/start.sh: broker logs go to a file, not the terminal.
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=$KAFKA_APP_LOGS/server.log
log4j.appender.server.MaxFileSize=20MB
log4j.appender.server.MaxBackupIndex=3
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
PROPS

  # Kafka 4 also loads log4j2 (for its dynamic logger levels): a config keeps it quiet.
  cat >"$KAFKA_LOG4J2_PROPERTIES" <<PROPS
# Written by deploy/kafka/start.sh: log4j2 (Kafka 4.x) warnings only, to kafka.out.
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.out.ref = out
PROPS

  jvm_log_opts=(-Dlog4j.configuration="file:$KAFKA_LOG4J_PROPERTIES" -Dlog4j2.configurationFile="$KAFKA_LOG4J2_PROPERTIES" -Dkafka.logs.dir="$KAFKA_APP_LOGS")

  # --- format the storage once ------------------------------------------------
  if [[ ! -f "$KAFKA_LOG_DIRS/meta.properties" ]]; then
    log "formatting new KRaft storage in $KAFKA_LOG_DIRS (cluster id $CLUSTER_ID)"
    java -Xmx256m "${jvm_log_opts[@]}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
      -t "$CLUSTER_ID" -c "$KAFKA_SERVER_PROPERTIES" --ignore-formatted ${format_opts[@]+"${format_opts[@]}"}
  fi

  # --- start in the background, detached from this shell ----------------------
  log "starting Kafka $KAFKA_VERSION (KRaft) on $KAFKA_HOST:$KAFKA_PORT, logs in $KAFKA_APP_LOGS"
  cd "$KAFKA_DATA"
  # shellcheck disable=SC2086 # MERCATO_KAFKA_JVM_OPTS is a list of options
  nohup setsid java -Xmx512m -Xms512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "${jvm_log_opts[@]}" ${MERCATO_KAFKA_JVM_OPTS:-} \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_SERVER_PROPERTIES" \
    >"$KAFKA_APP_LOGS/kafka.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$KAFKA_PID_FILE"
fi

# --- wait until it accepts connections (bounded) ------------------------------
t0=$SECONDS
deadline=$((SECONDS + START_TIMEOUT))
while ((SECONDS < deadline)); do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "the broker (pid $pid) exited during startup" >&2
    kafka_log_tail 60
    rm -f "$KAFKA_PID_FILE"
    exit 1
  fi
  if kafka_port_open "$KAFKA_PORT"; then
    log "ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid, $((SECONDS - t0)) s)"
    exit 0
  fi
  sleep 0.5
done

log "not accepting connections on $KAFKA_HOST:$KAFKA_PORT after ${START_TIMEOUT} s; stopping it" >&2
kafka_log_tail 60
bash "$KAFKA_SCRIPT_DIR/stop.sh" >&2 || true
exit 1
