/** One thing a service depends on, as seen by its probes. */
export interface HealthCheck {
  name: string;
  /**
   * Liveness: is this part of the process still working (e.g. the consumer loop heartbeats)?
   * Must never depend on Kafka or a database being reachable, or Kubernetes restarts healthy pods
   * during a broker outage. Omitted = always live.
   */
  live?(): boolean;
  /** Readiness: can it do useful work right now (Kafka connected, store reachable)? */
  ready?(): boolean | Promise<boolean>;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, boolean>;
}

/** Evaluates liveness of every check. */
export function liveness(checks: HealthCheck[]): HealthReport {
  const results = Object.fromEntries(checks.map((check) => [check.name, check.live?.() ?? true]));
  return { ok: Object.values(results).every(Boolean), checks: results };
}

/** Evaluates readiness of every check; a check that throws counts as not ready. */
export async function readiness(checks: HealthCheck[], shuttingDown: boolean): Promise<HealthReport> {
  const entries = await Promise.all(
    checks.map(async (check): Promise<[string, boolean]> => {
      try {
        return [check.name, (await check.ready?.()) ?? true];
      } catch {
        return [check.name, false];
      }
    }),
  );
  const results = Object.fromEntries([["shutdown", !shuttingDown], ...entries]);
  return { ok: Object.values(results).every(Boolean), checks: results };
}
