import { describe, expect, it } from "vitest";
import type { Entry, FeedEvent } from "@liveline/protocol";
import { openReader, readerReady, seqs } from "./helpers/reader.js";
import type { Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

const fx = useStack();
const stack = (): Stack => fx.stack;

describe("editor to reader, end to end", () => {
  it("creates a feed and reports it with seq 0", async () => {
    const res = await stack().api.createFeed("border-live", "The latest on the border");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: "border-live", title: "The latest on the border", status: "live", seq: 0 });
    expect((await stack().api.createFeed("border-live")).status).toBe(409);
    const got = await stack().api.request("GET", "/v1/feeds/border-live");
    expect(got.body).toMatchObject({ id: "border-live", seq: 0 });
  });

  it("delivers publish, edit, pin, key event and retraction to a reader in order", async () => {
    await stack().api.createFeed("evening");
    const reader = openReader(stack().url, "evening");
    await readerReady(reader);
    expect(reader.sub.entries).toEqual([]);

    const a = await stack().api.publish("evening", {
      headline: "Polls close",
      body: "<p>Polls have closed.</p>",
      author: { name: "Ana" },
    });
    expect(a.status).toBe(202);
    expect(a.body.status).toBe("queued");
    const aId = a.body.entryId;
    await waitFor(() => reader.sub.entry(aId), "entry A on the reader");
    const shown = reader.sub.entry(aId) as Entry;
    expect(shown).toMatchObject({
      headline: "Polls close",
      body: "<p>Polls have closed.</p>",
      author: { name: "Ana" },
      revision: 1,
      pinned: false,
    });

    const b = await stack().api.publish("evening", { body: "First results expected at 22:00" });
    const bId = b.body.entryId;
    expect((await stack().api.edit("evening", aId, { body: "<p>Polls have closed in most states.</p>" })).status).toBe(
      202,
    );
    expect((await stack().api.edit("evening", bId, { pinned: true, keyEvent: true })).status).toBe(202);
    expect((await stack().api.retract("evening", aId)).status).toBe(202);

    await waitFor(() => reader.events.length >= 5, "five events");
    expect(reader.events.map((e) => e.type)).toEqual([
      "entry.published",
      "entry.published",
      "entry.updated",
      "entry.updated",
      "entry.deleted",
    ]);
    expect(seqs(reader.events)).toEqual([1, 2, 3, 4, 5]);
    const edit = reader.events[2] as Extract<FeedEvent, { type: "entry.updated" }>;
    expect(edit.entry).toMatchObject({ id: aId, revision: 2, body: "<p>Polls have closed in most states.</p>" });
    expect(reader.events[4]).toMatchObject({ type: "entry.deleted", entryId: aId });

    // What the reader holds equals what the store serves.
    expect(reader.sub.entries.map((e) => e.id)).toEqual([bId]);
    expect(reader.sub.entries[0]).toMatchObject({ pinned: true, keyEvent: true, revision: 2 });
    const list = await stack().api.request<{ entries: Entry[] }>("GET", "/v1/feeds/evening/entries");
    expect(list.body.entries).toEqual(reader.sub.entries);
    expect((await stack().api.request("GET", `/v1/feeds/evening/entries/${aId}`)).status).toBe(404);
    expect((await stack().api.request("GET", `/v1/feeds/evening/entries/${bId}`)).body).toMatchObject({
      id: bId,
      revision: 2,
    });
    reader.close();
  });

  it("never brings a retracted entry back, whatever is sent after the retraction", async () => {
    await stack().api.createFeed("retract");
    const p = await stack().api.publish("retract", { id: "gone", body: "mistake" });
    expect(p.status).toBe(202);
    await stack().api.retract("retract", "gone");
    expect((await stack().api.edit("retract", "gone", { body: "revived?" })).body).toMatchObject({
      error: { code: "entry_not_found" },
    });
    // Publishing the id again -- the same content repeated or new content -- is refused with a
    // code of its own (it used to answer 202 queued and do nothing).
    for (const body of ["mistake", "revived?"]) {
      const again = await stack().api.publish("retract", { id: "gone", body });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: { code: "entry_retracted" } });
    }
    await waitFor(async () => (await stack().store.currentSeq("retract")) === 2, "publish and retraction applied");
    await new Promise((r) => setTimeout(r, 200));
    expect((await stack().api.request("GET", "/v1/feeds/retract/entries/gone")).status).toBe(404);
    expect(await stack().store.currentSeq("retract")).toBe(2);
  });

  it("changes feed metadata with a feed.updated event", async () => {
    await stack().api.createFeed("meta");
    const reader = openReader(stack().url, "meta");
    await readerReady(reader);
    expect((await stack().api.request("PATCH", "/v1/feeds/meta", { title: "New title", status: "ended" })).status).toBe(
      202,
    );
    await waitFor(() => reader.events.length === 1, "feed.updated");
    expect(reader.events[0]).toMatchObject({
      type: "feed.updated",
      seq: 1,
      feed: { title: "New title", status: "ended", seq: 1 },
    });
    expect(reader.sub.feed).toMatchObject({ title: "New title", status: "ended" });
    // An ended feed takes no new entries until it is reopened.
    expect((await stack().api.publish("meta", { body: "late" })).body).toMatchObject({ error: { code: "feed_ended" } });
    reader.close();
  });

  it("pages through history newest first with the before cursor", async () => {
    await stack().api.createFeed("paging");
    for (let i = 1; i <= 7; i++) await stack().api.publish("paging", { id: `e${i}`, body: `entry ${i}` });
    await waitFor(async () => (await stack().store.currentSeq("paging")) === 7, "seven entries applied");
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const q = cursor === undefined ? "?limit=3" : `?limit=3&before=${cursor}`;
      const res = await stack().api.request<{ entries: Entry[]; next?: string }>("GET", `/v1/feeds/paging/entries${q}`);
      seen.push(...res.body.entries.map((e) => e.id));
      cursor = res.body.next;
      if (cursor === undefined) break;
    }
    expect(seen).toEqual(["e7", "e6", "e5", "e4", "e3", "e2", "e1"]);
  });

  it("answers catch-up over HTTP and reports health", async () => {
    await stack().api.createFeed("catchup");
    for (let i = 1; i <= 4; i++) await stack().api.publish("catchup", { id: `c${i}`, body: `c ${i}` });
    await waitFor(async () => (await stack().store.currentSeq("catchup")) === 4, "applied");
    const res = await stack().api.request<{ events: FeedEvent[]; seq: number }>(
      "GET",
      "/v1/feeds/catchup/events?since=1",
    );
    expect(res.status).toBe(200);
    expect(res.body.seq).toBe(4);
    expect(seqs(res.body.events)).toEqual([2, 3, 4]);
    expect((await stack().api.request("GET", "/healthz")).body).toMatchObject({ status: "ok", redis: "ok" });
  });
});
