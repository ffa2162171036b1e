import { describe, expect, it } from "vitest";
import { fetchCatchUp, type Entry } from "@liveline/client-sdk";
import { waitFor } from "../helpers/wait.js";
import { Fleet, verifyDelivery } from "./fleet.js";
import { Api } from "../helpers/stack.js";
import { mergeLogs, publishStream } from "./publisher.js";
import { expectNothingLost, openScenario, useCluster } from "./scenario.js";

// The delivery guarantee under real faults (docs/delivery-guarantees.md): once the API answered 202, the change reaches
// every subscribed reader, in order, once — whatever dies on the way. Each test runs 204 SDK
// readers over 2 `server` processes and 3 feeds while a bounded stream of entries (20/s,
// with corrections and retractions) is published, injects one fault, and counts per reader.
// The faults are spread over three files (delivery-*.test.ts), each with its own processes,
// so that they run side by side.

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
    // They catch up every 500 ms: 6 entries a second against a log of 10 leaves them within it
    // (at the default 3 s they would be past it, and start over from a snapshot).
    const sleepers = Fleet.open(ctx.cluster.urls, feeds, 12, {
      url: [ctx.cluster.urls[0] ?? ""],
      catchUpUrl: ctx.cluster.urls[1] ?? "",
      httpCatchUpInterval: 500,
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
