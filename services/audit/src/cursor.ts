import { ValidationError } from "@parakey-bridge/service-kit";
import { z } from "zod";

/** Where a page of events ended: the last row's (occurredAt, eventLogId), the listing's sort key. */
export interface Cursor {
  occurredAt: string;
  eventLogId: string;
}

const CursorShape = z.object({ t: z.iso.datetime(), id: z.string().min(1) }).strict();

/**
 * An opaque page cursor (base64url JSON). Clients pass it back unchanged; it stays valid while rows
 * are added, because the listing is ordered by a unique key.
 *
 * @example
 * const next = encodeCursor({ occurredAt: "2026-11-23T08:00:00.000Z", eventLogId: "el_9" });
 */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.occurredAt, id: cursor.eventLogId }), "utf8").toString(
    "base64url",
  );
}

/** Reads a cursor back; a cursor that was not made by `encodeCursor` is a ValidationError (400). */
export function decodeCursor(text: string): Cursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw new ValidationError("cursor: not a cursor this API returned");
  }
  const parsed = CursorShape.safeParse(json);
  if (!parsed.success) throw new ValidationError("cursor: not a cursor this API returned");
  return { occurredAt: parsed.data.t, eventLogId: parsed.data.id };
}
