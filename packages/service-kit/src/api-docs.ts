import { readFileSync, writeFileSync } from "node:fs";
import { ERROR_CODE_NAMES, ERROR_CODES } from "./error-codes.js";

const BEGIN = "<!-- error-codes:begin (generated from ERROR_CODES by `pnpm generate`; do not edit) -->";
const END = "<!-- error-codes:end -->";

/**
 * The table of every error code, as docs/errors.md shows it between its markers.
 *
 * @example
 * errorCodeTable().split("\n")[0]; // "| code | HTTP status | retryable | meaning |"
 */
export function errorCodeTable(): string {
  const rows = ERROR_CODE_NAMES.map((code) => {
    const spec = ERROR_CODES[code];
    return `| \`${code}\` | ${spec.status} | ${spec.retryable ? "yes" : "no"} | ${spec.meaning.replaceAll("|", "\\|")} |`;
  });
  return ["| code | HTTP status | retryable | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

/** The generated part of a document: what stands between the markers, or undefined without them. */
export function generatedTableOf(markdown: string): string | undefined {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return markdown.slice(start + BEGIN.length, end).trim();
}

/** Rewrites the table between the markers of a Markdown file; the prose around it stays. */
export function writeErrorCodeTable(file: string): void {
  const markdown = readFileSync(file, "utf8");
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${BEGIN} … ${END} markers`);
  const rewritten = `${markdown.slice(0, start + BEGIN.length)}\n${errorCodeTable()}\n${markdown.slice(end)}`;
  writeFileSync(file, rewritten);
}

/** Writes an OpenAPI document as the committed files are formatted (2-space JSON, final newline). */
export function formatOpenApiDocument(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
