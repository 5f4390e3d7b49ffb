#!/usr/bin/env bash
# Readies the local services Herald runs on, on a machine without Docker:
# PostgreSQL, Redis and RabbitMQ on their standard loopback ports.
#
# For each service: use it if it answers; else start it if installed; else install
# it from Debian's packages (apt-get update once first) and start it. Then enable
# the RabbitMQ plugins Herald uses, declare the herald.posts exchange, size PostgreSQL's
# memory to the machine (restarting it once) and create the databases `herald` and
# `herald_test`. A second run changes nothing.
#
#   bash infra/services.sh           ready everything (needs root or sudo to start/install)
#   bash infra/services.sh --check   only report; exits non-zero if something is not ready
#
# The last line is a summary: `services ready: ...; nothing changed` or `...; changed: ...`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=ready
case "${1:-}" in
  --check) mode=check ;;
  '') ;;
  -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: bash infra/services.sh [--check]" >&2; exit 2 ;;
esac

readonly pg_port=5432 redis_port=6379 amqp_port=5672 management_port=15672
readonly rabbit_plugins=(rabbitmq_management rabbitmq_consistent_hash_exchange)
readonly databases=(herald herald_test)
readonly start_timeout_s=${SERVICES_START_TIMEOUT:-120}

subject=services
changes=()
problems=()
apt_updated=no

source "$here/services/lib.sh"

apt_install() {
  local service=$1; shift
  command -v apt-get >/dev/null || die "$service" "not installed, and apt-get is missing: install $* yourself"
  if [ "$apt_updated" = no ]; then
    say "$service" "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "$service" "apt-get update failed"
    apt_updated=yes
  fi
  say "$service" "installing $* from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null \
    || die "$service" "apt-get install $* failed"
  changed "$service" "installed"
}

# Readies one service: $1 name, then the names of its answers/installed/start/install functions.
ready_service() {
  local name=$1 answers=$2 installed=$3 start=$4 install=$5
  if "$answers"; then say "$name" "answering"; return; fi
  if [ "$mode" = check ]; then problem "$name" "does not answer"; return; fi
  if ! "$installed"; then "$install"; fi
  # A package's own install may have started it already.
  if "$answers"; then say "$name" "answering"; return; fi
  say "$name" "starting"
  "$start"
  wait_for "$start_timeout_s" "$answers" || die "$name" "started, but does not answer within ${start_timeout_s} s"
  changed "$name" "started"
}

source "$here/services/postgresql.sh"
source "$here/services/redis.sh"
source "$here/services/rabbitmq.sh"

ready_service postgresql pg_answers pg_installed pg_start pg_install
ready_service redis redis_answers redis_installed redis_start redis_install
ready_service rabbitmq rabbit_answers rabbit_installed rabbit_start rabbit_install

if pg_answers; then pg_ready_access && pg_ready_settings && pg_ready_databases; fi
if rabbit_answers; then rabbit_ready_plugins; rabbit_ready_exchange; fi

ready_names="postgresql, redis, rabbitmq"
if [ ${#problems[@]} -gt 0 ]; then
  printf 'services NOT ready: %s\n' "$(IFS=';'; echo "${problems[*]}" | sed 's/;/; /g')" >&2
  exit 1
fi
if [ ${#changes[@]} -eq 0 ]; then
  echo "services ready: $ready_names; nothing changed"
else
  printf 'services ready: %s; changed: %s\n' "$ready_names" "$(IFS=';'; echo "${changes[*]}" | sed 's/;/, /g')"
fi
