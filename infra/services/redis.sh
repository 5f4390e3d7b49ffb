# Redis steps of infra/services.sh (sourced; uses its helpers).

# Speaks RESP over bash's /dev/tcp, so it needs no redis-cli.
redis_answers() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r reply <&3
    [ "${reply%$'"'\r'"'}" = "+PONG" ]' _ "$redis_port" 2>/dev/null
}

redis_installed() { command -v redis-server >/dev/null; }

# The machine's own start command: loopback only, nothing kept on disk.
redis_start() {
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save '' --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null \
    || die redis "redis-server failed to start (see /var/log/redis/ci.log)"
}

redis_install() { apt_install redis redis-server; }
