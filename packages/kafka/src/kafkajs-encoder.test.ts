import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

// kafkajs's protocol encoder as patched (patches/kafkajs@2.2.4.patch): pooled buffers and varints
// written in place. Records, their headers and batches are built from these writes, so a wrong byte
// here corrupts every produce; checked against the wire format (zig-zag LEB128) and kafkajs's decoder.
const require = createRequire(import.meta.url);
const Encoder = require("kafkajs/src/protocol/encoder") as new () => KafkaEncoder;
const Decoder = require("kafkajs/src/protocol/decoder") as new (buffer: Buffer) => KafkaDecoder;

const encodeRecord = require("kafkajs/src/protocol/recordBatch/record/v0") as (
  record: RecordInput,
) => KafkaEncoder;
const Header = require("kafkajs/src/protocol/recordBatch/header/v0") as (header: {
  key: string;
  value: Buffer | string;
}) => KafkaEncoder;

interface RecordInput {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | string[]>;
}

interface KafkaEncoder {
  writeVarInt(value: number): KafkaEncoder;
  writeUVarInt(value: number): KafkaEncoder;
  writeVarLong(value: number): KafkaEncoder;
  writeVarIntString(value: string): KafkaEncoder;
  writeVarIntBytes(value: Buffer): KafkaEncoder;
  writeInt32(value: number): KafkaEncoder;
  writeInt8(value: number): KafkaEncoder;
  writeVarIntArray(value: KafkaEncoder[]): KafkaEncoder;
  buffer: Buffer;
}

interface KafkaDecoder {
  readVarInt(): number;
  readUVarInt(): number;
  readVarLong(): { toString(): string };
  readVarIntString(): string;
  readVarIntBytes(): Buffer;
  readInt32(): number;
}

/** Unsigned LEB128, as the Kafka protocol specifies varints (reference, one byte at a time). */
function leb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}

const zigZag = (value: number) => ((value << 1) ^ (value >> 31)) >>> 0;

