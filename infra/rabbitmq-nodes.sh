#!/usr/bin/env bash
# Extra RabbitMQ nodes on this machine for Herald's scale-out (docs/scaling.md): nodes
# herald-r1@localhost, herald-r2@localhost, ... beside the system's broker (rabbit@<host>
# on :5672, which this script never stops or changes), run either as one cluster (stage 1)
# or as independent brokers, one per shard (stage 2). Each node has its own ports and
# its own data and log folders under .run/rabbitmq-nodes/, and runs as the rabbitmq user
# with the system's Erlang cookie, so rabbitmqctl reaches every node and they can cluster.
#
#   bash infra/rabbitmq-nodes.sh up [--cluster|--shards] [--nodes N]
#                                            start N nodes (default a cluster of 3) and join
#                                            them; a second run changes nothing
#   bash infra/rabbitmq-nodes.sh status      each node: running or stopped, its ports, its cluster
#   bash infra/rabbitmq-nodes.sh stop I      stop node I (1 to N); its data stays
#   bash infra/rabbitmq-nodes.sh start I     start node I again (in a cluster it rejoins)
#   bash infra/rabbitmq-nodes.sh env         settings that point Herald at the nodes:
#                                            eval "$(bash infra/rabbitmq-nodes.sh env)"
#   bash infra/rabbitmq-nodes.sh ctl I ARGS  rabbitmqctl ARGS against node I (ctl 1 cluster_status)
#   bash infra/rabbitmq-nodes.sh down        stop every node and delete its data and logs
#
# Node I listens on 127.0.0.1 only: AMQP 5680+I, management API 15680+I (guest/guest),
# Erlang distribution 25680+I. Each runs one scheduler and management without rates,
# about 130 MB resident. Environment (read by `up`, which records the layout in the
# folder for the other commands): RABBITMQ_NODES_DIR (the folder), RABBITMQ_NODES_PORT
# (node 1's AMQP port; management +10000, distribution +20000), RABBITMQ_NODES_NAME
# (name prefix, herald-r), RABBITMQ_NODES_START_TIMEOUT (seconds, 180).
#
# The last line of `up` is a summary: `rabbitmq nodes ready: ...; nothing changed` or
# `rabbitmq nodes ready: ...; changed: ...`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
subject='rabbitmq nodes'
changes=()
problems=()
source "$here/services/lib.sh"

usage() { echo "usage: bash infra/rabbitmq-nodes.sh up [--cluster|--shards] [--nodes N] | status | stop I | start I | env | ctl I ARGS... | down" >&2; exit 2; }

dir=$(realpath -m "${RABBITMQ_NODES_DIR:-$here/../.run/rabbitmq-nodes}")
readonly layout_file="$dir/layout"
readonly start_timeout_s=${RABBITMQ_NODES_START_TIMEOUT:-180}
readonly max_nodes=9

# The layout: recorded by the first `up`, read by every later command.
mode='' nodes='' port='' prefix=''

read_layout() {
  [ -f "$layout_file" ] || return 1
  local key value
  while IFS='=' read -r key value; do
    case $key in
      mode) mode=$value ;; nodes) nodes=$value ;; port) port=$value ;; name) prefix=$value ;;
    esac
  done <"$layout_file"
  [ -n "$mode" ] && [ -n "$nodes" ] && [ -n "$port" ] && [ -n "$prefix" ] || die nodes "$layout_file is damaged: run \`bash infra/rabbitmq-nodes.sh down\`"
}

require_layout() {
  read_layout || { echo "no RabbitMQ nodes set up in $dir (bash infra/rabbitmq-nodes.sh up)" >&2; exit 3; }
}

node_name() { echo "${prefix}$1@localhost"; }
node_dir() { echo "$dir/${prefix}$1"; }
amqp_port() { echo $((port + $1 - 1)); }
management_port() { echo $((port + $1 - 1 + 10000)); }
dist_port() { echo $((port + $1 - 1 + 20000)); }
pid_file() { echo "$(node_dir "$1")/data/$(node_name "$1").pid"; }
node_url() { echo "amqp://guest:guest@127.0.0.1:$(amqp_port "$1")"; }

# The RabbitMQ scripts' own folder (on Debian /usr/lib/rabbitmq/bin, behind the /usr/sbin wrappers).
rabbit_bin() {
  local server
  server=$(command -v rabbitmq-server) || die nodes "rabbitmq-server is not installed (bash infra/services.sh installs it)"
  dirname "$(readlink -f "$server")"
}

