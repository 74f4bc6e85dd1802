// Prints the environment variables each component of the Helm chart reads, one `<component> <NAME>`
// a line: the names in its zod schema (services/<name>/src/config.ts, the topics CLI), plus the
// standard ones the tracing libraries read in every service. validate-chart.sh checks every variable
// a rendered pod sets against this list, so the chart cannot set a name nothing reads (a rename on one
// side only).
//
//   tsx --conditions=@parakey-bridge/source scripts/lib/service-env-names.ts
import { TopicsCliEnv } from "../../packages/kafka/src/cli/topics-env.js";
import { AuditEnv } from "../../services/audit/src/config.js";
import { BillingEnv } from "../../services/billing/src/config.js";
import { CheckInEnv } from "../../services/checkin/src/config.js";
import { ConsoleEnv } from "../../services/console/src/config.js";
import { IngressEnv } from "../../services/ingress/src/config.js";
import { DoorStreamsEnv } from "../../services/streams/src/config.js";

/**
 * Read outside the services' schemas, by every service: OTEL_SERVICE_NAME by the OpenTelemetry SDK's
 * resource detector (it names the service in traces), OTEL_EXPORTER_OTLP_PROTOCOL by startTelemetry.
 */
const tracingNames = ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME"];

interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  left?: unknown;
  right?: unknown;
  in?: unknown;
}

/** The top-level keys a zod (v4) schema of objects, intersections and pipes accepts. */
function keysOf(schema: unknown, keys = new Set<string>()): Set<string> {
  const def = (schema as { def?: SchemaDef }).def;
  if (def?.type === "object" && def.shape) for (const key of Object.keys(def.shape)) keys.add(key);
  else if (def?.type === "intersection") {
    keysOf(def.left, keys);
    keysOf(def.right, keys);
  } else if (def?.type === "pipe") keysOf(def.in, keys);
  else throw new Error(`cannot list the variables of a zod ${def?.type ?? "value"}`);
  return keys;
}

const services = {
  ingress: IngressEnv,
  checkin: CheckInEnv,
  billing: BillingEnv,
  audit: AuditEnv,
  streams: DoorStreamsEnv,
  console: ConsoleEnv,
};
const lines = [
  ...Object.entries(services).flatMap(([component, schema]) =>
    [...keysOf(schema), ...tracingNames].map((name) => `${component} ${name}`),
  ),
  ...[...keysOf(TopicsCliEnv)].map((name) => `topics ${name}`),
];
process.stdout.write(`${lines.sort().join("\n")}\n`);
