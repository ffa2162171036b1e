import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Parts, createLogger, startParts, type Part } from "@liveline/core";

/** A logger whose lines the test reads back. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger("parts-test", "info", sink);
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A part that writes what happens to it into `seen`. */
function recorder(seen: string[], name: string, extra: Partial<Part> = {}): Part {
  return {
    name,
    start: () => {
      seen.push(`start ${name}`);
    },
    close: () => {
      seen.push(`close ${name}`);
    },
    ...extra,
  };
}

describe("a process as a list of parts", () => {
  it("starts the parts in order and closes them in reverse, each once", async () => {
    const seen: string[] = [];
    const { logger, lines } = capturedLogger();
    const handle = await startParts(logger, async (parts) => {
      for (const name of ["redis", "queue", "listener"]) await parts.add(recorder(seen, name));
      return { close: () => parts.close() };
    });
    expect(seen).toEqual(["start redis", "start queue", "start listener"]);
    await Promise.all([handle.close(), handle.close()]);
    await handle.close();
    expect(seen.slice(3)).toEqual(["close listener", "close queue", "close redis"]);
    expect(lines().filter((l) => l.msg === "closed")).toMatchObject([{ closed: ["listener", "queue", "redis"] }]);
  });

  it("waits for a part's start before starting the next, and for its close before closing the one before", async () => {
    const seen: string[] = [];
    const { logger } = capturedLogger();
    const slow = (name: string): Part => ({
      name,
      start: async () => {
        await new Promise((r) => setTimeout(r, 20));
        seen.push(`start ${name}`);
      },
      close: async () => {
        await new Promise((r) => setTimeout(r, 20));
        seen.push(`close ${name}`);
      },
    });
    const close = await startParts(logger, async (parts) => {
      await parts.add(slow("a"));
      await parts.add(recorder(seen, "b"));
      return () => parts.close();
    });
    await close();
    expect(seen).toEqual(["start a", "start b", "close b", "close a"]);
  });

  it("a close that fails is logged and the parts before it still close", async () => {
    const seen: string[] = [];
    const { logger, lines } = capturedLogger();
    const close = await startParts(logger, async (parts) => {
      await parts.add(recorder(seen, "redis"));
      await parts.add(
        recorder(seen, "queue", {
          close: () => {
            throw new Error("queue would not close");
          },
        }),
      );
      await parts.add(
        recorder(seen, "outputs", {
          close: () => Promise.reject(new Error("outputs would not close")),
        }),
      );
      return () => parts.close();
    });
    await expect(close()).resolves.toBeUndefined();
    expect(seen).toEqual(["start redis", "start queue", "start outputs", "close redis"]);
    const failures = lines().filter((l) => l.msg === "closing failed; closing the rest");
    expect(failures.map((l) => [l.step, l.err])).toEqual([
      ["outputs", "outputs would not close"],
      ["queue", "queue would not close"],
    ]);
    expect(lines().filter((l) => l.msg === "closed")).toMatchObject([{ closed: ["redis"] }]);
  });

  it("a close that never settles is given up after the limit, named in the log, and the parts before it still close", async () => {
    const seen: string[] = [];
    const { logger, lines } = capturedLogger();
    const parts = new Parts(logger, 50);
    await parts.add(recorder(seen, "redis"));
    await parts.add(recorder(seen, "worker", { close: () => new Promise<void>(() => undefined) }));
    await expect(parts.close()).resolves.toBeUndefined();
    expect(seen).toEqual(["start redis", "start worker", "close redis"]);
    expect(lines().filter((l) => l.msg === "closing failed; closing the rest")).toMatchObject([
      { step: "worker", err: "not closed after 50 ms" },
    ]);
    expect(lines().filter((l) => l.msg === "closed")).toMatchObject([{ closed: ["redis"] }]);
  });
  it("a part that fails to start closes itself and those started before it, and the error comes out", async () => {
    const seen: string[] = [];
    const { logger } = capturedLogger();
    const started = startParts(logger, async (parts) => {
      await parts.add(recorder(seen, "redis"));
      await parts.add(
        recorder(seen, "listener", {
          start: () => Promise.reject(new Error("EADDRINUSE")),
        }),
      );
      await parts.add(recorder(seen, "never"));
      return parts;
    });
    await expect(started).rejects.toThrow("EADDRINUSE");
    expect(seen).toEqual(["start redis", "close listener", "close redis"]);
  });

  it("is ready when every part is, names each part's state, and answers draining once drained", async () => {
    const { logger } = capturedLogger();
    let subscribed = true;
    const parts = await startParts(logger, async (p) => {
      await p.add({ name: "timer", close: () => undefined });
      await p.add({
        name: "redis",
        ready: () => Promise.resolve(true),
        notReady: "unreachable",
        close: () => undefined,
      });
      await p.add({ name: "queue", ready: () => true, notReady: "unusable", close: () => undefined });
      await p.add({ name: "relay", ready: () => subscribed, notReady: "not_subscribed", close: () => undefined });
      return p;
    });
    expect(await parts.readiness()).toEqual({
      ready: true,
      body: { status: "ready", redis: "ok", queue: "ok", relay: "ok" },
    });

    subscribed = false;
    expect(await parts.readiness()).toEqual({
      ready: false,
      body: { status: "unavailable", redis: "ok", queue: "ok", relay: "not_subscribed" },
    });

    subscribed = true;
    parts.drain();
    expect(parts.isDraining).toBe(true);
    expect(await parts.readiness()).toEqual({ ready: false, body: { status: "draining" } });
    await parts.close();
  });

  it("a readiness check that throws counts as not ready", async () => {
    const { logger } = capturedLogger();
    const parts = await startParts(logger, async (p) => {
      await p.add({
        name: "redis",
        ready: () => Promise.reject(new Error("ECONNREFUSED")),
        notReady: "unreachable",
        close: () => undefined,
      });
      await p.add({ name: "worker", ready: () => false, close: () => undefined });
      return p;
    });
    expect(await parts.readiness()).toEqual({
      ready: false,
      body: { status: "unavailable", redis: "unreachable", worker: "unavailable" },
    });
    await parts.close();
  });

  it("takes no part once closing", async () => {
    const { logger } = capturedLogger();
    const parts = await startParts(logger, (p) => Promise.resolve(p));
    await parts.close();
    await expect(parts.add({ name: "late", close: () => undefined })).rejects.toThrow("the process is closing");
  });
});