# The rabbitmq user's home holds the system's Erlang cookie; every node and CLI call uses it.
rabbit_home() {
  local home
  home=$(getent passwd rabbitmq | cut -d: -f6) || die nodes "there is no rabbitmq user (bash infra/services.sh installs RabbitMQ)"
  [ -f "$home/.erlang.cookie" ] || die nodes "$home/.erlang.cookie is missing: start the system's broker once (bash infra/services.sh)"
  echo "$home"
}

# How this script runs commands as the rabbitmq user (set by `run_as_rabbitmq_how`).
as_user=()
run_as_rabbitmq_how() {
  if [ "$(id -un)" = rabbitmq ]; then as_user=()
  elif [ "$(id -u)" = 0 ]; then as_user=(runuser -u rabbitmq --)
  elif command -v sudo >/dev/null && sudo -n -u rabbitmq true 2>/dev/null; then as_user=(sudo -n -u rabbitmq)
  else die nodes "needs root, the rabbitmq user or password-less sudo to run RabbitMQ as rabbitmq"
  fi
}
as_rabbitmq() { "${as_user[@]}" "$@"; }

# The whole environment of node $1's server and CLI calls: nothing leaks in from the caller's,
# and nothing from the system broker's /etc/rabbitmq (its env file names rabbit@localhost).
node_env() {
  local i=$1
  env_args=(
    HOME="$home" PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
    RABBITMQ_NODENAME="$(node_name "$i")"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT="$(amqp_port "$i")"
    RABBITMQ_DIST_PORT="$(dist_port "$i")"
    RABBITMQ_CONFIG_FILE="$(node_dir "$i")/rabbitmq.conf"
    RABBITMQ_MNESIA_BASE="$(node_dir "$i")/data"
    RABBITMQ_LOG_BASE="$(node_dir "$i")/log"
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +S 1:1 +SDcpu 1:1"
  )
}

# rabbitmqctl against node $1, for at most $ctl_timeout_s seconds (a frozen node never answers).
ctl_timeout_s=120
ctl() {
  local i=$1; shift
  node_env "$i"
  timeout -k 5 "$ctl_timeout_s" "${as_user[@]}" env -i "${env_args[@]}" "$bin/rabbitmqctl" -n "$(node_name "$i")" "$@"
}

