#!/usr/bin/env bash
# Start a local single-node Apache Kafka broker (KRaft, combined broker+controller)
# from Maven Central jars. Idempotent: if a broker already answers on the port,
# says so and exits 0. See README.md for the env vars and the version choice.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

KAFKA_VERSION="${HS_KAFKA_VERSION:-4.4.0}"
KAFKA_HOME="${HS_KAFKA_HOME:-${HOME:-/tmp}/.cache/headstream/kafka-${KAFKA_VERSION}}"
LIBS="${KAFKA_HOME}/libs"
HOST="127.0.0.1"
PORT="${HS_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${HS_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
STATE_DIR="${HS_KAFKA_STATE_DIR:-/tmp/headstream-kafka}"
NUM_PARTITIONS="${HS_KAFKA_NUM_PARTITIONS:-1}"
HEAP_OPTS="${HS_KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
START_TIMEOUT="${HS_KAFKA_START_TIMEOUT:-90}"

PID_FILE="${STATE_DIR}/kafka-${PORT}.pid"
DIR_FILE="${STATE_DIR}/kafka-${PORT}.dir"

log() { printf '[kafka] %s\n' "$*" >&2; }

# Send an ApiVersions v0 request over bash's /dev/tcp and check that the reply
# carries our correlation id (1) and error code 0: "a Kafka broker answers".
kafka_answers() {
  local reply
  reply="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/$1/$2" || exit 1
      printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\xff\xff" >&3
      head -c 10 <&3 | od -An -tx1
    ' _ "$HOST" "$PORT" 2>/dev/null | tr -d ' \n')" || return 1
  [[ "${reply:8:8}" == "00000001" && "${reply:16:4}" == "0000" ]]
}

port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$HOST" "$1" 2>/dev/null; }

