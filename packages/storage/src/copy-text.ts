/** A column value of a COPY row: what PostgreSQL's text input reads for the column's type. */
export type CopyValue = string | number | bigint | boolean | null | undefined;

/** COPY's text format escapes these four characters; nothing else (a NUL cannot be in text at all). */
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * The rows as the body of `COPY table (columns) FROM STDIN` in text format: one line per row, one
 * tab-separated field per column getter, `\N` for null and undefined, backslash escapes for
 * backslash, newline, carriage return and tab (so a jsonb column may carry any JSON text).
 * Booleans are written `t`/`f`.
 *
 * @example
 * const text = copyText(rows, [(r) => r.id, (r) => JSON.stringify(r.payload)]);
 * await tx.copyFrom("events", ["id", "payload"], text);
 */
export function copyText<R>(rows: readonly R[], columns: readonly ((row: R) => CopyValue)[]): string {
  let out = "";
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) out += "\t";
      out += copyField((columns[i] as (row: R) => CopyValue)(row));
    }
    out += "\n";
  }
  return out;
}

function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  const text = typeof value === "string" ? value : String(value);
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c] as string) : text;
}

/** `COPY table (columns) FROM <source>` for names this code controls; anything else is refused. */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  for (const name of [table, ...columns]) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name))
      throw new RangeError(`not a plain SQL name: ${JSON.stringify(name)}`);
  }
  if (columns.length === 0) throw new RangeError("COPY needs at least one column");
  return `COPY ${table} (${columns.join(", ")}) FROM ${source}`;
}
