import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReader, readerReady, seqs, type Reader } from "./helpers/reader.js";
import { spawnRole, type RoleProcess } from "./helpers/role-process.js";
import { Api, TOKEN } from "./helpers/stack.js";
import { waitFor } from "./helpers/wait.js";
import { useRedis } from "./helpers/shared-redis.js";

const redis = useRedis();
const servers: RoleProcess[] = [];
const workers: RoleProcess[] = [];

/** Parsed JSON log lines of a process. */
function logLines(p: RoleProcess): Record<string, unknown>[] {
  return p.output
    .join("")
    .split("\n")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** The parts a process closed on its way out, in the order it closed them (one "closed" line per list of parts). */
function closedParts(p: RoleProcess): unknown[] {
  return logLines(p)
    .filter((l) => l.msg === "closed")
    .map((l) => l.closed);
}

beforeAll(async () => {
  const env = { REDIS_URL: redis.url, KEY_PREFIX: `scale-${randomUUID().slice(0, 8)}:`, HEAD_CHECK_MS: "500" };
  const started = await Promise.all([
    spawnRole("server", env),
    spawnRole("server", env),
    spawnRole("server", { ...env, DRAIN_DELAY_MS: "3000" }),
    spawnRole("worker", { ...env, METRICS_PORT: "0" }),
    spawnRole("worker", { ...env, METRICS_PORT: "0" }),
  ]);
  servers.push(...started.slice(0, 3));
  workers.push(...started.slice(3));
});
afterAll(async () => {
  await Promise.all([...servers, ...workers].map((p) => p.kill("SIGKILL")));
});

describe("3 servers and 2 workers on one Redis", () => {
  it("fans every change out to readers on every server, in order, with one request id end to end", async () => {
    const apis = servers.map((s) => new Api(s.url ?? ""));
    const [api1, api2, api3] = apis;
    if (!api1 || !api2 || !api3) throw new Error("servers missing");
    expect((await api1.createFeed("fan-a")).status).toBe(201);
    expect((await api2.createFeed("fan-b")).status).toBe(201);

    const readers: Reader[] = [];
    for (const s of servers) for (const f of ["fan-a", "fan-b"]) readers.push(openReader(s.url ?? "", f));
    await Promise.all(readers.map((r) => readerReady(r)));

    // Writes enter through every server; the two workers share the jobs.
    const traced = `trace-${randomUUID().slice(0, 8)}`;
    const first = await api1.publish("fan-a", { id: "a1", body: "first" }, { "x-request-id": traced });
    expect(first.status).toBe(202);
    expect(first.headers.get("x-request-id")).toBe(traced);
    for (let i = 0; i < 6; i++) {
      const api = apis[i % 3] ?? api1;
      expect((await api.publish(i % 2 === 0 ? "fan-b" : "fan-a", { id: `e${i}`, body: `entry ${i}` })).status).toBe(
        202,
      );
    }
    await api2.edit("fan-a", "a1", { body: "first, corrected" });
    await api3.retract("fan-b", "e0");
    expect((await api3.as("not-the-token-not-the-token").publish("fan-a", { body: "x" })).status).toBe(401);

    for (const r of readers) {
      const want = r.sub.feedId === "fan-a" ? 5 : 4;
      await waitFor(() => r.events.length === want, `${want} events on a reader of ${r.sub.feedId}`);
      expect(seqs(r.events)).toEqual(Array.from({ length: want }, (_, i) => i + 1));
    }
    const reference = readers.filter((r) => r.sub.feedId === "fan-a").map((r) => JSON.stringify(r.sub.entries));
    expect(new Set(reference).size).toBe(1);

    // The request id: API request log → worker job log → every server's emit log.
    await waitFor(
      () =>
        logLines(servers[0] as RoleProcess).some(
          (l) => l.msg === "request completed" && JSON.stringify(l).includes(traced),
        ),
      "the request log line",
    );
    // Log lines travel through the child's stdout pipe: wait for them rather than race it.
    const emitted = (s: RoleProcess) => logLines(s).filter((l) => l.msg === "emitted" && l.requestId === traced);
    const jobLinesOf = () => workers.flatMap(logLines).filter((l) => l.msg === "applied" && l.requestId === traced);
    await waitFor(() => jobLinesOf().length > 0 && servers.every((s) => emitted(s).length > 0), "job and emit logs");
    const jobLines = jobLinesOf();
    expect(jobLines).toHaveLength(1);
    // The drain job this request's accept asked for: its id names the slot's drain mark, which
    // names the feed and ticket of that accept; it applied the feed up to ticket 1 at least
    // (group commit: a change accepted before it ran too).
    const [jobLine] = jobLines;
    expect(jobLine).toMatchObject({ feedId: "fan-a", jobId: expect.stringMatching(/^drain\.\d+\.\d+\.fan-a\.1$/) });
    expect(Number(jobLine?.ticket)).toBeGreaterThanOrEqual(1);
    for (const s of servers) {
      expect(emitted(s)).toMatchObject([{ feedId: "fan-a", seq: 1, type: "entry.published" }]);
    }
    // Both workers took jobs, and neither tokens nor Authorization headers reach any log.
    expect(workers.every((w) => logLines(w).some((l) => l.msg === "applied"))).toBe(true);
    for (const p of [...servers, ...workers]) {
      const text = p.output.join("");
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain("not-the-token-not-the-token");
    }
    expect(logLines(servers[0] as RoleProcess).some((l) => JSON.stringify(l).includes("[redacted]"))).toBe(true);
    for (const r of readers) r.close();
  });

  it("exposes worker metrics on METRICS_PORT", async () => {
    const bases = workers.map((w) => String(logLines(w).find((l) => l.msg === "liveline started")?.metricsUrl));
    for (const base of bases) {
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain("liveline_worker_apply_duration_seconds_bucket");
      // Polled: under load a readiness probe's 2 s limit can pass for a moment.
      await expect.poll(async () => (await fetch(`${base}/readyz`)).status).toBe(200);
    }
    const total = async (metric: string) => {
      let sum = 0;
      for (const base of bases) {
        const text = await (await fetch(`${base}/metrics`)).text();
        const line = text.split("\n").find((l) => l.startsWith(metric));
        sum += Number(line?.split(" ")[1] ?? Number.NaN);
      }
      return sum;
    };
    // Nine changes were accepted in the test above: together the workers applied them all, each
    // as one event, in at least one completed job (group commit: one job may take several).
    await waitFor(
      async () => (await total("liveline_worker_events_emitted_total")) >= 9,
      "nine events emitted across both workers",
    );
    expect(await total('liveline_worker_jobs_total{result="completed",role="worker"}')).toBeGreaterThanOrEqual(1);
    expect(await total('liveline_worker_jobs_total{result="failed",role="worker"}')).toBe(0);
  });

  it("answers 503 on /readyz while draining after SIGTERM, then exits cleanly", async () => {
    const s = servers[2];
    if (!s?.url) throw new Error("no third server");
    await expect.poll(async () => (await fetch(`${s.url}/readyz`)).status).toBe(200);
    s.child.kill("SIGTERM");
    await waitFor(async () => (await fetch(`${s.url}/readyz`)).status === 503, "readyz 503 while draining", 2500);
    const body = (await (await fetch(`${s.url}/readyz`)).json()) as { status: string };
    expect(body.status).toBe("draining");
    expect(await s.exited).toBe(0);
    // It left in the order a node must: stop accepting, hand readers over, stop its timers and
    // the relay, end SSE and HTTP connections, and only then close the queues and Redis. (The
    // process may exit before its last lines are read: poll.)
    await expect
      .poll(() => closedParts(s))
      .toEqual([
        [
          "listener",
          "readers",
          "audience",
          "presence",
          "relay",
          "sse",
          "http",
          "outputs",
          "queue",
          "redis",
          "media",
          "outbound",
        ],
        ["server role"],
      ]);
    expect(s.output.join("")).not.toContain("closing failed");
  });

  it("a worker given SIGTERM finishes, closes its parts in reverse and exits cleanly", async () => {
    const w = workers[1];
    if (w === undefined) throw new Error("no second worker");
    const metricsUrl = logLines(w).find((l) => l.msg === "liveline started")?.metricsUrl;
    if (typeof metricsUrl !== "string") throw new Error("the second worker logged no metrics listener");
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    await expect.poll(() => closedParts(w)).toEqual([["metrics", "worker", "outputs", "queue", "redis"]]);
    expect(w.output.join("")).not.toContain("closing failed");
  });
});
