import type { Registry } from "prom-client";

/** One line of the Prometheus text exposition: `name{labels} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Where a test reads metrics from: a registry in this process, the `/metrics` URL of a service
 * running as a process, or exposition text already fetched.
 */
export type MetricsSource = Registry | URL | string;

/**
 * The one metrics reader of the test suites: the value of a metric, summed over the series whose
 * labels include `labels` (0 when there is none). Every source is read as the text a Prometheus
 * scrape gets, so a test sees what an alert rule would (gauges collected on scrape included).
 * `name` may carry a selector as a PromQL user writes it, `name{label="value"}`; histogram parts are
 * named as exported (`…_count`, `…_sum`, `…_bucket`).
 *
 * @example
 * await metricValue(registry, "bridge_consumer_records_processed_total", { group, outcome: "stored" });
 * await metricValue(new URL(`http://127.0.0.1:${adminPort}/metrics`), 'bridge_poll_leader{integration="acme"}');
 */
export async function metricValue(
  source: MetricsSource,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const selector = parseSeries(name);
  const wanted = { ...selector.labels, ...labels };
  return (await metricSamples(source))
    .filter((s) => s.name === selector.name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * Every sample of a source, in exposition order.
 *
 * @example
 * const lags = (await metricSamples(registry)).filter((s) => s.name === "bridge_consumer_lag");
 */
export async function metricSamples(source: MetricsSource): Promise<MetricSample[]> {
  const text = await exposition(source);
  const samples: MetricSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    // A sample line may end with a timestamp after the value; prom-client writes none.
    samples.push({ ...parseSeries(line.slice(0, cut).trim()), value: parseValue(line.slice(cut + 1)) });
  }
  return samples;
}

async function exposition(source: MetricsSource): Promise<string> {
  if (typeof source === "string") return source;
  if (source instanceof URL) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`GET ${source.href} answered ${res.status}`);
    return res.text();
  }
  return source.metrics();
}

/** `name{a="1",b="x\"y"}` → its name and labels (label values unescaped as the format says). */
function parseSeries(series: string): { name: string; labels: Record<string, string> } {
  const brace = series.indexOf("{");
  if (brace < 0) return { name: series, labels: {} };
  const labels: Record<string, string> = {};
  const pairs = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const [, key, raw] of series.slice(brace).matchAll(pairs))
    labels[key as string] = (raw as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  return { name: series.slice(0, brace), labels };
}

function parseValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}
