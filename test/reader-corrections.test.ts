import type { Page } from "playwright-core";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { LAPTOP, axeEveryLook } from "./helpers/axe.js";
import { useBrowser } from "./helpers/browser.js";
import type { Scheme } from "./helpers/reader-pages.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// What readers are told about an entry's history, through the whole path (API, queue, worker,
// Redis, socket, Chromium): "Updated" only when what the entry says changed after it went out
// (not for a draft published late, a scheduled entry, a pin or a key-event mark), and each
// correction as a labelled notice with its time and note, in the widget's six languages, on the
// server-rendered page, in its JSON-LD and in the Atom and JSON Feed documents.

const { stack } = useStack();
const browser = useBrowser({ timezoneId: "Europe/London", locale: "en-GB" });

const FEED = "desk";
const NOTE = "An earlier version of this entry said gusts of 80 mph.";
const article = (id: string) => `#live article[data-entry-id="${id}"]`;
/** Entries whose text never changed after publication, each having taken a revision or more. */
const UNCHANGED = ["plain", "flags", "late", "timed"];

async function seq(): Promise<number> {
  return stack.store.currentSeq(FEED);
}

async function openPage(viewport = LAPTOP, scheme: Scheme = "light"): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(`${stack.url}/feeds/${FEED}`);
  await page.locator("#live .status[data-state=live]").waitFor();
  return page;
}

/** The widget's "Updated" notes and correction labels, by entry id, as drawn. */
function notes(page: Page): Promise<Record<string, { updated: boolean; corrections: string[] }>> {
  return page.locator("#live article.entry").evaluateAll((els) =>
    Object.fromEntries(
      els.map((el) => [
        (el as HTMLElement).dataset.entryId ?? "",
        {
          updated: el.querySelector(".updated") !== null,
          corrections: [...el.querySelectorAll(".correction")].map((c) => c.textContent ?? ""),
        },
      ]),
    ),
  );
}

