import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * A Prometheus registry for one service, with Node's process metrics and a `service` label on
 * every series. Each service owns its registry (passed as a dependency), so tests can read it.
 *
 * @example
 * const registry = createMetricsRegistry("ingress");
 * new Counter({ name: "bridge_x_total", help: "…", registers: [registry] });
 */
export function createMetricsRegistry(service: string, options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
