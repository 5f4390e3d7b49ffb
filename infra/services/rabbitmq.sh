# RabbitMQ steps of infra/services.sh (sourced; uses its helpers).

rabbit_answers() { amqp_answers "$amqp_port"; }

rabbit_installed() { command -v rabbitmq-server >/dev/null && command -v rabbitmqctl >/dev/null; }

rabbit_booted() { timeout 30 rabbitmqctl -q await_startup >/dev/null 2>&1; }

# RabbitMQ takes a while: start it detached, then wait (bounded) until it has booted.
rabbit_start() {
  if timeout 15 rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    # The Erlang node runs but its app was stopped (rabbitmqctl stop_app): start the app only.
    as_root rabbitmqctl -q start_app >/dev/null || die rabbitmq "rabbitmqctl start_app failed (see /var/log/rabbitmq/)"
  else
    as_root rabbitmq-server -detached || die rabbitmq "rabbitmq-server -detached failed (see /var/log/rabbitmq/)"
  fi
  wait_for "$start_timeout_s" rabbit_booted \
    || die rabbitmq "did not finish booting within ${start_timeout_s} s (see /var/log/rabbitmq/)"
}

rabbit_install() { apt_install rabbitmq rabbitmq-server; }

# The management API answers as guest from loopback (RabbitMQ's default); override if yours differs.
management_credentials=${RABBITMQ_MANAGEMENT_CREDENTIALS:-guest:guest}
management_api() {
  curl -fsS -m 5 -u "$management_credentials" -H 'content-type: application/json' "$@"
}
management_answers() { management_api -o /dev/null "http://127.0.0.1:$management_port/api/overview"; }

# Both plugins are running when the management API answers and offers the exchange type.
plugins_running() {
  management_api "http://127.0.0.1:$management_port/api/overview" 2>/dev/null | grep -q '"name":"x-consistent-hash"'
}

rabbit_ready_plugins() {
  if plugins_running; then
    say rabbitmq "plugins ${rabbit_plugins[*]} enabled"
    return 0
  fi
  if [ "$mode" = check ]; then problem rabbitmq "plugins ${rabbit_plugins[*]} are not all enabled"; return 1; fi
  if ! command -v rabbitmq-plugins >/dev/null; then
    die rabbitmq "answers, but rabbitmq-plugins is missing here: enable ${rabbit_plugins[*]} on that broker"
  fi
  as_root rabbitmq-plugins -q enable "${rabbit_plugins[@]}" >/dev/null || die rabbitmq "rabbitmq-plugins enable ${rabbit_plugins[*]} failed"
  wait_for 60 plugins_running || die rabbitmq "management API does not answer on :$management_port after enabling ${rabbit_plugins[*]}"
  changed rabbitmq "enabled plugins ${rabbit_plugins[*]}"
}

# The posts exchange the projector publishes to (it declares it too; this makes it visible
# in the management UI before the first projector starts). Declared from the definitions file.
rabbit_ready_exchange() {
  local found
  found=$(management_api "http://127.0.0.1:$management_port/api/exchanges/%2F/herald.posts" 2>/dev/null) || found=''
  if [ -n "$found" ]; then
    if grep -q '"type":"fanout"' <<<"$found" && grep -q '"durable":true' <<<"$found"; then
      say rabbitmq "exchange herald.posts exists"
      return 0
    fi
    problem rabbitmq "exchange herald.posts exists but is not a durable fanout exchange"
    return 1
  fi
  if [ "$mode" = check ]; then problem rabbitmq "exchange herald.posts is missing"; return 1; fi
  management_api -o /dev/null -X POST --data-binary "@$here/rabbitmq/definitions.json" "http://127.0.0.1:$management_port/api/definitions" \
    || die rabbitmq "cannot import $here/rabbitmq/definitions.json through the management API"
  changed rabbitmq "declared exchange herald.posts"
}
