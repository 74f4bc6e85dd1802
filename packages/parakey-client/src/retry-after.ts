const DELTA_SECONDS = /^\d+$/;
// Every HTTP-date form (IMF-fixdate, RFC 850, asctime) names the month; Date.parse alone would also
// accept "-5" or "1.5" as years.
const NAMES_A_MONTH = /(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/i;

/**
 * How long a `Retry-After` header asks us to wait, in milliseconds. The header is either
 * delta-seconds (`"120"`) or an HTTP date (`"Wed, 21 Oct 2026 07:28:00 GMT"`), measured against
 * `now`; a date in the past means "now" (0). `undefined` when the header is absent or unreadable,
 * so the caller falls back to its own backoff.
 *
 * @example
 * parseRetryAfter("3", new Date()); // 3000
 * parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", new Date("2026-10-21T07:27:30Z")); // 30000
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (DELTA_SECONDS.test(text)) return Number(text) * 1000;
  if (!NAMES_A_MONTH.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
