import type { Server as HttpServer } from "node:http";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./helpers/browser.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// The reader's widget, the feed page and the editor console in headless Chromium against the
// real stack. One browser for the whole file; each test uses its own feed and page.
// The console has its own file, console-browser.test.ts.

const { stack, restartStack } = useStack();
const browser = useBrowser({ timezoneId: "America/New_York" });

const article = (id: string) => `#live article[data-entry-id="${id}"]`;

async function openFeedPage(path: string, options: { clock?: boolean } = {}): Promise<Page> {
  const page = await browser.context.newPage();
  if (options.clock === true) await page.clock.install();
  await page.goto(`${stack.url}${path}`);
  await page.locator("#live .status[data-state=live]").waitFor();
  return page;
}

function shownIds(page: Page, visibleOnly = false): Promise<string[]> {
  return page
    .locator("#live article.entry")
    .evaluateAll(
      (els, onlyVisible) =>
        els.filter((e) => !onlyVisible || e.checkVisibility()).map((e) => (e as HTMLElement).dataset.entryId ?? ""),
      visibleOnly,
    );
}

async function publishAll(feedId: string, entries: Record<string, unknown>[]): Promise<void> {
  for (const e of entries) expect((await stack.api.publish(feedId, e)).status).toBe(202);
  await waitFor(async () => (await stack.store.currentSeq(feedId)) >= entries.length, `${feedId} applied`);
}

