import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayLiteral } from "./array-literal.js";
import { PgliteDb } from "./pglite-db.js";

describe("arrayLiteral", () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await PgliteDb.open({ schema: "arrays" });
  });
  afterAll(() => db.close());

  it("reads back in PostgreSQL as exactly the values given, quotes, backslashes, braces, NULLs and all", async () => {
    const values = [
      "plain",
      "",
      " spaced ",
      'a "quote"',
      "back\\slash",
      'both \\" mixed',
      "{braces},commas",
      "NULL",
      null,
      "line\nbreak",
      "åäö 日本 🔑",
      JSON.stringify({ id: "el_1", name: 'Front "door"', path: "C:\\locks" }),
    ];
    const { rows } = await db.query<{ value: string | null }>(
      "SELECT value FROM unnest($1::text[]) WITH ORDINALITY AS u(value, n) ORDER BY n",
      [arrayLiteral(values)],
    );
    expect(rows.map((row) => row.value)).toEqual(values);
  });

  it("writes numbers, bigints and booleans as PostgreSQL reads them for their column types", async () => {
    const { rows } = await db.query<{ n: string; flag: boolean | null }>(
      "SELECT n::text AS n, flag FROM unnest($1::bigint[], $2::boolean[]) AS u(n, flag)",
      [arrayLiteral([1, 9007199254740993n, -5]), arrayLiteral([true, false, undefined])],
    );
    expect(rows).toEqual([
      { n: "1", flag: true },
      { n: "9007199254740993", flag: false },
      { n: "-5", flag: null },
    ]);
  });

  it("gives an empty array for no values", async () => {
    const { rows } = await db.query<{ n: number }>("SELECT cardinality($1::text[]) AS n", [arrayLiteral([])]);
    expect(rows).toEqual([{ n: 0 }]);
  });
});
