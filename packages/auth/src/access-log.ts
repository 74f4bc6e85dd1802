import { createRoute, z } from "@hono/zod-openapi";
import { type ApiApp, type Clock, errorResponses } from "@parakey-bridge/service-kit";
import { AUTH_ERRORS } from "./openapi.js";
import { type Principal, requireAllDomains, requireRole } from "./principal.js";

/** The one thing the access log needs of a database (a `Db` of `@parakey-bridge/storage`). */
export interface SqlClient {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * The table of personal-data reads, for a service's next migration (never edit one that shipped).
 * Append-only like the audit trail: a trigger refuses UPDATE and DELETE.
 */
export const accessLogTableSql = `
CREATE TABLE personal_data_access (
  id bigserial PRIMARY KEY,
  accessed_at timestamptz NOT NULL,
  principal_id text NOT NULL,
  principal_kind text NOT NULL,
  -- What was read: the route's action name, its filters, and the records shown (event log ids).
  action text NOT NULL,
  filters jsonb NOT NULL,
  subjects text[] NOT NULL,
  request_id text
);
CREATE INDEX personal_data_access_by_time ON personal_data_access (accessed_at DESC, id DESC);
CREATE INDEX personal_data_access_by_principal ON personal_data_access (principal_id, accessed_at DESC, id DESC);
CREATE FUNCTION personal_data_access_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'personal_data_access is append-only' USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER personal_data_access_append_only BEFORE UPDATE OR DELETE ON personal_data_access
  FOR EACH ROW EXECUTE FUNCTION personal_data_access_append_only();
`;

/** One recorded read of personal data. */
export interface AccessRecord {
  id: string;
  accessedAt: string;
  principal: { id: string; kind: Principal["kind"] };
  action: string;
  filters: Record<string, unknown>;
  subjects: string[];
  requestId: string | null;
}

interface Row {
  id: string;
  accessed_at: Date;
  principal_id: string;
  principal_kind: Principal["kind"];
  action: string;
  filters: Record<string, unknown>;
  subjects: string[];
  request_id: string | null;
}

/**
 * Who read which personal data, and when. A route records the read before it answers: when the
 * record cannot be written the request fails (the database error's 503), so no personal data leaves
 * unrecorded.
 *
 * @example
 * await accessLog.record({ principal, action: "get_event", filters: {}, subjects: [id], requestId });
 */
export class AccessLog {
  constructor(
    private readonly db: SqlClient,
    private readonly clock: Clock,
  ) {}

  async record(read: {
    principal: Principal;
    action: string;
    filters: Record<string, unknown>;
    subjects: readonly string[];
    requestId: string | undefined;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO personal_data_access (accessed_at, principal_id, principal_kind, action, filters, subjects, request_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[], $7)`,
      [
        this.clock.now().toISOString(),
        read.principal.id,
        read.principal.kind,
        read.action,
        JSON.stringify(read.filters),
        [...read.subjects],
        read.requestId ?? null,
      ],
    );
  }

  /** Newest first; `before` is the `nextCursor` of the previous page. */
  async list(query: {
    principalId?: string | undefined;
    from?: Date | undefined;
    to?: Date | undefined;
    limit: number;
    before?: string | undefined;
  }): Promise<{ items: AccessRecord[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.principalId !== undefined) add((p) => `principal_id = ${p}`, query.principalId);
    if (query.from !== undefined) add((p) => `accessed_at >= ${p}`, query.from.toISOString());
    if (query.to !== undefined) add((p) => `accessed_at < ${p}`, query.to.toISOString());
    if (query.before !== undefined) add((p) => `id < ${p}::bigint`, query.before);
    params.push(query.limit + 1);
    const { rows } = await this.db.query<Row>(
      `SELECT id::text AS id, accessed_at, principal_id, principal_kind, action, filters, subjects, request_id
       FROM personal_data_access ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, query.limit).map((row) => ({
      id: row.id,
      accessedAt: row.accessed_at.toISOString(),
      principal: { id: row.principal_id, kind: row.principal_kind },
      action: row.action,
      filters: row.filters,
      subjects: row.subjects,
      requestId: row.request_id,
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? last.id : null };
  }
}

const ListQuery = z
  .object({
    principalId: z.string().min(1).max(200).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z
      .string()
      .regex(/^[1-9][0-9]{0,18}$/, "not a cursor this API returned")
      .optional(),
  })
  .strict();

const AccessRecordSchema = z
  .object({
    id: z.string(),
    accessedAt: z.iso.datetime(),
    principal: z.object({ id: z.string(), kind: z.enum(["jwt", "api_key", "development"]) }),
    action: z.string().describe("The route's name for the read, e.g. `get_event`."),
    filters: z.record(z.string(), z.unknown()),
    subjects: z.array(z.string()).describe("The records shown (event log or check-in ids)."),
    requestId: z.string().nullable(),
  })
  .openapi("AccessRecord");

/**
 * The OpenAPI definition of `GET <path>` (e.g. `/v1/access-log`): the access record, newest
 * first, cursor-paged, filtered by principal and time. For auditors whose access spans every domain
 * (the records name events of any domain).
 *
 * @example
 * app.openapi(accessLogRoute("/v1/access-log"), handler);
 */
export function accessLogRoute<P extends string>(path: P) {
  return createRoute({
    method: "get",
    path,
    summary: "Who read personal data, and when (auditor, every domain)",
    middleware: [requireRole("auditor"), requireAllDomains()] as const,
    request: { query: ListQuery },
    responses: {
      200: {
        description: "One page of reads of personal data, newest first.",
        content: {
          "application/json": {
            schema: z
              .object({
                items: z.array(AccessRecordSchema),
                nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page."),
              })
              .openapi("AccessLogPage"),
          },
        },
      },
      ...errorResponses(...AUTH_ERRORS, "invalid_request", "forbidden", "db_unavailable"),
    },
  });
}

/**
 * Serves `accessLogRoute(path)` on an API app.
 *
 * @example
 * registerAccessLogRoute(app, "/v1/access-log", accessLog);
 */
export function registerAccessLogRoute(app: ApiApp, path: string, accessLog: AccessLog): void {
  app.openapi(accessLogRoute(path), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await accessLog.list({
        principalId: q.principalId,
        from: q.from === undefined ? undefined : new Date(q.from),
        to: q.to === undefined ? undefined : new Date(q.to),
        limit: q.limit,
        before: q.cursor,
      }),
      200,
    );
  });
}
