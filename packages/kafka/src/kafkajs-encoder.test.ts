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
