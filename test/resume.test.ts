import { describe, expect, it } from "vitest";
import { io as connect } from "socket.io-client";
import type { SubscribeAck } from "@liveline/protocol";
import type { SubscribedContext } from "@liveline/client-sdk";
import { openReader, readerReady, seqs } from "./helpers/reader.js";
import type { Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/** Resume: `since` returns exactly the missed events; too old a `since` returns a snapshot. */
const fx = useStack({ EVENT_LOG_LENGTH: "10" });
const stack = (): Stack => fx.stack;

async function publishN(feedId: string, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) await stack().api.publish(feedId, { id: `${feedId}-${i}`, body: `entry ${i}` });
}

function subscribeRaw(payload: unknown): Promise<SubscribeAck> {
  const socket = connect(stack().url, { transports: ["websocket"] });
  return new Promise((resolve) => {
    socket.emit("subscribe", payload, (ack: SubscribeAck) => {
      socket.close();
      resolve(ack);
    });
  });
}

describe("resume", () => {
  it("answers subscribe with since with exactly the events after it, in order", async () => {
    await stack().api.createFeed("resume-since");
    await publishN("resume-since", 6);
    await waitFor(async () => (await stack().store.currentSeq("resume-since")) === 6, "applied");
    const ack = await subscribeRaw({ feedId: "resume-since", since: 3 });
    expect(ack.ok && "events" in ack && seqs(ack.events)).toEqual([4, 5, 6]);
    const none = await subscribeRaw({ feedId: "resume-since", since: 6 });
    expect(none).toMatchObject({ ok: true, seq: 6, events: [] });
  });

  it("answers a since older than the kept log with a reset snapshot", async () => {
    await stack().api.createFeed("resume-old");
    await publishN("resume-old", 15); // the log keeps 10
    await waitFor(async () => (await stack().store.currentSeq("resume-old")) === 15, "applied");
    const ack = await subscribeRaw({ feedId: "resume-old", since: 2 });
    expect(ack).toMatchObject({ ok: true, seq: 15, reset: true });
    expect(ack.ok && "entries" in ack && ack.entries.map((e) => e.id).slice(0, 3)).toEqual([
      "resume-old-14",
      "resume-old-13",
      "resume-old-12",
    ]);
    const http = await stack().api.request("GET", "/v1/feeds/resume-old/events?since=2");
    expect(http.body).toMatchObject({ reset: true, seq: 15 });
  });

  it("brings a reader back with exactly the events it missed while disconnected", async () => {
    await stack().api.createFeed("resume-sdk");
    const reader = openReader(stack().url, "resume-sdk");
    await readerReady(reader);
    await publishN("resume-sdk", 3);
    await waitFor(() => reader.events.length === 3, "three live events");

    const contexts: SubscribedContext[] = [];
    reader.sub.on("subscribed", (c) => contexts.push(c));
    reader.client.disconnect();
    await publishN("resume-sdk", 4, 3);
    await waitFor(async () => (await stack().store.currentSeq("resume-sdk")) === 7, "applied while away");
    reader.client.connect();

    await waitFor(() => reader.events.length === 7, "the four missed events");
    expect(seqs(reader.events)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(contexts.at(-1)).toMatchObject({ recovered: true, reset: false, seq: 7 });
    reader.close();
  });

  it("resets a reader that was away for longer than the log reaches", async () => {
    await stack().api.createFeed("resume-reset");
    const reader = openReader(stack().url, "resume-reset");
    await readerReady(reader);
    await publishN("resume-reset", 2);
    await waitFor(() => reader.events.length === 2, "two events");
    const contexts: SubscribedContext[] = [];
    reader.sub.on("subscribed", (c) => contexts.push(c));
    reader.client.disconnect();
    await publishN("resume-reset", 14, 2);
    await stack().api.retract("resume-reset", "resume-reset-0");
    await waitFor(async () => (await stack().store.currentSeq("resume-reset")) === 17, "applied while away");
    reader.client.connect();
    await waitFor(() => contexts.length === 1, "resubscribed");
    expect(contexts[0]).toMatchObject({ reset: true, recovered: false, seq: 17 });
    const list = await stack().api.request<{ entries: { id: string }[] }>(
      "GET",
      "/v1/feeds/resume-reset/entries?limit=50",
    );
    expect(reader.sub.entries.map((e) => e.id)).toEqual(list.body.entries.map((e) => e.id));
    expect(reader.sub.entry("resume-reset-0")).toBeUndefined();
    reader.close();
  });
});
