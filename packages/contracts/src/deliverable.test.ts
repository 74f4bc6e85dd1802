import fc from "fast-check";
import { compareNumber, isLosslessNumber, parse as parseLossless } from "lossless-json";
import { describe, expect, it } from "vitest";
import { deliverable } from "./deliverable.js";
import { type DoorEvent, decodeDoorEvent, encodeDoorEvent } from "./door-event.js";
import { type Normalized, normalizeEventLog, normalizeEventLogText, RejectionReason } from "./normalize.js";
import { eventLogFixture, jsonObjectText } from "./testing.js";

const ctx = { via: "webhook" as const, receivedAt: new Date("2026-11-23T10:00:00.000Z") };
const payload = (extra: Record<string, unknown> = {}) => ({
  ...eventLogFixture({ timestamp: new Date("2026-11-23T08:00:00.000Z") }),
  ...extra,
});
const rejectionOf = (result: Normalized) => (result.ok ? undefined : result.rejection);

/** Every number of a JSON text, exactly as written, in document order (lossless-json as the oracle). */
function numbersOf(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = parseLossless(text);
  } catch {
    return undefined; // e.g. duplicate member names, which lossless-json refuses and JSON.parse takes
  }
  const found: string[] = [];
  JSON.stringify(parsed, (_key, value) => {
    if (isLosslessNumber(value)) {
      found.push(value.value);
      return null;
    }
    return value;
  });
  return found;
}

/** What a consumer's PostgreSQL store holds: no U+0000, no lone surrogate (UTF-8 round trip). */
const storable = (text: string) => !text.includes("\u0000") && Buffer.from(text, "utf8").toString() === text;

describe("payloads the consumers could not store are rejected, never accepted", () => {
  it("rejects ~10 KB of nested arrays as too_deep instead of overflowing the encoder", () => {
    const nested = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
    const text = `{"id":"el_deep","deviceId":"dev_1","timestamp":"2026-11-23T08:00:00Z","createdAt":"2026-11-23T08:00:01Z","extra":${nested}}`;
    expect(text.length).toBeLessThan(11_000);
    expect(rejectionOf(normalizeEventLogText(text, ctx))).toMatchObject({
      reason: "too_deep",
      eventLogId: "el_deep",
      deviceId: "dev_1",
    });
  });

  it("accepts the nesting a real event log has (32 levels)", () => {
    let nested: unknown = "leaf";
    for (let level = 0; level < 30; level++) nested = { inner: nested };
    expect(normalizeEventLog(payload({ extra: nested }), ctx).ok).toBe(true);
  });

  it.each([
    ["U+0000 in a nested value", { device: { id: "dev_1", name: "Front\u0000door" } }],
    ["a lone surrogate in a value", { note: "\ud800" }],
    ["a lone surrogate in a member name", { "\udc00name": 1 }],
    ["U+0000 in the device id", { device: { id: "dev\u0000" } }],
  ])("rejects %s as unstorable_text", (_name, extra) => {
    expect(rejectionOf(normalizeEventLog(payload(extra), ctx))?.reason).toBe("unstorable_text");
  });

  it("accepts well-formed astral characters (a surrogate pair)", () => {
    expect(normalizeEventLog(payload({ note: "door 🚪" }), ctx).ok).toBe(true);
  });

  it("rejects a timestamp that lands in year 10000 once its offset is applied", () => {
    const rejection = rejectionOf(
      normalizeEventLog(payload({ timestamp: "9999-12-31T23:00:00-05:00" }), ctx),
    );
    expect(rejection).toMatchObject({ reason: "invalid_timestamp" });
    expect(rejection?.detail).toContain("outside 0001-01-01");
  });

  it("rejects a createdAt in year 0, which PostgreSQL has not got", () => {
    const rejection = rejectionOf(
      normalizeEventLog(payload({ createdAt: "0001-01-01T00:30:00+01:00" }), ctx),
    );
    expect(rejection?.reason).toBe("invalid_created_at");
  });

  it("accepts the first and last storable instants", () => {
    const first = normalizeEventLog(payload({ timestamp: "0001-01-01T00:00:00Z" }), ctx);
    const last = normalizeEventLog(payload({ createdAt: "9999-12-31T23:59:59.999Z" }), ctx);
    expect([first.ok, last.ok]).toEqual([true, true]);
  });

  it("rejects numeric ids above 2^53 instead of answering a distinct event as a duplicate", () => {
    const body = (id: string) =>
      `{"id":${id},"deviceId":"dev_1","timestamp":"2026-11-23T08:00:00Z","createdAt":"2026-11-23T08:00:01Z"}`;
    const first = normalizeEventLogText(body("9007199254740993"), ctx);
    const second = normalizeEventLogText(body("9007199254740992"), ctx);
    expect(rejectionOf(first)?.reason).toBe("unsafe_number");
    expect(rejectionOf(second)?.reason).toBe("unsafe_number");
    // Already parsed elsewhere (the poller): an id that is not a safe integer may have been rounded.
    expect(rejectionOf(normalizeEventLog(payload({ id: 2 ** 60 }), ctx))?.reason).toBe("unsafe_number");
  });

  it.each([
    ["an integer above 2^53", "12345678901234567891"],
    ["more digits than a double keeps", "0.12345678901234567890"],
    ["digits on both sides of the point", "12345678.123456789"],
    ["an exponent out of range", "1e400"],
  ])("rejects %s anywhere in the payload as unsafe_number", (_name, number) => {
    const text = JSON.stringify(payload()).replace(/}$/, `,"meter":{"reading":${number}}}`);
    const rejection = rejectionOf(normalizeEventLogText(text, ctx));
    expect(rejection).toMatchObject({ reason: "unsafe_number" });
    expect(rejection?.detail).toContain('"reading"');
  });

  it.each([["1.5"], ["0.1"], ["1e2"], ["-0"], ["123456789012345"], ["9007199254740991"], ["2.5E-3"]])(
    "keeps %s, which a double holds exactly as written",
    (number) => {
      const text = JSON.stringify(payload()).replace(/}$/, `,"reading":${number}}`);
      expect(normalizeEventLogText(text, ctx).ok).toBe(true);
    },
  );
});

