import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "@liveline/protocol";
import type { Principal } from "../auth/principal.js";

/** Server nodes send each other nothing over Socket.IO (feed events travel on Redis channels). */
export type InterServerEvents = Record<string, never>;

/** What the server keeps on each connection; never sent to the client. */
export interface SocketData {
  feeds: Set<string>;
  /** The principal of the handshake's `auth.token`, when one was given. */
  principal?: Principal;
  /**
   * Private feeds this connection was let in to, and until when (ms since the epoch: the
   * granting token's `exp`, Infinity for a token without one). Past it the subscription ends.
   */
  grants?: Map<string, number>;
  /**
   * Public feeds this connection subscribed to with a token of the subscribe's own, and that
   * token: who reads the feed if it turns private (then a grant until the token's `exp`).
   */
  readAs?: Map<string, Principal>;
  /** This connection's subscribe attempts in its current rate-limit window (RATE_LIMIT_SUBSCRIBES). */
  subscribes?: { windowStart: number; count: number };
}

/** The gateway's Socket.IO server, typed with the public event maps and the server's own data. */
export type LivelineIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** One reader's connection. */
export type LivelineSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
