import type { IncomingHttpHeaders } from "node:http";
import proxyaddr from "proxy-addr";

/**
 * Which peers are trusted proxies (TRUST_PROXY), with Express's own semantics and library
 * (proxy-addr): addresses, CIDR ranges and the names `loopback`, `linklocal`, `uniquelocal`.
 * Express answers `req.ip` with it; Socket.IO handshakes use `clientAddress` below, so the
 * per-address connection limit sees readers, not the load balancer in front of the servers.
 */
export type TrustProxy = ReturnType<typeof proxyaddr.compile>;

export function compileTrustProxy(list: string): TrustProxy {
  return proxyaddr.compile(
    list
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

/** The client's address: the nearest X-Forwarded-For hop not sent by a trusted proxy. */
export function clientAddress(peer: string, headers: IncomingHttpHeaders, trust: TrustProxy): string {
  // proxy-addr reads only these two fields of a request.
  const req = { headers, connection: { remoteAddress: peer }, socket: { remoteAddress: peer } };
  return proxyaddr(req as unknown as Parameters<typeof proxyaddr>[0], trust);
}
