import { describe, expect, it } from "vitest";
import { XMLParser } from "fast-xml-parser";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// Atom and JSON Feed documents, parsed by a third-party parser; and, without
// ALLOW_PRIVATE_OUTBOUND, webhooks and push endpoints on private addresses refused.
const fixture = useStack({ PUBLISHER_NAME: "The Daily Test" });

interface AtomEntry {
  id: string;
  title: string;
  updated: string;
  published: string;
  link: { "@_href": string };
  content: { "#text": string; "@_type": string };
}

async function text(path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${fixture.stack.url}${path}`);
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
}

describe("feed documents", () => {
  it("reflect publishes, corrections and retractions with stable ids", async () => {
    const { api, store } = fixture.stack;
    await api.createFeed("docs-feed", "Election night");
    await api.publish("docs-feed", { id: "one", headline: "Polls open", body: "<p>Voting has begun.</p>" });
    await api.publish("docs-feed", { id: "two", body: "<p>Turnout is <strong>high</strong>.</p>" });
    await api.publish("docs-feed", { id: "three", headline: "Wrong", body: "<p>Retract me.</p>" });
    await waitFor(async () => (await store.currentSeq("docs-feed")) === 3, "the publishes");
    const before = await text("/feeds/docs-feed/atom.xml");
    await new Promise((r) => setTimeout(r, 20));
    await api.edit("docs-feed", "one", { body: "<p>Voting began at 7am.</p>" });
    await api.retract("docs-feed", "three");
    await waitFor(async () => (await store.currentSeq("docs-feed")) === 5, "the correction and retraction");

    const atom = await text("/feeds/docs-feed/atom.xml");
    expect(atom.status).toBe(200);
    expect(atom.type).toContain("application/atom+xml");
    const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "entry" || name === "link" });
    const doc = parser.parse(atom.body) as { feed: { id: string; title: string; updated: string; entry: AtomEntry[] } };
    expect(doc.feed.title).toBe("Election night");
    expect(doc.feed.id).toBe("urn:liveline:docs-feed");
    const entries = doc.feed.entry;
    expect(entries.map((e) => e.id).sort()).toEqual(["urn:liveline:docs-feed:one", "urn:liveline:docs-feed:two"]);
    const one = entries.find((e) => e.id.endsWith(":one"));
    expect(one?.content["@_type"]).toBe("html");
    expect(one?.content["#text"]).toContain("7am");
    expect(Date.parse(one?.updated ?? "")).toBeGreaterThan(Date.parse(one?.published ?? ""));
    expect(doc.feed.updated).toBe(one?.updated);
    expect(one?.link).toEqual([
      expect.objectContaining({ "@_href": expect.stringMatching(/\/feeds\/docs-feed#entry-one$/) }),
    ]);
    // The earlier document had the same ids: readers' apps keep their read marks.
    const earlier = parser.parse(before.body) as { feed: { entry: AtomEntry[] } };
    expect(earlier.feed.entry.map((e) => e.id)).toContain("urn:liveline:docs-feed:one");

    const json = await text("/feeds/docs-feed/feed.json");
    expect(json.type).toContain("application/feed+json");
    const feed = JSON.parse(json.body) as {
      version: string;
      title: string;
      feed_url?: string;
      items: { id: string; url: string; content_html: string; date_modified: string; date_published: string }[];
    };
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed.title).toBe("Election night");
    expect(feed).toMatchObject({ authors: [{ name: "The Daily Test" }] });
    expect(feed.items.map((i) => i.id).sort()).toEqual(["urn:liveline:docs-feed:one", "urn:liveline:docs-feed:two"]);
    for (const item of feed.items) {
      expect(typeof item.content_html).toBe("string");
      expect(Number.isNaN(Date.parse(item.date_modified))).toBe(false);
      expect(Number.isNaN(Date.parse(item.date_published))).toBe(false);
      expect(item.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/feeds\/docs-feed#entry-/);
    }

    // Root-relative: without PUBLIC_URL the page carries no absolute URL (none from the Host header).
    const page = await text("/feeds/docs-feed");
    expect(page.body).toContain(
      '<link rel="alternate" type="application/atom+xml" title="Election night" href="/feeds/docs-feed/atom.xml">',
    );
    expect(page.body).toContain('type="application/feed+json"');
  });

  it("do not exist for private or unknown feeds", async () => {
    const { api } = fixture.stack;
    await api.request("POST", "/v1/feeds", { id: "docs-private", title: "Private", visibility: "private" });
    for (const path of [
      "/feeds/docs-private/atom.xml",
      "/feeds/docs-private/feed.json",
      "/feeds/nope/atom.xml",
      "/feeds/NOPE/feed.json",
    ]) {
      expect((await text(path)).status, path).toBe(404);
    }
  });
});

describe("without ALLOW_PRIVATE_OUTBOUND", () => {
  it("refuses webhooks and push endpoints on private, loopback or link-local addresses", async () => {
    const { api } = fixture.stack;
    for (const url of [
      "http://127.0.0.1:9/hook",
      "http://localhost:9/hook",
      "http://[::1]/x",
      "http://169.254.169.254/",
      "http://10.0.0.8/",
    ]) {
      const res = await api.request<{ error: { code: string } }>("POST", "/v1/webhooks", { url });
      // A well-formed URL this service will not send to: refused as such, not as malformed.
      expect(res.status, url).toBe(403);
      expect(res.body.error.code).toBe("destination_not_allowed");
    }
    await api.createFeed("docs-push");
    const keys = { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) };
    const push = await api.as(null).request<{ error: { code: string } }>("POST", "/v1/feeds/docs-push/push/web", {
      endpoint: "http://127.0.0.1:9/push",
      keys,
    });
    expect([push.status, push.body.error.code]).toEqual([403, "destination_not_allowed"]);
  });

  it("lists the new routes in /openapi.json", async () => {
    const doc = (await (await fetch(`${fixture.stack.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const path of [
      "/v1/push/web/key",
      "/v1/feeds/{feedId}/push/web",
      "/v1/feeds/{feedId}/push/devices",
      "/v1/feeds/{feedId}/alerts",
      "/v1/webhooks",
      "/v1/webhooks/{id}/deliveries",
      "/v1/webhooks/{id}/deliveries/{deliveryId}/replay",
      "/feeds/{feedId}/atom.xml",
      "/feeds/{feedId}/feed.json",
      "/liveline-sw.js",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});
