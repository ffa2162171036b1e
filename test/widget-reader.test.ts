import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import type { Page, WebSocket } from "playwright-core";
import sharp from "sharp";
import { afterAll, describe, expect, it, vi } from "vitest";
import { axeViolations } from "./helpers/axe.js";
import { useBrowser } from "./helpers/browser.js";
import { expectScreenshot } from "./helpers/screenshots.js";
import { TOKEN } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";
import { DESKTOP, PHONE, at, newPage as openTab, openLivePage, type Scheme, writeAt } from "./helpers/reader-pages.js";

// What readers of the best live pages get, in headless Chromium against the real stack: the
// key-events summary, a share button per entry, bylines with role and picture, the
// <liveline-feed> element and the React entry. Phone and desktop, light and dark, Arabic.
// Screenshots are compared with test/screenshots/ (LIVELINE_UPDATE_SCREENSHOTS=1 rewrites them).

const dataDir = mkdtempSync(join(tmpdir(), "liveline-reader-test-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true })); // after the stack closed (hooks run in reverse)
const { stack } = useStack({ DATA_DIR: dataDir });
const browser = useBrowser({ timezoneId: "Europe/London", locale: "en-GB" });
afterAll(() => {
  vi.useRealTimers();
});

async function applied(feedId: string, seq: number): Promise<void> {
  await waitFor(async () => (await stack.store.currentSeq(feedId)) >= seq, `${feedId} at seq ${seq}`);
}

/** A picture uploaded through POST /v1/media, as its /media/ path (what an author's avatarUrl holds). */
async function uploadAvatar(): Promise<string> {
  const png = await sharp({ create: { width: 96, height: 96, channels: 3, background: { r: 30, g: 110, b: 90 } } })
    .png()
    .toBuffer();
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "sam.png");
  const res = await fetch(`${stack.url}/v1/media`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(201);
  // Root-relative without PUBLIC_URL (media URLs never come from the Host header).
  return new URL(((await res.json()) as { url: string }).url, stack.url).pathname;
}

const LONG_BODY =
  "<p>The Environment Agency has issued three severe flood warnings along the River Exe, where levels are still rising after a night of heavy rain.</p>";

/** A feed whose entries carry every feature: key events (one without a headline), bylines, a pin. */
async function seed(feedId: string, avatar: string): Promise<void> {
  await writeAt(at("13:50"), () => stack.api.request("POST", "/v1/feeds", { id: feedId, title: "Storm Elin: live" }));
  const entries: [string, Record<string, unknown>][] = [
    [
      "14:02",
      {
        id: "warning",
        headline: "Amber wind warning for the south-west",
        body: "<p>Gusts of 80 mph are possible on exposed coasts.</p>",
        author: { name: "Sam Okafor", role: "Weather correspondent", avatarUrl: avatar },
        keyEvent: true,
      },
    ],
    ["14:10", { id: "schools", headline: "Schools close early", body: "<p>Parents are asked to come by 2pm.</p>" }],
    ["14:21", { id: "floods", body: LONG_BODY, keyEvent: true, author: { name: "Lena Marsh" } }],
    [
      "14:32",
      { id: "summary", headline: "What we know so far", body: "<ul><li>Amber warning</li></ul>", pinned: true },
    ],
  ];
  for (const [hhmm, e] of entries) await writeAt(at(hhmm), () => stack.api.publish(feedId, e));
  await applied(feedId, entries.length);
}

function newPage(viewport = DESKTOP, scheme: Scheme = "light"): Promise<Page> {
  return openTab(browser, viewport, scheme);
}

function openFeedPage(path: string, viewport = DESKTOP, scheme: Scheme = "light"): Promise<Page> {
  return openLivePage(browser, `${stack.url}${path}`, viewport, scheme);
}

async function openHostPage(body: string, o: { lang?: string; dir?: string } = {}, viewport = DESKTOP): Promise<Page> {
  const page = await newPage(viewport);
  await page.setContent(
    `<!doctype html><html lang="${o.lang ?? "en"}" dir="${o.dir ?? "ltr"}"><head><title>Host</title>` +
      `<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
      `<body><main><h1>The Daily Example</h1>${body}</main><script src="${stack.url}/widget.js"></script></body></html>`,
  );
  return page;
}

const keyLinks = (page: Page) =>
  page
    .locator("#live nav.key-events a")
    .evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.querySelector("span")?.textContent ?? ""]));

describe("key events summary", () => {
  it("lists key events newest first as jump links, and follows marks, unmarks and retractions live", async () => {
    await seed("key", await uploadAvatar());
    const page = await openFeedPage("/feeds/key");
    const nav = page.locator("#live nav.key-events");
    expect(await nav.getAttribute("aria-label")).toBe("Key events");
    expect(await nav.locator("details").getAttribute("open")).toBe(""); // open on a desktop
    expect(await nav.locator("summary").textContent()).toBe("Key events (2)");
    expect(await keyLinks(page)).toEqual([
      ["#entry-floods", "The Environment Agency has issued three severe flood warnings along the River Exe, where…"],
      ["#entry-warning", "Amber wind warning for the south-west"],
    ]);
    expect(await nav.locator("li").first().locator("time").textContent()).toBe("14:21");

    // Jump: the address says where, the entry is brought into view and focused.
    await nav.locator('a[href="#entry-warning"]').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe("#entry-warning");
    const warning = page.locator('#live article[data-entry-id="warning"]');
    await expect.poll(() => warning.getAttribute("class")).toContain("target");
    expect(await warning.evaluate((el) => el.getRootNode() instanceof ShadowRoot && el.matches(":focus"))).toBe(true);

    // Live: a new key event on top, a mark, an unmark, a retraction.
    await stack.api.publish("key", { id: "bridge", headline: "Tamar Bridge closed", body: "<p>…</p>", keyEvent: true });
    await expect.poll(() => keyLinks(page).then((l) => l[0]?.[0])).toBe("#entry-bridge");
    await stack.api.edit("key", "schools", { keyEvent: true });
    await expect
      .poll(() => keyLinks(page).then((l) => l.map((x) => x[0])))
      .toEqual(["#entry-bridge", "#entry-floods", "#entry-schools", "#entry-warning"]);
    await stack.api.edit("key", "warning", { keyEvent: false });
    await stack.api.request("DELETE", "/v1/feeds/key/entries/floods");
    await expect
      .poll(() => keyLinks(page).then((l) => l.map((x) => x[0])))
      .toEqual(["#entry-bridge", "#entry-schools"]);
    expect(await nav.locator("summary").textContent()).toBe("Key events (2)");
    await stack.api.edit("key", "bridge", { keyEvent: false });
    await stack.api.edit("key", "schools", { keyEvent: false });
    await expect.poll(() => nav.isVisible()).toBe(false); // no key event: no summary
    await page.close();
  });

  it("starts folded on phones and opens on a tap; Arabic reads right to left", async () => {
    await seed("key-phone", await uploadAvatar());
    const page = await openFeedPage("/feeds/key-phone", PHONE);
    const details = page.locator("#live nav.key-events details");
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await page.locator("#live nav.key-events li").first().isVisible()).toBe(false);
    await page.locator("#live nav.key-events summary").click();
    expect(await page.locator("#live nav.key-events li").first().isVisible()).toBe(true);
    await page.close();

    const ar = await openHostPage(
      `<div id="live" data-liveline-feed="key-phone"></div>`,
      { lang: "ar", dir: "rtl" },
      PHONE,
    );
    await ar.locator("#live .status[data-state=live]").waitFor();
    await ar.locator("#live nav.key-events summary").click();
    expect(await ar.locator("#live nav.key-events summary").textContent()).toMatch(/^الأحداث الرئيسية \((2|٢)\)$/);
    // The time comes first in reading order: on the right.
    const first = ar.locator("#live nav.key-events li").first();
    const x = async (sel: string) => (await first.locator(sel).boundingBox())?.x ?? NaN;
    expect(await x("time")).toBeGreaterThan(await x("span"));
    await ar.close();
  });
});

describe("sharing an entry", () => {
  it("copies the entry's permalink and says 'Link copied', visibly and to screen readers", async () => {
    await seed("share", await uploadAvatar());
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url });
    const page = await openFeedPage("/feeds/share?entry=summary");
    const share = page.locator('#live article[data-entry-id="schools"] button.share');
    expect(await share.textContent()).toBe("Share");
    await share.click();
    const toast = page.locator("#live .toast");
    await expect.poll(() => toast.textContent()).toBe("Link copied");
    expect(await toast.getAttribute("role")).toBe("status");
    expect(await toast.isVisible()).toBe(true);
    // The page's own ?entry= is dropped: the link opens the shared entry, not the one opened here.
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${stack.url}/feeds/share#entry-schools`);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it("uses the Web Share sheet where there is one, and says so when copying fails", async () => {
    const page = await newPage(PHONE);
    await page.addInitScript(() => {
      Object.defineProperty(navigator, "share", {
        value: (data: ShareData) => {
          Object.assign(window, { shared: data });
          return Promise.resolve();
        },
      });
    });
    await page.goto(`${stack.url}/feeds/share`);
    await page.locator("#live .status[data-state=live]").waitFor();
    await page.locator('#live article[data-entry-id="warning"] button.share').click();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { shared?: ShareData }).shared))
      .toEqual({ url: `${stack.url}/feeds/share#entry-warning`, title: "Amber wind warning for the south-west" });
    expect(await page.locator("#live .toast").textContent()).toBe(""); // the sheet is the confirmation
    await page.close();

    const de = await openHostPage(`<div id="live" data-liveline-feed="share" data-locale="de"></div>`);
    await de.locator("#live .status[data-state=live]").waitFor();
    await de.evaluate(() => {
      Object.defineProperty(navigator, "clipboard", {
        value: { writeText: () => Promise.reject(new DOMException("denied", "NotAllowedError")) },
      });
    });
    const share = de.locator('#live article[data-entry-id="schools"] button.share');
    expect(await share.textContent()).toBe("Teilen");
    await share.click();
    await expect.poll(() => de.locator("#live .toast").textContent()).toBe("Link konnte nicht kopiert werden");
    await de.close();
  });
});

