import { afterEach, describe, expect, it } from "vitest";
import { openReader, readerReady, seqs } from "./helpers/reader.js";
import { openSse, seqOf } from "./helpers/sse.js";
import { startStallProxy, type StallProxy } from "./helpers/stall-proxy.js";
import type { Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * A reader whose connection stops taking data (a phone in a tunnel, a stalled proxy) must not
 * make a server hold everything published meanwhile. Past MAX_READER_BACKLOG_BYTES waiting it is
 * disconnected, counted, and, as after any dropped connection, it resumes from its last seq and
 * ends with every event once and in order. Everyone else is untouched.
 */
const fx = useStack({
  MAX_READER_BACKLOG_BYTES: String(64 * 1024),
  READER_BACKLOG_GRACE_MS: "200",
  RATE_LIMIT_PUBLISHES: "0",
});
const stack = (): Stack => fx.stack;

async function cuts(transport: string): Promise<number> {
  const text = await (await fetch(`${stack().url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`liveline_slow_readers_cut_total{transport="${transport}"`));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

/**
 * Publish entries of about 19 KB, 10 at a time, until the server cut a reader off over
 * `transport`: past loopback's kernel buffers (about 4 MB), the cap, and the grace period.
 * Returns how many were published (bounded: 600, 11 MB).
 */
async function publishUntilCut(feedId: string, transport: string): Promise<number> {
  const body = `<p>${"Reporters at the count describe long queues. ".repeat(410)}</p>`;
  let n = 0;
  while ((await cuts(transport)) === 0 && n < 600) {
    const batch = Array.from({ length: 10 }, (_, k) => n + k);
    n += batch.length;
    const res = await Promise.all(batch.map((k) => stack().api.publish(feedId, { id: `${feedId}-${k}`, body })));
    for (const r of res) expect(r.status).toBe(202);
  }
  return n;
}

const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

let proxy: StallProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe("slow readers", () => {
  it("disconnects an SDK reader that stops reading; it comes back with every event once, in order", async () => {
    await stack().api.createFeed("slow-sdk");
    proxy = await startStallProxy(stack().url);
    const fast = openReader(stack().url, "slow-sdk");
    const slow = openReader(proxy.url, "slow-sdk");
    await Promise.all([readerReady(fast), readerReady(slow)]);
    const resumed: boolean[] = [];
    slow.sub.on("subscribed", (s) => resumed.push(s.recovered));
    proxy.stall();
    const published = await publishUntilCut("slow-sdk", "websocket");
    await waitFor(() => fast.events.length >= published, "the fast reader has every event", 30_000);
    expect(seqs(fast.events)).toEqual(upTo(published));
    expect(await cuts("websocket")).toBe(1);
    expect(slow.events.length).toBeLessThan(published);

    proxy.resume();
    await waitFor(() => slow.events.length >= published, "the slow reader caught up", 30_000);
    expect(seqs(slow.events)).toEqual(upTo(published));
    expect(resumed).toEqual([true]);
    expect(slow.sub.entries.map((e) => e.id)).toEqual(fast.sub.entries.map((e) => e.id));
    expect(await cuts("websocket")).toBe(1);
    fast.close();
    slow.close();
  });

  it("cuts off an SSE stream that stops reading; Last-Event-ID brings back the rest", async () => {
    await stack().api.createFeed("slow-sse");
    proxy = await startStallProxy(stack().url);
    const sse = await openSse(`${proxy.url}/v1/feeds/slow-sse/stream`);
    await waitFor(() => sse.messages.some((m) => m.event === "reset"), "the stream's snapshot");
    proxy.stall();
    const published = await publishUntilCut("slow-sse", "sse");
    proxy.resume();
    await waitFor(() => sse.ended(), "the reader sees its stream end");
    const first = sse.messages.filter((m) => m.event === "entry.published").map(seqOf);
    expect(first.length).toBeLessThan(published);

    const last = first.at(-1) ?? 0;
    const again = await openSse(`${stack().url}/v1/feeds/slow-sse/stream`, { "last-event-id": String(last) });
    // The catch-up (megabytes) is far above the cap at once; a stream that reads it is kept.
    await waitFor(() => again.messages.length >= published - last, "the rest of the events");
    expect([...first, ...again.messages.map(seqOf)]).toEqual(upTo(published));
    expect(again.ended()).toBe(false);
    expect(await cuts("sse")).toBe(1);
    again.close();
  });
});
