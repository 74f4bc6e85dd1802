/**
 * The members of a Parakey event log that identify a person. The audit store keeps them apart from
 * the rest of the payload so they can be erased after retention while the record (and its hash
 * chain) stays. One list, here: when Parakey publishes more fields, they are added here.
 */
export const PERSONAL_PAYLOAD_FIELDS = [
  "user",
  "userId",
  "member",
  "memberId",
  "email",
  "userEmail",
  "userName",
] as const;

/** A row's personal data: the person's id as the event names it, and the payload members removed. */
export interface PersonalData {
  userId: string | null;
  fields: Record<string, unknown>;
}

/**
 * Splits an event log into what may be kept forever and what identifies a person.
 *
 * @example
 * const { payload, personal } = splitPersonalData(event.eventLog, event.userId);
 */
export function splitPersonalData(
  eventLog: Readonly<Record<string, unknown>>,
  userId: string | null,
): { payload: Record<string, unknown>; personal: PersonalData } {
  const payload: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {};
  const personal = new Set<string>(PERSONAL_PAYLOAD_FIELDS);
  for (const [key, value] of Object.entries(eventLog)) {
    if (personal.has(key)) fields[key] = value;
    else payload[key] = value;
  }
  return { payload, personal: { userId, fields } };
}

/** The event log as received (personal members put back), or without them once erased. */
export function joinPersonalData(
  payload: Readonly<Record<string, unknown>>,
  personal: PersonalData | null,
): Record<string, unknown> {
  return personal === null ? { ...payload } : { ...payload, ...personal.fields };
}

/** The pseudonym marker: what a principal without the `auditor` role was shown. */
interface Pseudonymised {
  /** `pseudonymised`: the person's id is a pseudonym and personal payload members are left out. */
  personalData: "pseudonymised";
}

/**
 * An event summary as a non-auditor sees it: the person's id replaced by its pseudonym.
 *
 * @example
 * page.items.map((e) => pseudonymisedSummary(e, pseudonyms));
 */
export function pseudonymisedSummary<T extends { userId: string | null }>(
  event: T,
  pseudonyms: { of(value: string): string },
): T & Pseudonymised {
  return {
    ...event,
    userId: event.userId === null ? null : pseudonyms.of(event.userId),
    personalData: "pseudonymised",
  };
}

/** An event detail as a non-auditor sees it: pseudonymised, and the payload without personal members. */
export function pseudonymisedDetail<T extends { userId: string | null; payload: Record<string, unknown> }>(
  event: T,
  pseudonyms: { of(value: string): string },
): T & Pseudonymised {
  return {
    ...pseudonymisedSummary(event, pseudonyms),
    payload: splitPersonalData(event.payload, null).payload,
  };
}
