import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, loopbackRedisArgs, waitUntilListening } from "@liveline/core";
import { waitFor } from "./wait.js";

const run = promisify(execFile);

export const MASTER_NAME = "mymaster";

export interface SentinelSetup {
  /** `redis+sentinel://127.0.0.1:s1,…/mymaster` */
  readonly url: string;
  readonly primaryPort: number;
  readonly replicaPort: number;
  readonly sentinelPorts: number[];
  /** SIGKILL the current primary by its PID, as a crash would. */
  killPrimary(): Promise<void>;
  /** host:port the sentinels name as primary now. */
  primaryAddress(): Promise<string>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run("redis-cli", ["-p", String(port), ...args], { timeout: 5000 })).stdout.trim();
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/**
 * A primary, one replica and `sentinels` Sentinel processes (quorum 1) on free loopback
 * ports, with a short `down-after-milliseconds` and `failover-timeout` so a failover takes
 * seconds. Returned once every sentinel knows the replica and the replica is in sync.
 */
export async function startSentinels(
  options: { sentinels?: number; downAfterMs?: number; failoverTimeoutMs?: number } = {},
): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), "liveline-sentinel-"));
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all([...children.values()].map(killed));
    rmSync(dir, { recursive: true, force: true });
  };
  const data = { save: "", appendonly: "no", loglevel: "warning" };
  try {
    const primaryPort = await freePort();
    const replicaPort = await freePort();
    const primary = spawn("redis-server", loopbackRedisArgs(primaryPort, join(dir), { ...data, dbfilename: "p.rdb" }), {
      stdio: "ignore",
    });
    children.set(primaryPort, primary);
    await waitUntilListening(primaryPort, primary, 10_000);
    const replica = spawn(
      "redis-server",
      loopbackRedisArgs(replicaPort, dir, { ...data, dbfilename: "r.rdb", replicaof: `127.0.0.1 ${primaryPort}` }),
      { stdio: "ignore" },
    );
    children.set(replicaPort, replica);
    await waitUntilListening(replicaPort, replica, 10_000);
    await waitFor(
      async () => (await cli(replicaPort, "INFO", "replication")).includes("master_link_status:up"),
      "the replica in sync with the primary",
      10_000,
      50,
    );

    const sentinelPorts: number[] = [];
    for (let i = 0; i < (options.sentinels ?? 1); i++) {
      const port = await freePort();
      // Sentinel rewrites its configuration file, so each gets its own.
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          "loglevel warning",
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primaryPort} 1`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${MASTER_NAME} ${options.failoverTimeoutMs ?? 3000}`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          "",
        ].join("\n"),
      );
      // redis-sentinel is redis-server in Sentinel mode: the same binary, no extra package.
      const sentinel = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
      children.set(port, sentinel);
      await waitUntilListening(port, sentinel, 10_000);
      sentinelPorts.push(port);
    }
    for (const port of sentinelPorts) {
      await waitFor(
        async () => (await cli(port, "SENTINEL", "REPLICAS", MASTER_NAME)).includes(String(replicaPort)),
        `sentinel ${port} to discover the replica`,
        15_000,
        100,
      );
    }
    const primaryAddress = async () => {
      for (const port of sentinelPorts) {
        const out = await cli(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).catch(() => "");
        const [host, p] = out.split("\n");
        if (host !== undefined && p !== undefined) return `${host}:${p}`;
      }
      throw new Error("no sentinel answers");
    };
    const handle: SentinelSetup = {
      url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(",")}/${MASTER_NAME}`,
      primaryPort,
      replicaPort,
      sentinelPorts,
      primaryAddress,
      killPrimary: async () => {
        const port = Number((await primaryAddress()).split(":")[1]);
        const child = children.get(port);
        if (child?.pid === undefined) throw new Error(`no process of ours on ${port}`);
        await killed(child);
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
    return handle;
  } catch (err) {
    await stop();
    throw err;
  }
}
