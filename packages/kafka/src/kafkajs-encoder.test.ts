import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

// kafkajs's protocol encoder as patched (patches/kafkajs@2.2.4.patch): pooled buffers and varints
// written in place. Records, their headers and batches are built from these writes, so a wrong byte
// here corrupts every produce; checked against the wire format (zig-zag LEB128) and kafkajs's decoder.
const require = createRequire(import.meta.url);
const Encoder = require("kafkajs/src/protocol/encoder") as new () => KafkaEncoder;
const Decoder = require("kafkajs/src/protocol/decoder") as new (buffer: Buffer) => KafkaDecoder;

interface KafkaEncoder {
  writeVarInt(value: number): KafkaEncoder;
  writeUVarInt(value: number): KafkaEncoder;
  writeVarIntString(value: string): KafkaEncoder;
  writeVarIntBytes(value: Buffer): KafkaEncoder;
  writeInt32(value: number): KafkaEncoder;
  buffer: Buffer;
}

interface KafkaDecoder {
  readVarInt(): number;
  readUVarInt(): number;
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
});
