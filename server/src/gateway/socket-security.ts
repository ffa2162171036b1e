import type { IncomingMessage } from "node:http";
import { BearerToken, type Feed } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { assertCanRead, canRead, readableUntil } from "../auth/auth.js";
import { clientAddress, type TrustProxy } from "../http/client-address.js";
import { LivelineError } from "../errors.js";
import { originAllowed, type OriginPolicy } from "../http/http-security.js";
import type { RateLimits } from "../http/rate-limits.js";
import type { Principal } from "../auth/principal.js";
import type { ReadGrants } from "./read-grants.js";
import type { TokenVerifier } from "../auth/token-verifier.js";
import type { LivelineIo, LivelineSocket } from "./socket-types.js";

export interface SocketSecurityOptions {
  verifier: TokenVerifier;
  limits: RateLimits;
  origins: OriginPolicy;
  /** Peers whose X-Forwarded-For is believed (TRUST_PROXY). */
  trustProxy: TrustProxy;
  logger: Logger;
}

/** The client address, looking through trusted proxies (TRUST_PROXY) as Express does. */
function clientIp(socket: LivelineSocket, trust: TrustProxy): string {
  return clientAddress(socket.handshake.address, socket.handshake.headers, trust);
}

/** An Error that Socket.IO hands the client as `connect_error`, with `err.data = { code, message }`. */
function connectError(e: LivelineError): Error & { data: { code: string; message: string } } {
  return Object.assign(new Error(e.message), { data: { code: e.code, message: e.message } });
}

/**
 * Who may connect and subscribe: the origin check (engine.io `allowRequest`, which covers
 * WebSocket upgrades that CORS does not), the per-IP connection limit and the handshake token
 * (a namespace middleware), and the per-connection subscribe limit and private-feed check.
 */
export class SocketSecurity {
  constructor(private readonly options: SocketSecurityOptions) {}

  /** For `new Server({ allowRequest })`: refuse browsers from origins not in CORS_ORIGINS. */
  readonly allowRequest = (req: IncomingMessage, cb: (err: string | null | undefined, ok: boolean) => void): void => {
    const origin = req.headers.origin;
    if (origin === undefined || originAllowed(this.options.origins, origin)) cb(null, true);
    else cb("origin not allowed", false);
  };

  /** Namespace middleware: connection rate limit, then the optional handshake `auth.token`. */
  readonly middleware = (socket: LivelineSocket, next: (err?: Error) => void): void => {
    void this.admit(socket).then(
      (principal) => {
        if (principal !== undefined) socket.data.principal = principal;
        next();
      },
      (err: unknown) => {
        const e = err instanceof LivelineError ? err : new LivelineError("unavailable", "retry later");
        this.options.logger.info({ code: e.code, ip: clientIp(socket, this.options.trustProxy) }, "connection refused");
        next(connectError(e));
      },
    );
  };

  private async admit(socket: LivelineSocket): Promise<Principal | undefined> {
    try {
      await this.options.limits.consume("connect", clientIp(socket, this.options.trustProxy));
    } catch (err) {
      // Readers keep connecting while Redis is away; only an actual limit refuses them.
      if (err instanceof LivelineError) throw err;
    }
    const auth: unknown = socket.handshake.auth;
    const raw = typeof auth === "object" && auth !== null ? (auth as Record<string, unknown>).token : undefined;
    if (raw === undefined || raw === null || raw === "") return undefined;
    return this.verify(raw);
  }

  /** The principal of a token a client sent (handshake, subscribe, refresh), or 401. */
  verify(raw: unknown): Promise<Principal> {
    const token = BearerToken.safeParse(raw);
    if (!token.success) return Promise.reject(new LivelineError("unauthorized", "the token is not valid"));
    return this.options.verifier.verify(token.data);
  }

  /** Before a subscribe or a refresh is looked at: the per-connection attempt limit. */
  beforeSubscribe(socket: LivelineSocket): void {
    this.options.limits.consumeSubscribe(socket.data);
  }

  /**
   * Throws unless `principal` (the subscribe's token, else the connection's) may read `feed`
   * (see assertCanRead: a private feed it may not read answers as an unknown one). Returns until
   * when it may go on reading it (ms since the epoch; Infinity for public feeds).
   */
  authorizeRead(feed: Feed, principal: Principal | undefined): number {
    assertCanRead(principal, feed);
    return readableUntil(principal, feed);
  }

  /**
   * A feed just turned private: disconnect this node's sockets that follow it without a token
   * for it. They reconnect by themselves (resuming their other feeds) and must then present a
   * token to follow this one. A socket that subscribed with a token of its own that reads the
   * feed stays, granted the feed until that token's `exp` (`grants`), as if it had subscribed
   * to it private.
   */
  async evictUnauthorized(io: LivelineIo, room: string, feedId: string, grants?: ReadGrants): Promise<number> {
    const sockets = await io.local.in(room).fetchSockets();
    const asPrivate = { id: feedId, visibility: "private" } as const;
    let evicted = 0;
    for (const s of sockets) {
      if (s.data.grants?.has(feedId) === true || canRead(s.data.principal, asPrivate)) continue;
      const readAs = s.data.readAs?.get(feedId);
      // The connection itself (fetchSockets answers a copy), for its grant's timer.
      const socket = readAs !== undefined && canRead(readAs, asPrivate) ? io.sockets.sockets.get(s.id) : undefined;
      if (socket !== undefined && readAs !== undefined) {
        grants?.grant(socket, feedId, readableUntil(readAs, asPrivate));
        continue;
      }
      s.disconnect(true);
      evicted += 1;
    }
    if (evicted > 0)
      this.options.logger.info({ feedId, evicted }, "feed turned private: readers without a token dropped");
    return evicted;
  }
}
