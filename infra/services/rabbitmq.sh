# RabbitMQ steps of infra/services.sh (sourced; uses its helpers).

# Sends the AMQP 0-9-1 protocol header; a broker answers with a method frame (type 1).
rabbit_answers() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "AMQP\x00\x00\x09\x01" >&3
    [ "$(head -c 1 <&3 | od -An -tx1 | tr -d " \n")" = 01 ]' _ "$amqp_port" 2>/dev/null
}

rabbit_installed() { command -v rabbitmq-server >/dev/null && command -v rabbitmqctl >/dev/null; }

rabbit_booted() { timeout 30 rabbitmqctl -q await_startup >/dev/null 2>&1; }

# RabbitMQ takes a while: start it detached, then wait (bounded) until it has booted.
rabbit_start() {
  as_root rabbitmq-server -detached || die rabbitmq "rabbitmq-server -detached failed (see /var/log/rabbitmq/)"
  wait_for "$start_timeout_s" rabbit_booted \
    || die rabbitmq "did not finish booting within ${start_timeout_s} s (see /var/log/rabbitmq/)"
}

rabbit_install() { apt_install rabbitmq rabbitmq-server; }

management_answers() { curl -fsS -o /dev/null -m 3 -u guest:guest "http://127.0.0.1:$management_port/api/overview"; }

rabbit_ready_plugins() {
  if ! command -v rabbitmq-plugins >/dev/null; then
    problem rabbitmq "answers, but rabbitmq-plugins is missing here: enable ${rabbit_plugins[*]} on that broker"
    return 1
  fi
  if rabbitmq-plugins -q is_enabled "${rabbit_plugins[@]}" >/dev/null 2>&1; then
    say rabbitmq "plugins ${rabbit_plugins[*]} enabled"
    return 0
  fi
  if [ "$mode" = check ]; then problem rabbitmq "plugins ${rabbit_plugins[*]} are not all enabled"; return 1; fi
  as_root rabbitmq-plugins -q enable "${rabbit_plugins[@]}" >/dev/null || die rabbitmq "rabbitmq-plugins enable ${rabbit_plugins[*]} failed"
  wait_for 60 management_answers || die rabbitmq "management API does not answer on :$management_port after enabling it"
  changed rabbitmq "enabled plugins ${rabbit_plugins[*]}"
}

# The feed exchange the projector publishes to (it declares it too; this makes it visible
# in the management UI before the first projector starts).
rabbit_ready_exchange() {
  local found
  found=$(rabbitmqctl -q list_exchanges name type durable 2>/dev/null | awk '$1 == "herald.feed"') \
    || { problem rabbitmq "cannot list exchanges with rabbitmqctl"; return 1; }
  case "$found" in
    $'herald.feed\tdirect\ttrue') say rabbitmq "exchange herald.feed exists"; return 0 ;;
    '') ;;
    *) problem rabbitmq "exchange herald.feed exists but is not a durable direct exchange ($found)"; return 1 ;;
  esac
  if [ "$mode" = check ]; then problem rabbitmq "exchange herald.feed is missing"; return 1; fi
  as_root rabbitmqctl -q import_definitions "$here/rabbitmq/definitions.json" >/dev/null \
    || die rabbitmq "cannot import $here/rabbitmq/definitions.json"
  changed rabbitmq "declared exchange herald.feed"
}
