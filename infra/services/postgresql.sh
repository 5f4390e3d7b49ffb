# PostgreSQL steps of infra/services.sh (sourced; uses its helpers).

pg_psql() { psql -w -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -At "$@"; }

pg_answers() {
  if command -v pg_isready >/dev/null; then pg_isready -q -h 127.0.0.1 -p "$pg_port" -t 3
  else timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$pg_port" 2>/dev/null
  fi
}

pg_installed() { command -v pg_ctlcluster >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

# The newest installed server version, e.g. 15.
pg_version() { ls /usr/lib/postgresql | sort -n | tail -1; }

pg_start() {
  local version
  version=$(pg_version)
  if [ ! -d "/etc/postgresql/$version/main" ]; then
    as_root pg_createcluster --port "$pg_port" "$version" main >/dev/null || die postgresql "pg_createcluster $version main failed"
    changed postgresql "created cluster $version/main"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start \
    || die postgresql "pg_ctlcluster $version main start failed (see /var/log/postgresql/postgresql-$version-main.log)"
}

pg_install() { apt_install postgresql postgresql postgresql-client; }

# Herald connects as postgres@127.0.0.1 without a password (the DATABASE_URL default):
# on a development machine, trust loopback connections when they are refused.
pg_ready_access() {
  if pg_psql -c 'select 1' >/dev/null 2>&1; then return 0; fi
  if ! command -v psql >/dev/null; then
    [ "$mode" = check ] && { problem postgresql "psql is missing"; return 1; }
    apt_install postgresql postgresql-client
    pg_psql -c 'select 1' >/dev/null 2>&1 && return 0
  fi
  [ "$mode" = check ] && { problem postgresql "refuses postgres@127.0.0.1 without a password"; return 1; }
  local hba
  hba="/etc/postgresql/$(pg_version)/main/pg_hba.conf"
  [ -f "$hba" ] || die postgresql "refuses postgres@127.0.0.1 without a password, and $hba is missing: allow it, or set DATABASE_URL with a password"
  as_root sed -i '1i # herald (infra/services.sh): trust loopback for local development\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main reload
  wait_for 10 pg_psql -c 'select 1' || die postgresql "still refuses postgres@127.0.0.1 after trusting loopback in $hba"
  changed postgresql "trusts loopback connections"
}

pg_ready_databases() {
  local existing db missing=0
  existing=$(pg_psql -c "select datname from pg_database") || die postgresql "cannot list databases"
  for db in "${databases[@]}"; do
    if grep -qx "$db" <<<"$existing"; then continue; fi
    if [ "$mode" = check ]; then problem postgresql "database $db is missing"; missing=1; continue; fi
    pg_psql -c "create database \"$db\"" || die postgresql "cannot create database $db"
    changed postgresql "created database $db"
  done
  [ "$missing" = 1 ] || say postgresql "databases ${databases[*]} exist"
}
