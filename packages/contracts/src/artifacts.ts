import {
  anonymousDoorEventJsonSchema,
  asyncApiDocument,
  checkInJsonSchema,
  doorEventJsonSchema,
} from "./asyncapi.js";

/** File name → content of every artifact generated from the contract. */
export function generatedArtifacts(): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    "door-event.v1.schema.json": json(doorEventJsonSchema()),
    "check-in.v1.schema.json": json(checkInJsonSchema()),
    "anonymous-door-event.v1.schema.json": json(anonymousDoorEventJsonSchema()),
    "asyncapi.json": json(asyncApiDocument()),
  };
}