describe("the Updated mark and corrections", () => {
  it("mark only entries whose text changed, live and after a reload, and label each correction", async () => {
    const { api } = stack;
    await api.createFeed(FEED, "Storm Elin: live");
    await api.publish(FEED, { id: "plain", body: "<p>Trains stop at Exeter.</p>" });
    await api.publish(FEED, { id: "flags", body: "<p>Schools close at noon.</p>" });
    await api.publish(FEED, { id: "fixed", headline: "Amber warning", body: "<p>Gusts of 80 mph.</p>" });
    // A draft, changed while still a draft: its text is new to readers when it goes out.
    await api.publish(FEED, { id: "late", body: "<p>Ferries stop.</p>", status: "draft" });
    await api.edit(FEED, "late", { body: "<p>All ferries stop until Thursday.</p>" });
    await waitFor(async () => (await seq()) === 3, "the published entries");
    const page = await openPage();
    await page.locator(article("fixed")).waitFor();

    expect((await api.request("POST", `/v1/feeds/${FEED}/entries/late/publish`)).status).toBe(202);
    const publishAt = new Date(Date.now() + 1500).toISOString();
    await api.publish(FEED, { id: "timed", body: "<p>The bridge closes at six.</p>", publishAt });
    await api.edit(FEED, "flags", { keyEvent: true });
    await api.edit(FEED, "flags", { pinned: true });
    await api.edit(FEED, "flags", { pinned: false });
    await api.edit(FEED, "plain", { breaking: true });
    expect((await api.edit(FEED, "fixed", { body: "<p>Gusts of 85 mph.</p>", correction: NOTE })).status).toBe(202);
    await page.locator(article("timed")).waitFor({ timeout: 15_000 });
    await waitFor(async () => (await seq()) === 10, "every change applied");
    await expect.poll(async () => (await notes(page)).fixed?.corrections.length).toBe(1);

    // Live, then after a reload: each look is taken once the widget has drawn every entry (the
    // reload's notes are read only after the reloaded widget has caught up, never before).
    for (const reload of [false, true]) {
      if (reload) {
        await page.reload();
        await page.locator("#live .status[data-state=live]").waitFor();
      }
      await expect
        .poll(async () => Object.keys(await notes(page)).sort())
        .toEqual(["fixed", "flags", "late", "plain", "timed"]);
      await expect.poll(async () => (await notes(page)).fixed?.corrections.length).toBe(1);
      const shown = await notes(page);
      for (const id of UNCHANGED) expect([id, shown[id]]).toEqual([id, { updated: false, corrections: [] }]);
      expect(shown.fixed?.updated).toBe(true);
    }
    // Each entry did take revisions: the mark is decided by what changed, not by counting them.
    const stored = (
      await api.request<{ entries: { id: string; revision: number }[] }>("GET", `/v1/feeds/${FEED}/entries`)
    ).body.entries;
    for (const id of ["plain", "flags", "late"]) expect(stored.find((e) => e.id === id)?.revision).toBeGreaterThan(1);

    const correction = page.locator(`${article("fixed")} .correction`);
    expect(await correction.locator("strong").textContent()).toBe("Correction");
    expect(await correction.locator(".note").textContent()).toBe(NOTE);
    const time = correction.locator("time");
    const entry = (
      await api.request<{ corrections: { at: string }[]; updatedAt: string }>("GET", `/v1/feeds/${FEED}/entries/fixed`)
    ).body;
    expect(await time.getAttribute("datetime")).toBe(entry.corrections[0]?.at);
    expect(await time.textContent()).toMatch(/^\d{1,2}:\d\d$/);
    expect(await page.locator(`${article("fixed")} .updated`).textContent()).toBe(
      `Updated ${await time.textContent()}`,
    );

    // The server-rendered entries under the widget say the same.
    const ssr = (id: string) => page.locator(`#live > ol.ssr-entries article#entry-${id}`);
    for (const id of UNCHANGED) expect([id, await ssr(id).locator(".updated, .correction").count()]).toEqual([id, 0]);
    expect(await ssr("fixed").locator("em.updated").textContent()).toMatch(/^Updated \d+ \w+ \d{4}, \d\d:\d\d UTC$/);
    expect(await ssr("fixed").locator("p.correction").textContent()).toMatch(
      new RegExp(`^Correction \\d+ \\w+ \\d{4}, \\d\\d:\\d\\d UTC: ${NOTE}$`),
    );
    await page.close();
  });

  it("are in the page's JSON-LD and in the Atom and JSON Feed documents", async () => {
    const html = await (await fetch(`${stack.url}/feeds/${FEED}`)).text();
    const ld = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)?.[1] ?? "{}";
    const posting = JSON.parse(ld) as {
      liveBlogUpdate: {
        "@id": string;
        datePublished: string;
        dateModified: string;
        correction?: { "@type": string; text: string; datePublished: string }[];
      }[];
    };
    const update = (id: string) => posting.liveBlogUpdate.find((u) => u["@id"].endsWith(`#entry-${id}`));
    for (const id of UNCHANGED) {
      expect(update(id)?.dateModified, id).toBe(update(id)?.datePublished);
      expect(update(id)?.correction, id).toBeUndefined();
    }
    const fixed = update("fixed");
    expect(Date.parse(fixed?.dateModified ?? "")).toBeGreaterThan(Date.parse(fixed?.datePublished ?? ""));
    expect(fixed?.correction).toEqual([
      { "@type": "CorrectionComment", text: NOTE, datePublished: fixed?.dateModified },
    ]);

    const atom = await (await fetch(`${stack.url}/feeds/${FEED}/atom.xml`)).text();
    const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "entry" });
    const entries = (
      parser.parse(atom) as {
        feed: { entry: { id: string; updated: string; published: string; content: { "#text": string } }[] };
      }
    ).feed.entry;
    const atomEntry = (id: string) => entries.find((e) => e.id.endsWith(`:${id}`));
    for (const id of UNCHANGED) {
      expect(atomEntry(id)?.updated, id).toBe(atomEntry(id)?.published);
      expect(atomEntry(id)?.content["#text"], id).not.toContain("Correction");
    }
    expect(Date.parse(atomEntry("fixed")?.updated ?? "")).toBeGreaterThan(
      Date.parse(atomEntry("fixed")?.published ?? ""),
    );
    expect(atomEntry("fixed")?.content["#text"]).toMatch(
      /<p class="correction"><strong>Correction<\/strong> <time datetime="[^"]+">[^<]+ UTC<\/time>: An earlier version/,
    );

    const json = (await (await fetch(`${stack.url}/feeds/${FEED}/feed.json`)).json()) as {
      items: { id: string; date_published: string; date_modified: string; content_html: string }[];
    };
    const item = (id: string) => json.items.find((i) => i.id.endsWith(`:${id}`));
    for (const id of UNCHANGED) expect(item(id)?.date_modified, id).toBe(item(id)?.date_published);
    expect(item("fixed")?.content_html).toContain(`<strong>Correction</strong>`);
    expect(item("fixed")?.content_html).toContain(NOTE);
  });

  it("labels a correction in each of the widget's six languages", async () => {
    const labels = {
      en: "Correction",
      de: "Korrektur",
      fr: "Rectificatif",
      es: "Corrección",
      uk: "Виправлення",
      ar: "تصحيح",
    };
    const page = await browser.context.newPage();
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>Host</title></head><body><main><h1>The Daily Example</h1>` +
        Object.keys(labels)
          .map((l) => `<div id="w-${l}" data-liveline-feed="${FEED}" data-locale="${l}"></div>`)
          .join("") +
        `</main><script src="${stack.url}/widget.js"></script></body></html>`,
    );
    for (const [lang, label] of Object.entries(labels)) {
      const correction = page.locator(`#w-${lang} article[data-entry-id="fixed"] .correction`);
      await correction.waitFor();
      expect([lang, await correction.locator("strong").textContent()]).toEqual([lang, label]);
      expect(await correction.locator(".note").textContent()).toBe(NOTE);
      expect(await page.locator(`#w-${lang} article[data-entry-id="late"] .updated`).count()).toBe(0);
    }
    await page.close();
  });

  it("is readable: axe-core finds no violation, phone and desktop, light and dark", async () => {
    const counts = await axeEveryLook(
      "corrections",
      async (viewport, scheme) => {
        const page = await openPage(viewport, scheme);
        await page.locator(`${article("fixed")} .correction`).waitFor();
        return page;
      },
      (violations, look) => expect(violations, look).toEqual([]),
    );
    console.log(`axe-core violations on a corrected feed: ${counts}`);
  });
});
