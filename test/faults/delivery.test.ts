import { describe, expect, it } from "vitest";
import { Worker } from "bullmq";
import { fetchCatchUp, type Entry } from "@liveline/client-sdk";
import { QUEUE_NAME } from "@liveline/core";
import { sleep, waitFor } from "../helpers/wait.js";
import { cutSubscribers } from "./faults.js";
import { Fleet, verifyDelivery } from "./fleet.js";
import { Api } from "../helpers/stack.js";
import { acceptedCount, mergeLogs, publishStream } from "./publisher.js";
import { expectNothingLost, openScenario, READERS, useCluster } from "./scenario.js";

// Invariant 4 of the design, under real faults: once the API answered 202, the change reaches
// every subscribed reader, in order, once — whatever dies on the way. Each test runs 204 SDK
// readers over 2 `server` processes and 3 feeds while a bounded stream of entries (20/s,
// with corrections and retractions) is published, injects one fault, and counts per reader.

const main = useCluster({ servers: 2, workers: 2 });

describe("no entry lost under real faults", () => {
  it("1. SIGKILL of a worker mid-stream: its jobs are redone, nothing is stored or emitted twice", async () => {
    const s = await openScenario(main.cluster, "kill-worker");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    const stream = publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 60 });
    await sleep(1200);
    const victim = main.cluster.workers[0];
    if (!victim) throw new Error("no worker");
    await main.cluster.stopWorker(victim, "SIGKILL");
    const replacement = main.cluster.addWorker();
    const log = await stream;
    await replacement;
    const report = await verifyDelivery("SIGKILL worker", main.cluster.api(), fleet, log);
    expectNothingLost(report);
    expect(report.entries).toBe(acceptedCount(log));
    main.closeFleet();
  });

  it("1b. a worker that dies holding a feed's last job: the job is redone without waiting for its lock", async () => {
    const s = await openScenario(main.cluster, "dead-holder");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    // Freeze the real workers, let a stand-in take the next job and die with it (its lock
    // stays for 30 s, as after a SIGKILL), then thaw: nothing is published after that job.
    const workers = [...main.cluster.workers];
    for (const w of workers) process.kill(w.pid, "SIGSTOP");
    let taken: () => void = () => undefined;
    const took = new Promise<void>((r) => (taken = r));
    const standIn = new Worker(
      QUEUE_NAME,
      async () => {
        taken();
        await new Promise(() => undefined);
      },
      {
        connection: { host: "127.0.0.1", port: main.cluster.redis.port },
        prefix: `{${main.cluster.env.KEY_PREFIX ?? ""}bull}`,
      },
    );
    try {
      const log = await publishStream(main.cluster.apis(), { feeds: s.feeds.slice(0, 1), maxEntries: 1 });
      await took;
      await standIn.close(true);
      for (const w of workers) process.kill(w.pid, "SIGCONT");
      const report = await verifyDelivery("worker dies holding the last job", main.cluster.api(), fleet, log, {
        timeoutMs: 15_000,
      });
      expectNothingLost(report);
      expect(report.entries).toBe(1);
      expect(main.cluster.logLines("re-drove a stuck feed").length).toBeGreaterThan(0);
    } finally {
      for (const w of workers) process.kill(w.pid, "SIGCONT");
      await standIn.close(true);
    }
    main.closeFleet();
  });

  it("2. SIGKILL of a server: its readers reconnect to the other one and resume from their seq", async () => {
    const s = await openScenario(main.cluster, "kill-server");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    const stream = publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 60 });
    await sleep(1200);
    await main.cluster.stopServer(0, "SIGKILL");
    const log = await stream;
    const report = await verifyDelivery("SIGKILL server", main.cluster.api(), fleet, log);
    expectNothingLost(report);
    // Half the readers were on the killed node and had to move.
    expect(fleet.readers.filter((r) => r.drops.length > 0).length).toBeGreaterThanOrEqual(READERS / 2);
    expect(report.resets).toBe(0);
    main.closeFleet();
    await main.cluster.startServer(0);
  });

  it("3. Redis restart (AOF): roles reconnect, publishes during the outage get 503 unavailable, none is lost", async () => {
    const s = await openScenario(main.cluster, "redis-restart");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    const feed = s.feeds[0] ?? "";
    const stream = publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 60 });
    await sleep(1200);
    await main.cluster.redis.kill();
    // While Redis is away a publish is refused, quickly and clearly: never a false 202.
    const probe = { id: "probe", body: "sent while Redis was down" };
    const asked = Date.now();
    const during = await main.cluster.api().publish(feed, probe, { "Idempotency-Key": "probe-key" });
    console.log(`publish while Redis is down: ${during.status} after ${Date.now() - asked} ms`);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ error: { code: "unavailable" } });
    expect(during.headers.get("retry-after")).toBe("1");
    await sleep(800);
    await main.cluster.redis.restart();
    const log = await stream;
    // The editor's retry with the same Idempotency-Key is accepted once Redis is back.
    const retried = await waitFor(async () => {
      const r = await main.cluster.api().publish(feed, probe, { "Idempotency-Key": "probe-key" });
      return r.status === 202 ? r : undefined;
    }, "the retried publish to be accepted");
    expect(retried.body).toMatchObject({ entryId: "probe", status: "queued" });
    log.accepted.get(feed)?.push("probe");
    // Every refusal the publisher met was a 503 `unavailable` with Retry-After.
    expect(log.refusals.length).toBeGreaterThan(0);
    for (const r of log.refusals) expect(r).toEqual({ status: 503, code: "unavailable", retryAfter: "1" });
    const report = await verifyDelivery("Redis restart", main.cluster.api(), fleet, log);
    expectNothingLost(report);
    main.closeFleet();
  });

  it("4. a lost pub/sub message with nothing published after it is still delivered (head check)", async () => {
    const s = await openScenario(main.cluster, "lost-message");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    const before = main.cluster.logLines("relay filled a gap").length;
    // Cut every server's subscriber connection again and again while the last entries are
    // published, then publish nothing more: only the relay's own checks can bring them.
    let published: () => void = () => undefined;
    const cuts = cutSubscribers(main.cluster, new Promise<void>((r) => (published = r)));
    const log = await publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 15, perSecond: 30 });
    published();
    expect(await cuts).toBeGreaterThan(0);
    const report = await verifyDelivery("lost pub/sub message", main.cluster.api(), fleet, log);
    expectNothingLost(report);
    // The fault really happened: a relay saw a hole and filled it from the log.
    expect(main.cluster.logLines("relay filled a gap").length).toBeGreaterThan(before);
    main.closeFleet();
  });

  it("6. graceful shutdown: SIGTERM drains a server over DRAIN_SPREAD_MS, a worker finishes its job, a rolling restart loses nothing", async () => {
    const s = await openScenario(main.cluster, "rolling");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    let rolled: () => void = () => undefined;
    const done = new Promise<void>((r) => (rolled = r));
    const stream = publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 600, until: done });
    await sleep(500);

    // Server 0 first: its readers leave in batches over DRAIN_SPREAD_MS (1.5 s here), not all at once.
    const drainStart = Date.now();
    const first = main.cluster.servers[0];
    const firstCode = await main.cluster.stopServer(0, "SIGTERM");
    if (firstCode !== 0) console.log(first?.output.join("").slice(-4000));
    expect(firstCode).toBe(0);
    const drainEnd = Date.now();
    const moved = fleet.readers.filter((r) => r.drops.length > 0);
    expect(moved.length).toBeGreaterThanOrEqual(READERS / 2);
    const times = moved.map((r) => r.drops[0] ?? 0);
    const spread = Math.max(...times) - Math.min(...times);
    console.log(`drain: ${moved.length} readers moved over ${spread} ms; exit after ${drainEnd - drainStart} ms`);
    // Ten batches 150 ms apart: the first and the last are at least 1.35 s apart by construction.
    expect(spread).toBeGreaterThanOrEqual(1000);
    await main.cluster.startServer(0);
    // Then server 1, whose readers (and those that moved to it) go to the new server 0.
    const second = main.cluster.servers[1];
    const secondCode = await main.cluster.stopServer(1, "SIGTERM");
    if (secondCode !== 0) console.log(second?.output.join("").slice(-4000));
    expect(secondCode).toBe(0);
    await main.cluster.startServer(1);
    // Workers: start the new one, then SIGTERM the old one, which finishes the jobs in hand.
    for (const old of [...main.cluster.workers]) {
      await main.cluster.addWorker();
      const asked = Date.now();
      const code = await main.cluster.stopWorker(old, "SIGTERM");
      console.log(`worker SIGTERM: exit ${String(code)} after ${Date.now() - asked} ms`);
      if (code !== 0) console.log(old.output.join("").slice(-3000));
      expect(code).toBe(0);
    }
    await sleep(300);
    rolled();
    const log = await stream;
    const report = await verifyDelivery("graceful rolling restart", main.cluster.api(), fleet, log);
    expectNothingLost(report);
    expect(report.resets).toBe(0);
    main.closeFleet();
  });

  it("7. editor races: the last accepted change wins, on every reader and in the store", async () => {
    const s = await openScenario(main.cluster, "races");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    const api = main.cluster.api();
    const accepted = new Map<string, string[]>(s.feeds.map((f) => [f, []]));
    const expected = new Map<string, { body: string; revision: number } | "gone">();
    const publish = async (feed: string, id: string) => {
      expect((await api.publish(feed, { id, body: `<p>${id}</p>` })).status).toBe(202);
      accepted.get(feed)?.push(id);
    };
    await Promise.all(
      s.feeds.flatMap((feed) =>
        [1, 2, 3, 4].map(async (round) => {
          const [a, b, c, d] = ["edit-now", "two-edits", "retract-vs-edit", "retract-then-edit"].map(
            (k) => `${k}-${round}`,
          );
          if (!a || !b || !c || !d) return;
          // An edit sent the moment its publish is answered, before the publish is applied.
          await publish(feed, a);
          expect((await api.edit(feed, a, { body: "<p>fixed at once</p>" })).status).toBe(202);
          expected.set(`${feed}/${a}`, { body: "<p>fixed at once</p>", revision: 2 });
          // Two edits in quick succession: the second one accepted is the final state.
          await publish(feed, b);
          expect((await api.edit(feed, b, { body: "<p>first fix</p>" })).status).toBe(202);
          expect((await api.edit(feed, b, { body: "<p>second fix</p>" })).status).toBe(202);
          expected.set(`${feed}/${b}`, { body: "<p>second fix</p>", revision: 3 });
          // A retraction racing an edit: whichever is accepted first, the entry ends retracted
          // (an edit accepted after the retraction is refused with 404).
          await publish(feed, c);
          const [edit, retract] = await Promise.all([
            api.edit(feed, c, { body: "<p>late fix</p>" }),
            api.retract(feed, c),
          ]);
          expect(retract.status).toBe(202);
          expect([202, 404]).toContain(edit.status);
          expected.set(`${feed}/${c}`, "gone");
          // A retraction then an edit: the edit is refused, the entry stays retracted.
          await publish(feed, d);
          expect((await api.retract(feed, d)).status).toBe(202);
          expect((await api.edit(feed, d, { body: "<p>too late</p>" })).body).toMatchObject({
            error: { code: "entry_not_found" },
          });
          expected.set(`${feed}/${d}`, "gone");
        }),
      ),
    );
    const report = await verifyDelivery("editor races", api, fleet, {
      accepted,
      edits: 0,
      retractions: 0,
      retracted: new Set([...expected].flatMap(([k, v]) => (v === "gone" ? [k.split("/")[1] ?? ""] : []))),
      refusals: [],
      networkErrors: 0,
    });
    expectNothingLost(report);
    for (const r of fleet.readers) {
      for (const [key, want] of expected) {
        const [feed, id] = key.split("/");
        if (feed !== r.feedId || id === undefined) continue;
        const got = r.sub.entry(id);
        if (want === "gone") expect(got).toBeUndefined();
        else expect(got).toMatchObject(want);
      }
    }
    main.closeFleet();
  });
});

