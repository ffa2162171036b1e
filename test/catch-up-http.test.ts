import { describe, expect, it } from "vitest";
import { fetchCatchUp, type FeedEvent } from "@liveline/client-sdk";
import { seqs } from "./helpers/reader.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

const fixture = useStack({ EVENT_LOG_LENGTH: "10" });

describe("HTTP catch-up (GET /v1/feeds/:feedId/events?since=)", () => {
  it("answers with an ETag and 304 Not Modified while nothing changed", async () => {
    const { stack } = fixture;
    await stack.api.createFeed("etag");
    for (let i = 1; i <= 3; i++)
      expect((await stack.api.publish("etag", { id: `x${i}`, body: `x ${i}` })).status).toBe(202);
    await waitFor(async () => (await stack.store.currentSeq("etag")) === 3, "applied");
    const first = await stack.api.request<{ events: FeedEvent[]; seq: number }>("GET", "/v1/feeds/etag/events?since=1");
    expect(seqs(first.body.events)).toEqual([2, 3]);
    // The head page grows with the next event: a cache must revalidate it, cheaply.
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await stack.api.request("GET", "/v1/feeds/etag/events?since=1", undefined, {
      "if-none-match": etag ?? "",
    });
    expect(again.status).toBe(304);
    await stack.api.publish("etag", { id: "x4", body: "x 4" });
    await waitFor(async () => (await stack.store.currentSeq("etag")) === 4, "applied");
    const changed = await stack.api.request<{ events: FeedEvent[] }>(
      "GET",
      "/v1/feeds/etag/events?since=1",
      undefined,
      {
        "if-none-match": etag ?? "",
      },
    );
    expect(changed.status).toBe(200);
    expect(seqs(changed.body.events)).toEqual([2, 3, 4]);
  });

  it("fetchCatchUp gives the missed events, or a reset snapshot once the log no longer reaches back", async () => {
    const { stack } = fixture;
    await stack.api.createFeed("sleep");
    for (let i = 1; i <= 14; i++) await stack.api.publish("sleep", { id: `s${i}`, body: `s ${i}` });
    await stack.api.retract("sleep", "s2");
    await waitFor(async () => (await stack.store.currentSeq("sleep")) === 15, "applied");
    const recent = await fetchCatchUp(stack.url, "sleep", 12);
    expect(recent.reset).toBe(false);
    expect(!recent.reset && seqs(recent.events)).toEqual([13, 14, 15]);
    // Asleep since seq 1: the log keeps 10 events, so the answer is the current entries.
    const old = await fetchCatchUp(`${stack.url}/`, "sleep", 1);
    expect(old.reset).toBe(true);
    expect(old.seq).toBe(15);
    expect(old.reset && old.entries.map((e) => e.id).sort()).toEqual(
      ["s1", ...Array.from({ length: 12 }, (_, i) => `s${i + 3}`)].sort(),
    );
    await expect(fetchCatchUp(stack.url, "no-such-feed", 0)).rejects.toMatchObject({ status: 404 });
  });
});
