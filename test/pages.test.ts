import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ensureDemoFeed, FeedService } from "@liveline/server";
import { openSse } from "./helpers/sse.js";
import { startStack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// The server's pages over plain HTTP: what a crawler without JavaScript gets.

const { stack, redis } = useStack({ PUBLISHER_NAME: "The Daily Example" });

async function page(path: string): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await fetch(`${stack.url}${path}`);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as it went over the wire (still compressed). */
  wire: Buffer;
}

/** A GET with any headers (fetch will not forge Host), reading the bytes as sent. */
function rawGet(url: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, wire: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function jsonLd(html: string): Record<string, unknown> {
  const m = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html);
  if (!m?.[1]) throw new Error("no JSON-LD in page");
  return JSON.parse(m[1]) as Record<string, unknown>;
}

describe("feed page /feeds/:feedId", () => {
  it("renders the entries, pinned first, with LiveBlogPosting JSON-LD, escaping everything", async () => {
    const hostile = `Polls </script><script>alert(1)</script> & "quotes"`;
    expect(
      (await stack.api.request("POST", "/v1/feeds", { id: "seo", title: hostile, description: "<b>d</b>" })).status,
    ).toBe(201);
    await stack.api.publish("seo", {
      id: "old-pin",
      headline: "Pinned <i>summary</i>",
      body: "<p>Key facts</p>",
      pinned: true,
    });
    await stack.api.publish("seo", {
      id: "news",
      headline: "</script><img src=x onerror=alert(1)>",
      body: '<p>Count &amp; recount <a href="https://example.org/">source</a></p><script>alert(2)</script>',
      author: { name: "Ana <Reporter>" },
      keyEvent: true,
    });
    await waitFor(async () => (await stack.store.currentSeq("seo")) === 2, "entries applied");

    const { status, html, headers } = await page("/feeds/seo");
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^text\/html/);
    expect(headers.get("content-security-policy")).toContain("script-src 'self'");
    // Only our own scripts: the JSON-LD block and the widget.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain(
      "<h1>Polls &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</h1>",
    );
    expect(html).toContain('<div id="live" data-liveline-feed="seo">');
    expect(html).toContain('<script async src="/widget.js"></script>');
    // Pinned first, then newest first; each entry addressable for deep links.
    expect(html.indexOf('id="entry-old-pin"')).toBeLessThan(html.indexOf('id="entry-news"'));
    expect(html).toContain('<a href="https://example.org/" rel="noopener noreferrer" target="_blank">source</a>');

    const ld = jsonLd(html);
    expect(ld).toMatchObject({
      "@context": "https://schema.org",
      "@type": "LiveBlogPosting",
      headline: hostile,
      url: "/feeds/seo", // no PUBLIC_URL: root-relative, never the request's Host

      publisher: { "@type": "Organization", name: "The Daily Example" },
    });
    expect(ld.coverageStartTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(ld).not.toHaveProperty("coverageEndTime");
    const updates = ld.liveBlogUpdate as Record<string, unknown>[];
    expect(updates.map((u) => u["@id"])).toEqual(["/feeds/seo#entry-old-pin", "/feeds/seo#entry-news"]);
    expect(updates[1]).toMatchObject({
      "@type": "BlogPosting",
      headline: "</script><img src=x onerror=alert(1)>",
      articleBody: "Count & recount source",
      author: { "@type": "Person", name: "Ana <Reporter>" },
    });
    expect(updates[1]?.datePublished).toEqual(expect.any(String));
    expect(updates[1]?.dateModified).toEqual(expect.any(String));
  });

  it("adds coverageEndTime once the feed has ended, and answers 404 pages for unknown feeds", async () => {
    await stack.api.createFeed("ended");
    await stack.api.request("PATCH", "/v1/feeds/ended", { status: "ended" });
    await waitFor(async () => (await stack.store.currentSeq("ended")) === 1, "feed ended");
    const { html } = await page("/feeds/ended");
    const ld = jsonLd(html);
    expect(ld.coverageEndTime).toEqual(expect.any(String));
    expect(html).toContain("Coverage ended");

    for (const path of ["/feeds/nope", "/feeds/NOT%20A%20SLUG"]) {
      const missing = await page(path);
      expect(missing.status).toBe(404);
      expect(missing.html).toContain("No such live feed");
    }
  });
  it("takes coverageStartTime from a feed created for past coverage, and the creation time for one in the future", async () => {
    const started = "2026-03-01T06:30:00.000Z";
    const res = await stack.api.request<{ coverageStartTime?: string }>("POST", "/v1/feeds", {
      id: "imported",
      title: "Floods",
      coverageStartTime: started,
    });
    expect(res.status).toBe(201);
    expect(res.body.coverageStartTime).toBe(started);
    const read = (await (await fetch(`${stack.url}/v1/feeds/imported`)).json()) as { coverageStartTime?: string };
    expect(read.coverageStartTime).toBe(started);
    const ld = jsonLd((await page("/feeds/imported")).html);
    expect(ld.coverageStartTime).toBe(started);
    expect(ld.datePublished).not.toBe(started);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await stack.api.request<{ coverageStartTime?: string }>("POST", "/v1/feeds", {
      id: "later",
      title: "Later",
      coverageStartTime: future,
    });
    // A start not yet reached is no earlier start: the story begins when the feed is created.
    expect(later.status).toBe(201);
    expect(later.body).not.toHaveProperty("coverageStartTime");
    const plain = (await (await fetch(`${stack.url}/v1/feeds/ended`)).json()) as Record<string, unknown>;
    expect(plain).not.toHaveProperty("coverageStartTime");
  });
});