describe("bylines", () => {
  it("show the role and a 24px round picture, lazy and sized, in the widget and the feed page", async () => {
    const avatar = await uploadAvatar();
    await seed("bylines", avatar);
    const page = await openFeedPage("/feeds/bylines");
    const by = page.locator('#live article[data-entry-id="warning"] .byline');
    expect(await by.locator(".author").textContent()).toBe("Sam Okafor");
    expect(await by.locator(".role").textContent()).toBe("Weather correspondent");
    const img = by.locator("img.avatar");
    expect(await img.evaluate((el) => [el.getAttribute("src"), el.getAttribute("alt")])).toEqual([
      `${stack.url}${avatar}`,
      "",
    ]);
    expect(
      await img.evaluate((el) => [
        el.getAttribute("width"),
        el.getAttribute("height"),
        el.getAttribute("loading"),
        getComputedStyle(el).borderRadius,
      ]),
    ).toEqual(["24", "24", "lazy", "50%"]);
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await img.boundingBox()).toMatchObject({ width: 24, height: 24 });
    // An author without role or picture is just the name.
    expect(await page.locator('#live article[data-entry-id="floods"] .byline > *').count()).toBe(1);
    // The server-rendered copy, for crawlers and readers without JavaScript.
    const ssr = await (await fetch(`${stack.url}/feeds/bylines`)).text();
    expect(ssr).toContain(
      `<img class="avatar" src="${avatar}" alt="" width="24" height="24" loading="lazy" decoding="async"> <span class="author">Sam Okafor</span>, <span class="role">Weather correspondent</span>`,
    );
    await page.close();
  });

  it("refuses pictures that are not https or this service's /media/", async () => {
    await stack.api.createFeed("bad-avatars");
    for (const avatarUrl of [
      "http://example.com/a.png",
      "javascript:alert(1)",
      "data:image/png;base64,AAAA",
      "/media/../etc/passwd",
      "//evil.example/a.png",
      "https://exa mple.com/a.png",
    ]) {
      const res = await stack.api.publish("bad-avatars", { body: "x", author: { name: "A", avatarUrl } });
      expect([avatarUrl, res.status, (res.body as unknown as { error: { code: string } }).error.code]).toEqual([
        avatarUrl,
        400,
        "validation_failed",
      ]);
    }
    const ok = await stack.api.publish("bad-avatars", {
      body: "x",
      author: { name: "A", role: "Editor", avatarUrl: "https://cdn.example.com/a.png?w=48" },
    });
    expect(ok.status).toBe(202);
  });
});

