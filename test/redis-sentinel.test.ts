import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet, verifyDelivery } from "./faults/fleet.js";
import { acceptedCount, publishStream } from "./faults/publisher.js";
import { expectNothingLost } from "./faults/scenario.js";
import { startSentinels, type SentinelSetup } from "./helpers/redis-sentinel.js";
import { openSse, seqOf, type SseReader } from "./helpers/sse.js";
import { Api, startStack, type ApiResponse, type Stack } from "./helpers/stack.js";
import { sleep, waitFor } from "./helpers/wait.js";

// Redis high availability that does not silently stop
// (docs/operations.md#redis-sentinel-high-availability). A primary, a replica and a sentinel
// (quorum 1) as real processes; two server nodes (one also runs the worker) on `redis+sentinel://`;
// SDK and SSE readers connected; the primary SIGKILLed mid-stream.

/** The API, noting when each write was answered 202 (to time the first one after the kill). */
class TimedApi extends Api {
  readonly accepted: number[] = [];
  override async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const r = await super.request<T>(method, path, body, headers);
    if (r.status === 202) this.accepted.push(Date.now());
    return r;
  }
}

let sentinels: SentinelSetup;
let a: Stack;
let b: Stack;
const keyPrefix = `test-${randomUUID().slice(0, 8)}:`;

beforeAll(async () => {
  sentinels = await startSentinels({ sentinels: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 });
  a = await startStack(sentinels.url, { KEY_PREFIX: keyPrefix, SWEEP_INTERVAL_MS: "500" });
  b = await startStack(sentinels.url, { KEY_PREFIX: keyPrefix, ROLE: "server" });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await sentinels?.stop();
});

async function ready(s: Stack): Promise<number> {
  return (await fetch(`${s.url}/readyz`)).status;
}

async function redisUp(s: Stack): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const up: Record<string, number> = {};
  for (const m of text.matchAll(/^liveline_redis_up\{conn="([^"]+)"[^}]*\} (\d)$/gm)) up[m[1] ?? ""] = Number(m[2]);
  return up;
}

/** The SSE stream's events after its opening snapshot: consecutive seqs, none twice. */
function sseSeqs(sse: SseReader): number[] {
  return sse.messages.filter((m) => m.event !== "reset").map(seqOf);
}

