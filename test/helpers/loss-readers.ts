import { io } from "socket.io-client";
import type { Entry, FeedEvent, FeedResetNotice, SubscribeAck } from "@liveline/protocol";
import type { SubscribedContext } from "@liveline/client-sdk";
import { openReader, type Reader } from "./reader.js";
import { openSse, type SseReader } from "./sse.js";

/** What a data-loss test asks of every kind of reader: the state it shows, and the resets it got. */
export interface TrackedReader {
  readonly name: string;
  /** The entries the reader shows, by id. */
  entries(): Map<string, Entry>;
  seq(): number | undefined;
  epoch(): string | undefined;
  /** The epoch of every reset the reader got after its first answer. */
  readonly resets: string[];
  close(): void;
}

/** The SDK reader (`LivelineClient`), with every `subscribed` context it reported. */
export function sdkReader(
  url: string,
  feedId: string,
  name = "sdk",
): TrackedReader & { reader: Reader; contexts: SubscribedContext[] } {
  const reader = openReader(url, feedId);
  const contexts: SubscribedContext[] = [];
  const resets: string[] = [];
  reader.sub.on("subscribed", (ctx) => {
    contexts.push(ctx);
    if (contexts.length > 1 && ctx.reset) resets.push(ctx.epoch ?? "");
  });
  return {
    name,
    reader,
    contexts,
    resets,
    entries: () => new Map(reader.sub.entries.map((e) => [e.id, e])),
    seq: () => reader.sub.seq,
    epoch: () => reader.sub.epoch,
    close: () => reader.close(),
  };
}

/**
 * A bare socket.io-client reader that follows the README's client rule, as a native app would:
 * resume with `{since, epoch}`; apply `seq == last + 1`; on a hole, an event of another epoch or
 * a `feed:reset` naming another epoch, subscribe again (the ack fills the hole or resets).
 */
export function socketReader(url: string, feedId: string): TrackedReader {
  const socket = io(url, { transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 300 });
  let entries = new Map<string, Entry>();
  let seq: number | undefined;
  let epoch: string | undefined;
  const resets: string[] = [];
  const subscribe = (): void => {
    const payload = seq === undefined ? { feedId } : { feedId, since: seq, ...(epoch ? { epoch } : {}) };
    socket.emit("subscribe", payload, (ack: SubscribeAck) => {
      if (!ack.ok) return;
      if ("reset" in ack) {
        if (seq !== undefined) resets.push(ack.epoch ?? "");
        entries = new Map(ack.entries.map((e) => [e.id, e]));
        seq = ack.seq;
        epoch = ack.epoch;
      } else {
        epoch ??= ack.epoch;
        for (const e of ack.events) offer(e);
      }
    });
  };
  const offer = (e: FeedEvent): void => {
    if (seq === undefined) return;
    if (e.epoch !== undefined && epoch !== undefined && e.epoch !== epoch) return subscribe();
    if (e.seq <= seq) return;
    if (e.seq > seq + 1) return subscribe();
    seq = e.seq;
    if (e.type === "entry.published" || e.type === "entry.updated") entries.set(e.entry.id, e.entry);
    else if (e.type === "entry.deleted") entries.delete(e.entryId);
  };
  socket.on("connect", subscribe);
  socket.on("feed:event", offer);
  socket.on("feed:reset", (n: FeedResetNotice) => {
    if (n.feedId === feedId && n.epoch !== epoch) subscribe();
  });
  return {
    name: "socket.io",
    resets,
    entries: () => entries,
    seq: () => seq,
    epoch: () => epoch,
    close: () => void socket.close(),
  };
}

/**
 * An SSE reader that reconnects as EventSource does: 100 ms after the stream ends, with the last
 * `id` it got as Last-Event-ID. Records every id, to check their `<epoch>:<seq>` form.
 */
export function sseReader(url: string, feedId: string): TrackedReader & { ids: string[] } {
  let entries = new Map<string, Entry>();
  let seq: number | undefined;
  let epoch: string | undefined;
  let lastId: string | undefined;
  let closed = false;
  let stream: SseReader | undefined;
  const resets: string[] = [];
  const ids: string[] = [];
  const follow = async (): Promise<void> => {
    while (!closed) {
      try {
        const s = await openSse(`${url}/v1/feeds/${feedId}/stream`, lastId ? { "last-event-id": lastId } : {});
        stream = s;
        let read = 0;
        while (!closed && (!s.ended() || read < s.messages.length)) {
          for (; read < s.messages.length; read++) {
            const m = s.messages[read];
            if (m !== undefined) take(m.id, m.event, m.data);
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      } catch {
        // Server or Redis away: try again, as EventSource does.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const take = (id: string | undefined, event: string | undefined, data: string): void => {
    if (id !== undefined) {
      lastId = id;
      ids.push(id);
    }
    if (event === "reset") {
      const r = JSON.parse(data) as { seq: number; epoch?: string; entries: Entry[] };
      if (seq !== undefined) resets.push(r.epoch ?? "");
      entries = new Map(r.entries.map((e) => [e.id, e]));
      seq = r.seq;
      epoch = r.epoch;
      return;
    }
    const e = JSON.parse(data) as FeedEvent;
    seq = e.seq;
    epoch = e.epoch ?? epoch;
    if (e.type === "entry.published" || e.type === "entry.updated") entries.set(e.entry.id, e.entry);
    else if (e.type === "entry.deleted") entries.delete(e.entryId);
  };
  void follow();
  return {
    name: "sse",
    ids,
    resets,
    entries: () => entries,
    seq: () => seq,
    epoch: () => epoch,
    close: () => {
      closed = true;
      stream?.close();
    },
  };
}

/**
 * Entries a reader shows that the store does not have as shown (lost history, an old revision),
 * plus entries of the store the reader does not show: 0 when it is in the store's state.
 */
export function staleCount(reader: TrackedReader, store: Entry[]): number {
  const shown = reader.entries();
  const want = new Map(store.map((e) => [e.id, e]));
  let stale = 0;
  for (const [id, e] of shown) {
    const w = want.get(id);
    if (w === undefined || w.revision !== e.revision || w.body !== e.body) stale++;
  }
  for (const id of want.keys()) if (!shown.has(id)) stale++;
  return stale;
}