describe("<liveline-feed>", () => {
  it("mounts from one tag, shows another feed when `feed` changes, themes, and ends when removed", async () => {
    await seed("tag-a", await uploadAvatar());
    await stack.api.createFeed("tag-b");
    await stack.api.publish("tag-b", { id: "only-b", headline: "Feed B", body: "<p>b</p>" });
    await applied("tag-b", 1);
    const page = await newPage();
    const sockets: WebSocket[] = [];
    page.on("websocket", (ws) => sockets.push(ws));
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>Host</title></head><body><main><h1>Site</h1>` +
        `<liveline-feed id="live" feed="tag-a" heading-level="3"></liveline-feed></main>` +
        `<script src="${stack.url}/widget.js"></script></body></html>`,
    );
    await page.locator("#live .status[data-state=live]").waitFor();
    expect(await page.locator('#live article[data-entry-id="warning"] .headline').evaluate((h) => h.tagName)).toBe(
      "H3",
    );
    const bg = () => page.locator("#live .ll").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await bg()).toBe("rgb(255, 255, 255)");
    await page.locator("#live").evaluate((el) => el.setAttribute("theme", "dark"));
    expect(await bg()).toBe("rgb(22, 23, 26)");

    await page.locator("#live").evaluate((el) => el.setAttribute("feed", "tag-b"));
    await page.locator('#live article[data-entry-id="only-b"]').waitFor();
    expect(await page.locator('#live article[data-entry-id="warning"]').count()).toBe(0);
    await stack.api.publish("tag-b", { id: "live-b", headline: "Live on B", body: "<p>…</p>" });
    await page.locator('#live article[data-entry-id="live-b"]').waitFor();

    const left = await page.locator("#live").evaluate((el) => {
      el.remove();
      return el.shadowRoot?.childElementCount;
    });
    expect(left).toBe(0);
    // With its widget went the page's only connection.
    await expect.poll(() => sockets.every((ws) => ws.isClosed())).toBe(true);
    expect(sockets.length).toBeGreaterThan(0);
    await page.close();
  });
});

describe("@liveline/client-sdk/react", () => {
  it("useLiveFeed receives a live entry through the real path; <LiveFeed> shows the widget", async () => {
    await stack.api.createFeed("react");
    await stack.api.publish("react", { id: "first", headline: "First", body: "<p>1</p>", pinned: true });
    await applied("react", 1);
    const bundle = await build({
      entryPoints: [new URL("./fixtures/react-app.ts", import.meta.url).pathname],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: "es2020",
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "warning",
    });
    const code = bundle.outputFiles[0]?.text ?? "";
    const page = await newPage();
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>React</title></head><body data-url="${stack.url}" data-feed="react"><div id="app"></div></body></html>`,
    );
    await page.addScriptTag({ content: code });
    await page.locator('#hook[data-state="connected"] li[data-id="first"]').waitFor();
    expect(await page.locator("#pinned").textContent()).toBe("First");

    await stack.api.publish("react", { id: "second", headline: "Second", body: "<p>2</p>" });
    await page.locator('#hook li[data-id="second"]').waitFor();
    // Newest first, as the SDK keeps them; the pinned one is flagged, not moved.
    expect(await page.locator("#hook li").evaluateAll((l) => l.map((e) => e.getAttribute("data-id")))).toEqual([
      "second",
      "first",
    ]);
    await page.locator('.widget article[data-entry-id="second"]').waitFor();

    // Unmounting the last component that follows the feed ends the subscription; the app's client stays.
    await page.locator("#toggle").click();
    const sub = () =>
      page.evaluate(() => {
        const c = (
          window as unknown as {
            livelineClient: { state: string; subscription(id: string): { isActive: boolean } | undefined };
          }
        ).livelineClient;
        return [c.state, c.subscription("react")?.isActive ?? false];
      });
    await expect.poll(sub).toEqual(["connected", false]);
    await page.locator("#toggle").click();
    await page.locator('#hook li[data-id="second"]').waitFor();
    await page.close();
  });
});

