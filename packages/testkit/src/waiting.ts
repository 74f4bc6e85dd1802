import type { Registry } from "prom-client";

/** Polls `check` until it returns true; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 90_000,
  pollMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** A metric's value in a registry, summed over the series whose labels match `labels`. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, l]) => String((v.labels as Record<string, unknown>)[k]) === l),
    )
    .reduce((sum, v) => sum + v.value, 0);
}
