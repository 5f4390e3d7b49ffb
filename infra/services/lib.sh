# Helpers shared by infra/services.sh and infra/rabbitmq-nodes.sh (sourced).
# The sourcing script sets `subject` (what its summary line names, e.g. `services`)
# and the arrays `changes` and `problems`.

say() { printf '%s: %s\n' "$1" "$2"; }
changed() { say "$1" "$2"; changes+=("$1 $2"); }
problem() { say "$1" "NOT READY: $2" >&2; problems+=("$1: $2"); }
die() { say "$1" "FAILED: $2" >&2; echo "$subject NOT ready: $1: $2" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else die "${FUNCNAME[1]:-$subject}" "needs root (or password-less sudo) to run: $*"
  fi
}

# Waits until `$2...` succeeds, at most $1 seconds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
}

# Sends the AMQP 0-9-1 protocol header to 127.0.0.1:$1; a broker answers with a method frame (type 1).
amqp_answers() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "AMQP\x00\x00\x09\x01" >&3
    [ "$(head -c 1 <&3 | od -An -tx1 | tr -d " \n")" = 01 ]' _ "$1" 2>/dev/null
}
