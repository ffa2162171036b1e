import { readableUntil } from "../auth/auth.js";
import type { Principal } from "../auth/principal.js";
import type { LivelineSocket } from "./socket-types.js";

/** Longest timer set (setTimeout overflows past 2^31 - 1 ms); a later end is looked at again then. */
const MAX_DELAY_MS = 24 * 60 * 60 * 1000;

const PRIVATE = { visibility: "private" } as const;

/**
 * How long each connection may go on reading each private feed it was let in to: until the
 * `exp` of the token that let it in (`socket.data.grants`). One timer per connection that holds
 * such a grant, set for the earliest end; when it fires, every subscription whose grant has run
 * out is ended through `onExpired`. A `refresh` with a fresh token (`extend`) moves the ends of
 * the grants it covers, so a client that refreshes in time is never interrupted.
 */
export class ReadGrants {
  private readonly timers = new WeakMap<LivelineSocket, ReturnType<typeof setTimeout>>();

  constructor(private readonly onExpired: (socket: LivelineSocket, feedId: string) => void) {}

  /** `socket` was let in to private `feedId` until `untilMs` (ms since the epoch; Infinity: no end). */
  grant(socket: LivelineSocket, feedId: string, untilMs: number): void {
    (socket.data.grants ??= new Map()).set(feedId, untilMs);
    this.schedule(socket);
  }

  /** A fresh principal for the connection: each grant of a feed it covers now ends with it. */
  extend(socket: LivelineSocket, principal: Principal): void {
    const grants = socket.data.grants;
    if (grants === undefined) return;
    const until = readableUntil(principal, PRIVATE);
    for (const feedId of grants.keys()) {
      if (principal.feeds === "*" || principal.feeds.includes(feedId)) grants.set(feedId, until);
    }
    this.schedule(socket);
  }

  /** The connection is gone: its timer goes with it. */
  forget(socket: LivelineSocket): void {
    clearTimeout(this.timers.get(socket));
    this.timers.delete(socket);
  }

  private schedule(socket: LivelineSocket): void {
    this.forget(socket);
    let next = Infinity;
    for (const until of socket.data.grants?.values() ?? []) next = Math.min(next, until);
    if (next === Infinity || socket.disconnected) return;
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, next - Date.now()));
    this.timers.set(
      socket,
      setTimeout(() => this.expire(socket), delay),
    );
  }

  private expire(socket: LivelineSocket): void {
    this.timers.delete(socket);
    const grants = socket.data.grants;
    if (grants === undefined || socket.disconnected) return;
    const now = Date.now();
    for (const [feedId, until] of grants) {
      if (until > now) continue;
      grants.delete(feedId);
      if (socket.data.feeds.has(feedId)) this.onExpired(socket, feedId);
    }
    this.schedule(socket);
  }
}