describe("reader widget on the feed page", () => {
  it("shows entries live: newest first, pinned on top, key-event filter, breaking, times, one live region", async () => {
    await stack.api.request("POST", "/v1/feeds", {
      id: "budget-day",
      title: "Budget day: the latest",
      description: "Live coverage of the chancellor's statement and the reaction.",
    });
    await publishAll("budget-day", [
      {
        id: "summary",
        headline: "What we know so far",
        body: "<ul><li>Statement starts at 12:30</li><li>Fuel duty and income tax thresholds expected</li></ul>",
        pinned: true,
      },
      {
        id: "markets",
        headline: "Markets steady before the speech",
        body: "<p>The FTSE 100 opened flat.</p>",
        author: { name: "Tom Reed" },
      },
    ]);
    const page = await openFeedPage("/feeds/budget-day");
    expect(await shownIds(page)).toEqual(["summary", "markets"]);
    // The server-rendered entries stay in the light DOM for crawlers.
    expect(await page.locator("#live > ol.ssr-entries > li").count()).toBe(2);

    await stack.api.publish("budget-day", {
      id: "statement",
      headline: "Chancellor begins statement",
      body: "<p>“A budget for growth,” she tells the Commons.</p>",
      author: { name: "Priya Shah" },
      keyEvent: true,
    });
    await page.locator(article("statement")).waitFor();
    await stack.api.publish("budget-day", {
      id: "fuel",
      headline: "Fuel duty frozen for another year",
      body: "<p>The 5p cut stays in place until next April.</p>",
      breaking: true,
    });
    await page.locator(article("fuel")).waitFor();
    expect(await shownIds(page)).toEqual(["summary", "fuel", "statement", "markets"]);
    expect(await page.locator(article("fuel")).getAttribute("class")).toContain("breaking");
    // New entries are highlighted, except for readers who asked for reduced motion (this browser).
    expect(await page.locator(article("fuel")).getAttribute("class")).toContain("fresh");
    expect(await page.locator(article("fuel")).evaluate((el) => getComputedStyle(el).animationName)).toBe("none");
    expect(await page.locator(`${article("summary")} .tag.pinned`).textContent()).toBe("Pinned");

    // Times: machine-readable datetime, clock and relative time on screen, full date and zone as title.
    const time = page.locator(`${article("statement")} time.published`);
    const entry = (await stack.api.request<{ publishedAt: string }>("GET", "/v1/feeds/budget-day/entries/statement"))
      .body;
    expect(await time.getAttribute("datetime")).toBe(entry.publishedAt);
    expect(await time.locator(".clock").textContent()).toMatch(/^\d{1,2}:\d\d\s[AP]M$/); // en-US, New York
    expect(await time.locator(".ago").textContent()).toBe("now");
    expect(await time.getAttribute("title")).toMatch(/E[SD]T$/);

    // One pinned entry: pinning another moves the pin, on screen and in the order.
    await stack.api.publish("budget-day", {
      id: "summary2",
      headline: "What we know now",
      body: "<p>…</p>",
      pinned: true,
    });
    await page.locator(article("summary2")).waitFor();
    await expect.poll(() => page.locator("#live article.entry.pinned").count()).toBe(1);
    expect((await shownIds(page))[0]).toBe("summary2");
    expect(await page.locator(`${article("summary")} .tag.pinned`).count()).toBe(0);
    // Moving the pin is not a correction: no "Updated" note on the unpinned entry.
    expect(await page.locator(`${article("summary")} .updated`).count()).toBe(0);
    await stack.api.retract("budget-day", "summary2");
    await stack.api.edit("budget-day", "summary", { pinned: true });
    await expect.poll(async () => (await shownIds(page))[0]).toBe("summary");

    // Key events only (pinned stays).
    await page.getByLabel("Key events only").check();
    await expect.poll(() => shownIds(page, true)).toEqual(["summary", "statement"]);
    await page.getByLabel("Key events only").uncheck();
    expect(await shownIds(page, true)).toHaveLength(4);

    // Keyboard: Tab reaches the filter and the pause control inside the shadow root.
    const reached = new Set<string>();
    for (let i = 0; i < 10 && reached.size < 2; i++) {
      await page.keyboard.press("Tab");
      const cls = await page.evaluate(() => document.querySelector("#live")?.shadowRoot?.activeElement?.className);
      if (cls === "key-filter" || cls === "pause") reached.add(cls);
    }
    expect([...reached].sort()).toEqual(["key-filter", "pause"]);

    // One polite live region, announcing a count, never an entry's text.
    const regions = page.locator("#live [aria-live]");
    expect(await regions.count()).toBe(1);
    expect(await regions.getAttribute("aria-live")).toBe("polite");
    await waitFor(async () => /^\d+ new updates?$/.test((await regions.textContent()) ?? ""), "an announcement");

    await page.close();
  });

  it("puts each published entry on screen (publish → visible time is logged, not asserted)", async () => {
    await stack.api.createFeed("latency");
    const page = await openFeedPage("/feeds/latency");
    // Record when each entry's node enters the widget's list, on the browser's clock (same machine).
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { seen: Record<string, number> }).seen = seen;
      const list = document.querySelector("#live")?.shadowRoot?.querySelector("ol.entries");
      if (!list) throw new Error("no widget list");
      new MutationObserver((records) => {
        const at = performance.timeOrigin + performance.now();
        for (const r of records)
          for (const n of r.addedNodes) {
            const id = (n as HTMLElement).querySelector?.("article")?.dataset.entryId;
            if (id !== undefined) seen[id] ??= at;
          }
      }).observe(list, { childList: true });
    });
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      const id = `l${i}`;
      const t0 = performance.timeOrigin + performance.now();
      await stack.api.publish("latency", { id, body: `sample ${i}` });
      const at = await waitFor(
        () => page.evaluate((k) => (window as unknown as { seen: Record<string, number> }).seen[k], id),
        `entry ${id} on screen`,
      );
      samples.push(at - t0);
    }
    samples.sort((a, b) => a - b);
    const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]?.toFixed(1);
    console.log(
      `publish → visible in Chromium over ${samples.length} entries: median ${pct(0.5)} ms, max ${pct(1)} ms`,
    );
    expect(await page.locator("#live article.entry").count()).toBe(10);
    await page.close();
  });

  it("shows new entries behind an 'N new updates' pill when scrolled down, without moving the page", async () => {
    await stack.api.createFeed("scroll", "Scrolling");
    const long = "<p>" + "A paragraph long enough to take some room on the page. ".repeat(6) + "</p>";
    await publishAll(
      "scroll",
      Array.from({ length: 20 }, (_, i) => ({ id: `s${i + 1}`, headline: `Entry ${i + 1}`, body: long })),
    );
    const page = await openFeedPage("/feeds/scroll");
    await page.evaluate(() => window.scrollTo(0, 1500));
    const anchor = page.locator(article("s12"));
    const before = { y: await page.evaluate(() => window.scrollY), top: (await anchor.boundingBox())?.y };

    await stack.api.publish("scroll", { id: "new1", body: "first new" });
    const pill = page.locator("#live button.pill");
    await expect.poll(() => pill.textContent()).toBe("1 new update – show");
    await stack.api.publish("scroll", { id: "new2", body: "second new" });
    await expect.poll(() => pill.textContent()).toBe("2 new updates – show");
    expect(await page.locator(article("new1")).count()).toBe(0);
    expect(await page.evaluate(() => window.scrollY)).toBe(before.y);
    expect((await anchor.boundingBox())?.y).toBe(before.top);

    await pill.click();
    await page.locator(article("new2")).waitFor();
    expect((await shownIds(page)).slice(0, 2)).toEqual(["new2", "new1"]);
    expect(await pill.isHidden()).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBeLessThan(before.y);

    // Pausing (WCAG 2.2.2): nothing is inserted until the reader resumes.
    await page.evaluate(() => window.scrollTo(0, 0));
    const pause = page.getByRole("button", { name: "Pause live updates" });
    await pause.click();
    expect(await page.locator("#live .status").textContent()).toBe("Live updates paused");
    await stack.api.publish("scroll", { id: "new3", body: "while paused" });
    await expect.poll(() => pill.textContent()).toBe("1 new update – show");
    expect(await page.locator(article("new3")).count()).toBe(0);
    await page.getByRole("button", { name: "Resume live updates" }).click();
    await page.locator(article("new3")).waitFor();
    expect((await shownIds(page))[0]).toBe("new3");
    await page.close();
  });

  it("replaces edited entries in place with an 'Updated' mark and removes retracted ones", async () => {
    await stack.api.createFeed("edits");
    await publishAll("edits", [
      { id: "e1", headline: "Turnout high", body: "<p>Turnout is 40%.</p>" },
      { id: "e2", body: "<p>To be retracted.</p>" },
      { id: "e3", body: "<p>Latest.</p>" },
    ]);
    const page = await openFeedPage("/feeds/edits", { clock: true });
    expect(await shownIds(page)).toEqual(["e3", "e2", "e1"]);
    expect(await page.locator(`${article("e1")} .updated`).count()).toBe(0);

    await stack.api.edit("edits", "e1", { body: "<p>Turnout is 42%, officials say.</p>" });
    await expect
      .poll(() => page.locator(`${article("e1")} .body`).textContent())
      .toBe("Turnout is 42%, officials say.");
    expect(await page.locator(`${article("e1")} .updated`).textContent()).toMatch(/^Updated \d{1,2}:\d\d\s[AP]M$/);
    expect(await page.locator(article("e1")).getAttribute("data-revision")).toBe("2");
    // A key-event mark raises the revision too, but is no correction: no note.
    await stack.api.edit("edits", "e3", { keyEvent: true });
    await expect.poll(() => page.locator(article("e3")).getAttribute("data-revision")).toBe("2");
    expect(await page.locator(`${article("e3")} .updated`).count()).toBe(0);

    await stack.api.retract("edits", "e2");
    await expect.poll(() => shownIds(page)).toEqual(["e3", "e1"]);

    // Relative times are refreshed as time passes.
    const time = page.locator(`${article("e3")} time.published .ago`);
    expect(await time.textContent()).toBe("now");
    await page.clock.fastForward("03:00");
    await expect.poll(() => time.textContent()).toBe("3 min. ago");
    await page.close();
  });

  it("loads older entries with the before cursor and opens deep links far back", async () => {
    await stack.api.createFeed("history");
    const ids = Array.from({ length: 60 }, (_, i) => `h${String(i + 1).padStart(2, "0")}`);
    await publishAll(
      "history",
      ids.map((id) => ({ id, body: `entry ${id}` })),
    );
    const page = await openFeedPage("/feeds/history");
    expect(await page.locator("#live article.entry").count()).toBe(50);
    await page.getByRole("button", { name: "Load older updates" }).click();
    await expect.poll(() => page.locator("#live article.entry").count()).toBe(60);
    expect(await shownIds(page)).toEqual([...ids].reverse());
    expect(await page.locator("#live button.older").isHidden()).toBe(true);
    await page.close();

    for (const link of ["/feeds/history#entry-h03", "/feeds/history?entry=h05"]) {
      const deep = await openFeedPage(link);
      const id = link.endsWith("h03") ? "h03" : "h05";
      const target = deep.locator(article(id));
      await expect.poll(() => target.getAttribute("class")).toContain("target");
      await expect.poll(() => target.evaluate((el) => el.getBoundingClientRect().top)).toBeLessThan(800);
      expect(await target.evaluate((el) => el.getBoundingClientRect().bottom)).toBeGreaterThan(0);
      expect(await deep.evaluate(() => document.activeElement?.id)).toBe("live"); // focus is inside the widget
      await deep.close();
    }
  });

  it("shares one connection between widgets, works cross-origin, and re-checks entry HTML", async () => {
    await stack.api.createFeed("one");
    await stack.api.createFeed("two");
    await publishAll("one", [{ id: "a1", body: "in one" }]);
    await publishAll("two", [{ id: "b1", body: "in two" }]);
    const io = stack.io;
    if (io === undefined) throw new Error("no io");
    // The connections that were there before (an earlier test's page may still be closing its own).
    // (One socket on "/" per connection: the widget uses no other namespace.)
    const connections = () => new Set(io.of("/").sockets.keys());
    const before = connections();
    const page = await browser.context.newPage();
    await page.setContent(
      `<div id="w1" data-liveline-feed="one"></div><div id="w2" data-liveline-feed="two"></div>` +
        `<script src="${stack.url}/widget.js"></script>`,
    );
    await page.locator(`#w1 article[data-entry-id="a1"]`).waitFor();
    await page.locator(`#w2 article[data-entry-id="b1"]`).waitFor();
    expect([...connections()].filter((id) => !before.has(id))).toHaveLength(1);

    const cleaned = await page.evaluate(() => {
      const w = window as unknown as { Liveline: { safeFragment(d: Document, html: string): DocumentFragment } };
      const box = document.createElement("div");
      box.append(
        w.Liveline.safeFragment(
          document,
          '<p onclick="x()">hi<script>window.pwned=1</script><a href="javascript:alert(1)">j</a>' +
            '<a href="https://example.org/">ok</a><img src="http://127.0.0.1:1/a.png">' +
            '<img src="https://127.0.0.1:1/b.png" onerror="window.pwned=2"><iframe src="https://127.0.0.1:1/"></iframe></p>',
        ),
      );
      return { html: box.innerHTML, pwned: (window as unknown as { pwned?: number }).pwned };
    });
    expect(cleaned.pwned).toBeUndefined();
    expect(cleaned.html).toBe(
      '<p>hi<a>j</a><a href="https://example.org/" rel="noopener noreferrer" target="_blank">ok</a>' +
        '<img src="https://127.0.0.1:1/b.png" alt="" loading="lazy"></p>',
    );
    await page.close();
  });
});

describe("reconnecting", () => {
  it("shows 'Reconnecting…' while the server is down and catches up in order when it is back", async () => {
    await stack.api.createFeed("restart");
    await publishAll("restart", [{ id: "r1", body: "before the restart" }]);
    const page = await openFeedPage("/feeds/restart");
    const port = String(stack.port);
    const keyPrefix = stack.keyPrefix;
    // Go down like a crashed node: drop every connection at once (a clean close would wait for
    // the browser's idle pre-connected sockets to time out).
    const closing = stack.close();
    (stack.io?.httpServer as HttpServer | undefined)?.closeAllConnections();
    await closing;
    await expect.poll(() => page.locator("#live .status").textContent()).toBe("Reconnecting…");

    await restartStack({ PORT: port, KEY_PREFIX: keyPrefix });
    await stack.api.publish("restart", { id: "r2", body: "after the restart" });
    await stack.api.publish("restart", { id: "r3", body: "and another" });
    await page.locator(article("r3")).waitFor({ timeout: 20_000 });
    await expect.poll(() => shownIds(page)).toEqual(["r3", "r2", "r1"]);
    expect(await page.locator("#live .status").textContent()).toBe("Live");
    await page.close();
  });
});