describe("SEO and sharing", () => {
  it("fills LiveBlogPosting (image, logo, authors, language, canonical, dateModified) and Open Graph / Twitter tags", async () => {
    await stack.api.request("POST", "/v1/feeds", { id: "share-seo", title: "Election night: live" });
    const long =
      "Turnout in the capital reached 71 percent by nine o'clock, the highest figure recorded at any general election since polling districts were redrawn";
    await stack.api.publish("share-seo", { id: "turnout", body: `<p>${long}</p>`, author: { name: "Ana Ruiz" } });
    await stack.api.publish("share-seo", {
      id: "photo",
      headline: "Queues outside the town hall",
      body: '<p>Voters waited an hour.</p><p><img src="https://images.example.com/queue.jpg?w=1200&amp;q=80" alt="A queue"></p>',
      author: { name: "Tom Reed", role: "Political editor", avatarUrl: "/media/abc/96.webp" },
    });
    await stack.api.publish("share-seo", { id: "more", body: "<p>More soon.</p>", author: { name: "Ana Ruiz" } });
    await waitFor(async () => (await stack.store.currentSeq("share-seo")) === 3, "entries applied");
    await stack.api.edit("share-seo", "turnout", { body: `<p>${long}.</p>` });
    await waitFor(async () => (await stack.store.currentSeq("share-seo")) === 4, "edit applied");

    // Without PUBLIC_URL: no absolute page URL anywhere, and the defaults.
    const plain = (await page("/feeds/share-seo")).html;
    const ld0 = jsonLd(plain);
    expect(ld0).not.toHaveProperty("mainEntityOfPage");
    expect(ld0.inLanguage).toBe("en");
    expect(ld0.image).toBe("https://images.example.com/queue.jpg?w=1200&q=80");
    expect(plain).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(plain).not.toContain("og:url");

    const configured = await startStack(redis.url, {
      PUBLIC_URL: "https://live.example.com",
      PUBLISHER_NAME: "The Daily Example",
      PUBLISHER_LOGO_URL: "https://static.example.com/logo.png",
      FEED_LANGUAGE: "en-gb",
      KEY_PREFIX: stack.keyPrefix,
      ROLE: "server",
    });
    try {
      const html = await (await fetch(`${configured.url}/feeds/share-seo`)).text();
      expect(html).toContain('<html lang="en-GB">');
      const ld = jsonLd(html);
      const turnout = (await stack.api.request<{ updatedAt: string }>("GET", "/v1/feeds/share-seo/entries/turnout"))
        .body;
      expect(ld).toMatchObject({
        mainEntityOfPage: { "@type": "WebPage", "@id": "https://live.example.com/feeds/share-seo" },
        inLanguage: "en-GB",
        image: "https://images.example.com/queue.jpg?w=1200&q=80",
        dateModified: turnout.updatedAt, // the latest change: the edit, not the feed's creation
        publisher: {
          "@type": "Organization",
          name: "The Daily Example",
          logo: { "@type": "ImageObject", url: "https://static.example.com/logo.png" },
        },
        author: [
          { "@type": "Person", name: "Ana Ruiz" },
          {
            "@type": "Person",
            name: "Tom Reed",
            jobTitle: "Political editor",
            image: "https://live.example.com/media/abc/96.webp",
          },
        ],
      });
      const updates = ld.liveBlogUpdate as { "@id": string; headline: string }[];
      const cut = updates.find((u) => u["@id"].endsWith("#entry-turnout"))?.headline ?? "";
      // No headline: the text cut at a word boundary, at most 110 characters with the ellipsis.
      expect(cut).toBe(
        "Turnout in the capital reached 71 percent by nine o'clock, the highest figure recorded at any general…",
      );
      expect(cut.length).toBeLessThanOrEqual(110);
      for (const tag of [
        '<meta property="og:type" content="article">',
        '<meta property="og:site_name" content="The Daily Example">',
        '<meta property="og:title" content="Election night: live">',
        '<meta property="og:url" content="https://live.example.com/feeds/share-seo">',
        '<meta property="og:image" content="https://images.example.com/queue.jpg?w=1200&amp;q=80">',
        '<meta property="og:description" content="More soon.">',
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta name="twitter:title" content="Election night: live">',
      ])
        expect(html).toContain(tag);
    } finally {
      await configured.close();
    }
  });

  it("uses the publisher's logo as the image, and a small card, when no entry has a picture", async () => {
    await stack.api.createFeed("no-pictures");
    const configured = await startStack(redis.url, {
      PUBLISHER_LOGO_URL: "https://static.example.com/logo.png",
      KEY_PREFIX: stack.keyPrefix,
      ROLE: "server",
    });
    try {
      const html = await (await fetch(`${configured.url}/feeds/no-pictures`)).text();
      expect(jsonLd(html).image).toBe("https://static.example.com/logo.png");
      expect(html).toContain('<meta property="og:image" content="https://static.example.com/logo.png">');
      expect(html).toContain('<meta name="twitter:card" content="summary">');
    } finally {
      await configured.close();
    }
  });
});

