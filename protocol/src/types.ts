import type { ErrorCode } from "./errors.js";
import type { Entry, Feed, FeedEvent, RefreshRequest, SubscribeRequest, UnsubscribeRequest } from "./schemas.js";

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

/** Ack of `refresh`: the connection's subscriptions to private feeds run until the new token's `exp`. */
export type RefreshAck = { ok: true } | { ok: false; error: WireError };

/**
 * `feed:error`: the server ended the connection's subscription to `feedId` (for now only
 * `token_expired`: its token ran out before a `refresh`). Subscribe again, with a fresh token and
 * `since`, to resume.
 */
export interface FeedErrorNotice {
  feedId: string;
  error: WireError;
}

/** Events a client may emit; payloads are `unknown` on the server until parsed. */
export interface ClientToServerEvents {
  subscribe: (payload: SubscribeRequest, ack: (answer: SubscribeAck) => void) => void;
  unsubscribe: (payload: UnsubscribeRequest, ack: (answer: UnsubscribeAck) => void) => void;
  refresh: (payload: RefreshRequest, ack: (answer: RefreshAck) => void) => void;
}

export interface ServerToClientEvents {
  "feed:event": (event: FeedEvent) => void;
  "feed:reset": (notice: FeedResetNotice) => void;
  "feed:error": (notice: FeedErrorNotice) => void;
}
