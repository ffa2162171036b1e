import { io as connect } from "socket.io-client";
import { describe, expect, it } from "vitest";
import { LIMITS, type Entry, type SubscribeAck } from "@liveline/protocol";
import { MAX_SUBSCRIPTIONS_PER_SOCKET } from "@liveline/server";
import { XSS_VECTORS } from "./fixtures/xss-vectors.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

const { stack } = useStack();

const ALLOWED_TAGS = new Set(["p", "h2", "h3", "a", "strong", "em", "ul", "ol", "li", "blockquote", "br", "img"]);

/** Decode numeric and the few named character references a browser would resolve in an attribute. */
function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&colon;/gi, ":")
    .replace(/&tab;/gi, "\t")
    .replace(/&newline;/gi, "\n")
    .replace(/&quot;/gi, '"')
    .replace(/&amp;/gi, "&");
}

/** Every way the stored HTML could run script, load a non-https resource or open a window.opener. */
function problemsOf(html: string): string[] {
  const problems: string[] = [];
  if (/<\s*script/i.test(html)) problems.push("script tag");
  for (const tag of html.match(/<[^>]*>/g) ?? []) {
    const name = /^<\/?([a-z0-9]+)/i.exec(tag)?.[1]?.toLowerCase() ?? "?";
    if (!ALLOWED_TAGS.has(name)) problems.push(`tag <${name}>`);
    // Attribute names, with double-quoted values (the only form sanitize-html writes) skipped.
    const names = [...tag.matchAll(/\s([^\s="'/>]+)(?:="[^"]*")?/g)].map((m) => (m[1] ?? "").toLowerCase());
    for (const attr of names) if (attr.startsWith("on")) problems.push(`event handler ${attr} in ${tag}`);
    if (names.includes("style")) problems.push(`style in ${tag}`);
    const flat = decodeEntities(tag)
      // eslint-disable-next-line no-control-regex -- browsers ignore C0 controls inside URLs
      .replace(/[\s\u0000-\u001f]/g, "")
      .toLowerCase();
    if (/javascript:|vbscript:|data:/.test(flat)) problems.push(`dangerous URL in ${tag}`);
    for (const m of tag.matchAll(/\s(href|src|srcset|cite|action|formaction|background)\s*=\s*"([^"]*)"/gi)) {
      const attr = (m[1] ?? "").toLowerCase();
      const url = decodeEntities(m[2] ?? "");
      const ok = attr === "href" ? /^(https:\/\/|mailto:)/i.test(url) : attr === "src" && /^https:\/\//i.test(url);
      if (!ok) problems.push(`${attr}="${url}"`);
    }
    if (name === "a" && !tag.startsWith("</") && !/\srel="noopener noreferrer"/.test(tag))
      problems.push(`rel in ${tag}`);
  }
  return problems;
}

describe("hostile HTML (OWASP XSS filter-evasion cases)", () => {
  it(`stores none of ${XSS_VECTORS.length} vectors in a form that can run script`, async () => {
    await stack.api.createFeed("xss");
    const accepted: string[] = [];
    let refused = 0;
    for (const [i, vector] of XSS_VECTORS.entries()) {
      const res = await stack.api.publish("xss", { id: `x${i}`, body: vector, headline: `case ${i}` });
      if (res.status === 202) accepted.push(`x${i}`);
      else {
        // Only "nothing left once sanitized" may be refused.
        expect([i, res.status, res.body]).toMatchObject([i, 400, { error: { code: "validation_failed" } }]);
        refused += 1;
      }
    }
    await waitFor(async () => (await stack.store.currentSeq("xss")) === accepted.length, "all applied");
    const failures: string[] = [];
    for (const id of accepted) {
      const entry = (await stack.store.getEntry("xss", id)) as Entry;
      const problems = problemsOf(entry.body);
      if (problems.length > 0) failures.push(`${id}: ${entry.body} -> ${problems.join("; ")}`);
    }
    expect(failures).toEqual([]);
    expect(accepted.length + refused).toBe(XSS_VECTORS.length);
    // Most vectors keep some harmless text; the rest had nothing left and were refused.
    expect(accepted.length).toBeGreaterThan(20);
    process.stdout.write(
      `xss: ${XSS_VECTORS.length} vectors, ${accepted.length} stored sanitized, ${refused} refused\n`,
    );
  });

  it("keeps the allowlist intact: https links get rel=noopener noreferrer, https images stay", async () => {
    await stack.api.createFeed("allow");
    const body =
      '<p>Read <a href="https://example.org/a">this</a> and <a href="mailto:desk@example.org">mail</a></p>' +
      '<img src="https://cdn.example.org/p.jpg" alt="pic"><ul><li><strong>a</strong> <em>b</em></li></ul>';
    await stack.api.publish("allow", { id: "ok", body });
    const entry = await waitFor(() => stack.store.getEntry("allow", "ok"), "entry");
    expect(problemsOf(entry.body)).toEqual([]);
    expect(entry.body).toContain('<a href="https://example.org/a" rel="noopener noreferrer" target="_blank">this</a>');
    expect(entry.body).toContain('<img src="https://cdn.example.org/p.jpg" alt="pic" />');
    // Subheadings stay; Word's and Google Docs' <b>/<i> become strong/em instead of vanishing.
    await stack.api.publish("allow", {
      id: "heads",
      body: "<h2>Sub</h2><h3>Minor</h3><p><b>bold</b> <i>it</i></p><h1>x</h1>",
    });
    const heads = await waitFor(() => stack.store.getEntry("allow", "heads"), "entry with subheadings");
    expect(heads.body).toBe("<h2>Sub</h2><h3>Minor</h3><p><strong>bold</strong> <em>it</em></p>x");
    // The checker itself must catch what it is meant to catch.
    expect(problemsOf('<a href="javascript:alert(1)">x</a>').length).toBeGreaterThan(0);
    expect(problemsOf('<img src="https://x.example/a.png" onerror="alert(1)">').length).toBeGreaterThan(0);
    expect(problemsOf('<a href="https://x.example/">x</a>')).toEqual(['rel in <a href="https://x.example/">']);
  });
});

describe("limits, with clear errors", () => {
  const err = (body: unknown) => (body as { error: { code: string; details?: { path: string }[] } }).error;

  it("refuses oversized bodies, entries and headlines, and bad ids", async () => {
    await stack.api.createFeed("limits");
    const huge = await stack.api.publish("limits", { body: "x".repeat(LIMITS.maxBodyBytes + 10) });
    expect([huge.status, err(huge.body).code]).toEqual([413, "payload_too_large"]);
    const headline = await stack.api.publish("limits", {
      body: "ok",
      headline: "h".repeat(LIMITS.maxHeadlineChars + 1),
    });
    expect([headline.status, err(headline.body).code, err(headline.body).details?.[0]?.path]).toEqual([
      400,
      "validation_failed",
      "headline",
    ]);
    const long = await stack.api.publish("limits", { body: "b".repeat(LIMITS.maxEntryBodyChars + 1) });
    expect([long.status, err(long.body).details?.[0]?.path]).toEqual([400, "body"]);
    const author = await stack.api.publish("limits", { body: "ok", author: { name: "n".repeat(121) } });
    expect(author.status).toBe(400);
    for (const id of ["Bad_ID", "a".repeat(65), "-lead", "{tag}", "a b", "é", ""]) {
      const res = await stack.api.request("POST", "/v1/feeds", { id, title: "t" });
      expect([id, res.status, err(res.body).code]).toEqual([id, 400, "validation_failed"]);
    }
    for (const path of [
      "/v1/feeds/Bad_ID",
      "/v1/feeds/%7Btag%7D/entries",
      "/v1/feeds/..%2F..%2Fetc",
      "/v1/feeds/a%00b",
    ]) {
      const res = await stack.api.request("GET", path);
      expect([path, res.status]).toEqual([path, 400]);
    }
    const entryId = await stack.api.publish("limits", { id: "../../x", body: "ok" });
    expect(entryId.status).toBe(400);
    const key = await stack.api.publish("limits", { body: "ok" }, { "idempotency-key": "k".repeat(201) });
    expect(key.status).toBe(400);
    expect(await stack.store.currentSeq("limits")).toBe(0);
    expect((await stack.store.acceptedTicket("limits")).ticket).toBe(0);
  });

  it("caps subscriptions per connection and socket payload size", async () => {
    const ids = Array.from({ length: MAX_SUBSCRIPTIONS_PER_SOCKET + 1 }, (_, i) => `many-${i}`);
    for (const id of ids) expect((await stack.api.createFeed(id)).status).toBe(201);
    const socket = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
    const answers: SubscribeAck[] = [];
    for (const feedId of ids)
      answers.push((await socket.timeout(5000).emitWithAck("subscribe", { feedId })) as SubscribeAck);
    expect(answers.slice(0, -1).every((a) => a.ok)).toBe(true);
    expect(answers.at(-1)).toMatchObject({ ok: false, error: { code: "rate_limited" } });

    // The same subscribes sent all at once, before any is answered: still no more than the cap.
    const burst = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
    const all = (await Promise.all(
      ids.map((feedId) => burst.timeout(5000).emitWithAck("subscribe", { feedId })),
    )) as SubscribeAck[];
    expect(all.filter((a) => a.ok)).toHaveLength(MAX_SUBSCRIPTIONS_PER_SOCKET);
    expect(all.filter((a) => !a.ok)).toMatchObject([{ ok: false, error: { code: "rate_limited" } }]);
    burst.close();

    // A payload above maxHttpBufferSize (16 KiB) closes that connection, and only that one.
    const closed = new Promise<string>((r) => socket.once("disconnect", r));
    socket.emit("subscribe", { feedId: "x".repeat(20 * 1024) }, () => undefined);
    expect(await closed).toBe("transport close");
    const again = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
    expect(await again.timeout(5000).emitWithAck("subscribe", { feedId: "many-0" })).toMatchObject({ ok: true });
    again.close();
    socket.close();
  });
});
