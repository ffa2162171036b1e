import { describe, expect, it } from "vitest";
import { CoalescedReads } from "@liveline/core";

/** A read whose completion the test controls; `started` lists keys in the order reads began. */
function controlledReads() {
  const started: string[] = [];
  // Each read resolves to "<key>#<n>", n being the order in which it started.
  const pending: { key: string; n: number; resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  const reads = new CoalescedReads<string>(
    (key) =>
      new Promise<string>((resolve, reject) => {
        started.push(key);
        pending.push({ key, n: started.length, resolve, reject });
      }),
  );
  const settle = (ok = true) => {
    const p = pending.shift();
    if (!p) throw new Error("no read in flight");
    if (ok) p.resolve(`${p.key}#${p.n}`);
    else p.reject(new Error(`${p.key} failed`));
  };
  return { reads, started, settle };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("CoalescedReads", () => {
  it("says whether a key's read is in flight, until it settles, failed or not", async () => {
    const { reads, settle } = controlledReads();
    expect(reads.running("feed")).toBe(false);
    const first = reads.get("feed");
    expect(reads.running("feed")).toBe(true);
    expect(reads.running("other")).toBe(false);
    settle(false);
    await expect(first).rejects.toThrow("feed failed");
    await tick();
    expect(reads.running("feed")).toBe(false);
  });

  it("serves callers that arrive during a read with one later read, started after they asked", async () => {
    const { reads, started, settle } = controlledReads();
    const first = reads.get("feed");
    const second = reads.get("feed");
    const third = reads.get("feed");
    expect(started).toEqual(["feed"]);
    settle();
    expect(await first).toBe("feed#1");
    await tick();
    // Only now does the shared second read begin.
    expect(started).toEqual(["feed", "feed"]);
    settle();
    expect(await second).toBe("feed#2");
    expect(await third).toBe("feed#2");
    // Nothing in flight any more: the next caller starts a fresh read at once.
    const fourth = reads.get("feed");
    expect(started).toHaveLength(3);
    settle();
    expect(await fourth).toBe("feed#3");
  });

  it("keeps keys apart and passes a failure only to the callers of the read that failed", async () => {
    const { reads, started, settle } = controlledReads();
    const a = reads.get("a");
    const b = reads.get("b");
    const aLater = reads.get("a");
    expect(started).toEqual(["a", "b"]);
    settle(false);
    await expect(a).rejects.toThrow("a failed");
    await tick();
    expect(started).toEqual(["a", "b", "a"]);
    settle();
    expect(await b).toBe("b#2");
    settle();
    expect(await aLater).toBe("a#3");
  });

  it("answers a reusable caller from the latest result it keeps, and keeps no more keys than asked", async () => {
    let n = 0;
    const reads = new CoalescedReads<number>(() => Promise.resolve(++n), 2);
    expect(await reads.get("a")).toBe(1);
    expect(await reads.get("a", (v) => v === 1)).toBe(1); // still good: no read
    expect(await reads.get("a", () => false)).toBe(2); // not good enough for this caller: a read
    await reads.get("b");
    await reads.get("c"); // a third key: "a", the least recently read, goes
    expect(await reads.get("a", () => true)).toBe(5);
    expect(reads.counts).toEqual({ asked: 6, read: 5 });

    let m = 0;
    const keepsNothing = new CoalescedReads<number>(() => Promise.resolve(++m));
    await keepsNothing.get("x");
    expect(await keepsNothing.get("x", () => true)).toBe(2);
  });
});
