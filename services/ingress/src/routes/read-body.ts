import { createHash, type Hash } from "node:crypto";
import { Readable } from "node:stream";
import type { Context } from "hono";

/**
 * A request body read whole; or, over the limit, what is kept of it (its first bytes, its size and
 * SHA-256, for the rejected topic); or the fact that it is too large even to read through.
 */
export type BodyRead =
  | { ok: true; body: Uint8Array }
  | { ok: false; reason: "too_large"; prefix: Uint8Array; bytes: number; sha256: string }
  | { ok: false; reason: "unbounded" };

export interface BodyLimits {
  /** The largest body handled as an event log. */
  maxBytes: number;
  /**
   * A larger body is still read through, up to this many bytes, to store its prefix, size and
   * digest (Parakey retries a 413 and then drops the delivery: it would be stored nowhere). Beyond
   * it the request gets 413 and nothing is read further: a body that size is not an event log, and
   * the bridge does not spend unbounded work on it.
   */
  readThroughBytes: number;
  /** How many of an oversized body's first bytes are kept. */
  prefixBytes: number;
}

/**
 * Reads the exact request bytes, up to `maxBytes`; see `BodyLimits` for larger bodies. A
 * `Content-Length` over `readThroughBytes` is refused before anything is read.
 *
 * Served by @hono/node-server, the bytes come straight from Node's `IncomingMessage`: going through
 * `c.req.arrayBuffer()` (or touching `c.req.raw.body`) makes the adapter build a full fetch `Request`
 * with an `AbortController` and a web stream over the socket, which was the largest per-request cost
 * of the ingress after Kafka's own encoding (about 12 % of its CPU at 5 000 requests/s). An unread
 * remainder (413) is drained by the adapter after the answer. In-process (`app.request()`, no
 * `incoming`) the fetch body is read with the same limits.
 *
 * @example
 * const read = await readBody(c, { maxBytes: 262_144, readThroughBytes: 4_194_304, prefixBytes: 16_384 });
 * if (!read.ok && read.reason === "unbounded") return errorResponse(c, "payload_too_large", "…");
 */
export async function readBody(c: Context, limits: BodyLimits): Promise<BodyRead> {
  const declared = declaredLength(c);
  if (declared !== undefined && declared > limits.readThroughBytes) return { ok: false, reason: "unbounded" };
  const incoming = untouchedIncoming(c);
  const collector = new BodyCollector(limits);
  if (incoming) await readNodeStream(incoming, collector);
  else await readWebStream(c, collector);
  return collector.result();
}

/** Keeps the bytes up to the limit; past it, only the prefix, the count and a running SHA-256. */
class BodyCollector {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private hash: Hash | undefined;
  private prefix: Uint8Array | undefined;

  constructor(private readonly limits: BodyLimits) {}

  /** Takes a chunk; false once the body is past `readThroughBytes` (stop reading). */
  add(chunk: Uint8Array): boolean {
    this.size += chunk.byteLength;
    if (this.size > this.limits.readThroughBytes) return false;
    if (this.hash) {
      this.hash.update(chunk);
      return true;
    }
    this.chunks.push(chunk);
    if (this.size > this.limits.maxBytes) {
      // Over the limit: from here on only the digest grows; the prefix is cut once.
      const read = Buffer.concat(this.chunks, this.size);
      this.hash = createHash("sha256").update(read);
      this.prefix = read.subarray(0, this.limits.prefixBytes);
      this.chunks = [];
    }
    return true;
  }

  result(): BodyRead {
    if (this.size > this.limits.readThroughBytes) return { ok: false, reason: "unbounded" };
    if (this.hash && this.prefix) {
      return {
        ok: false,
        reason: "too_large",
        prefix: this.prefix,
        bytes: this.size,
        sha256: this.hash.digest("hex"),
      };
    }
    const body =
      this.chunks.length === 1 ? (this.chunks[0] as Uint8Array) : Buffer.concat(this.chunks, this.size);
    return { ok: true, body };
  }
}

/** `Content-Length`, when it decides the size (as in Hono's bodyLimit: not with Transfer-Encoding). */
function declaredLength(c: Context): number | undefined {
  const length = c.req.header("content-length");
  if (length === undefined || c.req.header("transfer-encoding") !== undefined) return undefined;
  return Number.parseInt(length, 10) || 0;
}

/** Node's request stream, unless something already started reading it (then the fetch body is used). */
function untouchedIncoming(c: Context): Readable | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (!(incoming instanceof Readable)) return undefined;
  if (incoming.readableDidRead || incoming.readableEnded || incoming.listenerCount("data") > 0) {
    return undefined;
  }
  return incoming;
}

function readNodeStream(stream: Readable, collector: BodyCollector): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      if (!collector.add(chunk)) {
        done();
        resolve();
      }
    };
    const onEnd = () => {
      done();
      resolve();
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    // The client went away before the body was complete.
    const onClose = () => onError(new Error("request body incomplete: connection closed"));
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("error", onError);
    stream.once("close", onClose);
  });
}

async function readWebStream(c: Context, collector: BodyCollector): Promise<void> {
  const stream = c.req.raw.body;
  if (!stream) return;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (!collector.add(value)) {
      await reader.cancel();
      return;
    }
  }
}
