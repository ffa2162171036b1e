import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The README's "Socket.IO on the wire" session, frame by frame, with a bare WebSocket: what a
 * native developer's Socket.IO client exchanges with the server. If this changes, the README
 * section must change with it.
 */
const fixture = useStack();

/** A raw Engine.IO 4 / Socket.IO 5 connection that records text frames and answers pings. */
async function rawSocket(base: string): Promise<{ frames: string[]; send(frame: string): void; close(): void }> {
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on("message", (data: Buffer) => {
    const frame = data.toString();
    if (frame === "2") ws.send("3");
    else frames.push(frame);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { frames, send: (f) => ws.send(f), close: () => ws.close() };
}

/** The JSON after a packet's type digits (and ack id). */
function payload(frame: string, prefix: string): unknown {
  expect(frame.startsWith(prefix), `${frame} starts with ${prefix}`).toBe(true);
  return JSON.parse(frame.slice(prefix.length)) as unknown;
}

describe("Socket.IO on the wire", () => {
  it("speaks the documented session: open, connect, subscribe ack, feed:event, unsubscribe ack", async () => {
    const { stack } = fixture;
    await stack.api.createFeed("election-night", "Election night, live");
    await stack.api.publish("election-night", { id: "polls-close", body: "<p>Polls have closed.</p>" });
    await stack.api.publish("election-night", { id: "turnout", body: "Turnout 71%" });
    await waitFor(async () => (await stack.store.currentSeq("election-night")) === 2, "two entries applied");

    const s = await rawSocket(stack.url);
    await waitFor(() => s.frames.length === 1, "the open packet");
    expect(payload(s.frames[0] ?? "", "0")).toMatchObject({ sid: expect.any(String), pingInterval: 25_000 });

    s.send("40");
    await waitFor(() => s.frames.length === 2, "the namespace connect");
    expect(payload(s.frames[1] ?? "", "40")).toMatchObject({ sid: expect.any(String) });

    const head = await stack.store.head("election-night");
    const epoch = head.exists ? head.epoch : "";
    s.send(`420["subscribe",{"feedId":"election-night","since":1,"epoch":"${epoch}"}]`);
    await waitFor(() => s.frames.length === 3, "the subscribe ack");
    const [ack] = payload(s.frames[2] ?? "", "430") as unknown[];
    expect(ack).toMatchObject({
      ok: true,
      seq: 2,
      epoch,
      feed: { id: "election-night", seq: 2 },
      events: [{ seq: 2, epoch, type: "entry.published", entry: { id: "turnout" } }],
    });

    await stack.api.edit("election-night", "turnout", { body: "Turnout 72%" });
    await waitFor(() => s.frames.length === 4, "the pushed event");
    expect(payload(s.frames[3] ?? "", "42")).toMatchObject([
      "feed:event",
      { feedId: "election-night", seq: 3, epoch, type: "entry.updated", entry: { id: "turnout", revision: 2 } },
    ]);

    s.send('421["unsubscribe",{"feedId":"election-night"}]');
    await waitFor(() => s.frames.length === 5, "the unsubscribe ack");
    expect(payload(s.frames[4] ?? "", "431")).toEqual([{ ok: true }]);

    // The other two ack shapes: a snapshot without `since`, and an error.
    s.send('422["subscribe",{"feedId":"election-night"}]');
    s.send('423["subscribe",{"feedId":"Not A Slug"}]');
    await waitFor(() => s.frames.length === 7, "two more acks");
    const acks = s.frames.slice(5).sort();
    const [snapshot] = payload(acks[0] ?? "", "432") as unknown[];
    expect(snapshot).toMatchObject({ ok: true, reset: true, seq: 3 });
    expect((snapshot as { entries: { id: string }[] }).entries.map((e) => e.id)).toEqual(["turnout", "polls-close"]);
    expect(payload(acks[1] ?? "", "433")).toMatchObject([{ ok: false, error: { code: "validation_failed" } }]);
    s.close();
  });
});
