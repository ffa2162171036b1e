import { appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientOptions, Entry, FeedEvent } from "@liveline/client-sdk";
import { openReader, readerReady, type Reader } from "../helpers/reader.js";
import type { Api } from "../helpers/stack.js";
import { waitFor } from "../helpers/wait.js";
import type { PublishLog } from "./publisher.js";

export interface FleetReader extends Reader {
  feedId: string;
  /** Snapshots received after the first subscribe: where in `events` they came, and at which seq. */
  resets: { at: number; seq: number }[];
  /** When the reader lost its connection (ms since epoch). */
  drops: number[];
}

/**
 * Many SDK readers spread over the server URLs and the feeds: reader i follows feed i mod F
 * and prefers server i mod S, with the other servers next in its URL list.
 */
export class Fleet {
  private constructor(readonly readers: FleetReader[]) {}

  static open(urls: string[], feeds: string[], count: number, options: Partial<ClientOptions> = {}): Fleet {
    const readers: FleetReader[] = [];
    for (let i = 0; i < count; i++) {
      const feedId = feeds[i % feeds.length] ?? "";
      const first = i % urls.length;
      const list = [...urls.slice(first), ...urls.slice(0, first)];
      const r = openReader(list[0] ?? "", feedId, { url: list, ...options });
      const reader: FleetReader = Object.assign(r, { feedId, resets: [], drops: [] });
      let firstAnswer = true;
      r.sub.on("subscribed", (ctx) => {
        if (ctx.reset && !firstAnswer) reader.resets.push({ at: reader.events.length, seq: ctx.seq });
        firstAnswer = false;
      });
      r.client.on("state", ({ state, previous }) => {
        if (previous === "connected" && state !== "connected") reader.drops.push(Date.now());
      });
      readers.push(reader);
    }
    return new Fleet(readers);
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.readers.map((r) => readerReady(r, timeoutMs)));
  }

  close(): void {
    for (const r of this.readers) r.close();
  }
}

export interface DeliveryReport {
  fault: string;
  clients: number;
  /** Entries accepted (202) during the fault. */
  entries: number;
  /** Events in the store (publishes, edits, retractions) over all feeds. */
  events: number;
  /** Events applied by readers, summed over readers (clients × events when nothing is lost). */
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  resets: number;
  stateMismatches: number;
  /** Store-side problems: an accepted entry missing from the log, or stored twice. */
  problems: string[];
}

async function allEntries(api: Api, feedId: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  let before: string | undefined;
  for (let page = 0; page < 100; page++) {
    const q = before === undefined ? "?limit=100" : `?limit=100&before=${before}`;
    const r = await api.request<{ entries: Entry[]; next?: string }>("GET", `/v1/feeds/${feedId}/entries${q}`);
    for (const e of r.body.entries) out.set(e.id, e);
    before = r.body.next;
    if (before === undefined) break;
  }
  return out;
}

function sameEntries(a: Map<string, Entry>, b: Map<string, Entry>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, e] of a) if (JSON.stringify(e) !== JSON.stringify(b.get(id))) return false;
  return true;
}

/** The fewest events a feed's log holds once the changes accepted for it are applied. */
function leastHead(ids: string[], log: PublishLog): number {
  return ids.length + ids.filter((id) => log.retracted.has(id)).length;
}

/**
 * Wait for the readers to reach their feed's head, then count, per reader, what a newsroom
 * cares about: every seq 1..N applied exactly once and in order (after the last `reset`, if
 * the reader had to take a snapshot), and the same entries as the store.
 */
