#!/bin/sh
# Entrypoint of the stack's Mosquitto: builds the password file from the environment (one
# HS_MQTT_<USER>_PASSWORD per user the ACL names), copies the ACL next to it, then runs the
# broker as PID 1. Secrets stay out of the repository and out of the image; the password file
# holds only salted hashes (mosquitto_passwd) and lives in the container, not in a volume.
#
# Paths can be overridden (tests run it outside a container): HS_MOSQUITTO_CONFIG_DIR (the
# read-only mount with mosquitto.conf and acl), HS_MOSQUITTO_RUN_DIR (where the password file
# and ACL copy go; must match mosquitto.conf), HS_MOSQUITTO_DATA_DIR (persistence).
set -eu

CONFIG_DIR="${HS_MOSQUITTO_CONFIG_DIR:-/headstream}"
RUN_DIR="${HS_MOSQUITTO_RUN_DIR:-/mosquitto/run}"
DATA_DIR="${HS_MOSQUITTO_DATA_DIR:-/mosquitto/data}"

# user:variable — the users of the ACL file and where their passwords come from.
USERS="ingest:HS_MQTT_INGEST_PASSWORD predictor:HS_MQTT_PREDICTOR_PASSWORD simulator:HS_MQTT_SIMULATOR_PASSWORD subscriber:HS_MQTT_SUBSCRIBER_PASSWORD"

fail() {
  echo "mosquitto entrypoint: $*" >&2
  exit 1
}

# Every password checked before any is written.
for pair in $USERS; do
  user="${pair%%:*}"
  var="${pair#*:}"
  eval "password=\${$var:-}"
  [ -n "$password" ] || fail "$var is not set: put a password for MQTT user '$user' in infra/.env (e.g. openssl rand -hex 24)"
  case "$password" in
    *[!A-Za-z0-9._~-]*) fail "$var: use only letters, digits and . _ ~ - (the stack's secrets also go into URLs)" ;;
  esac
  [ "${#password}" -ge 16 ] || fail "$var: use at least 16 characters"
done

umask 077
mkdir -p "$RUN_DIR" "$DATA_DIR"
plain="$RUN_DIR/passwd.plain"
trap 'rm -f "$plain"' EXIT
: >"$plain"
for pair in $USERS; do
  eval "password=\${${pair#*:}}"
  printf '%s:%s\n' "${pair%%:*}" "$password" >>"$plain"
done
# -U hashes a plain user:password file in place (no password on a command line).
mosquitto_passwd -U "$plain"
mv "$plain" "$RUN_DIR/passwd"
cp "$CONFIG_DIR/acl" "$RUN_DIR/acl"
# Options of the healthcheck's mosquitto_sub (read from $XDG_CONFIG_HOME/mosquitto_sub), so the
# read-only user's password is on no command line (`ps` on the host shows those).
printf -- '-h 127.0.0.1\n-p 1883\n-u subscriber\n-P %s\n' "$HS_MQTT_SUBSCRIBER_PASSWORD" >"$RUN_DIR/mosquitto_sub"
chmod 0600 "$RUN_DIR/passwd" "$RUN_DIR/acl" "$RUN_DIR/mosquitto_sub"
# Started as root, Mosquitto drops to the `mosquitto` user: it must own what it reads and writes
# (Mosquitto 2 warns about, and later versions refuse, password/ACL files it does not own).
if [ "$(id -u)" = 0 ]; then
  chown -R mosquitto:mosquitto "$RUN_DIR" "$DATA_DIR"
fi

exec mosquitto -c "$CONFIG_DIR/mosquitto.conf"
