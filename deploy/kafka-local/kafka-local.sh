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
#   kafka-local.sh cluster … a three-node cluster for fault tests (see "Cluster mode" below)
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
#
# Cluster mode: three combined broker+controller nodes on loopback with a static quorum, internal
# and default topics at replication factor 3 with min.insync.replicas=2 (what production runs).
# Node N (1-3) serves clients on KAFKA_CLUSTER_PORT+2(N-1) and its controller on the port after it;
# each node keeps its own data-<client port> folder, so a stopped node comes back with its data.
#
#   kafka-local.sh cluster start            format (once, one shared cluster id) and start all three
#                                           nodes, wait until each serves, print the bootstrap list
#   kafka-local.sh cluster stop             SIGTERM every node this script started, wait for exit
#   kafka-local.sh cluster status           one line per node; exit 0 when all three serve
#   kafka-local.sh cluster start-node N     start node N again (same data) and wait until it serves
#   kafka-local.sh cluster stop-node N      SIGTERM node N and wait for it to exit
#   kafka-local.sh cluster kill N           SIGKILL node N (a crash), wait for it to be gone
#   kafka-local.sh cluster pause|resume N   SIGSTOP / SIGCONT node N (a hung broker)
#   kafka-local.sh cluster pid N            print node N's PID
#   kafka-local.sh cluster controller       print the node id of the active KRaft controller
#
#   KAFKA_CLUSTER_PORT       node 1's client port (default 29092; the cluster uses six ports from it)
#   KAFKA_HEAP_OPTS          per node (default -Xms256m -Xmx384m in cluster mode)
#   KAFKA_LOCAL_FRESH=1      with `cluster start`: wipe the three nodes' data and format anew
#   KAFKA_STOP_TIMEOUT       seconds a stopping node gets before SIGKILL (60; 20 for `cluster stop`)
# The per-node settings come from KAFKA_NODE_ID, KAFKA_QUORUM_VOTERS, KAFKA_CLUSTER_ID and
# KAFKA_REPLICATION_FACTOR, which the cluster commands set; unset, the single node is as before.
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

node_id="${KAFKA_NODE_ID:-1}"
quorum_voters="${KAFKA_QUORUM_VOTERS:-1@127.0.0.1:${controller_port}}"
replication="${KAFKA_REPLICATION_FACTOR:-1}"
# min.insync.replicas: 2 on a replicated cluster (acks=all then survives one node), 1 on one node.
min_isr=$((replication > 1 ? 2 : 1))

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
node.id=${node_id}
controller.quorum.voters=${quorum_voters}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}${tls}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}${tls}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${tls:+,SSL:SSL,MTLS:SSL}
inter.broker.listener.name=PLAINTEXT
log.dirs=${data}/logs
num.partitions=3
default.replication.factor=${replication}
min.insync.replicas=${min_isr}
offsets.topic.replication.factor=${replication}
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${min_isr}
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=${replication}
share.coordinator.state.topic.min.isr=${min_isr}
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
    local cluster_id="${KAFKA_CLUSTER_ID:-}"
    [[ -n "${cluster_id}" ]] || cluster_id="$(java "${java_opts[@]}" org.apache.kafka.tools.StorageTool random-uuid 2>/dev/null \
      || java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)"
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "${cluster_id}" -c "${props}" \
      --ignore-formatted >>"${logfile}" 2>&1
  fi
  # setsid: the broker outlives this script and does not get the caller's Ctrl-C/SIGHUP.
  setsid java "${java_opts[@]}" kafka.Kafka "${props}" >>"${logfile}" 2>&1 </dev/null &
  echo $! >"${pidfile}"
  # Cluster start launches every node before waiting: a node serves only once a quorum majority runs.
  [[ "${KAFKA_LOCAL_NO_WAIT:-0}" == "1" ]] && return 0
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
  local grace="${KAFKA_STOP_TIMEOUT:-60}"
  local deadline=$((SECONDS + grace))
  while kill -0 "${pid}" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      log "broker ${pid} ignored SIGTERM for ${grace} s; killing it"
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

# --- cluster mode ----------------------------------------------------------------------------------
cluster_port="${KAFKA_CLUSTER_PORT:-29092}"
cluster_nodes=(1 2 3)
cluster_id_file="${home}/cluster-${cluster_port}.id"

