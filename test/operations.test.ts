import { writeFileSync } from "node:fs";
import { get } from "node:http";
import { describe, expect, it } from "vitest";
import type { Express } from "express";
import { loadConfig } from "@liveline/server";
import { configProblems } from "./helpers/config-problems.js";
import { LivelineClient } from "@liveline/client-sdk";
import type { Entry, FeedEvent } from "@liveline/protocol";
import { openSse, type SseMessage } from "./helpers/sse.js";
import { startStack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { sleep, waitFor } from "./helpers/wait.js";
import { EVENT_LOOP_SAMPLE_MS } from "@liveline/core";

// Its own Redis: the readiness test stops it.
const { stack, redis } = useStack({ SSE_HEARTBEAT_MS: "100" }, { redis: "own" });

/** The value of one sample line of the Prometheus text format, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** `get /v1/feeds/:feedId` for every route registered in the Express app, walking its router stack. */
function registeredRoutes(app: Express): string[] {
  const out: string[] = [];
  interface LayerLike {
    route?: { path?: unknown; methods?: Record<string, boolean> };
    handle?: { stack?: unknown };
    rawPath?: unknown;
  }
  const walk = (stack: unknown, prefix: string) => {
    if (!Array.isArray(stack)) return;
    for (const layer of stack as LayerLike[]) {
      if (layer.route && typeof layer.route.path === "string") {
        for (const m of Object.keys(layer.route.methods ?? {})) out.push(`${m} ${prefix}${layer.route.path}`);
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: unknown } }).router.stack, "");
  return out.sort();
}

describe("metrics", () => {
  it("reports sockets, bounded per-feed subscribers, writes by code, queue, emit latency and worker jobs", async () => {
    const feeds = Array.from({ length: 12 }, (_, i) => `m-${String(i).padStart(2, "0")}`);
    for (const f of feeds) expect((await stack.api.createFeed(f)).status).toBe(201);
    const client = new LivelineClient({ url: stack.url, transports: ["websocket"] });
    const subs = feeds.map((f) => client.subscribe(f));
    const busy = new LivelineClient({ url: stack.url, transports: ["websocket"] });
    const busySub = busy.subscribe("m-00");
    await waitFor(() => [...subs, busySub].every((s) => s.seq !== undefined), "13 subscriptions");

    expect((await stack.api.publish("m-00", { id: "one", body: "hello" })).status).toBe(202);
    expect((await stack.api.publish("m-00", { body: "" })).status).toBe(400);
    expect((await stack.api.as("wrong-token-wrong-token").publish("m-00", { body: "x" })).status).toBe(401);
    expect((await stack.api.retract("m-00", "missing")).status).toBe(404);
    await waitFor(() => busySub.entries.length === 1, "the entry on the reader");

    // The worker counts a job once BullMQ marks it completed, a moment after readers have it.
    let text = "";
    await waitFor(async () => {
      const res = await fetch(`${stack.url}/metrics`);
      expect(res.headers.get("content-type")).toContain("text/plain");
      text = await res.text();
      return sample(text, 'liveline_worker_jobs_total{result="completed",role="all"}') === 1;
    }, "the completed job in /metrics");
    if (process.env.METRICS_SAMPLE) writeFileSync(process.env.METRICS_SAMPLE, text);

    expect(sample(text, 'liveline_connected_sockets{role="all"}')).toBe(2);
    // Node's own metrics, the event loop's delay among them: sampled every EVENT_LOOP_SAMPLE_MS,
    // and reset by each scrape, so read once a few samples were taken since the last.
    await sleep(EVENT_LOOP_SAMPLE_MS * 3);
    const node = await (await fetch(`${stack.url}/metrics`)).text();
    expect(sample(node, 'liveline_nodejs_eventloop_lag_p99_seconds{role="all"}')).toBeGreaterThan(0);
    expect(sample(node, 'liveline_process_cpu_seconds_total{role="all"}')).toBeGreaterThan(0);
    expect(sample(text, 'liveline_watched_feeds{role="all"}')).toBe(12);
    // Bounded: the 10 busiest feeds by name, the other 2 summed.
    const perFeed = text.split("\n").filter((l) => l.startsWith("liveline_feed_subscribers{"));
    expect(perFeed).toHaveLength(11);
    expect(sample(text, 'liveline_feed_subscribers{feed="m-00",role="all"}')).toBe(2);
    expect(sample(text, 'liveline_feed_subscribers{feed="_other",role="all"}')).toBe(2);

    expect(sample(text, 'liveline_publishes_total{op="publish",outcome="accepted",code="none",role="all"}')).toBe(1);
    expect(
      sample(text, 'liveline_publishes_total{op="publish",outcome="rejected",code="validation_failed",role="all"}'),
    ).toBe(1);
    expect(
      sample(text, 'liveline_publishes_total{op="publish",outcome="rejected",code="unauthorized",role="all"}'),
    ).toBe(1);
    expect(
      sample(text, 'liveline_publishes_total{op="delete",outcome="rejected",code="entry_not_found",role="all"}'),
    ).toBe(1);
    expect(sample(text, 'liveline_publish_to_emit_seconds_count{role="all"}')).toBe(1);
    expect(sample(text, 'liveline_queue_jobs{state="waiting",role="all"}')).toBe(0);
    expect(sample(text, 'liveline_queue_jobs{state="failed",role="all"}')).toBe(0);
    expect(sample(text, 'liveline_worker_jobs_total{result="completed",role="all"}')).toBe(1);
    expect(sample(text, 'liveline_worker_apply_duration_seconds_count{role="all"}')).toBe(1);
    expect(sample(text, 'liveline_worker_events_emitted_total{role="all"}')).toBe(1);
    client.close();
    busy.close();
  });
});

