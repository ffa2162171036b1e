import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { io as connect, type Socket } from "socket.io-client";
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { performance } from "node:perf_hooks";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { buildOpenApi } from "@liveline/server";
import { assertPublicUrl } from "@liveline/outputs";
import type { Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/** Hostile input is harmless: bad input gets a 4xx with a code, stores nothing, crashes nothing. */
const fx = useStack();
const stack = (): Stack => fx.stack;
let probe: Redis;

beforeAll(async () => {
  probe = new Redis(fx.redis.url);
  await stack().api.createFeed("bad");
  await stack().api.publish("bad", { id: "known", body: "exists" });
  // Fingerprints below must not race the seed entry being applied.
  await waitFor(async () => (await stack().store.currentSeq("bad")) === 1, "seed entry applied");
  // … nor the output pipeline walking it (its cursor, its lock).
  const out = stack().store.keys.outputs();
  await waitFor(
    async () =>
      (await probe.zscore(out.cursors, "bad")) === "1" && (await probe.exists(out.feed("bad").walkLock)) === 0,
    "the outputs to pass the seed entry",
  );
});
afterAll(() => {
  probe?.disconnect();
});

/**
 * A fingerprint of everything Liveline keeps for the feed (ignoring BullMQ bookkeeping and the
 * rate-limit counters, which count refused writes too).
 */
async function state(): Promise<string> {
  const counters = (["publish", "connect"] as const).map((kind) => stack().store.keys.rateLimit(kind, ""));
  const keys = (await probe.keys(`${stack().keyPrefix}*`))
    .filter((k) => !k.includes("bull}") && !counters.some((c) => k.startsWith(c)))
    .sort();
  const parts = await Promise.all(keys.map(async (k) => `${k}=${JSON.stringify(await probe.dump(k))}`));
  return parts.join("\n");
}

const big = "x".repeat(70 * 1024);
const cases: {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  token?: string | null;
  status: number;
  code: string;
}[] = [
  {
    name: "missing body field",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { headline: "no body" },
    status: 400,
    code: "validation_failed",
  },
  {
    name: "wrong type",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { body: 42 },
    status: 400,
    code: "validation_failed",
  },
  {
    name: "unknown field",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { body: "x", admin: true },
    status: 400,
    code: "validation_failed",
  },
  {
    name: "body that sanitizes to nothing",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { body: "<script>alert(1)</script>" },
    status: 400,
    code: "validation_failed",
  },
  {
    name: "bad entry id",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { id: "../../etc", body: "x" },
    status: 400,
    code: "validation_failed",
  },
  {
    name: "bad feed id",
    method: "POST",
    path: "/v1/feeds",
    body: { id: "Not A Slug!", title: "t" },
    status: 400,
    code: "validation_failed",
  },
  {
    name: "malformed JSON",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: "{bad json",
    status: 400,
    code: "invalid_json",
  },
  {
    name: "not JSON",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: "body=x",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "too large",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { body: big },
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "no token",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { body: "x" },
    token: null,
    status: 401,
    code: "unauthorized",
  },
  {
    name: "wrong token",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { body: "x" },
    token: "wrong-token-wrong-token",
    status: 401,
    code: "unauthorized",
  },
  {
    name: "unknown feed",
    method: "POST",
    path: "/v1/feeds/nope/entries",
    body: { body: "x" },
    status: 404,
    code: "feed_not_found",
  },
  {
    name: "unknown entry edit",
    method: "PATCH",
    path: "/v1/feeds/bad/entries/nope",
    body: { body: "x" },
    status: 404,
    code: "entry_not_found",
  },
  {
    name: "unknown entry delete",
    method: "DELETE",
    path: "/v1/feeds/bad/entries/nope",
    status: 404,
    code: "entry_not_found",
  },
  {
    name: "empty edit",
    method: "PATCH",
    path: "/v1/feeds/bad/entries/known",
    body: {},
    status: 400,
    code: "validation_failed",
  },
  {
    name: "bad status",
    method: "PATCH",
    path: "/v1/feeds/bad",
    body: { status: "paused" },
    status: 400,
    code: "validation_failed",
  },
  { name: "bad since", method: "GET", path: "/v1/feeds/bad/events?since=-1", status: 400, code: "validation_failed" },
  { name: "missing since", method: "GET", path: "/v1/feeds/bad/events", status: 400, code: "validation_failed" },
  {
    name: "bad limit",
    method: "GET",
    path: "/v1/feeds/bad/entries?limit=1000",
    status: 400,
    code: "validation_failed",
  },
  {
    name: "bad Idempotency-Key",
    method: "POST",
    path: "/v1/feeds/bad/entries",
    body: { body: "x" },
    headers: { "idempotency-key": "".padEnd(300, "k") },
    status: 400,
    code: "validation_failed",
  },
  { name: "unknown route", method: "GET", path: "/v1/nothing", status: 404, code: "route_not_found" },
  {
    name: "unknown entry read",
    method: "GET",
    path: "/v1/feeds/bad/entries/nope",
    status: 404,
    code: "entry_not_found",
  },
  { name: "unknown feed read", method: "GET", path: "/v1/feeds/nope", status: 404, code: "feed_not_found" },
];

describe("bad input over HTTP", () => {
  it.each(cases)("$name → $status $code, nothing stored", async (c) => {
    const before = await state();
    const api = c.token === undefined ? stack().api : stack().api.as(c.token);
    const res = await api.request(c.method, c.path, c.body, c.headers);
    expect(res.status).toBe(c.status);
    expect(res.body).toMatchObject({ error: { code: c.code, message: expect.any(String) as string } });
    expect(await state()).toBe(before);
  });

  it("lists every invalid field in details", async () => {
    const res = await stack().api.publish("bad", { body: 1, pinned: "yes", author: { name: "" } });
    const details = (res.body as unknown as { error: { details: { path: string }[] } }).error.details
      .map((d) => d.path)
      .sort();
    expect(details).toEqual(["author.name", "body", "pinned"]);
  });

  // Raw JSON text: the escape reaches the server exactly as written (it was once accepted
  // with 202 and then wedged the feed, because the apply script's cjson cannot decode it).
  const LONE = "x\\ud800";
  it.each([
    { method: "POST", path: "/v1/feeds/bad/entries", json: `{"body":"${LONE}"}`, field: "body" },
    { method: "POST", path: "/v1/feeds/bad/entries", json: `{"body":"ok","headline":"${LONE}"}`, field: "headline" },
    { method: "POST", path: "/v1/feeds/bad/entries", json: `{"id":"${LONE}","body":"ok"}`, field: "id" },
    {
      method: "POST",
      path: "/v1/feeds/bad/entries",
      json: `{"body":"ok","author":{"name":"\\udfff${LONE}"}}`,
      field: "author.name",
    },
    { method: "PATCH", path: "/v1/feeds/bad/entries/known", json: `{"body":"${LONE}"}`, field: "body" },
    { method: "PATCH", path: "/v1/feeds/bad/entries/known", json: `{"headline":"${LONE}"}`, field: "headline" },
    { method: "PATCH", path: "/v1/feeds/bad", json: `{"title":"${LONE}"}`, field: "title" },
    { method: "PATCH", path: "/v1/feeds/bad", json: `{"description":"${LONE}"}`, field: "description" },
    {
      method: "POST",
      path: "/v1/feeds",
      json: `{"id":"new","title":"t","description":"${LONE}"}`,
      field: "description",
    },
  ])("refuses $method $path with an unpaired surrogate in $field, naming it", async (c) => {
    const before = await state();
    const res = await stack().api.request(c.method, c.path, c.json);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: {
        code: "validation_failed",
        // An id also fails its pattern; the well-formedness issue is listed either way.
        details: expect.arrayContaining([{ path: c.field, message: expect.stringMatching(/well-formed/) as string }]),
      },
    });
    expect(await state()).toBe(before);
  });

  it("keeps serving afterwards", async () => {
    expect((await stack().api.request("GET", "/healthz")).status).toBe(200);
  });
});

