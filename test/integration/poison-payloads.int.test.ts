import { createHash } from "node:crypto";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import { type DoorEvent, decodeDoorEvent } from "@parakey-bridge/contracts";
import { eventLogFixture, jsonObjectText } from "@parakey-bridge/contracts/testing";
import type { InboundRecord } from "@parakey-bridge/kafka";
import { type ConsumedRecord, readTopic } from "@parakey-bridge/kafka/testing";
import { migrate, PostgresDb } from "@parakey-bridge/storage";
import { createTestDatabase, testKafkaBrokers } from "@parakey-bridge/testkit";
import fc from "fast-check";
import { compareNumber, isLosslessNumber, parse as parseLossless } from "lossless-json";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditStore } from "../../services/audit/src/store/audit-store.js";
import { auditMigrations } from "../../services/audit/src/store/migrations.js";
import { billingMigrations } from "../../services/billing/src/migrations.js";
import { UsageStore } from "../../services/billing/src/usage-store.js";
import { CheckInStore } from "../../services/checkin/src/check-in-store.js";
import { domainSettings } from "../../services/checkin/src/domain-settings.js";
import { checkInMigrations } from "../../services/checkin/src/migrations.js";
import { authHeaders } from "../../services/ingress/src/testing/fixtures.js";
import { recordCount, startTestIngress } from "../../services/ingress/src/testing/service-fixture.js";

/**
 * Issue 13, item 2, as a property of the whole path: for any bytes posted to the webhook the answer is
 * `accepted` (and the record on the event topic passes the consumers' decoder and the audit, billing
 * and check-in stores write it into a real PostgreSQL), `duplicate` (the id was accepted before),
 * `rejected` (and the rejected topic holds the exact bytes, or for a body over the limit its prefix,
 * size and SHA-256), or 413 with nothing stored (a body over 16× the limit). Never 503 with a healthy
 * broker. Fixed seed, bounded runs (PB_PROPERTY_RUNS explores more).
 */

const LIMIT = 4_096;
const RUNS = Number(process.env.PB_PROPERTY_RUNS ?? 200);
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

// Payload-like bodies with every field drawn from good and hostile values (U+0000, lone surrogates,
// instants from year -1000 to 12000 with offsets, numbers beyond 2^53, nesting beyond the limit).
/** Characters PostgreSQL or UTF-8 refuse (U+0000, lone surrogates), JSON's escapes, anything else. */
const hostileChar = fc.oneof(
  fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff", '"', "\\", "\n"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const hostileText = fc.string({ unit: hostileChar, maxLength: 6 });
/** Mostly a good value, sometimes a hostile one: most bodies are accepted, and many are on an edge. */
const mostly = <T>(good: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: hostile });
const iso = (min: string, max: string) =>
  fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true }).map((d) => d.toISOString());
