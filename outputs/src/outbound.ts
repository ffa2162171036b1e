import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Resolver } from "node:dns/promises";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Outbound HTTP for the outputs (webhooks, push services, FCM) and for embeds' oEmbed lookups
 * (server/src/embeds): URLs someone else chose, so
 * they must not reach into our own network (server-side request forgery). The host name is
 * resolved once, every address it resolves to is checked, and the connection is made to the
 * checked address itself (the `lookup` hook hands net.connect the address we vetted), so a
 * DNS answer that changes between check and connect (rebinding) cannot slip through.
 */

/** Thrown when a URL leads to an address outbound requests may not reach; never retried. */
export class OutboundRefused extends Error {
  readonly code = "outbound_refused";
  constructor(message: string) {
    super(message);
    this.name = "OutboundRefused";
  }
}

/** Addresses that are not the public internet (RFC 6890 special-purpose registries). */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["100::", 64],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv6");
}

/** An IPv4 address embedded in an IPv6 one (mapped ::ffff:a.b.c.d, or NAT64 64:ff9b::/96). */
function embeddedIpv4(address: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m?.[1] !== undefined) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex?.[1] === undefined || hex[2] === undefined) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True when `address` (an IP literal) is loopback, private, link-local, unique-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family !== 6) return true; // not an address at all: refuse
  const v4 = embeddedIpv4(address);
  if (v4 !== undefined) return PRIVATE.check(v4, "ipv4");
  return PRIVATE.check(address, "ipv6");
}

/** The host of a URL as net.connect sees it (IPv6 literals without brackets). */
function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * How long a registration waits for the DNS: one try of 2 s per address family, asked in
 * parallel. A name server that does not answer must not hold the request past a client's timeout.
 */
const REGISTRATION_DNS = { timeout: 2_000, tries: 1 };

/**
 * Resolve `url`'s host and check every address; throws OutboundRefused when one is private
 * (unless allowed). Used to refuse a webhook or push endpoint when it is registered. A host that
 * does not resolve (yet), or whose name servers do not answer in time, is not refused: there is
 * nothing to check now, and every connection checks the addresses again as it is made
 * (safeLookup), so it can never reach a private one. `resolver`: the DNS client to ask (by
 * default one with the system's name servers and REGISTRATION_DNS's limits).
 */
export async function assertPublicUrl(url: URL, allowPrivate: boolean, resolver?: Resolver): Promise<void> {
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new OutboundRefused("only http(s) URLs");
  if (allowPrivate) return;
  const host = hostOf(url);
  // Names that are loopback by definition (RFC 6761), whatever a name server would say.
  if (/^localhost\.?$|\.localhost\.?$/i.test(host)) throw new OutboundRefused(`${host} is a loopback name`);
  const addresses = isIP(host) !== 0 ? [host] : await resolveAll(host, resolver ?? new Resolver(REGISTRATION_DNS));
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined) throw new OutboundRefused(`${host} resolves to a non-public address (${bad})`);
}

/**
 * Every address of `host` (A and AAAA); none when it does not resolve or its name servers do
 * not answer in time. Asked over the DNS client, which never takes one of libuv's threads
 * (getaddrinfo would hold one for as long as the name servers stay silent).
 */
async function resolveAll(host: string, resolver: Resolver): Promise<string[]> {
  const found = await Promise.all([resolver.resolve4(host).catch(() => []), resolver.resolve6(host).catch(() => [])]);
  return found.flat();
}

function checkAll(host: string, addresses: string[]): void {
  if (addresses.length === 0) throw new OutboundRefused(`${host} resolves to no address`);
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined) throw new OutboundRefused(`${host} resolves to a non-public address (${bad})`);
}

