import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyStatement, copyText } from "./copy-text.js";
import { PgliteDb } from "./pglite-db.js";

const AWKWARD = [
  "plain",
  "",
  " spaced ",
  "tab\there",
  "line\nbreak",
  "carriage\rreturn",
  "back\\slash",
  "\\N",
  "\\.",
  'a "quote"',
  "åäö 日本 🔑",
  JSON.stringify({ id: "el_1", name: 'Front "door"\t\n', path: "C:\\locks" }),
];

describe("copyText", () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await PgliteDb.open({ schema: "copies" });
    await db.exec(
      "CREATE TABLE t (n integer PRIMARY KEY, value text, doc jsonb, flag boolean, big bigint, at timestamptz)",
    );
  });
  afterAll(() => db.close());

  it("reads back in PostgreSQL as exactly the values given: tabs, newlines, backslashes, \\N and all", async () => {
    const rows = AWKWARD.map((value, n) => ({ n, value }));
    const added = await db.copyFrom("t", ["n", "value"], copyText(rows, [(r) => r.n, (r) => r.value]));
    expect(added).toBe(AWKWARD.length);
    const { rows: back } = await db.query<{ value: string }>("SELECT value FROM t ORDER BY n");
    expect(back.map((row) => row.value)).toEqual(AWKWARD);
  });

  it("writes null and undefined as NULL, booleans, bigints and JSON as their columns read them", async () => {
    await db.exec("TRUNCATE t");
    const doc = { user: { name: "Ada\tLovelace\n" }, path: "C:\\doors", n: 1 };
    const rows = [
      {
        n: 1,
        value: null,
        doc: JSON.stringify(doc),
        flag: true,
        big: 9007199254740993n,
        at: "2026-12-06T05:00:00.123Z",
      },
      { n: 2, value: undefined, doc: null, flag: false, big: "-5", at: null },
    ];
    await db.copyFrom(
      "t",
      ["n", "value", "doc", "flag", "big", "at"],
      copyText(rows, [(r) => r.n, (r) => r.value, (r) => r.doc, (r) => r.flag, (r) => r.big, (r) => r.at]),
    );
    const { rows: back } = await db.query(
      "SELECT n, value, doc, flag, big::text AS big, to_json(at)#>>'{}' AS at FROM t ORDER BY n",
    );
    expect(back).toEqual([
      { n: 1, value: null, doc, flag: true, big: "9007199254740993", at: "2026-12-06T05:00:00.123+00:00" },
      { n: 2, value: null, doc: null, flag: false, big: "-5", at: null },
    ]);
  });

  it("fails the whole copy on a duplicate key and adds none of its rows", async () => {
    await db.exec("TRUNCATE t");
    await db.copyFrom("t", ["n"], copyText([{ n: 1 }], [(r) => r.n]));
    const error = await db
      .transaction((tx) => tx.copyFrom("t", ["n"], copyText([{ n: 2 }, { n: 1 }], [(r) => r.n])))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "db_query_failed", cause: { code: "23505", constraint: "t_pkey" } });
    const { rows } = await db.query<{ n: number }>("SELECT n FROM t ORDER BY n");
    expect(rows).toEqual([{ n: 1 }]);
  });
});

describe("copyStatement", () => {
  it("refuses a table or column name that is not a plain SQL name", () => {
    expect(copyStatement("audit_events", ["id", "doc"], "STDIN")).toBe(
      "COPY audit_events (id, doc) FROM STDIN",
    );
    expect(() => copyStatement("t; DROP TABLE x", ["id"], "STDIN")).toThrow(RangeError);
    expect(() => copyStatement("t", ["id\") FROM PROGRAM 'x' --"], "STDIN")).toThrow(RangeError);
    expect(() => copyStatement("t", [], "STDIN")).toThrow(RangeError);
  });
});
