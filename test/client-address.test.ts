import { describe, expect, it } from "vitest";
import { clientAddress, compileTrustProxy, loadConfig } from "@liveline/server";

/**
 * Per-address limits must see readers, not the load balancer: behind nginx on a Docker network
 * the peer is a private address, so TRUST_PROXY has to be able to name it.
 */
describe("client address behind proxies", () => {
  const xff = (v: string) => ({ "x-forwarded-for": v });

  it("believes X-Forwarded-For only from trusted peers", () => {
    const loopbackOnly = compileTrustProxy("loopback");
    expect(clientAddress("127.0.0.1", xff("203.0.113.9"), loopbackOnly)).toBe("203.0.113.9");
    // nginx in another container: untrusted by default, so every reader would look the same…
    expect(clientAddress("172.18.0.5", xff("203.0.113.9"), loopbackOnly)).toBe("172.18.0.5");
    // …and trusted once TRUST_PROXY names private ranges, as docker-compose.yml does.
    const compose = compileTrustProxy("loopback, uniquelocal");
    expect(clientAddress("172.18.0.5", xff("203.0.113.9"), compose)).toBe("203.0.113.9");
  });

  it("takes the nearest untrusted hop, so a client cannot spoof its address", () => {
    const trust = compileTrustProxy("loopback, 10.0.0.0/8");
    // The client sent "1.1.1.1" itself; the proxy appended the real address.
    expect(clientAddress("10.0.0.2", xff("1.1.1.1, 198.51.100.7"), trust)).toBe("198.51.100.7");
    expect(clientAddress("10.0.0.2", xff("1.1.1.1, 198.51.100.7, 10.0.0.3"), trust)).toBe("198.51.100.7");
    expect(clientAddress("198.51.100.8", xff("1.1.1.1"), trust)).toBe("198.51.100.8");
  });

  it("validates TRUST_PROXY at start", () => {
    expect(() => loadConfig({ TRUST_PROXY: "not an address" })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8, uniquelocal" })).not.toThrow();
  });
});
