import fc from "fast-check";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entry, FeedEvent } from "@liveline/protocol";
import { anyText, headerText, pathSegment, rawJson, wire, wtf8, type Wire } from "./helpers/raw-unicode.js";
import { openReader, readerReady, type Reader } from "./helpers/reader.js";
import { TOKEN } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * Nothing accepted is ever stuck: whatever text a write carries, a 202 means the change is applied, and no write can
 * wedge a feed. Every string field of every write route and socket event gets strings from the
 * whole of Unicode and beyond it (unpaired surrogates, NUL, bidi controls, non-characters), sent
 * as raw JSON bytes (escaped, UTF-8 or WTF-8). After each case a normal publish must reach an
 * SDK reader of the feed; at the end no feed may be behind and nothing may have been set aside
 * (every change the API accepted, the worker could apply).
 */
const { stack } = useStack({
  RATE_LIMIT_PUBLISHES: "0",
  RATE_LIMIT_SUBSCRIBES: "0",
  RATE_LIMIT_CONNECTIONS: "0",
});
let reader: Reader;
let socket: Socket;
const FEED = "wedge";
const RUNS = Number(process.env.FUZZ_WEDGE_RUNS ?? 200);
const seed = Number(process.env.FUZZ_SEED ?? 14);
const counts: Record<string, { cases: number; accepted: number; refused: number }> = {};
let canaries = 0;

beforeAll(async () => {
  expect((await stack.api.createFeed(FEED)).status).toBe(201);
  expect((await stack.api.publish(FEED, { id: "base", body: "the entry edits go to" })).status).toBe(202);
  reader = openReader(stack.url, FEED);
  await readerReady(reader);
  socket = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
});
afterAll(() => {
  const routes = Object.entries(counts)
    .map(([r, c]) => `${r}: ${c.cases} cases (${c.accepted} accepted, ${c.refused} refused)`)
    .join("; ");
  process.stdout.write(`fuzz-wedge (seed ${seed}): ${routes}; ${canaries} canaries delivered\n`);
  socket?.close();
  reader?.close();
});

function tally(route: string, accepted: boolean): void {
  const c = (counts[route] ??= { cases: 0, accepted: 0, refused: 0 });
  c.cases += 1;
  if (accepted) c.accepted += 1;
  else c.refused += 1;
}

