import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { WebSocket } from "ws";
import { z } from "zod";
import { beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "@liveline/protocol";
import { buildOpenApi } from "@liveline/server";
import { checkAnswer } from "./helpers/contract.js";
import { startStack, TOKEN, type Api, type ApiResponse, type Stack } from "./helpers/stack.js";
import { JWT_SECRET, mint } from "./helpers/tokens.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The contract is exact. Every request below goes through `Api.request`,
 * which fails the test when an answer is not one /openapi.json declares (test/helpers/contract.ts);
 * these probes drive each kind of answer the document promises through every operation.
 */
// Webhooks to this machine are allowed: the probes register one (it is never reached).
// Its own Redis: the last test stops it.
// Single sign-on is configured with a provider that is not there: its routes answer what they
// declare (502 sso_failed, 400 sso_state_invalid) without one, and 503 without Redis.
const fx = useStack(
  {
    EDITOR_JWT_SECRET: JWT_SECRET,
    ALLOW_PRIVATE_OUTBOUND: "true",
    OIDC_ISSUER: "http://127.0.0.1:9",
    OIDC_CLIENT_ID: "contract",
    OIDC_REDIRECT_URL: "http://127.0.0.1:9/v1/session/oidc/callback",
    OIDC_DEFAULT_ROLE: "contributor",
  },
  { redis: "own" },
);
const stack = (): Stack => fx.stack;
const execFileAsync = promisify(execFile);

const Operation = z.looseObject({
  operationId: z.string(),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  parameters: z.array(z.looseObject({ name: z.string(), in: z.string(), schema: z.unknown() })).optional(),
  requestBody: z.unknown().optional(),
  responses: z.record(z.string(), z.unknown()),
});
const Doc = z.object({ paths: z.record(z.string(), z.record(z.string(), Operation)) });
interface Op {
  template: string;
  method: string;
  op: z.infer<typeof Operation>;
}
const doc = Doc.parse(buildOpenApi());
const ops: Op[] = Object.entries(doc.paths).flatMap(([template, byMethod]) =>
  Object.entries(byMethod).map(([method, op]) => ({ template, method: method.toUpperCase(), op })),
);
const api = (o: Op) => o.template.startsWith("/v1/");
const streams = (o: Op) => o.op.operationId === "streamEvents";
const forEditors = (o: Op) => o.op.security.some((s) => "editorToken" in s);
const isRead = (o: Op) => api(o) && o.method === "GET" && !forEditors(o);
const jsonBody = (o: Op) =>
  z.object({ content: z.record(z.string(), z.unknown()) }).safeParse(o.op.requestBody).data?.content[
    "application/json"
  ] !== undefined;

const pushSubscription = {
  endpoint: "https://push.example.com/send/contract",
  keys: { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) },
};
const device = { platform: "fcm", token: "contract-device" };

/** A valid body for each write, so a probe reaches the check it is aimed at. */
const SAMPLE_BODY: Record<string, unknown> = {
  createFeed: { id: "contract-new", title: "New" },
  updateFeed: { title: "Renamed" },
  publishEntry: { body: "sample" },
  updateEntry: { headline: "Corrected" },
  heartbeatPresence: { editing: "e1" },
  subscribeWebPush: pushSubscription,
  unsubscribeWebPush: { endpoint: pushSubscription.endpoint },
  registerDevice: device,
  removeDevice: device,
  createWebhook: { url: "http://127.0.0.1:9/contract-hook" },
  createUser: { email: "new@contract.example", name: "New", role: "editor" },
  updateUser: { name: "Renamed" },
  signIn: { email: "someone@contract.example", password: "contract password" },
  resetPassword: { token: "A".repeat(43), password: "contract password" },
};

/** Path values of things that exist (made in beforeAll); the uploaded image's set in beforeAll. */
const existing = {
  feedId: "open",
  entryId: "e1",
  mediaId: "",
  file: "",
  id: "",
  // Well-formed; no delivery has this id (the probes never need one that exists).
  deliveryId: `msg_${"A".repeat(26)}`,
  userId: "",
};
type Values = Partial<typeof existing>;