node_port() { echo $((cluster_port + 2 * ($1 - 1))); }
node_data() { echo "${home}/data-$(node_port "$1")"; }

node_pid() {
  local file pid
  file="$(node_data "$1")/kafka.pid"
  [[ -f "${file}" ]] || return 1
  pid="$(cat "${file}")"
  kill -0 "${pid}" 2>/dev/null || return 1
  echo "${pid}"
}

check_node() {
  [[ "$1" =~ ^[123]$ ]] || { log "node must be 1, 2 or 3, not '${1:-}'"; exit 2; }
}

# Runs this script's single-node command for node N with that node's identity and the cluster's
# settings. The TLS listeners are a single-node feature; the cluster is plaintext on loopback.
run_node() {
  local n="$1" voters="" v
  shift
  for v in "${cluster_nodes[@]}"; do voters+="${voters:+,}${v}@127.0.0.1:$(($(node_port "${v}") + 1))"; done
  env -u KAFKA_SSL_PORT -u KAFKA_MTLS_PORT -u KAFKA_SSL_PEM_DIR -u KAFKA_LOCAL_FRESH \
    KAFKA_PORT="$(node_port "${n}")" KAFKA_CONTROLLER_PORT="$(($(node_port "${n}") + 1))" \
    KAFKA_NODE_ID="${n}" KAFKA_QUORUM_VOTERS="${voters}" KAFKA_REPLICATION_FACTOR=3 \
    KAFKA_CLUSTER_ID="$(cat "${cluster_id_file}" 2>/dev/null || true)" \
    KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx384m}" \
    bash "${BASH_SOURCE[0]}" "$@"
}

# Waits until node N serves; a node serves only once a majority of the quorum runs.
wait_node() {
  local n="$1" port pid deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-180}))
  port="$(node_port "${n}")"
  until port_open "${port}"; do
    if ! pid="$(node_pid "${n}")"; then
      log "node ${n} exited during start; last log lines:"
      tail -n 40 "$(node_data "${n}")/kafka.log" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      log "node ${n} did not open 127.0.0.1:${port} in time; see $(node_data "${n}")/kafka.log"
      return 1
    fi
    sleep 0.2
  done
  log "node ${n} serving on 127.0.0.1:${port} (pid $(node_pid "${n}"))"
}

# Launches the given nodes without waiting, then waits for each: all must be up before any serves.
cluster_start_nodes() {
  local n
  for n in "$@"; do
    node_pid "${n}" >/dev/null && continue
    KAFKA_LOCAL_NO_WAIT=1 run_node "${n}" start >/dev/null
  done
  for n in "$@"; do wait_node "${n}"; done
}

cluster_start() {
  command -v java >/dev/null || { log "java not found (Java 17+ is required)"; return 1; }
  fetch_jars "${lib}"
  local n formatted=0
  if [[ "${KAFKA_LOCAL_FRESH:-0}" == "1" ]]; then
    for n in "${cluster_nodes[@]}"; do
      if node_pid "${n}" >/dev/null; then log "node ${n} is running; stop the cluster before a fresh start"; return 1; fi
    done
    for n in "${cluster_nodes[@]}"; do rm -rf "$(node_data "${n}")"; done
    rm -f "${cluster_id_file}"
  fi
  for n in "${cluster_nodes[@]}"; do [[ -f "$(node_data "${n}")/logs/meta.properties" ]] && formatted=1; done
  if [[ ! -f "${cluster_id_file}" ]]; then
    if [[ "${formatted}" == "1" ]]; then
      log "nodes are formatted but ${cluster_id_file} is gone; start with KAFKA_LOCAL_FRESH=1"
      return 1
    fi
    # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding (22 characters).
    mkdir -p "${home}"
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"${cluster_id_file}"
  fi
  for n in "${cluster_nodes[@]}"; do
    local port
    port="$(node_port "${n}")"
    if ! node_pid "${n}" >/dev/null && { port_open "${port}" || port_open "$((port + 1))"; }; then
      log "port ${port} or $((port + 1)) is taken by another process; set KAFKA_CLUSTER_PORT to free ports"
      return 1
    fi
  done
  cluster_start_nodes "${cluster_nodes[@]}"
  local list=""
  for n in "${cluster_nodes[@]}"; do list+="${list:+,}127.0.0.1:$(node_port "${n}")"; done
  log "three-node cluster serving: ${list}"
  echo "${list}"
}

