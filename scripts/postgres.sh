#!/usr/bin/env bash
# A real PostgreSQL for tests and the local stack, without Docker.
#
#   postgres.sh ensure   print a DATABASE_URL that answers: $DATABASE_URL when set, otherwise Debian's
#                        postgresql (installed with apt when missing) started on 127.0.0.1:5432 with a
#                        `parakey_bridge` database
#   postgres.sh stop     stop the cluster this script started
#
# Environment: PGPORT (default 5432), PB_PG_PASSWORD (default "parakey"; loopback-only dev password).
set -euo pipefail

port="${PGPORT:-5432}"
password="${PB_PG_PASSWORD:-parakey}"
database="parakey_bridge"
log() { printf '[postgres] %s\n' "$*" >&2; }

as_postgres() { runuser -u postgres -- "$@"; }

install_if_missing() {
  if compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then return 0; fi
  if [[ "$(id -u)" != "0" ]]; then
    log "PostgreSQL is not installed and this is not root: set DATABASE_URL or install postgresql"
    return 1
  fi
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
}

server_version() { basename "$(compgen -G "/usr/lib/postgresql/*/bin/postgres" | sort -V | tail -n 1 | xargs dirname | xargs dirname)"; }

ready() { pg_isready -q -h 127.0.0.1 -p "${port}"; }

ensure() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    echo "${DATABASE_URL}"
    return 0
  fi
  install_if_missing
  local version cluster=main
  version="$(server_version)"
  if ! ready; then
    # Debian's package normally creates cluster "main"; a minimal image may have skipped it.
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "${version} ${cluster}"; then
      log "creating cluster ${version}/${cluster} on port ${port}"
      pg_createcluster "${version}" "${cluster}" -p "${port}" >&2
    fi
    log "starting PostgreSQL ${version}/${cluster}"
    pg_ctlcluster "${version}" "${cluster}" start >&2
    local deadline=$((SECONDS + 60))
    until ready; do
      ((SECONDS < deadline)) || { log "PostgreSQL did not become ready"; return 1; }
      sleep 0.3
    done
  fi
  # Password auth over loopback (Debian's pg_hba allows scram for 127.0.0.1); idempotent.
  as_postgres psql -q -p "${port}" -v ON_ERROR_STOP=1 -c "ALTER USER postgres PASSWORD '${password}'" >&2
  if ! as_postgres psql -p "${port}" -tAc "SELECT 1 FROM pg_database WHERE datname='${database}'" | grep -q 1; then
    as_postgres createdb -p "${port}" "${database}" >&2
  fi
  echo "postgres://postgres:${password}@127.0.0.1:${port}/${database}"
}

stop() {
  local version
  version="$(server_version)"
  pg_ctlcluster "${version}" main stop >&2 || true
}

case "${1:-ensure}" in
  ensure) ensure ;;
  stop) stop ;;
  *) echo "usage: $0 ensure|stop" >&2; exit 2 ;;
esac
