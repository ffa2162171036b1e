import type { WireError } from "@liveline/protocol";

/** The client's connection: `disconnected` → `connecting` → `connected` (and back to `connecting` when lost). */
export type ConnectionState = "disconnected" | "connecting" | "connected";

/**
 * Why the client's state changed:
 * - `connect_called`: the app called `connect()` (or the client was created with `autoConnect`);
 * - `transport_open`: a connection is up;
 * - `transport_closed`: the connection was lost (network, proxy, server crash); reconnecting;
 * - `server_disconnect`: the server closed the connection on purpose (a drain, a deploy); reconnecting;
 * - `connect_failed`: a connection attempt failed; trying again after a backoff;
 * - `disconnect_called`: the app called `disconnect()` or `close()`.
 */
export type ConnectionStateReason =
  | "connect_called"
  | "transport_open"
  | "transport_closed"
  | "server_disconnect"
  | "connect_failed"
  | "disconnect_called";

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  reason: ConnectionStateReason;
}

/**
 * A subscription's state, as in centrifuge-js: `subscribing` until the server accepted it,
 * then `subscribed`; back to `subscribing` while the connection is down (it resumes from its
 * last seq by itself); `unsubscribed` when the app let go of it or the server refused it.
 */
export type SubscriptionState = "unsubscribed" | "subscribing" | "subscribed";

/**
 * Why a subscription's state changed:
 * - `subscribe_ok`: the server accepted the subscribe (first time, or a resume);
 * - `subscribe_refused`: the server refused it (the change carries the `error`, e.g.
 *   `feed_not_found`, `forbidden`); the client asks again on its next connection;
 * - `resubscribe`: a refused subscription is asked for again on a new connection;
 * - `subscription_ended`: the server ended it (`feed:error`, carried as `error`); after
 *   `token_expired` the client gets a fresh token and resumes it from its last seq;
 * - `transport_closed`: the client's connection went down (any cause); it will resume;
 * - `disconnect_called`: the app called `client.disconnect()`; it resumes on `connect()`;
 * - `unsubscribe_called`: the app called `unsubscribe()` or `client.close()`. Final.
 */
export type SubscriptionStateReason =
  | "subscribe_ok"
  | "subscribe_refused"
  | "resubscribe"
  | "subscription_ended"
  | "transport_closed"
  | "disconnect_called"
  | "unsubscribe_called";

export interface SubscriptionStateChange {
  state: SubscriptionState;
  previous: SubscriptionState;
  reason: SubscriptionStateReason;
  /** The server's answer when `reason` is `subscribe_refused` or `subscription_ended`. */
  error?: WireError;
}
