import type { ErrorCode } from "./errors.js";
import type { Entry, Feed, FeedEvent, SubscribeRequest, UnsubscribeRequest } from "./schemas.js";

export interface WireError {
  code: ErrorCode;
  message: string;
}

/**
 * Ack of `subscribe`: missed events when `since` (of the same `epoch`) is still in the log, a
 * snapshot otherwise. `epoch` is the feed log's epoch the answer belongs to; every current server
 * sends it (it is optional so that clients also follow servers older than epochs).
 */
export type SubscribeAck =
  | { ok: true; feed: Feed; seq: number; epoch?: string; events: FeedEvent[] }
  | { ok: true; feed: Feed; seq: number; epoch?: string; entries: Entry[]; reset: true }
  | { ok: false; error: WireError };

/**
 * `feed:reset`: the feed's history was lost and its log has a new `epoch` (now at `seq`). What a
 * reader holds from an older epoch is stale: subscribe again with its `since` and `epoch`, and
 * the ack's `reset` snapshot replaces it.
 */
export interface FeedResetNotice {
  feedId: string;
  epoch: string;
  seq: number;
}

export type UnsubscribeAck = { ok: true } | { ok: false; error: WireError };

/** Events a client may emit; payloads are `unknown` on the server until parsed. */
export interface ClientToServerEvents {
  subscribe: (payload: SubscribeRequest, ack: (answer: SubscribeAck) => void) => void;
  unsubscribe: (payload: UnsubscribeRequest, ack: (answer: UnsubscribeAck) => void) => void;
}

export interface ServerToClientEvents {
  "feed:event": (event: FeedEvent) => void;
  "feed:reset": (notice: FeedResetNotice) => void;
}

export type InterServerEvents = Record<string, never>;

/**
 * Who a verified token speaks for. `role` "editor" may publish, edit and retract in its
 * feeds; "admin" may also create feeds and change their metadata; "reader" may only read
 * (a subscriber token for private feeds).
 */
export interface Principal {
  sub: string;
  role: "reader" | "editor" | "admin";
  /** Feed ids the token is for, or "*" for every feed. */
  feeds: "*" | readonly string[];
  /** Expiry, in seconds since the epoch (undefined for static tokens). */
  exp?: number;
}

export interface SocketData {
  feeds: Set<string>;
  /** The principal of the handshake's `auth.token`, when one was given. */
  principal?: Principal;
  /** Private feeds this connection was let into with a token in the subscribe payload. */
  grants?: Set<string>;
  /** This connection's subscribe attempts in its current rate-limit window (RATE_LIMIT_SUBSCRIBES). */
  subscribes?: { windowStart: number; count: number };
}
