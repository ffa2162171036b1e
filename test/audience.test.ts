import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisKeys } from "@liveline/core";
import type { FeedAudience } from "@liveline/protocol";
import { AudienceStore, loadConfig } from "@liveline/server";
import { configProblems } from "./helpers/config-problems.js";
import { openReader, readerReady, type Reader } from "./helpers/reader.js";
import { spawnRole, type RoleProcess } from "./helpers/role-process.js";
import { Api } from "./helpers/stack.js";
import { waitFor } from "./helpers/wait.js";
import { useRedis } from "./helpers/shared-redis.js";

/** One sample per interval: short here, a minute by default. */
const SAMPLE_MS = 200;

const redis = useRedis();
let s1: RoleProcess;
let s2: RoleProcess;
const readers: Reader[] = [];

beforeAll(async () => {
  const env = {
    REDIS_URL: redis.url,
    KEY_PREFIX: `audience-${randomUUID().slice(0, 8)}:`,
    PRESENCE_INTERVAL_MS: "100",
    AUDIENCE_SAMPLE_MS: String(SAMPLE_MS),
  };
  [s1, s2] = await Promise.all([spawnRole("server", env), spawnRole("server", env)]);
});
afterAll(async () => {
  for (const r of readers) r.close();
  await Promise.all([s1, s2].map((p) => p?.kill("SIGKILL")));
});

const apiOf = (p: RoleProcess) => new Api(p.url ?? "");

async function audience(p: RoleProcess, feedId: string): Promise<FeedAudience> {
  const res = await apiOf(p).request<FeedAudience>("GET", `/v1/feeds/${feedId}/audience?hours=1`);
  expect(res.status).toBe(200);
  return res.body;
}

async function read(p: RoleProcess, feedId: string): Promise<Reader> {
  const r = openReader(p.url ?? "", feedId);
  readers.push(r);
  await readerReady(r);
  return r;
}

/** Wait until `n` consecutive latest samples counted `want` readers. */
function latest(p: RoleProcess, feedId: string, want: number, n: number): Promise<FeedAudience> {
  return waitFor(
    async () => {
      const a = await audience(p, feedId);
      const tail = a.samples.slice(-n);
      return tail.length === n && tail.every((s) => s.readers === want) ? a : undefined;
    },
    `${n} samples of ${want} readers on ${feedId}`,
    20_000,
    SAMPLE_MS,
  );
}