/** The operation's path with these values (else `existing`), plus the query it needs (`since` for catch-up). */
function url(o: Op, values: Values = {}): string {
  const all: Record<string, string> = { ...existing, ...values };
  const path = o.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = all[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${o.template}`);
    return value;
  });
  if (o.op.operationId === "finishSso") return `${path}?state=contract&code=contract`;
  return o.op.operationId === "listEvents" ? `${path}?since=0` : path;
}

/** Every path parameter of the operation set to `value`. */
function allParams(o: Op, value: string): Values {
  const values: Record<string, string> = {};
  for (const [, name] of o.template.matchAll(/\{(\w+)\}/g)) if (name !== undefined) values[name] = value;
  return values;
}

function call(client: Api, o: Op, path = url(o), headers: Record<string, string> = {}): Promise<ApiResponse> {
  const body = o.op.requestBody === undefined ? undefined : (SAMPLE_BODY[o.op.operationId] ?? {});
  return client.request(o.method, path, body, headers);
}

const codeOf = (r: ApiResponse): unknown => (r.body as { error?: { code?: unknown } } | undefined)?.error?.code;
const outcome = (o: Op, r: ApiResponse) => `${o.method} ${o.template} → ${r.status} ${String(codeOf(r))}`;

beforeAll(async () => {
  const editor = stack().api;
  expect((await editor.createFeed("open")).status).toBe(201);
  expect((await editor.request("POST", "/v1/feeds", { id: "closed", title: "C", visibility: "private" })).status).toBe(
    201,
  );
  for (const feed of ["open", "closed"])
    expect((await editor.publish(feed, { id: "e1", body: "one" })).status).toBe(202);
  await waitFor(async () => (await stack().store.currentSeq("closed")) === 1, "the entries applied");

  const form = new FormData();
  const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#c00" } })
    .png()
    .toBuffer();
  form.append("file", new Blob([new Uint8Array(image)], { type: "image/png" }), "dot.png");
  const uploaded = await fetch(`${stack().url}/v1/media`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(uploaded.status).toBe(201);
  const media = z
    .object({ id: z.string(), variants: z.array(z.object({ url: z.string() })) })
    .parse(await uploaded.json());
  existing.mediaId = media.id;
  existing.file = media.variants[0]?.url.split("/").at(-1) ?? "";

  const hook = await editor.request<{ id: string }>("POST", "/v1/webhooks", SAMPLE_BODY.createWebhook);
  expect(hook.status).toBe(201);
  existing.id = hook.body.id;

  const user = await editor.request<{ id: string }>("POST", "/v1/users", {
    ...(SAMPLE_BODY.createUser as object),
    email: "someone@contract.example",
    password: "contract password",
  });
  expect(user.status).toBe(201);
  existing.userId = user.body.id;
});

describe("/openapi.json", () => {
  it("is the document buildOpenApi() builds, and Redocly's linter finds no error or warning in it", async () => {
    const served = await stack().api.request("GET", "/openapi.json");
    expect(served.body).toEqual(buildOpenApi());
    const dir = await mkdtemp(join(tmpdir(), "liveline-openapi-"));
    try {
      const file = join(dir, "openapi.json");
      await writeFile(file, JSON.stringify(served.body, null, 2));
      const redocly = join(process.cwd(), "node_modules", ".bin", "redocly");
      const out = await execFileAsync(redocly, ["lint", file, "--config", "redocly.yaml"], {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? "", stderr: err.stderr ?? "" }));
      const text = `${out.stdout}\n${out.stderr}`;
      expect(text, text).toContain("Your API description is valid");
      expect(text, text).not.toMatch(/\d+ warnings?/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names every operation, declares the optional subscriber token on reads, and carries the limits", () => {
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of ops) {
      if (isRead(o)) expect(o.op.security, o.op.operationId).toEqual([{}, { subscriberToken: [] }]);
    }
    const params = (id: string) => ops.find((o) => o.op.operationId === id)?.op.parameters ?? [];
    const schemaOf = (id: string, name: string) => params(id).find((p) => p.name === name)?.schema;
    expect(schemaOf("listEntries", "limit")).toEqual({ type: "integer", minimum: 1, maximum: LIMITS.maxPageSize });
    expect(schemaOf("listEntries", "before")).toMatchObject({ type: "integer", minimum: 0 });
    expect(schemaOf("listEvents", "since")).toMatchObject({ type: "integer", minimum: 0 });
    // Last-Event-ID is `<epoch>:<seq>` (or a plain `<seq>`): documented as the text it is.
    const lastEventId = z
      .object({ type: z.literal("string"), pattern: z.string() })
      .parse(schemaOf("streamEvents", "Last-Event-ID"));
    expect(["q3Vx0bLc:42", "42", "q3Vx0bLc:", "a:b:1"].map((id) => new RegExp(lastEventId.pattern).test(id))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(schemaOf("streamEvents", "epoch")).toMatchObject({ type: "string" });
    expect(schemaOf("listEvents", "epoch")).toMatchObject({ type: "string" });
    expect(schemaOf("publishEntry", "Idempotency-Key")).toMatchObject({ maxLength: LIMITS.maxIdempotencyKeyChars });
  });
});

describe("the answer checker", () => {
  const answer = (status: number, body: unknown, type = "application/json") => ({
    method: "GET",
    path: "/v1/feeds/open/entries?limit=5",
    status,
    headers: new Headers({ "content-type": type }),
    text: JSON.stringify(body),
  });

  it("refuses an undeclared status, a body off its schema and an undeclared content type, naming the request", () => {
    expect(() => checkAnswer(answer(200, { entries: [] }))).not.toThrow();
    expect(() => checkAnswer(answer(418, {}))).toThrow(
      "contract mismatch: GET /v1/feeds/open/entries?limit=5 [GET /v1/feeds/{feedId}/entries (listEntries)] answered 418: status 418 is not declared",
    );
    expect(() => checkAnswer(answer(200, { entries: "none" }))).toThrow(/answered 200: the body does not match/);
    expect(() => checkAnswer(answer(200, { entries: [] }, "text/html"))).toThrow(/content-type "text\/html"/);
    expect(() => checkAnswer(answer(404, { error: { code: "feed_not_found" } }))).toThrow(
      /must have required property 'message'/,
    );
  });
});

describe("methods", () => {
  const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

  it("answers 405 with Allow for a known path asked with another method, before auth or body parsing", async () => {
    let probes = 0;
    for (const [template, byMethod] of Object.entries(doc.paths)) {
      const documented = Object.keys(byMethod).map((m) => m.toUpperCase());
      const expected = [...documented, ...(documented.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort();
      const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => (name === "feedId" ? "open" : "e1"));
      for (const method of METHODS.filter((m) => !documented.includes(m))) {
        // No token and a body that is not JSON: neither is looked at before the method.
        const r = await stack()
          .api.as(null)
          .request(method, path, method === "GET" ? undefined : "{not json");
        expect([r.status, codeOf(r)], `${method} ${path}`).toEqual([405, "method_not_allowed"]);
        expect(r.headers.get("allow")?.split(", ").sort(), `${method} ${path}`).toEqual(expected);
        probes += 1;
      }
    }
    expect(probes).toBeGreaterThan(40);
    const unknown = await stack().api.request("PUT", "/v1/nothing-here");
    expect([unknown.status, codeOf(unknown)]).toEqual([404, "route_not_found"]);
    expect((await stack().api.request("HEAD", "/v1/feeds/open")).status).toBe(200);
  });
});

describe("each status a route's kind promises is what it answers", () => {
  it("every GET but the stream, /metrics and the sign-on redirects answers 304 to If-None-Match with its ETag", async () => {
    const revalidated = (x: Op) => x.op.responses["304"] !== undefined;
    for (const o of ops.filter(
      (x) => x.method === "GET" && revalidated(x) && !streams(x) && x.op.operationId !== "getMetrics",
    )) {
      const first = await call(stack().api, o);
      const etag = first.headers.get("etag");
      expect(etag, `${o.template} has an ETag`).toBeTruthy();
      // As a CDN or an app revalidates. (fetch itself adds `Cache-Control: no-cache` to a
      // conditional request unless one is given, and Express answers that with the full body.)
      const again = await call(stack().api, o, url(o), { "if-none-match": etag ?? "", "cache-control": "max-age=0" });
      expect(again.status, o.template).toBe(304);
    }
  });

  it("a path parameter that is malformed or badly percent-encoded answers 400", async () => {
    for (const o of ops.filter((x) => x.template.includes("{"))) {
      for (const bad of ["%E0%A4%A", ...(api(o) ? ["Not%20A%20Slug!"] : [])]) {
        const r = await call(stack().api, o, url(o, allParams(o, bad)));
        expect(outcome(o, r), bad).toBe(`${o.method} ${o.template} → 400 validation_failed`);
      }
    }
  });

  it("a bearer token that is not valid is refused by every /v1 operation, even a public read", async () => {
    for (const o of ops.filter(api)) {
      const r = await call(stack().api.as("not-a-valid-token"), o);
      expect(outcome(o, r)).toBe(`${o.method} ${o.template} → 401 unauthorized`);
    }
  });

  it("writes refuse a body that is not JSON (415), too large (413) or unparseable (400)", async () => {
    for (const o of ops.filter((x) => x.op.requestBody !== undefined)) {
      const path = url(o);
      const asText = await stack().api.request(o.method, path, "title=x", { "content-type": "text/plain" });
      expect(outcome(o, asText)).toBe(`${o.method} ${o.template} → 415 unsupported_media_type`);
      // An upload (multipart) is refused any JSON at all, above; its size limit is MEDIA_MAX_BYTES.
      if (!jsonBody(o)) continue;
      const big = await stack().api.request(o.method, path, { body: "x".repeat(LIMITS.maxBodyBytes) });
      expect(outcome(o, big)).toBe(`${o.method} ${o.template} → 413 payload_too_large`);
      const broken = await stack().api.request(o.method, path, "{broken");
      expect(outcome(o, broken)).toBe(`${o.method} ${o.template} → 400 invalid_json`);
    }
  });

  // Was 401 without a token and 403 with one for another feed; since private feeds no longer
  // leak their existence (README "Security"), both hear what an unknown feed answers.
  it("every reader's operation on a private feed answers 404 feed_not_found without a token for it", async () => {
    const other = await mint({ sub: "app", scope: "read", feeds: ["open"] });
    const unknown = await call(
      stack().api.as(null),
      ops.find((x) => x.op.operationId === "getFeed") as Op,
      "/v1/feeds/nope",
    );
    const readerOps = ops.filter((x) => api(x) && !forEditors(x) && x.template.includes("{feedId}"));
    expect(readerOps.length).toBeGreaterThan(6);
    for (const o of readerOps) {
      for (const caller of [stack().api.as(null), stack().api.as(other)]) {
        const r = await call(caller, o, url(o, { feedId: "closed" }));
        expect(outcome(o, r)).toBe(`${o.method} ${o.template} → 404 feed_not_found`);
        expect(r.body).toEqual(JSON.parse(JSON.stringify(unknown.body).replaceAll("'nope'", "'closed'")) as unknown);
      }
    }
    const expired = await mint({ sub: "app", scope: "read", feeds: ["closed"], exp: 1 });
    const late = await stack().api.as(expired).request("GET", "/v1/feeds/closed");
    expect([late.status, codeOf(late)]).toEqual([401, "token_expired"]);
  });

  it("unknown feeds and entries answer 404 on every operation that names one", async () => {
    for (const o of ops.filter((x) => api(x) && x.template.includes("{feedId}"))) {
      const r = await call(stack().api, o, url(o, { feedId: "no-such-feed" }));
      expect(outcome(o, r)).toBe(`${o.method} ${o.template} → 404 feed_not_found`);
    }
    for (const o of ops.filter((x) => x.template.includes("{entryId}"))) {
      const r = await call(stack().api, o, url(o, { entryId: "no-such-entry" }));
      expect(outcome(o, r)).toBe(`${o.method} ${o.template} → 404 entry_not_found`);
    }
    const page = await stack().api.request("GET", "/feeds/closed");
    expect([page.status, page.headers.get("content-type")]).toEqual([404, "text/html; charset=utf-8"]);
  });

  it("every write past its rate limit (the token's, or a reader's address's) answers 429 with Retry-After", async () => {
    const limited = await startStack(fx.redis.url, { RATE_LIMIT_PUBLISHES: "1", RATE_LIMIT_CONNECTIONS: "1" });
    try {
      const writes = ops.filter((x) => api(x) && x.method !== "GET");
      expect(writes.filter((o) => !forEditors(o)).length).toBeGreaterThan(3);
      // Each spends the one request of its window: the editor token's, and this address's.
      expect((await limited.api.createFeed("limited")).status).toBe(201);
      const optIn = await limited.api
        .as(null)
        .request("DELETE", "/v1/feeds/limited/push/web", { endpoint: "https://x.example/1" });
      expect(optIn.status).toBe(204);
      for (const o of writes) {
        const r = await call(limited.api, o, url(o, { feedId: "limited" }));
        expect(outcome(o, r)).toBe(`${o.method} ${o.template} → 429 rate_limited`);
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    } finally {
      await limited.close();
    }
  });

  // Last: it stops this file's Redis (and starts it again).
  it("every /v1 operation answers 503 with Retry-After while Redis is away", async () => {
    // Who a static token is needs no Redis; who a session cookie is does: asked with the cookie.
    const signedIn = await stack().api.as(null).request("POST", "/v1/session", SAMPLE_BODY.signIn);
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^liveline_session=/);
    const callAs = (o: Op) =>
      o.op.operationId === "getSession" ? call(stack().api.as(null), o, url(o), { cookie }) : call(stack().api, o);
    await fx.redis.kill();
    try {
      // At once: each waits out the Redis client's retry before it fails.
      // Those that need no Redis (a file on disk, the configuration) say so by declaring no 503.
      const all = ops.filter((o) => api(o) && o.op.responses["503"] !== undefined);
      expect(all.length).toBeGreaterThan(25);
      const answers = await Promise.all(all.map(callAs));
      all.forEach((o, i) => {
        const r = answers[i];
        if (r === undefined) throw new Error(`no answer for ${o.template}`);
        expect(outcome(o, r)).toBe(`${o.method} ${o.template} → 503 unavailable`);
        expect(r.headers.get("retry-after")).toBe("1");
      });
      for (const o of ops.filter((x) => api(x) && x.op.responses["503"] === undefined)) {
        expect((await call(stack().api, o)).status, o.template).toBe(200);
      }
      expect((await stack().api.request("GET", "/feeds/open")).status).toBe(503);
      expect((await stack().api.request("GET", "/healthz")).status).toBe(503);
    } finally {
      await fx.redis.restart();
    }
    await waitFor(async () => (await stack().api.request("GET", "/readyz")).status === 200, "ready again");
  });
});

describe("Engine.IO protocol versions", () => {
  it("speaks Engine.IO v4 and refuses v3 (socket.io 2.x) clients with a clear answer", async () => {
    const v4 = await fetch(`${stack().url}/socket.io/?EIO=4&transport=polling`);
    expect(v4.status).toBe(200);
    expect(await v4.text()).toMatch(/^0\{"sid":/);

    const v3 = await fetch(`${stack().url}/socket.io/?EIO=3&transport=polling`);
    expect(v3.status).toBe(400);
    expect(await v3.json()).toEqual({ code: 5, message: "Unsupported protocol version" });

    const ws = new WebSocket(`${stack().url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    const refused = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      ws.once("unexpected-response", (_req, res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("close", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      // Without the check engine.io completes the upgrade and only then drops the socket.
      ws.once("open", () => reject(new Error("an Engine.IO v3 WebSocket upgrade was accepted")));
      ws.once("error", reject);
    });
    ws.terminate();
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("Unsupported protocol version: this server speaks Engine.IO 4");
  });
});