/** Zig-zag LEB128 of a 64-bit value (reference, with BigInt). */
function varLong(value: bigint): number[] {
  let rest = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (rest >= 0x80n) {
    bytes.push(Number((rest & 0x7fn) | 0x80n));
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

const signed = [
  0,
  1,
  -1,
  63,
  -64,
  64,
  -65,
  8191,
  -8192,
  8192,
  1_048_575,
  -1_048_576,
  2 ** 31 - 1,
  -(2 ** 31),
];
const unsigned = [
  0,
  1,
  127,
  128,
  16_383,
  16_384,
  2_097_151,
  2_097_152,
  268_435_455,
  268_435_456,
  2 ** 32 - 1,
];

describe("kafkajs's encoder (patched)", () => {
  it.each(unsigned)("writes the unsigned varint %d as LEB128 bytes", (value) => {
    expect([...new Encoder().writeUVarInt(value).buffer]).toEqual(leb128(value));
  });

  it.each(signed)("writes the signed varint %d zig-zag encoded, and reads it back", (value) => {
    const bytes = new Encoder().writeVarInt(value).buffer;
    expect([...bytes]).toEqual(leb128(zigZag(value)));
    expect(new Decoder(bytes).readVarInt()).toBe(value);
  });

  it.each([
    ...signed,
    2 ** 31,
    -(2 ** 31) - 1,
    1_765_000_000_000,
    -1_765_000_000_000,
    Number.MAX_SAFE_INTEGER,
  ])("writes the 64-bit varint %d zig-zag encoded, and reads it back", (value) => {
    const bytes = new Encoder().writeVarLong(value).buffer;
    expect([...bytes]).toEqual(varLong(BigInt(value)));
    expect(new Decoder(bytes).readVarLong().toString()).toBe(String(value));
  });

  it("keeps every earlier byte when a varint makes the buffer grow", () => {
    const encoder = new Encoder();
    const text = "é".repeat(300); // 600 bytes: past the initial 512
    const bytes = Buffer.alloc(70_000, 7);
    for (let i = 0; i < 200; i++)
      encoder
        .writeInt32(i)
        .writeVarInt(500 - i * 1_000)
        .writeVarIntString(text);
    encoder.writeVarIntBytes(bytes);
    const decoder = new Decoder(encoder.buffer);
    for (let i = 0; i < 200; i++) {
      expect(decoder.readInt32()).toBe(i);
      expect(decoder.readVarInt()).toBe(500 - i * 1_000);
      expect(decoder.readVarIntString()).toBe(text);
    }
    expect(decoder.readVarIntBytes().equals(bytes)).toBe(true);
  });

  it("encodes a record with headers to the bytes kafkajs's own Header encoders gave", () => {
    const headers = {
      ce_id: "el_1",
      ce_type: "com.parakey.eventlog.created",
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      many: ["a", "é".repeat(200)],
      bytes: Buffer.from([0, 1, 2, 255]),
    };
    const input = {
      offsetDelta: 3,
      timestampDelta: 17,
      key: Buffer.from("lock-1"),
      value: Buffer.alloc(1_500, 1),
      headers,
    };
    const flat = Object.entries(headers).flatMap(([key, value]) =>
      Array.isArray(value) ? value.map((v) => ({ key, value: v })) : [{ key, value }],
    );
    // The unpatched encoding: a Header encoder per header, written as a varint array.
    const body = new Encoder()
      .writeInt8(0)
      .writeVarLong(input.timestampDelta)
      .writeVarInt(input.offsetDelta)
      .writeVarIntBytes(input.key)
      .writeVarIntBytes(input.value)
      .writeVarIntArray(flat.map(Header)).buffer;
    const expected = Buffer.concat([new Encoder().writeVarInt(body.length).buffer, body]);
    expect(encodeRecord(input).buffer.equals(expected)).toBe(true);
  });
});

// kafkajs's record decoder as patched: headers gathered into one object in place (the original
// copied the object once per header) and offsets below 2^53 added as numbers instead of Longs.
const decodeRecord = require("kafkajs/src/protocol/recordBatch/record/v0/decoder") as (
  decoder: KafkaDecoder,
  context: { firstOffset: string; firstTimestamp: string; timestampType: number },
) => {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
};

/** A record's bytes as the broker stores them (the length prefix dropped, as the batch decoder does). */
function recordBytes(record: RecordInput): Buffer {
  const framed = new Decoder(encodeRecord(record).buffer);
  return framed.readVarIntBytes();
}

describe("kafkajs's record decoder (patched)", () => {
  const context = { firstOffset: "41", firstTimestamp: "1764979200000", timestampType: 0 };
  const decode = (record: RecordInput, at = context) => decodeRecord(new Decoder(recordBytes(record)), at);

  it("gives every header by name, a repeated one as an array in order, as kafkajs did", () => {
    const bytes = Buffer.concat([
      // Hand-built header list: three values under one name beside ordinary ones.
      (() => {
        const encoder = new Encoder();
        encoder.writeInt8(0).writeVarLong(5).writeVarInt(2).writeVarIntBytes(Buffer.from("dev_1"));
        encoder.writeVarIntBytes(Buffer.from("{}"));
        encoder.writeVarIntArray([
          Header({ key: "ce_id", value: "el_1" }),
          Header({ key: "tag", value: "a" }),
          Header({ key: "traceparent", value: "00-x" }),
          Header({ key: "tag", value: "b" }),
          Header({ key: "tag", value: "c" }),
        ]);
        return encoder.buffer;
      })(),
    ]);
    const decoded = decodeRecord(new Decoder(bytes), context);
    expect(decoded.offset).toBe("43");
    expect(decoded.timestamp).toBe("1764979200005");
    expect(decoded.key?.toString()).toBe("dev_1");
    expect(Object.keys(decoded.headers)).toEqual(["ce_id", "tag", "traceparent"]);
    expect(decoded.headers.ce_id).toEqual(Buffer.from("el_1"));
    expect(decoded.headers.tag).toEqual([Buffer.from("a"), Buffer.from("b"), Buffer.from("c")]);
  });

  it("keeps headers named like Object.prototype members as plain data, and never sets the prototype", () => {
    const decoded = decode({
      offsetDelta: 0,
      timestampDelta: 0,
      key: null,
      value: Buffer.from("{}"),
      // JSON.parse makes "__proto__" an own member, as a header of that name is on the wire.
      headers: JSON.parse('{"constructor":"c","toString":"t","__proto__":"p"}') as Record<string, string>,
    });
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
    expect(decoded.headers.constructor).toEqual(Buffer.from("c"));
    expect(decoded.headers.toString).toEqual(Buffer.from("t"));
    expect(Object.getOwnPropertyDescriptor(decoded.headers, "__proto__")?.value).toEqual(Buffer.from("p"));
  });

  it("adds offsets beyond 2^53 exactly (the Long path) and below it as numbers", () => {
    const record: RecordInput = { offsetDelta: 7, timestampDelta: 0, key: null, value: null, headers: {} };
    expect(decode(record).offset).toBe("48");
    expect(decode(record, { ...context, firstOffset: "9007199254740990" }).offset).toBe("9007199254740997");
    expect(decode(record, { ...context, firstOffset: "9223372036854775800" }).offset).toBe(
      "9223372036854775807",
    );
  });
});