describe("screenshots against baselines", () => {
  it("reader-phone-dark-key-events, reader-desktop-light-share, reader-phone-ar-key-events", async () => {
    await seed("shots", await uploadAvatar());
    const phone = await openFeedPage("/feeds/shots", PHONE, "dark");
    await phone.locator("#live nav.key-events summary").click();
    await expectScreenshot(phone, "reader-phone-dark-key-events", "docs/widget-phone-dark-key-events.png");
    await phone.close();

    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url });
    const desktop = await openFeedPage("/feeds/shots", DESKTOP, "light");
    await expect
      .poll(() =>
        desktop.locator("#live article.entry img.avatar").evaluate((img) => (img as HTMLImageElement).naturalWidth),
      )
      .toBeGreaterThan(0);
    await desktop.locator('#live article[data-entry-id="schools"] button.share').click();
    await desktop.locator("#live .toast").getByText("Link copied").waitFor();
    await expectScreenshot(desktop, "reader-desktop-light-share", "docs/widget-desktop-light-share.png");
    await desktop.close();

    const ar = await openHostPage(
      `<div id="live" data-liveline-feed="shots"></div>`,
      { lang: "ar", dir: "rtl" },
      PHONE,
    );
    await ar.locator("#live .status[data-state=live]").waitFor();
    await ar.locator("#live nav.key-events summary").click();
    await expectScreenshot(ar, "reader-phone-ar-key-events");
    await ar.close();
  });
});