describe("public URLs never come from the request", () => {
  it("ignores a forged Host: no absolute URL without PUBLIC_URL, PUBLIC_URL's alone with it", async () => {
    await stack.api.createFeed("host");
    const forged = { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" };
    const plain = await rawGet(`${stack.url}/feeds/host`, forged);
    const html = plain.wire.toString("utf8");
    expect(plain.status).toBe(200);
    expect(html).not.toContain("evil.example");
    expect(html).not.toContain('rel="canonical"');
    expect(html).not.toContain("og:url");
    expect(jsonLd(html)).toMatchObject({ "@id": "/feeds/host", url: "/feeds/host" });
    // Nothing in the page depends on request headers, so a shared cache may keep it.
    expect(plain.headers["cache-control"]).toBe("public, max-age=5");

    const configured = await startStack(redis.url, {
      PUBLIC_URL: "https://live.example.com/",
      KEY_PREFIX: stack.keyPrefix,
      ROLE: "server",
    });
    try {
      const res = await rawGet(`${configured.url}/feeds/host`, forged);
      const withUrl = res.wire.toString("utf8");
      expect(withUrl).not.toContain("evil.example");
      expect(withUrl).toContain('<link rel="canonical" href="https://live.example.com/feeds/host">');
      expect(withUrl).toContain('<meta property="og:url" content="https://live.example.com/feeds/host">');
      expect(jsonLd(withUrl)).toMatchObject({ url: "https://live.example.com/feeds/host" });
    } finally {
      await configured.close();
    }
  });
});

describe("compression", () => {
  it("sends /widget.js, pages and JSON compressed, within the widget's budget on the wire", async () => {
    const file = await (await fetch(`${stack.url}/widget.js`, { headers: { "accept-encoding": "identity" } })).text();
    const br = await rawGet(`${stack.url}/widget.js`, { "accept-encoding": "gzip, deflate, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(br.wire).toString("utf8")).toBe(file);
    const gz = await rawGet(`${stack.url}/widget.js`, { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.wire).toString("utf8")).toBe(file);
    console.log(
      `/widget.js on the wire: ${br.wire.length} bytes br, ${gz.wire.length} bytes gzip, ${file.length} plain`,
    );
    expect(gz.wire.length).toBeLessThanOrEqual(31 * 1024);
    expect(br.headers.vary).toContain("Accept-Encoding");

    await stack.api.createFeed("zipped");
    for (const path of ["/feeds/zipped", "/console", "/openapi.json"]) {
      const res = await rawGet(`${stack.url}${path}`, { "accept-encoding": "gzip" });
      expect([path, res.headers["content-encoding"]]).toEqual([path, "gzip"]);
    }
  });

  it("never compresses or holds back the SSE stream", async () => {
    await stack.api.createFeed("stream");
    const sse = await openSse(`${stack.url}/v1/feeds/stream/stream`, { "accept-encoding": "gzip, br" });
    try {
      expect(sse.headers["content-encoding"]).toBeUndefined();
      expect(sse.headers["content-type"]).toMatch(/^text\/event-stream/);
      expect(sse.headers["cache-control"]).toContain("no-transform");
      await waitFor(() => sse.messages.some((m) => m.event === "reset"), "the snapshot event, unbuffered");
      await stack.api.publish("stream", { id: "s1", body: "live" });
      await waitFor(() => sse.messages.some((m) => m.event === "entry.published"), "a live event, unbuffered");
    } finally {
      sse.close();
    }
  });
});

describe("console, widget script and public reads", () => {
  it("serves /console without any token in it, and the built scripts", async () => {
    const consolePage = await page("/console");
    expect(consolePage.status).toBe(200);
    expect(consolePage.html).toContain('<script defer src="/console.js"></script>');
    expect(consolePage.html).not.toContain("test-editor-token");
    for (const path of ["/widget.js", "/console.js"]) {
      const res = await fetch(`${stack.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect((await res.text()).length).toBeGreaterThan(1000);
    }
  });

  it("lets any origin read the v1 API, but gives writes no CORS headers", async () => {
    await stack.api.createFeed("cors");
    const read = await stack.api.request("GET", "/v1/feeds/cors/entries");
    expect(read.headers.get("access-control-allow-origin")).toBe("*");
    const write = await stack.api.publish("cors", { body: "x" });
    expect(write.status).toBe(202);
    expect(write.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("creates the development demo feed once, with entries", async () => {
    const service = new FeedService(stack.store, stack.queue);
    expect(await ensureDemoFeed(service)).toBe(true);
    expect(await ensureDemoFeed(service)).toBe(false);
    await waitFor(async () => (await stack.store.currentSeq("demo")) === 3, "demo entries applied");
    const { html } = await page("/feeds/demo");
    expect(jsonLd(html).liveBlogUpdate).toHaveLength(3);
  });
});
