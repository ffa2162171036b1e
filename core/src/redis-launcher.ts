import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import { createServer, connect } from "node:net";
import { delimiter, join, resolve } from "node:path";

/** Is something answering on host:port within `timeoutMs`? */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      srv.close(() => done(port));
    });
  });
}

/** The first executable `redis-server` on PATH, if any. */
/** Wait until `child` listens on `port`; fail if it exits first or takes longer than `timeoutMs`. */
export async function waitUntilListening(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect("127.0.0.1", port, 200))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`redis-server did not start on port ${port} (exit code ${String(child.exitCode)})`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function findRedisServer(path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir.length === 0) continue;
    const candidate = join(dir, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface EmbeddedRedis {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** `redis-server` arguments for a private server on loopback `port` keeping its files in `dir`. */
export function loopbackRedisArgs(port: number, dir: string, settings: Record<string, string> = {}): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    ...Object.entries(settings).flatMap(([k, v]) => [`--${k}`, v]),
  ];
}

/**
 * Launch a private `redis-server` for `npm start` when no Redis is configured or running:
 * append-only file on, data under `dataDir`, bound to loopback only.
 */
export async function launchEmbeddedRedis(dataDir: string): Promise<EmbeddedRedis> {
  const bin = findRedisServer();
  if (bin === undefined) {
    throw new Error(
      "no Redis found: set REDIS_URL, start Redis on 127.0.0.1:6379, or install redis-server (e.g. `apt-get install redis-server` or `brew install redis`)",
    );
  }
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(bin, loopbackRedisArgs(port, dir, { appendonly: "yes", save: "", "protected-mode": "yes" }), {
    stdio: "ignore",
  });
  await waitUntilListening(port, child, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}

export interface ResolvedRedis {
  url: string;
  source: "REDIS_URL" | "local" | "embedded";
  embedded?: EmbeddedRedis;
}

/**
 * Where `npm start` finds Redis: `REDIS_URL` if set; else a Redis already answering on
 * 127.0.0.1:6379; else an embedded `redis-server` launched from PATH with data in `dataDir`.
 */
export async function resolveRedis(
  redisUrl: string | undefined,
  dataDir: string,
  local: { host: string; port: number } = { host: "127.0.0.1", port: 6379 },
): Promise<ResolvedRedis> {
  if (redisUrl !== undefined) return { url: redisUrl, source: "REDIS_URL" };
  if (await canConnect(local.host, local.port)) return { url: `redis://${local.host}:${local.port}`, source: "local" };
  const embedded = await launchEmbeddedRedis(dataDir);
  return { url: embedded.url, source: "embedded", embedded };
}
