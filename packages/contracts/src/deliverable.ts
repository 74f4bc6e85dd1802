import { z } from "zod";
import { DoorEvent, encodeDoorEvent } from "./door-event.js";

/**
 * What every consumer's store can hold, in one place. The ingress answers `accepted` only for an
 * event that the consumers' decoder (`decodeDoorEvent`, the one the consumer runtime uses) and their
 * PostgreSQL stores accept, so nothing it accepted is dead-lettered for ever downstream:
 * - nesting: JSON.stringify (and every recursive walk of a payload, like the audit chain's canonical
 *   JSON) overflows the stack near a few thousand levels, so a 10 KB `[[[[…]]]]` made the produce
 *   call throw on every retry. Parakey's event logs are a few levels deep.
 * - text: PostgreSQL `text` and `jsonb` reject U+0000, and a lone UTF-16 surrogate has no UTF-8
 *   encoding (`jsonb` rejects its escape; Node would turn it into U+FFFD, silently changing it).
 * - instants: `timestamptz` has no year 0, and DoorEvent's ISO-8601 strings have four-digit years, so
 *   an unlock must lie in 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z (in UTC, after the offset).
 */
export const DELIVERABLE_LIMITS = {
  /** Levels of arrays/objects inside the event log (the event log itself is level 1). */
  maxNestingDepth: 32,
  latestInstantMs: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
} as const;

/** Why a normalized event cannot be delivered. */
export interface DeliveryProblem {
  reason: "too_deep" | "unstorable_text" | "contract_violation";
  detail: string;
}

/** 0001-01-01T00:00:00Z: `Date.UTC(1, …)` maps years 0–99 to 1900–1999, so set the year explicitly. */
const earliestInstant = (() => {
  const date = new Date(0);
  date.setUTCFullYear(1, 0, 1);
  date.setUTCHours(0, 0, 0, 0);
  return date.getTime();
})();

/** Whether an instant can be stored by every consumer (see `DELIVERABLE_LIMITS`). */
export function isStorableInstant(date: Date): boolean {
  const ms = date.getTime();
  return ms >= earliestInstant && ms <= DELIVERABLE_LIMITS.latestInstantMs;
}

/** A deliverable event's record value, or why the event cannot be delivered. */
export type Deliverable = { ok: true; value: Buffer } | { ok: false; problem: DeliveryProblem };

/**
 * Checks a normalized event the way its consumers will see it: the event log's nesting and every
 * string (keys too), that it encodes, and the consumers' schema (`DoorEvent`, which their decoder
 * `decodeDoorEvent` applies to the record value). The schema is applied to the event itself, not to
 * the value parsed back: every member is a string, number, boolean or null, or the event log, which
 * was parsed from JSON text, so the value's JSON parses back to an equal object and parsing it again
 * (a third of this check's cost) would prove nothing more. The property test of `deliverable.test.ts`
 * still decodes every accepted event with `decodeDoorEvent`. Iterative, so a hostile payload cannot
 * overflow the stack here.
 *
 * @example
 * const checked = deliverable(event);
 * if (!checked.ok) reject(checked.problem.reason, checked.problem.detail);
 * else send({ ...doorEventRecord(event, topic, checked.value) });
 */
export function deliverable(event: DoorEvent): Deliverable {
  const walked = walkEventLog(event.eventLog);
  if (walked) return { ok: false, problem: walked };
  for (const [field, value] of Object.entries(event)) {
    if (typeof value === "string" && !isStorableText(value)) {
      return {
        ok: false,
        problem: { reason: "unstorable_text", detail: `field \`${field}\` ${textProblem(value)}` },
      };
    }
  }
  let value: Buffer;
  try {
    value = encodeDoorEvent(event);
  } catch (error) {
    return {
      ok: false,
      problem: {
        reason: "contract_violation",
        detail: `the event cannot be encoded: ${(error as Error).message}`,
      },
    };
  }
  const checked = DoorEvent.safeParse(event);
  if (!checked.success) {
    return {
      ok: false,
      problem: {
        reason: "contract_violation",
        detail: `DoorEvent v1 refuses it: ${bounded(z.prettifyError(checked.error))}`,
      },
    };
  }
  return { ok: true, value };
}

/** No U+0000 and well-formed UTF-16 (no lone surrogate). */
function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && text.isWellFormed();
}

function textProblem(text: string): string {
  return text.includes("\u0000")
    ? "contains U+0000, which PostgreSQL cannot store"
    : "contains a lone UTF-16 surrogate, which has no UTF-8 encoding";
}

/** A value met while walking the event log; its path is built only for the detail of a problem. */
interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  /** Member name or array index within the parent. */
  key: string | number | undefined;
}

function pathOf(visit: Visit): string {
  const parts: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) {
    parts.push(typeof at.key === "number" ? `[${at.key}]` : `.${JSON.stringify(at.key)}`);
  }
  return `$${parts.reverse().join("")}`;
}

function walkEventLog(root: unknown): DeliveryProblem | undefined {
  const stack: Visit[] = [{ value: root, depth: 1, parent: undefined, key: undefined }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value, depth } = visit;
    if (typeof value === "string") {
      if (!isStorableText(value)) {
        return { reason: "unstorable_text", detail: `${bounded(pathOf(visit))} ${textProblem(value)}` };
      }
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth > DELIVERABLE_LIMITS.maxNestingDepth) {
      return {
        reason: "too_deep",
        detail: `the event log nests deeper than ${DELIVERABLE_LIMITS.maxNestingDepth} levels (at ${bounded(pathOf(visit))})`,
      };
    }
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        stack.push({ value: value[index], depth: depth + 1, parent: visit, key: index });
      }
      continue;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (!isStorableText(key)) {
        return {
          reason: "unstorable_text",
          detail: `a member name at ${bounded(pathOf(visit))} ${textProblem(key)}`,
        };
      }
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: visit, key });
    }
  }
  return undefined;
}

/** Details go into a Kafka header and a log line: keep them short. */
function bounded(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