describe("readers away for longer than the kept log (EVENT_LOG_LENGTH=10)", () => {
  const ctx = useCluster({ servers: 2, workers: 1, env: { EVENT_LOG_LENGTH: "10" } });

  it("5. a reader offline past the log gets a reset snapshot and ends in the store's state", async () => {
    const s = await openScenario(ctx.cluster, "asleep");
    ctx.fleet = s.fleet;
    const early = await publishStream(ctx.cluster.apis(), {
      feeds: s.feeds,
      maxEntries: 6,
      perSecond: 40,
      idPrefix: "early",
    });
    await waitFor(() => s.fleet.readers.every((r) => r.sub.seq !== undefined && r.sub.seq >= 2), "first entries");
    // Half the readers (both servers, all feeds) fall asleep, like phones overnight.
    const asleep = s.fleet.readers.filter((_, i) => i % 4 < 2);
    for (const r of asleep) r.client.disconnect();
    const since = new Map(asleep.map((r) => [r, r.sub.seq ?? 0] as const));
    const late = await publishStream(ctx.cluster.apis(), {
      feeds: s.feeds,
      maxEntries: 45,
      perSecond: 40,
      idPrefix: "late",
    });
    const log = mergeLogs(early, late);

    for (const r of asleep) r.client.connect();
    const report = await verifyDelivery("offline past the log", ctx.cluster.api(), s.fleet, log, { fullLog: false });
    expectNothingLost(report);
    // Every sleeper took a snapshot, the others never needed one.
    expect(asleep.every((r) => r.resets.length === 1)).toBe(true);
    expect(report.resets).toBe(asleep.length);
    for (const r of asleep) expect(r.resets[0]?.seq).toBeGreaterThan((since.get(r) ?? 0) + 10);
    // A mobile app with no socket at all, asleep since seq 1: one HTTP call says "start over" and gives the entries.
    const feed = s.feeds[0] ?? "";
    const r = await fetchCatchUp(ctx.cluster.urls[1] ?? "", feed, 1);
    expect(r.reset).toBe(true);
    const listed = await ctx.cluster.api().request<{ entries: Entry[] }>("GET", `/v1/feeds/${feed}/entries?limit=100`);
    expect(r.reset && new Set(r.entries.map((e) => e.id))).toEqual(new Set(listed.body.entries.map((e) => e.id)));

    ctx.closeFleet();
  });

  it("8. a reader whose socket cannot reconnect stays current over HTTP catch-up", async () => {
    const feeds = ["http-only"];
    expect((await ctx.cluster.api().createFeed("http-only")).status).toBe(201);
    // Readers whose only socket URL is server 0, with HTTP catch-up through server 1 (a CDN).
    const sleepers = Fleet.open(ctx.cluster.urls, feeds, 12, {
      url: [ctx.cluster.urls[0] ?? ""],
      catchUpUrl: ctx.cluster.urls[1] ?? "",
    });
    ctx.fleet = sleepers;
    await sleepers.ready();
    await ctx.cluster.stopServer(0, "SIGKILL");
    const log = await publishStream([new Api(ctx.cluster.urls[1] ?? "")], { feeds, maxEntries: 15, perSecond: 6 });
    const report = await verifyDelivery("socket down, HTTP catch-up", ctx.cluster.api(), sleepers, log, {
      fullLog: false,
    });
    expectNothingLost(report);
    expect(sleepers.readers.every((r) => r.client.state !== "connected")).toBe(true);
    expect(report.resets).toBe(0);
    ctx.closeFleet();
  });
});
