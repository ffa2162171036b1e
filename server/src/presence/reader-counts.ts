import { roomOf, type LivelineIo } from "../gateway/gateway.js";
import type { SseHub } from "../sse/sse-stream.js";

/** Readers of one feed on one node, by transport. */
export interface ReaderCount {
  socket: number;
  sse: number;
}

/** What every feed's Socket.IO room name starts with (gateway.ts names them). */
const ROOM = roomOf("");

/**
 * Readers per feed on this node: the members of each feed's Socket.IO room plus the feed's open
 * SSE streams. The one count both the `liveline_feed_subscribers` gauge and the presence report
 * read, so /metrics and /stats can never disagree about a node.
 */
export function countReaders(io: LivelineIo, hub: SseHub): Map<string, ReaderCount> {
  const counts = new Map<string, ReaderCount>();
  for (const [feedId, sse] of hub.counts()) counts.set(feedId, { socket: 0, sse });
  for (const [room, members] of io.of("/").adapter.rooms) {
    if (!room.startsWith(ROOM)) continue;
    const feedId = room.slice(ROOM.length);
    const c = counts.get(feedId) ?? { socket: 0, sse: 0 };
    c.socket += members.size;
    counts.set(feedId, c);
  }
  return counts;
}

/** Both transports summed per feed (what the metrics gauge shows). */
export function totalPerFeed(counts: ReadonlyMap<string, ReaderCount>): Map<string, number> {
  return new Map([...counts].map(([feedId, c]) => [feedId, c.socket + c.sse]));
}
