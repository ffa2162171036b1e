import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer, connect } from "node:net";
import { resolve } from "node:path";

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

export function findRedisServer(): string | undefined {
  const r = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = r.stdout.trim();
  return r.status === 0 && path.length > 0 ? path : undefined;
}

export interface EmbeddedRedis {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
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
  const child = spawn(
    bin,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--save",
      "",
      "--protected-mode",
      "yes",
    ],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 10_000;
  while (!(await canConnect("127.0.0.1", port, 200))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`embedded redis-server did not start (exit code ${String(child.exitCode)})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
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
