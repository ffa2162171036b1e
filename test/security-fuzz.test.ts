import fc from "fast-check";
import { Redis } from "ioredis";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeString, headerValue, hostileBody, jsonValue, validEntry } from "./helpers/hostile.js";
import { TOKEN } from "./helpers/stack.js";
import { writtenOnTheServersClock } from "./helpers/shared-redis.js";
import { useStack } from "./helpers/use-stack.js";
import { JWT_SECRET, mint } from "./helpers/tokens.js";

/**
 * Property-based fuzzing of every HTTP route and socket event. The stack runs without a worker,
 * so the only way Redis can change is an accepted write: after any answer >= 400 the store must
 * be exactly as before (each feed's ticket and seq, and the number of keys).
 */
const { stack, redis } = useStack({
  ROLE: "server",
  EDITOR_JWT_SECRET: JWT_SECRET,
  RATE_LIMIT_PUBLISHES: "0",
  RATE_LIMIT_SUBSCRIBES: "0",
  RATE_LIMIT_CONNECTIONS: "0",
});
let probe: Redis;
const FEEDS = ["fz", "fz-private"];
const counts = { http: 0, httpAccepted: 0, socketEvents: 0, handshakes: 0 };
const statuses = new Map<number, number>();
/** Fixed so CI is reproducible; FUZZ_SEED=<n> explores other cases. */
const seed = Number(process.env.FUZZ_SEED ?? 5);
let tokens: string[] = [];

beforeAll(async () => {
  probe = new Redis(redis.url);
  expect((await stack.api.createFeed("fz")).status).toBe(201);
  expect(
    (await stack.api.request("POST", "/v1/feeds", { id: "fz-private", title: "p", visibility: "private" })).status,
  ).toBe(201);
  expect((await stack.api.publish("fz", { id: "e1", body: "first" })).status).toBe(202);
  tokens = [
    TOKEN,
    await mint({ scope: "read", feeds: ["fz-private"] }),
    await mint({ role: "editor", feeds: ["fz"] }),
    await mint({ role: "admin", feeds: "*", exp: 1 }),
  ];
});
afterAll(() => {
  process.stdout.write(
    `fuzz (seed ${seed}): ${counts.http} HTTP requests (${counts.httpAccepted} accepted; by status ${JSON.stringify(Object.fromEntries([...statuses].sort((x, y) => x[0] - y[0])))}), ${counts.socketEvents} socket events, ${counts.handshakes} handshakes\n`,
  );
  probe?.disconnect();
});

/** A nested array of the given depth, materialized only when sent. */
class Deep {
  constructor(readonly depth: number) {}
  build(): unknown {
    return JSON.parse(`${"[".repeat(this.depth)}${"]".repeat(this.depth)}`);
  }
}

/**
 * What a request could have stored: the feeds' tickets and seqs, and how many keys there are,
 * less those the servers write on their own clock (who is here, and the audience samples taken
 * every interval), which come and go whatever the requests do.
 */
async function storeState(): Promise<string> {
  const metas = await Promise.all(FEEDS.map((f) => probe.hmget(stack.store.keys.feed(f).meta, "ticket", "seq")));
  const keys = (await probe.keys("*")).filter((k) => !writtenOnTheServersClock(k)).length;
  return JSON.stringify({ keys, metas });
}

function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s.slice(0, 2000));
  } catch {
    return "%ED%A0%80"; // a lone surrogate, as the invalid UTF-8 it would be on the wire
  }
}

const segment = fc.oneof(
  fc.constantFrom("fz", "fz-private", "nope", "e1", "%", "%E0%A4%A", "%2e%2e", "..", "%00", "a%2Fb"),
  edgeString.map(safeEncode),
);
const queryValue = fc.oneof(
  fc.constantFrom("0", "1", "-1", "1e3", "99999999999999999", ""),
  edgeString.map(safeEncode),
);

