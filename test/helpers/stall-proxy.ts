import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy in front of a server that can stop reading what the server sends, as a phone in a
 * tunnel does: the server's writes back up in the kernel and then in the server's own memory,
 * while the client still sends (pongs keep the connection alive). `resume()` reads again, so a
 * connection the server reset meanwhile is then seen as dropped by the client.
 */
export interface StallProxy {
  /** The proxy's address, in the form of the target's URL. */
  readonly url: string;
  /** Stop reading from the server, on every connection open now or made until `resume()`. */
  stall(): void;
  /** Read again on every connection. */
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(targetUrl: string): Promise<StallProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let stalled = false;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    if (stalled) upstream.pause();
    const pair = { client, upstream };
    pairs.add(pair);
    // Plain 'data' forwarding rather than pipe(): pipe() would resume a paused upstream.
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on("error", end);
      s.on("close", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    stall: () => {
      stalled = true;
      for (const p of pairs) p.upstream.pause();
    },
    resume: () => {
      stalled = false;
      for (const p of pairs) p.upstream.resume();
    },
    close: async () => {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