/** net.connect's `lookup`: resolve, check every address, hand back exactly those checked. */
const safeLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { all: true, verbatim: true, family: options.family ?? 0 }, (err, found: LookupAddress[]) => {
    if (err) return callback(err, "", 0);
    try {
      checkAll(
        hostname,
        found.map((a) => a.address),
      );
    } catch (refused) {
      return callback(refused as NodeJS.ErrnoException, "", 0);
    }
    // Node 20 asks for every address (`all`) when it races IPv4 and IPv6 (autoSelectFamily).
    if (options.all === true) return (callback as (e: null, a: LookupAddress[]) => void)(null, found);
    const first = found[0];
    if (first === undefined) return callback(new OutboundRefused(`${hostname} resolves to no address`), "", 0);
    callback(null, first.address, first.family);
  });
};

export interface OutboundRequest {
  method?: "POST" | "GET";
  headers: Record<string, string | number>;
  body: string | Buffer;
}

export interface OutboundResponse {
  status: number;
  /** The body, cut at 64 KiB: enough for an error document. */
  text: string;
  ms: number;
}

export interface OutboundOptions {
  allowPrivate: boolean;
  timeoutMs: number;
}

/** A GET of a body to keep (a document, an image), bounded in bytes and in time. */
export interface OutboundGet {
  /** The Accept header. */
  accept: string;
  /** Most body bytes taken: a longer body is refused (OutboundRefused) as soon as it shows. */
  maxBytes: number;
  /** Ends the request, wherever it is (connecting, waiting, reading), when aborted. */
  signal: AbortSignal;
  /** Reach private addresses for this one request (a destination the operator configured). */
  allowPrivate?: boolean;
}

/** A GET's answer. Redirects are not followed: `location` is for the caller to vet and follow. */
export interface OutboundBody {
  status: number;
  contentType: string | undefined;
  location: string | undefined;
  body: Buffer;
}

/** A small HTTP client with keep-alive connections whose every connection goes through the address check. */
export class Outbound {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly options: OutboundOptions) {}

  /** The URL checked and the node:http options that connect only to vetted addresses. */
  private target(target: string | URL, allowPrivate: boolean) {
    const url = typeof target === "string" ? new URL(target) : target;
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new OutboundRefused("only http(s) URLs");
    const host = hostOf(url);
    // An IP literal never goes through `lookup`: check it here.
    if (!allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
      throw new OutboundRefused(`${host} is not a public address`);
    }
    const secure = url.protocol === "https:";
    const options = { agent: secure ? this.https : this.http, ...(allowPrivate ? {} : { lookup: safeLookup }) };
    return { url, request: secure ? httpsRequest : httpRequest, options };
  }

  async get(target: string | URL, req: OutboundGet): Promise<OutboundBody> {
    const { url, request, options } = this.target(target, req.allowPrivate ?? this.options.allowPrivate);
    req.signal.throwIfAborted();
    return new Promise<OutboundBody>((resolve, reject) => {
      const r = request(
        url,
        { ...options, method: "GET", headers: { accept: req.accept }, signal: req.signal },
        (res) => {
          const tooLarge = () => new OutboundRefused(`the answer is larger than ${req.maxBytes} bytes`);
          if (Number(res.headers["content-length"] ?? 0) > req.maxBytes) {
            r.destroy(tooLarge());
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > req.maxBytes) r.destroy(tooLarge());
            else chunks.push(c);
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: res.headers["content-type"],
              location: res.headers.location,
              body: Buffer.concat(chunks),
            }),
          );
          res.on("error", reject);
        },
      );
      r.on("error", reject);
      r.end();
    });
  }

  async send(target: string | URL, req: OutboundRequest): Promise<OutboundResponse> {
    const { url, request, options } = this.target(target, this.options.allowPrivate);
    const started = performance.now();
    return new Promise<OutboundResponse>((resolve, reject) => {
      const r = request(
        url,
        {
          ...options,
          method: req.method ?? "POST",
          headers: { ...req.headers, "content-length": Buffer.byteLength(req.body) },
          timeout: this.options.timeoutMs,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            if (size < 65_536) chunks.push(c);
            size += c.length;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString("utf8").slice(0, 65_536),
              ms: performance.now() - started,
            }),
          );
          res.on("error", reject);
        },
      );
      r.on("timeout", () => r.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
      r.on("error", reject);
      r.end(req.body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
