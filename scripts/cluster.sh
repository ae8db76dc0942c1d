#!/usr/bin/env bash
# The cluster profile on one machine: PostgreSQL (tracker store and back-office database), Redis (Rasa's lock
# store), 2 Rasa servers, 2 action servers and 2 back-office processes behind nginx on one public port.
#   scripts/cluster.sh start   (make run-cluster)    scripts/cluster.sh stop   (make stop-cluster)
#   scripts/cluster.sh load --citizens 300 --concurrency 50   (make load: the load generator against it)
# Everything is configured through environment variables (defaults below, .env overrides them); the
# PostgreSQL server is Debian's (its `main` cluster), Redis and nginx run as private instances under
# var/cluster. Nothing here is home-made: Rasa's SQL tracker store and RedisLockStore, nginx's upstreams.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
if [ -f .env ]; then set -a; source .env; set +a; fi

export CLUSTER_DIR=${DVC_CLUSTER_DIR:-$ROOT/var/cluster}
export CLUSTER_PORT=${DVC_CLUSTER_PORT:-8088}
export RASA_PORT_1=${DVC_CLUSTER_RASA_PORT_1:-5105} RASA_PORT_2=${DVC_CLUSTER_RASA_PORT_2:-5106}
export ACTION_PORT_1=${DVC_CLUSTER_ACTION_PORT_1:-5155} ACTION_PORT_2=${DVC_CLUSTER_ACTION_PORT_2:-5156}
export ACTIONS_LB_PORT=${DVC_CLUSTER_ACTIONS_LB_PORT:-5150} RASA_LB_PORT=${DVC_CLUSTER_RASA_LB_PORT:-5100}
export BACKOFFICE_PORT_1=${DVC_CLUSTER_BACKOFFICE_PORT_1:-8181} BACKOFFICE_PORT_2=${DVC_CLUSTER_BACKOFFICE_PORT_2:-8182}
export NGINX_CHAT_RATE=${DVC_NGINX_CHAT_RATE:-20r/s} NGINX_CHAT_BURST=${DVC_NGINX_CHAT_BURST:-40}
export NGINX_LOGIN_RATE=${DVC_NGINX_LOGIN_RATE:-1r/s}
REPLICAS=${DVC_CLUSTER_RASA_REPLICAS:-2}
PG_HOST=${DVC_CLUSTER_PG_HOST:-127.0.0.1} PG_PORT=${DVC_CLUSTER_PG_PORT:-5432}
PG_USER=${DVC_CLUSTER_PG_USER:-dvc}
PG_PASSWORD=${DVC_CLUSTER_PG_PASSWORD:-dvc-cluster-local}
DB=${DVC_CLUSTER_DB:-dvc}  # the back-office database; Rasa's conversations go to ${DB}_tracker
REDIS_PORT=${DVC_CLUSTER_REDIS_PORT:-6389}
RUN=$CLUSTER_DIR/run
VENV_BIN=$ROOT/.venv/bin

need_packages() {
  local missing=()
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v envsubst >/dev/null || missing+=(gettext-base)
  command -v pg_dump >/dev/null || missing+=(postgresql-client)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} from Debian's packages"
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get install -y -q "${missing[@]}" >/dev/null || {
      $sudo_cmd apt-get update -q >/dev/null && $sudo_cmd apt-get install -y -q "${missing[@]}" >/dev/null; }
  fi
}

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }

start_postgresql() {
  local version; version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
  local cluster; cluster=$(pg_lsclusters -h | awk 'NR==1 {print $2}')
  if ! pg_lsclusters -h | awk 'NR==1 {print $4}' | grep -q online; then
    pg_ctlcluster "$version" "$cluster" start
  fi
  for _ in $(seq 60); do as_postgres "psql -qtAc 'select 1'" >/dev/null 2>&1 && break; sleep 0.5; done
  as_postgres "psql -qtAc \"select 1 from pg_roles where rolname='$PG_USER'\"" | grep -q 1 ||
    as_postgres "psql -qc \"create role $PG_USER login password '$PG_PASSWORD'\""
  for db in "$DB" "${DB}_tracker"; do
    as_postgres "psql -qtAc \"select 1 from pg_database where datname='$db'\"" | grep -q 1 ||
      as_postgres "createdb -O $PG_USER $db"
  done
}