/** Send `value` as raw JSON bytes; any answer but a 5xx will do, a refusal must carry a code. */
async function write(
  route: string,
  method: string,
  path: string,
  value: unknown,
  how: Wire,
  extra: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...extra },
    ...(value === undefined ? {} : { body: new Uint8Array(rawJson(value, how)) }),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path} -> ${text.slice(0, 200)}`).toBeLessThan(500);
  const body = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
  if (res.status >= 400) expect(typeof (body.error as { code?: unknown } | undefined)?.code).toBe("string");
  tally(route, res.status < 300);
  return { status: res.status, body };
}

/** A normal publish must still reach the reader: the feed is not wedged. */
async function canary(): Promise<void> {
  const id = `canary-${++canaries}`;
  expect((await stack.api.publish(FEED, { id, body: "still moving" })).status).toBe(202);
  const seen = (e: FeedEvent) => e.type === "entry.published" && e.entry.id === id;
  await waitFor(() => reader.events.some(seen), `${id} on the reader: the feed is wedged`, 5000, 2);
  // Moving is not enough: a change the API accepted but the worker had to set aside broke the 202.
  expect(await stack.store.failedCount(FEED), "changes set aside").toBe(0);
}

const text = anyText();
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const entryFields = {
  headline: maybe(text),
  body: anyText(60),
  author: maybe(fc.record({ name: text })),
};
const runs = { numRuns: RUNS, seed, endOnFailure: true };

describe("no write wedges a feed", () => {
  it("POST /v1/feeds", async () => {
    const feed = fc.record(
      { id: fc.oneof(text, fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/)), title: text, description: text },
      { requiredKeys: ["id", "title"] },
    );
    await fc.assert(
      fc.asyncProperty(feed, wire, async (f, how) => {
        await write("create feed", "POST", "/v1/feeds", f, how);
        await canary();
      }),
      runs,
    );
  });

  it("PATCH /v1/feeds/:feedId", async () => {
    const patch = fc.record({ title: text, description: text }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(patch, wire, async (p, how) => {
        await write("patch feed", "PATCH", `/v1/feeds/${FEED}`, p, how);
        await canary();
      }),
      runs,
    );
  });

  it("POST /v1/feeds/:feedId/entries, with Idempotency-Key and X-Request-Id", async () => {
    const entry = fc.record({ id: maybe(fc.oneof(text, fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/))), ...entryFields });
    const headers = fc.record({ key: maybe(text), requestId: maybe(text) });
    await fc.assert(
      fc.asyncProperty(entry, headers, wire, async (e, h, how) => {
        const extra: Record<string, string> = {};
        const key = h.key === undefined ? null : headerText(h.key);
        const requestId = h.requestId === undefined ? null : headerText(h.requestId);
        if (key !== null) extra["idempotency-key"] = key;
        if (requestId !== null) extra["x-request-id"] = requestId;
        const res = await write("publish", "POST", `/v1/feeds/${FEED}/entries`, e, how, extra);
        await canary();
        if (res.status !== 202) return;
        // Accepted text is carried as the server decoded it (headlines trimmed; bodies are
        // sanitized HTML): bytes that are not UTF-8 (WTF-8 surrogates) are read as U+FFFD.
        const stored = await stack.api.request<Entry>("GET", `/v1/feeds/${FEED}/entries/${String(res.body.entryId)}`);
        if (stored.status !== 200 || e.id !== undefined) return; // a client id may repeat, or be retracted since
        const decoded = (s: string) => (how === "wtf8" ? wtf8(s).toString("utf8") : s);
        if (e.headline !== undefined) expect(stored.body.headline).toBe(decoded(e.headline).trim());
        if (e.author !== undefined) expect(stored.body.author?.name).toBe(decoded(e.author.name));
      }),
      runs,
    );
  });

  it("PATCH /v1/feeds/:feedId/entries/:entryId", async () => {
    const patch = fc.record(entryFields, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant("base"), text), patch, wire, async (entryId, p, how) => {
        await write("edit", "PATCH", `/v1/feeds/${FEED}/entries/${pathSegment(entryId)}`, p, how);
        await canary();
      }),
      runs,
    );
  });

  it("DELETE /v1/feeds/:feedId/entries/:entryId", async () => {
    // Canary ids name entries that exist (delivered ones), so some retractions are accepted.
    const entry = fc.oneof(
      text,
      fc.nat(RUNS).map((n) => `canary-${n + 1}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant(FEED), text), entry, async (feedId, entryId) => {
        const path = `/v1/feeds/${pathSegment(feedId)}/entries/${pathSegment(entryId)}`;
        await write("delete", "DELETE", path, undefined, "utf8");
        await canary();
      }),
      runs,
    );
  });

  it("socket subscribe and unsubscribe", async () => {
    const event = fc.record({
      name: fc.constantFrom("subscribe", "unsubscribe"),
      payload: fc.record(
        { feedId: fc.oneof(fc.constant(FEED), text), since: fc.nat(5), token: text },
        { requiredKeys: ["feedId"] },
      ),
    });
    await fc.assert(
      fc.asyncProperty(event, async ({ name, payload }) => {
        // socket.io-client writes the payload with JSON.stringify: an unpaired surrogate goes as
        // its `\udXXX` escape, exactly what a hand-written client could send.
        const answer = (await socket.timeout(5000).emitWithAck(name, payload)) as {
          ok?: unknown;
          error?: { code?: unknown };
        };
        expect(typeof answer.ok).toBe("boolean");
        if (answer.ok === false) expect(typeof answer.error?.code).toBe("string");
        tally(name, answer.ok === true);
        await canary();
      }),
      runs,
    );
  });

  it("leaves no feed wedged and nothing set aside", async () => {
    await waitFor(async () => (await stack.store.feedsBehind()).length === 0, "every feed applied", 10_000);
    const feeds = await stack.store.listFeeds(1000);
    const failed = await Promise.all(feeds.map((f) => stack.store.failedCount(f.id)));
    expect(failed.reduce((a, b) => a + b, 0)).toBe(0);
    const seqs = reader.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 1) + i)); // in order, no hole, no repeat
    process.stdout.write(`fuzz-wedge: ${feeds.length} feeds, 0 behind, 0 set aside (wedged feeds: 0)\n`);
  });
});
