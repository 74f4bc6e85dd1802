import { type Context, context, type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { mayRecordUnder, tracer, withSpan } from "@parakey-bridge/telemetry";
import type { QueryOptions } from "./db.js";

const MAX_QUERY_TEXT = 1_000;

/** The statement's verb and main table, as OpenTelemetry's database semantic conventions name them. */
export function describeStatement(
  sql: string,
  options: QueryOptions = {},
): { operation: string; collection: string | undefined } {
  const text = sql.replace(/--[^\n]*/g, " ").trim();
  const operation = options.operation ?? /^\w+/.exec(text)?.[0]?.toUpperCase() ?? "QUERY";
  const collection =
    options.collection ?? /\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+"?([\w.]+)"?/i.exec(text)?.[1]?.toLowerCase();
  return { operation, collection };
}

/**
 * The parents of `all` whose trace may be recorded, worked out once per array: a transaction hands
 * the same parents (one per Kafka record) to each of its statements, and checking 1 000 parents for
 * each of eight statements cost the consumers about 2 % of their CPU (issue 17, item 2).
 */
const recordable = new WeakMap<readonly Context[], readonly Context[]>();

function recordableParents(all: readonly Context[]): readonly Context[] {
  let parents = recordable.get(all);
  if (parents === undefined) {
    parents = all.filter(mayRecordUnder);
    recordable.set(all, parents);
  }
  return parents;
}

/**
 * Runs a statement inside CLIENT spans: one under each parent context (a batch statement stores many
 * Kafka messages; each message's trace gets its own span for it), or one under the active context.
 * Of many parents, only those whose trace may be recorded get a span (`mayRecordUnder`): the others'
 * spans would be dropped unrecorded, and a batch of 1 000 records would start thousands of them.
 */
export async function traced<T>(
  sql: string,
  namespace: string,
  options: QueryOptions,
  inherited: readonly Context[] | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const all = options.traceParents ?? inherited ?? [];
  const parents = all.length <= 1 ? all : recordableParents(all);
  if (parents.length === 0 && all.length > 1) return run();
  const { operation, collection } = describeStatement(sql, options);
  const attributes: Record<string, string | number> = {
    "db.system.name": "postgresql",
    "db.namespace": namespace,
    "db.operation.name": operation,
    "db.query.text": sql.length > MAX_QUERY_TEXT ? `${sql.slice(0, MAX_QUERY_TEXT)}…` : sql,
  };
  if (collection !== undefined) attributes["db.collection.name"] = collection;
  const name = collection === undefined ? operation : `${operation} ${collection}`;
  if (all.length <= 1) {
    const parent = all[0] ?? context.active();
    return context.with(parent, () => withSpan(name, { kind: SpanKind.CLIENT, attributes }, run));
  }
  attributes["db.operation.batch.size"] = all.length;
  const spans: Span[] = parents.map((parent) =>
    tracer().startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent),
  );
  try {
    return await run();
  } catch (error) {
    for (const span of spans) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    }
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}
