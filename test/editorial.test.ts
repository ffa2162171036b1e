import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DraftEntry, Entry, FeedEvent, MediaItem, Revision } from "@liveline/protocol";
import { openReader, readerReady } from "./helpers/reader.js";
import { openSse } from "./helpers/sse.js";
import { TOKEN, type Api, type Stack } from "./helpers/stack.js";
import { JWT_SECRET, mint } from "./helpers/tokens.js";
import { useStack } from "./helpers/use-stack.js";
import { sleep, waitFor } from "./helpers/wait.js";

// The editorial API (docs/editorial.md): drafts, scheduling, contributors, If-Match conflicts, corrections, media and
// embeds, each through the real path (HTTP → queue → worker → Redis → socket/SSE/page → SDK).

const dataDir = mkdtempSync(join(tmpdir(), "liveline-editorial-test-"));
const fixture = useStack({ DATA_DIR: dataDir, EDITOR_JWT_SECRET: JWT_SECRET });
let stack: Stack;
let api: Api;
beforeAll(() => {
  ({ stack } = fixture);
  api = stack.api;
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const drafts = async (feedId: string, as: Api = api) =>
  (await as.request<{ entries: DraftEntry[] }>("GET", `/v1/feeds/${feedId}/drafts`)).body.entries;
const entryIds = (events: FeedEvent[]) => events.map((e) => ("entry" in e ? e.entry.id : ""));
const text = async (path: string) => (await fetch(`${stack.url}${path}`)).text();
const codeOf = (body: unknown) => (body as { error?: { code?: string } }).error?.code;
const messageOf = (body: unknown) => (body as { error?: { message?: string } }).error?.message;
const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();

describe("drafts", () => {
  it("are invisible on every read path until published, then published with their seq", async () => {
    const feedId = "drafts";
    await api.createFeed(feedId);
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    const sse = await openSse(`${stack.url}/v1/feeds/${feedId}/stream?since=0`);

    expect((await api.publish(feedId, { id: "p1", body: "<p>Public one</p>" })).status).toBe(202);
    const draft = await api.publish(feedId, { id: "d1", body: "<p>SECRET-DRAFT text</p>", status: "draft" });
    expect(draft.status).toBe(202);
    await waitFor(async () => (await drafts(feedId)).some((d) => d.id === "d1"), "the draft listed");
    await waitFor(() => reader.events.length >= 1, "the public entry");
    // An edit of a draft is a draft too: no event, no seq.
    expect((await api.edit(feedId, "d1", { headline: "SECRET-DRAFT headline" })).status).toBe(202);
    await waitFor(async () => (await drafts(feedId))[0]?.headline === "SECRET-DRAFT headline", "the draft edited");

    const listed = await drafts(feedId);
    expect(listed).toMatchObject([{ id: "d1", status: "draft", by: "token-1", revision: 2 }]);
    const reads = [
      JSON.stringify((await api.as(null).request("GET", `/v1/feeds/${feedId}/entries`)).body),
      JSON.stringify((await api.as(null).request("GET", `/v1/feeds/${feedId}/events?since=0`)).body),
      await text(`/feeds/${feedId}`),
      await text(`/feeds/${feedId}/atom.xml`),
      await text(`/feeds/${feedId}/feed.json`),
      sse.body(),
    ];
    for (const read of reads) {
      expect(read).toContain("Public one");
      expect(read).not.toContain("SECRET-DRAFT");
    }
    expect((await api.as(null).request("GET", `/v1/feeds/${feedId}/entries/d1`)).status).toBe(404);
    expect((await api.as(null).request("GET", `/v1/feeds/${feedId}`)).body).toMatchObject({ seq: 1 });
    const late = openReader(stack.url, feedId);
    await readerReady(late);
    expect(late.sub.entries.map((e) => e.id)).toEqual(["p1"]);
    expect(entryIds(reader.events)).toEqual(["p1"]);

    // Published: now it takes the next seq, and every reader gets it.
    const published = await api.request("POST", `/v1/feeds/${feedId}/entries/d1/publish`);
    expect(published.status).toBe(202);
    await waitFor(() => reader.events.length === 2 && late.events.length === 1, "the published draft");
    expect(reader.events[1]).toMatchObject({
      type: "entry.published",
      seq: 2,
      entry: { id: "d1", status: "published", headline: "SECRET-DRAFT headline" },
    });
    expect(reader.events[1] && "entry" in reader.events[1] && "by" in reader.events[1].entry).toBe(false);
    await waitFor(() => sse.messages.some((m) => m.data.includes("SECRET-DRAFT")), "the SSE reader");
    expect(await drafts(feedId)).toEqual([]);
    expect((await api.request("POST", `/v1/feeds/${feedId}/entries/d1/publish`)).body).toMatchObject({
      error: { code: "entry_published" },
    });
    reader.close();
    late.close();
    sse.close();
  });

  it("is discarded by DELETE with no event", async () => {
    const feedId = "drafts-gone";
    await api.createFeed(feedId);
    await api.publish(feedId, { id: "d", body: "never out", status: "draft" });
    await waitFor(async () => (await drafts(feedId)).length === 1, "the draft");
    expect((await api.retract(feedId, "d")).status).toBe(202);
    await waitFor(async () => (await drafts(feedId)).length === 0, "the draft gone");
    expect((await api.request("GET", `/v1/feeds/${feedId}`)).body).toMatchObject({ seq: 0 });
  });
});

describe("retraction reasons", () => {
  const revisions = async (feedId: string, entryId: string, count: number) =>
    waitFor(async () => {
      const r = await api.request<{ revisions: Revision[] }>("GET", `/v1/feeds/${feedId}/entries/${entryId}/revisions`);
      return r.body.revisions?.length === count ? r.body.revisions : undefined;
    }, `${count} revisions of ${entryId}`);

  it("are kept on the entry.deleted revision, never in what readers get", async () => {
    const feedId = "retract-reason";
    await api.createFeed(feedId);
    const reason = "Casualty figure was wrong — ministry corrected it";
    await api.publish(feedId, { id: "wrong", body: "Twelve hurt" });
    await api.publish(feedId, { id: "plain", body: "Roads closed" });
    await api.publish(feedId, { id: "d", body: "not yet", status: "draft" });
    await revisions(feedId, "d", 1);
    await revisions(feedId, "plain", 1);
    await revisions(feedId, "wrong", 1);
    const sse = await openSse(`${stack.url}/v1/feeds/${feedId}/stream?since=0`);

    expect((await api.retract(feedId, "wrong", `  ${reason} `)).status).toBe(202);
    expect((await api.retract(feedId, "plain")).status).toBe(202);
    expect((await api.retract(feedId, "d", "Duplicate of the wire copy")).status).toBe(202);

    const wrong = await revisions(feedId, "wrong", 2);
    expect(wrong.map((r) => [r.type, r.reason])).toEqual([
      ["entry.published", undefined],
      ["entry.deleted", reason],
    ]);
    expect((await revisions(feedId, "plain", 2)).at(-1)).not.toHaveProperty("reason");
    expect((await revisions(feedId, "d", 2)).at(-1)).toMatchObject({
      type: "entry.deleted",
      reason: "Duplicate of the wire copy",
    });

    // Readers see the retraction, never the newsroom's reason for it.
    await waitFor(() => sse.body().split('"entry.deleted"').length === 3, "two retractions on SSE");
    const log = JSON.stringify((await api.as(null).request("GET", `/v1/feeds/${feedId}/events?since=0`)).body);
    expect(log.split('"entry.deleted"')).toHaveLength(3);
    expect(sse.body() + log).not.toContain("ministry");
    sse.close();
  });

  it("refuses a reason that is empty, too long or not JSON, and changes nothing", async () => {
    const feedId = "retract-bad-reason";
    await api.createFeed(feedId);
    await api.publish(feedId, { id: "e", body: "Still here" });
    await revisions(feedId, "e", 1);
    const path = `/v1/feeds/${feedId}/entries/e`;
    for (const body of [{ reason: " " }, { reason: "x".repeat(501) }, { reason: 5 }, { why: "typo" }]) {
      const r = await api.request("DELETE", path, body);
      expect([r.status, codeOf(r.body)], JSON.stringify(body)).toEqual([400, "validation_failed"]);
    }
    const asText = await api.request("DELETE", path, "reason=typo", { "content-type": "text/plain" });
    expect([asText.status, codeOf(asText.body)]).toEqual([415, "unsupported_media_type"]);
    expect((await api.request("DELETE", path, "{broken")).status).toBe(400);
    await sleep(300);
    expect(await revisions(feedId, "e", 1)).toHaveLength(1);
    expect((await api.request("GET", path)).status).toBe(200);
  });
});

describe("alerts", () => {
  it("never go out for a breaking draft, only once it is published", async () => {
    const feedId = "draft-alerts";
    await api.createFeed(feedId);
    const decisions = async () =>
      (await api.request<{ last: { entryId: string }[] }>("GET", `/v1/feeds/${feedId}/alerts`)).body.last.map(
        (a) => a.entryId,
      );
    await api.publish(feedId, { id: "bd", headline: "Draft flash", body: "<p>x</p>", breaking: true, status: "draft" });
    await api.publish(feedId, { id: "bp", headline: "Flash", body: "<p>y</p>", breaking: true });
    // The outputs pipeline walks the log in seq order: once it decided on bp, it saw all there is.
    await waitFor(async () => (await decisions()).length === 1, "the published entry's alert decision");
    expect(await decisions()).toEqual(["bp"]);
    await api.request("POST", `/v1/feeds/${feedId}/entries/bd/publish`);
    await waitFor(async () => (await decisions()).length === 2, "the draft's alert, once published");
    expect((await decisions()).sort()).toEqual(["bd", "bp"]);
  });
});

describe("scheduling", () => {
  it("publishes at publishAt, not before (within a second); a time already past is due at once", async () => {
    const feedId = "scheduled";
    await api.createFeed(feedId);
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    const past = await api.publish(feedId, {
      id: "late",
      body: "scheduled for a second ago",
      publishAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(past.status).toBe(202);
    await waitFor(() => reader.events.length === 1, "the entry whose time had passed", 5000, 5);
    expect(reader.events[0]).toMatchObject({ type: "entry.published", entry: { id: "late", status: "published" } });
    reader.events.length = 0;

    const at = inFuture(1500);
    expect((await api.publish(feedId, { id: "s1", body: "on time", publishAt: at })).status).toBe(202);
    await waitFor(async () => (await drafts(feedId))[0]?.status === "scheduled", "listed as scheduled");
    expect((await drafts(feedId))[0]).toMatchObject({ id: "s1", publishAt: at });
    await waitFor(() => reader.events.length === 1, "the scheduled entry", 5000, 5);
    const arrived = Date.now();
    const early = Date.parse(at) - arrived;
    expect(early).toBeLessThanOrEqual(20); // not before its time (clock granularity)
    expect(arrived - Date.parse(at)).toBeLessThan(1000);
    expect(reader.events[0]).toMatchObject({ type: "entry.published", entry: { id: "s1", status: "published" } });
    console.log(`scheduled entry reached the reader ${arrived - Date.parse(at)} ms after publishAt`);
    reader.close();
  });

  it("can be rescheduled and cancelled before its time", async () => {
    const feedId = "rescheduled";
    await api.createFeed(feedId);
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    await api.publish(feedId, { id: "moved", body: "moved", publishAt: inFuture(800) });
    await api.publish(feedId, { id: "cancelled", body: "cancelled", publishAt: inFuture(800) });
    const later = inFuture(2500);
    expect((await api.edit(feedId, "moved", { publishAt: later })).status).toBe(202);
    expect((await api.edit(feedId, "cancelled", { publishAt: null })).status).toBe(202);
    await sleep(1600);
    expect(reader.events).toEqual([]);
    expect(await drafts(feedId)).toMatchObject([
      { id: "moved", status: "scheduled", publishAt: later },
      { id: "cancelled", status: "draft" },
    ]);
    await waitFor(() => reader.events.length === 1, "the rescheduled entry", 5000, 5);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(later) - 20);
    expect(entryIds(reader.events)).toEqual(["moved"]);
    await sleep(500);
    expect(entryIds(reader.events)).toEqual(["moved"]);
    // publishAt on a published entry is refused.
    const edit = await api.edit(feedId, "moved", { publishAt: inFuture(5000) });
    expect([edit.status, codeOf(edit.body)]).toEqual([409, "entry_published"]);
    reader.close();
  });
});

describe("conflicts", () => {
  it("answers a stale If-Match with 412 revision_conflict and the current entry", async () => {
    const feedId = "conflicts";
    await api.createFeed(feedId);
    await api.publish(feedId, { id: "e", body: "first" });
    await waitFor(async () => (await api.request("GET", `/v1/feeds/${feedId}/entries/e`)).status === 200, "applied");
    const got = await api.as(null).request<Entry>("GET", `/v1/feeds/${feedId}/entries/e`);
    expect(got.headers.get("etag")).toBe('"r1"');

    // Two editors edit from r1 at once: exactly one wins, atomically in accept.lua.
    const both = await Promise.all(
      ["mine", "theirs"].map((body) =>
        api.request("PATCH", `/v1/feeds/${feedId}/entries/e`, { body }, { "if-match": '"r1"' }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([202, 412]);
    const lost = both.find((r) => r.status === 412);
    expect(lost?.body).toMatchObject({ error: { code: "revision_conflict", details: { revision: 2, etag: '"r2"' } } });
    // The accepted revision moved at accept time, before the worker applied anything.
    const stale = await api.request("DELETE", `/v1/feeds/${feedId}/entries/e`, undefined, { "if-match": '"r1"' });
    expect(codeOf(stale.body)).toBe("revision_conflict");
    await waitFor(
      async () => (await api.request<Entry>("GET", `/v1/feeds/${feedId}/entries/e`)).body.revision === 2,
      "r2",
    );
    const now = await api.request<Entry>("GET", `/v1/feeds/${feedId}/entries/e`);
    expect(now.headers.get("etag")).toBe('"r2"');
    // HTTP's If-Match: a list of ETags that names none of the entry's (an empty list among them)
    // fails the precondition; a value that is not a list of ETags at all (one without its quotes,
    // two without a comma, one not closed) is refused as malformed.
    for (const other of ['"x", W/"r9"', "", " , "]) {
      const res = await api.request("PATCH", `/v1/feeds/${feedId}/entries/e`, { body: "x" }, { "if-match": other });
      expect([res.status, codeOf(res.body)], other).toEqual([412, "revision_conflict"]);
    }
    // The last is long and nearly a list: it must be refused at once, not after backtracking.
    for (const malformed of ["r2", '"r2" "r3"', '"r2', `"a"${" ,".repeat(3000)} x`]) {
      const bad = await api.request("PATCH", `/v1/feeds/${feedId}/entries/e`, { body: "x" }, { "if-match": malformed });
      expect([bad.status, codeOf(bad.body)], malformed.slice(0, 20)).toEqual([400, "validation_failed"]);
      expect(JSON.stringify(bad.body), malformed.slice(0, 20)).toContain("If-Match");
    }
    // A list whose second ETag is the entry's matches.
    const listed = await api.request(
      "PATCH",
      `/v1/feeds/${feedId}/entries/e`,
      { body: "y" },
      { "if-match": '"x", "r2"' },
    );
    expect(listed.status).toBe(202);
    const ok = await api.request("DELETE", `/v1/feeds/${feedId}/entries/e`, undefined, { "if-match": '"r3"' });
    expect(ok.status).toBe(202);
  });
});

describe("contributors", () => {
  it("write their own drafts only; an editor publishes them", async () => {
    const feedId = "contrib";
    await api.createFeed(feedId);
    const cora = api.as(await mint({ sub: "cora@desk", role: "contributor", feeds: [feedId] }));
    const dan = api.as(await mint({ sub: "dan@desk", role: "contributor", feeds: [feedId] }));
    const refused = [
      await cora.publish(feedId, { body: "straight out" }),
      await cora.publish(feedId, { body: "later", publishAt: inFuture(60_000) }),
      await cora.publish(feedId, { body: "explicit", status: "published" }),
    ];
    expect(refused.map((r) => [r.status, codeOf(r.body)])).toEqual(Array(3).fill([403, "forbidden"]));
    expect(refused.map((r) => messageOf(r.body))).toEqual(
      Array(3).fill('a contributor writes drafts only: send "status": "draft"'),
    );

    expect((await cora.publish(feedId, { id: "c1", body: "from the field", status: "draft" })).status).toBe(202);
    await waitFor(async () => (await drafts(feedId)).length === 1, "the contribution");
    expect(await drafts(feedId)).toMatchObject([{ id: "c1", by: "cora@desk", status: "draft" }]);
    expect(await drafts(feedId, dan)).toEqual([]);
    expect((await cora.edit(feedId, "c1", { body: "from the field, fixed" })).status).toBe(202);
    const forbidden = [
      await dan.edit(feedId, "c1", { body: "not mine" }),
      await cora.edit(feedId, "c1", { publishAt: inFuture(60_000) }),
      await cora.request("POST", `/v1/feeds/${feedId}/entries/c1/publish`),
    ];
    expect(forbidden.map((r) => [r.status, codeOf(r.body)])).toEqual(Array(3).fill([403, "forbidden"]));
    // Each refusal says which part of the rule the contributor met (publishing a draft is an
    // editor's route: the role is refused before the store is asked).
    expect(forbidden.map((r) => messageOf(r.body))).toEqual([
      "a contributor may change drafts of their own only",
      "a contributor may not schedule: an editor publishes contributions",
      "this token's role (contributor) may not edit here",
    ]);

    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    expect((await api.request("POST", `/v1/feeds/${feedId}/entries/c1/publish`)).status).toBe(202);
    await waitFor(() => reader.events.length === 1, "the contribution published");
    expect(reader.events[0]).toMatchObject({ entry: { id: "c1", body: "from the field, fixed" } });
    // Published, it is no longer the contributor's to change.
    const late = await cora.edit(feedId, "c1", { body: "again" });
    expect([late.status, codeOf(late.body), messageOf(late.body)]).toEqual([
      403,
      "forbidden",
      "a contributor may change drafts of their own only",
    ]);
    reader.close();
  });
});

describe("corrections and the updated mark", () => {
  it("keeps corrections for readers; flags do not move updatedAt, content does", async () => {
    const feedId = "corrections";
    await api.createFeed(feedId);
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    await api.publish(feedId, { id: "e", body: "Ten people were hurt" });
    await waitFor(() => reader.events.length === 1, "published");
    await sleep(5);
    await api.edit(feedId, "e", { pinned: true, keyEvent: true });
    await waitFor(() => reader.events.length === 2, "pinned");
    await api.edit(feedId, "e", { body: "Twelve people were hurt", correction: "An earlier version gave ten." });
    await waitFor(() => reader.events.length === 3, "corrected");
    const [published, pinned, corrected] = reader.events.map((e) => ("entry" in e ? e.entry : undefined));
    expect(pinned).toMatchObject({ revision: 2, pinned: true, updatedAt: published?.updatedAt });
    expect(corrected).toMatchObject({ revision: 3, corrections: [{ text: "An earlier version gave ten." }] });
    expect(corrected?.updatedAt).not.toBe(published?.updatedAt);
    expect(corrected?.corrections?.[0]?.at).toBe(corrected?.updatedAt);
    reader.close();
  });

  it("an edit sent twice (a retry after a 503) leaves readers holding exactly the stored entry", async () => {
    const feedId = "edit-twice";
    await api.createFeed(feedId);
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    await api.publish(feedId, { id: "e", body: "First word" });
    await waitFor(() => reader.events.length === 1, "published");
    for (let i = 0; i < 2; i++)
      expect((await api.edit(feedId, "e", { body: "First word, corrected" })).status).toBe(202);
    const { ticket } = await stack.store.acceptedTicket(feedId);
    await waitFor(async () => (await stack.store.acceptedTicket(feedId)).applied === ticket, "both edits applied");
    await waitFor(() => reader.events.length === 2, "the one change");
    await sleep(100); // nothing more may arrive: the second edit changed nothing
    expect(reader.events).toHaveLength(2);
    const stored = (await api.request<Entry>("GET", `/v1/feeds/${feedId}/entries/e`)).body;
    expect(reader.sub.entry("e")).toEqual(stored);
    reader.close();
  });
});

describe("media and embeds", () => {
  it("reach an SDK reader with variants and recognised providers", async () => {
    const feedId = "media";
    await api.createFeed(feedId);
    const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: "#c83c28" } })
      .jpeg()
      .toBuffer();
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(photo)], { type: "image/jpeg" }), "photo.jpg");
    form.append("credit", "Agency");
    const uploaded = await fetch(`${stack.url}/v1/media`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const item = (await uploaded.json()) as MediaItem;
    expect(uploaded.status).toBe(201);

    const missing = await api.publish(feedId, {
      body: "x",
      media: [
        { id: item.id, alt: "ok" },
        { id: "00000000-0000-4000-8000-000000000000", alt: "gone" },
      ],
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "media_not_found", details: [{ path: "media.1.id" }] } });
    const noAlt = await api.publish(feedId, { body: "x", media: [{ id: item.id }] });
    expect(codeOf(noAlt.body)).toBe("validation_failed");
    for (const url of ["http://example.com/a", "javascript:alert(1)//x.com"]) {
      const r = await api.publish(feedId, { body: "x", embeds: [{ url }] });
      expect([r.status, r.body]).toMatchObject([400, { error: { details: [{ path: "embeds.0.url" }] } }]);
    }

    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    const figure = `<figure><img src="/media/${item.id}/480.webp" alt="Fire"><figcaption>The fire</figcaption></figure>`;
    const sent = Date.now();
    const res = await api.publish(feedId, {
      id: "with-media",
      body: `<p>Smoke over the port.</p>${figure}<img src="/elsewhere.png">`,
      media: [{ id: item.id, alt: "Smoke rising over the harbour", caption: "The port at noon" }],
      embeds: [
        { url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" },
        { url: "https://youtu.be/dQw4w9WgXcQ" },
        { url: "https://vimeo.com/76979871" },
        { url: "https://x.com/newsroom/status/1234567890" },
        { url: "https://twitter.com/newsroom/status/1234567890" },
        { url: "https://bsky.app/profile/newsroom.bsky.social/post/3kabc" },
        { url: "https://www.instagram.com/p/C1abc/" },
        { url: "https://www.tiktok.com/@newsroom/video/7301234567890" },
        { url: "https://www.facebook.com/newsroom/posts/123" },
        { url: "https://youtube.com.evil.example/watch?v=1" },
      ],
    });
    expect(res.status).toBe(202);
    await waitFor(() => reader.events.length === 1, "the entry with media", 5000, 1);
    const ms = Date.now() - sent;
    console.log(`publish-to-reader with an image and 10 embeds: ${ms} ms`);
    const entry = reader.sub.entries[0];
    expect(entry?.media).toEqual([
      {
        id: item.id,
        url: item.url,
        width: item.width,
        height: item.height,
        variants: item.variants,
        alt: "Smoke rising over the harbour",
        caption: "The port at noon",
        credit: "Agency",
      },
    ]);
    expect(entry?.media?.[0]?.variants.map((v) => v.width)).toEqual([480, 960, 1200]);
    expect(entry?.embeds?.map((e) => e.provider)).toEqual([
      "youtube",
      "youtube",
      "vimeo",
      "x",
      "x",
      "bluesky",
      "instagram",
      "tiktok",
      "facebook",
      "link",
    ]);
    expect(entry?.body).toContain(figure.replace('alt="Fire">', 'alt="Fire" />'));
    expect(entry?.body).not.toContain("elsewhere");

    // Media can be replaced and removed by an edit.
    await api.edit(feedId, "with-media", { media: [], embeds: [] });
    await waitFor(() => reader.events.length === 2, "the media removed");
    expect(reader.sub.entries[0]?.media).toBeUndefined();
    expect(reader.sub.entries[0]?.embeds).toBeUndefined();
    reader.close();
  });
});