/**
 * The document and the server agree: what /openapi.json lets a client send is accepted, what it
 * refuses is refused (the classes an outside fuzzer found where they differed).
 */
describe("what /openapi.json promises about input", () => {
  const doc = buildOpenApi() as unknown as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { schema: unknown }> }; responses: object }>
    >;
  };
  const bodySchema = (path: string, method: string): Record<string, unknown> =>
    doc.paths[path]?.[method]?.requestBody?.content["application/json"]?.schema as Record<string, unknown>;

  it("refuses a query parameter it does not declare", async () => {
    for (const path of ["/v1/feeds/bad/entries?limit=1&befor=3", "/v1/feeds/bad/events?since=0&sinse=1"]) {
      const res = await stack().api.request("GET", path);
      expect([res.status, res.body]).toMatchObject([400, { error: { code: "validation_failed" } }]);
    }
  });

  it("says an update needs a field (minProperties), as the server does", async () => {
    expect(bodySchema("/v1/feeds/{feedId}", "patch")).toMatchObject({ minProperties: 1 });
    expect(bodySchema("/v1/feeds/{feedId}/entries/{entryId}", "patch")).toMatchObject({ minProperties: 1 });
    const res = await stack().api.request("PATCH", "/v1/feeds/bad", {});
    expect(res.status).toBe(400);
  });

  it("states the avatar and embed URL rules as patterns that refuse and accept what the server does", async () => {
    const entry = bodySchema("/v1/feeds/{feedId}/entries", "post") as {
      properties: {
        author: { properties: { avatarUrl: { pattern: string } } };
        embeds: { items: { properties: { url: { pattern: string } } } };
      };
    };
    const avatar = new RegExp(entry.properties.author.properties.avatarUrl.pattern);
    const embed = new RegExp(entry.properties.embeds.items.properties.url.pattern);
    const cases: [string, "avatar" | "embed", string][] = [
      ["", "avatar", "an empty avatar URL"],
      ["http://example.com/a.png", "avatar", "an http avatar"],
      ["/media/../etc/passwd", "avatar", "a path walking out of /media/"],
      ["https://com", "embed", "an embed host without a dot"],
      ["https://example.com/a b", "embed", "an embed URL with a space"],
    ];
    for (const [url, kind, what] of cases) {
      expect(kind === "avatar" ? avatar.test(url) : embed.test(url), what).toBe(false);
      const body =
        kind === "avatar" ? { body: "x", author: { name: "A", avatarUrl: url } } : { body: "x", embeds: [{ url }] };
      expect((await stack().api.publish("bad", body)).status, what).toBe(400);
    }
    expect(avatar.test("https://cdn.example.com/a.png") && avatar.test("/media/abc/480.webp")).toBe(true);
    expect(embed.test("https://www.youtube.com/watch?v=abc")).toBe(true);
  });

  it("answers 404 media_not_found for a media id that names no upload, naming its index", async () => {
    const res = await stack().api.publish("bad", {
      body: "x",
      media: [{ id: "0b0c6a52-3c1e-4a8e-9f3a-2d6f1c7e5b10", alt: "a" }],
    });
    expect([res.status, res.body]).toMatchObject([
      404,
      { error: { code: "media_not_found", details: [{ path: "media.0.id" }] } },
    ]);
  });

  it("registers a webhook whose host does not resolve (checked again on every delivery), not one that is private", async () => {
    const unresolved = await stack().api.request("POST", "/v1/webhooks", { url: "https://hooks.example.invalid/in" });
    expect(unresolved.status).toBe(201);
    // A well-formed URL this service will not send to: refused by rule (403), not as malformed.
    for (const url of ["https://127.0.0.1/in", "https://localhost/in", "http://hooks.example.com/in"]) {
      const refused = await stack().api.request("POST", "/v1/webhooks", { url });
      expect([url, refused.status, refused.body], url).toMatchObject([
        url,
        403,
        { error: { code: "destination_not_allowed", details: [{ path: "url" }] } },
      ]);
    }
  });

  /** The request body schema of an operation in /openapi.json, compiled as a client's validator would. */
  const validatorOf = (path: string, method: string, type = "application/json") => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const op = doc.paths[path]?.[method];
    return ajv.compile(op?.requestBody?.content[type]?.schema as object);
  };

  it("declares 412 where If-Match can fail, and answers it for an ETag that is not the entry's", async () => {
    for (const method of ["patch", "delete"]) {
      expect(doc.paths["/v1/feeds/{feedId}/entries/{entryId}"]?.[method]?.responses, method).toHaveProperty("412");
    }
    const stale = { "if-match": '"I[_OQ"' };
    const patch = await stack().api.request("PATCH", "/v1/feeds/bad/entries/known", { pinned: false }, stale);
    expect([patch.status, patch.body]).toMatchObject([412, { error: { code: "revision_conflict" } }]);
    const del = await stack().api.request("DELETE", "/v1/feeds/bad/entries/known", undefined, stale);
    expect([del.status, del.body]).toMatchObject([412, { error: { code: "revision_conflict" } }]);
  });

  it('states that `status: "published"` and `publishAt` do not go together, as the server refuses it', async () => {
    const valid = validatorOf("/v1/feeds/{feedId}/entries", "post");
    const both = { body: "x", status: "published", publishAt: "2000-01-01T00:00:00Z" };
    expect(valid(both)).toBe(false);
    expect(valid({ body: "x", status: "draft", publishAt: "2000-01-01T00:00:00Z" })).toBe(true);
    expect(valid({ body: "x", status: "published" })).toBe(true);
    const res = await stack().api.publish("bad", both);
    expect([res.status, res.body]).toMatchObject([400, { error: { code: "validation_failed" } }]);
  });

  it("states that text fields may not be blank, as the server refuses them", async () => {
    const valid = validatorOf("/v1/feeds/{feedId}/entries/{entryId}", "delete");
    expect(valid({ reason: "\u000b" })).toBe(false);
    expect(valid({ reason: "\ufeff \u3000" })).toBe(false);
    expect(valid({ reason: "typo" })).toBe(true);
    const res = await stack().api.request("DELETE", "/v1/feeds/bad/entries/known", { reason: "\u000b" });
    expect([res.status, res.body]).toMatchObject([400, { error: { code: "validation_failed" } }]);
  });

  it("says an account update needs a field (minProperties), as the server does", async () => {
    expect(bodySchema("/v1/users/{userId}", "patch")).toMatchObject({ minProperties: 1 });
    const res = await stack().api.request("PATCH", "/v1/users/u_0000000000000000000000", {});
    expect([res.status, res.body]).toMatchObject([400, { error: { code: "validation_failed" } }]);
  });

  it("states the email rule as a pattern alone (no format whose checkers disagree with it)", () => {
    const email = (bodySchema("/v1/users", "post").properties as { email: Record<string, unknown> }).email;
    expect(email).not.toHaveProperty("format");
    expect(email).toHaveProperty("pattern");
  });

  it("answers 404 reset_link_invalid for a password-reset token no link carries", async () => {
    const res = await stack()
      .api.as(null)
      .request("POST", "/v1/password-reset", { token: "0".repeat(43), password: "a long enough one" });
    expect([res.status, res.body]).toMatchObject([404, { error: { code: "reset_link_invalid" } }]);
  });

  describe("an upload without its file", () => {
    const form = (parts: string[]) => {
      const boundary = "b0undary";
      const text = parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + `--${boundary}--\r\n`;
      return [text, { "content-type": `multipart/form-data; boundary=${boundary}` }] as const;
    };
    const field = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;

    it("declares the file part's Content-Type, so clients send it as a file", () => {
      const media = doc.paths["/v1/media"]?.post?.requestBody?.content["multipart/form-data"] as unknown as {
        encoding?: Record<string, { contentType: string }>;
      };
      expect(media.encoding).toEqual({ file: { contentType: "application/octet-stream" } });
    });

    it.each([
      ["no body at all", undefined, {}, /no form/],
      ["a form with no file part", ...form([field("alt", "A photo")]), /no 'file' part/],
      ["a file sent as a text field", ...form([field("file", "GIF89a")]), /as a file/],
      [
        "a blank caption",
        ...form([
          field("caption", " "),
          'Content-Disposition: form-data; name="file"; filename="a.gif"\r\nContent-Type: image/gif\r\n\r\nGIF89a',
        ]),
        /form fields/,
      ],
    ] as const)("answers 400 validation_failed to %s", async (_name, body, headers, message) => {
      const before = await state();
      const res = await stack().api.request("POST", "/v1/media", body, headers);
      expect([res.status, res.body]).toMatchObject([
        400,
        { error: { code: "validation_failed", message: expect.stringMatching(message) as string } },
      ]);
      expect(await state()).toBe(before);
    });
  });
});

