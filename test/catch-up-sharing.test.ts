import { io, type Socket } from "socket.io-client";
import { describe, expect, it } from "vitest";
import type { FeedEvent, SubscribeAck } from "@liveline/protocol";
import { useStack } from "./helpers/use-stack.js";
import { openReader, readerReady } from "./helpers/reader.js";
import { waitFor } from "./helpers/wait.js";

const fixture = useStack();

/** The node's catch-up counters, read from /metrics as an operator would. */
async function counters(): Promise<{ asked: number; read: number }> {
  const text = await (await fetch(`${fixture.stack.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, "m").exec(text)?.[1]);
  return { asked: value("liveline_catchup_requests_total"), read: value("liveline_catchup_reads_total") };
}

/** A socket that resumes the feed from `since`: its ack, then every event it is sent. */
async function resume(
  feedId: string,
  since: number,
  epoch: string,
): Promise<{ socket: Socket; ack: SubscribeAck; live: FeedEvent[] }> {
  const socket = io(fixture.stack.url, { transports: ["websocket"], reconnection: false });
  const live: FeedEvent[] = [];
  socket.on("feed:event", (e: FeedEvent) => live.push(e));
  const ack = await new Promise<SubscribeAck>((resolve) => socket.emit("subscribe", { feedId, since, epoch }, resolve));
  return { socket, ack, live };
}

/** Positions a reader ends up holding: the ack's catch-up, then live events past it (the SDK's rule). */
function held(ack: SubscribeAck, live: FeedEvent[]): number[] {
  if (!ack.ok || !("events" in ack)) throw new Error(`not a resume: ${JSON.stringify(ack)}`);
  let last = ack.seq;
  const out = ack.events.map((e) => e.seq);
  for (const e of live) if (e.seq > last) out.push((last = e.seq));
  return out;
}

describe("readers resuming from one position share its catch-up read", () => {
  it("answers a wave of resumes with one Redis read, and a resume after a new entry with a fresh one", async () => {
    const { api } = fixture.stack;
    const feedId = "storm";
    await api.createFeed(feedId);
    // A reader on the node keeps the feed relayed, as the readers of a busy feed do.
    const watcher = openReader(fixture.stack.url, feedId);
    await readerReady(watcher);
    for (let i = 1; i <= 5; i++) await api.publish(feedId, { headline: `Entry ${i}`, body: "<p>text</p>" });
    await waitFor(() => watcher.events.length === 5, "the watcher to hold 5 events");
    const epoch = watcher.sub.epoch ?? "";

    // 30 readers come back one after another (not at once: in-flight sharing alone would not do).
    const before = await counters();
    const wave: Awaited<ReturnType<typeof resume>>[] = [];
    for (let i = 0; i < 30; i++) wave.push(await resume(feedId, 2, epoch));
    const after = await counters();
    expect(after.asked - before.asked).toBe(30);
    expect(after.read - before.read).toBe(1);
    for (const r of wave) expect(held(r.ack, r.live)).toEqual([3, 4, 5]);

    // A new entry: the earlier result no longer covers what the node has emitted, so the next
    // resume reads again, and every reader of the wave still gets the entry live.
    await api.publish(feedId, { headline: "Entry 6", body: "<p>text</p>" });
    await waitFor(() => wave.every((r) => r.live.some((e) => e.seq === 6)), "the wave to get entry 6 live");
    const late = await resume(feedId, 2, epoch);
    expect(held(late.ack, late.live)).toEqual([3, 4, 5, 6]);
    const end = await counters();
    expect(end.read - after.read).toBe(1);
    for (const r of [...wave, late]) r.socket.close();
    watcher.close();
  });
});