describe("OpenAPI", () => {
  it("is generated from the protocol schemas and matches the routes Express serves", async () => {
    const res = await fetch(`${stack.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.components.schemas.Entry?.properties ?? {})).toContain("revision");
    expect(JSON.stringify(doc.paths["/v1/feeds/{feedId}/entries"]?.post)).toContain('"maxLength":300');

    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p.replace(/\{(\w+)\}/g, ":$1")}`))
      .sort();
    const app = stack.app;
    if (!app) throw new Error("no app");
    expect(documented).toEqual(registeredRoutes(app));

    // Every documented route answers (whatever the status), none is an unknown route.
    await stack.api.createFeed("doc-feed");
    await stack.api.publish("doc-feed", { id: "doc-entry", body: "x" });
    for (const route of documented) {
      const [method = "get", path = ""] = route.split(" ");
      const url = path.replace(":feedId", "doc-feed").replace(":entryId", "doc-entry");
      const query = url.endsWith("/events") ? "?since=0" : "";
      const ctrl = new AbortController();
      const r = await fetch(`${stack.url}${url}${query}`, {
        method: method.toUpperCase(),
        signal: ctrl.signal,
        headers: { "content-type": "application/json" },
        ...(method === "post" || method === "patch" ? { body: "{}" } : {}),
      });
      const body = r.headers.get("content-type")?.includes("json") ? ((await r.json()) as unknown) : undefined;
      ctrl.abort();
      const code = (body as { error?: { code?: string } } | undefined)?.error?.code;
      expect(code, route).not.toBe("route_not_found");
      expect(r.status, route).toBeLessThan(500);
    }
  });
});