const route = fc.oneof(
  fc.constant({ method: "POST", path: "/v1/feeds/fz/entries" }),
  fc.constant({ method: "GET", path: "/v1/feeds" }),
  fc.constant({ method: "POST", path: "/v1/feeds" }),
  fc.constant({ method: "GET", path: "/healthz" }),
  segment.map((f) => ({ method: "GET", path: `/v1/feeds/${f}` })),
  segment.map((f) => ({ method: "PATCH", path: `/v1/feeds/${f}` })),
  segment.map((f) => ({ method: "POST", path: `/v1/feeds/${f}/entries` })),
  fc.tuple(segment, segment).map(([f, e]) => ({ method: "PATCH", path: `/v1/feeds/${f}/entries/${e}` })),
  fc.tuple(segment, segment).map(([f, e]) => ({ method: "DELETE", path: `/v1/feeds/${f}/entries/${e}` })),
  fc.tuple(segment, segment).map(([f, e]) => ({ method: "GET", path: `/v1/feeds/${f}/entries/${e}` })),
  fc.tuple(segment, segment).map(([f, e]) => ({ method: "GET", path: `/v1/feeds/${f}/entries/${e}/revisions` })),
  fc
    .tuple(segment, queryValue, queryValue)
    .map(([f, l, b]) => ({ method: "GET", path: `/v1/feeds/${f}/entries?limit=${l}&before=${b}` })),
  fc
    .tuple(segment, queryValue, fc.boolean())
    .map(([f, s, twice]) => ({ method: "GET", path: `/v1/feeds/${f}/events?since=${s}${twice ? `&since=${s}` : ""}` })),
  fc
    .tuple(fc.constantFrom("PUT", "OPTIONS", "HEAD", "POST"), segment)
    .map(([m, s]) => ({ method: m, path: `/v1/${s}` })),
);

/** A well-formed write, so the fuzzer also walks the success path between hostile requests. */
const wellFormed = fc.record({
  route: fc.constantFrom(
    { method: "POST", path: "/v1/feeds/fz/entries" },
    { method: "PATCH", path: "/v1/feeds/fz/entries/e1" },
  ),
  body: validEntry,
  auth: fc.constant({ kind: "token" as const, i: 0 }),
  contentType: fc.constant("application/json"),
  idempotencyKey: fc.constant(null),
  requestId: fc.option(headerValue),
});

const hostileRequest = fc.record({
  route,
  body: hostileBody,
  auth: fc.oneof(
    fc.constantFrom(0, 1, 2, 3).map((i) => ({ kind: "token" as const, i })),
    headerValue.map((v) => ({ kind: "raw" as const, v })),
    fc.constant({ kind: "none" as const }),
  ),
  contentType: fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/json; charset=latin1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
  ),
  idempotencyKey: fc.option(headerValue),
  requestId: fc.option(headerValue),
});

