import { parseArgs } from "node:util";
import { parseInstant } from "@parakey-bridge/contracts";

export const BACKFILL_USAGE = `usage: backfill --integration NAME --from ISO --to ISO [--page-size N] [--restart]

Re-reads Parakey event logs with from <= createdAt < to into the event topic (via=poll, same key,
headers and ce_id as the webhook). Resumable: run the same command again after an interruption.
Reads the ingress environment: KAFKA_*, PARAKEY_API_URL, PARAKEY_API_TOKENS (name=token,...),
TOPIC_EVENT_LOGS, TOPIC_REJECTED, TOPIC_POLLER_STATE, POLL_PAGE_SIZE, ALLOWED_*_IDS.

  --integration NAME   one of the names in PARAKEY_API_TOKENS
  --from ISO           e.g. 2026-11-01T00:00:00Z (inclusive)
  --to ISO             e.g. 2026-11-02T00:00:00Z (exclusive)
  --page-size N        event logs per request (default POLL_PAGE_SIZE)
  --restart            read the range again even if a previous run finished it
`;

export interface BackfillArgs {
  integration: string;
  from: Date;
  to: Date;
  pageSize: number | undefined;
  restart: boolean;
}

/**
 * Reads the backfill command line. Pure: every problem is reported at once.
 *
 * @example
 * parseBackfillArgs(["--integration", "acme", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-02T00:00:00Z"]);
 */
export function parseBackfillArgs(
  argv: string[],
): { ok: true; args: BackfillArgs } | { ok: false; problems: string[] } | { ok: "help" } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        integration: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        "page-size": { type: "string" },
        restart: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
  if (values.help) return { ok: "help" };
  const problems: string[] = [];
  const integration = typeof values.integration === "string" ? values.integration : "";
  if (!integration) problems.push("--integration is required");
  const instant = (name: "from" | "to") => {
    const raw = values[name];
    if (typeof raw !== "string") {
      problems.push(`--${name} is required`);
      return undefined;
    }
    const parsed = parseInstant(raw);
    if (!parsed) problems.push(`--${name} ${JSON.stringify(raw)} is not an ISO-8601 instant with a zone`);
    return parsed;
  };
  const from = instant("from");
  const to = instant("to");
  if (from && to && from >= to) problems.push("--from must be before --to");
  const rawPageSize = values["page-size"];
  let pageSize: number | undefined;
  if (typeof rawPageSize === "string") {
    pageSize = Number(rawPageSize);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1_000) {
      problems.push("--page-size must be an integer from 1 to 1000");
    }
  }
  if (problems.length > 0 || !from || !to) return { ok: false, problems };
  return { ok: true, args: { integration, from, to, pageSize, restart: values.restart === true } };
}
