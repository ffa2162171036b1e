import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { ConfigError, freePort, parseRedisTarget, resolveRedis, type ResolvedRedis } from "@liveline/core";
import { loadConfig } from "@liveline/server";
import { loadWorkerConfig } from "@liveline/worker";
import { spawnRole } from "./helpers/role-process.js";

describe("configuration", () => {
  it("applies the documented defaults and freezes the result", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      role: "all",
      keyPrefix: "liveline:",
      eventLogLength: 1000,
      generatedToken: true,
    });
    expect(c.editorTokens).toHaveLength(1);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("reads a Redis Sentinel URL, and asks a replica's acknowledgment on Sentinel by default", () => {
    expect(
      parseRedisTarget("redis+sentinel://:s3cret@10.0.0.1:26379,[::1]:26380/mymaster/2?sentinelPassword=p"),
    ).toEqual({
      kind: "sentinel",
      sentinels: [
        { host: "10.0.0.1", port: 26379 },
        { host: "::1", port: 26380 },
      ],
      name: "mymaster",
      db: 2,
      password: "s3cret",
      sentinelPassword: "p",
    });
    expect(parseRedisTarget("redis+sentinel://app:pw@s1:26379/cache")).toMatchObject({ username: "app", db: 0 });
    const sentinel = loadConfig({ REDIS_URL: "redis+sentinel://s1:26379,s2:26379/mymaster" });
    expect(sentinel.replicaAcks).toEqual({ replicas: 1, timeoutMs: 1000 });
    expect(loadConfig({ REDIS_URL: "redis://r:6379" }).replicaAcks.replicas).toBe(0);
    expect(
      loadConfig({ REDIS_URL: "redis+sentinel://s1:26379/m", REDIS_WAIT_REPLICAS: "0" }).replicaAcks.replicas,
    ).toBe(0);
    for (const bad of [
      "redis+sentinel://s1:26379", // no master name
      "redis+sentinel://s1/mymaster", // no port
      "redis+sentinel://s1:26379/mymaster/x",
      "redis+sentinel://s1:26379/mymaster?db=1",
    ]) {
      expect(() => loadConfig({ REDIS_URL: bad }), bad).toThrow(
        /REDIS_URL: redis\+cluster:\/\/ needs .*redis\+sentinel/,
      );
    }
  });

  it("reports every bad value at once", () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: "http",
        ROLE: "boss",
        REDIS_URL: "localhost",
        EDITOR_TOKENS: "short",
        MAX_READER_BACKLOG_BYTES: "1024", // below the 16 KiB floor
        READER_BACKLOG_GRACE_MS: "-1",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of [
      "PORT",
      "ROLE",
      "REDIS_URL",
      "EDITOR_TOKENS",
      "MAX_READER_BACKLOG_BYTES",
      "READER_BACKLOG_GRACE_MS",
    ])
      expect(problems).toContain(name);
  });

  it("reads OEMBED_ENDPOINTS over the defaults, and names what is wrong with it", () => {
    const origins = (env: Record<string, string>) =>
      Object.fromEntries([...loadConfig(env).oembed.endpoints].map(([p, u]) => [p, u.origin]));
    expect(origins({})).toEqual({
      youtube: "https://www.youtube.com",
      vimeo: "https://vimeo.com",
      x: "https://publish.twitter.com",
      bluesky: "https://embed.bsky.app",
      tiktok: "https://www.tiktok.com",
    });
    expect(origins({ OEMBED_ENDPOINTS: "off" })).toEqual({});
    expect(origins({ OEMBED_ENDPOINTS: "x=off, instagram=https://graph.example/oembed?access_token=a|b" })).toEqual({
      youtube: "https://www.youtube.com",
      vimeo: "https://vimeo.com",
      bluesky: "https://embed.bsky.app",
      tiktok: "https://www.tiktok.com",
      instagram: "https://graph.example",
    });
    expect(loadConfig({}).oembed.timeoutMs).toBe(2000);
    expect(() => loadConfig({ OEMBED_ENDPOINTS: "myspace=https://m.example/oembed" })).toThrow(
      /OEMBED_ENDPOINTS: "myspace=https:\/\/m.example\/oembed" must be <provider>=<URL>/,
    );
    expect(() => loadConfig({ OEMBED_ENDPOINTS: "youtube=ftp://x" })).toThrow(/OEMBED_ENDPOINTS: youtube: "ftp:\/\/x"/);
    expect(() => loadConfig({ OEMBED_TIMEOUT_MS: "50" })).toThrow(/OEMBED_TIMEOUT_MS/);
  });

  it("refuses to start in production without editor tokens", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/EDITOR_TOKENS/);
  });

  it("reads each role's own settings only: the server not the worker's, the worker not the server's", () => {
    const workerOnly = { WORKER_CONCURRENCY: "0", SWEEP_INTERVAL_MS: "5", METRICS_PORT: "ninety" };
    const serverOnly = { PORT: "http", LISTEN_BACKLOG: "0", SSE_HEARTBEAT_MS: "1", MEDIA_MAX_BYTES: "x" };
    const problems = (load: () => unknown): string[] => {
      try {
        load();
        return [];
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.problems.map((p) => p.split(":")[0] ?? p);
      }
    };
    // ROLE=server runs no worker: the worker's variables are not its business.
    const server = loadConfig({ ROLE: "server", ...workerOnly });
    expect(server.role).toBe("server");
    expect(server).not.toHaveProperty("workerConcurrency");
    expect(problems(() => loadConfig({ ROLE: "server", ...serverOnly }))).toEqual(Object.keys(serverOnly));
    // A worker reads the shared section, its own and the outputs', never the server's.
    const worker = loadWorkerConfig({ ROLE: "worker", ...serverOnly });
    expect(worker).toMatchObject({ role: "worker", workerConcurrency: 8, outputs: { concurrency: 4 } });
    expect(worker).not.toHaveProperty("port");
    expect(problems(() => loadWorkerConfig({ ...serverOnly, ...workerOnly })).sort()).toEqual(
      Object.keys(workerOnly).sort(),
    );
    // ROLE=all (npm start) runs both, and reads both.
    expect(problems(() => loadConfig({ ...serverOnly, ...workerOnly })).sort()).toEqual(
      Object.keys({ ...serverOnly, ...workerOnly }).sort(),
    );
    // Both read the outputs' section (the worker runs the pipeline, the server serves its routes).
    const halfVapid = { VAPID_PUBLIC_KEY: "B".repeat(87) };
    for (const load of [() => loadConfig({ ROLE: "server", ...halfVapid }), () => loadWorkerConfig(halfVapid)])
      expect(load).toThrow(/VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both or neither/);
  });

  it("a worker process refuses only its own bad settings, a server process only its own", async () => {
    const bad = { PORT: "nope", WORKER_CONCURRENCY: "0" };
    const worker = spawnRole("worker", bad, { compiled: false });
    await expect(worker).rejects.toThrow(/WORKER_CONCURRENCY: /);
    await expect(worker).rejects.not.toThrow(/PORT: /);
    const server = spawnRole("server", bad, { compiled: false });
    await expect(server).rejects.toThrow(/PORT: must be a whole number/);
    await expect(server).rejects.not.toThrow(/WORKER_CONCURRENCY/);
  });

  it("stops the process with a clear message on a bad value", async () => {
    // From source through tsx, as `npm start` runs it.
    await expect(spawnRole("all", { PORT: "nope" }, { compiled: false })).rejects.toThrow(
      /PORT: must be a whole number/,
    );
  });
});

describe("finding Redis for npm start", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("launches an embedded redis-server with an append-only file when nothing answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "liveline-data-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const nowhere = { host: "127.0.0.1", port: await freePort() };
    const first: ResolvedRedis = await resolveRedis(undefined, dir, nowhere);
    expect(first.source).toBe("embedded");
    const r = new Redis(first.url);
    await r.set("survives", "a restart");
    r.disconnect();
    await first.embedded?.stop();
    expect(readdirSync(dir).join(" ")).toMatch(/appendonly/);

    const second = await resolveRedis(undefined, dir, nowhere);
    cleanups.push(() => second.embedded?.stop());
    const again = new Redis(second.url);
    expect(await again.get("survives")).toBe("a restart");
    again.disconnect();
  });

  it("prefers REDIS_URL, then a local Redis", async () => {
    expect(await resolveRedis("redis://example:1", "./data")).toEqual({
      url: "redis://example:1",
      source: "REDIS_URL",
    });
  });

  it("says what to install when there is no redis-server at all", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    cleanups.push(() => {
      process.env.PATH = path;
    });
    const nowhere = { host: "127.0.0.1", port: await freePort() };
    await expect(resolveRedis(undefined, "./data", nowhere)).rejects.toThrow(/install redis-server/);
  });
});