describe("readers over time, sampled by two server nodes", () => {
  it("keeps one sample per interval of the readers on both nodes, and the peak when they leave", async () => {
    expect((await apiOf(s1).createFeed("story")).status).toBe(201);
    const leaving = await read(s1, "story");
    await Promise.all([read(s1, "story"), read(s2, "story")]);

    const full = await latest(s2, "story", 3, 5);
    expect(full.now).toBe(3);
    const times = full.samples.map((s) => Date.parse(s.at));
    // Each sample is the start of an interval, and no interval has two (both nodes sample it).
    for (const t of times) expect(t % SAMPLE_MS).toBe(0);
    expect(new Set(times).size).toBe(times.length);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const firstFull = full.samples.find((s) => s.readers === 3);
    expect(full.peak).toEqual(firstFull);

    leaving.close();
    const fewer = await latest(s1, "story", 2, 3);
    expect(fewer.now).toBe(2);
    // The peak stays the earliest sample of the highest count.
    expect(fewer.peak).toEqual(firstFull);
    const all = fewer.samples.map((s) => Date.parse(s.at));
    expect(new Set(all).size).toBe(all.length);
    const intervals = ((all.at(-1) ?? 0) - (all[0] ?? 0)) / SAMPLE_MS + 1;
    console.log(`audience: ${all.length} samples by two nodes over ${intervals} intervals, none twice`);

    // Both nodes answer the same history.
    const [a1, a2] = await Promise.all([audience(s1, "story"), audience(s2, "story")]);
    expect(a1.peak).toEqual(a2.peak);
    expect(a1.samples.slice(0, fewer.samples.length)).toEqual(a2.samples.slice(0, fewer.samples.length));
  });

  it("records the fall to no reader at all, and nothing for a feed nobody read", async () => {
    const api = apiOf(s1);
    expect((await api.createFeed("brief")).status).toBe(201);
    expect((await api.createFeed("quiet")).status).toBe(201);
    const r = await read(s2, "brief");
    await latest(s1, "brief", 1, 2);
    r.close();
    const after = await latest(s1, "brief", 0, 2);
    expect(after).toMatchObject({ now: 0, peak: { readers: 1 } });
    expect(await audience(s1, "quiet")).toEqual({ now: 0, peak: null, samples: [] });
  });

  it("answers 400 for a bad `hours`, 404 for an unknown feed, 401 without a token", async () => {
    const api = apiOf(s1);
    expect((await api.createFeed("asked")).status).toBe(201);
    for (const q of ["hours=0", "hours=169", "hours=two", "hours=1.5", "hours=", "hour=2"]) {
      const res = await api.request<{ error: { code: string } }>("GET", `/v1/feeds/asked/audience?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe("validation_failed");
    }
    expect((await api.request("GET", "/v1/feeds/asked/audience?hours=168")).status).toBe(200);
    const missing = await api.request<{ error: { code: string } }>("GET", "/v1/feeds/nowhere/audience");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("feed_not_found");
    expect((await api.as(null).request("GET", "/v1/feeds/asked/audience")).status).toBe(401);
  });
});

describe("the audience store", () => {
  it("trims samples older than the kept span and keeps the peak past it", async () => {
    const client = new Redis(redis.url);
    try {
      const keys = redisKeys(`audience-store-${randomUUID().slice(0, 8)}:`);
      const store = new AudienceStore(client, keys);
      const keepMs = 3000;
      const base = 1_800_000_000_000;
      const counts = [5, 40, 40, 12, 7, 3];
      for (const [i, n] of counts.entries()) {
        await store.record(base + i * 1000, "node-a", new Map([["f", n]]), keepMs);
      }
      const { samples, peak } = await store.history("f", 0);
      // The span reaches back keepMs from the latest sample, that one included.
      expect(samples).toEqual([
        { atMs: base + 2000, readers: 40 },
        { atMs: base + 3000, readers: 12 },
        { atMs: base + 4000, readers: 7 },
        { atMs: base + 5000, readers: 3 },
      ]);
      // The earliest of the two 40s, though it was trimmed.
      expect(peak).toEqual({ atMs: base + 1000, readers: 40 });
      // The feed had readers within the span: a node with none of its readers still records the 0.
      await store.record(base + 6000, "node-a", new Map(), keepMs);
      expect((await store.history("f", base + 6000)).samples).toEqual([{ atMs: base + 6000, readers: 0 }]);
      // An interval written late (a slow node) does not count a feed read after it as 0 then.
      await store.record(base + 4500, "node-b", new Map([["g", 2]]), keepMs);
      expect((await store.history("f", base + 4500)).samples.map((x) => x.atMs)).toEqual([base + 5000, base + 6000]);
    } finally {
      client.disconnect();
    }
  });

  it("keeps a day of minute samples of a feed in under 200 KB of Redis", async () => {
    const client = new Redis(redis.url);
    try {
      const keys = redisKeys(`audience-size-${randomUUID().slice(0, 8)}:`);
      const store = new AudienceStore(client, keys);
      const base = 1_800_000_000_000;
      for (let i = 0; i < 1440; i++)
        await store.record(
          base + i * 60_000,
          "0b7e6f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
          new Map([["f", 1000 + i]]),
          86_400_000,
        );
      const bytes = Number(await client.call("MEMORY", "USAGE", keys.feed("f").audience));
      console.log(`audience: 1,440 samples (24 h of minutes) use ${bytes} bytes in Redis`);
      expect(bytes).toBeLessThan(200_000);
      expect((await store.history("f", 0)).samples).toHaveLength(1440);
    } finally {
      client.disconnect();
    }
  });

  it("lets one node claim an interval", async () => {
    const client = new Redis(redis.url);
    try {
      const store = new AudienceStore(client, redisKeys(`audience-claim-${randomUUID().slice(0, 8)}:`));
      const claims = await Promise.all(["a", "b", "c"].map((n) => store.claim(1000, n, 5000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claim(2000, "b", 5000)).toBe(true);
    } finally {
      client.disconnect();
    }
  });
});

describe("the audience settings", () => {
  it("default to a sample a minute kept 24 h, and a bad value stops the start naming it", () => {
    expect(loadConfig({}).audience).toEqual({ sampleMs: 60_000, keepHours: 24 });
    const bad = { AUDIENCE_SAMPLE_MS: "50", AUDIENCE_KEEP_HOURS: "a day" };
    expect(
      configProblems(bad)
        .map((p) => p.split(":")[0])
        .sort(),
    ).toEqual(Object.keys(bad).sort());
  });
});
