import { createHash, randomUUID } from "node:crypto";
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

// Stands in for the two fields a row's position decides; random, so no payload can contain it.
const SLOT = `\u0000${randomUUID()}`;
const PREV_SLOT = JSON.stringify(`${SLOT}p`);
const SEQ_SLOT = JSON.stringify(`${SLOT}s`);

/**
 * A row's hash with its chain position still open: everything but `seq` and `prevHash` is encoded
 * once, before the chain head is locked, so a batch holds the head only for the SHA-256 of each row.
 * `link(seq, prevHash)` returns exactly `chainHash({ ...fields, seq }, prevHash)`.
 *
 * @example
 * const pending = prepareChainHash(fieldsWithoutPosition);
 * const hash = pending.link("42", head.hash);
 */
export function prepareChainHash(fields: Omit<ChainFields, "seq">): {
  link(seq: string, prevHash: string): string;
} {
  const encoded = canonicalJson({ format: CHAIN_FORMAT, ...fields, seq: `${SLOT}s`, prevHash: `${SLOT}p` });
  // Keys are sorted, so `prevHash` comes before `seq`, each exactly once at the top level.
  const prevAt = encoded.indexOf(PREV_SLOT);
  const seqAt = encoded.indexOf(SEQ_SLOT, prevAt + PREV_SLOT.length);
  const head = encoded.slice(0, prevAt);
  const middle = encoded.slice(prevAt + PREV_SLOT.length, seqAt);
  const tail = encoded.slice(seqAt + SEQ_SLOT.length);
  return {
    link: (seq, prevHash) =>
      createHash("sha256")
        .update(head)
        .update(JSON.stringify(prevHash))
        .update(middle)
        .update(JSON.stringify(seq))
        .update(tail)
        .digest("hex"),
  };
}
