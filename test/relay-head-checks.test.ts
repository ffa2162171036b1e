import { afterEach, describe, expect, it, vi } from "vitest";
import { Redis } from "ioredis";
import { createLogger } from "@liveline/core";
import { FeedRelay } from "@liveline/server";
import { useStack } from "./helpers/use-stack.js";
import { sleep, waitFor } from "./helpers/wait.js";

/**
 * The relay's periodic head checks (the net under a lost pub/sub message) each run a script on
 * Redis. A node following thousands of feeds checks them in turn, at most HEAD_CHECKS_PER_SECOND,
 * instead of all of them every HEAD_CHECK_MS; a subscriber reconnect still checks every feed.
 */
const fixture = useStack();
const logger = createLogger("test", "silent");
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
  vi.restoreAllMocks();
});

describe("relay head checks", () => {
  it("checks many feeds in turn within the rate, and repairs a feed whose event never came", async () => {
    const { api, store } = fixture.stack;
    const feeds = ["turn-a", "turn-b", "turn-c", "turn-d"];
    for (const f of feeds) await api.createFeed(f);
    const subscriber = new Redis(fixture.redis.url, { maxRetriesPerRequest: null });
    const emitted: string[] = [];
    // 250 ms a round, 8 checks a second: two feeds per round, so each feed every other round.
    const relay = new FeedRelay({
      subscriber,
      store,
      logger,
      headCheckMs: 250,
      headChecksPerSecond: 8,
      emit: (feedId, event) => emitted.push(`${feedId}#${event.seq}`),
      reset: () => undefined,
    });
    cleanup.push(
      () => relay.close(),
      () => subscriber.disconnect(),
    );
    const holder = {};
    for (const f of feeds) await relay.watch(f, holder);

    const checked: string[] = [];
    const head = store.head.bind(store);
    vi.spyOn(store, "head").mockImplementation((feedId, held) => {
      checked.push(feedId);
      return head(feedId, held);
    });
    await sleep(1100); // four rounds
    expect(checked.length).toBeGreaterThanOrEqual(6);
    expect(checked.length).toBeLessThanOrEqual(10);
    const counts = feeds.map((f) => checked.filter((c) => c === f).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);

    // An event whose pub/sub message was lost (the relay dropped its subscription to the
    // channel): the turn of its feed comes, and the relay fills the hole from the log.
    // The repaired emit still names the request that caused it: the log keeps the request id.
    const info = vi.spyOn(logger, "info");
    await subscriber.unsubscribe(store.keys.feed("turn-c").channel);
    await api.publish("turn-c", { headline: "Lost on the wire", body: "<p>x</p>" }, { "x-request-id": "lost-1" });
    await waitFor(() => emitted.includes("turn-c#1"), "the head check to repair turn-c", 5000);
    expect(info.mock.calls.filter(([, msg]) => msg === "emitted").map(([fields]) => fields)).toEqual([
      { feedId: "turn-c", seq: 1, type: "entry.published", requestId: "lost-1" },
    ]);
  });
});
