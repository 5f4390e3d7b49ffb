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

# Debian's defaults (shared_buffers 128MB, max_wal_size 1GB) suit a small machine. Herald's
# working set (the log, and a feed row per reader and post) outgrows them long before the
# machine's memory: a rebuild of a 1M-event log ran 2.6 times faster with a quarter of
# RAM as shared buffers. Sized from this machine's memory; set with ALTER SYSTEM.
pg_tuned_settings() {
  local mem_mb shared
  mem_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024))
  shared=$((mem_mb / 4))
  [ "$shared" -gt 8192 ] && shared=8192
  [ "$shared" -lt 128 ] && shared=128
  printf '%s\n' "shared_buffers ${shared}MB" "effective_cache_size $((mem_mb / 2))MB" "maintenance_work_mem 512MB" "max_wal_size 4GB"
}

pg_ready_settings() {
  local values='' stale listed name value
  while read -r name value; do values+="${values:+, }('$name', '$value')"; done < <(pg_tuned_settings)
  stale=$(pg_psql -c "select name || ' ' || value from (values $values) v (name, value)
    where pg_size_bytes(current_setting(name)) <> pg_size_bytes(value)") || die postgresql "cannot read its settings"
  if [ -z "$stale" ]; then say postgresql "settings tuned for this machine"; return; fi
  listed=$(tr '\n' ',' <<<"$stale" | sed 's/,$//; s/,/, /g')
  if [ "$mode" = check ]; then say postgresql "not tuned for this machine (bash infra/services.sh sets: $listed)"; return; fi
  while read -r name value; do
    pg_psql -c "alter system set $name = '$value'" || die postgresql "cannot set $name"
  done <<<"$stale"
  pg_psql -c "select pg_reload_conf()" >/dev/null
  if [ "$(pg_psql -c "select count(*) from pg_settings where pending_restart")" != 0 ]; then
    if [ -d "/etc/postgresql/$(pg_version)/main" ]; then
      as_root pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main restart || die postgresql "restart to apply its settings failed"
      wait_for "$start_timeout_s" pg_psql -c 'select 1' || die postgresql "does not answer after the restart that applied its settings"
    else
      say postgresql "restart PostgreSQL to apply: $listed"
    fi
  fi
  changed postgresql "tuned for this machine ($listed)"
}
