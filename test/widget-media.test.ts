import type { Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./helpers/browser.js";
import { PHONE } from "./helpers/reader-pages.js";
import { uploadPhoto } from "./helpers/photo.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// Hosted images: responsive, captioned, lazy, their box reserved before a byte arrives (CLS ~0).
// Embed cards are click-to-load previews: until the reader clicks, the page asks nothing of
// any third party; a click on a video card fetches /widget-embeds.js from Liveline and puts the
// provider's player in the card's own 16:9 box. The network is closed here, so the test checks
// the player's frame and that its request is attempted, not that it plays.

const { stack } = useStack();
const browser = useBrowser({ timezoneId: "Europe/London", locale: "en-GB" });

const YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const VIMEO = "https://vimeo.com/76979871";
const POST = "https://x.com/metoffice/status/1900000000000000000";

describe("embed cards", () => {
  it("load nothing from a third party before the click, then the provider's player in the same box", async () => {
    await stack.api.createFeed("embeds", "Storm Elin: live");
    await stack.api.publish("embeds", { id: "older", body: "<p>Trains stop at Exeter.</p>" });
    await stack.api.publish("embeds", {
      id: "video",
      body: "<p>The surge at Dawlish.</p>",
      embeds: [{ url: YOUTUBE }],
    });
    await stack.api.publish("embeds", { id: "clips", body: "<p>More.</p>", embeds: [{ url: VIMEO }, { url: POST }] });
    await waitFor(async () => (await stack.store.currentSeq("embeds")) >= 3, "entries applied");

    const requests: string[] = [];
    const page = await browser.context.newPage();
    page.on("request", (r: Request) => requests.push(r.url()));
    await page.setViewportSize(PHONE);
    await page.goto(`${stack.url}/feeds/embeds`);
    await page.locator("#live .status[data-state=live]").waitFor();
    await page.waitForLoadState("networkidle");
    const offsite = () => requests.filter((u) => new URL(u).hostname !== "127.0.0.1");
    expect(requests.some((u) => u.endsWith("/widget.js"))).toBe(true);
    expect(offsite()).toEqual([]);
    expect(requests.some((u) => u.endsWith("/widget-embeds.js"))).toBe(false);

    const card = page.locator("#live a.embed.youtube");
    const box = await card.boundingBox();
    expect(box?.height).toBeCloseTo(((box?.width ?? 0) * 9) / 16, 0);
    const below = page.locator("#live #entry-older >> visible=true");
    // Where the next entry sits in the page (the player takes focus, which may scroll).
    const top = () => below.evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    const belowY = await top();
    await card.click();

    const frame = page.locator("#live #entry-video iframe.player");
    await frame.waitFor({ state: "attached" });
    expect(await frame.getAttribute("src")).toBe("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1");
    expect(await frame.getAttribute("sandbox")).toBe("allow-scripts allow-same-origin allow-presentation allow-popups");
    expect(await frame.getAttribute("allow")).toContain("autoplay");
    expect(await frame.getAttribute("referrerpolicy")).toBe("strict-origin-when-cross-origin");
    const frameBox = await frame.boundingBox();
    expect(frameBox?.height).toBeCloseTo(box?.height ?? 0, 0);
    expect(await top()).toBeCloseTo(belowY, 0);
    await waitFor(
      () => offsite().some((u) => u.startsWith("https://www.youtube-nocookie.com/embed/")),
      "player requested",
    );
    expect(offsite().every((u) => u.startsWith("https://www.youtube-nocookie.com/"))).toBe(true);

    // The second video uses the script already there.
    await page.locator("#live a.embed.vimeo").click();
    const vimeo = page.locator("#live #entry-clips iframe.player");
    await vimeo.waitFor({ state: "attached" });
    expect(await vimeo.getAttribute("src")).toBe("https://player.vimeo.com/video/76979871?autoplay=1&dnt=1");
    expect(requests.filter((u) => u.endsWith("/widget-embeds.js"))).toHaveLength(1);

    // A post (it would need the provider's script in the page) opens in a new tab instead.
    const post = page.locator("#live a.embed.x");
    expect(await post.getAttribute("target")).toBe("_blank");
    const [tab, opened] = await Promise.all([
      page.waitForEvent("popup"),
      page.context().waitForEvent("request", (r) => r.url() === POST),
      post.click(),
    ]);
    expect(opened.frame().page()).toBe(tab);
    await tab.close();
    expect(await page.locator("#live a.embed.x").count()).toBe(1);
    await page.close();
  });

  it("serves /widget-embeds.js next to /widget.js, compressed", async () => {
    const res = await fetch(`${stack.url}/widget-embeds.js`, { headers: { "accept-encoding": "br" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await res.text()).toContain("youtube-nocookie.com/embed/");
  });
});

describe("hosted images", () => {
  it("are a lazy srcset figure with caption and credit whose box is reserved: no layout shift as they load", async () => {
    const photo = await uploadPhoto(stack.url);
    expect(photo.variants.length).toBeGreaterThan(1);
    await stack.api.createFeed("photos", "Storm Elin: live");
    await stack.api.publish("photos", {
      id: "surge",
      body: "<p>Waves over the sea wall at Dawlish.</p>",
      media: [
        { id: photo.id, alt: "Waves breaking over a railway sea wall", caption: "Dawlish at noon.", credit: "Agency" },
      ],
    });
    const long =
      "<p>" + "Gusts of 80 mph are possible on exposed coasts, and ferries are cancelled. ".repeat(6) + "</p>";
    for (let i = 0; i < 5; i++) await stack.api.publish("photos", { id: `text-${i}`, body: long });
    await waitFor(async () => (await stack.store.currentSeq("photos")) >= 6, "entries applied");

    const page = await browser.context.newPage();
    await page.setViewportSize(PHONE);
    // Hold the picture back, to see its box before any byte of it arrives.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/media/**", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${stack.url}/feeds/photos`);
    await page.locator("#live .status[data-state=live]").waitFor();
    await page.evaluate(() => {
      const w = window as Window & { cls?: number };
      w.cls = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[])
          if (!e.hadRecentInput) w.cls = (w.cls ?? 0) + e.value;
      }).observe({ type: "layout-shift", buffered: true });
    });

    const img = page.locator("#live #entry-surge figure.media img >> visible=true");
    expect(await img.getAttribute("loading")).toBe("lazy");
    expect(await img.getAttribute("width")).toBe(String(photo.width));
    expect(await img.getAttribute("height")).toBe(String(photo.height));
    const srcset = (await img.getAttribute("srcset")) ?? "";
    expect(srcset.split(", ").map((c) => c.split(" ")[1])).toEqual(photo.variants.map((v) => `${v.width}w`));
    expect(await page.locator("#live #entry-surge figcaption >> visible=true").textContent()).toBe(
      "Dawlish at noon. Agency",
    );
    // Below the fold at first: lazy, so not fetched yet.
    expect((await img.boundingBox())?.y ?? 0).toBeGreaterThan(PHONE.height);

    // What the page shifted while it loaded is not the picture's doing: count from here on.
    const clsNow = () => page.evaluate(() => (window as Window & { cls?: number }).cls ?? -1);
    await page.waitForTimeout(300);
    const atLoad = await clsNow();
    await img.scrollIntoViewIfNeeded();
    const before = await img.boundingBox();
    expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(false);
    expect(before?.height).toBeCloseTo(((before?.width ?? 0) * photo.height) / photo.width, 0);
    release();
    await waitFor(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), "picture loaded");
    const after = await img.boundingBox();
    expect(after?.height).toBeCloseTo(before?.height ?? 0, 0);
    await page.waitForTimeout(300);
    const cls = (await clsNow()) - atLoad;
    console.log(
      `layout shift (phone): ${atLoad.toFixed(4)} while the page loaded, ${cls.toFixed(4)} as the picture loaded`,
    );
    expect(atLoad).toBeGreaterThanOrEqual(0);
    expect(cls).toBeLessThan(0.001);
    await page.close();
  });
});
