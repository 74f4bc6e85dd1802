#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, combined broker+controller) for dev machines and CI that
# have Java but no Docker. Jars come from Maven Central through pom.xml and are cached, so only the
# first start pays for the download.
#
#   kafka-local.sh start     format storage once, start the broker, wait until it serves, print brokers
#   kafka-local.sh stop      SIGTERM the broker this script started (by its recorded PID), wait for exit
#   kafka-local.sh status    exit 0 when the broker this script started is serving
#   kafka-local.sh fetch     only resolve the jars (CI warm-up)
#   kafka-local.sh tools     resolve kafka-tools (perf tools) into their own folder
#
# Environment:
#   KAFKA_PORT               client port on 127.0.0.1 (default 9092); the controller uses KAFKA_PORT+1
#   KAFKA_CONTROLLER_PORT    override the controller port
#   KAFKA_LOCAL_HOME         where jars, data and logs live (default ~/.cache/parakey-bridge/kafka)
#   KAFKA_HEAP_OPTS          JVM heap (default -Xms512m -Xmx1g, sized for a 2-core machine)
#   KAFKA_LOCAL_FRESH=1      wipe this port's data before starting (tests that want an empty cluster)
#   KAFKA_SSL_PORT           optional extra TLS listener on 127.0.0.1 (server authentication only)
#   KAFKA_MTLS_PORT          optional extra TLS listener that requires a client certificate
#   KAFKA_SSL_PEM_DIR        with either: a folder holding broker.pem (the broker's PKCS#8 private key
#                            and its certificate chain) and ca.crt (the CAs whose client certificates
#                            the mTLS listener accepts); see createTestPki in packages/testkit
# Without KAFKA_SSL_PORT / KAFKA_MTLS_PORT the broker has only its plaintext listener, as before.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
home="${KAFKA_LOCAL_HOME:-${HOME}/.cache/parakey-bridge/kafka}"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "${here}/pom.xml")"
lib="${home}/lib-${version}"
tools_lib="${home}/tools-${version}"
data="${home}/data-${port}"
pidfile="${data}/kafka.pid"
logfile="${data}/kafka.log"
props="${data}/server.properties"
ssl_port="${KAFKA_SSL_PORT:-}"
mtls_port="${KAFKA_MTLS_PORT:-}"
pem_dir="${KAFKA_SSL_PEM_DIR:-}"

log() { printf '[kafka-local] %s\n' "$*" >&2; }

# Resolving twice in parallel (two test runs starting at once) corrupts the copy; a lock serialises it.
fetch_jars() {
  local target="$1" profile="${2:-}"
  [[ -f "${target}/.complete" ]] && return 0
  mkdir -p "${home}"
  exec 9>"${home}/.fetch.lock"
  flock 9
  if [[ ! -f "${target}/.complete" ]]; then
    log "resolving Apache Kafka ${version} from Maven Central into ${target}"
    rm -rf "${target}.tmp"
    mvn -q -B -f "${here}/pom.xml" ${profile:+-P "${profile}"} \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="${target}.tmp" >&2
    rm -rf "${target}"
    mv "${target}.tmp" "${target}"
    touch "${target}/.complete"
  fi
  flock -u 9
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [[ -f "${pidfile}" ]] || return 1
  local pid
  pid="$(cat "${pidfile}")"
  kill -0 "${pid}" 2>/dev/null || return 1
  echo "${pid}"
}

# The optional TLS listeners: broker and controller keep talking plaintext on loopback; a client that
# bootstraps through a TLS listener gets that listener's address back in metadata. Kafka reads the PEM
# files itself (ssl.keystore.type=PEM), so no JKS/PKCS#12 conversion is needed.
tls_listeners() {
  [[ -z "${ssl_port}" ]] || printf ',SSL://127.0.0.1:%s' "${ssl_port}"
  [[ -z "${mtls_port}" ]] || printf ',MTLS://127.0.0.1:%s' "${mtls_port}"
}

