import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { freePort } from "@liveline/core";
import { startRedis, type RedisProcess } from "../helpers/redis-process.js";
import { spawnRole, type RoleProcess } from "../helpers/role-process.js";
import { Api } from "../helpers/stack.js";

export interface ClusterOptions {
  servers?: number;
  workers?: number;
  /** Extra environment for every role (EVENT_LOG_LENGTH …). */
  env?: Record<string, string>;
}

/**
 * A production-shaped Liveline for fault tests: one redis-server (AOF on) and `server` and
 * `worker` roles as real child processes. Each server slot keeps its port across restarts,
 * so readers configured with the list of server URLs find a replaced node where it was.
 */
export class Cluster {
  readonly servers: (RoleProcess | undefined)[] = [];
  readonly workers: RoleProcess[] = [];
  /** Every process ever started, so the logs of killed ones stay readable. */
  private readonly started: RoleProcess[] = [];
  private next = 0;

  private constructor(
    readonly redis: RedisProcess,
    readonly env: Record<string, string>,
    readonly ports: number[],
  ) {}

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const redis = await startRedis();
    const ports = await Promise.all(Array.from({ length: options.servers ?? 2 }, () => freePort()));
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: `fault-${randomUUID().slice(0, 8)}:`,
      HEAD_CHECK_MS: "300",
      SWEEP_INTERVAL_MS: "500",
      DRAIN_SPREAD_MS: "1500",
      LOG_LEVEL: "info",
      ...options.env,
    };
    const cluster = new Cluster(redis, env, ports);
    await Promise.all([
      ...ports.map((_, slot) => cluster.startServer(slot)),
      ...Array.from({ length: options.workers ?? 1 }, () => cluster.addWorker()),
    ]);
    return cluster;
  }

  /** Every server URL, dead or alive: what readers are configured with. */
  get urls(): string[] {
    return this.ports.map((p) => `http://127.0.0.1:${p}`);
  }

  async startServer(slot: number): Promise<RoleProcess> {
    const port = this.ports[slot];
    if (port === undefined) throw new Error(`no server slot ${slot}`);
    const p = await spawnRole("server", { ...this.env, PORT: String(port) });
    this.servers[slot] = p;
    this.started.push(p);
    return p;
  }

  async addWorker(): Promise<RoleProcess> {
    const p = await spawnRole("worker", this.env);
    this.workers.push(p);
    this.started.push(p);
    return p;
  }

  /** Signal a server and wait for it to exit; returns its exit code. */
  async stopServer(slot: number, signal: NodeJS.Signals): Promise<number | null> {
    const p = this.servers[slot];
    if (!p) return null;
    this.servers[slot] = undefined;
    return p.kill(signal);
  }

  async stopWorker(worker: RoleProcess, signal: NodeJS.Signals): Promise<number | null> {
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
    return worker.kill(signal);
  }

  /** An editor API client on a live server (round robin). */
  api(): Api {
    const live = this.servers.filter((s): s is RoleProcess => s?.url !== undefined);
    const pick = live[this.next++ % Math.max(1, live.length)];
    if (!pick?.url) throw new Error("no live server");
    return new Api(pick.url);
  }

  /** Every server URL, for a publisher that moves on when one fails. */
  apis(): Api[] {
    return this.urls.map((u) => new Api(u));
  }

  /** A plain Redis connection for fault injection (CLIENT KILL …); the caller quits it. */
  admin(): Redis {
    return new Redis(this.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
  }

  /** The log lines of every role process that mention `text`. */
  logLines(text: string): string[] {
    const all = this.started.flatMap((p) => p.output);
    return all.flatMap((chunk) => chunk.split("\n")).filter((l) => l.includes(text));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.servers.map((s) => s?.kill("SIGKILL")), ...this.workers.map((w) => w.kill("SIGKILL"))]);
    await this.redis.stop();
  }
}