const instant = mostly(
  fc.oneof(
    iso("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"),
    // The storable edges: year 1 and year 9999 in UTC, reached through offsets too.
    iso("0001-01-01T00:00:00Z", "0001-01-03T00:00:00Z"),
    iso("9999-12-29T00:00:00Z", "9999-12-31T23:59:59.999Z"),
  ),
  fc.oneof(
    iso("-001000-01-01T00:00:00Z", "+012000-01-01T00:00:00Z"),
    fc.tuple(fc.constantFrom(0, 1, 9999, 10000), fc.integer({ min: -14, max: 14 })).map(([year, hours]) => {
      const zone = `${hours < 0 ? "-" : "+"}${String(Math.abs(hours)).padStart(2, "0")}:00`;
      return `${String(year).padStart(4, "0")}-${year % 2 ? "12-31T23" : "01-01T00"}:30:00${zone}`;
    }),
    hostileText,
  ),
);
const number = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
);
const text = mostly(
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  hostileText.map((s) => JSON.stringify(s)),
);
const id = mostly(
  fc.uuid().map((u) => JSON.stringify(`el_${u}`)),
  fc.oneof(text, number),
);
const nested = fc.integer({ min: 0, max: 2_000 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`);
const member = mostly(
  fc.oneof(text, fc.integer().map(String), fc.constant("null")),
  fc.oneof(number, nested),
);
const eventLogText = fc
  .record({
    id,
    deviceId: mostly(fc.constantFrom('"dev_1"', '"dev_2"', "7"), fc.oneof(text, number)),
    timestamp: instant.map((s) => JSON.stringify(s)),
    createdAt: instant.map((s) => JSON.stringify(s)),
    domainId: mostly(fc.constantFrom('"dom_1"', '"dom_2"'), fc.oneof(text, number, fc.constant("null"))),
    user: mostly(
      fc.constantFrom('{"id":"usr_1"}', '{"id":"usr_2"}', "null"),
      text.map((v) => `{"id":${v}}`),
    ),
    success: fc.constantFrom("true", "false", "null", '"yes"'),
    extra: fc.dictionary(mostly(fc.string({ maxLength: 8 }), hostileText), member, { maxKeys: 3 }),
  })
  .map(({ extra, ...fields }) => jsonObjectText(fields, extra));
/** A body, shown in a counterexample as its size and first characters rather than every byte. */
interface Body {
  bytes: Buffer;
  [fc.toStringMethod](): string;
}
const asBody = (bytes: Buffer): Body => ({
  bytes,
  [fc.toStringMethod]: () =>
    `${bytes.byteLength} bytes: ${JSON.stringify(bytes.toString("utf8").slice(0, 300))}`,
});
const body = fc
  .oneof(
    { weight: 6, arbitrary: eventLogText.map((text) => Buffer.from(text, "utf8")) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.json().map((text) => Buffer.from(text, "utf8")) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: LIMIT - 50, max: 18 * LIMIT })
        .map((size) => Buffer.from(JSON.stringify({ ...eventLogFixture(), pad: "x".repeat(size) }))),
    },
  )
  .map(asBody);

interface Answer {
  status: number;
  body: { status?: string; eventLogId?: string; reason?: string };
  requestId: string | null;
  sent: Buffer;
}

describe("webhook property: every answer is stored where it says, and every store takes what was accepted", () => {
  let ingress: Awaited<ReturnType<typeof startTestIngress>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const dbs: PostgresDb[] = [];

  beforeAll(async () => {
    ingress = await startTestIngress(testKafkaBrokers(), { WEBHOOK_BODY_LIMIT_BYTES: String(LIMIT) });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await ingress?.stop();
    await Promise.all(dbs.map((db) => db.close()));
    await database?.drop();
  });

  it("answers accepted (decodable, storable), duplicate, rejected (exact bytes stored) or 413 (nothing stored)", async () => {
    const answers: Answer[] = [];
    await fc.assert(
      fc.asyncProperty(body, async ({ bytes: sent }) => {
        const res = await ingress.post(sent, { ...authHeaders, "content-type": "application/json" });
        const answer: Answer = {
          status: res.status,
          body: (await res.json()) as Answer["body"],
          requestId: res.headers.get("x-request-id"),
          sent,
        };
        answers.push(answer);
        if (res.status === 413) {
          expect(sent.byteLength).toBeGreaterThan(16 * LIMIT);
          return;
        }
        expect(res.status).toBe(200);
        expect(["accepted", "duplicate", "rejected"]).toContain(answer.body.status);
      }),
      { seed: 132_026, numRuns: RUNS },
    );

    const accepted = answers.filter((a) => a.body.status === "accepted");
    const rejected = answers.filter((a) => a.body.status === "rejected");
    const refused = answers.filter((a) => a.status === 413);
    // The generator must reach every outcome, or the property proves less than it says.
    expect(accepted.length).toBeGreaterThan(RUNS / 10);
    expect(rejected.length).toBeGreaterThan(RUNS / 10);

    const events = await readAll(ingress.topics.eventLogs);
    const rejectedRecords = await readAll(ingress.topics.rejected);

    // rejected: the exact bytes (or, over the limit, the prefix with size and digest), by request id.
    for (const answer of rejected) {
      const record = rejectedRecords.find((r) => r.headers["pb-request-id"] === answer.requestId);
      expect(record?.headers["pb-reject-reason"]).toBe(answer.body.reason);
      if (record?.headers["pb-truncated"] === "true") {
        expect(
          answer.sent.subarray(0, record.value?.byteLength).equals(record.value ?? Buffer.alloc(1)),
        ).toBe(true);
        expect(record.headers["pb-original-bytes"]).toBe(String(answer.sent.byteLength));
        expect(record.headers["pb-original-sha256"]).toBe(
          createHash("sha256").update(answer.sent).digest("hex"),
        );
      } else {
        expect(record?.value?.equals(answer.sent), `exact bytes of a ${answer.body.reason} payload`).toBe(
          true,
        );
      }
    }
    // 413: nothing stored anywhere for that request.
    for (const answer of refused) {
      expect(rejectedRecords.some((r) => r.headers["pb-request-id"] === answer.requestId)).toBe(false);
    }

    // accepted: on the event topic, accepted by the consumers' decoder and by each store.
    const inbound: InboundRecord<DoorEvent>[] = [];
    for (const answer of accepted) {
      const record = events.find((r) => r.headers.ce_id === answer.body.eventLogId);
      expect(record, `record of accepted ${answer.body.eventLogId}`).toBeDefined();
      if (!record) continue;
      const decoded = decodeDoorEvent(record.value);
      expect(decoded.ok, decoded.ok ? "" : decoded.reason).toBe(true);
      // No number of the original changed on its way (a double rounds integers above 2^53).
      const received = numbersOf(answer.sent.toString("utf8"));
      const carried = decoded.ok ? numbersOf(JSON.stringify(decoded.value.eventLog)) : undefined;
      if (received && carried) {
        expect(carried.length).toBe(received.length);
        for (const [i, value] of received.entries()) {
          expect(compareNumber(value, carried[i] as string), value).toBe(0);
        }
      }
      if (decoded.ok) inbound.push(inboundOf(record, decoded.value));
    }
    inbound.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    const stores = await openStores(database.url);
    for (const record of inbound) {
      // One record per write: a store that refuses it throws here, naming the event.
      const context = `event ${JSON.stringify(record.value.eventLogId)}`;
      await expect(stores.audit.append([record]), context).resolves.toEqual(["stored"]);
      await expect(stores.billing.writeBatch([record]), context).resolves.toMatchObject({
        outcomes: ["stored"],
      });
      await expect(stores.checkin.writeBatch([record]), context).resolves.toMatchObject({
        outcomes: ["stored"],
      });
    }
  });

  async function readAll(topic: string): Promise<ConsumedRecord[]> {
    const count = await recordCount(ingress.kafka, topic);
    return count === 0 ? [] : readTopic(ingress.kafka, topic, { count, timeoutMs: 60_000 });
  }

  async function openStores(url: string) {
    const open = async (schema: string, migrations: Parameters<typeof migrate>[1]) => {
      const db = new PostgresDb({ url, schema, log });
      dbs.push(db);
      await migrate(db, migrations, log);
      return db;
    };
    const group = "poison-property";
    // Time zones at both ends of the clock, so local dates of the earliest and latest instants
    // fall outside the UTC years too.
    const settings = domainSettings({
      defaultTimeZone: "Pacific/Kiritimati",
      timeZones: {},
      liveWindowMs: 600_000,
      liveWindowsMs: {},
    });
    return {
      audit: new AuditStore(await open("audit", auditMigrations), { group }),
      billing: new UsageStore(await open("billing", billingMigrations), () => "Pacific/Pago_Pago", group),
      checkin: new CheckInStore(await open("checkin", checkInMigrations), settings, group),
    };
  }
});

/** Every number of a JSON text exactly as written (lossless-json as the oracle); undefined if it refuses the text. */
function numbersOf(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = parseLossless(text);
  } catch {
    return undefined;
  }
  const found: string[] = [];
  JSON.stringify(parsed, (_key, value) => {
    if (!isLosslessNumber(value)) return value;
    found.push(value.value);
    return null;
  });
  return found;
}

function inboundOf(record: ConsumedRecord, value: DoorEvent): InboundRecord<DoorEvent> {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value,
    headers: record.headers,
    timestamp: record.timestamp,
    traceContext: ROOT_CONTEXT,
    traceId: "0".repeat(32),
  };
}
