#!/usr/bin/env bash
# Database roles of the Headstream stack. Mounted into the TimescaleDB container's
# /docker-entrypoint-initdb.d/, it runs once, on an empty data volume, as POSTGRES_USER in
# POSTGRES_DB, after the image's own 000_install_timescaledb.sh (which creates the extension).
#
# It creates:
#   - the schema owner (HS_PG_OWNER_USER, LOGIN): owns the database, hence (PostgreSQL 15) the
#     public schema, and runs `headstream migrate`;
#   - the NOLOGIN roles the migrations grant to (packages/store/src/migrations.ts), so the owner
#     needs no CREATEROLE: headstream_ingest, headstream_trainer, headstream_predictor,
#     headstream_reader;
#   - one LOGIN role per service, a member of its NOLOGIN role ("log in as a member of it"), see
#     LOGINS below; Grafana's is read-only.
# Only the owner and those roles may connect to the database. Passwords come from the environment
# (infra/.env) through psql's \getenv, never on a command line. Running it again sets changed
# passwords: docker compose exec timescaledb bash /docker-entrypoint-initdb.d/010-headstream-roles.sh
#
# Roles are for the public schema: the stack leaves HS_PG_SCHEMA unset.

# login user variable, its password variable, the NOLOGIN role it joins
LOGINS=(
  "HS_PG_INGEST_USER HS_PG_INGEST_PASSWORD headstream_ingest"
  "HS_PG_TRAINER_USER HS_PG_TRAINER_PASSWORD headstream_trainer"
  "HS_PG_PREDICTOR_USER HS_PG_PREDICTOR_PASSWORD headstream_predictor"
  "HS_GRAFANA_DB_USER HS_GRAFANA_DB_PASSWORD headstream_reader"
)
OWNER="HS_PG_OWNER_USER HS_PG_OWNER_PASSWORD"

headstream_roles_fail() {
  echo "headstream roles: $*" >&2
  exit 1
}

headstream_roles_psql() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --quiet --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" "$@"
}

# A login name and password from the environment, checked: one line naming the variable if not.
headstream_roles_check() { # USER_VAR PASSWORD_VAR
  local user="${!1:-}" password="${!2:-}"
  [[ -n "$user" ]] || headstream_roles_fail "$1 is not set (see infra/.env.example)"
  [[ "$user" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || headstream_roles_fail "$1: expected a role name of [a-z0-9_] starting with a letter or _, got \"$user\""
  [[ "$user" =~ ^headstream_(ingest|trainer|predictor|reader)(_|$) ]] && headstream_roles_fail "$1: \"$user\" is a NOLOGIN role of the migrations; choose another login name"
  [[ "$user" != "${POSTGRES_USER:-postgres}" ]] || headstream_roles_fail "$1: \"$user\" is the superuser; choose another login name"
  [[ -n "$password" ]] || headstream_roles_fail "$2 is not set: put a password in infra/.env (e.g. openssl rand -hex 24)"
  [[ "$password" =~ ^[A-Za-z0-9._~-]+$ ]] || headstream_roles_fail "$2: use only letters, digits and . _ ~ - (it goes into postgres:// URLs)"
  (( ${#password} >= 16 )) || headstream_roles_fail "$2: use at least 16 characters"
}

# CREATE ROLE ... LOGIN when missing, then (again) its attributes and password.
headstream_roles_login() { # USER_VAR PASSWORD_VAR
  headstream_roles_psql -v user_var="$1" -v password_var="$2" <<'SQL'
\getenv login :user_var
\getenv password :password_var
SELECT format('CREATE ROLE %I', :'login') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'login') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', :'login', :'password') \gexec
SQL
}

# The NOLOGIN role when missing, and the login as its member.
headstream_roles_member() { # USER_VAR NOLOGIN_ROLE
  headstream_roles_psql -v user_var="$1" -v group_role="$2" <<'SQL'
\getenv login :user_var
SELECT format('CREATE ROLE %I NOLOGIN', :'group_role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'group_role') \gexec
SELECT format('GRANT %I TO %I', :'group_role', :'login') WHERE NOT pg_has_role(:'login', :'group_role', 'MEMBER') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'group_role') \gexec
SQL
}

headstream_roles_main() {
  set -euo pipefail
  local entry user_var password_var group_role
  # shellcheck disable=SC2086 # OWNER is two variable names
  headstream_roles_check $OWNER
  for entry in "${LOGINS[@]}"; do
    read -r user_var password_var group_role <<<"$entry"
    headstream_roles_check "$user_var" "$password_var"
  done

  # shellcheck disable=SC2086
  headstream_roles_login $OWNER
  headstream_roles_psql <<'SQL'
\getenv owner HS_PG_OWNER_USER
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'owner') \gexec
SELECT format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'owner') \gexec
SQL
  for entry in "${LOGINS[@]}"; do
    read -r user_var password_var group_role <<<"$entry"
    headstream_roles_login "$user_var" "$password_var"
    headstream_roles_member "$user_var" "$group_role"
  done
  echo "headstream roles: owner ${HS_PG_OWNER_USER}; logins $(for entry in "${LOGINS[@]}"; do read -r user_var _ group_role <<<"$entry"; printf '%s (%s) ' "${!user_var}" "$group_role"; done)"
}

# A subshell: the image's entrypoint sources scripts that are not executable, and this one must
# neither change its shell options nor end it except by failing.
(headstream_roles_main)
