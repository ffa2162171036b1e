import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.js";
import { cutSubscribers } from "./faults.js";
import { verifyDelivery } from "./fleet.js";
import { publishStream, StreamProgress } from "./publisher.js";
import { expectNothingLost, openScenario, useCluster } from "./scenario.js";

// The delivery guarantee under real faults (docs/delivery-guarantees.md): once the API answered 202, the change reaches
// every subscribed reader, in order, once — whatever dies on the way. Each test runs 204 SDK
// readers over 2 `server` processes and 3 feeds while a bounded stream of entries (20/s,
// with corrections and retractions) is published, injects one fault, and counts per reader.
// The faults are spread over three files (delivery-*.test.ts), each with its own processes,
// so that they run side by side.

const main = useCluster({ servers: 2, workers: 2 });

describe("no entry lost when Redis restarts, pub/sub loses messages or editors race", () => {
  it("3. Redis restart (AOF): roles reconnect, publishes during the outage get 503 unavailable, none is lost", async () => {
    const s = await openScenario(main.cluster, "redis-restart");
    main.fleet = s.fleet;
    const fleet = s.fleet;
    const feed = s.feeds[0] ?? "";
    const progress = new StreamProgress();
    const stream = publishStream(main.cluster.apis(), { feeds: s.feeds, maxEntries: 60, progress });
    await progress.accepted(24); // mid-stream
    await main.cluster.redis.kill();
    // While Redis is away a publish is refused, quickly and clearly: never a false 202.
    const probe = { id: "probe", body: "sent while Redis was down" };
    const asked = Date.now();
    const during = await main.cluster.api().publish(feed, probe, { "Idempotency-Key": "probe-key" });
    console.log(`publish while Redis is down: ${during.status} after ${Date.now() - asked} ms`);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ error: { code: "unavailable" } });
    expect(during.headers.get("retry-after")).toBe("1");
    await progress.refused(1); // the stream met the outage too
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
