#!/usr/bin/env bash
# Stop the broker that start.sh started (found through its pid file), wait for it
# to exit and remove its temporary state. Harmless when nothing is running.
set -euo pipefail

PORT="${HS_KAFKA_PORT:-9092}"
STATE_DIR="${HS_KAFKA_STATE_DIR:-/tmp/headstream-kafka}"
STOP_TIMEOUT="${HS_KAFKA_STOP_TIMEOUT:-30}"
PID_FILE="${STATE_DIR}/kafka-${PORT}.pid"
DIR_FILE="${STATE_DIR}/kafka-${PORT}.dir"

log() { printf '[kafka] %s\n' "$*" >&2; }

is_our_kafka() { # pid -> is it a live kafka.Kafka JVM?
  [[ -n "${1:-}" && -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'kafka\.Kafka '
}

if [[ -d "$STATE_DIR" ]] && command -v flock >/dev/null; then
  exec 9>"${STATE_DIR}/kafka-${PORT}.lock"
  flock -w 120 9 || { log "could not lock ${STATE_DIR}/kafka-${PORT}.lock"; exit 1; }
fi

if [[ ! -f "$PID_FILE" && ! -f "$DIR_FILE" ]]; then
  log "no broker started by start.sh on port ${PORT} (no ${PID_FILE}); nothing to stop"
  exit 0
fi

pid="$(cat "$PID_FILE" 2>/dev/null || true)"
if is_our_kafka "$pid"; then
  log "stopping Kafka broker pid ${pid}"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log "broker did not exit within ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.3
  done
else
  log "broker pid ${pid:-?} is not running any more"
fi

data_root="$(cat "$DIR_FILE" 2>/dev/null || true)"
# Only remove a folder that start.sh made (it leaves a marker file in it).
if [[ -n "$data_root" && -f "${data_root}/.headstream-kafka" ]]; then
  rm -rf -- "$data_root"
  log "removed ${data_root}"
fi
rm -f -- "$PID_FILE" "$DIR_FILE"
log "stopped"
