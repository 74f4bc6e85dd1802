import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { readBody } from "./read-body.js";

const LIMIT = 10;
const LIMITS = { maxBytes: LIMIT, readThroughBytes: 40, prefixBytes: 4 };

/** Echoes the bytes it read; what it kept of a body over the limit (299); 413 past the read-through. */
function echoApp() {
  const app = new Hono();
  app.post("/", async (c) => {
    const read = await readBody(c, LIMITS);
    if (read.ok) return c.body(Uint8Array.from(read.body).buffer, 200);
    if (read.reason === "too_large") {
      const { prefix, bytes, sha256 } = read;
      return c.json({ prefix: Buffer.from(prefix).toString("hex"), bytes, sha256 }, 299 as 200);
    }
    return c.text("too large", 413);
  });
  return app;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

const bytes = (...values: number[]) => new Uint8Array(values);

/** What @hono/node-server passes as `c.env.incoming`: Node's request stream. */
function nodeRequest(chunks: Uint8Array[], headers: Record<string, string> = {}) {
  const incoming = Readable.from(
    chunks.map((chunk) => Buffer.from(chunk)),
    { objectMode: false },
  );
  const request = new Request("http://ingress.test/", { method: "POST", headers });
  return { incoming, request };
}

describe("readBody from Node's request stream", () => {
  it("returns the exact bytes of a body sent in several chunks, including bytes that are not UTF-8", async () => {
    const { incoming, request } = nodeRequest([bytes(0x7b, 0xff), bytes(0xfe), bytes(0x7d)]);
    const res = await echoApp().request(request, undefined, { incoming });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes(0x7b, 0xff, 0xfe, 0x7d));
  });

  it("takes a body of exactly the limit", async () => {
    const { incoming, request } = nodeRequest([new Uint8Array(6), new Uint8Array(4)]);
    const res = await echoApp().request(request, undefined, { incoming });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(LIMIT);
  });

  it("keeps the prefix, size and SHA-256 of a streamed body over the limit", async () => {
    const chunks = [bytes(1, 2, 3, 4, 5, 6), bytes(7, 8, 9, 10, 11, 12), bytes(13, 14, 15)];
    const { incoming, request } = nodeRequest(chunks);
    const res = await echoApp().request(request, undefined, { incoming });
    expect(res.status).toBe(299);
    expect(await res.json()).toEqual({
      prefix: "01020304",
      bytes: 15,
      sha256: sha256(Buffer.concat(chunks)),
    });
  });

  it("stops reading a streamed body past the read-through bound", async () => {
    const { incoming, request } = nodeRequest(Array.from({ length: 10 }, () => new Uint8Array(6)));
    const res = await echoApp().request(request, undefined, { incoming });
    expect(res.status).toBe(413);
  });

  it("refuses a Content-Length over the read-through bound without reading the body", async () => {
    const { incoming, request } = nodeRequest([new Uint8Array(41)], { "content-length": "41" });
    const res = await echoApp().request(request, undefined, { incoming });
    expect(res.status).toBe(413);
    expect(incoming.readableDidRead).toBe(false);
  });

  it("reads the fetch body instead when something else already reads the Node stream", async () => {
    const { incoming } = nodeRequest([bytes(1, 2, 3)]);
    incoming.on("data", () => {});
    const request = new Request("http://ingress.test/", { method: "POST", body: bytes(4, 5) });
    const res = await echoApp().request(request, undefined, { incoming });
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes(4, 5));
  });

  it("fails when the connection closes before the body is complete", async () => {
    const incoming = new Readable({ read() {} });
    const app = new Hono();
    let failure: unknown;
    app.post("/", async (c) => {
      try {
        await readBody(c, LIMITS);
      } catch (error) {
        failure = error;
      }
      return c.text("done");
    });
    const answered = app.request("http://ingress.test/", { method: "POST" }, { incoming });
    incoming.push(Buffer.from("{"));
    incoming.destroy();
    await answered;
    expect(failure).toBeInstanceOf(Error);
  });
});

describe("readBody from the fetch body (in-process requests)", () => {
  it("returns the exact bytes", async () => {
    const res = await echoApp().request("/", { method: "POST", body: bytes(0x7b, 0xff, 0x7d) });
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes(0x7b, 0xff, 0x7d));
  });

  it("returns an empty body when there is none", async () => {
    const res = await echoApp().request("/", { method: "POST" });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("keeps the prefix, size and SHA-256 of a streamed body over the limit", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(6).fill(7));
        controller.enqueue(new Uint8Array(6).fill(7));
        controller.close();
      },
    });
    const res = await echoApp().request("/", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(299);
    expect(await res.json()).toEqual({
      prefix: "07070707",
      bytes: 12,
      sha256: sha256(new Uint8Array(12).fill(7)),
    });
  });
});
