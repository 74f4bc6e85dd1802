import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical.js";

/** prev_hash of the first row of every chain. */
export const GENESIS_HASH = "0".repeat(64);

/** Version of the chained encoding; a new one would be a new chain format, never a silent change. */
export const CHAIN_FORMAT = 1;

/**
 * What a row's hash covers: every stored field that says what happened and where it came from, the
 * commitment to (not the value of) its personal data, and the previous row's hash. Counters that
 * legitimately change (duplicates seen) and erasable personal data are outside it.
 */
export interface ChainFields {
  chainDomain: string;
  seq: string;
  eventLogId: string;
  domainId: string | null;
  deviceId: string;
  success: boolean | null;
  occurredAt: string;
  recordedAt: string;
  receivedAt: string;
  delayMs: number;
  via: string;
  payloadVersion: string;
  payload: unknown;
  personalCommitment: string;
  kafkaTopic: string;
  kafkaPartition: number;
  kafkaOffset: string;
  traceId: string | null;
  firstSeenAt: string;
}

/**
 * The hash of a chain row: SHA-256 over the canonical JSON of its fields and the previous hash.
 * Changing any covered field of any row changes its hash and breaks the link to the next row.
 *
 * @example
 * const hash = chainHash(fields, previous?.hash ?? GENESIS_HASH);
 */
export function chainHash(fields: ChainFields, prevHash: string): string {
  return createHash("sha256")
    .update(canonicalJson({ format: CHAIN_FORMAT, ...fields, prevHash }))
    .digest("hex");
}
