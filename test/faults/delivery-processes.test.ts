import { describe, expect, it } from "vitest";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { QUEUE_NAME, RedisConnections } from "@liveline/core";
import { verifyDelivery } from "./fleet.js";
import { acceptedCount, publishStream, StreamProgress } from "./publisher.js";
import { expectNothingLost, openScenario, READERS, useCluster } from "./scenario.js";

// The delivery guarantee under real faults (docs/delivery-guarantees.md): once the API answered 202, the change reaches
// every subscribed reader, in order, once — whatever dies on the way. Each test runs 204 SDK
// readers over 2 `server` processes and 3 feeds while a bounded stream of entries (20/s,
// with corrections and retractions) is published, injects one fault, and counts per reader.
// The faults are spread over three files (delivery-*.test.ts), each with its own processes,
// so that they run side by side.

const main = useCluster({ servers: 2, workers: 2 });

describe("no entry lost when processes die or roll", () => {
  it("1. SIGKILL of a worker mid-stream: its jobs are redone, nothing is stored or emitted twice", async () => {
    const s = await openScenario(main.cluster, "kill-worker");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    const progress = new StreamProgress();
    const stream = publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 60, progress });
    await progress.accepted(24); // mid-stream
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
    // stays for 30 s, as after a SIGKILL), then thaw: nothing is published after that job. The
    // frozen workers' nudge connections are cut first (they reconnect once thawed), so none of
    // them hears the accept's nudge and applies the feed without the job: only the sweep can.
    const workers = [...main.cluster.workers];
    for (const w of workers) process.kill(w.pid, "SIGSTOP");
    const admin = new Redis(main.cluster.redis.port, "127.0.0.1");
    const nudges = String(await admin.call("CLIENT", "LIST"))
      .split("\n")
      .filter((line) => line.includes(`name=${RedisConnections.clientName("worker-nudges")} `))
      .map((line) => /id=(\d+)/.exec(line)?.[1] ?? "");
    expect(nudges).toHaveLength(workers.length);
    for (const id of nudges) await admin.call("CLIENT", "KILL", "ID", id);
    admin.disconnect();
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
    const progress = new StreamProgress();
    const stream = publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 60, progress });
    await progress.accepted(24); // mid-stream
    await main.cluster.stopServer(0, "SIGKILL");
    try {
      const log = await stream;
      const report = await verifyDelivery("SIGKILL server", main.cluster.api(), fleet, log);
      expectNothingLost(report);
      // Half the readers were on the killed node and had to move.
      expect(fleet.readers.filter((r) => r.drops.length > 0).length).toBeGreaterThanOrEqual(READERS / 2);
      expect(report.resets).toBe(0);
    } finally {
      // The next scenario starts from two servers, whatever this one found.
      main.closeFleet();
      await main.cluster.startServer(0);
    }
  });

  it("6. graceful shutdown: SIGTERM drains a server over DRAIN_SPREAD_MS, a worker finishes its job, a rolling restart loses nothing", async () => {
    const s = await openScenario(main.cluster, "rolling");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    let rolled: () => void = () => undefined;
    const done = new Promise<void>((r) => (rolled = r));
    const progress = new StreamProgress();
    // The stream ends when the roll is done (`until`); the cap is only a bound, set far above what
    // a slow roll needs (600 entries ran out on a busy machine before the last restart).
    const stream = publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 3000, until: done, progress });
    await progress.accepted(10);

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
    await progress.accepted(progress.acceptedEntries + 6); // a few through the restarted processes
    rolled();
    const log = await stream;
    const report = await verifyDelivery("graceful rolling restart", main.cluster.api(), fleet, log);
    expectNothingLost(report);
    expect(report.resets).toBe(0);
    main.closeFleet();
  });
});
