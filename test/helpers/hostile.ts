import fc from "fast-check";

/** Strings that break naive code: control and format characters, surrogates, RTL, huge. */
export const EDGE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uFEFF",
  "\u202Eevil",
  "\uD800",
  "\uDFFF\uD800",
  "𝕏🇺🇦👩‍👩‍👧‍👦",
  "Z̸̢̛̖̪a̵̗̓l̶̰̿g̴̱̈́o̷̞̐",
  "\r\n\r\n",
  "%00",
  "%",
  "../../etc/passwd",
  "{tag}",
  "__proto__",
  "constructor",
  "prototype",
  "null",
  "NaN",
  "-1",
  "1e309",
  "9007199254740993",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "*",
  "\\",
] as const;

export const edgeString = fc.oneof(
  fc.constantFrom(...EDGE_STRINGS),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.integer({ min: 100, max: 70_000 }).map((n) => "x".repeat(n)),
);

const KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "id",
  "title",
  "description",
  "status",
  "visibility",
  "body",
  "headline",
  "author",
  "name",
  "pinned",
  "keyEvent",
  "breaking",
  "feedId",
  "since",
  "token",
] as const;

export const hostileKey = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 }));

/** Any JSON value (numbers beyond range, nested, odd strings). */
const leaf = fc.oneof(
  edgeString,
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 1.5, 2 ** 53, -(2 ** 31)),
);
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(hostileKey, tie("value"), { maxKeys: 5 }),
})).value;

/** JSON text of an object whose keys may be `__proto__`/`constructor` as literal keys. */
export const objectText = fc
  .array(fc.tuple(hostileKey, jsonValue), { maxLength: 8 })
  .map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`);

/** Payloads that look almost right: the real field names with wrong or extreme values. */
export const nearlyValidEntry = fc
  .record(
    {
      body: fc.oneof(edgeString, fc.constant("<p>fine</p>"), jsonValue),
      headline: fc.oneof(edgeString, jsonValue),
      id: fc.oneof(edgeString, fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,10}$/)),
      author: fc.oneof(fc.record({ name: edgeString }), jsonValue),
      pinned: jsonValue,
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));

function nested(depth: number, open: string, close: string): string {
  return open.repeat(depth) + close.repeat(depth);
}

/** A publish that should be accepted (so the fuzzer also walks the success path). */
export const validEntry = fc
  .record(
    {
      body: fc.string({ minLength: 1, maxLength: 60 }).filter((b) => b.trim().length > 0 && !b.includes("<")),
      headline: fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,30}$/),
    },
    { requiredKeys: ["body"] },
  )
  .map((o) => JSON.stringify(o));

/** Request bodies: JSON objects, near misses, deep nesting, prototype pollution, broken JSON. */
export const hostileBody = fc.oneof(
  validEntry,
  objectText,
  nearlyValidEntry,
  jsonValue.map((v) => JSON.stringify(v) ?? "null"),
  fc.integer({ min: 10, max: 30_000 }).map((d) => nested(d, "[", "]")),
  fc.integer({ min: 10, max: 10_000 }).map((d) => `${'{"a":'.repeat(d)}1${"}".repeat(d)}`),
  fc.constantFrom(
    '{"__proto__":{"polluted":"yes"},"body":"x"}',
    '{"constructor":{"prototype":{"polluted":"yes"}},"body":"x"}',
    '{"body":"x","__proto__":{"isAdmin":true}}',
    '{"id":"ok","title":"t","__proto__":{"polluted":"yes"}}',
    '{"body":"x","body":"y"}',
    '{"body":',
    "not json",
    "",
    "null",
    "[]",
    '"string"',
    "\uFEFF{}",
  ),
  fc.string({ maxLength: 60 }),
);

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
export const headerValue = fc.oneof(
  fc.string({ unit: printable, maxLength: 80 }),
  fc.integer({ min: 1000, max: 12_000 }).map((n) => "h".repeat(n)),
  fc.constantFrom("Bearer", "Bearer ", "bearer  x", "Basic YTpi", "Bearer a.b.c", "Bearer e30.e30.", "Bearer \t"),
);