describe("on Redis Sentinel", () => {
  it("accepts writes only once replicated, and says what a 202 costs with and without WAIT", async () => {
    const fast = await startStack(sentinels.url, { KEY_PREFIX: keyPrefix, ROLE: "server", REDIS_WAIT_REPLICAS: "0" });
    try {
      expect((await a.api.createFeed("wait-cost")).status).toBe(201);
      const time = async (api: Api, tag: string) => {
        const ms: number[] = [];
        for (let i = 0; i < 200; i++) {
          const t = performance.now();
          expect((await api.publish("wait-cost", { id: `${tag}${i}`, body: "x" })).status).toBe(202);
          ms.push(performance.now() - t);
        }
        ms.sort((x, y) => x - y);
        return { p50: ms[100]?.toFixed(2), p99: ms[198]?.toFixed(2) };
      };
      await time(fast.api, "warm"); // JIT and connections warm for both
      const withWait = await time(a.api, "w");
      const withoutWait = await time(fast.api, "n");
      console.log(`publish 202 latency ms (200 sequential, loopback) WAIT 1: ${JSON.stringify(withWait)}`);
      console.log(`publish 202 latency ms (200 sequential, loopback) no WAIT: ${JSON.stringify(withoutWait)}`);
    } finally {
      await fast.close();
    }
  });

  it("fails over with readers connected: 503 during the switch, nothing accepted lost, /readyz truthful", async () => {
    const feeds = ["night-1", "night-2"];
    for (const f of feeds) expect((await a.api.createFeed(f)).status).toBe(201);
    const fleet = Fleet.open([a.url, b.url], feeds, 8);
    await fleet.ready();
    const sses = await Promise.all([a, b].map((s) => openSse(`${s.url}/v1/feeds/night-1/stream`)));
    await waitFor(() => sses.every((s) => s.messages.length === 1), "the SSE snapshots");
    for (const s of [a, b]) {
      expect(await ready(s)).toBe(200);
      expect(await redisUp(s)).toMatchObject({ commands: 1, queue: 1, subscriber: 1 });
    }
    const before = await sentinels.primaryAddress();

    const apis = [new TimedApi(a.url), new TimedApi(b.url)];
    const stream = publishStream(apis, { feeds, maxEntries: 120, perSecond: 20 });
    await sleep(1500);
    await sentinels.killPrimary();
    const killedAt = Date.now(); // once the primary's process has exited

    // /readyz and the gauge while the primary is gone, and when they come back.
    let notReadyAt: number | undefined;
    let downGauge: Record<string, number> | undefined;
    await waitFor(
      async () => {
        if ((await ready(b)) !== 503) return false;
        notReadyAt ??= Date.now();
        // Read after the 503: the failover may have ended in between, then the next look decides.
        downGauge = await redisUp(b);
        return downGauge.commands === 0;
      },
      "/readyz 503 while the primary is gone",
      5000,
      20,
    );
    await waitFor(
      async () => (await ready(a)) === 200 && (await ready(b)) === 200,
      "/readyz 200 after failover",
      20_000,
      50,
    ).catch(async (err: unknown) => {
      const bodies = await Promise.all([a, b].map(async (s) => (await fetch(`${s.url}/readyz`)).text()));
      const up = await Promise.all([a, b].map(async (s) => JSON.stringify(await redisUp(s))));
      throw new Error(
        `${(err as Error).message}: ${bodies.join(" ")} ${up.join(" ")}; primary ${await sentinels.primaryAddress()}`,
      );
    });
    const readyAgainAt = Date.now();
    const after = await sentinels.primaryAddress();

    const log = await stream;
    const streamDoneAt = Date.now();
    const report = await verifyDelivery("sentinel failover", a.api, fleet, log, { timeoutMs: 20_000 });
    const caughtUpAt = Date.now();
    await waitFor(
      async () => {
        const head = (await a.api.request<{ seq: number }>("GET", "/v1/feeds/night-1")).body.seq;
        return sses.every((s) => sseSeqs(s).at(-1) === head);
      },
      "SSE readers at the head",
      10_000,
    );
    const firstAccepted = Math.min(...apis.flatMap((x) => x.accepted.filter((t) => t > killedAt)));
    const figures = {
      sdkReaders: fleet.readers.length,
      sseReaders: sses.length,
      accepted: acceptedCount(log),
      edits: log.edits,
      retractions: log.retractions,
      refusals503: log.refusals.filter((r) => r.status === 503).length,
      lost: report.lost,
      duplicated: report.duplicated,
      storeProblems: report.problems.length,
      primary: `${before} -> ${after}`,
      killToReadyz503Ms: (notReadyAt ?? 0) - killedAt,
      killToFirst202Ms: firstAccepted - killedAt,
      killToReadyz200Ms: readyAgainAt - killedAt,
      streamEndToAllReadersMs: caughtUpAt - streamDoneAt,
      killToAllReadersMs: caughtUpAt - killedAt,
    };
    console.log(`sentinel failover figures ${JSON.stringify(figures)}`);

    expect(after).not.toBe(before);
    expect(after).toBe(`127.0.0.1:${sentinels.replicaPort}`);
    expect(downGauge).toMatchObject({ commands: 0 });
    expect(figures.refusals503).toBeGreaterThan(0);
    expect(log.refusals.every((r) => r.status === 503 && r.code === "unavailable")).toBe(true);
    expect(firstAccepted).toBeGreaterThan(killedAt);
    expectNothingLost(report);
    expect(report.entries).toBe(acceptedCount(log));
    for (const sse of sses) {
      const seqs = sseSeqs(sse);
      const first = seqs[0] ?? 1;
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => first + i));
    }
    for (const s of [a, b]) expect(await redisUp(s)).toMatchObject({ commands: 1, queue: 1, subscriber: 1 });
    fleet.close();
    for (const s of sses) s.close();
  });
});
