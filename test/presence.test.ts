import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedStats } from "@liveline/protocol";
import { loadConfig } from "@liveline/server";
import { openReader, readerReady, type Reader } from "./helpers/reader.js";
import { spawnRole, type RoleProcess } from "./helpers/role-process.js";
import { openSse, type SseReader } from "./helpers/sse.js";
import { Api, TOKEN } from "./helpers/stack.js";
import { JWT_SECRET, mint } from "./helpers/tokens.js";
import { sleep, waitFor } from "./helpers/wait.js";
import { useRedis } from "./helpers/shared-redis.js";

/** The bound: /stats is never more than this behind the truth. */
const STALE_MS = 5000;
/** Editors expire this long after their last heartbeat here (15 s by default). */
const EDITOR_TTL_MS = 3000;
/** A static token with a display name (EDITOR_TOKENS' `name=token`). */
const ADA = "ada-static-token-0123456789";

const redis = useRedis();
let s1: RoleProcess;
let s2: RoleProcess;
const readers: Reader[] = [];
const streams: SseReader[] = [];

beforeAll(async () => {
  const env = {
    REDIS_URL: redis.url,
    KEY_PREFIX: `presence-${randomUUID().slice(0, 8)}:`,
    EDITOR_TOKENS: `${TOKEN}, Ada Lovelace=${ADA}`,
    EDITOR_JWT_SECRET: JWT_SECRET,
    PRESENCE_EDITOR_TTL_MS: String(EDITOR_TTL_MS),
  };
  // PRESENCE_INTERVAL_MS stays at its default (1.5 s): the bounds below are the shipped ones.
  [s1, s2] = await Promise.all([spawnRole("server", env), spawnRole("server", env)]);
});
afterAll(async () => {
  for (const r of readers) r.close();
  for (const s of streams) s.close();
  await Promise.all([s1, s2].map((p) => p?.kill("SIGKILL")));
});

const apiOf = (p: RoleProcess, token: string | null = TOKEN) => new Api(p.url ?? "", token);

