import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify, stripVTControlCharacters } from "node:util";
import { canConnect, freePort, loopbackRedisArgs, waitUntilListening } from "@liveline/core";
import { sleep, waitFor } from "./wait.js";

const run = promisify(execFile);

export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` */
  readonly url: string;
  readonly ports: number[];
  /** What `redis-cli --cluster create` and `CLUSTER INFO` printed, for the record. */
  readonly log: string[];
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (p + 10_000 > 65_535 || taken.has(p)) continue;
    if (await canConnect("127.0.0.1", p + 10_000, 100)) continue;
    taken.add(p);
    return p;
  }
  throw new Error("no free port pair for a cluster node");
}

/**
 * A real Redis Cluster of `masters` redis-server processes (no replicas) on free loopback
 * ports: started with `--cluster-enabled yes`, joined with `redis-cli --cluster create`, and
 * returned once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "liveline-cluster-"));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await freeClusterPort(taken));
  const children: ChildProcess[] = [];
  const log: string[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGKILL");
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const child = spawn(
        "redis-server",
        loopbackRedisArgs(port, dir, {
          "cluster-enabled": "yes",
          "cluster-config-file": `nodes-${port}.conf`,
          "cluster-node-timeout": "2000",
          save: "",
          appendonly: "no",
          loglevel: "warning",
        }),
        { stdio: "ignore" },
      );
      children.push(child);
    }
    await Promise.all(children.map((child, i) => waitUntilListening(ports[i] ?? 0, child, 10_000)));
    const created = await run(
      "redis-cli",
      ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"],
      { timeout: 20_000 },
    );
    log.push(
      `$ redis-cli --cluster create ${ports.map((p) => `127.0.0.1:${p}`).join(" ")} --cluster-replicas 0 --cluster-yes`,
    );
    log.push(stripVTControlCharacters(created.stdout).trim());
    for (const port of ports) {
      await waitFor(
        async () =>
          (await run("redis-cli", ["-p", String(port), "cluster", "info"])).stdout.includes("cluster_state:ok"),
        `cluster_state:ok on ${port}`,
        20_000,
        100,
      );
    }
    const info = await run("redis-cli", ["-p", String(ports[0]), "cluster", "info"]);
    log.push(`$ redis-cli -p ${ports[0]} cluster info`, info.stdout.split("\n").slice(0, 7).join("\n").trim());
    // Every node must agree on the full slot map before clients use it.
    await sleep(100);
  } catch (err) {
    await stop();
    throw err;
  }
  const handle: RedisCluster = {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(",")}`,
    ports,
    log,
    stop,
    [Symbol.asyncDispose]: stop,
  };
  return handle;
}