export async function verifyDelivery(
  fault: string,
  api: Api,
  fleet: Fleet,
  log: PublishLog | undefined,
  options: { timeoutMs?: number; fullLog?: boolean } = {},
): Promise<DeliveryReport> {
  const feeds = [...new Set(fleet.readers.map((r) => r.feedId))];
  const heads = new Map<string, number>();
  const readHeads = async () => {
    for (const f of feeds) heads.set(f, (await api.request<{ seq: number }>("GET", `/v1/feeds/${f}`)).body.seq);
  };
  // Every accepted change applied, and every reader at its feed's head.
  await waitFor(
    async () => {
      // Every accepted publish stored, unless retracted: with edits the head can reach the bound
      // below before the last publish is applied (an editor's retry accepted just now).
      if (log) {
        for (const [f, ids] of log.accepted) {
          const entries = await allEntries(api, f);
          if (ids.some((id) => !log.retracted.has(id) && !entries.has(id))) return false;
        }
      }
      await readHeads();
      // A feed's head is at least its accepted publishes and retractions (edits add more): a
      // retraction whose job was lost with Redis is applied by the worker's sweep, seconds later.
      if (log) for (const [f, ids] of log.accepted) if ((heads.get(f) ?? 0) < leastHead(ids, log)) return false;
      return fleet.readers.every((r) => r.sub.seq === heads.get(r.feedId));
    },
    `${fault}: readers at the head of their feeds`,
    options.timeoutMs ?? 20_000,
    100,
  ).catch(() => undefined); // count what is missing instead of stopping at the first reader
  await readHeads();

  const report: DeliveryReport = {
    fault,
    clients: fleet.readers.length,
    entries: 0,
    events: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    resets: 0,
    stateMismatches: 0,
    problems: [],
  };
  const stored = new Map<string, Map<string, Entry>>();
  for (const f of feeds) {
    const head = heads.get(f) ?? 0;
    report.events += head;
    const entries = await allEntries(api, f);
    stored.set(f, entries);
    const accepted = log?.accepted.get(f) ?? [];
    report.entries += accepted.length;
    // The store holds exactly the accepted entries that were not retracted.
    const live = accepted.filter((id) => !log?.retracted.has(id)).sort();
    if (log && [...entries.keys()].sort().join() !== live.join()) {
      const absent = live.filter((id) => !entries.has(id));
      const kept = [...entries.keys()].filter((id) => !live.includes(id));
      report.problems.push(
        `${f}: the store's entries are not the accepted ones (absent: ${absent.join(",")}; not expected: ${kept.join(",")})`,
      );
    }
    if (options.fullLog === false) continue;
    const r = await api.request<{ events: FeedEvent[] }>("GET", `/v1/feeds/${f}/events?since=0`);
    const evs = r.body.events;
    // Every seq from 1 once, in order, up to the head the readers reached at least: a change
    // accepted twice (a retry whose first answer was lost with its server) may still be applied
    // after that head was read, and adds the next seq.
    const seqs = evs.map((e) => e.seq);
    if (seqs.join() !== Array.from({ length: seqs.length }, (_, i) => i + 1).join() || seqs.length < head) {
      report.problems.push(`${f}: the log is not 1..${head} or more (it is ${seqs.join(",")})`);
    }
    const published = evs.flatMap((e) => (e.type === "entry.published" ? [e.entry.id] : []));
    const missing = accepted.filter((id) => !published.includes(id));
    const extra = published.filter((id) => !accepted.includes(id));
    if (missing.length > 0) report.problems.push(`${f}: accepted but never stored: ${missing.join(",")}`);
    if (extra.length > 0) report.problems.push(`${f}: stored but never accepted: ${extra.join(",")}`);
    if (new Set(published).size !== published.length) report.problems.push(`${f}: an entry was published twice`);
  }

  for (const r of fleet.readers) {
    const head = heads.get(r.feedId) ?? 0;
    const last = r.resets.at(-1);
    report.resets += r.resets.length;
    const from = last === undefined ? 0 : last.seq;
    const got = r.events.slice(last === undefined ? 0 : last.at).map((e) => e.seq);
    const all = r.events.map((e) => e.seq);
    const distinct = new Set(all);
    report.delivered += all.length;
    report.duplicated += all.length - distinct.size;
    for (let i = 1; i < all.length; i++) if ((all[i] ?? 0) <= (all[i - 1] ?? 0)) report.outOfOrder += 1;
    const seen = new Set(got);
    for (let s = from + 1; s <= head; s++) if (!seen.has(s)) report.lost += 1;
    const mine = new Map(r.sub.entries.map((e) => [e.id, e] as const));
    if (!sameEntries(mine, stored.get(r.feedId) ?? new Map<string, Entry>())) report.stateMismatches += 1;
  }
  const line = JSON.stringify(report);
  console.log(`delivery report ${line}`);
  appendFileSync(join(tmpdir(), "liveline-fault-reports.jsonl"), `${line}\n`);
  return report;
}
