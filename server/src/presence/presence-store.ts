import { z } from "zod";
import { EditorPresence, type FeedStats } from "@liveline/protocol";
import type { RedisClient, RedisKeys } from "@liveline/core";
import type { ReaderCount } from "./reader-counts.js";

export interface PresenceStoreOptions {
  /** How long a node's report lives without a newer one (3 × PRESENCE_INTERVAL_MS). */
  nodeTtlMs: number;
  /** How long an editor stays present without a heartbeat (PRESENCE_EDITOR_TTL_MS). */
  editorTtlMs: number;
}

/** A node's hash fields: `s:<feedId>` sockets, `e:<feedId>` SSE streams. */
const SOCKET = "s:";
const SSE = "e:";

const Count = z.coerce.number().int().nonnegative().catch(0);

/**
 * Who is here, kept in Redis so that every server node answers the same: each node's reader
 * counts (a hash per node that expires unless renewed, so a dead node drops out by itself) and
 * each editor's heartbeat (a key per editor per feed, expiring the same way). Expiry runs on
 * Redis' clock, never on a node's, so clock skew between nodes cannot keep the dead alive.
 */
export class PresenceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: PresenceStoreOptions,
  ) {}

  /** Replace this node's report with `counts` (feeds without readers are left out). */
  async report(nodeId: string, counts: ReadonlyMap<string, ReaderCount>, now = Date.now()): Promise<void> {
    const key = this.keys.presence.node(nodeId);
    // `at` keeps the hash alive when this node has no reader at all: an absent hash means dead.
    const fields: string[] = ["at", String(now)];
    for (const [feedId, c] of counts) {
      if (c.socket > 0) fields.push(`${SOCKET}${feedId}`, String(c.socket));
      if (c.sse > 0) fields.push(`${SSE}${feedId}`, String(c.sse));
    }
    await this.redis
      .multi()
      .del(key)
      .hset(key, ...fields)
      .pexpire(key, this.options.nodeTtlMs)
      .sadd(this.keys.presence.nodes, nodeId)
      .exec();
  }

  /** A node that stops cleanly takes its readers out at once instead of after its TTL. */
  async withdraw(nodeId: string): Promise<void> {
    await this.redis.multi().del(this.keys.presence.node(nodeId)).srem(this.keys.presence.nodes, nodeId).exec();
  }

  /** The feed's readers summed over every live node; dead nodes found on the way are forgotten. */
  async readers(feedId: string): Promise<FeedStats["readers"]> {
    const nodes = await this.redis.smembers(this.keys.presence.nodes);
    const pipe = this.redis.pipeline();
    for (const n of nodes) pipe.hmget(this.keys.presence.node(n), "at", `${SOCKET}${feedId}`, `${SSE}${feedId}`);
    const answers = nodes.length === 0 ? [] : ((await pipe.exec()) ?? []);
    const total = { socket: 0, sse: 0 };
    const dead: string[] = [];
    answers.forEach(([err, value], i) => {
      if (err !== null) throw err;
      const [at, socket, sse] = z.array(z.string().nullable()).parse(value);
      const node = nodes[i];
      if (at === null || at === undefined) {
        if (node !== undefined) dead.push(node);
        return;
      }
      total.socket += Count.parse(socket ?? 0);
      total.sse += Count.parse(sse ?? 0);
    });
    // A node re-adds itself with every report, so removing one that just came back is harmless.
    if (dead.length > 0) await this.redis.srem(this.keys.presence.nodes, ...dead);
    return { ...total, total: total.socket + total.sse };
  }

  /**
   * Every feed's readers (both transports) summed over every live node, in one pipeline: what the
   * audience sampler records. Feeds without readers are absent.
   */
  async totals(): Promise<Map<string, number>> {
    const nodes = await this.redis.smembers(this.keys.presence.nodes);
    const pipe = this.redis.pipeline();
    for (const n of nodes) pipe.hgetall(this.keys.presence.node(n));
    const answers = nodes.length === 0 ? [] : ((await pipe.exec()) ?? []);
    const totals = new Map<string, number>();
    for (const [err, value] of answers) {
      if (err !== null) throw err;
      for (const [field, count] of Object.entries(z.record(z.string(), z.string()).parse(value))) {
        const transport = field.slice(0, 2);
        if (transport !== SOCKET && transport !== SSE) continue;
        const feedId = field.slice(2);
        totals.set(feedId, (totals.get(feedId) ?? 0) + Count.parse(count));
      }
    }
    return totals;
  }

  /**
   * An editor's heartbeat: present for `editorTtlMs` more, editing `editing` (or nothing). The
   * presence keeps the `since` of its first heartbeat; two heartbeats racing for a new presence
   * both write a `since` of their own moment, milliseconds apart, which is harmless.
   */
  async heartbeat(
    feedId: string,
    who: { sub: string; name: string },
    editing: string | null,
    now = new Date(),
  ): Promise<void> {
    const k = this.keys.feed(feedId);
    const key = k.editor(who.sub);
    const previous = EditorPresence.safeParse(parseJson(await this.redis.get(key)));
    const since = previous.success ? previous.data.since : now.toISOString();
    const presence: EditorPresence = { sub: who.sub, name: who.name, since, ...(editing ? { editing } : {}) };
    const ttl = this.options.editorTtlMs;
    // The set outlives its members by one TTL, so a feed nobody edits any more leaves nothing.
    await this.redis
      .multi()
      .set(key, JSON.stringify(presence), "PX", ttl)
      .sadd(k.editors, who.sub)
      .pexpire(k.editors, 2 * ttl)
      .exec();
  }

  async leave(feedId: string, sub: string): Promise<void> {
    const k = this.keys.feed(feedId);
    await this.redis.multi().del(k.editor(sub)).srem(k.editors, sub).exec();
  }

  /** The editors present in the feed, earliest first; expired ones are forgotten on the way. */
  async editors(feedId: string): Promise<EditorPresence[]> {
    const k = this.keys.feed(feedId);
    const subs = await this.redis.smembers(k.editors);
    if (subs.length === 0) return [];
    // One slot (the feed's hash tag), so one MGET even on a Cluster.
    const values = await this.redis.mget(...subs.map((s) => k.editor(s)));
    const present: EditorPresence[] = [];
    const gone: string[] = [];
    subs.forEach((sub, i) => {
      const p = EditorPresence.safeParse(parseJson(values[i] ?? null));
      if (p.success) present.push(p.data);
      else gone.push(sub);
    });
    if (gone.length > 0) await this.redis.srem(k.editors, ...gone);
    return present.sort((a, b) => a.since.localeCompare(b.since) || a.sub.localeCompare(b.sub));
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