describe("fuzzing", () => {
  it("HTTP: no 5xx, a coded error for every refusal, nothing stored on refusal", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: hostileRequest, weight: 9 }, { arbitrary: wellFormed, weight: 1 }),
        async (r) => {
          const headers: Record<string, string> = {};
          if (r.auth.kind === "token") headers.authorization = `Bearer ${tokens[r.auth.i] ?? ""}`;
          else if (r.auth.kind === "raw") headers.authorization = r.auth.v;
          if (r.contentType !== "") headers["content-type"] = r.contentType;
          if (r.idempotencyKey !== null) headers["idempotency-key"] = r.idempotencyKey;
          if (r.requestId !== null) headers["x-request-id"] = r.requestId;
          const withBody = r.route.method !== "GET" && r.route.method !== "HEAD";
          const before = await storeState();
          const res = await fetch(`${stack.url}${r.route.path}`, {
            method: r.route.method,
            headers,
            ...(withBody ? { body: r.body } : {}),
          });
          const text = await res.text();
          counts.http += 1;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, `${r.route.method} ${r.route.path} -> ${text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400 && r.route.method !== "HEAD" && res.status !== 431) {
            const body = JSON.parse(text) as { error?: { code?: unknown } };
            expect(typeof body.error?.code).toBe("string");
            expect(text).not.toMatch(/\bat .+:\d+:\d+/);
          }
          if (res.status >= 400) expect(await storeState()).toBe(before);
          else if (res.status === 202) counts.httpAccepted += 1;
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
        },
      ),
      { numRuns: Number(process.env.FUZZ_HTTP_RUNS ?? 1500), seed, endOnFailure: true },
    );
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
  });

  it("Socket.IO: any event with any payload gets a coded answer or none, never a crash or a write", async () => {
    let socket: Socket = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
    const ensure = async () => {
      if (socket.connected) return;
      socket.close();
      socket = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
      await new Promise<void>((r, j) => {
        socket.once("connect", () => r());
        socket.once("connect_error", j);
      });
    };
    const payload = fc.oneof(
      jsonValue,
      fc.record(
        {
          feedId: fc.oneof(fc.constantFrom("fz", "fz-private", "nope"), edgeString),
          since: jsonValue,
          token: jsonValue,
        },
        { requiredKeys: [] },
      ),
      // Built inside the property: fast-check could not print a 1500-deep value in a report.
      fc.integer({ min: 10, max: 1500 }).map((depth) => new Deep(depth)),
    );
    const event = fc.record({
      name: fc.oneof(
        fc.constantFrom("subscribe", "unsubscribe"),
        fc.constantFrom(
          "subscribe",
          "disconnecting",
          "error",
          "connect",
          "feed:event",
          "__proto__",
          "constructor",
          "x".repeat(500),
        ),
      ),
      args: fc.array(payload, { minLength: 0, maxLength: 3 }),
      withAck: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        await ensure();
        const before = await storeState();
        counts.socketEvents += 1;
        const args = e.args.map((a) => (a instanceof Deep ? a.build() : a));
        const size = Buffer.byteLength(JSON.stringify(args) ?? "");
        const known = e.name === "subscribe" || e.name === "unsubscribe";
        if (size > 17_000) {
          // Above maxHttpBufferSize (16 KiB): the server drops this connection, and only it.
          const dropped = new Promise((r) => socket.once("disconnect", r));
          try {
            socket.emit(e.name, ...args);
          } catch {
            return; // a reserved name: the client itself refuses to send it
          }
          await dropped;
        } else if (e.withAck && known && size < 15_000) {
          const answer = (await socket.timeout(5000).emitWithAck(e.name, ...args)) as {
            ok?: unknown;
            error?: { code?: unknown };
          };
          expect(typeof answer.ok).toBe("boolean");
          if (answer.ok === false) expect(typeof answer.error?.code).toBe("string");
        } else {
          // Reserved names throw in the client itself; that is the client refusing, not the server.
          try {
            socket.emit(e.name, ...args);
          } catch {
            return;
          }
          // Give a near-limit payload time to close the connection before the next case.
          if (size >= 15_000) await new Promise((r) => setTimeout(r, 100));
        }
        expect(await storeState()).toBe(before);
      }),
      { numRuns: 400, seed, endOnFailure: true },
    );
    socket.close();
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
  });

  it("Socket.IO handshake: any auth object is accepted or refused with a code", async () => {
    const auth = fc.oneof(
      fc.record({ token: fc.oneof(jsonValue, headerValue, fc.constantFrom(...tokens)) }, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(auth, async (a) => {
        counts.handshakes += 1;
        const s = connect(stack.url, {
          transports: ["websocket"],
          forceNew: true,
          reconnection: false,
          auth: a as Record<string, unknown>,
        });
        const result = await new Promise<string>((resolve) => {
          s.once("connect", () => resolve("connected"));
          s.once("connect_error", (err: Error & { data?: { code?: string } }) =>
            resolve(err.data?.code ?? `no code: ${err.message}`),
          );
          // A handshake above maxHttpBufferSize makes the server drop the transport.
          s.io.on("close", (reason) => {
            if (reason !== "forced close") resolve("closed"); // "forced close" precedes connect_error
          });
        });
        s.close();
        const oversized = (JSON.stringify(a)?.length ?? 0) > 15_000;
        expect(oversized ? ["closed"] : ["connected", "unauthorized", "token_expired"]).toContain(result);
      }),
      { numRuns: 100, seed, endOnFailure: true },
    );
  });
});
