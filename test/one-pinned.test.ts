import { describe, expect, it } from "vitest";
import type { Entry, FeedEvent } from "@liveline/protocol";
import { openReader, readerReady, seqs } from "./helpers/reader.js";
import type { Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// One entry is pinned at a time: the apply script unpins the one pinned before, as an
// entry.updated of its own seq, before the change that pins the next one.

const fx = useStack();

/** [type, entry id] of each event, to compare a sequence at a glance. */
const what = (events: FeedEvent[]) =>
  events.map((e) => [e.type, e.type === "entry.deleted" ? e.entryId : e.type === "feed.updated" ? "" : e.entry.id]);
const stack = (): Stack => fx.stack;

describe("the pinned entry", () => {
  it("moves: publishing or pinning another entry unpins the previous one, one event and seq each", async () => {
    await stack().api.createFeed("pins");
    const reader = openReader(stack().url, "pins");
    await readerReady(reader);

    await stack().api.publish("pins", { id: "a", body: "What we know", pinned: true });
    await stack().api.publish("pins", { id: "plain", body: "Not pinned" });
    await stack().api.publish("pins", { id: "b", body: "What we know now", pinned: true });
    await waitFor(() => reader.events.length >= 4, "four events");
    expect(what(reader.events)).toEqual([
      ["entry.published", "a"],
      ["entry.published", "plain"],
      ["entry.updated", "a"],
      ["entry.published", "b"],
    ]);
    expect(reader.events[2]).toMatchObject({ type: "entry.updated", entry: { id: "a", pinned: false, revision: 2 } });
    expect(reader.sub.entries.filter((e) => e.pinned).map((e) => e.id)).toEqual(["b"]);

    // Pinning through an edit moves it back; an edit of the pinned entry unpins nothing.
    await stack().api.edit("pins", "a", { pinned: true });
    await stack().api.edit("pins", "a", { body: "What we know, corrected" });
    await waitFor(() => reader.events.length >= 7, "seven events");
    expect(what(reader.events.slice(4))).toEqual([
      ["entry.updated", "b"],
      ["entry.updated", "a"],
      ["entry.updated", "a"],
    ]);
    expect(seqs(reader.events)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Each unpin is an event of the log like any other: stamped with the feed's epoch.
    expect(reader.sub.epoch).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(reader.events.map((e) => e.epoch)).toEqual(reader.events.map(() => reader.sub.epoch));
    expect(reader.sub.entries.filter((e) => e.pinned).map((e) => e.id)).toEqual(["a"]);

    // The store agrees with the reader, and a late reader's snapshot holds one pinned entry.
    const list = await stack().api.request<{ entries: Entry[] }>("GET", "/v1/feeds/pins/entries");
    expect(list.body.entries.filter((e) => e.pinned).map((e) => e.id)).toEqual(["a"]);
    expect((await stack().api.request("GET", "/v1/feeds/pins")).body).toMatchObject({ seq: 7 });
    const late = openReader(stack().url, "pins");
    await readerReady(late);
    expect(late.sub.entries.filter((e) => e.pinned).map((e) => e.id)).toEqual(["a"]);
    late.close();
    reader.close();
  });
});