port_taken() { timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

# Running, ours (the name answers), and taking AMQP connections.
node_answers() { amqp_answers "$(amqp_port "$1")" && ctl_timeout_s=20 ctl "$1" -q ping >/dev/null 2>&1; }
node_booted() { ctl "$1" -q await_startup --timeout 10; }

# `"a@localhost","b@localhost"` of field $2 in node $1's cluster_status, as words.
cluster_field() {
  ctl "$1" -q cluster_status --formatter json 2>/dev/null | sed -n "s/.*\"$2\":\[\([^]]*\)\].*/\1/p" | tr -d '"' | tr ',' ' '
}

write_files() {
  mkdir -p "$dir"
  [ -f "$dir/rabbitmq-env.conf" ] || echo '# Empty: these nodes take every setting from infra/rabbitmq-nodes.sh.' >"$dir/rabbitmq-env.conf"
  [ -f "$dir/enabled_plugins" ] || echo '[rabbitmq_management].' >"$dir/enabled_plugins"
  local i
  for ((i = 1; i <= nodes; i++)); do
    mkdir -p "$(node_dir "$i")/data" "$(node_dir "$i")/log"
    cat >"$(node_dir "$i")/rabbitmq.conf" <<EOF
# Node $(node_name "$i"), written by infra/rabbitmq-nodes.sh. AMQP: RABBITMQ_NODE_PORT.
management.tcp.ip = 127.0.0.1
management.tcp.port = $(management_port "$i")
management.rates_mode = none
vm_memory_high_watermark.absolute = 1024MiB
EOF
  done
  as_root chown -R rabbitmq:rabbitmq "$dir"
  as_rabbitmq test -w "$dir" || die nodes "the rabbitmq user cannot write $dir (is a parent folder closed to it?): set RABBITMQ_NODES_DIR"
}

# Starts node $1 detached; `await_node` waits for it.
launch_node() {
  local i=$1 p
  for p in "$(amqp_port "$i")" "$(management_port "$i")" "$(dist_port "$i")"; do
    if port_taken "$p"; then die "$(node_name "$i")" "port $p is taken by another process: set RABBITMQ_NODES_PORT (after \`down\`)"; fi
  done
  node_env "$i"
  as_rabbitmq env -i "${env_args[@]}" "$bin/rabbitmq-server" -detached >"$(node_dir "$i")/log/detached.out" 2>&1 \
    || die "$(node_name "$i")" "rabbitmq-server -detached failed (see $(node_dir "$i")/log/)"
}

await_node() {
  local i=$1
  wait_for "$start_timeout_s" node_booted "$i" \
    || die "$(node_name "$i")" "did not finish booting within ${start_timeout_s} s (see $(node_dir "$i")/log/)"
  wait_for 30 amqp_answers "$(amqp_port "$i")" || die "$(node_name "$i")" "booted, but AMQP does not answer on :$(amqp_port "$i")"
}

# Process $1 is alive and is node $2 (its environment names the node's data folder).
process_alive() {
  [ -n "$1" ] && [ -d "/proc/$1" ] && { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qxF "RABBITMQ_MNESIA_BASE=$(node_dir "$2")/data"
}

process_gone() { ! process_alive "$@"; }

# Stops node $1 and waits until its OS process has gone; kills it (it is ours: its
# environment names our data folder) if it does not stop.
stop_node() {
  local i=$1 pid=''
  [ -f "$(pid_file "$i")" ] && pid=$(cat "$(pid_file "$i")")
  ctl_timeout_s=60 ctl "$i" -q stop "$(pid_file "$i")" >/dev/null 2>&1 || true
  if process_alive "$pid" "$i"; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_for 30 process_gone "$pid" "$i" || kill -KILL "$pid" 2>/dev/null || true
  fi
  ! process_alive "$pid" "$i"
}

# --- commands -------------------------------------------------------------------------

cmd_up() {
  local want_mode='' want_nodes=''
  while [ $# -gt 0 ]; do
    case $1 in
      --cluster) want_mode=cluster ;;
      --shards) want_mode=shards ;;
      --nodes) [ $# -ge 2 ] || usage; want_nodes=$2; shift ;;
      *) usage ;;
    esac
    shift
  done
  local want_port=${RABBITMQ_NODES_PORT:-} want_prefix=${RABBITMQ_NODES_NAME:-}
  if read_layout; then
    if [ -n "$want_mode$want_nodes$want_port$want_prefix" ] \
      && [ "${want_mode:-$mode} ${want_nodes:-$nodes} ${want_port:-$port} ${want_prefix:-$prefix}" != "$mode $nodes $port $prefix" ]; then
      die nodes "$dir holds $(describe) of $nodes nodes from port $port named $prefix*: run \`bash infra/rabbitmq-nodes.sh down\` first to change that"
    fi
  else
    mode=${want_mode:-cluster} nodes=${want_nodes:-3} port=${want_port:-5681} prefix=${want_prefix:-herald-r}
    [[ $nodes =~ ^[1-9]$ ]] || die nodes "--nodes takes 1 to $max_nodes (got $nodes)"
    [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ $((port + nodes - 1 + 20000)) -le 65535 ] \
      || die nodes "RABBITMQ_NODES_PORT must leave room for $nodes nodes and +20000 below 65536 (got $port)"
    [[ $prefix =~ ^[a-z][a-z0-9-]*$ ]] || die nodes "RABBITMQ_NODES_NAME must be lower-case letters, digits and hyphens (got $prefix)"
  fi
  write_files
  printf '%s\n' "mode=$mode" "nodes=$nodes" "port=$port" "name=$prefix" >"$layout_file"

  local i launched=()
  for ((i = 1; i <= nodes; i++)); do
    if node_answers "$i"; then say "$(node_name "$i")" "answering on :$(amqp_port "$i")"; continue; fi
    say "$(node_name "$i")" "starting on :$(amqp_port "$i")"
    launch_node "$i"
    launched+=("$i")
  done
  # Started together: a cluster node restarting waits for the peers it last saw.
  for i in "${launched[@]}"; do
    await_node "$i"
    changed "$(node_name "$i")" "started"
  done
  if [ "$mode" = cluster ]; then join_cluster; fi

  local names=()
  for ((i = 1; i <= nodes; i++)); do names+=("$(node_name "$i") :$(amqp_port "$i")"); done
  local ready
  ready="$(describe): $(IFS=,; echo "${names[*]}" | sed 's/,/, /g')"
  if [ ${#changes[@]} -eq 0 ]; then echo "rabbitmq nodes ready: $ready; nothing changed"
  else printf 'rabbitmq nodes ready: %s; changed: %s\n' "$ready" "$(IFS=';'; echo "${changes[*]}" | sed 's/;/, /g')"
  fi
}

# Nodes 2..N join node 1's cluster, once.
join_cluster() {
  local first i
  first=$(node_name 1)
  for ((i = 2; i <= nodes; i++)); do
    if [[ " $(cluster_field "$i" disk_nodes) " == *" $first "* ]]; then continue; fi
    local step out
    for step in stop_app "join_cluster $first" start_app; do
      # shellcheck disable=SC2086 # the step's words are its arguments
      out=$(ctl "$i" -q $step 2>&1) || die "$(node_name "$i")" "rabbitmqctl $step failed: $out"
    done
    await_node "$i"
    changed "$(node_name "$i")" "joined the cluster of $first"
  done
}

describe() { if [ "$mode" = cluster ]; then echo "a cluster"; else echo "independent brokers (shards)"; fi; }

node_index() {
  [[ ${1:-} =~ ^[1-9]$ ]] && [ "$1" -le "$nodes" ] || { echo "no node ${1:-} here: nodes are 1 to $nodes" >&2; exit 2; }
}

cmd_stop() {
  require_layout; node_index "${1:-}"
  local i=$1
  if ! node_answers "$i" && ! process_alive "$(cat "$(pid_file "$i")" 2>/dev/null || true)" "$i"; then
    echo "$(node_name "$i"): already stopped"; return
  fi
  stop_node "$i" || die "$(node_name "$i")" "does not stop"
  echo "$(node_name "$i"): stopped (port $(amqp_port "$i") closed; data kept; start it with \`bash infra/rabbitmq-nodes.sh start $i\`)"
}

cmd_start() {
  require_layout; node_index "${1:-}"
  local i=$1
  if node_answers "$i"; then echo "$(node_name "$i"): already running on :$(amqp_port "$i")"; return; fi
  launch_node "$i"
  await_node "$i"
  echo "$(node_name "$i"): started on :$(amqp_port "$i")"
}

cmd_status() {
  require_layout
  local i down=0 members running
  echo "rabbitmq nodes in $dir: $(describe) of $nodes"
  for ((i = 1; i <= nodes; i++)); do
    if node_answers "$i"; then
      members=$(cluster_field "$i" disk_nodes) running=$(cluster_field "$i" running_nodes)
      echo "$(node_name "$i"): running; amqp 127.0.0.1:$(amqp_port "$i"), management 127.0.0.1:$(management_port "$i"); cluster: ${members:-?} (running: ${running:-?})"
    else
      echo "$(node_name "$i"): stopped; amqp 127.0.0.1:$(amqp_port "$i")"
      down=1
    fi
  done
  [ "$down" = 0 ] || exit 3
}

cmd_env() {
  require_layout
  local i urls=()
  echo "# Herald against the RabbitMQ nodes in $dir ($(describe) of $nodes): eval \"\$(bash infra/rabbitmq-nodes.sh env)\""
  echo "export RABBITMQ_URL='$(node_url 1)'"
  if [ "$mode" = cluster ]; then
    for ((i = 1; i <= nodes; i++)); do urls+=("$(node_url "$i")"); done
    echo "export RABBITMQ_URLS='$(IFS=,; echo "${urls[*]}")'"
    echo "unset RABBITMQ_SHARDS"
  else
    for ((i = 1; i <= nodes; i++)); do urls+=("${prefix}$i=$(node_url "$i")"); done
    echo "export RABBITMQ_SHARDS='$(IFS=';'; echo "${urls[*]}")'"
    echo "unset RABBITMQ_URLS"
  fi
}

cmd_down() {
  if ! read_layout; then echo "rabbitmq nodes: none set up in $dir; nothing to do"; return; fi
  local i pids=() failed=()
  for ((i = 1; i <= nodes; i++)); do stop_node "$i" & pids+=("$!"); done
  for ((i = 1; i <= nodes; i++)); do wait "${pids[$((i - 1))]}" || failed+=("$(node_name "$i")"); done
  [ ${#failed[@]} -eq 0 ] || die nodes "${failed[*]} did not stop; their data is kept in $dir"
  for ((i = 1; i <= nodes; i++)); do rm -rf "$(node_dir "$i")"; done
  rm -f "$dir/rabbitmq-env.conf" "$dir/enabled_plugins" "$layout_file"
  rmdir "$dir" 2>/dev/null || true
  echo "rabbitmq nodes down: $nodes nodes stopped, their data and logs deleted"
}

command=${1:-}
[ $# -eq 0 ] || shift
case $command in
  -h|--help) sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  up|status|stop|start|env|ctl|down) ;;
  *) usage ;;
esac
bin=$(rabbit_bin)
home=$(rabbit_home)
run_as_rabbitmq_how
case $command in
  up) cmd_up "$@" ;;
  status) cmd_status ;;
  stop) cmd_stop "$@" ;;
  start) cmd_start "$@" ;;
  env) cmd_env ;;
  ctl) require_layout; node_index "${1:-}"; i=$1; shift; ctl "$i" "$@" ;;
  down) cmd_down ;;
esac
