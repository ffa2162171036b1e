import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, loopbackRedisArgs, waitUntilListening } from "@liveline/core";

export interface RedisProcess {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  pid(): number | undefined;
  /** SIGKILL the server (data since the last fsync may be lost, as in a crash). */
  kill(): Promise<void>;
  /** Start it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stop it and delete its data directory. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A private `redis-server` on a free loopback port, append-only file on unless told otherwise;
 * `settings` adds redis.conf directives (`{ databases: "64" }`).
 */
export async function startRedis(
  options: { appendonly?: boolean; settings?: Record<string, string> } = {},
): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "liveline-redis-"));
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn(
      "redis-server",
      loopbackRedisArgs(port, dir, {
        save: "",
        appendonly: options.appendonly === false ? "no" : "yes",
        appendfsync: "always",
        loglevel: "warning",
        ...options.settings,
      }),
      { stdio: "ignore" },
    );
    await waitUntilListening(port, child, 10_000);
  };
  const waitExit = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill(signal);
    });

  await launch();
  const handle: RedisProcess = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    kill: () => waitExit("SIGKILL"),
    restart: async () => {
      await waitExit("SIGKILL");
      await launch();
    },
    stop: async () => {
      await waitExit("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]: () => handle.stop(),
  };
  return handle;
}