async function stats(p: RoleProcess, feedId: string): Promise<FeedStats> {
  const res = await apiOf(p).request<FeedStats>("GET", `/v1/feeds/${feedId}/stats`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Wait until every node's /stats shows `want` readers; how long that took after `since`. */
async function readersSeen(nodes: RoleProcess[], feedId: string, want: FeedStats["readers"], since: number) {
  await waitFor(
    async () => {
      for (const n of nodes) expect((await stats(n, feedId)).readers).toEqual(want);
      return true;
    },
    `readers ${JSON.stringify(want)} on ${feedId}`,
    STALE_MS,
    50,
  );
  return Date.now() - since;
}

async function sse(p: RoleProcess, feedId: string): Promise<SseReader> {
  const s = await openSse(`${p.url ?? ""}/v1/feeds/${feedId}/stream`);
  expect(s.status).toBe(200);
  streams.push(s);
  return s;
}

async function sdk(p: RoleProcess, feedId: string): Promise<Reader> {
  const r = openReader(p.url ?? "", feedId);
  readers.push(r);
  await readerReady(r);
  return r;
}

describe("who is here, across two server processes", () => {
  it("sums readers of every node, follows them leaving, and drops a killed node within its TTL", async () => {
    expect((await apiOf(s1).createFeed("here")).status).toBe(201);
    expect((await apiOf(s2).createFeed("elsewhere")).status).toBe(201);

    const leaving = await sdk(s1, "here");
    await Promise.all([sdk(s1, "here"), sdk(s2, "here"), sdk(s2, "elsewhere")]);
    const leavingStream = await sse(s2, "here");
    await Promise.all([sse(s1, "here"), sse(s2, "here"), sse(s1, "elsewhere")]);
    const joined = Date.now();
    const joinLag = await readersSeen([s1, s2], "here", { socket: 3, sse: 3, total: 6 }, joined);
    expect(await stats(s2, "elsewhere")).toEqual({
      readers: { socket: 1, sse: 1, total: 2 },
      editors: [],
    });

    leaving.close();
    leavingStream.close();
    const left = Date.now();
    const leaveLag = await readersSeen([s1, s2], "here", { socket: 2, sse: 2, total: 4 }, left);

    // s2 holds one socket and one stream of "here"; SIGKILL gives it no chance to withdraw.
    await s2.kill("SIGKILL");
    const killed = Date.now();
    const killLag = await readersSeen([s1], "here", { socket: 1, sse: 1, total: 2 }, killed);
    console.log(`presence staleness: join ${joinLag} ms, leave ${leaveLag} ms, SIGKILLed node gone ${killLag} ms`);
    expect(Math.max(joinLag, leaveLag, killLag)).toBeLessThan(STALE_MS);
  });
});

describe("editors present in a feed", () => {
  it("lists heartbeating editors with their names and what they edit, and forgets one after expiry", async () => {
    const api = apiOf(s1);
    expect((await api.createFeed("desk")).status).toBe(201);
    const grace = apiOf(s1, await mint({ sub: "grace", name: "Grace Hopper", role: "editor", feeds: ["desk"] }));
    const ada = apiOf(s1, ADA);
    const beat = (who: Api, editing?: string | null) =>
      who.request("POST", "/v1/feeds/desk/presence", editing === undefined ? {} : { editing });

    expect((await beat(grace, "e1")).status).toBe(204);
    expect((await beat(ada)).status).toBe(204);
    const first = await stats(s1, "desk");
    expect(first.editors).toEqual([
      { sub: "grace", name: "Grace Hopper", since: expect.any(String), editing: "e1" },
      { sub: "token-2", name: "Ada Lovelace", since: expect.any(String) },
    ]);

    // Grace keeps beating (now editing nothing); Ada stops and must vanish after the TTL.
    const adaStopped = Date.now();
    let graceGone = false;
    const graceBeats = (async () => {
      while (!graceGone) {
        expect((await beat(grace, null)).status).toBe(204);
        await sleep(500);
      }
    })();
    const remaining = await waitFor(
      async () => {
        const s = await stats(s1, "desk");
        return s.editors.length === 1 ? s.editors : undefined;
      },
      "Ada to expire",
      EDITOR_TTL_MS + 2000,
      100,
    );
    const adaLag = Date.now() - adaStopped;
    expect(adaLag).toBeGreaterThanOrEqual(EDITOR_TTL_MS - 200);
    // `since` is the first heartbeat of the presence, not the latest.
    expect(remaining).toEqual([{ sub: "grace", name: "Grace Hopper", since: first.editors[0]?.since }]);

    graceGone = true;
    await graceBeats;
    expect((await grace.request("DELETE", "/v1/feeds/desk/presence")).status).toBe(204);
    expect((await stats(s1, "desk")).editors).toEqual([]);
    console.log(`presence: an editor without heartbeat disappeared after ${adaLag} ms (TTL ${EDITOR_TTL_MS} ms)`);
  });

  it("answers 401, 403, 404 and 400 like the other editor routes", async () => {
    const api = apiOf(s1);
    const reader = apiOf(s1, await mint({ sub: "subscriber", scope: "read", feeds: "*" }));
    const otherDesk = apiOf(s1, await mint({ sub: "sports", role: "editor", feeds: ["sports"] }));
    for (const who of [reader, otherDesk]) {
      expect((await who.request("GET", "/v1/feeds/desk/stats")).status).toBe(403);
      expect((await who.request("POST", "/v1/feeds/desk/presence", {})).status).toBe(403);
      expect((await who.request("DELETE", "/v1/feeds/desk/presence")).status).toBe(403);
    }
    expect((await api.as(null).request("GET", "/v1/feeds/desk/stats")).status).toBe(401);
    expect((await api.as(null).request("POST", "/v1/feeds/desk/presence", {})).status).toBe(401);
    const unknown = await api.request<{ error: { code: string } }>("GET", "/v1/feeds/no-such-feed/stats");
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "feed_not_found"]);
    expect((await api.request("POST", "/v1/feeds/no-such-feed/presence", {})).status).toBe(404);
    const bad = await api.request<{ error: { code: string } }>("POST", "/v1/feeds/desk/presence", {
      editing: "not an id!",
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, "validation_failed"]);
    expect((await api.request("POST", "/v1/feeds/desk/presence", { editing: 1, extra: true })).status).toBe(400);
    expect((await stats(s1, "desk")).editors).toEqual([]);
  });
});

describe("EDITOR_TOKENS with names", () => {
  it("reads `name=token` entries and keeps plain tokens, also base64 ones ending in `=`, as they were", () => {
    const c = loadConfig({ EDITOR_TOKENS: `QUJDREVGR0hJSktMTU5PUA==, Night desk=${ADA},${TOKEN}` });
    expect(c.editorTokens).toEqual(["QUJDREVGR0hJSktMTU5PUA==", ADA, TOKEN]);
    expect(c.editorNames).toEqual([undefined, "Night desk", undefined]);
    expect(() => loadConfig({ EDITOR_TOKENS: "Desk=short" })).toThrow(/EDITOR_TOKENS/);
  });
});