is_our_kafka() { # pid -> is it a live kafka.Kafka JVM?
  [[ -n "${1:-}" && -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'kafka\.Kafka '
}

mkdir -p "$STATE_DIR"
# Serialise concurrent start.sh/stop.sh calls for the same port.
if command -v flock >/dev/null; then
  exec 9>"${STATE_DIR}/kafka-${PORT}.lock"
  flock -w $((START_TIMEOUT + 300)) 9 || { log "could not lock ${STATE_DIR}/kafka-${PORT}.lock"; exit 1; }
fi

if kafka_answers; then
  log "a Kafka broker already answers on ${HOST}:${PORT}; nothing to do"
  echo "${HOST}:${PORT}"
  exit 0
fi

# Files from an earlier run: a broker still starting, or stale state?
if [[ -f "$PID_FILE" || -f "$DIR_FILE" ]]; then
  old_pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if is_our_kafka "$old_pid"; then
    log "broker pid ${old_pid} (from ${PID_FILE}) is running but not answering yet; waiting for it"
    WAIT_ONLY=1
  else
    old_dir="$(cat "$DIR_FILE" 2>/dev/null || true)"
    log "removing stale state from an earlier run (pid ${old_pid:-?} is gone)"
    if [[ -n "$old_dir" && -f "$old_dir/.headstream-kafka" ]]; then rm -rf -- "$old_dir"; fi
    rm -f -- "$PID_FILE" "$DIR_FILE"
  fi
fi

if [[ -z "${WAIT_ONLY:-}" ]]; then
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then
      log "port ${HOST}:${p} is taken by something that is not a Kafka broker started here"
      exit 1
    fi
  done

  command -v java >/dev/null || { log "java not found on PATH (Kafka 4.x needs Java 17+)"; exit 1; }

  # --- jars -------------------------------------------------------------------
  if [[ ! -f "${LIBS}/.complete" ]]; then
    command -v mvn >/dev/null || { log "mvn not found on PATH; needed once to fetch the Kafka jars"; exit 1; }
    log "fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${LIBS}"
    mkdir -p "$KAFKA_HOME"
    tmp_libs="$(mktemp -d "${KAFKA_HOME}/libs.tmp.XXXXXX")"
    if ! mvn -q -B -Dstyle.color=never -f "${SCRIPT_DIR}/pom.xml" \
        -Dkafka.version="${KAFKA_VERSION}" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp_libs" >&2; then
      rm -rf -- "$tmp_libs"
      log "jar fetch failed"
      exit 1
    fi
    rm -rf -- "$LIBS"
    mv -- "$tmp_libs" "$LIBS"
    touch "${LIBS}/.complete"
  fi

  # --- state ------------------------------------------------------------------
  DATA_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/headstream-kafka-${PORT}.XXXXXX")"
  touch "${DATA_ROOT}/.headstream-kafka"
  echo "$DATA_ROOT" >"$DIR_FILE"
  mkdir -p "${DATA_ROOT}/data" "${DATA_ROOT}/logs"

  cat >"${DATA_ROOT}/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${CONTROLLER_PORT}
listeners=PLAINTEXT://${HOST}:${PORT},CONTROLLER://${HOST}:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${HOST}:${PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${DATA_ROOT}/data
num.partitions=${NUM_PARTITIONS}
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF

  cat >"${DATA_ROOT}/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${DATA_ROOT}/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
EOF

  JAVA_COMMON=(
    -cp "${LIBS}/*"
    -Djava.awt.headless=true
    -Dlog4j2.configurationFile="${DATA_ROOT}/log4j2.properties"
    -Dkafka.logs.dir="${DATA_ROOT}/logs"
  )

  CLUSTER_ID="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  log "formatting storage in ${DATA_ROOT} (cluster id ${CLUSTER_ID})"
  if ! java "${JAVA_COMMON[@]}" kafka.tools.StorageTool format \
      -t "$CLUSTER_ID" -c "${DATA_ROOT}/server.properties" \
      >"${DATA_ROOT}/logs/format.out" 2>&1; then
    cat "${DATA_ROOT}/logs/format.out" >&2
    log "storage format failed"
    exit 1
  fi

  # shellcheck disable=SC2086  # HEAP_OPTS is a list of JVM flags
  setsid nohup java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    "${JAVA_COMMON[@]}" kafka.Kafka "${DATA_ROOT}/server.properties" \
    >"${DATA_ROOT}/logs/kafkaServer.out" 2>&1 </dev/null 9>&- &
  echo $! >"$PID_FILE"
  log "started Kafka ${KAFKA_VERSION} (pid $(cat "$PID_FILE")), logs in ${DATA_ROOT}/logs/"
fi

# --- readiness ------------------------------------------------------------------
pid="$(cat "$PID_FILE")"
DATA_ROOT="$(cat "$DIR_FILE" 2>/dev/null || true)"
deadline=$((SECONDS + START_TIMEOUT))
until kafka_answers; do
  if ! kill -0 "$pid" 2>/dev/null || (( SECONDS >= deadline )); then
    if kill -0 "$pid" 2>/dev/null; then
      log "broker did not answer on ${HOST}:${PORT} within ${START_TIMEOUT}s; stopping it"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    else
      log "broker process ${pid} exited"
    fi
    out="${DATA_ROOT}/logs/kafkaServer.out" srv="${DATA_ROOT}/logs/server.log"
    if [[ -s "$out" ]]; then log "--- tail of $out"; tail -n 20 "$out" >&2; fi
    if [[ -s "$srv" ]]; then
      log "--- ERROR/FATAL lines of $srv (last 20)"
      grep -E '^\[[^]]*\] (ERROR|FATAL)' "$srv" | tail -n 20 >&2 || true
      log "--- tail of $srv"
      tail -n 30 "$srv" >&2
    fi
    log "state kept for inspection; clean up with: HS_KAFKA_PORT=${PORT} HS_KAFKA_STATE_DIR=${STATE_DIR} bash ${SCRIPT_DIR}/stop.sh"
    exit 1
  fi
  sleep 0.5
done

log "Kafka ${KAFKA_VERSION} ready after ${SECONDS}s; bootstrap ${HOST}:${PORT}"
echo "${HOST}:${PORT}"