# Stops all nodes at once. The last voters cannot finish a controlled shutdown once the quorum has
# lost its majority (seen: the active controller waited for the full grace), so a node that has not
# exited after KAFKA_STOP_TIMEOUT (default 20 s here) is killed; its data stays valid for a restart.
cluster_stop() {
  local n pids=()
  for n in "${cluster_nodes[@]}"; do
    KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}" run_node "${n}" stop &
    pids+=($!)
  done
  local status=0 pid
  for pid in "${pids[@]}"; do wait "${pid}" || status=1; done
  return "${status}"
}

cluster_status() {
  local n pid all=0
  for n in "${cluster_nodes[@]}"; do
    if pid="$(node_pid "${n}")" && port_open "$(node_port "${n}")"; then
      echo "node ${n} 127.0.0.1:$(node_port "${n}") serving (pid ${pid})"
    elif pid="$(node_pid "${n}")"; then
      echo "node ${n} 127.0.0.1:$(node_port "${n}") not serving (pid ${pid})"
      all=1
    else
      echo "node ${n} 127.0.0.1:$(node_port "${n}") down"
      all=1
    fi
  done
  return "${all}"
}

cluster_signal() {
  local signal="$1" n="$2" pid
  check_node "${n}"
  pid="$(node_pid "${n}")" || { log "node ${n} is not running"; return 1; }
  kill "-${signal}" "${pid}"
  if [[ "${signal}" == "KILL" ]]; then
    while kill -0 "${pid}" 2>/dev/null; do sleep 0.1; done
    # A dead PID may be reused by another process: never signal it again through this file.
    rm -f "$(node_data "${n}")/kafka.pid"
  fi
  log "node ${n} (pid ${pid}): SIG${signal}"
}

# The active controller is the quorum leader; each voter records the leader it knows with its
# epoch in quorum-state, and the highest epoch among running nodes is the current one.
cluster_controller() {
  local n file epoch leader best_epoch=-1 best=""
  for n in "${cluster_nodes[@]}"; do
    node_pid "${n}" >/dev/null || continue
    file="$(node_data "${n}")/logs/__cluster_metadata-0/quorum-state"
    [[ -f "${file}" ]] || continue
    epoch="$(sed -n 's/.*"leaderEpoch":\([0-9-]*\).*/\1/p' "${file}")"
    leader="$(sed -n 's/.*"leaderId":\([0-9-]*\).*/\1/p' "${file}")"
    if [[ -n "${epoch}" && -n "${leader}" && "${leader}" != "-1" ]] && ((epoch > best_epoch)); then
      best_epoch="${epoch}"
      best="${leader}"
    fi
  done
  [[ -n "${best}" ]] || { log "no running node knows a controller"; return 1; }
  echo "${best}"
}

cluster() {
  local command="${1:-}" n
  shift || true
  case "${command}" in
    start) cluster_start ;;
    stop) cluster_stop ;;
    status) cluster_status ;;
    start-node)
      (($# > 0)) || { log "start-node needs node numbers"; exit 2; }
      for n in "$@"; do check_node "${n}"; done
      cluster_start_nodes "$@"
      ;;
    stop-node) check_node "${1:-}"; run_node "$1" stop ;;
    kill) cluster_signal KILL "${1:-}" ;;
    pause) cluster_signal STOP "${1:-}" ;;
    resume) cluster_signal CONT "${1:-}" ;;
    pid) check_node "${1:-}"; node_pid "$1" ;;
    controller) cluster_controller ;;
    *)
      echo "usage: $0 cluster start|stop|status|start-node N...|stop-node N|kill N|pause N|resume N|pid N|controller" >&2
      exit 2
      ;;
  esac
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  fetch) fetch_jars "${lib}" ;;
  tools) fetch_jars "${tools_lib}" tools && echo "${tools_lib}" ;;
  cluster) shift; cluster "$@" ;;
  *) echo "usage: $0 start|stop|status|fetch|tools|cluster …" >&2; exit 2 ;;
esac