describe("Server-Sent Events", () => {
  const entriesOf = (m: SseMessage) => (JSON.parse(m.data) as { entries: Entry[] }).entries;

  it("streams events with id and type, heartbeats, and resumes from Last-Event-ID", async () => {
    await stack.api.createFeed("sse");
    await stack.api.publish("sse", { id: "before", body: "already there" });
    await waitFor(async () => (await stack.store.currentSeq("sse")) === 1, "first entry applied");

    const first = await openSse(`${stack.url}/v1/feeds/sse/stream`);
    expect(first.status).toBe(200);
    expect(first.headers["content-type"]).toContain("text/event-stream");
    await waitFor(() => first.messages.length === 1, "the snapshot");
    // Ids are `<epoch>:<seq>`: Last-Event-ID then names the history its seq belongs to.
    const { epoch } = JSON.parse(first.messages[0]?.data ?? "{}") as { epoch: string };
    expect(epoch).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(first.messages[0]).toMatchObject({ id: `${epoch}:1`, event: "reset" });
    expect(entriesOf(first.messages[0] as SseMessage).map((e) => e.id)).toEqual(["before"]);

    await stack.api.publish("sse", { id: "a", body: "one" });
    await stack.api.edit("sse", "a", { body: "one, corrected" });
    await stack.api.retract("sse", "before");
    await waitFor(() => first.messages.length === 4, `three live events; got ${first.body()}`);
    expect(first.messages.slice(1).map((m) => [m.id, m.event])).toEqual([
      [`${epoch}:2`, "entry.published"],
      [`${epoch}:3`, "entry.updated"],
      [`${epoch}:4`, "entry.deleted"],
    ]);
    const edited = JSON.parse(first.messages[2]?.data ?? "{}") as FeedEvent;
    expect(edited).toMatchObject({ seq: 3, type: "entry.updated", entry: { id: "a", revision: 2 } });
    expect(edited).not.toHaveProperty("requestId");
    await waitFor(() => first.comments.includes("heartbeat"), "a heartbeat comment");
    first.close();

    // Missed while away: 5 and 6. Resume exactly after 4, from the log.
    await stack.api.publish("sse", { id: "b", body: "two" });
    await stack.api.publish("sse", { id: "c", body: "three" });
    await waitFor(async () => (await stack.store.currentSeq("sse")) === 6, "two more applied");
    const resumed = await openSse(`${stack.url}/v1/feeds/sse/stream`, { "last-event-id": `${epoch}:4` });
    await waitFor(() => resumed.messages.length === 2, "the two missed events");
    expect(resumed.messages.map((m) => [m.id, m.event])).toEqual([
      [`${epoch}:5`, "entry.published"],
      [`${epoch}:6`, "entry.published"],
    ]);
    await stack.api.publish("sse", { id: "d", body: "four" });
    await waitFor(() => resumed.messages.length === 3, "a live event after the catch-up");
    expect(resumed.messages[2]).toMatchObject({ id: `${epoch}:7`, event: "entry.published" });
    resumed.close();

    // A plain numeric id (from a stream before epochs) still resumes, within the current epoch.
    const numeric = await openSse(`${stack.url}/v1/feeds/sse/stream`, { "last-event-id": "6" });
    await waitFor(() => numeric.messages.length === 1, "catch-up after a plain seq");
    expect(numeric.messages[0]?.id).toBe(`${epoch}:7`);
    numeric.close();

    // Another epoch than the log's (history lost since): a reset, never the events after its seq.
    const otherEpoch = await openSse(`${stack.url}/v1/feeds/sse/stream`, { "last-event-id": "someOld1:6" });
    await waitFor(() => otherEpoch.messages.length === 1, "a reset for another epoch");
    expect(otherEpoch.messages[0]).toMatchObject({ id: `${epoch}:7`, event: "reset" });
    otherEpoch.close();

    const bySince = await openSse(`${stack.url}/v1/feeds/sse/stream?since=6&epoch=${epoch}`);
    await waitFor(() => bySince.messages.length === 1, "catch-up by ?since");
    expect(bySince.messages[0]?.id).toBe(`${epoch}:7`);
    bySince.close();
  });

  it("refuses unknown feeds and bad resume points with the usual error codes", async () => {
    expect((await stack.api.request("GET", "/v1/feeds/nope/stream")).body).toMatchObject({
      error: { code: "feed_not_found" },
    });
    await stack.api.createFeed("sse-bad");
    const bad = await stack.api.request("GET", "/v1/feeds/sse-bad/stream", undefined, { "last-event-id": "x" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "validation_failed" } });
  });
});

/** The Connection header of a plain node:http GET (keep-alive unless the server closes it). */
function connectionHeader(url: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, headers: { connection: "keep-alive" } }, (res) => {
      res.resume();
      resolve(res.headers.connection);
    }).on("error", reject);
  });
}

describe("readiness", () => {
  it("is ready with Redis and the queue, 503 while draining, 503 without Redis", async () => {
    // Polled: under load a readiness probe can time out for a moment (CI saw one 503 here); a
    // failure shows the last answer, which names the check that failed.
    await expect
      .poll(async () => (await stack.api.request("GET", "/readyz")).body)
      .toEqual({ status: "ready", redis: "ok", queue: "ok", relay: "ok" });
    const other = await startStack(redis.url);
    try {
      expect(await connectionHeader(`${other.url}/healthz`)).toBe("keep-alive");
      other.drain();
      // Every answer now closes its connection, so keep-alive clients move to another node.
      expect(await connectionHeader(`${other.url}/healthz`)).toBe("close");
      const draining = await other.api.request("GET", "/readyz");
      expect(draining.status).toBe(503);
      expect(draining.body).toMatchObject({ status: "draining" });
      expect((await other.api.request("GET", "/healthz")).status).toBe(200);
    } finally {
      await other.close();
    }
    await redis.kill();
    const down = await stack.api.request("GET", "/readyz");
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: "unavailable", redis: "unreachable" });
    await redis.restart();
    await waitFor(async () => (await stack.api.request("GET", "/readyz")).status === 200, "ready again");
  });
});

describe("configuration", () => {
  it("validates the operations settings at start and names every bad one", () => {
    const bad = {
      REDIS_URL: "redis+cluster://no-port-here",
      METRICS_PORT: "ninety",
      SSE_HEARTBEAT_MS: "10",
      DRAIN_DELAY_MS: "-1",
    };
    expect(
      configProblems(bad)
        .map((p) => p.split(":")[0])
        .sort(),
    ).toEqual(Object.keys(bad).sort());
    const good = loadConfig({ REDIS_URL: "redis+cluster://10.0.0.1:7000,10.0.0.2:7000", METRICS_PORT: "9100" });
    expect(good).toMatchObject({ metricsPort: 9100, sseHeartbeatMs: 15_000, drainDelayMs: 0 });
  });
});