write_tls_properties() {
  [[ -n "${ssl_port}${mtls_port}" ]] || return 0
  cat <<EOF
ssl.keystore.type=PEM
ssl.keystore.location=${pem_dir}/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=${pem_dir}/ca.crt
ssl.client.auth=none
listener.name.mtls.ssl.client.auth=required
EOF
}

write_properties() {
  local tls
  tls="$(tls_listeners)"
  cat >"${props}" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}${tls}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}${tls}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${tls:+,SSL:SSL,MTLS:SSL}
inter.broker.listener.name=PLAINTEXT
log.dirs=${data}/logs
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.retention.hours=168
log.segment.bytes=67108864
num.network.threads=2
num.io.threads=4
background.threads=4
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
EOF
  write_tls_properties >>"${props}"
}

start() {
  if pid="$(running_pid)"; then
    log "already running (pid ${pid}) on 127.0.0.1:${port}"
    echo "127.0.0.1:${port}"
    return 0
  fi
  if port_open "${port}"; then
    log "port ${port} is taken by another process; set KAFKA_PORT to a free port"
    return 1
  fi
  if [[ -n "${ssl_port}${mtls_port}" ]] && [[ ! -f "${pem_dir}/broker.pem" || ! -f "${pem_dir}/ca.crt" ]]; then
    log "KAFKA_SSL_PORT / KAFKA_MTLS_PORT need KAFKA_SSL_PEM_DIR with broker.pem and ca.crt"
    return 1
  fi
  command -v java >/dev/null || { log "java not found (Java 17+ is required)"; return 1; }
  fetch_jars "${lib}"
  [[ "${KAFKA_LOCAL_FRESH:-0}" == "1" ]] && rm -rf "${data}"
  mkdir -p "${data}/logs"
  write_properties
  local log4j="${here}/log4j2.yaml"
  local java_opts=(
    ${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
    -XX:TieredStopAtLevel=1 -Xshare:auto
    -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=${log4j}"
    "-Dkafka.logs.dir=${data}"
    -cp "${lib}/*"
  )
  if [[ ! -f "${data}/logs/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java "${java_opts[@]}" org.apache.kafka.tools.StorageTool random-uuid 2>/dev/null \
      || java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)"
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "${cluster_id}" -c "${props}" \
      --ignore-formatted >>"${logfile}" 2>&1
  fi
  # setsid: the broker outlives this script and does not get the caller's Ctrl-C/SIGHUP.
  setsid java "${java_opts[@]}" kafka.Kafka "${props}" >>"${logfile}" 2>&1 </dev/null &
  echo $! >"${pidfile}"
  local pid deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
  pid="$(cat "${pidfile}")"
  # Kafka opens the client ports only once the broker is serving, so open ports mean ready.
  until port_open "${port}" && { [[ -z "${ssl_port}" ]] || port_open "${ssl_port}"; } &&
    { [[ -z "${mtls_port}" ]] || port_open "${mtls_port}"; }; do
    if ! kill -0 "${pid}" 2>/dev/null; then
      log "broker exited during start; last log lines:"
      tail -n 40 "${logfile}" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      log "broker did not open 127.0.0.1:${port} in time; see ${logfile}"
      return 1
    fi
    sleep 0.2
  done
  log "Kafka ${version} serving on 127.0.0.1:${port}${ssl_port:+, TLS on ${ssl_port}}${mtls_port:+, mTLS on ${mtls_port}} (pid ${pid}, data ${data})"
  echo "127.0.0.1:${port}"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running on port ${port}"
    return 0
  fi
  kill -TERM "${pid}"
  local deadline=$((SECONDS + 60))
  while kill -0 "${pid}" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      log "broker ${pid} ignored SIGTERM for 60 s; killing it"
      kill -KILL "${pid}" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "${pidfile}"
  log "stopped (pid ${pid})"
}

status() {
  local pid
  pid="$(running_pid)" && port_open "${port}" && { echo "127.0.0.1:${port} (pid ${pid})"; return 0; }
  return 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  fetch) fetch_jars "${lib}" ;;
  tools) fetch_jars "${tools_lib}" tools && echo "${tools_lib}" ;;
  *) echo "usage: $0 start|stop|status|fetch|tools" >&2; exit 2 ;;
esac