describe("a registration whose name servers do not answer", () => {
  it("is not held past the resolver's time, and is not refused (every delivery checks again)", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const resolver = new Resolver({ timeout: 300, tries: 1 });
      resolver.setServers([`127.0.0.1:${silent.address().port}`]);
      const started = performance.now();
      await expect(assertPublicUrl(new URL("https://hooks.example.com/in"), false, resolver)).resolves.toBeUndefined();
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });
});

describe("bad input over Socket.IO", () => {
  let socket: Socket;
  beforeAll(() => {
    socket = connect(stack().url, { transports: ["websocket"] });
  });
  afterAll(() => {
    socket.close();
  });

  const ask = (event: "subscribe" | "unsubscribe", payload: unknown) =>
    new Promise<unknown>((resolve) => socket.emit(event, payload, resolve));

  it.each([
    ["no payload", undefined, "validation_failed"],
    ["a string", "bad", "validation_failed"],
    ["a bad feed id", { feedId: "BAD ID" }, "validation_failed"],
    ["a negative since", { feedId: "bad", since: -4 }, "validation_failed"],
    ["extra keys", { feedId: "bad", __proto__: { x: 1 }, evil: true }, "validation_failed"],
    ["an unknown feed", { feedId: "nope" }, "feed_not_found"],
  ])("subscribe with %s gets an error ack", async (_name, payload, code) => {
    expect(await ask("subscribe", payload)).toMatchObject({ ok: false, error: { code } });
  });

  it("unsubscribe with a bad payload gets an error ack, and the socket still works", async () => {
    expect(await ask("unsubscribe", 12)).toMatchObject({ ok: false, error: { code: "validation_failed" } });
    expect(await ask("subscribe", { feedId: "bad" })).toMatchObject({ ok: true, reset: true });
  });
});
