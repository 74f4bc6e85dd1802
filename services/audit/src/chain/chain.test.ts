import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical.js";
import { commitmentMatches, commitPersonalData, newSalt, newSalts } from "./commitment.js";
import { type ChainFields, chainHash, GENESIS_HASH, prepareChainHash } from "./hash-chain.js";

const fields: ChainFields = {
  chainDomain: "dom_hq",
  seq: "1",
  eventLogId: "el_1",
  domainId: "dom_hq",
  deviceId: "dev_1",
  success: true,
  occurredAt: "2026-11-23T08:00:00.000Z",
  recordedAt: "2026-11-23T08:00:01.000Z",
  receivedAt: "2026-11-23T08:00:02.000Z",
  delayMs: 1000,
  via: "webhook",
  payloadVersion: "1.0",
  payload: { id: "el_1", device: { id: "dev_1", name: "Front door" } },
  personalCommitment: "ab".repeat(32),
  kafkaTopic: "parakey.event-logs.v1",
  kafkaPartition: 0,
  kafkaOffset: "7",
  traceId: "0af7651916cd43dd8448eb211c80319c",
  firstSeenAt: "2026-11-23T08:00:03.000Z",
};

describe("canonicalJson", () => {
  it("encodes equal values identically whatever their key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[1,{"y":null,"z":0}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it("drops undefined members like JSON does and encodes dates as ISO strings", () => {
    expect(canonicalJson({ a: undefined, b: new Date("2026-01-01T00:00:00Z") })).toBe(
      '{"b":"2026-01-01T00:00:00.000Z"}',
    );
  });

  it("encodes every string, and every member name, exactly as JSON.stringify does", () => {
    const strings = [
      "",
      "plain ascii",
      'a "quote"',
      "back\\slash",
      "line\nbreak\ttab",
      "nul\u0000and\u001funit",
      "del\u007f and \u2028\u2029",
      "åäö ü 日本",
      "emoji 🔑 pair",
      "lone \ud800 high",
      "lone \udfff low",
    ];
    for (const text of strings) {
      expect(canonicalJson(text)).toBe(JSON.stringify(text));
      expect(canonicalJson({ [text]: text })).toBe(`{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
      // Twice: the second encoding of a member name comes from the remembered one.
      expect(canonicalJson({ [text]: [text] })).toBe(`{${JSON.stringify(text)}:[${JSON.stringify(text)}]}`);
    }
  });
});

describe("chainHash", () => {
  it("is a SHA-256 hex digest that depends on the previous hash", () => {
    const first = chainHash(fields, GENESIS_HASH);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(fields, first)).not.toBe(first);
  });

  it("changes when any covered field changes, including inside the payload", () => {
    const base = chainHash(fields, GENESIS_HASH);
    expect(chainHash({ ...fields, success: false }, GENESIS_HASH)).not.toBe(base);
    expect(chainHash({ ...fields, kafkaOffset: "8" }, GENESIS_HASH)).not.toBe(base);
    expect(chainHash({ ...fields, payload: { id: "el_1", device: { id: "dev_2" } } }, GENESIS_HASH)).not.toBe(
      base,
    );
  });

  it("does not depend on the key order of the payload (jsonb reorders keys)", () => {
    const reordered = { ...fields, payload: { device: { name: "Front door", id: "dev_1" }, id: "el_1" } };
    expect(chainHash(reordered, GENESIS_HASH)).toBe(chainHash(fields, GENESIS_HASH));
  });
});

describe("personal-data commitment", () => {
  const personal = { userId: "usr_ada", fields: { user: { id: "usr_ada", email: "ada@example.com" } } };

  it("matches the data it was made from, with its salt", () => {
    const salt = newSalt();
    const commitment = commitPersonalData(personal, salt);
    expect(commitmentMatches(personal, salt, commitment)).toBe(true);
  });

  it("does not match altered data", () => {
    const salt = newSalt();
    const commitment = commitPersonalData(personal, salt);
    const altered = { ...personal, userId: "usr_eve" };
    expect(commitmentMatches(altered, salt, commitment)).toBe(false);
  });

  it("is the HMAC-SHA-256 of the canonical data keyed by the salt, as stored rows were committed", () => {
    const long = { ...personal, fields: { user: { id: "usr_ada", name: "Ada ".repeat(40) } } };
    for (const data of [personal, long, { userId: null, fields: {} }]) {
      for (let i = 0; i < 20; i++) {
        const salt = newSalt();
        expect(commitPersonalData(data, salt)).toBe(
          createHmac("sha256", Buffer.from(salt, "hex")).update(canonicalJson(data)).digest("hex"),
        );
      }
    }
  });

  it("differs per row for the same person, so it cannot be looked up by guessing ids", () => {
    expect(commitPersonalData(personal, newSalt())).not.toBe(commitPersonalData(personal, newSalt()));
  });
});

describe("prepareChainHash", () => {
  it("links a row to exactly the hash chainHash gives it, whatever its position and previous hash", () => {
    const { seq: _seq, ...open } = fields;
    const pending = prepareChainHash(open);
    expect(pending.link("1", GENESIS_HASH)).toBe(chainHash(fields, GENESIS_HASH));
    const prev = chainHash(fields, GENESIS_HASH);
    expect(pending.link("12345678901", prev)).toBe(chainHash({ ...fields, seq: "12345678901" }, prev));
  });

  it("is not fooled by payload members named like the position fields", () => {
    const payload = { prevHash: "x", seq: "y", nested: { prevHash: "z", seq: 3 } };
    const { seq: _seq, ...open } = { ...fields, payload, traceId: null, domainId: null };
    expect(prepareChainHash(open).link("9", "ab".repeat(32))).toBe(
      chainHash({ ...open, seq: "9" }, "ab".repeat(32)),
    );
  });
});

describe("newSalts", () => {
  it("gives distinct salts of SALT_BYTES each, as newSalt does", () => {
    const salts = newSalts(50);
    expect(new Set(salts).size).toBe(50);
    for (const salt of salts) expect(salt).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("chain format 1", () => {
  it("hashes a row to the value rows stored before this release were chained with", () => {
    // Pinned from the implementation that stored the existing chains: a faster encoder must not move it.
    const payload = {
      id: "el_1",
      device: { id: "dev_1", name: "Front door" },
      tags: ["b", { z: 1, a: null }],
      é: "ü",
      skip: undefined,
    };
    const expected = "0e14fb6f8fd04658668649abe83fe2911985216e857daf5baa74c531d0da445e";
    expect(chainHash({ ...fields, payload }, GENESIS_HASH)).toBe(expected);
    const { seq: _seq, ...open } = { ...fields, payload };
    expect(prepareChainHash(open).link("1", GENESIS_HASH)).toBe(expected);
  });
});
