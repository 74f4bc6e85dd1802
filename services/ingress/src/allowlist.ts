import type { DoorEvent } from "@parakey-bridge/contracts";
import type { FilterReason } from "./metrics.js";

/** Decides whether an event is outside the configured allowlists; `undefined` = keep it. */
export type Allowlist = (event: DoorEvent) => FilterReason | undefined;

/**
 * Optional allowlists of domains (places) and devices (locks). An empty list allows everything.
 * An event without a domain is outside a domain allowlist. Events outside are acknowledged and
 * counted, not produced: Parakey would otherwise keep retrying them.
 *
 * @example
 * const allow = createAllowlist({ domainIds: ["dom_hq"], deviceIds: [] });
 * allow(event); // undefined, or "domain_not_allowed"
 */
export function createAllowlist(lists: { domainIds: string[]; deviceIds: string[] }): Allowlist {
  const domains = new Set(lists.domainIds);
  const devices = new Set(lists.deviceIds);
  return (event) => {
    if (domains.size > 0 && (event.domainId === null || !domains.has(event.domainId))) {
      return "domain_not_allowed";
    }
    if (devices.size > 0 && !devices.has(event.deviceId)) return "device_not_allowed";
    return undefined;
  };
}
