# shellcheck shell=bash
# Sourced by scripts/start.sh: waits for a started service to answer its readiness probe.

# wait_ready NAME PORT LOGFILE [PID]: waits until http://127.0.0.1:PORT/readyz answers 2xx, printing
# one line to stderr ("waiting for NAME on :PORT/readyz … ready (Ns)") instead of curl's "Failed to
# connect" while the service is still starting. Returns 1 with the reason and the last lines of
# LOGFILE when the process PID exits first, or when READY_TIMEOUT_SECONDS (default 90) pass.
wait_ready() {
  local name="$1" port="$2" logfile="$3" pid="${4:-}"
  local url="http://127.0.0.1:${port}/readyz" timeout="${READY_TIMEOUT_SECONDS:-90}"
  local started=${SECONDS} reason=""
  printf '[start] waiting for %s on :%s/readyz … ' "${name}" "${port}" >&2
  # -f: a 503 (starting, not ready yet) is a failure too; -s without -S: no message per attempt.
  until curl -fs -o /dev/null --max-time 2 "${url}" 2>/dev/null; do
    if [[ -n "${pid}" ]] && ! kill -0 "${pid}" 2>/dev/null; then
      reason="its process (pid ${pid}) exited before it was ready"
    elif ((SECONDS - started >= timeout)); then
      reason="not ready within ${timeout}s (READY_TIMEOUT_SECONDS)"
    fi
    if [[ -n "${reason}" ]]; then
      printf 'FAILED\n' >&2
      printf '[start] %s on %s: %s; last lines of %s:\n' "${name}" "${url}" "${reason}" "${logfile}" >&2
      tail -n 20 "${logfile}" >&2 2>/dev/null || printf '  (no log file)\n' >&2
      return 1
    fi
    sleep 0.5
  done
  printf 'ready (%ss)\n' "$((SECONDS - started))" >&2
}