/** Payload-like objects with every field drawn from good and hostile values. */
/** Characters PostgreSQL or UTF-8 refuse (U+0000, lone surrogates), JSON's escapes, anything else. */
const hostileChar = fc.oneof(
  fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff", '"', "\\"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const hostileText = fc.string({ unit: hostileChar, maxLength: 8 });
const instant = fc.oneof(
  fc
    .date({
      min: new Date("-001000-01-01T00:00:00Z"),
      max: new Date("+012000-01-01T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc
    .tuple(fc.constantFrom(0, 1, 2026, 9999, 10000), fc.integer({ min: -14, max: 14 }))
    .map(([year, hours]) => {
      const zone = `${hours < 0 ? "-" : "+"}${String(Math.abs(hours)).padStart(2, "0")}:00`;
      return `${String(year).padStart(4, "0")}-${year % 2 ? "12-31T23" : "01-01T00"}:30:00${zone}`;
    }),
  hostileText,
);
const nested = fc.integer({ min: 0, max: 60 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`);
const number = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.stringMatching(/^-?[1-9][0-9]{0,20}(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?$/),
);
const id = fc.oneof(
  hostileText.map((s) => JSON.stringify(s)),
  number,
);
const member = fc.oneof(
  hostileText.map((s) => JSON.stringify(s)),
  number,
  nested,
  fc.constant("null"),
);
const eventLogText = fc
  .record({
    id,
    deviceId: fc.oneof(id, fc.constant("null")),
    timestamp: instant.map((s) => JSON.stringify(s)),
    createdAt: instant.map((s) => JSON.stringify(s)),
    domain: fc.oneof(
      id.map((v) => `{"id":${v}}`),
      fc.constant("null"),
    ),
    extra: fc.dictionary(hostileText, member, { maxKeys: 3 }),
  })
  .map(({ extra, ...fields }) => jsonObjectText(fields, extra));

describe("deliverable: the consumers' contract", () => {
  const event = () => {
    const result = normalizeEventLog(payload(), ctx);
    if (!result.ok) throw new Error("the fixture must normalize");
    return result.event;
  };

  it("returns the record value the consumers' decoder takes back unchanged", () => {
    const accepted = event();
    const checked = deliverable(accepted);
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(decodeDoorEvent(checked.value)).toEqual({ ok: true, value: accepted });
  });

  it.each([
    ["an empty device id", { deviceId: "" }],
    ["a delay that is not an integer", { delayMs: 1.5 }],
    ["a member DoorEvent v1 does not have", { extra: 1 }],
    ["an unlock time that is not ISO 8601", { occurredAt: "yesterday" }],
  ])("refuses an event with %s as contract_violation, as the consumers' decoder would", (_name, change) => {
    const broken = { ...event(), ...change } as DoorEvent;
    expect(decodeDoorEvent(encodeDoorEvent(broken)).ok).toBe(false);
    const checked = deliverable(broken);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problem.reason).toBe("contract_violation");
  });
});

describe("normalizer property: accepted means every consumer can decode and store it", () => {
  // Fixed seed and bounded runs: the same cases on every CI run (PB_PROPERTY_RUNS to explore more).
  const runs = Number(process.env.PB_PROPERTY_RUNS ?? 2_000);

  it(
    "answers every text with an event the consumers' decoder accepts, or a known rejection reason",
    () => {
      fc.assert(
        fc.property(fc.oneof(eventLogText, fc.json(), fc.string({ unit: "binary" })), (text) => {
          const result = normalizeEventLogText(text, ctx);
          if (!result.ok) {
            expect(RejectionReason.options).toContain(result.rejection.reason);
            return;
          }
          const decoded = decodeDoorEvent(encodeDoorEvent(result.event));
          expect(decoded.ok).toBe(true);
          if (!decoded.ok) return;
          const event = decoded.value;
          for (const instantText of [event.occurredAt, event.recordedAt]) {
            expect(instantText).toMatch(/^\d{4}-/);
            expect(instantText.startsWith("0000")).toBe(false);
          }
          const strings: string[] = [];
          JSON.stringify(event, (key, value) => {
            strings.push(key);
            if (typeof value === "string") strings.push(value);
            return value;
          });
          for (const text of strings) expect(storable(text)).toBe(true);
          // The original is carried exactly: no number on the record differs from the one received.
          const received = numbersOf(text);
          const carried = numbersOf(JSON.stringify(event.eventLog));
          if (received === undefined || carried === undefined) return;
          expect(carried).toHaveLength(received.length);
          received.forEach((value, index) => {
            expect(compareNumber(value, carried[index] as string), `${value} became ${carried[index]}`).toBe(
              0,
            );
          });
        }),
        { seed: 13_2026, numRuns: runs },
      );
    },
    10_000 + runs * 5,
  );
});