export_environment() {
  export DATABASE_URL="postgresql://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/$DB"
  export DVC_TRACKER_DB_URL="postgresql://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/${DB}_tracker"
  export TRACKER_DB_HOST=$PG_HOST TRACKER_DB_PORT=$PG_PORT TRACKER_DB_NAME=${DB}_tracker
  export TRACKER_DB_USER=$PG_USER TRACKER_DB_PASSWORD=$PG_PASSWORD
  export REDIS_HOST=127.0.0.1 REDIS_PORT
  export ACTION_SERVER_URL="http://127.0.0.1:$ACTIONS_LB_PORT/webhook"
  export DVC_RASA_URL="http://127.0.0.1:$RASA_LB_PORT"  # any replica: the Redis lock store orders turns
  export DVC_RASA_PUBLIC_URL=${DVC_RASA_PUBLIC_URL:-http://localhost:$CLUSTER_PORT}
  export DVC_BACKOFFICE_PUBLIC_URL=${DVC_BACKOFFICE_PUBLIC_URL:-http://localhost:$CLUSTER_PORT}
  export DVC_STORAGE_DIR=${DVC_STORAGE_DIR:-$CLUSTER_DIR/storage}
  export DVC_VAR_DIR=${DVC_VAR_DIR:-$ROOT/var}  # the SMS outbox in development: $DVC_VAR_DIR/sms_outbox.jsonl
  export DVC_TRUST_PROXY=1 SANIC_PROXIES_COUNT=1  # the client's address is the one nginx saw
  export RASA_AUTH_TOKEN=${RASA_AUTH_TOKEN:-$(cat "$CLUSTER_DIR/rasa_token")}
  export DVC_OTP_SECRET=${DVC_OTP_SECRET:-$(cat "$CLUSTER_DIR/otp_secret")}
  export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
}

spawn() {  # name, command...
  local name=$1; shift
  setsid "$@" >"$CLUSTER_DIR/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
}

wait_for() {  # name url seconds
  local deadline=$((SECONDS + $3))
  until curl -fs -o /dev/null "$2"; do
    if ! kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; then
      echo "error: $1 exited; see $CLUSTER_DIR/$1.log" >&2; exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then echo "error: $1 not ready after $3 s; see $CLUSTER_DIR/$1.log" >&2; exit 1; fi
    sleep 1
  done
}

start() {
  need_packages
  mkdir -p "$RUN" "$CLUSTER_DIR/storage"
  [ -f "$CLUSTER_DIR/rasa_token" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CLUSTER_DIR/rasa_token"
  [ -f "$CLUSTER_DIR/otp_secret" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CLUSTER_DIR/otp_secret"
  start_postgresql
  export_environment
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$CLUSTER_DIR" \
    --pidfile "$RUN/redis.pid" --logfile "$CLUSTER_DIR/redis.log" --save ""
  "$VENV_BIN/python" -m backoffice migrate
  for i in 1 2; do
    port_var=ACTION_PORT_$i
    spawn "actions-$i" "$VENV_BIN/rasa" run actions --actions bot.actions --port "${!port_var}"
  done
  for i in $(seq "$REPLICAS"); do
    port_var=RASA_PORT_$i
    spawn "rasa-$i" "$VENV_BIN/rasa" run --model models/dvc.tar.gz --endpoints endpoints.production.yml \
      --credentials credentials.yml --port "${!port_var}" --enable-api --auth-token "$RASA_AUTH_TOKEN" \
      --cors "${RASA_CORS_ORIGINS:-*}"
  done
  for i in 1 2; do
    port_var=BACKOFFICE_PORT_$i
    DVC_BACKOFFICE_PORT=${!port_var} DVC_BACKOFFICE_HOST=127.0.0.1 spawn "backoffice-$i" "$VENV_BIN/python" -m backoffice
  done
  # nginx's workers (www-data when started as root) write large bodies to temporary files: a directory they
  # can reach, whatever the permissions above CLUSTER_DIR.
  export NGINX_USER=www-data NGINX_TEMP=${DVC_NGINX_TEMP_DIR:-/tmp/dvc-nginx-$CLUSTER_PORT}
  mkdir -p "$NGINX_TEMP"
  if [ "$(id -u)" = 0 ]; then chown www-data "$NGINX_TEMP"; else NGINX_USER=$(id -un); fi
  local template=deploy/nginx/dvc-cluster.conf.template
  if [ "$REPLICAS" = 1 ]; then  # one Rasa replica: the upstream names it alone
    sed 's/ server 127.0.0.1:${RASA_PORT_2};//' "$template" >"$CLUSTER_DIR/nginx.template"
    template=$CLUSTER_DIR/nginx.template
  fi
  envsubst '${CLUSTER_DIR} ${CLUSTER_PORT} ${RASA_PORT_1} ${RASA_PORT_2} ${ACTION_PORT_1} ${ACTION_PORT_2}
    ${ACTIONS_LB_PORT} ${RASA_LB_PORT} ${BACKOFFICE_PORT_1} ${BACKOFFICE_PORT_2} ${NGINX_CHAT_RATE} ${NGINX_CHAT_BURST}
    ${NGINX_LOGIN_RATE} ${NGINX_USER} ${NGINX_TEMP}' <"$template" >"$CLUSTER_DIR/nginx.conf"
  /usr/sbin/nginx -t -q -c "$CLUSTER_DIR/nginx.conf" -p "$CLUSTER_DIR"
  /usr/sbin/nginx -c "$CLUSTER_DIR/nginx.conf" -p "$CLUSTER_DIR"
  for i in 1 2; do
    port_var=ACTION_PORT_$i; wait_for "actions-$i" "http://127.0.0.1:${!port_var}/health" 300
    port_var=BACKOFFICE_PORT_$i; wait_for "backoffice-$i" "http://127.0.0.1:${!port_var}/healthz" 300
  done
  for i in $(seq "$REPLICAS"); do
    port_var=RASA_PORT_$i; wait_for "rasa-$i" "http://127.0.0.1:${!port_var}/status?token=$RASA_AUTH_TOKEN" 600
  done
  wait_for "backoffice-1" "http://127.0.0.1:$CLUSTER_PORT/readyz" 60
  echo "Cluster ready: http://localhost:$CLUSTER_PORT/ ($REPLICAS Rasa, 2 action servers, 2 back-office, nginx;"
  echo "PostgreSQL $PG_HOST:$PG_PORT $DB and ${DB}_tracker, Redis 127.0.0.1:$REDIS_PORT). Logs: $CLUSTER_DIR"
}

stop() {
  if [ -f "$CLUSTER_DIR/nginx.pid" ]; then
    /usr/sbin/nginx -c "$CLUSTER_DIR/nginx.conf" -p "$CLUSTER_DIR" -s quit 2>/dev/null || true
  fi
  for pidfile in "$RUN"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 2
  for pidfile in "$RUN"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  echo "Cluster stopped (PostgreSQL keeps running as a system service; its data stays)."
}

load() {  # the load generator against the running cluster (make load)
  export_environment
  "$VENV_BIN/python" -m benchmarks.load --url "http://127.0.0.1:$CLUSTER_PORT" --database-url "$DATABASE_URL" \
    --tracker-url "$DVC_TRACKER_DB_URL" --sms-outbox "$DVC_VAR_DIR/sms_outbox.jsonl" "$@"
}

command=${1:-}
shift || true
case "$command" in
  start) start ;;
  stop) stop ;;
  load) load "$@" ;;
  *) echo "usage: $0 start|stop|load [load generator options]" >&2; exit 2 ;;
esac
